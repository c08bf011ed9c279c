"""The engine's operations driven through EngineService on a real SQLite database."""

import json
import threading
import time

import pytest

from heat.common.exception import StackExists, StackNotFound, TemplateError


def template(resources, outputs=None, parameters=None):
    data = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}
    if outputs:
        data["Outputs"] = outputs
    if parameters:
        data["Parameters"] = parameters
    return json.dumps(data)


def make_resource(**props):
    return {"Type": "OS::Heat::TestResource", "Properties": props}


def create(engine, ctx, name, text, **kwargs):
    stack_id = engine.create_stack(ctx, name, text, **kwargs)["stack_id"]
    assert engine.wait(stack_id, 30)
    return engine.show_stack(ctx, stack_id)


def events(engine, ctx, name):
    return [
        (e["resource_name"], e["action"], e["status"], e["reason"])
        for e in engine.list_events(ctx, name)
    ]


def test_create_runs_in_dependency_order_and_records_every_transition(engine, ctx):
    text = template(
        {
            "First": make_resource(value="one"),
            "Second": make_resource(value={"Fn::GetAtt": ["First", "output"]}),
        },
        outputs={"Out": {"Value": {"Fn::GetAtt": ["Second", "output"]}}},
    )
    stack = create(engine, ctx, "ordered", text)
    assert stack["stack_status"] == "CREATE_COMPLETE"
    assert stack["outputs"] == [{"output_key": "Out", "description": "", "output_value": "one"}]
    assert events(engine, ctx, "ordered") == [
        ("ordered", "CREATE", "IN_PROGRESS", "Stack CREATE started"),
        ("First", "CREATE", "IN_PROGRESS", "state changed"),
        ("First", "CREATE", "COMPLETE", "state changed"),
        ("Second", "CREATE", "IN_PROGRESS", "state changed"),
        ("Second", "CREATE", "COMPLETE", "state changed"),
        ("ordered", "CREATE", "COMPLETE", "Stack CREATE completed successfully"),
    ]
    resources = {r["resource_name"]: r for r in engine.list_resources(ctx, "ordered")}
    assert resources["Second"]["resource_status"] == "CREATE_COMPLETE"
    assert resources["Second"]["physical_resource_id"] == "test-Second"
    assert resources["Second"]["requires"] == ["First"]


def test_independent_resources_are_created_in_parallel(engine, ctx):
    text = template({f"R{i}": make_resource(wait_secs=1) for i in range(50)})
    started = time.monotonic()
    stack = create(engine, ctx, "parallel", text)
    elapsed = time.monotonic() - started
    assert stack["stack_status"] == "CREATE_COMPLETE"
    assert elapsed < 5, f"50 resources of 1 s took {elapsed:.1f} s: not parallel"
    # No thread sleeps per resource: the pool and one timer thread are all there is.
    assert threading.active_count() < 16 + 8


def test_failure_skips_dependents_reports_the_root_cause_and_rolls_back(engine, ctx):
    text = template(
        {
            "Good": make_resource(),
            "Bad": make_resource(fail=True, value={"Ref": "Good"}),
            "After": {"Type": "OS::Heat::TestResource", "DependsOn": "Bad"},
        }
    )
    stack = create(engine, ctx, "failing", text)
    assert stack["stack_status"] == "ROLLBACK_COMPLETE"
    reason = "Resource Bad: CREATE failed: TestResourceFailure: Bad failed on create as told"
    assert events(engine, ctx, "failing") == [
        ("failing", "CREATE", "IN_PROGRESS", "Stack CREATE started"),
        ("Good", "CREATE", "IN_PROGRESS", "state changed"),
        ("Good", "CREATE", "COMPLETE", "state changed"),
        ("Bad", "CREATE", "IN_PROGRESS", "state changed"),
        (
            "Bad",
            "CREATE",
            "FAILED",
            "CREATE failed: TestResourceFailure: Bad failed on create as told",
        ),
        ("failing", "CREATE", "FAILED", reason),
        ("failing", "ROLLBACK", "IN_PROGRESS", "Rollback started"),
        ("Bad", "DELETE", "IN_PROGRESS", "state changed"),
        ("Bad", "DELETE", "COMPLETE", "state changed"),
        ("Good", "DELETE", "IN_PROGRESS", "state changed"),
        ("Good", "DELETE", "COMPLETE", "state changed"),
        ("failing", "ROLLBACK", "COMPLETE", "Stack ROLLBACK completed successfully"),
    ]
    assert engine.list_resources(ctx, "failing") == []


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"disable_rollback": True}, "CREATE_FAILED"),
        ({"on_failure": "DO_NOTHING"}, "CREATE_FAILED"),
    ],
)
def test_failure_without_rollback_keeps_what_was_made(engine, ctx, kwargs, status):
    text = template({"Good": make_resource(), "Bad": make_resource(fail=True)})
    stack = create(engine, ctx, "kept", text, **kwargs)
    assert stack["stack_status"] == status
    states = {r["resource_name"]: r["resource_status"] for r in engine.list_resources(ctx, "kept")}
    assert states == {"Good": "CREATE_COMPLETE", "Bad": "CREATE_FAILED"}


