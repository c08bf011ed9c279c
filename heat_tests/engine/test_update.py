"""Stack update through EngineService: add, remove, update in place, replace, roll back."""

import json
import time

import pytest

from heat.common.exception import Conflict, InvalidInput, TemplateError

NONE = {"Type": "OS::Heat::None"}


def test_resource(**props):
    return {"Type": "OS::Heat::TestResource", "Properties": props}


test_resource.__test__ = False


def template(resources, parameters=None, outputs=None):
    data = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}
    if parameters:
        data["Parameters"] = parameters
    if outputs:
        data["Outputs"] = outputs
    return json.dumps(data)


def created(engine, ctx, text, **kwargs):
    stack_id = engine.create_stack(ctx, "evolving", text, **kwargs)["stack_id"]
    assert engine.wait(stack_id, 30)
    assert engine.show_stack(ctx, stack_id)["stack_status"] == "CREATE_COMPLETE"
    return stack_id


def updated(engine, ctx, stack_id, text=None, **kwargs):
    engine.update_stack(ctx, stack_id, text, **kwargs)
    assert engine.wait(stack_id, 30)
    return engine.show_stack(ctx, stack_id)


def update_events(engine, ctx, stack_id):
    seen = engine.list_events(ctx, stack_id)
    first = max(
        i
        for i, e in enumerate(seen)
        if e["resource_name"] == "evolving"
        and e["action"] == "UPDATE"
        and e["status"] == "IN_PROGRESS"
    )
    return [(e["resource_name"], e["action"], e["status"]) for e in seen[first:]]


def current(engine, ctx, stack_id):
    return {
        r["resource_name"]: (r["resource_type"], r["resource_status"])
        for r in engine.list_resources(ctx, stack_id)
    }


def test_add_update_in_place_and_remove(engine, ctx):
    stack_id = created(engine, ctx, template({"Kept": test_resource(value="a"), "Gone": NONE}))
    stack = updated(
        engine, ctx, stack_id, template({"Kept": test_resource(value="b"), "New": NONE})
    )
    assert stack["stack_status"] == "UPDATE_COMPLETE"
    assert stack["stack_status_reason"] == "Stack UPDATE completed successfully"
    events = update_events(engine, ctx, stack_id)
    assert events[0] == ("evolving", "UPDATE", "IN_PROGRESS")
    assert events[-1] == ("evolving", "UPDATE", "COMPLETE")
    assert sorted(events[1:-1]) == sorted(
        [
            ("Kept", "UPDATE", "IN_PROGRESS"),
            ("Kept", "UPDATE", "COMPLETE"),
            ("New", "CREATE", "IN_PROGRESS"),
            ("New", "CREATE", "COMPLETE"),
            ("Gone", "DELETE", "IN_PROGRESS"),
            ("Gone", "DELETE", "COMPLETE"),
        ]
    )
    assert current(engine, ctx, stack_id) == {
        "Kept": ("OS::Heat::TestResource", "UPDATE_COMPLETE"),
        "New": ("OS::Heat::None", "CREATE_COMPLETE"),
    }
    assert json.loads(json.dumps(engine.get_template(ctx, stack_id)))["Resources"]["New"] == NONE


def test_unchanged_resources_are_left_alone(engine, ctx):
    text = template({"Same": test_resource(value="x")})
    stack_id = created(engine, ctx, text)
    updated(engine, ctx, stack_id, text)
    assert update_events(engine, ctx, stack_id) == [
        ("evolving", "UPDATE", "IN_PROGRESS"),
        ("evolving", "UPDATE", "COMPLETE"),
    ]


