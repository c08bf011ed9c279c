"""Three heat-engine processes, heat-api and heat-localcloud as subprocesses on RabbitMQ and
PostgreSQL (and a smaller run on MariaDB): concurrent creates of 50-resource stacks with a few
servers; one engine is SIGKILLed mid-way. Every stack ends in a terminal state, localcloud
holds exactly the servers of the stacks that completed, the work of one stack ran on several
engines, and `heat-manage service-list` shows the dead engine as down."""

from __future__ import annotations

import collections
import json
import os
import signal
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from heat.db import models
from heat_tests.scaleout.cluster import Cluster, rabbit_reachable

pytestmark = pytest.mark.skipif(
    not rabbit_reachable(), reason="RabbitMQ is not reachable at 127.0.0.1:5672"
)

TERMINAL = {"CREATE_COMPLETE", "CREATE_FAILED", "ROLLBACK_COMPLETE", "ROLLBACK_FAILED"}
SERVER = {
    "Type": "AWS::EC2::Instance",
    "Properties": {"ImageId": "F17-x86_64-cfntools", "InstanceType": "m1.tiny"},
}


def template(resources: int, server: bool) -> dict:
    """`resources` TestResources in chains of five (so the walk takes a while), and a server."""
    body = {}
    for i in range(resources):
        props = {"wait_secs": 0.2, "value": f"r{i}"}
        body[f"R{i}"] = {"Type": "OS::Heat::TestResource", "Properties": props}
        if i >= 10:
            body[f"R{i}"]["DependsOn"] = f"R{i - 10}"
    if server:
        body["Server"] = SERVER
    return {"HeatTemplateFormatVersion": "2012-12-12", "Resources": body}


def _db(cluster):
    return sa.create_engine(cluster.database.url, poolclass=sa.pool.NullPool)


def _count_complete(engine) -> int:
    r = models.resource
    query = sa.select(sa.func.count()).where(r.c.status == "COMPLETE", r.c.action == "CREATE")
    with engine.connect() as conn:
        return conn.execute(query).scalar()


def _run(tmp_path, backend: str, stacks: int, resources: int, servers: int):
    cluster = Cluster(tmp_path, backend).start()
    db = _db(cluster)
    try:
        names = [f"s{i}-{uuid.uuid4().hex[:6]}" for i in range(stacks)]
        with ThreadPoolExecutor(8) as pool:
            ids = dict(
                zip(
                    names,
                    pool.map(
                        lambda item: cluster.create_stack(
                            item[1], template(resources, item[0] < servers)
                        ),
                        enumerate(names),
                    ),
                    strict=True,
                )
            )
        # Kill an engine once about a quarter of the work is done.
        total = stacks * resources
        deadline = time.time() + 120
        while _count_complete(db) < total // 4 and time.time() < deadline:
            time.sleep(0.1)
        victim = cluster.engines[1]
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        killed_at = time.time()

        deadline = time.time() + 240
        while time.time() < deadline:
            statuses = cluster.stacks()
            if all(statuses.get(n) in TERMINAL for n in names):
                break
            time.sleep(1)
        statuses = cluster.stacks()
        stuck = {n: s for n, s in statuses.items() if s not in TERMINAL}
        assert stuck == {}, _diagnose(cluster, stuck)
        took_over_in = time.time() - killed_at
        # Only the victim's own stacks roll back: steps it ran for others were dispatched again.
        owned_by_victim = _owned_by(db, victim.engine_id, list(ids.values()))
        for name in names:
            expected = "ROLLBACK_COMPLETE" if ids[name] in owned_by_victim else "CREATE_COMPLETE"
            assert statuses[name] == expected, (name, cluster.reasons[name])

        with db.connect() as conn:
            r = models.resource
            rows = conn.execute(sa.select(r.c.stack_id, r.c.name, r.c.status, r.c.engine_id,
                                          r.c.physical_resource_id)).all()  # fmt: skip
        assert [row for row in rows if row.status == "IN_PROGRESS"] == []

        # Exactly the servers of the COMPLETE stacks: none leaked, none booted twice.
        complete = {ids[n] for n in names if statuses[n] == "CREATE_COMPLETE"}
        owned = {
            row.physical_resource_id
            for row in rows
            if row.name == "Server" and row.stack_id in complete
        }
        servers_now = cluster.servers()
        server_rows = [
            (statuses[n], row.status, row.physical_resource_id)
            for n in names
            for row in rows
            if row.stack_id == ids[n] and row.name == "Server"
        ]
        assert sorted(s.id for s in servers_now) == sorted(owned), (
            collections.Counter(statuses.values()),
            collections.Counter(cluster.reasons.values()),
            server_rows,
            [(s.id, s.status) for s in servers_now],
        )
        per_resource = collections.Counter(s.metadata["heat:resource_uuid"] for s in servers_now)
        assert all(count == 1 for count in per_resource.values())

        # The work of each stack was spread: a stack's resources ran on several engines.
        engines_per_stack = collections.defaultdict(set)
        for row in rows:
            if row.engine_id:
                engines_per_stack[row.stack_id].add(row.engine_id)
        assert max(len(e) for e in engines_per_stack.values()) >= 2

        # service-list: the dead engine is down, the others up.
        listing = cluster.manage("service-list", "--json")
        assert listing.returncode == 0, listing.stderr
        entries = {e["engine_id"]: e for e in map(json.loads, listing.stdout.splitlines())}
        assert entries[victim.engine_id]["status"] == "down"
        assert entries[victim.engine_id]["pid"] == victim.pid
        alive = [p.engine_id for p in cluster.engines if p is not victim]
        assert {entries[e]["status"] for e in alive} == {"up"}
        assert sum(1 for e in entries.values() if e["leader"] == "yes") == 1

        # Deleting every stack leaves localcloud empty.
        for name in names:
            cluster.delete_stack(name, ids[name])
        deadline = time.time() + 120
        while cluster.stacks() and time.time() < deadline:
            time.sleep(1)
        assert cluster.stacks() == {}
        assert cluster.servers() == []
        return statuses, took_over_in
    finally:
        db.dispose()
        cluster.stop()


def _owned_by(db, engine_id: str, stack_ids: list[str]) -> set[str]:
    """The stacks taken over from `engine_id`: the takeover's events name it."""
    e = models.event
    reason = f"engine {engine_id} stopped while CREATE was in progress"
    with db.connect() as conn:
        rows = conn.execute(
            sa.select(e.c.stack_id).where(e.c.stack_id.in_(stack_ids), e.c.reason == reason)
        )
        return {row.stack_id for row in rows}


def _diagnose(cluster, stuck) -> str:
    logs = []
    for index in range(len(cluster.engines)):
        path = cluster.state / f"engine-{index}.log"
        if os.path.exists(path):
            logs.append(f"--- engine {index}\n" + open(path).read()[-3000:])
    return f"stuck: {stuck}\n" + "\n".join(logs)


def test_postgresql_survives_an_engine_killed_mid_create(tmp_path):
    statuses, _ = _run(tmp_path, "postgresql", stacks=20, resources=50, servers=5)
    assert set(statuses.values()) <= TERMINAL


def test_mariadb_survives_an_engine_killed_mid_create(tmp_path):
    statuses, _ = _run(tmp_path, "mariadb", stacks=6, resources=30, servers=2)
    assert set(statuses.values()) <= TERMINAL
