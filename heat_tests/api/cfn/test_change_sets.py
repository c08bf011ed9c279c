"""Change sets through boto3: UPDATE and CREATE change sets made, described, executed and
deleted over HTTP, with their statuses, the stacks they make, and AWS's errors."""

import json
import time

import pytest
from botocore.exceptions import ClientError, WaiterError

from heat_tests.api.cfn.templates import SECRET, WEB, make_resource, template

FAST = {"Delay": 0.1, "MaxAttempts": 300}
PARAMS = [
    {"ParameterKey": "DbPassword", "ParameterValue": SECRET},
    {"ParameterKey": "DbName", "ParameterValue": "blog"},
]
CREATE_FAILED_MESSAGE = (
    "Resource App: CREATE failed: TestResourceFailure: App failed on create as told"
)


def create(cfn, name="web", body=WEB, params=PARAMS):
    stack_id = cfn.create_stack(StackName=name, TemplateBody=body, Parameters=params)["StackId"]
    cfn.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig=FAST)
    return stack_id


def made(cfn, stack, name):
    """The change set once it is made (CREATE_COMPLETE or FAILED)."""
    try:
        cfn.get_waiter("change_set_create_complete").wait(
            StackName=stack, ChangeSetName=name, WaiterConfig=FAST
        )
    except WaiterError:
        pass  # FAILED: the caller looks at why
    return cfn.describe_change_set(StackName=stack, ChangeSetName=name)


def settled(cfn, stack, name):
    """The change set once its execution has ended."""
    deadline = time.monotonic() + 30
    while True:
        found = cfn.describe_change_set(StackName=stack, ChangeSetName=name)
        if found["ExecutionStatus"] != "EXECUTE_IN_PROGRESS" or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def stack_status(cfn, name):
    deadline = time.monotonic() + 30
    while True:
        stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
        if not stack["StackStatus"].endswith("_IN_PROGRESS") or time.monotonic() > deadline:
            return stack["StackStatus"], stack.get("StackStatusReason")
        time.sleep(0.05)


def error(call, **kwargs):
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response = caught.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]


def test_update_change_set_round_trip(cfn, keys):
    stack_id = create(cfn)
    new = template(
        {
            "Db": make_resource(value="changed"),
            "Cache": make_resource(value="new"),
        },
        parameters=json.loads(WEB)["Parameters"],
    )
    created = cfn.create_change_set(
        StackName="web",
        ChangeSetName="grow",
        TemplateBody=new,
        Parameters=[{"ParameterKey": "DbPassword", "UsePreviousValue": True}],
        Description="add a cache",
    )
    change_set_id = created["Id"]
    assert created["StackId"] == stack_id
    assert change_set_id.startswith(f"arn:openstack:heat::{keys['a'].project_id}:changeSet/grow/")

    described = made(cfn, "web", "grow")
    assert (
        described["ChangeSetId"],
        described["Status"],
        described["ExecutionStatus"],
        described["Description"],
        described["StackId"],
    ) == (change_set_id, "CREATE_COMPLETE", "AVAILABLE", "add a cache", stack_id)
    # Every parameter with the value it will have; with UsePreviousValue for one, the engine
    # keeps the current values of all those not given (DbName), NoEcho ones masked.
    assert described["Parameters"] == [
        {"ParameterKey": "DbName", "ParameterValue": "blog"},
        {"ParameterKey": "DbPassword", "ParameterValue": "******"},
        {"ParameterKey": "Size", "ParameterValue": "small"},
    ]
    assert [c["ResourceChange"] for c in described["Changes"]] == [
        {
            "Action": "Add",
            "LogicalResourceId": "Cache",
            "ResourceType": "OS::Heat::TestResource",
        },
        {
            "Action": "Modify",
            "LogicalResourceId": "Db",
            "PhysicalResourceId": "test-Db",
            "ResourceType": "OS::Heat::TestResource",
            "Replacement": "False",
            "Scope": ["Properties"],
            "Details": [
                {
                    "Target": {
                        "Attribute": "Properties",
                        "Name": "value",
                        "RequiresRecreation": "Never",
                    },
                    "Evaluation": "Static",
                    "ChangeSource": "DirectModification",
                }
            ],
        },
        {
            "Action": "Remove",
            "LogicalResourceId": "App",
            "PhysicalResourceId": "test-App",
            "ResourceType": "OS::Heat::TestResource",
        },
    ]
    listed = cfn.list_change_sets(StackName="web")["Summaries"]
    assert [(s["ChangeSetName"], s["ExecutionStatus"]) for s in listed] == [("grow", "AVAILABLE")]
    assert cfn.get_template(StackName="web", ChangeSetName="grow")["TemplateBody"] == json.loads(
        new
    )

    cfn.execute_change_set(ChangeSetName=change_set_id)
    cfn.get_waiter("stack_update_complete").wait(StackName="web", WaiterConfig=FAST)
    resources = cfn.list_stack_resources(StackName="web")["StackResourceSummaries"]
    assert [(r["LogicalResourceId"], r["ResourceStatus"]) for r in resources] == [
        ("Cache", "CREATE_COMPLETE"),
        ("Db", "UPDATE_COMPLETE"),
    ]
    assert settled(cfn, "web", "grow")["ExecutionStatus"] == "EXECUTE_COMPLETE"
    status, err = error(cfn.execute_change_set, ChangeSetName=change_set_id)
    assert (status, err["Code"]) == (400, "InvalidChangeSetStatus")
    assert err["Message"] == (
        f"ChangeSet [{change_set_id.rsplit('/', 1)[1]}] cannot be executed in its current "
        "execution status of [EXECUTE_COMPLETE]"
    )

    cfn.delete_change_set(ChangeSetName="grow", StackName="web")
    assert error(cfn.describe_change_set, ChangeSetName="grow", StackName="web") == (
        404,
        {
            "Type": "Sender",
            "Code": "ChangeSetNotFound",
            "Message": "ChangeSet [grow] does not exist",
        },
    )