def test_a_property_that_cannot_change_in_place_replaces_the_resource(engine, ctx):
    stack_id = created(
        engine,
        ctx,
        template({"Secret": {"Type": "OS::Heat::RandomString", "Properties": {"length": 8}}}),
    )
    before = engine.db.resources.get_by_name(stack_id, "Secret")
    updated(
        engine,
        ctx,
        stack_id,
        template({"Secret": {"Type": "OS::Heat::RandomString", "Properties": {"length": 12}}}),
    )
    assert update_events(engine, ctx, stack_id)[1:-1] == [
        ("Secret", "CREATE", "IN_PROGRESS"),
        ("Secret", "CREATE", "COMPLETE"),
        ("Secret", "DELETE", "IN_PROGRESS"),
        ("Secret", "DELETE", "COMPLETE"),
    ]
    after = engine.db.resources.get_by_name(stack_id, "Secret")
    assert after["id"] != before["id"] and after["replaces"] == before["id"]
    assert len(engine.db.resources.get_secrets(after["id"])["value"]) == 12
    assert engine.db.resources.get(before["id"]) is None  # the old one is gone


def test_a_plugin_may_decide_to_replace_during_update(engine, ctx):
    stack_id = created(engine, ctx, template({"R": test_resource(value="a")}))
    updated(engine, ctx, stack_id, template({"R": test_resource(value="b", update_replace=True)}))
    assert [e for e in update_events(engine, ctx, stack_id) if e[0] == "R"] == [
        ("R", "UPDATE", "IN_PROGRESS"),
        ("R", "CREATE", "IN_PROGRESS"),
        ("R", "CREATE", "COMPLETE"),
        ("R", "DELETE", "IN_PROGRESS"),
        ("R", "DELETE", "COMPLETE"),
    ]


def test_type_change_replaces(engine, ctx):
    stack_id = created(engine, ctx, template({"R": NONE}))
    updated(engine, ctx, stack_id, template({"R": test_resource()}))
    assert current(engine, ctx, stack_id) == {"R": ("OS::Heat::TestResource", "CREATE_COMPLETE")}


def test_update_replace_policy_retain_keeps_the_old_one_out_of_the_cloud_calls(engine, ctx):
    def secret(length):
        return {
            "Type": "OS::Heat::RandomString",
            "Properties": {"length": length},
            "UpdateReplacePolicy": "Retain",
        }

    stack_id = created(engine, ctx, template({"S": secret(8)}))
    updated(engine, ctx, stack_id, template({"S": secret(9)}))
    retained = [e for e in engine.list_events(ctx, stack_id) if e["action"] == "DELETE"]
    assert [(e["resource_name"], e["status"], e["reason"]) for e in retained] == [
        ("S", "IN_PROGRESS", "state changed"),
        ("S", "COMPLETE", "retained: its policy is Retain"),
    ]


def test_parameter_only_update_changes_what_refers_to_it(engine, ctx):
    text = template(
        {"R": test_resource(value={"Ref": "Colour"})},
        parameters={"Colour": {"Type": "String", "Default": "red"}},
        outputs={"Colour": {"Value": {"Fn::GetAtt": ["R", "output"]}}},
    )
    stack_id = created(engine, ctx, text)
    stack = updated(engine, ctx, stack_id, parameters={"Colour": "blue"})
    assert stack["outputs"][0]["output_value"] == "blue"
    assert stack["parameters"]["Colour"] == "blue"


def test_patch_keeps_parameters_not_given(engine, ctx):
    params = {"A": {"Type": "String"}, "B": {"Type": "String"}}
    text = template(
        {"R": test_resource(value={"Fn::Join": ["-", [{"Ref": "A"}, {"Ref": "B"}]]})},
        parameters=params,
    )
    stack_id = created(engine, ctx, text, parameters={"A": "1", "B": "2"})
    stack = updated(engine, ctx, stack_id, text, parameters={"B": "3"}, existing=True)
    assert (stack["parameters"]["A"], stack["parameters"]["B"]) == ("1", "3")
    with pytest.raises(TemplateError, match="Parameters.A: no value given"):
        engine.update_stack(ctx, stack_id, text, parameters={"B": "4"})


