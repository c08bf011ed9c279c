"""boto3's cloudformation client through a stack's whole life, over HTTP."""

import json

import pytest
from botocore.exceptions import ClientError

from heat_tests.api.cfn.templates import SECRET, WEB, make_resource, template

FAST = {"Delay": 0.1, "MaxAttempts": 300}
PARAMS = [
    {"ParameterKey": "DbPassword", "ParameterValue": SECRET},
    {"ParameterKey": "DbName", "ParameterValue": "blog"},
]


def create(cfn, name="web", body=WEB, params=PARAMS, **kwargs):
    stack_id = cfn.create_stack(StackName=name, TemplateBody=body, Parameters=params, **kwargs)[
        "StackId"
    ]
    cfn.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig=FAST)
    return stack_id


def test_create_describe_and_delete(cfn, keys):
    stack_id = create(cfn, Tags=[{"Key": "team", "Value": "blue"}], TimeoutInMinutes=5)
    uuid = stack_id.rsplit("/", 1)[1]
    assert stack_id == f"arn:openstack:heat::{keys['a'].project_id}:stacks/web/{uuid}"

    stack = cfn.describe_stacks(StackName="web")["Stacks"][0]
    assert {k: v for k, v in stack.items() if k not in ("CreationTime",)} == {
        "StackId": stack_id,
        "StackName": "web",
        "Description": "A two-tier test stack",
        "Parameters": [
            {"ParameterKey": "DbName", "ParameterValue": "blog"},
            {"ParameterKey": "DbPassword", "ParameterValue": "******"},
            {"ParameterKey": "Size", "ParameterValue": "small"},
        ],
        "StackStatus": "CREATE_COMPLETE",
        "StackStatusReason": "Stack CREATE completed successfully",
        "DisableRollback": False,
        "NotificationARNs": [],
        "TimeoutInMinutes": 5,
        "Capabilities": [],
        "Outputs": [{"OutputKey": "Url", "OutputValue": "blog", "Description": "where it is"}],
        "Tags": [{"Key": "team", "Value": "blue"}],
        "EnableTerminationProtection": False,
        "DriftInformation": {"StackDriftStatus": "NOT_CHECKED"},
    }
    # By id and by ARN too.
    assert cfn.describe_stacks(StackName=uuid)["Stacks"][0]["StackId"] == stack_id
    assert cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackName"] == "web"
    assert [s["StackName"] for s in cfn.describe_stacks()["Stacks"]] == ["web"]

    events = cfn.describe_stack_events(StackName="web")["StackEvents"]
    assert [(e["LogicalResourceId"], e["ResourceStatus"]) for e in events] == [
        ("web", "CREATE_COMPLETE"),
        ("App", "CREATE_COMPLETE"),
        ("App", "CREATE_IN_PROGRESS"),
        ("Db", "CREATE_COMPLETE"),
        ("Db", "CREATE_IN_PROGRESS"),
        ("web", "CREATE_IN_PROGRESS"),
    ]
    assert events[0]["ResourceType"] == "AWS::CloudFormation::Stack"
    assert events[0]["PhysicalResourceId"] == stack_id
    assert {e["StackId"] for e in events} == {stack_id}

    summaries = cfn.list_stack_resources(StackName="web")["StackResourceSummaries"]
    assert [
        (r["LogicalResourceId"], r["PhysicalResourceId"], r["ResourceType"], r["ResourceStatus"])
        for r in summaries
    ] == [
        ("App", "test-App", "OS::Heat::TestResource", "CREATE_COMPLETE"),
        ("Db", "test-Db", "OS::Heat::TestResource", "CREATE_COMPLETE"),
    ]
    detail = cfn.describe_stack_resource(StackName="web", LogicalResourceId="Db")[
        "StackResourceDetail"
    ]
    assert (detail["StackId"], detail["PhysicalResourceId"], detail["Metadata"]) == (
        stack_id,
        "test-Db",
        "{}",
    )
    resources = cfn.describe_stack_resources(StackName="web", LogicalResourceId="App")
    assert [r["LogicalResourceId"] for r in resources["StackResources"]] == ["App"]

    assert cfn.get_template(StackName="web")["TemplateBody"] == json.loads(WEB)
    summary = cfn.get_template_summary(StackName="web")
    summary.pop("ResponseMetadata")
    assert summary == {
        "Parameters": [
            {
                "ParameterKey": "DbName",
                "DefaultValue": "wordpress",
                "ParameterType": "String",
                "NoEcho": False,
                "Description": "database name",
                "ParameterConstraints": {"AllowedValues": []},
            },
            {
                "ParameterKey": "DbPassword",
                "ParameterType": "String",
                "NoEcho": True,
                "ParameterConstraints": {"AllowedValues": []},
            },
            {
                "ParameterKey": "Size",
                "DefaultValue": "small",
                "ParameterType": "String",
                "NoEcho": False,
                "ParameterConstraints": {"AllowedValues": ["small", "large"]},
            },
        ],
        "Description": "A two-tier test stack",
        "Capabilities": [],
        "ResourceTypes": ["OS::Heat::TestResource"],
        "Version": "2010-09-09",
        "DeclaredTransforms": [],
    }

    listed = cfn.list_stacks()["StackSummaries"]
    assert [(s["StackName"], s["StackStatus"]) for s in listed] == [("web", "CREATE_COMPLETE")]

    cfn.delete_stack(StackName="web")
    cfn.get_waiter("stack_delete_complete").wait(StackName="web", WaiterConfig=FAST)
    with pytest.raises(ClientError) as caught:
        cfn.describe_stacks(StackName="web")
    assert caught.value.response["Error"]["Code"] == "ValidationError"
    assert caught.value.response["Error"]["Message"] == "Stack with id web does not exist"
    # A deleted stack's events stay visible by its id; ListStacks shows it as deleted.
    events = cfn.describe_stack_events(StackName=stack_id)["StackEvents"]
    assert (events[0]["LogicalResourceId"], events[0]["ResourceStatus"]) == (
        "web",
        "DELETE_COMPLETE",
    )
    deleted = cfn.list_stacks(StackStatusFilter=["DELETE_COMPLETE"])["StackSummaries"]
    assert [(s["StackId"], s["StackStatus"]) for s in deleted] == [(stack_id, "DELETE_COMPLETE")]
    assert "DeletionTime" in deleted[0]
    assert cfn.list_stacks(StackStatusFilter=["CREATE_COMPLETE"])["StackSummaries"] == []
    # Deleting again is no error, as in AWS.
    cfn.delete_stack(StackName="web")


