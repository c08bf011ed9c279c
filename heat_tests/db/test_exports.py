"""Stack exports are unique per project."""

import pytest

from heat.db.exports import ExportExists
from heat_tests.db.factories import create_stack


def test_put_get_list(heat_db):
    first = create_stack(heat_db, name="net")
    heat_db.exports.put("p1", "net-id", first, "n-1")
    heat_db.exports.put("p1", "subnets", first, ["s-1", "s-2"])
    heat_db.exports.put("p2", "net-id", create_stack(heat_db, project_id="p2"), "n-2")

    assert heat_db.exports.get("p1", "net-id") == {
        "name": "net-id",
        "project_id": "p1",
        "stack_id": first,
        "value": "n-1",
    }
    assert [(e["name"], e["value"]) for e in heat_db.exports.list("p1")] == [
        ("net-id", "n-1"),
        ("subnets", ["s-1", "s-2"]),
    ]
    assert heat_db.exports.get("p1", "missing") is None


def test_the_owner_updates_another_stack_conflicts(heat_db):
    owner = create_stack(heat_db, name="a")
    other = create_stack(heat_db, name="b")
    heat_db.exports.put("p1", "x", owner, 1)
    heat_db.exports.put("p1", "x", owner, 2)

    with pytest.raises(ExportExists) as raised:
        heat_db.exports.put("p1", "x", other, 3)

    assert raised.value.message == f'Export "x" is already exported by stack {owner}'
    assert raised.value.status == 409
    assert heat_db.exports.get("p1", "x")["value"] == 2


def test_delete(heat_db):
    stack_id = create_stack(heat_db)
    for name in ("a", "b"):
        heat_db.exports.put("p1", name, stack_id, name)
    assert heat_db.exports.delete("p1", "a") is True
    assert heat_db.exports.delete("p1", "a") is False
    assert heat_db.exports.delete_for_stack(stack_id) == 1
    assert heat_db.exports.list("p1") == []