def test_failed_update_rolls_back_to_the_previous_template(engine, ctx):
    old = template(
        {
            "Secret": {"Type": "OS::Heat::RandomString", "Properties": {"length": 8}},
            "R": test_resource(value="old"),
        }
    )
    stack_id = created(engine, ctx, old)
    secret_before = engine.db.resources.get_secrets(
        engine.db.resources.get_by_name(stack_id, "Secret")["id"]
    )["value"]
    new = template(
        {
            "Secret": {"Type": "OS::Heat::RandomString", "Properties": {"length": 10}},
            "R": test_resource(value="new", fail=True),
            "Extra": {"Type": "OS::Heat::None", "DependsOn": "R"},
        }
    )
    stack = updated(engine, ctx, stack_id, new)
    assert stack["stack_status"] == "ROLLBACK_COMPLETE"
    statuses = [
        (e[0], e[1], e[2]) for e in update_events(engine, ctx, stack_id) if e[0] == "evolving"
    ]
    assert statuses == [
        ("evolving", "UPDATE", "IN_PROGRESS"),
        ("evolving", "UPDATE", "FAILED"),
        ("evolving", "ROLLBACK", "IN_PROGRESS"),
        ("evolving", "ROLLBACK", "COMPLETE"),
    ]
    reasons = [
        e["reason"]
        for e in engine.list_events(ctx, stack_id)
        if e["resource_name"] == "evolving" and e["status"] == "FAILED"
    ]
    assert reasons == ["Resource R: UPDATE failed: TestResourceFailure: R failed on update as told"]
    assert engine.get_template(ctx, stack_id) == json.loads(old)
    restored = engine.db.resources.get_by_name(stack_id, "Secret")
    assert engine.db.resources.get_secrets(restored["id"])["value"] == secret_before
    assert set(current(engine, ctx, stack_id)) == {"Secret", "R"}
    assert engine.stack_outputs(ctx, stack_id) == []


def test_failed_update_without_rollback_stays_failed(engine, ctx):
    stack_id = created(
        engine, ctx, template({"R": test_resource(value="a")}), disable_rollback=True
    )
    stack = updated(engine, ctx, stack_id, template({"R": test_resource(value="b", fail=True)}))
    assert stack["stack_status"] == "UPDATE_FAILED"
    assert current(engine, ctx, stack_id) == {"R": ("OS::Heat::TestResource", "UPDATE_FAILED")}


def test_deleting_the_stack_after_a_failed_update_deletes_what_it_replaced(engine, ctx):
    def secret(length):
        return {"Type": "OS::Heat::RandomString", "Properties": {"length": length}}

    stack_id = created(engine, ctx, template({"S": secret(8)}), disable_rollback=True)
    old = engine.db.resources.get_by_name(stack_id, "S")
    failing = test_resource(value={"Ref": "S"}, fail=True)
    stack = updated(engine, ctx, stack_id, template({"S": secret(12), "F": failing}))
    assert stack["stack_status"] == "UPDATE_FAILED"
    new = engine.db.resources.get_by_name(stack_id, "S")
    assert engine.db.resources.get(old["id"])["replaced_by"] == new["id"]

    engine.delete_stack(ctx, stack_id)
    assert engine.wait(stack_id, 30)
    deleted = [
        (e["resource_name"], e["status"])
        for e in engine.list_events(ctx, stack_id)
        if e["action"] == "DELETE" and e["resource_name"] != "evolving"
    ]
    # F requires S, so it goes first; then both the replacement and the replaced S.
    assert deleted[:2] == [("F", "IN_PROGRESS"), ("F", "COMPLETE")]
    assert sorted(deleted[2:]) == [("S", "COMPLETE")] * 2 + [("S", "IN_PROGRESS")] * 2
    assert engine.db.stacks.get(stack_id)["status"] == "COMPLETE"
    assert engine.db.resources.list(stack_id, include_replaced=True) == []


def test_cancel_update_rolls_back(engine, ctx):
    stack_id = created(engine, ctx, template({"R": test_resource(value="a")}))
    engine.update_stack(ctx, stack_id, template({"R": test_resource(value="b", wait_secs=60)}))
    deadline = time.monotonic() + 10
    while engine.db.resources.get_by_name(stack_id, "R")["action"] != "UPDATE":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    engine.cancel_update(ctx, stack_id)
    assert engine.wait(stack_id, 30)
    stack = engine.show_stack(ctx, stack_id)
    assert stack["stack_status"] == "ROLLBACK_COMPLETE"
    failed = [
        e["reason"]
        for e in engine.list_events(ctx, stack_id)
        if e["resource_name"] == "evolving" and e["status"] == "FAILED"
    ]
    assert failed == ["Stack UPDATE cancelled"]
    assert engine.db.resources.get_by_name(stack_id, "R")["data"]["value"] == "a"


