# ruff: noqa: F811 - tests take the imported fixtures as arguments
"""AWS::AutoScaling::* and OS::Heat::InstanceGroup through the engine on a real localcloud."""

import json

from heat_tests.engine.resources.localcloud_engine import (  # noqa: F401 - fixtures
    cloud_engine,
    create,
    delete,
    ip,
    localcloud,
    nova,
    servers,
)


def launch_config(**props):
    base = {"ImageId": "F17-x86_64-cfntools", "InstanceType": "m1.tiny"}
    return {"Type": "AWS::AutoScaling::LaunchConfiguration", "Properties": {**base, **props}}


def group(**props):
    base = {"LaunchConfigurationName": {"Ref": "Config"}, "MinSize": "1", "MaxSize": "3"}
    return {"Type": "AWS::AutoScaling::AutoScalingGroup", "Properties": {**base, **props}}


def policy(adjustment, kind="ChangeInCapacity", **props):
    return {
        "Type": "AWS::AutoScaling::ScalingPolicy",
        "Properties": {
            "AutoScalingGroupName": {"Ref": "Group"},
            "AdjustmentType": kind,
            "ScalingAdjustment": adjustment,
            **props,
        },
    }


def template(resources, outputs=None):
    data = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}
    if outputs:
        data["Outputs"] = outputs
    return json.dumps(data)


def outputs(stack):
    return {o["output_key"]: o["output_value"] for o in stack["outputs"]}


def test_group_creates_desired_capacity_members(cloud_engine, ctx, nova):
    text = template(
        {"Config": launch_config(), "Group": group(DesiredCapacity="2")},
        {"Ips": {"Value": {"Fn::GetAtt": ["Group", "InstanceList"]}}},
    )
    stack = create(cloud_engine, ctx, "asg", text)
    assert stack["stack_status"] == "CREATE_COMPLETE", stack["stack_status_reason"]
    found = servers(nova)
    assert len(found) == 2
    ips = sorted(outputs(stack)["Ips"].split(","))
    assert ips == sorted(ip(s) for s in found.values())
    assert delete(cloud_engine, ctx, stack["id"]) == ("DELETE", "COMPLETE")
    assert servers(nova) == {}