def test_validate_template(cfn):
    answer = cfn.validate_template(TemplateBody=WEB)
    answer.pop("ResponseMetadata")
    assert answer == {
        "Parameters": [
            {
                "ParameterKey": "DbName",
                "DefaultValue": "wordpress",
                "NoEcho": False,
                "Description": "database name",
            },
            {"ParameterKey": "DbPassword", "NoEcho": True},
            {"ParameterKey": "Size", "DefaultValue": "small", "NoEcho": False},
        ],
        "Description": "A two-tier test stack",
        "Capabilities": [],
        "DeclaredTransforms": [],
    }


def test_update_stack(cfn):
    stack_id = create(cfn)
    cfn.update_stack(
        StackName="web",
        UsePreviousTemplate=True,
        Parameters=[
            {"ParameterKey": "DbName", "ParameterValue": "shop"},
            {"ParameterKey": "DbPassword", "UsePreviousValue": True},
        ],
    )
    cfn.get_waiter("stack_update_complete").wait(StackName="web", WaiterConfig=FAST)
    stack = cfn.describe_stacks(StackName="web")["Stacks"][0]
    assert (stack["StackId"], stack["StackStatus"]) == (stack_id, "UPDATE_COMPLETE")
    assert stack["Outputs"][0]["OutputValue"] == "shop"
    assert stack["Parameters"][1] == {"ParameterKey": "DbPassword", "ParameterValue": "******"}

    new = template(
        {"Db": make_resource(value="fixed")},
        outputs={"Url": {"Value": {"Fn::GetAtt": ["Db", "output"]}}},
    )
    cfn.update_stack(StackName=stack_id, TemplateBody=new)
    cfn.get_waiter("stack_update_complete").wait(StackName="web", WaiterConfig=FAST)
    stack = cfn.describe_stacks(StackName="web")["Stacks"][0]
    assert stack["Outputs"] == [{"OutputKey": "Url", "OutputValue": "fixed"}]
    summaries = cfn.list_stack_resources(StackName="web")["StackResourceSummaries"]
    assert [r["LogicalResourceId"] for r in summaries] == ["Db"]


def test_list_exports_and_imports(cfn):
    exporter = template(
        {"Net": make_resource(value="net-1")},
        outputs={
            "NetId": {
                "Value": {"Fn::GetAtt": ["Net", "output"]},
                "Export": {"Name": "shared-net"},
            }
        },
    )
    net_id = create(cfn, "network", exporter, [])
    importer = template({"Server": make_resource(value={"Fn::ImportValue": "shared-net"})})
    create(cfn, "server", importer, [])
    exports = cfn.list_exports()["Exports"]
    assert exports == [{"ExportingStackId": net_id, "Name": "shared-net", "Value": "net-1"}]
    assert cfn.list_imports(ExportName="shared-net")["Imports"] == ["server"]
