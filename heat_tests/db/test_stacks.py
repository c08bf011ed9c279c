"""The stack repository: rows, parameters encryption, listing, state changes."""

import datetime

import pytest
import sqlalchemy as sa

from heat.common.exception import InvalidInput, StackNotFound
from heat.db import models
from heat_tests.db.factories import create_stack


def test_insert_and_get(heat_db):
    template_id = heat_db.templates.store({"Resources": {}})
    stack_id = heat_db.stacks.insert(
        {
            "id": "0b5a3c1e-0000-4000-8000-000000000001",
            "name": "web",
            "project_id": "p1",
            "user_id": "u1",
            "raw_template_id": template_id,
            "action": "CREATE",
            "status": "IN_PROGRESS",
            "status_reason": "Stack CREATE started",
            "timeout_mins": 60,
            "on_failure": "ROLLBACK",
            "tags": ["a", "b"],
        }
    )

    row = heat_db.stacks.get(stack_id)

    assert stack_id == "0b5a3c1e-0000-4000-8000-000000000001"
    created = row.pop("created_at")
    assert isinstance(created, datetime.datetime) and created.tzinfo is None
    assert row == {
        "id": stack_id,
        "name": "web",
        "project_id": "p1",
        "user_id": "u1",
        "parent_id": None,
        "owner_resource": None,
        "raw_template_id": template_id,
        "previous_raw_template_id": None,
        "parameters": None,
        "previous_parameters": None,
        "secret_parameters": [],
        "action": "CREATE",
        "status": "IN_PROGRESS",
        "status_reason": "Stack CREATE started",
        "timeout_mins": 60,
        "disable_rollback": False,
        "on_failure": "ROLLBACK",
        "tags": ["a", "b"],
        "updated_at": None,
        "deleted_at": None,
        "engine_id": None,
        "current_traversal": None,
    }


def test_insert_generates_a_uuid(heat_db):
    stack_id = create_stack(heat_db)
    assert len(stack_id) == 36 and stack_id.count("-") == 4


def test_timestamps_keep_microseconds(heat_db):
    moment = datetime.datetime(2024, 2, 29, 23, 59, 58, 123456)
    stack_id = create_stack(heat_db, created_at=moment)
    assert heat_db.stacks.get(stack_id)["created_at"] == moment


def test_insert_rejects_unknown_columns(heat_db):
    with pytest.raises(ValueError, match="cannot set colour on stack"):
        create_stack(heat_db, colour="blue")


def test_secret_parameters_are_encrypted_at_rest(heat_db):
    stack_id = create_stack(
        heat_db,
        parameters={"KeyName": "k", "DBPassword": "s3cr3t", "Port": 8080},
        secret_parameters=["DBPassword", "Port"],
    )

    row = heat_db.stacks.get(stack_id)
    assert row["parameters"] == {"KeyName": "k", "DBPassword": "s3cr3t", "Port": 8080}
    assert row["secret_parameters"] == ["DBPassword", "Port"]
    with heat_db.engine.connect() as conn:
        stored = conn.execute(
            sa.select(models.stack.c.parameters).where(models.stack.c.id == stack_id)
        ).scalar_one()
    assert stored["encrypted"] == ["DBPassword", "Port"]
    assert stored["values"]["KeyName"] == "k"
    assert "s3cr3t" not in repr(stored)
    assert stored["values"]["Port"] != 8080


def test_reading_a_stack_again_does_not_decrypt_again(heat_db, monkeypatch):
    stack_id = create_stack(
        heat_db, parameters={"DBPassword": "s3cr3t"}, secret_parameters=["DBPassword"]
    )
    crypter = heat_db.stacks._crypter()
    decrypted = []
    real = crypter.decrypt
    monkeypatch.setattr(crypter, "decrypt", lambda token: decrypted.append(token) or real(token))
    monkeypatch.setattr(heat_db.stacks, "_crypter", lambda: crypter)

    for _ in range(3):
        assert heat_db.stacks.get(stack_id)["parameters"] == {"DBPassword": "s3cr3t"}
        assert heat_db.stacks.find("p1", stack_id)["parameters"] == {"DBPassword": "s3cr3t"}
    assert len(decrypted) == 1


def test_get_missing_returns_none(heat_db):
    assert heat_db.stacks.get("nope") is None