def test_create_change_set_round_trip(cfn, keys):
    created = cfn.create_change_set(
        StackName="fresh",
        ChangeSetName="launch",
        ChangeSetType="CREATE",
        TemplateBody=WEB,
        Parameters=PARAMS,
        Tags=[{"Key": "team", "Value": "blue"}],
    )
    stack_id = created["StackId"]
    assert stack_id.startswith(f"arn:openstack:heat::{keys['a'].project_id}:stacks/fresh/")

    # The stack exists at once, waiting for review: no resources, no template of its own.
    stack = cfn.describe_stacks(StackName="fresh")["Stacks"][0]
    assert (stack["StackId"], stack["StackStatus"], stack["StackStatusReason"]) == (
        stack_id,
        "REVIEW_IN_PROGRESS",
        "User Initiated",
    )
    assert (stack["Parameters"], stack["Outputs"]) == ([], [])
    listed = cfn.list_stacks()["StackSummaries"]
    assert [(s["StackName"], s["StackStatus"]) for s in listed] == [("fresh", "REVIEW_IN_PROGRESS")]
    assert cfn.list_stack_resources(StackName="fresh")["StackResourceSummaries"] == []

    described = made(cfn, "fresh", "launch")
    assert (described["Status"], described["ExecutionStatus"], described["StackId"]) == (
        "CREATE_COMPLETE",
        "AVAILABLE",
        stack_id,
    )
    assert [c["ResourceChange"] for c in described["Changes"]] == [
        {"Action": "Add", "LogicalResourceId": name, "ResourceType": "OS::Heat::TestResource"}
        for name in ("Db", "App")
    ]
    assert described["Parameters"] == [
        {"ParameterKey": "DbName", "ParameterValue": "blog"},
        {"ParameterKey": "DbPassword", "ParameterValue": "******"},
        {"ParameterKey": "Size", "ParameterValue": "small"},
    ]
    assert described["Tags"] == [{"Key": "team", "Value": "blue"}]
    assert cfn.get_template(StackName="fresh", ChangeSetName="launch")[
        "TemplateBody"
    ] == json.loads(WEB)

    # Only a change set changes it; another CREATE change set may be added to it.
    status, err = error(cfn.update_stack, StackName="fresh", TemplateBody=WEB)
    review = f"Stack:{stack_id} is in REVIEW_IN_PROGRESS state and can not be updated."
    assert (status, err["Code"], err["Message"]) == (400, "ValidationError", review)
    status, err = error(
        cfn.create_change_set, StackName="fresh", ChangeSetName="tweak", TemplateBody=WEB
    )
    assert (status, err["Code"], err["Message"]) == (400, "ValidationError", review)
    cfn.create_change_set(
        StackName="fresh",
        ChangeSetName="alternative",
        ChangeSetType="CREATE",
        TemplateBody=template({"Only": make_resource()}),
    )
    assert made(cfn, "fresh", "alternative")["Status"] == "CREATE_COMPLETE"

    cfn.execute_change_set(StackName="fresh", ChangeSetName="launch")
    cfn.get_waiter("stack_create_complete").wait(StackName="fresh", WaiterConfig=FAST)
    stack = cfn.describe_stacks(StackName="fresh")["Stacks"][0]
    assert (stack["StackId"], stack["StackStatus"], stack["DisableRollback"]) == (
        stack_id,
        "CREATE_COMPLETE",
        False,
    )
    assert stack["Outputs"] == [
        {"OutputKey": "Url", "OutputValue": "blog", "Description": "where it is"}
    ]
    assert stack["Tags"] == [{"Key": "team", "Value": "blue"}]
    assert {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]} == {
        "DbName": "blog",
        "DbPassword": "******",
        "Size": "small",
    }
    events = cfn.describe_stack_events(StackName="fresh")["StackEvents"]
    assert [(e["LogicalResourceId"], e["ResourceStatus"]) for e in events][-2:] == [
        ("fresh", "CREATE_IN_PROGRESS"),
        ("fresh", "REVIEW_IN_PROGRESS"),
    ]

    summaries = {
        s["ChangeSetName"]: (s["Status"], s["ExecutionStatus"])
        for s in cfn.list_change_sets(StackName="fresh")["Summaries"]
    }
    assert summaries == {
        "launch": ("CREATE_COMPLETE", "EXECUTE_COMPLETE"),
        "alternative": ("CREATE_COMPLETE", "OBSOLETE"),
    }
    for name, state in (("launch", "EXECUTE_COMPLETE"), ("alternative", "OBSOLETE")):
        status, err = error(cfn.execute_change_set, StackName="fresh", ChangeSetName=name)
        assert (status, err["Code"]) == (400, "InvalidChangeSetStatus")
        assert err["Message"].endswith(
            f"cannot be executed in its current execution status of [{state}]"
        )

    # Now that the stack exists it cannot be created again.
    status, err = error(
        cfn.create_change_set,
        StackName="fresh",
        ChangeSetName="again",
        ChangeSetType="CREATE",
        TemplateBody=WEB,
    )
    assert (status, err["Code"], err["Message"]) == (
        400,
        "ValidationError",
        "Stack [fresh] already exists and cannot be created again with the changeSet [again].",
    )


