"""Events: listing, paging and the per-stack cap."""

import uuid

import pytest

from heat.common.crypt import Crypter
from heat.common.exception import InvalidInput
from heat.db import events
from heat.db.api import Database
from heat_tests.db.factories import create_stack
from heat_tests.fixtures.databases import TEST_KEY, empty_tables


def _transitions(db, stack_id, count, name="R"):
    rid = db.resources.insert_many(stack_id, [{"name": name, "type": "T"}])[name]
    return [
        db.resources.set_state(
            rid, stack_id=stack_id, name=name, type="T", action="CREATE", status=f"S{i}"
        )
        for i in range(count)
    ]


def test_time_ordered_uuid_is_a_version_7_uuid():
    values = [uuid.UUID(events.time_ordered_uuid()) for _ in range(3)]
    assert {(v.version, v.variant) for v in values} == {(7, uuid.RFC_4122)}
    assert len(set(values)) == 3


def test_list_in_both_directions_with_paging(heat_db):
    stack_id = create_stack(heat_db)
    uuids = _transitions(heat_db, stack_id, 5)

    assert [e["uuid"] for e in heat_db.events.list(stack_id)] == uuids
    assert [e["uuid"] for e in heat_db.events.list(stack_id, sort_dir="desc")] == uuids[::-1]
    assert [e["uuid"] for e in heat_db.events.list(stack_id, limit=2, marker=uuids[1])] == uuids[
        2:4
    ]
    assert [e["uuid"] for e in heat_db.events.list(stack_id, sort_dir="desc", marker=uuids[2])] == [
        uuids[1],
        uuids[0],
    ]


def test_list_by_resource_name(heat_db):
    stack_id = create_stack(heat_db)
    _transitions(heat_db, stack_id, 2, name="A")
    only_b = _transitions(heat_db, stack_id, 1, name="B")
    assert [e["uuid"] for e in heat_db.events.list(stack_id, resource_name="B")] == only_b


def test_list_rejects_bad_arguments(heat_db):
    stack_id = create_stack(heat_db)
    with pytest.raises(InvalidInput, match="marker nope is not an event of this stack"):
        heat_db.events.list(stack_id, marker="nope")
    with pytest.raises(InvalidInput, match='sort_dir must be "asc" or "desc", not "sideways"'):
        heat_db.events.list(stack_id, sort_dir="sideways")


def test_get_missing_event(heat_db):
    assert heat_db.events.get("nope") is None


def test_prune_keeps_the_newest(heat_db):
    stack_id = create_stack(heat_db)
    uuids = _transitions(heat_db, stack_id, 12)
    other = create_stack(heat_db, name="other")
    _transitions(heat_db, other, 3)

    assert heat_db.events.prune(stack_id, keep=5) == 7

    assert [e["uuid"] for e in heat_db.events.list(stack_id)] == uuids[-5:]
    assert heat_db.events.count(other) == 3
    assert heat_db.events.prune(stack_id, keep=5) == 0


def test_prune_a_backlog_in_chunks(heat_db, monkeypatch):
    monkeypatch.setattr(events, "PRUNE_CHUNK", 3)
    stack_id = create_stack(heat_db)
    uuids = _transitions(heat_db, stack_id, 11)
    assert heat_db.events.prune(stack_id, keep=2) == 9
    assert [e["uuid"] for e in heat_db.events.list(stack_id)] == uuids[-2:]


def test_stacks_are_pruned_automatically_every_batch(db_url):
    db = Database(
        db_url, crypter=Crypter(TEST_KEY), max_events_per_stack=10, event_purge_batch_size=4
    )
    try:
        stack_id = create_stack(db)
        uuids = _transitions(db, stack_id, 15)
        # Pruned after the 12th event (3 batches of 4) down to 10; 3 more since then.
        assert db.events.count(stack_id) == 13
        assert [e["uuid"] for e in db.events.list(stack_id)] == uuids[-13:]
        uuids += _transitions(db, stack_id, 1, name="R2")
        assert [e["uuid"] for e in db.events.list(stack_id)] == uuids[-10:]
    finally:
        empty_tables(db.engine)
        db.dispose()
