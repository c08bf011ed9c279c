"""Change sets: stored encrypted, unique per stack and name, listed in creation order."""

import pytest
import sqlalchemy as sa

from heat.db import models
from heat.db.change_sets import ChangeSetExists


def _values(change_set_id, name, stack_id="s-1", project_id="p1"):
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
    }


def test_insert_find_list_update_delete(heat_db):
    repo = heat_db.change_sets
    first = repo.insert(_values("c-1", "one"))
    repo.insert(_values("c-2", "two"))
    repo.insert(_values("c-3", "one", stack_id="s-2"))

    assert first["request"] == {"template": None, "parameters": {"Secret": "hunter2"}}
    assert repo.find("p1", "c-1")["name"] == "one"
    assert repo.find("p1", "two", stack_id="s-1")["id"] == "c-2"
    assert repo.find("p2", "c-1") is None
    assert repo.find("p1", "two") is None  # a name needs its stack
    assert [c["id"] for c in repo.list("p1", "s-1")] == ["c-1", "c-2"]
    assert [c["id"] for c in repo.list("p1", "s-1", marker="c-1")] == ["c-2"]
    assert "request" not in repo.list("p1", "s-1")[0]

    repo.obsolete_others("s-1", "c-2")
    assert repo.get("c-1")["execution_status"] == "OBSOLETE"
    assert repo.get("c-2")["execution_status"] == "AVAILABLE"
    assert repo.delete("c-1") is True
    assert repo.delete("c-1") is False


def test_names_are_unique_per_stack(heat_db):
    heat_db.change_sets.insert(_values("c-1", "one"))
    with pytest.raises(ChangeSetExists, match="ChangeSet one already exists"):
        heat_db.change_sets.insert(_values("c-2", "one"))


def test_the_request_is_encrypted_at_rest(heat_db):
    heat_db.change_sets.insert(_values("c-1", "one"))
    with heat_db.engine.connect() as conn:
        stored = conn.execute(sa.select(models.change_set.c.request)).scalar_one()
    assert "hunter2" not in stored