@pytest.mark.parametrize(
    "create_options, execute_options, stack_end",
    [
        ({}, {}, ("ROLLBACK_COMPLETE", "Stack ROLLBACK completed successfully")),
        ({"OnStackFailure": "ROLLBACK"}, {}, ("ROLLBACK_COMPLETE", None)),
        ({}, {"DisableRollback": True}, ("CREATE_FAILED", CREATE_FAILED_MESSAGE)),
        ({"OnStackFailure": "DO_NOTHING"}, {}, ("CREATE_FAILED", CREATE_FAILED_MESSAGE)),
        ({"OnStackFailure": "DELETE"}, {}, None),
    ],
)
def test_a_failed_creation_follows_the_rollback_settings(
    cfn, create_options, execute_options, stack_end
):
    failing = template({"Db": make_resource(), "App": make_resource(fail=True)})
    stack_id = cfn.create_change_set(
        StackName="doomed",
        ChangeSetName="launch",
        ChangeSetType="CREATE",
        TemplateBody=failing,
        **create_options,
    )["StackId"]
    described = made(cfn, "doomed", "launch")
    assert described.get("OnStackFailure") == create_options.get("OnStackFailure")
    cfn.execute_change_set(StackName="doomed", ChangeSetName="launch", **execute_options)
    with pytest.raises(WaiterError):
        cfn.get_waiter("stack_create_complete").wait(StackName="doomed", WaiterConfig=FAST)
    if stack_end is None:  # DELETE: the stack is gone, and its change sets with it
        cfn.get_waiter("stack_delete_complete").wait(StackName=stack_id, WaiterConfig=FAST)
        deleted = cfn.list_stacks(StackStatusFilter=["DELETE_COMPLETE"])["StackSummaries"]
        assert [s["StackId"] for s in deleted] == [stack_id]
        status, err = error(cfn.describe_change_set, ChangeSetName=described["ChangeSetId"])
        assert (status, err["Code"]) == (404, "ChangeSetNotFound")
        return
    status, reason = stack_status(cfn, "doomed")
    assert status == stack_end[0]
    if stack_end[1] is not None:
        assert reason == stack_end[1]
    assert settled(cfn, "doomed", "launch")["ExecutionStatus"] == "EXECUTE_FAILED"


