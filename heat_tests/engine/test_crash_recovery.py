"""Killing an engine (SIGKILL) mid-create leaves nothing IN_PROGRESS once another starts."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

from cryptography.fernet import Fernet

from heat.common import crypt
from heat.common.context import RequestContext
from heat.db import migration
from heat.db.api import Database
from heat.engine.service import EngineService

# The doomed engine: creates a stack of slow resources, says so, and waits to be killed.
DOOMED_ENGINE = textwrap.dedent(
    """
    import json, sys, time
    from heat.common import crypt
    from heat.common.context import RequestContext
    from heat.db.api import Database
    from heat.engine.service import EngineService

    url, key, template = sys.argv[1:4]
    db = Database(url, crypter=crypt.Crypter(key))
    engine = EngineService(db, engine_id="doomed-engine", heartbeat_interval=0.2).start()
    created = engine.create_stack(RequestContext("project-a"), "interrupted", template)
    while len(db.resources.in_progress(created["stack_id"])) < 3:
        time.sleep(0.02)
    print(created["stack_id"], flush=True)
    time.sleep(600)
    """
)


def test_a_new_engine_fails_and_rolls_back_what_a_killed_engine_held(tmp_path):
    url = f"sqlite:///{tmp_path}/heat.sqlite"
    migration.db_sync(url)
    key = Fernet.generate_key().decode()
    resources = {
        "Done": {"Type": "OS::Heat::TestResource"},
        **{
            f"Slow{i}": {
                "Type": "OS::Heat::TestResource",
                "Properties": {"wait_secs": 300},
                "DependsOn": "Done",
            }
            for i in range(3)
        },
    }
    template = json.dumps({"Resources": resources})
    doomed = subprocess.Popen(
        [sys.executable, "-c", DOOMED_ENGINE, url, key, template],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        stack_id = doomed.stdout.readline().strip()
        assert stack_id, "the doomed engine did not start its stack"
    finally:
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait()

    db = Database(url, crypter=crypt.Crypter(key))
    in_flight = {r["name"]: r["status"] for r in db.resources.list(stack_id)}
    assert in_flight == {"Done": "COMPLETE", **{f"Slow{i}": "IN_PROGRESS" for i in range(3)}}

    survivor = EngineService(db, heartbeat_interval=0.1, heartbeat_timeout=0.5).start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            row = db.stacks.get(stack_id)
            if row["action"] == "ROLLBACK" and row["status"] != "IN_PROGRESS":
                break
            time.sleep(0.05)
        ctx = RequestContext("project-a")
        stack = survivor.show_stack(ctx, stack_id)
        assert stack["stack_status"] == "ROLLBACK_COMPLETE"
        reason = "engine doomed-engine stopped while CREATE was in progress"
        stack_events = [
            (e["resource_name"], e["action"], e["status"], e["reason"])
            for e in survivor.list_events(ctx, stack_id)
        ]
        assert ("interrupted", "CREATE", "FAILED", reason) in stack_events
        for i in range(3):
            assert (f"Slow{i}", "CREATE", "FAILED", reason) in stack_events
        assert stack_events[-1] == (
            "interrupted",
            "ROLLBACK",
            "COMPLETE",
            "Stack ROLLBACK completed successfully",
        )
        assert db.resources.list(stack_id) == []
        assert db.locks.holder(stack_id) is None
    finally:
        survivor.stop()
        db.dispose()


DOOMED_UPDATE = textwrap.dedent(
    """
    import json, sys, time
    from heat.common import crypt
    from heat.common.context import RequestContext
    from heat.db.api import Database
    from heat.engine.service import EngineService

    url, key, old, new = sys.argv[1:5]
    db = Database(url, crypter=crypt.Crypter(key))
    engine = EngineService(db, engine_id="doomed-updater", heartbeat_interval=0.2).start()
    ctx = RequestContext("project-a")
    stack_id = engine.create_stack(ctx, "evolving", old)["stack_id"]
    engine.wait(stack_id)
    engine.update_stack(ctx, stack_id, new)
    while not db.resources.in_progress(stack_id):
        time.sleep(0.02)
    print(stack_id, flush=True)
    time.sleep(600)
    """
)


def test_an_update_interrupted_by_a_killed_engine_is_rolled_back(tmp_path):
    url = f"sqlite:///{tmp_path}/heat.sqlite"
    migration.db_sync(url)
    key = Fernet.generate_key().decode()

    def secret(length):
        return {"Type": "OS::Heat::RandomString", "Properties": {"length": length}}

    old = {"Secret": secret(8), "Steady": {"Type": "OS::Heat::TestResource"}}
    new = {
        "Secret": secret(16),
        "Steady": {
            "Type": "OS::Heat::TestResource",
            "Properties": {"value": "changing", "wait_secs": 300},
            "DependsOn": "Secret",
        },
    }
    old_text = json.dumps({"Resources": old})
    doomed = subprocess.Popen(
        [sys.executable, "-c", DOOMED_UPDATE, url, key, old_text, json.dumps({"Resources": new})],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        stack_id = doomed.stdout.readline().strip()
        assert stack_id, "the doomed engine did not start its update"
    finally:
        os.kill(doomed.pid, signal.SIGKILL)
        doomed.wait()

    db = Database(url, crypter=crypt.Crypter(key))
    survivor = EngineService(db, heartbeat_interval=0.1, heartbeat_timeout=0.5).start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            row = db.stacks.get(stack_id)
            if row["action"] == "ROLLBACK" and row["status"] != "IN_PROGRESS":
                break
            time.sleep(0.05)
        ctx = RequestContext("project-a")
        stack = survivor.show_stack(ctx, stack_id)
        assert stack["stack_status"] == "ROLLBACK_COMPLETE", stack["stack_status_reason"]
        assert survivor.get_template(ctx, stack_id) == json.loads(old_text)
        secret_row = db.resources.get_by_name(stack_id, "Secret")
        assert len(db.resources.get_secrets(secret_row["id"])["value"]) == 8
        steady = db.resources.get_by_name(stack_id, "Steady")
        assert steady["data"]["value"] == ""
        assert db.resources.in_progress(stack_id) == []
        reason = "engine doomed-updater stopped while UPDATE was in progress"
        stack_events = [
            (e["resource_name"], e["action"], e["status"], e["reason"])
            for e in survivor.list_events(ctx, stack_id)
        ]
        assert ("evolving", "UPDATE", "FAILED", reason) in stack_events
        assert db.locks.holder(stack_id) is None
    finally:
        survivor.stop()
        db.dispose()
