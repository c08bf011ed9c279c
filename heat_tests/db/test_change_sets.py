"""Change sets: stored encrypted, unique per stack and name, listed in creation order."""

import pytest
import sqlalchemy as sa

from heat.db import models
from heat.db.change_sets import ChangeSetExists


def _values(change_set_id, name, stack_id="s-1", project_id="p1", **columns):
    return {
        "id": change_set_id,
        "name": name,
        "project_id": project_id,
        "stack_id": stack_id,
        "stack_name": "web",
        "status": "CREATE_COMPLETE",
        "execution_status": "AVAILABLE",
        "request": {"template": None, "parameters": {"Secret": "hunter2"}},
        "changes": [{"kind": "added", "resource_name": "R"}],
        **columns,
    }


def test_insert_find_list_delete(heat_db):
    repo = heat_db.change_sets
    first = repo.insert(_values("c-1", "one"))
    repo.insert(_values("c-2", "two", change_set_type="CREATE"))
    repo.insert(_values("c-3", "one", stack_id="s-2"))

    assert first["request"] == {"template": None, "parameters": {"Secret": "hunter2"}}
    assert first["change_set_type"] == "UPDATE"  # the default
    assert repo.find("p1", "c-1")["name"] == "one"
    assert repo.find("p1", "two", stack_id="s-1")["id"] == "c-2"
    assert repo.find("p2", "c-1") is None
    assert repo.find("p1", "two") is None  # a name needs its stack
    assert [c["id"] for c in repo.list("p1", "s-1")] == ["c-1", "c-2"]
    assert [c["id"] for c in repo.list("p1", "s-1", marker="c-1")] == ["c-2"]
    assert "request" not in repo.list("p1", "s-1")[0]
    assert repo.delete("c-1") is True
    assert repo.delete("c-1") is False


def test_transition_is_a_compare_and_set(heat_db):
    repo = heat_db.change_sets
    repo.insert(_values("c-1", "one"))
    assert repo.transition("c-1", {"execution_status": "AVAILABLE"}, execution_status="X")
    assert not repo.transition("c-1", {"execution_status": "AVAILABLE"}, execution_status="Y")
    assert not repo.transition("gone", {}, execution_status="Y")
    assert repo.get("c-1")["execution_status"] == "X"


def test_queries_by_execution_status_and_by_maker(heat_db):
    repo = heat_db.change_sets
    repo.insert(_values("c-1", "one", execution_status="EXECUTE_IN_PROGRESS"))
    repo.insert(_values("c-2", "two", status="CREATE_PENDING", engine_id="e-1"))
    repo.insert(_values("c-3", "three", status="CREATE_IN_PROGRESS", engine_id="e-2"))
    repo.insert(_values("c-4", "four", status="FAILED", engine_id="e-1"))

    assert repo.with_execution_status("s-1", "EXECUTE_IN_PROGRESS") == [
        {"id": "c-1", "name": "one", "change_set_type": "UPDATE"}
    ]
    assert repo.with_execution_status("s-2", "EXECUTE_IN_PROGRESS") == []
    made = repo.made_by(["e-1", "e-9"], ("CREATE_PENDING", "CREATE_IN_PROGRESS"))
    assert made == [{"id": "c-2", "engine_id": "e-1", "status": "CREATE_PENDING"}]
    assert repo.made_by([], ("CREATE_PENDING",)) == []


def test_obsolete(heat_db):
    repo = heat_db.change_sets
    repo.insert(_values("c-1", "one"))
    repo.insert(_values("c-2", "two", status="CREATE_PENDING", execution_status="UNAVAILABLE"))
    repo.insert(_values("c-3", "three", status="FAILED", execution_status="UNAVAILABLE"))
    repo.insert(_values("c-4", "four", execution_status="EXECUTE_IN_PROGRESS"))
    repo.insert(_values("c-5", "one", stack_id="s-2"))

    assert repo.obsolete("s-1", ("AVAILABLE",), ("CREATE_PENDING",)) == 2
    assert {c["id"]: c["execution_status"] for c in repo.list("p1", "s-1")} == {
        "c-1": "OBSOLETE",
        "c-2": "OBSOLETE",
        "c-3": "UNAVAILABLE",
        "c-4": "EXECUTE_IN_PROGRESS",
    }
    assert repo.get("c-5")["execution_status"] == "AVAILABLE"


def test_names_are_unique_per_stack(heat_db):
    heat_db.change_sets.insert(_values("c-1", "one"))
    with pytest.raises(ChangeSetExists, match=r"ChangeSet \[one\] already exists"):
        heat_db.change_sets.insert(_values("c-2", "one"))


def test_the_request_is_encrypted_at_rest(heat_db):
    heat_db.change_sets.insert(_values("c-1", "one"))
    with heat_db.engine.connect() as conn:
        stored = conn.execute(sa.select(models.change_set.c.request)).scalar_one()
    assert "hunter2" not in stored
