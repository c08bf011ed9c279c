"""The engine's whole lifecycle on each database backend: SQLite, PostgreSQL and MariaDB.

The other engine tests run on SQLite; this one runs a create with dependencies, an update
that replaces and adds, a failed update rolled back, and a delete on every backend.
"""

import json

from heat.common.context import RequestContext
from heat.engine.graph_run import Backoff
from heat.engine.service import EngineService
from heat_tests.fixtures.databases import db_backend, db_url, heat_db  # noqa: F401


def template(resources):
    return json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources})


def states(engine, ctx, stack_id):
    return {r["resource_name"]: r["resource_status"] for r in engine.list_resources(ctx, stack_id)}


def test_lifecycle(heat_db):  # noqa: F811
    engine = EngineService(heat_db, backoff=Backoff(0.005, 2.0, 0.05)).start()
    ctx = RequestContext("project-a")
    try:
        secret = {"Type": "OS::Heat::RandomString", "Properties": {"length": 8}}
        user = {"Type": "OS::Heat::TestResource", "Properties": {"value": {"Ref": "Secret"}}}
        stack_id = engine.create_stack(
            ctx, "everywhere", template({"Secret": secret, "User": user})
        )["stack_id"]
        assert engine.wait(stack_id, 30)
        assert engine.show_stack(ctx, stack_id)["stack_status"] == "CREATE_COMPLETE"
        value = heat_db.resources.get_secrets(
            heat_db.resources.get_by_name(stack_id, "Secret")["id"]
        )["value"]
        assert heat_db.resources.get_by_name(stack_id, "User")["data"]["value"] == value

        longer = {"Type": "OS::Heat::RandomString", "Properties": {"length": 12}}
        engine.update_stack(
            ctx,
            stack_id,
            template({"Secret": longer, "User": user, "Extra": {"Type": "OS::Heat::None"}}),
        )
        assert engine.wait(stack_id, 30)
        assert engine.show_stack(ctx, stack_id)["stack_status"] == "UPDATE_COMPLETE"
        assert states(engine, ctx, stack_id) == {
            "Secret": "CREATE_COMPLETE",
            "User": "UPDATE_COMPLETE",
            "Extra": "CREATE_COMPLETE",
        }

        failing = {"Type": "OS::Heat::TestResource", "Properties": {"fail": True}}
        engine.update_stack(ctx, stack_id, template({"Secret": longer, "User": failing}))
        assert engine.wait(stack_id, 30)
        assert engine.show_stack(ctx, stack_id)["stack_status"] == "ROLLBACK_COMPLETE"
        assert set(states(engine, ctx, stack_id)) == {"Secret", "User", "Extra"}

        engine.delete_stack(ctx, stack_id)
        assert engine.wait(stack_id, 30)
        assert heat_db.stacks.get(stack_id)["status"] == "COMPLETE"
        assert heat_db.resources.list(stack_id, include_replaced=True) == []
    finally:
        engine.stop()