def test_cancel_without_an_update_is_a_conflict(engine, ctx):
    stack_id = created(engine, ctx, template({"R": NONE}))
    with pytest.raises(Conflict, match="has no update in progress"):
        engine.cancel_update(ctx, stack_id)


def test_preview_update_says_what_would_happen(engine, ctx):
    stack_id = created(
        engine,
        ctx,
        template(
            {
                "Same": test_resource(value="x"),
                "Tweaked": test_resource(value="x"),
                "Regenerated": {"Type": "OS::Heat::RandomString", "Properties": {"length": 8}},
                "Dropped": NONE,
            }
        ),
    )
    preview = engine.preview_update(
        ctx,
        stack_id,
        template(
            {
                "Same": test_resource(value="x"),
                "Tweaked": test_resource(value="y"),
                "Regenerated": {"Type": "OS::Heat::RandomString", "Properties": {"length": 9}},
                "Added": NONE,
                "Later": test_resource(value={"Ref": "Added"}),
            }
        ),
    )
    names = {kind: [c["resource_name"] for c in changes] for kind, changes in preview.items()}
    assert names == {
        "added": ["Added", "Later"],
        "updated": ["Tweaked"],
        "replaced": ["Regenerated"],
        "unchanged": ["Same"],
        "deleted": ["Dropped"],
    }
    assert preview["updated"][0]["changed_properties"] == ["value"]
    assert preview["replaced"][0] == {
        "resource_name": "Regenerated",
        "resource_type": "OS::Heat::RandomString",
        "changed_properties": ["length"],
        "replacement": "True",
    }
    # Nothing happened.
    assert engine.show_stack(ctx, stack_id)["stack_status"] == "CREATE_COMPLETE"


def test_invalid_update_is_rejected_and_the_stack_untouched(engine, ctx):
    stack_id = created(engine, ctx, template({"R": NONE}))
    with pytest.raises(TemplateError, match='unsupported resource type "OS::Nope"'):
        engine.update_stack(ctx, stack_id, template({"R": {"Type": "OS::Nope"}}))
    assert engine.show_stack(ctx, stack_id)["stack_status"] == "CREATE_COMPLETE"
    assert engine.db.locks.holder(stack_id) is None


def test_an_update_that_changes_nothing_can_be_refused(engine, ctx):
    text = template({"R": test_resource(value="x")})
    stack_id = created(engine, ctx, text)
    with pytest.raises(InvalidInput, match=r"^No updates are to be performed\.$"):
        engine.update_stack(ctx, stack_id, text, require_changes=True)
    assert engine.db.locks.holder(stack_id) is None
    stack = updated(engine, ctx, stack_id, text)  # the native API runs it anyway
    assert stack["stack_status"] == "UPDATE_COMPLETE"


def test_previous_values_carry_over_only_for_parameters_still_declared(engine, ctx):
    old = template(
        {"R": test_resource(value={"Ref": "Kept"})},
        parameters={"Kept": {"Type": "String"}, "Dropped": {"Type": "String"}},
    )
    stack_id = created(engine, ctx, old, parameters={"Kept": "k", "Dropped": "d"})
    new = template(
        {"R": test_resource(value={"Ref": "Kept"})}, parameters={"Kept": {"Type": "String"}}
    )
    stack = updated(engine, ctx, stack_id, new, existing=True)
    assert stack["stack_status"] == "UPDATE_COMPLETE"
    assert stack["parameters"] == {
        "Kept": "k",
        "AWS::StackId": stack["parameters"]["AWS::StackId"],
        "AWS::StackName": "evolving",
        "AWS::Region": "RegionOne",
    }
