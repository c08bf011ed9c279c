"""Scale-out benchmark: resources created per second with 1, 2 and 4 heat-engine processes on
RabbitMQ and PostgreSQL. Prints one JSON line per configuration.

python -m heat_tests.benchmarks.scaleout [--engines 1,2,4] [--big 2000] [--stacks 50]
    [--stack-size 40] [--wait-secs 0]

Scenarios: one stack of --big TestResources, and --stacks concurrent stacks of --stack-size
TestResources each; every resource is independent of the others except that each tenth one
depends on the one before it (a shallow graph, as real stacks mostly are). The engines are
real `heat-engine` processes on a throwaway PostgreSQL database; stacks are created with the
RPC client, as heat-api does, and timed from the first create call until the database says
every stack is CREATE_COMPLETE.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

BIN = os.path.dirname(sys.executable)


def template(n: int, wait_secs: float) -> str:
    resources = {}
    for i in range(n):
        body = {"Type": "OS::Heat::TestResource", "Properties": {"value": f"v{i}"}}
        if wait_secs:
            body["Properties"]["wait_secs"] = wait_secs
        if i % 10 == 9:
            body["DependsOn"] = f"R{i - 1}"
        resources[f"R{i}"] = body
    return json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources})


class Engines:
    """N heat-engine processes on one database and a topic of their own."""

    def __init__(self, url: str, count: int, state: Path):
        self.state = state
        self.topic = f"heat-bench-{uuid.uuid4().hex[:8]}"
        conf = state / "heat.conf"
        conf.write_text(
            f"""[DEFAULT]
state_dir = {state}
transport_url = rabbit://guest:guest@127.0.0.1:5672/
engine_topic = {self.topic}
heartbeat_interval = 0.5
engine_heartbeat_timeout = 5
[database]
connection = {url}
"""
        )
        self.conf = str(conf)
        self.procs = []
        for index in range(count):
            log = open(state / f"engine-{index}.log", "w")  # noqa: SIM115
            proc = subprocess.Popen(
                [os.path.join(BIN, "heat-engine"), "--config-file", self.conf],
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
            line = proc.stdout.readline()
            if not line.startswith("heat-engine "):
                raise SystemExit(f"heat-engine did not start: see {state}/engine-{index}.log")
            self.procs.append(proc)
        time.sleep(1.5)  # every engine has seen the others' heartbeats

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            proc.wait(60)


def _run(client, ctx, db: sa.Engine, stacks: int, size: int, wait_secs: float) -> dict:
    text = template(size, wait_secs)
    start = time.perf_counter()
    ids = [
        client.create_stack(ctx, f"b{i}-{uuid.uuid4().hex[:6]}", text)["stack_id"]
        for i in range(stacks)
    ]
    from heat.db import models

    s, r = models.stack, models.resource
    while True:
        with db.connect() as conn:
            states = conn.execute(
                sa.select(s.c.status, s.c.status_reason).where(
                    s.c.id.in_(ids), s.c.action == "CREATE"
                )
            ).all()
        if all(row.status != "IN_PROGRESS" for row in states) and len(states) == len(ids):
            break
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    with db.connect() as conn:
        engine_ids = conn.execute(sa.select(r.c.engine_id).where(r.c.stack_id.in_(ids))).all()
        failed = [row.status_reason for row in states if row.status != "COMPLETE"]
    used = collections.Counter(row.engine_id for row in engine_ids if row.engine_id)
    return {
        "stacks": stacks,
        "resources": stacks * size,
        "seconds": round(seconds, 2),
        "resources_per_second": round(stacks * size / seconds, 1),
        "engines_used": len(used),
        "failed_stacks": len(failed),
        **({"first_failure": failed[0][:300]} if failed else {}),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="1,2,4")
    parser.add_argument("--big", type=int, default=2000)
    parser.add_argument("--stacks", type=int, default=50)
    parser.add_argument("--stack-size", type=int, default=40)
    parser.add_argument("--wait-secs", type=float, default=0.0)
    args = parser.parse_args(argv)

    from heat.common.context import RequestContext
    from heat.db import migration
    from heat.rpc import transport as rpc_transport
    from heat.rpc.client import EngineClient
    from heat_tests.fixtures.databases import ThrowawayDatabase

    for count in [int(n) for n in args.engines.split(",")]:
        with tempfile.TemporaryDirectory(prefix="heat-scaleout-") as tmp:
            database = ThrowawayDatabase("postgresql", tmp)
            engines = None
            transport = None
            try:
                migration.db_sync(database.url)
                engines = Engines(database.url, count, Path(tmp))
                transport = rpc_transport.get_transport(url="rabbit://guest:guest@127.0.0.1:5672/")
                client = EngineClient(transport, topic=engines.topic, timeout=300)
                ctx = RequestContext("bench", "bench")
                db = sa.create_engine(database.url)
                for name, stacks, size in (
                    ("one-big-stack", 1, args.big),
                    ("concurrent-stacks", args.stacks, args.stack_size),
                ):
                    figures = _run(client, ctx, db, stacks, size, args.wait_secs)
                    line = {"scenario": name, "engines": count, "database": "postgresql"}
                    line.update(figures, cpus=os.cpu_count(), wait_secs=args.wait_secs)
                    print(json.dumps(line), flush=True)
                db.dispose()
            finally:
                if engines is not None:
                    engines.stop()
                if transport is not None:
                    transport.cleanup()
                database.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