def test_find_by_name_or_id_within_the_project(heat_db):
    stack_id = create_stack(heat_db, name="web", project_id="p1")

    assert heat_db.stacks.find("p1", "web")["id"] == stack_id
    assert heat_db.stacks.find("p1", stack_id)["id"] == stack_id
    assert heat_db.stacks.find(None, "web")["id"] == stack_id
    assert heat_db.stacks.find("p2", "web") is None
    assert heat_db.stacks.find("p1", "WEB") is None


def test_find_prefers_an_id_then_the_newest_stack_of_a_name(heat_db):
    older = create_stack(heat_db, name="web", created_at=datetime.datetime(2026, 1, 1, 12, 0, 0))
    newer = create_stack(heat_db, name="web")
    # A stack whose name is another stack's id: the lookup means the id.
    create_stack(heat_db, name=older)

    assert heat_db.stacks.find("p1", "web")["id"] == newer
    assert heat_db.stacks.find("p1", older)["id"] == older
    assert heat_db.stacks.find(None, older)["id"] == older


def test_find_carries_the_template_hash(heat_db):
    stack_id = create_stack(heat_db, name="web")
    row = heat_db.stacks.find("p1", "web")

    assert row["id"] == stack_id
    assert row["raw_template_hash"] == heat_db.templates.hash_of(row["raw_template_id"])
    assert "raw_template_hash" not in heat_db.stacks.get(stack_id)


def test_find_ignores_deleted_stacks(heat_db):
    old = create_stack(heat_db, name="web")
    heat_db.stacks.mark_deleted(old)
    assert heat_db.stacks.find("p1", "web") is None
    assert heat_db.stacks.find("p1", old) is None
    new = create_stack(heat_db, name="web")
    assert heat_db.stacks.find("p1", "web")["id"] == new
    assert heat_db.stacks.get(old)["deleted_at"] is not None


def _names(rows):
    return [row["name"] for row in rows]


def _three_stacks(heat_db):
    base = datetime.datetime(2024, 1, 1)
    for offset, name, status in ((0, "b", "COMPLETE"), (1, "c", "FAILED"), (2, "a", "COMPLETE")):
        create_stack(
            heat_db, name=name, status=status, created_at=base + datetime.timedelta(hours=offset)
        )


def test_list_newest_first_by_default(heat_db):
    _three_stacks(heat_db)
    create_stack(heat_db, name="other-project", project_id="p2")
    assert _names(heat_db.stacks.list("p1")) == ["a", "c", "b"]
    assert len(heat_db.stacks.list(None)) == 4


def test_list_sorted_and_filtered(heat_db):
    _three_stacks(heat_db)
    assert _names(heat_db.stacks.list("p1", sort_keys=["name"], sort_dir="asc")) == ["a", "b", "c"]
    assert _names(heat_db.stacks.list("p1", filters={"status": "COMPLETE"})) == ["a", "b"]
    assert _names(heat_db.stacks.list("p1", filters={"name": ["b", "c"]})) == ["c", "b"]
    assert _names(heat_db.stacks.list("p1", sort_keys=["status", "name"], sort_dir="asc")) == [
        "a",
        "b",
        "c",
    ]


def test_list_pages_with_limit_and_marker(heat_db):
    _three_stacks(heat_db)
    first = heat_db.stacks.list("p1", sort_keys=["name"], sort_dir="asc", limit=2)
    second = heat_db.stacks.list(
        "p1", sort_keys=["name"], sort_dir="asc", limit=2, marker=first[-1]["id"]
    )
    assert _names(first) == ["a", "b"]
    assert _names(second) == ["c"]


def test_list_pages_through_equal_sort_values(heat_db):
    moment = datetime.datetime(2024, 1, 1)
    for i in range(5):
        create_stack(heat_db, name=f"s{i}", created_at=moment)
    seen = []
    marker = None
    while True:
        page = heat_db.stacks.list("p1", limit=2, marker=marker)
        if not page:
            break
        seen += _names(page)
        marker = page[-1]["id"]
    assert sorted(seen) == ["s0", "s1", "s2", "s3", "s4"]
    assert len(seen) == 5


