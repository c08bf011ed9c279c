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


def members(engine, ctx, stack_id, group_name="Group"):
    """Member resource names of the group's nested stack, oldest first."""
    resource = engine.show_resource(ctx, stack_id, group_name)
    row = engine.db.resources.get_by_name(stack_id, group_name)
    assert resource["resource_status"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE")
    return [name for name, _ in row["data"]["members"]]


def scale(engine, ctx, stack_id, policy_name):
    result = engine.execute_scaling_policy(ctx, stack_id, policy_name, cause="test")
    assert engine.wait(stack_id, 30)
    return result


def test_policies_scale_out_and_in_within_min_and_max(cloud_engine, ctx, nova):
    text = template(
        {
            "Config": launch_config(),
            "Group": group(MinSize="1", MaxSize="3"),
            "Up": policy(1),
            "Down": policy(-1),
            "Exact": policy(3, "ExactCapacity"),
            "Half": policy(-50, "PercentChangeInCapacity"),
        },
        {"Url": {"Value": {"Ref": "Up"}}},
    )
    stack = create(cloud_engine, ctx, "scaling", text)
    stack_id = stack["id"]
    assert len(servers(nova)) == 1
    assert scale(cloud_engine, ctx, stack_id, "Up") == {
        "result": "scaling",
        "capacity": 2,
        "previous": 1,
    }
    assert len(servers(nova)) == 2
    assert members(cloud_engine, ctx, stack_id) == ["Member1", "Member2"]
    assert scale(cloud_engine, ctx, stack_id, "Exact")["capacity"] == 3
    assert scale(cloud_engine, ctx, stack_id, "Up") == {"result": "unchanged", "capacity": 3}
    assert len(servers(nova)) == 3
    # 50% of 3 is 1.5: one member goes, the oldest.
    assert scale(cloud_engine, ctx, stack_id, "Half")["capacity"] == 2
    assert members(cloud_engine, ctx, stack_id) == ["Member2", "Member3"]
    assert scale(cloud_engine, ctx, stack_id, "Down")["capacity"] == 1
    assert scale(cloud_engine, ctx, stack_id, "Down") == {"result": "unchanged", "capacity": 1}
    assert members(cloud_engine, ctx, stack_id) == ["Member3"]
    assert len(servers(nova)) == 1
    reasons = [
        e["reason"]
        for e in cloud_engine.list_events(ctx, stack_id)
        if e["resource_name"] in ("Up", "Down", "Exact", "Half") and e["reason"] != "state changed"
    ]
    assert reasons == [
        "test: Up resizes the group from 1 to 2",
        "test: Exact resizes the group from 2 to 3",
        "test: not scaling: the group stays at 3 (MinSize 1, MaxSize 3)",
        "test: Half resizes the group from 3 to 2",
        "test: Down resizes the group from 2 to 1",
        "test: not scaling: the group stays at 1 (MinSize 1, MaxSize 3)",
    ]
    group_events = [
        (e["action"], e["status"], e["reason"])
        for e in cloud_engine.list_events(ctx, stack_id, resource_name="Group")
    ]
    assert group_events[-2:] == [
        ("UPDATE", "IN_PROGRESS", "test: Down resizes the group from 2 to 1"),
        ("UPDATE", "COMPLETE", "state changed"),
    ]
    assert delete(cloud_engine, ctx, stack_id) == ("DELETE", "COMPLETE")
    assert servers(nova) == {}


def test_cooldown_holds_back_a_policy(cloud_engine, ctx, nova):
    text = template(
        {
            "Config": launch_config(),
            "Group": group(MinSize="1", MaxSize="3", Cooldown="600"),
            "Up": policy(1),
            "Quick": policy(1, Cooldown="0"),
        }
    )
    stack_id = create(cloud_engine, ctx, "cool", text)["id"]
    assert scale(cloud_engine, ctx, stack_id, "Up")["capacity"] == 2
    # The group's own cooldown applies to a policy without one...
    assert scale(cloud_engine, ctx, stack_id, "Up") == {"result": "cooldown", "capacity": 2}
    # ...and a policy's Cooldown overrides it.
    assert scale(cloud_engine, ctx, stack_id, "Quick")["capacity"] == 3
    assert len(servers(nova)) == 3
    events = cloud_engine.list_events(ctx, stack_id, resource_name="Up")
    assert events[-1]["reason"].startswith("test: not scaling: the group is cooling down (")
    assert events[-1]["reason"].endswith(" of 600 s left)")


def test_policy_url_signature(cloud_engine, ctx):
    from heat.common.exception import Forbidden
    from heat.engine.resources.aws.autoscaling import scaling_policy

    text = template(
        {"Config": launch_config(), "Group": group(), "Up": policy(1)},
        {"Url": {"Value": {"Ref": "Up"}}, "Alarm": {"Value": {"Fn::GetAtt": ["Up", "AlarmUrl"]}}},
    )
    stack = create(cloud_engine, ctx, "signed", text)
    url = outputs(stack)["Url"]
    assert outputs(stack)["Alarm"] == url
    assert url.startswith(
        "http://192.0.2.1:8000/v1/signal/arn%3Aopenstack%3Aheat%3A%3Aproject-a%3Astacks%2F"
        f"signed%2F{stack['id']}%2Fresources%2FUp?Signature="
    )
    assert scaling_policy.url_target(url) == (stack["id"], "Up")
    signature = url.split("Signature=")[1]
    anonymous = type(ctx)("")
    for stack_id, name, sig in (
        (stack["id"], "Up", signature[:-1] + ("A" if signature[-1] != "A" else "B")),
        (stack["id"], "Group", signature),
        ("no-such-stack", "Up", signature),
    ):
        try:
            cloud_engine.signal_scaling_policy(anonymous, stack_id, name, sig)
        except Forbidden as exc:
            assert exc.message == "The scaling policy URL is not valid (signature or policy)"
        else:
            raise AssertionError("accepted a bad policy URL")
    result = cloud_engine.signal_scaling_policy(anonymous, stack["id"], "Up", signature)
    assert result == {"result": "scaling", "capacity": 2, "previous": 1}
    assert cloud_engine.wait(stack["id"], 30)
    events = cloud_engine.list_events(ctx, stack["id"], resource_name="Up")
    assert events[-1]["reason"] == (
        "Signal received on the policy URL: Up resizes the group from 1 to 2"
    )


def child_events(engine, ctx, stack_id, group_name="Group"):
    child = engine.db.resources.get_by_name(stack_id, group_name)["data"]["nested"]
    return [(e["resource_name"], e["action"], e["status"]) for e in engine.list_events(ctx, child)]


def test_rolling_update_replaces_members_in_batches(cloud_engine, ctx, nova):
    def text(image):
        resources = {
            "Config": launch_config(ImageId=image),
            "Group": group(MinSize="3", MaxSize="4"),
        }
        resources["Group"]["UpdatePolicy"] = {
            "AutoScalingRollingUpdate": {"MaxBatchSize": "2", "MinInstancesInService": "2"}
        }
        return template(resources)

    stack_id = create(cloud_engine, ctx, "roll", text("F17-x86_64-cfntools"))["id"]
    before = {s.id for s in servers(nova).values()}
    cloud_engine.update_stack(ctx, stack_id, text("F18-x86_64-cfntools"))
    assert cloud_engine.wait(stack_id, 60)
    stack = cloud_engine.show_stack(ctx, stack_id)
    assert stack["stack_status"] == "UPDATE_COMPLETE", [
        e["reason"] for e in cloud_engine.list_events(ctx, stack_id, nested_depth=2)
    ]
    after = servers(nova)
    assert len(after) == 3 and not before & {s.id for s in after.values()}
    images = {s.image["id"] for s in after.values()}
    assert len(images) == 1
    assert members(cloud_engine, ctx, stack_id) == ["Member4", "Member5", "Member6"]
    done = [
        (n, a)
        for n, a, status in child_events(cloud_engine, ctx, stack_id)
        if status == "COMPLETE" and n.startswith("Member")
    ]
    order = {entry: position for position, entry in enumerate(done)}
    # Batch 1: Member4 and Member5 are up before Member1 and Member2 go;
    # batch 2: Member6 is up before Member3 goes, and only after batch 1 has ended.
    first = max(order[("Member4", "CREATE")], order[("Member5", "CREATE")])
    assert first < min(order[("Member1", "DELETE")], order[("Member2", "DELETE")])
    batch_one_done = max(order[("Member1", "DELETE")], order[("Member2", "DELETE")])
    assert batch_one_done < order[("Member6", "CREATE")] < order[("Member3", "DELETE")]
    assert len(done) == 9  # 3 created at first, 3 created and 3 deleted by the update


def test_a_new_instance_type_replaces_the_members_not_resizes_them(cloud_engine, ctx, nova):
    # An instance resizes in place for a new InstanceType; a launch configuration does not:
    # it is replaced, and the group rolls its members onto the new one.
    resources = {"Config": launch_config(), "Group": group(MinSize="2")}
    stack_id = create(cloud_engine, ctx, "flavor", template(resources))["id"]
    before = {s.id for s in servers(nova).values()}
    resources["Config"]["Properties"]["InstanceType"] = "m1.small"
    preview = cloud_engine.preview_update(ctx, stack_id, template(resources))
    assert [c["resource_name"] for c in preview["replaced"]] == ["Config"]
    cloud_engine.update_stack(ctx, stack_id, template(resources))
    assert cloud_engine.wait(stack_id, 60)
    assert cloud_engine.show_stack(ctx, stack_id)["stack_status"] == "UPDATE_COMPLETE"
    after = servers(nova).values()
    assert not before & {s.id for s in after}
    assert [s.flavor["original_name"] for s in after] == ["m1.small", "m1.small"]


def test_min_instances_in_service_must_be_below_max_size(cloud_engine, ctx):
    resources = {"Config": launch_config(), "Group": group(MinSize="1", MaxSize="2")}
    stack_id = create(cloud_engine, ctx, "minsvc", template(resources), disable_rollback=True)["id"]
    resources["Config"]["Properties"]["InstanceType"] = "m1.small"
    resources["Group"]["UpdatePolicy"] = {
        "AutoScalingRollingUpdate": {"MinInstancesInService": "2"}
    }
    cloud_engine.update_stack(ctx, stack_id, template(resources))
    assert cloud_engine.wait(stack_id, 30)
    group_row = cloud_engine.show_resource(ctx, stack_id, "Group")
    assert cloud_engine.show_stack(ctx, stack_id)["stack_status"] == "UPDATE_FAILED"
    assert group_row["resource_status"] == "UPDATE_FAILED"
    assert group_row["resource_status_reason"] == (
        "UPDATE failed: Resources.Group.UpdatePolicy: MinInstancesInService (2) must be less "
        "than the group's maximum size (2)"
    )


def test_instance_group_rolls_out_per_its_rolling_update_policy(cloud_engine, ctx):
    # Its UpdatePolicy key is RollingUpdate, and MinInstancesInService may be up to Size.
    resources = {
        "Config": launch_config(),
        "Group": {
            "Type": "OS::Heat::InstanceGroup",
            "Properties": {"LaunchConfigurationName": {"Ref": "Config"}, "Size": "2"},
        },
    }
    stack_id = create(cloud_engine, ctx, "igroll", template(resources), disable_rollback=True)["id"]
    resources["Config"]["Properties"]["InstanceType"] = "m1.small"
    resources["Group"]["UpdatePolicy"] = {"RollingUpdate": {"MinInstancesInService": "3"}}
    cloud_engine.update_stack(ctx, stack_id, template(resources))
    assert cloud_engine.wait(stack_id, 30)
    group_row = cloud_engine.show_resource(ctx, stack_id, "Group")
    assert group_row["resource_status_reason"] == (
        "UPDATE failed: Resources.Group.UpdatePolicy: MinInstancesInService (3) must be less "
        "than the group's maximum size (3)"
    )


def test_instance_group_has_size_members_and_resizes(cloud_engine, ctx, nova):
    def text(size):
        return template(
            {
                "Config": launch_config(
                    NovaSchedulerHints=[{"Key": "part", "Value": "long"}],
                    UserData={"Fn::Base64": "#!/bin/bash\necho hi\n"},
                ),
                "Group": {
                    "Type": "OS::Heat::InstanceGroup",
                    "Properties": {
                        "LaunchConfigurationName": {"Ref": "Config"},
                        "Size": size,
                        "Tags": [{"Key": "tier", "Value": "web"}],
                    },
                },
            },
            {"Ips": {"Value": {"Fn::GetAtt": ["Group", "InstanceList"]}}},
        )

    stack = create(cloud_engine, ctx, "ig", text("2"))
    found = servers(nova)
    assert len(found) == 2
    group_name = cloud_engine.show_resource(ctx, stack["id"], "Group")["physical_resource_id"]
    for server in found.values():
        assert server.metadata["tier"] == "web"
        assert server.metadata["metering.groupname"] == group_name
    assert sorted(outputs(stack)["Ips"].split(",")) == sorted(ip(s) for s in found.values())
    cloud_engine.update_stack(ctx, stack["id"], text("3"))
    assert cloud_engine.wait(stack["id"], 30)
    assert members(cloud_engine, ctx, stack["id"]) == ["Member1", "Member2", "Member3"]
    cloud_engine.update_stack(ctx, stack["id"], text("1"))
    assert cloud_engine.wait(stack["id"], 30)
    assert members(cloud_engine, ctx, stack["id"]) == ["Member3"]
    assert len(servers(nova)) == 1
    assert delete(cloud_engine, ctx, stack["id"]) == ("DELETE", "COMPLETE")
    assert servers(nova) == {}


def test_group_tags_and_metering_tag_reach_members(cloud_engine, ctx, nova):
    text = template(
        {
            "Config": launch_config(),
            "Group": group(
                Tags=[
                    {"Key": "team", "Value": "blue", "PropagateAtLaunch": "true"},
                    {"Key": "private", "Value": "x", "PropagateAtLaunch": "false"},
                ]
            ),
        }
    )
    stack = create(cloud_engine, ctx, "tags", text)
    name = cloud_engine.show_resource(ctx, stack["id"], "Group")["physical_resource_id"]
    assert name.startswith("tags-Group-")
    (server,) = servers(nova).values()
    assert {k: v for k, v in server.metadata.items() if not k.startswith("heat:")} == {
        "team": "blue",
        "metering.AutoScalingGroupName": name,
    }


def test_vpc_zone_identifier_and_block_devices_are_refused(cloud_engine, ctx):
    text = template({"Config": launch_config(), "Group": group(VPCZoneIdentifier=["subnet-1"])})
    stack = create(cloud_engine, ctx, "vpc", text, disable_rollback=True)
    assert stack["stack_status_reason"] == (
        "Resource Group: CREATE failed: Resources.Group.Properties.VPCZoneIdentifier: not "
        "supported: members get their network from Nova's automatic allocation; remove the "
        "property"
    )
    text = template(
        {"Config": launch_config(BlockDeviceMappings=[{"DeviceName": "vdb"}]), "Group": group()}
    )
    stack = create(cloud_engine, ctx, "bdm", text, disable_rollback=True)
    assert stack["stack_status_reason"] == (
        "Resource Config: CREATE failed: Resources.Config.Properties.BlockDeviceMappings: not "
        "supported: members cannot have block device mappings; attach volumes with "
        "AWS::EC2::VolumeAttachment instead"
    )
