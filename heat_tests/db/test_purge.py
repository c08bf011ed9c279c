"""purge_deleted removes old soft-deleted stacks and everything hanging off them."""

import datetime

import sqlalchemy as sa

from heat.db import models
from heat_tests.db.factories import create_stack


def _populate(heat_db, name, template, parent_id=None):
    stack_id = create_stack(heat_db, name=name, raw_template_id=template, parent_id=parent_id)
    rid = heat_db.resources.insert_many(stack_id, [{"name": "R", "type": "T"}])["R"]
    heat_db.resources.set_state(
        rid, stack_id=stack_id, name="R", type="T", action="CREATE", status="COMPLETE"
    )
    heat_db.resources.set_secret(rid, "password", "pw")
    heat_db.exports.put("p1", f"{name}-out", stack_id, 1)
    heat_db.change_sets.insert(
        {
            "id": f"cs-{name}",
            "name": "cs",
            "project_id": "p1",
            "stack_id": stack_id,
            "stack_name": name,
            "status": "CREATE_COMPLETE",
            "execution_status": "AVAILABLE",
            "request": {"template": None},
        }
    )
    return stack_id


def _delete_days_ago(heat_db, stack_id, days):
    when = models.utcnow() - datetime.timedelta(days=days)
    heat_db.stacks.update(stack_id, deleted_at=when)


def _count(heat_db, table):
    with heat_db.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_purges_old_deleted_stacks_only(heat_db):
    shared = heat_db.templates.store({"Resources": {"shared": {}}})
    own = heat_db.templates.store({"Resources": {"own": {}}})
    old = _populate(heat_db, "old", own)
    old_child = _populate(heat_db, "old-child", shared, parent_id=old)
    recent = _populate(heat_db, "recent", shared)
    live = _populate(heat_db, "live", shared)
    _delete_days_ago(heat_db, old, 40)
    _delete_days_ago(heat_db, old_child, 40)
    _delete_days_ago(heat_db, recent, 1)

    counts = heat_db.purge_deleted(30 * 86400)

    assert counts == {"stacks": 2, "resources": 2, "events": 2, "templates": 1}
    assert heat_db.stacks.get(old) is None and heat_db.stacks.get(old_child) is None
    assert heat_db.stacks.get(recent) is not None and heat_db.stacks.get(live) is not None
    assert heat_db.templates.get(own) is None
    assert heat_db.templates.get(shared) is not None
    assert _count(heat_db, models.resource) == 2
    assert _count(heat_db, models.resource_secret) == 2
    assert _count(heat_db, models.event) == 2
    assert sorted(e["name"] for e in heat_db.exports.list("p1")) == ["live-out", "recent-out"]
    with heat_db.engine.connect() as conn:
        kept = conn.execute(sa.select(models.change_set.c.id)).scalars().all()
    assert sorted(kept) == ["cs-live", "cs-recent"]


def test_keeps_a_deleted_parent_of_a_live_nested_stack(heat_db):
    template = heat_db.templates.store({"Resources": {}})
    parent = _populate(heat_db, "parent", template)
    child = _populate(heat_db, "child", template, parent_id=parent)
    _delete_days_ago(heat_db, parent, 40)

    assert heat_db.purge_deleted(86400) == {
        "stacks": 0,
        "resources": 0,
        "events": 0,
        "templates": 0,
    }
    assert heat_db.stacks.get(parent) is not None and heat_db.stacks.get(child) is not None


def test_deeply_nested_stacks_go_children_first(heat_db):
    template = heat_db.templates.store({"Resources": {}})
    top = _populate(heat_db, "top", template)
    middle = _populate(heat_db, "middle", template, parent_id=top)
    bottom = _populate(heat_db, "bottom", template, parent_id=middle)
    for stack_id in (top, middle, bottom):
        _delete_days_ago(heat_db, stack_id, 2)

    assert heat_db.purge_deleted(86400)["stacks"] == 3
    assert _count(heat_db, models.stack) == 0
    assert heat_db.templates.get(template) is None