def test_on_failure_delete_deletes_the_stack(engine, ctx):
    text = template({"Bad": make_resource(fail=True)})
    stack_id = engine.create_stack(ctx, "gone", text, on_failure="DELETE")["stack_id"]
    assert engine.wait(stack_id, 30)
    row = engine.db.stacks.get(stack_id)
    assert (row["action"], row["status"]) == ("DELETE", "COMPLETE")
    with pytest.raises(StackNotFound, match="Stack with id gone does not exist"):
        engine.show_stack(ctx, "gone")


def test_timeout_names_what_was_still_in_progress(engine, ctx):
    text = template({"Quick": make_resource(), "Slow": make_resource(wait_secs=120)})
    stack_id = engine.create_stack(ctx, "slow", text, timeout_mins=0.02, disable_rollback=True)[
        "stack_id"
    ]
    assert engine.wait(stack_id, 30)
    stack = engine.show_stack(ctx, stack_id)
    assert stack["stack_status"] == "CREATE_FAILED"
    assert stack["stack_status_reason"] == "Create timed out; still in progress: Slow"
    states = {r["resource_name"]: r["resource_status"] for r in engine.list_resources(ctx, "slow")}
    assert states == {"Quick": "CREATE_COMPLETE", "Slow": "CREATE_FAILED"}


def test_delete_walks_the_graph_in_reverse(engine, ctx):
    text = template({"Base": make_resource(), "Top": make_resource(value={"Ref": "Base"})})
    stack = create(engine, ctx, "doomed", text)
    engine.delete_stack(ctx, stack["id"])
    assert engine.wait(stack["id"], 30)
    deletes = [e[:3] for e in events(engine, ctx, stack["id"]) if e[1] == "DELETE"]
    assert deletes == [
        ("doomed", "DELETE", "IN_PROGRESS"),
        ("Top", "DELETE", "IN_PROGRESS"),
        ("Top", "DELETE", "COMPLETE"),
        ("Base", "DELETE", "IN_PROGRESS"),
        ("Base", "DELETE", "COMPLETE"),
        ("doomed", "DELETE", "COMPLETE"),
    ]
    assert engine.list_stacks(ctx) == []


def test_failed_delete_is_reported(engine, ctx):
    stack = create(engine, ctx, "sticky", template({"R": make_resource(fail_on=["delete"])}))
    engine.delete_stack(ctx, stack["id"])
    assert engine.wait(stack["id"], 30)
    shown = engine.show_stack(ctx, "sticky")
    assert shown["stack_status"] == "DELETE_FAILED"
    assert shown["stack_status_reason"] == (
        "Resource R: DELETE failed: TestResourceFailure: R failed on delete as told"
    )


def test_invalid_template_is_rejected_with_every_finding_and_nothing_stored(engine, ctx):
    text = template({"A": {"Type": "OS::Nope"}, "B": make_resource(colour="red")})
    with pytest.raises(TemplateError) as raised:
        engine.create_stack(ctx, "bad", text)
    assert [str(f) for f in raised.value.findings] == [
        'Resources.A.Type: unsupported resource type "OS::Nope" (line 1:64)',
        'Resources.B.Properties.colour: unknown property "colour" (line 1:140)',
    ]
    assert engine.list_stacks(ctx) == []


def test_stack_names_are_unique_per_project(engine, ctx):
    create(engine, ctx, "twin", template({"R": make_resource()}))
    with pytest.raises(StackExists, match=r"^Stack \[twin\] already exists$"):
        engine.create_stack(ctx, "twin", template({"R": make_resource()}))


def test_no_echo_values_are_masked_in_reasons_and_parameters(engine, ctx):
    text = template(
        {"R": make_resource(fail=True, value={"Ref": "Secret"})},
        parameters={"Secret": {"Type": "String", "NoEcho": "true"}},
        outputs={"Leak": {"Value": {"Fn::Join": [":", ["x", {"Ref": "Secret"}]]}}},
    )
    stack_id = engine.create_stack(
        ctx, "secretive", text, parameters={"Secret": "hunter2"}, disable_rollback=True
    )["stack_id"]
    assert engine.wait(stack_id, 30)
    shown = engine.show_stack(ctx, stack_id)
    assert shown["parameters"]["Secret"] == "******"
    assert engine.stack_outputs(ctx, stack_id)[0]["output_value"] == "x:******"
    everything = json.dumps([shown, engine.list_events(ctx, stack_id)], default=str)
    assert "hunter2" not in everything
    stored = engine.db.stacks.get(stack_id)
    assert stored["parameters"]["Secret"] == "hunter2"  # decrypted for the engine only


def test_another_project_cannot_see_the_stack(engine, ctx):
    from heat.common.context import RequestContext

    stack = create(engine, ctx, "mine", template({"R": make_resource()}))
    other = RequestContext("project-b", "user-b")
    with pytest.raises(StackNotFound):
        engine.show_stack(other, stack["id"])
    with pytest.raises(StackNotFound):
        engine.delete_stack(other, "mine")
    assert engine.list_stacks(other) == []