def test_list_hides_nested_and_deleted_unless_asked(heat_db):
    parent = create_stack(heat_db, name="parent")
    create_stack(heat_db, name="child", parent_id=parent, owner_resource="Nested")
    gone = create_stack(heat_db, name="gone")
    heat_db.stacks.mark_deleted(gone)

    assert _names(heat_db.stacks.list("p1")) == ["parent"]
    assert sorted(_names(heat_db.stacks.list("p1", show_nested=True))) == ["child", "parent"]
    assert sorted(_names(heat_db.stacks.list("p1", show_deleted=True))) == ["gone", "parent"]
    assert heat_db.stacks.count("p1") == 1
    assert heat_db.stacks.count("p1", show_nested=True, show_deleted=True) == 3
    assert heat_db.stacks.count("p1", filters={"name": "parent"}) == 1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"sort_keys": ["colour"]}, "cannot sort stacks by colour"),
        ({"sort_dir": "up"}, 'sort_dir must be "asc" or "desc", not "up"'),
        ({"filters": {"project_id": "x"}}, "cannot filter stacks by project_id"),
        ({"marker": "no-such-stack"}, "marker no-such-stack is not a stack"),
    ],
)
def test_list_rejects_bad_arguments(heat_db, kwargs, message):
    with pytest.raises(InvalidInput) as raised:
        heat_db.stacks.list("p1", **kwargs)
    assert raised.value.message == message


def test_children(heat_db):
    parent = create_stack(heat_db, name="parent")
    first = create_stack(heat_db, name="c1", parent_id=parent)
    second = create_stack(heat_db, name="c2", parent_id=parent)
    heat_db.stacks.mark_deleted(second)
    assert [row["id"] for row in heat_db.stacks.children(parent)] == [first]


def test_set_state_updates_the_row_and_adds_an_event_in_two_statements(heat_db):
    stack_id = create_stack(heat_db, name="web")
    heat_db.reset_statement_count()

    event_uuid = heat_db.stacks.set_state(
        stack_id, "CREATE", "COMPLETE", "Stack CREATE completed successfully", name="web"
    )

    assert heat_db.statement_count == 2
    row = heat_db.stacks.get(stack_id)
    assert (row["action"], row["status"], row["status_reason"]) == (
        "CREATE",
        "COMPLETE",
        "Stack CREATE completed successfully",
    )
    event = heat_db.events.get(event_uuid)
    assert {k: event[k] for k in ("stack_id", "resource_name", "physical_resource_id")} == {
        "stack_id": stack_id,
        "resource_name": "web",
        "physical_resource_id": stack_id,
    }
    assert (event["resource_type"], event["action"], event["status"], event["reason"]) == (
        "OS::Heat::Stack",
        "CREATE",
        "COMPLETE",
        "Stack CREATE completed successfully",
    )


def test_set_state_looks_up_the_name_and_sets_extra_columns(heat_db):
    stack_id = create_stack(heat_db, name="web")
    moment = datetime.datetime(2024, 5, 5, 5, 5, 5)

    event_uuid = heat_db.stacks.set_state(
        stack_id, "UPDATE", "IN_PROGRESS", "", updated_at=moment, current_traversal="t-1"
    )

    row = heat_db.stacks.get(stack_id)
    assert (row["updated_at"], row["current_traversal"]) == (moment, "t-1")
    assert heat_db.events.get(event_uuid)["resource_name"] == "web"


def test_set_state_without_event(heat_db):
    stack_id = create_stack(heat_db)
    assert heat_db.stacks.set_state(stack_id, "CHECK", "COMPLETE", event=False) is None
    assert heat_db.events.list(stack_id) == []


def test_set_state_of_a_missing_stack(heat_db):
    with pytest.raises(StackNotFound):
        heat_db.stacks.set_state("nope", "CREATE", "FAILED", "x", name="nope")


def test_update(heat_db):
    stack_id = create_stack(heat_db)
    new_template = heat_db.templates.store({"Resources": {"A": {"Type": "T"}}})
    old_template = heat_db.stacks.get(stack_id)["raw_template_id"]

    assert heat_db.stacks.update(
        stack_id,
        raw_template_id=new_template,
        previous_raw_template_id=old_template,
        parameters={"pw": "x", "n": 1},
        secret_parameters=["pw"],
    )

    row = heat_db.stacks.get(stack_id)
    assert (row["raw_template_id"], row["previous_raw_template_id"]) == (
        new_template,
        old_template,
    )
    assert (row["parameters"], row["secret_parameters"]) == ({"pw": "x", "n": 1}, ["pw"])
    assert heat_db.stacks.update("nope", status="FAILED") is False


def test_mark_deleted_twice(heat_db):
    stack_id = create_stack(heat_db)
    assert heat_db.stacks.mark_deleted(stack_id) is True
    assert heat_db.stacks.mark_deleted(stack_id) is False