def test_execution_status_moves_with_the_update(cfn):
    create(cfn, "slow", template({"Db": make_resource(value="a")}), [])
    for name, props in (("ok", {"value": "b", "wait_secs": 1}), ("bad", {"fail": True})):
        cfn.create_change_set(
            StackName="slow",
            ChangeSetName=name,
            TemplateBody=template({"Db": make_resource(**props)}),
        )
        assert made(cfn, "slow", name)["ExecutionStatus"] == "AVAILABLE"

    cfn.execute_change_set(StackName="slow", ChangeSetName="ok")
    running = cfn.describe_change_set(StackName="slow", ChangeSetName="ok")
    assert running["ExecutionStatus"] == "EXECUTE_IN_PROGRESS"
    # The others no longer describe a change to the stack as it will be.
    other = cfn.describe_change_set(StackName="slow", ChangeSetName="bad")
    assert other["ExecutionStatus"] == "OBSOLETE"
    status, err = error(cfn.delete_change_set, StackName="slow", ChangeSetName="ok")
    assert (status, err["Code"]) == (400, "InvalidChangeSetStatus")
    assert err["Message"] == (
        f"ChangeSet [{running['ChangeSetId'].rsplit('/', 1)[1]}] cannot be deleted in its "
        "current status of [EXECUTE_IN_PROGRESS]"
    )
    status, err = error(cfn.execute_change_set, StackName="slow", ChangeSetName="ok")
    assert (status, err["Code"]) == (400, "InvalidChangeSetStatus")
    assert settled(cfn, "slow", "ok")["ExecutionStatus"] == "EXECUTE_COMPLETE"
    assert stack_status(cfn, "slow")[0] == "UPDATE_COMPLETE"

    # A failed update rolls back, and its change set failed.
    cfn.create_change_set(
        StackName="slow",
        ChangeSetName="broken",
        TemplateBody=template({"Db": make_resource(fail=True)}),
    )
    made(cfn, "slow", "broken")
    cfn.execute_change_set(StackName="slow", ChangeSetName="broken")
    assert settled(cfn, "slow", "broken")["ExecutionStatus"] == "EXECUTE_FAILED"
    assert stack_status(cfn, "slow")[0] == "ROLLBACK_COMPLETE"


def test_a_direct_update_makes_change_sets_obsolete(cfn):
    create(cfn)
    cfn.create_change_set(
        StackName="web",
        ChangeSetName="later",
        TemplateBody=WEB,
        Parameters=[
            {"ParameterKey": "DbPassword", "UsePreviousValue": True},
            {"ParameterKey": "DbName", "ParameterValue": "shop"},
        ],
    )
    assert made(cfn, "web", "later")["ExecutionStatus"] == "AVAILABLE"
    cfn.update_stack(
        StackName="web",
        UsePreviousTemplate=True,
        Parameters=[
            {"ParameterKey": "DbPassword", "UsePreviousValue": True},
            {"ParameterKey": "DbName", "ParameterValue": "news"},
        ],
    )
    described = cfn.describe_change_set(StackName="web", ChangeSetName="later")
    assert (described["Status"], described["ExecutionStatus"]) == ("CREATE_COMPLETE", "OBSOLETE")


def test_a_change_set_without_changes_fails(cfn):
    create(cfn)
    cfn.create_change_set(
        StackName="web",
        ChangeSetName="same",
        UsePreviousTemplate=True,
        Parameters=[
            {"ParameterKey": k, "UsePreviousValue": True} for k in ("DbName", "DbPassword")
        ],
    )
    with pytest.raises(WaiterError) as caught:
        cfn.get_waiter("change_set_create_complete").wait(
            StackName="web", ChangeSetName="same", WaiterConfig=FAST
        )
    assert "FAILED" in str(caught.value)
    described = cfn.describe_change_set(StackName="web", ChangeSetName="same")
    assert (described["Status"], described["ExecutionStatus"], described["StatusReason"]) == (
        "FAILED",
        "UNAVAILABLE",
        "The submitted information didn't contain changes. Submit different information to "
        "create a change set.",
    )
    assert described["Changes"] == []
    status, err = error(cfn.execute_change_set, StackName="web", ChangeSetName="same")
    assert (status, err["Code"], err["Message"]) == (
        400,
        "InvalidChangeSetStatus",
        f"ChangeSet [{described['ChangeSetId'].rsplit('/', 1)[1]}] cannot be executed in its "
        "current status of [FAILED]",
    )
    cfn.delete_change_set(StackName="web", ChangeSetName="same")
    assert cfn.list_change_sets(StackName="web")["Summaries"] == []


