# ruff: noqa: F811 - tests take the imported fixtures as arguments
"""Change sets in the engine: made on the pool (CREATE_PENDING, CREATE_IN_PROGRESS), failed
when the cloud refuses them, made OBSOLETE by a change of their stack, and never left in
progress by an engine that dies (a SIGKILLed engine's change sets are failed or settled by
the engine that takes over)."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from cryptography.fernet import Fernet

from heat.common import crypt
from heat.common.context import RequestContext
from heat.common.exception import InvalidChangeSetStatus
from heat.db import migration
from heat.db.api import Database
from heat.engine.graph_run import Backoff
from heat.engine.scheduler import Scheduler
from heat.engine.service import EngineService
from heat_tests.engine.resources.localcloud_engine import (  # noqa: F401 - fixtures
    cloud_engine,
    localcloud,
)


def template(resources, parameters=None) -> str:
    data = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}
    if parameters:
        data["Parameters"] = parameters
    return json.dumps(data)


def resource(**properties) -> dict:
    return {"Type": "OS::Heat::TestResource", "Properties": properties}


ZONED = template({"R": resource(value={"Fn::Join": [",", {"Fn::GetAZs": ""}]})})


def wait_for(what, deadline_seconds=30):
    deadline = time.monotonic() + deadline_seconds
    while not what():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


class HeldZones:
    """Nova's availability zones, given to the engine's pool only once released: the cloud
    call a preview makes to resolve Fn::GetAZs (callers on the main thread get them at once)."""

    def __init__(self):
        self.asked = threading.Event()
        self.released = threading.Event()

    def __call__(self, region):
        if threading.current_thread() is not threading.main_thread():
            self.asked.set()
            assert self.released.wait(30)
        return ["nova"]


@pytest.fixture
def zones():
    held = HeldZones()
    yield held
    held.released.set()


@pytest.fixture
def one_worker_engine(database, zones):
    """An engine whose pool has one worker (a test can hold it) and whose zones are held."""
    service = EngineService(
        database,
        scheduler=Scheduler(max_workers=1),
        availability_zones=zones,
        backoff=Backoff(0.005, 2.0, 0.05),
    ).start()
    yield service
    service.stop()


def test_a_change_set_is_made_on_the_pool(one_worker_engine, zones, ctx):
    engine = one_worker_engine
    stack_id = engine.create_stack(ctx, "web", template({"R": resource(value="a")}))["stack_id"]
    assert engine.wait(stack_id, 30)
    pool_free = threading.Event()
    engine.scheduler.submit(pool_free.wait, 30)

    made = engine.create_change_set(ctx, "web", "zoned", ZONED, description="spread")
    assert made["stack_id"] == stack_id
    found = engine.show_change_set(ctx, "zoned", "web")
    assert (found["status"], found["execution_status"], found["description"]) == (
        "CREATE_PENDING",
        "UNAVAILABLE",
        "spread",
    )

    pool_free.set()
    assert zones.asked.wait(30)
    found = engine.show_change_set(ctx, made["id"])
    assert (found["status"], found["execution_status"]) == ("CREATE_IN_PROGRESS", "UNAVAILABLE")
    with pytest.raises(InvalidChangeSetStatus) as caught:
        engine.delete_change_set(ctx, made["id"])
    assert caught.value.message == (
        f"ChangeSet [{made['id']}] cannot be deleted in its current status of [CREATE_IN_PROGRESS]"
    )
    with pytest.raises(InvalidChangeSetStatus) as caught:
        engine.execute_change_set(ctx, made["id"])
    assert caught.value.message == (
        f"ChangeSet [{made['id']}] cannot be executed in its current status of [CREATE_IN_PROGRESS]"
    )

    zones.released.set()
    wait_for(lambda: engine.show_change_set(ctx, made["id"])["status"] != "CREATE_IN_PROGRESS")
    found = engine.show_change_set(ctx, made["id"])
    assert (found["status"], found["status_reason"], found["execution_status"]) == (
        "CREATE_COMPLETE",
        None,
        "AVAILABLE",
    )
    assert found["changes"] == [
        {
            "kind": "updated",
            "resource_name": "R",
            "resource_type": "OS::Heat::TestResource",
            "physical_resource_id": "test-R",
            "changed_properties": ["value"],
            "replacement": "False",
        }
    ]


def test_a_change_set_made_while_its_stack_changes_is_obsolete(one_worker_engine, zones, ctx):
    engine = one_worker_engine
    stack_id = engine.create_stack(ctx, "web", template({"R": resource(value="a")}))["stack_id"]
    assert engine.wait(stack_id, 30)
    made = engine.create_change_set(ctx, "web", "zoned", ZONED)
    assert zones.asked.wait(30)

    # Its preview started from value "a"; the stack is being changed under it.
    engine.update_stack(ctx, "web", template({"R": resource(value="b")}))
    zones.released.set()
    assert engine.wait(stack_id, 30)
    wait_for(lambda: engine.show_change_set(ctx, made["id"])["status"] != "CREATE_IN_PROGRESS")
    found = engine.show_change_set(ctx, made["id"])
    assert (found["status"], found["execution_status"]) == ("CREATE_COMPLETE", "OBSOLETE")


def test_a_change_set_the_cloud_refuses_fails_with_the_reason(cloud_engine, ctx):
    image = {"Image": {"Type": "AWS::EC2::Image::Id"}}
    text = template({"R": resource(value={"Ref": "Image"})}, parameters=image)
    made = cloud_engine.create_change_set(
        ctx, "fresh", "launch", text, {"Image": "F99"}, change_set_type="CREATE"
    )
    wait_for(lambda: cloud_engine.show_change_set(ctx, made["id"])["status"] == "FAILED")
    found = cloud_engine.show_change_set(ctx, made["id"])
    assert (found["status_reason"], found["execution_status"], found["changes"]) == (
        'Parameters.Image: image "F99" does not exist (line 1:158)',
        "UNAVAILABLE",
        [],
    )
    # The stack waits on for a change set that can be made.
    assert cloud_engine.show_stack(ctx, "fresh")["stack_status"] == "REVIEW_IN_PROGRESS"


def test_an_execution_whose_end_was_not_recorded_is_settled_when_read(engine, ctx):
    stack_id = engine.create_stack(ctx, "web", template({"R": resource(value="a")}))["stack_id"]
    assert engine.wait(stack_id, 30)
    made = engine.create_change_set(ctx, "web", "next", template({"R": resource(value="b")}))
    wait_for(lambda: engine.show_change_set(ctx, made["id"])["status"] == "CREATE_COMPLETE")
    engine.execute_change_set(ctx, made["id"])
    assert engine.wait(stack_id, 30)
    assert engine.show_change_set(ctx, made["id"])["execution_status"] == "EXECUTE_COMPLETE"

    # What an engine dying between freeing the stack and recording the outcome leaves.
    engine.db.change_sets.transition(made["id"], {}, execution_status="EXECUTE_IN_PROGRESS")
    assert engine.show_change_set(ctx, "next", "web")["execution_status"] == "EXECUTE_COMPLETE"
    engine.db.change_sets.transition(made["id"], {}, execution_status="EXECUTE_IN_PROGRESS")
    listed = engine.list_change_sets(ctx, "web")
    assert [c["execution_status"] for c in listed] == ["EXECUTE_COMPLETE"]


# The doomed engine: executes a CREATE change set of slow resources and has another change
# set stuck being made (its preview waits on Nova for ever), says so, and waits to be killed.
DOOMED_ENGINE = textwrap.dedent(
    """
    import json, sys, threading, time
    from heat.common import crypt
    from heat.common.context import RequestContext
    from heat.db.api import Database
    from heat.engine.service import EngineService

    url, key, slow, simple, zoned = sys.argv[1:6]
    never = threading.Event()

    def zones(region):
        if threading.current_thread() is not threading.main_thread():
            never.wait()
        return ["nova"]

    def wait_for(what):
        while not what():
            time.sleep(0.02)

    db = Database(url, crypter=crypt.Crypter(key))
    engine = EngineService(
        db, engine_id="doomed-engine", heartbeat_interval=0.2, availability_zones=zones
    ).start()
    ctx = RequestContext("project-a")
    launch = engine.create_change_set(ctx, "fresh", "launch", slow, change_set_type="CREATE")
    wait_for(lambda: db.change_sets.get(launch["id"])["status"] == "CREATE_COMPLETE")
    engine.execute_change_set(ctx, launch["id"])
    wait_for(lambda: db.resources.in_progress(launch["stack_id"]))
    stack_id = engine.create_stack(ctx, "zoned", simple)["stack_id"]
    engine.wait(stack_id)
    stuck = engine.create_change_set(ctx, "zoned", "stuck", zoned)
    wait_for(lambda: db.change_sets.get(stuck["id"])["status"] == "CREATE_IN_PROGRESS")
    print(json.dumps([launch["id"], launch["stack_id"], stuck["id"]]), flush=True)
    time.sleep(600)
    """
)


def test_change_sets_of_a_killed_engine_end_failed(tmp_path):
    url = f"sqlite:///{tmp_path}/heat.sqlite"
    migration.db_sync(url)
    key = Fernet.generate_key().decode()
    slow = template({f"Slow{i}": resource(wait_secs=300) for i in range(2)})
    simple = template({"R": resource(value="a")})
    doomed = subprocess.Popen(
        [sys.executable, "-c", DOOMED_ENGINE, url, key, slow, simple, ZONED],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = doomed.stdout.readline().strip()
        assert line, "the doomed engine did not get its change sets going"
    finally:
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait()
    launch_id, stack_id, stuck_id = json.loads(line)

    db = Database(url, crypter=crypt.Crypter(key))
    assert db.change_sets.get(launch_id)["execution_status"] == "EXECUTE_IN_PROGRESS"
    assert db.change_sets.get(stuck_id)["status"] == "CREATE_IN_PROGRESS"
    survivor = EngineService(db, heartbeat_interval=0.1, heartbeat_timeout=0.5).start()
    try:
        ctx = RequestContext("project-a")
        wait_for(
            lambda: (
                db.change_sets.get(launch_id)["execution_status"] != "EXECUTE_IN_PROGRESS"
                and db.change_sets.get(stuck_id)["status"] != "CREATE_IN_PROGRESS"
            )
        )
        launched = survivor.show_change_set(ctx, launch_id)
        assert (launched["status"], launched["execution_status"]) == (
            "CREATE_COMPLETE",
            "EXECUTE_FAILED",
        )
        assert survivor.show_stack(ctx, stack_id)["stack_status"] == "ROLLBACK_COMPLETE"
        stuck = survivor.show_change_set(ctx, "stuck", "zoned")
        assert (stuck["status"], stuck["status_reason"], stuck["execution_status"]) == (
            "FAILED",
            "Engine doomed-engine stopped before the change set was made",
            "UNAVAILABLE",
        )
    finally:
        survivor.stop()
        db.dispose()
