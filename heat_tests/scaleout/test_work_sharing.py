"""Two engines in one process sharing a stack's steps over RabbitMQ and PostgreSQL: the steps
run on both, references between resources on different engines resolve, and a step whose
engine stops is run again by the owner's engine."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from heat.common.context import RequestContext
from heat.common.crypt import Crypter
from heat.db import migration
from heat.db.api import Database
from heat.engine.graph_run import Backoff
from heat.engine.service import EngineService
from heat.rpc import transport as rpc_transport
from heat_tests.fixtures.databases import TEST_KEY, ThrowawayDatabase, ensure_server
from heat_tests.scaleout.cluster import rabbit_reachable

pytestmark = pytest.mark.skipif(
    not rabbit_reachable(), reason="RabbitMQ is not reachable at 127.0.0.1:5672"
)


@pytest.fixture
def pair(tmp_path):
    reason = ensure_server("postgresql")
    if reason is not None:
        pytest.skip(reason)
    database = ThrowawayDatabase("postgresql", str(tmp_path))
    migration.db_sync(database.url)
    topic = f"heat-share-{uuid.uuid4().hex[:8]}"
    engines, transports = [], []
    try:
        for _ in range(2):
            transport = rpc_transport.get_transport(url="rabbit://guest:guest@127.0.0.1:5672/")
            transports.append(transport)
            engine = EngineService(
                Database(database.url, crypter=Crypter(TEST_KEY)),
                backoff=Backoff(0.005, 2.0, 0.1),
                heartbeat_interval=0.2,
                heartbeat_timeout=1.0,
            ).start()
            engines.append(engine.distribute(transport, topic))
        time.sleep(0.5)  # each has seen the other's heartbeat
        yield engines
    finally:
        for engine in engines:
            if not engine._stopped:
                engine.stop()
            engine.db.dispose()
        for transport in transports:
            transport.cleanup()
        database.drop()


def _template(n: int, wait_secs: float = 0) -> str:
    resources = {
        f"R{i}": {
            "Type": "OS::Heat::TestResource",
            "Properties": {"value": f"v{i}", "wait_secs": wait_secs},
        }
        for i in range(n)
    }
    resources["Last"] = {
        "Type": "OS::Heat::TestResource",
        "Properties": {"value": {"Fn::Join": ["-", [{"Fn::GetAtt": ["R0", "output"]}, "x"]]}},
    }
    outputs = {"Out": {"Value": {"Fn::GetAtt": ["Last", "output"]}}}
    return json.dumps({"HeatTemplateFormatVersion": "2012-12-12", "Resources": resources,
                       "Outputs": outputs})  # fmt: skip


def test_steps_run_on_both_engines_and_the_stack_completes_and_deletes(pair):
    owner, other = pair
    ctx = RequestContext("project-a")
    stack_id = owner.create_stack(ctx, "shared", _template(60))["stack_id"]
    assert owner.wait(stack_id, 60)
    shown = owner.show_stack(ctx, stack_id)
    assert shown["stack_status"] == "CREATE_COMPLETE", shown["stack_status_reason"]
    assert shown["outputs"][0]["output_value"] == "v0-x"
    ran_on = {row["engine_id"] for row in owner.db.resources.list(stack_id)}
    assert ran_on == {owner.engine_id, other.engine_id}

    other.delete_stack(ctx, stack_id)
    assert other.wait(stack_id, 60)
    assert owner.db.stacks.get(stack_id)["status"] == "COMPLETE"
    assert owner.db.resources.list(stack_id, include_replaced=True) == []


def test_steps_of_an_engine_that_stops_are_run_again_by_another(pair):
    owner, other = pair
    ctx = RequestContext("project-a")
    stack_id = owner.create_stack(ctx, "orphans", _template(20, wait_secs=1.5))["stack_id"]
    deadline = time.time() + 30
    while time.time() < deadline:
        rows = owner.db.steps.running_elsewhere(stack_id, [other.engine_id])
        if rows:
            break
        time.sleep(0.02)
    assert rows, "no step ran on the other engine"
    other.stop()  # its steps stay IN_PROGRESS under its id; it is dead from now on
    assert owner.wait(stack_id, 60)
    shown = owner.show_stack(ctx, stack_id)
    assert shown["stack_status"] == "CREATE_COMPLETE", shown["stack_status_reason"]
    for row in rows:
        assert owner.db.resources.get(row["id"])["engine_id"] == owner.engine_id