def test_deleting_the_last_change_set_leaves_the_stack_in_review(cfn):
    cfn.create_change_set(
        StackName="maybe",
        ChangeSetName="idea",
        ChangeSetType="CREATE",
        TemplateBody=WEB,
        Parameters=PARAMS,
    )
    made(cfn, "maybe", "idea")
    cfn.delete_change_set(StackName="maybe", ChangeSetName="idea")
    assert cfn.list_change_sets(StackName="maybe")["Summaries"] == []
    # As in AWS: the stack waits on, empty, until DeleteStack removes it.
    assert stack_status(cfn, "maybe") == ("REVIEW_IN_PROGRESS", "User Initiated")
    cfn.delete_stack(StackName="maybe")
    cfn.get_waiter("stack_delete_complete").wait(StackName="maybe", WaiterConfig=FAST)
    assert cfn.list_stacks(StackStatusFilter=["REVIEW_IN_PROGRESS"])["StackSummaries"] == []


@pytest.mark.parametrize(
    "kwargs, code, message",
    [
        (
            {"StackName": "nope", "ChangeSetName": "c", "TemplateBody": WEB},
            "ValidationError",
            "Stack with id nope does not exist",
        ),
        (
            {
                "StackName": "web",
                "ChangeSetName": "c",
                "ChangeSetType": "CREATE",
                "TemplateBody": WEB,
            },
            "ValidationError",
            "Stack [web] already exists and cannot be created again with the changeSet [c].",
        ),
        (
            {
                "StackName": "new",
                "ChangeSetName": "c",
                "ChangeSetType": "CREATE",
                "UsePreviousTemplate": True,
            },
            "ValidationError",
            "UsePreviousTemplate and UsePreviousValue cannot be used with ChangeSetType "
            "CREATE: the stack has no previous template or values",
        ),
        (
            {
                "StackName": "new",
                "ChangeSetName": "c",
                "ChangeSetType": "IMPORT",
                "TemplateBody": WEB,
            },
            "ValidationError",
            "ChangeSetType IMPORT is not supported",
        ),
        (
            {
                "StackName": "web",
                "ChangeSetName": "c",
                "TemplateBody": WEB,
                "OnStackFailure": "DELETE",
            },
            "ValidationError",
            "OnStackFailure DELETE is only valid for ChangeSetType CREATE",
        ),
        (
            {"StackName": "web", "ChangeSetName": "first", "UsePreviousTemplate": True},
            "AlreadyExistsException",
            "ChangeSet [first] already exists",
        ),
    ],
)
def test_create_change_set_errors(cfn, kwargs, code, message):
    create(cfn)
    cfn.create_change_set(StackName="web", ChangeSetName="first", UsePreviousTemplate=True)
    status, err = error(cfn.create_change_set, **kwargs)
    assert (status, err["Code"], err["Message"]) == (400, code, message)


def test_an_invalid_template_makes_no_stack(cfn):
    broken = template({"App": make_resource(lenght=1)})
    status, err = error(
        cfn.create_change_set,
        StackName="never",
        ChangeSetName="c",
        ChangeSetType="CREATE",
        TemplateBody=broken,
    )
    assert (status, err["Code"]) == (400, "ValidationError")
    assert 'unknown property "lenght"' in err["Message"]
    assert cfn.list_stacks()["StackSummaries"] == []


def test_disable_rollback_conflicts_with_on_stack_failure(cfn):
    cfn.create_change_set(
        StackName="fresh",
        ChangeSetName="launch",
        ChangeSetType="CREATE",
        TemplateBody=template({"R": make_resource()}),
        OnStackFailure="DELETE",
    )
    made(cfn, "fresh", "launch")
    status, err = error(
        cfn.execute_change_set, StackName="fresh", ChangeSetName="launch", DisableRollback=True
    )
    assert (status, err["Code"], err["Message"]) == (
        400,
        "ValidationError",
        "DisableRollback cannot be specified for a change set created with OnStackFailure (DELETE)",
    )
    # Refused before anything started: it can still be executed.
    cfn.execute_change_set(StackName="fresh", ChangeSetName="launch")
    cfn.get_waiter("stack_create_complete").wait(StackName="fresh", WaiterConfig=FAST)
    assert settled(cfn, "fresh", "launch")["ExecutionStatus"] == "EXECUTE_COMPLETE"


def test_a_change_set_needs_its_stack_unless_named_by_arn(cfn):
    create(cfn)
    created = cfn.create_change_set(
        StackName="web",
        ChangeSetName="c",
        UsePreviousTemplate=True,
        Parameters=[
            {"ParameterKey": "DbPassword", "UsePreviousValue": True},
            {"ParameterKey": "DbName", "ParameterValue": "x"},
        ],
    )
    status, err = error(cfn.describe_change_set, ChangeSetName="c")
    assert (status, err["Code"], err["Message"]) == (
        400,
        "ValidationError",
        "StackName must be specified if ChangeSetName is not an ARN.",
    )
    assert cfn.describe_change_set(ChangeSetName=created["Id"])["ChangeSetName"] == "c"
