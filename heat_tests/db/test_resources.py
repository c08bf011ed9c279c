"""The resource repository: batch insert, state transitions, replacements, secrets."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from heat.common.crypt import Crypter, CryptError
from heat.db import models
from heat.db.api import Database
from heat_tests.db.factories import create_stack


def _resources(heat_db, stack_id, count=3):
    rows = [{"name": f"R{i}", "type": "OS::Heat::None"} for i in range(count)]
    return heat_db.resources.insert_many(stack_id, rows)


def test_insert_many_is_one_statement_and_returns_ids_by_name(heat_db):
    stack_id = create_stack(heat_db)
    heat_db.reset_statement_count()

    ids = heat_db.resources.insert_many(
        stack_id,
        [
            {"name": "Server", "type": "OS::Nova::Server", "requires": [], "needed_by": ["IP"]},
            {"name": "IP", "type": "AWS::EC2::EIP", "requires": ["Server"]},
        ],
    )

    assert heat_db.statement_count == 1
    assert sorted(ids) == ["IP", "Server"]
    server = heat_db.resources.get(ids["Server"])
    assert {k: server[k] for k in ("stack_id", "name", "type", "action", "status")} == {
        "stack_id": stack_id,
        "name": "Server",
        "type": "OS::Nova::Server",
        "action": "INIT",
        "status": "COMPLETE",
    }
    assert (server["requires"], server["needed_by"]) == ([], ["IP"])
    assert heat_db.resources.get(ids["IP"])["requires"] == ["Server"]
    assert heat_db.resources.insert_many(stack_id, []) == {}


def test_insert_many_a_thousand(heat_db):
    stack_id = create_stack(heat_db)
    heat_db.reset_statement_count()
    ids = _resources(heat_db, stack_id, 1000)
    assert heat_db.statement_count == 1
    assert len(set(ids.values())) == 1000
    assert [r["name"] for r in heat_db.resources.list(stack_id)][:3] == ["R0", "R1", "R2"]


def test_set_state_is_two_statements_and_records_an_event(heat_db):
    stack_id = create_stack(heat_db)
    resource_id = _resources(heat_db, stack_id)["R0"]
    heat_db.reset_statement_count()

    event_uuid = heat_db.resources.set_state(
        resource_id,
        stack_id=stack_id,
        name="R0",
        type="OS::Heat::None",
        action="CREATE",
        status="COMPLETE",
        reason="state changed",
        physical_resource_id="phys-1",
        data={"address": "10.0.0.1"},
        properties_data={"size": 1},
        event_properties={"size": 1},
    )

    assert heat_db.statement_count == 2
    row = heat_db.resources.get(resource_id)
    assert {
        k: row[k] for k in ("action", "status", "status_reason", "physical_resource_id", "data")
    } == {
        "action": "CREATE",
        "status": "COMPLETE",
        "status_reason": "state changed",
        "physical_resource_id": "phys-1",
        "data": {"address": "10.0.0.1"},
    }
    assert row["properties_data"] == {"size": 1}
    assert row["updated_at"] is not None
    event = heat_db.events.get(event_uuid)
    event.pop("id")
    created = event.pop("created_at")
    assert created is not None
    assert event == {
        "uuid": event_uuid,
        "stack_id": stack_id,
        "resource_name": "R0",
        "physical_resource_id": "phys-1",
        "resource_type": "OS::Heat::None",
        "action": "CREATE",
        "status": "COMPLETE",
        "reason": "state changed",
        "properties": {"size": 1},
    }


def test_set_state_leaves_unspecified_columns_alone(heat_db):
    stack_id = create_stack(heat_db)
    resource_id = _resources(heat_db, stack_id)["R0"]
    kwargs = {"stack_id": stack_id, "name": "R0", "type": "T", "action": "CREATE"}
    heat_db.resources.set_state(resource_id, status="IN_PROGRESS", data={"a": 1}, **kwargs)
    heat_db.resources.set_state(resource_id, status="COMPLETE", engine_id="e1", **kwargs)

    row = heat_db.resources.get(resource_id)
    assert (row["status"], row["data"], row["engine_id"]) == ("COMPLETE", {"a": 1}, "e1")


def test_set_state_on_a_missing_stack_fails_cleanly(heat_db):
    stack_id = create_stack(heat_db)
    resource_id = _resources(heat_db, stack_id)["R0"]
    with pytest.raises(sa.exc.IntegrityError):
        heat_db.resources.set_state(
            resource_id, stack_id="nope", name="R0", type="T", action="CREATE", status="FAILED"
        )
    # The UPDATE was rolled back with the failed INSERT.
    assert heat_db.resources.get(resource_id)["action"] == "INIT"


def test_set_state_stores_secrets_encrypted_in_the_same_transaction(heat_db):
    stack_id = create_stack(heat_db)
    resource_id = _resources(heat_db, stack_id)["R0"]
    kwargs = {"stack_id": stack_id, "name": "R0", "type": "T", "action": "CREATE"}
    heat_db.reset_statement_count()

    heat_db.resources.set_state(
        resource_id, status="COMPLETE", secrets={"value": "s3cret"}, **kwargs
    )

    assert heat_db.statement_count == 4  # the UPDATE, the event, the secret's DELETE + INSERT
    assert heat_db.resources.get_secrets(resource_id) == {"value": "s3cret"}
    with heat_db.engine.connect() as conn:
        stored = conn.execute(sa.select(models.resource_secret.c.value)).scalars().all()
    assert len(stored) == 1 and "s3cret" not in stored[0]
    heat_db.resources.set_state(resource_id, status="COMPLETE", secrets={"value": "new"}, **kwargs)
    assert heat_db.resources.get_secrets(resource_id) == {"value": "new"}

    with pytest.raises(sa.exc.IntegrityError):  # no such stack: the event cannot be stored
        heat_db.resources.set_state(
            resource_id,
            status="FAILED",
            secrets={"value": "lost"},
            **{**kwargs, "stack_id": "nope"},
        )
    assert heat_db.resources.get_secrets(resource_id) == {"value": "new"}


def test_concurrent_state_changes_with_secrets_share_commits(heat_db):
    stack_id = create_stack(heat_db)
    ids = _resources(heat_db, stack_id, 40)
    start = threading.Barrier(len(ids))

    def complete(name):
        start.wait()
        heat_db.resources.set_state(
            ids[name],
            stack_id=stack_id,
            name=name,
            type="T",
            action="CREATE",
            status="COMPLETE",
            secrets={"value": f"secret of {name}", "other": name},
        )

    with ThreadPoolExecutor(len(ids)) as pool:
        list(pool.map(complete, ids))

    for name, rid in ids.items():
        assert heat_db.resources.get_secrets(rid) == {"value": f"secret of {name}", "other": name}
        assert heat_db.resources.get(rid)["status"] == "COMPLETE"


def test_in_a_shared_commit_only_the_faulty_change_fails(heat_db):
    stack_id = create_stack(heat_db)
    ids = _resources(heat_db, stack_id, 30)
    start = threading.Barrier(len(ids))

    def complete(name):
        start.wait()
        owner = "nope" if name == "R7" else stack_id  # R7's event names no stack: refused
        try:
            heat_db.resources.set_state(
                ids[name], stack_id=owner, name=name, type="T", action="CREATE", status="COMPLETE"
            )
        except sa.exc.IntegrityError:
            return "refused"
        return "stored"

    with ThreadPoolExecutor(len(ids)) as pool:
        outcomes = dict(zip(ids, pool.map(complete, ids), strict=True))

    assert outcomes == {name: "refused" if name == "R7" else "stored" for name in ids}
    # R7's UPDATE was rolled back with its event; everyone else's change is stored.
    assert {name: heat_db.resources.get(rid)["action"] for name, rid in ids.items()} == {
        name: "INIT" if name == "R7" else "CREATE" for name in ids
    }


def test_replacement_and_current_resources(heat_db):
    stack_id = create_stack(heat_db)
    old = _resources(heat_db, stack_id, 1)["R0"]
    new = heat_db.resources.insert(stack_id, {"name": "R0", "type": "T", "replaces": old})
    heat_db.resources.update(old, replaced_by=new)

    assert heat_db.resources.get_by_name(stack_id, "R0")["id"] == new
    assert [r["id"] for r in heat_db.resources.list(stack_id)] == [new]
    assert [r["id"] for r in heat_db.resources.list(stack_id, include_replaced=True)] == [
        old,
        new,
    ]
    assert heat_db.resources.get_by_name(stack_id, "Other") is None


def test_get_by_physical_id_skips_deleted_stacks(heat_db):
    live = create_stack(heat_db, name="live")
    gone = create_stack(heat_db, name="gone")
    for stack_id in (live, gone):
        rid = _resources(heat_db, stack_id, 1)["R0"]
        heat_db.resources.update(rid, physical_resource_id="i-123")
    heat_db.stacks.mark_deleted(gone)

    assert [r["stack_id"] for r in heat_db.resources.get_by_physical_id("i-123")] == [live]


def test_in_progress(heat_db):
    stack_id = create_stack(heat_db)
    ids = _resources(heat_db, stack_id)
    heat_db.resources.update(ids["R1"], action="CREATE", status="IN_PROGRESS")
    assert [r["name"] for r in heat_db.resources.in_progress(stack_id)] == ["R1"]


def test_update_and_delete(heat_db):
    stack_id = create_stack(heat_db)
    rid = _resources(heat_db, stack_id, 1)["R0"]
    assert heat_db.resources.update(rid, rsrc_metadata={"m": 1}) is True
    assert heat_db.resources.get(rid)["rsrc_metadata"] == {"m": 1}
    with pytest.raises(ValueError, match="cannot set stack_id on resource"):
        heat_db.resources.update(rid, stack_id="x")
    heat_db.resources.set_secret(rid, "password", "pw")

    assert heat_db.resources.delete(rid) is True
    assert heat_db.resources.get(rid) is None
    assert heat_db.resources.get_secrets(rid) == {}
    assert heat_db.resources.delete(rid) is False
    assert heat_db.resources.update(rid, status="FAILED") is False


def test_secrets_are_encrypted_at_rest(heat_db):
    stack_id = create_stack(heat_db)
    rid = _resources(heat_db, stack_id, 1)["R0"]
    heat_db.resources.set_secret(rid, "password", "hunter2")
    heat_db.resources.set_secret(rid, "secret_key", "k1")
    heat_db.resources.set_secret(rid, "secret_key", "k2")

    assert heat_db.resources.get_secrets(rid) == {"password": "hunter2", "secret_key": "k2"}
    with heat_db.engine.connect() as conn:
        stored = conn.execute(sa.select(models.resource_secret.c.value)).scalars().all()
    assert len(stored) == 2 and not any(v in ("hunter2", "k2") for v in stored)
    assert heat_db.resources.delete_secret(rid, "password") is True
    assert heat_db.resources.delete_secret(rid, "password") is False
    assert heat_db.resources.get_secrets(rid) == {"secret_key": "k2"}


def test_secrets_with_the_wrong_key_give_a_clear_error(heat_db, db_url):
    stack_id = create_stack(heat_db)
    rid = _resources(heat_db, stack_id, 1)["R0"]
    heat_db.resources.set_secret(rid, "password", "hunter2")
    other = Database(db_url, crypter=Crypter("a-different-key-of-enough-length"))
    try:
        with pytest.raises(CryptError, match="encrypted with a different auth_encryption_key"):
            other.resources.get_secrets(rid)
    finally:
        other.dispose()
