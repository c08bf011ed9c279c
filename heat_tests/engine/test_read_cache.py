"""The engine's read-path caches (heat.engine.read_cache): same answers, less work."""

from __future__ import annotations

import json
import threading

import sqlalchemy as sa

from heat.db import models
from heat.engine.read_cache import LruCache

TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Parameters": {
        "Name": {"Type": "String", "Default": "one"},
        "Secret": {"Type": "String", "NoEcho": "true", "Default": "hush"},
    },
    "Resources": {
        "Db": {"Type": "OS::Heat::TestResource", "Properties": {"value": {"Ref": "Name"}}},
    },
    "Outputs": {"Out": {"Value": {"Fn::GetAtt": ["Db", "output"]}}},
}


def _created(engine, ctx, name, parameters=None, template=TEMPLATE):
    stack_id = engine.create_stack(ctx, name, json.dumps(template), parameters)["stack_id"]
    engine.wait(stack_id, 30)
    return stack_id


def test_lru_cache_is_bounded_and_keeps_recent_entries():
    cache = LruCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recent
    cache.put("c", 3)
    assert cache.get("b") is None and cache.get("a") == 1 and cache.get("c") == 3
    made = []
    assert cache.get_or_make("d", lambda: made.append(1) or 4) == 4
    assert cache.get_or_make("d", lambda: made.append(1) or 5) == 4
    assert made == [1] and len(cache) == 2


def test_show_stack_reuses_the_template_and_definition(engine, ctx):
    stack_id = _created(engine, ctx, "web")
    first = engine.show_stack(ctx, "web")
    definition = engine.read_cache.definition(
        engine.db.stacks.get(stack_id),
        engine._identity(ctx.project_id, "web", stack_id),
        registry=engine.registry,
        require_all_parameters=False,
        availability_zones=engine.availability_zones,
    )
    assert engine.show_stack(ctx, "web") == first
    again = engine.read_cache.definition(
        engine.db.stacks.get(stack_id),
        engine._identity(ctx.project_id, "web", stack_id),
        registry=engine.registry,
        require_all_parameters=False,
        availability_zones=engine.availability_zones,
    )
    assert again is definition
    assert [(o["output_key"], o["output_value"]) for o in first["outputs"]] == [("Out", "one")]
    assert first["parameters"]["Secret"] == "******"


def _statements_of(engine, call) -> list[str]:
    """The SQL statements `call` sends from this thread (the engine's own timers excluded)."""
    me, sent = threading.get_ident(), []

    def record(conn, cursor, statement, *args):
        if threading.get_ident() == me:
            sent.append(statement)

    sa.event.listen(engine.db.engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        sa.event.remove(engine.db.engine, "before_cursor_execute", record)
    return sent


def test_showing_a_stack_takes_two_statements(engine, ctx):
    # One for the stack row with its template's hash, one for the resources the outputs read.
    stack_id = _created(engine, ctx, "web")
    engine.show_stack(ctx, "web")
    for key in ("web", stack_id):
        sent = _statements_of(engine, lambda key=key: engine.show_stack(ctx, key))
        assert len(sent) == 2, sent
        assert "raw_template" in sent[0] and "FROM resource" in sent[1]


def test_stacks_sharing_a_template_keep_their_own_parameters(engine, ctx):
    _created(engine, ctx, "a", {"Name": "alpha"})
    _created(engine, ctx, "b", {"Name": "beta"})
    assert engine.show_stack(ctx, "a")["parameters"]["Name"] == "alpha"
    assert engine.show_stack(ctx, "b")["parameters"]["Name"] == "beta"
    assert engine.show_stack(ctx, "a")["outputs"][0]["output_value"] == "alpha"
    assert engine.show_stack(ctx, "b")["outputs"][0]["output_value"] == "beta"
    assert engine.show_stack(ctx, "a")["parameters"]["AWS::StackName"] == "a"


def test_an_update_is_seen_at_once(engine, ctx):
    stack_id = _created(engine, ctx, "web")
    assert engine.show_stack(ctx, "web")["parameters"]["Name"] == "one"
    engine.update_stack(ctx, "web", None, {"Name": "two"}, existing=True)
    engine.wait(stack_id, 30)
    shown = engine.show_stack(ctx, "web")
    assert shown["parameters"]["Name"] == "two"
    assert shown["outputs"][0]["output_value"] == "two"
    changed = {**TEMPLATE, "Description": "second version"}
    engine.update_stack(ctx, "web", json.dumps(changed), {"Name": "two"})
    engine.wait(stack_id, 30)
    assert engine.show_stack(ctx, "web")["description"] == "second version"


def test_a_template_id_reused_after_purge_is_not_served_stale(engine, ctx):
    # SQLite hands out a deleted row's id again; the cache notices the content changed.
    stack_id = _created(engine, ctx, "web")
    template_id = engine.db.stacks.get(stack_id)["raw_template_id"]
    assert engine.load_template(template_id).data == TEMPLATE
    other = {**TEMPLATE, "Description": "another template"}
    with engine.db.engine.begin() as conn:
        conn.execute(
            sa.update(models.raw_template)
            .where(models.raw_template.c.id == template_id)
            .values(template=other, hash="f" * 64)
        )
    assert engine.load_template(template_id).data == other
    assert engine.show_stack(ctx, "web")["description"] == "another template"


def test_concurrent_readers_agree(engine, ctx):
    for name in ("a", "b", "c"):
        _created(engine, ctx, name, {"Name": name})
    errors = []

    def reader(name):
        try:
            for _ in range(30):
                shown = engine.show_stack(ctx, name)
                assert shown["parameters"]["Name"] == name
                assert shown["outputs"][0]["output_value"] == name
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=reader, args=(n,)) for n in "abc" * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
