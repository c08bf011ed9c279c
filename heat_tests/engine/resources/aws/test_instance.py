# ruff: noqa: F811 - tests take the imported fixtures as arguments
"""AWS::EC2::Instance through the engine on a real localcloud (python-novaclient over HTTP)."""

import base64
import email
import json
import time

import pytest

from heat.engine.resources import servers as server_helpers
from heat.engine.resources.aws.ec2.instance import PLAIN_TEXT_WARNING
from heat_tests.engine.resources.localcloud_engine import (  # noqa: F401 - fixtures
    KEY_NAME,
    cloud_engine,
    create,
    delete,
    events,
    ip,
    keypair,
    localcloud,
    nova,
    user_data,
)


def instance(**props):
    base = {"ImageId": "F17-x86_64-cfntools", "InstanceType": "m1.tiny"}
    return {"Type": "AWS::EC2::Instance", "Properties": {**base, **props}}


def template(resources, outputs=None):
    data = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}
    if outputs:
        data["Outputs"] = outputs
    return json.dumps(data)


def outputs(stack):
    return {o["output_key"]: o["output_value"] for o in stack["outputs"]}


@pytest.mark.parametrize(
    ("stack", "resource", "expected"),
    [
        ("wp", "WikiDatabase", "wp-WikiDatabase-abcd1234"),
        ("s" * 60, "Web", "s" * 40 + "-Web-abcd1234"),
        ("wp", "R" * 60, "wp-" + "R" * 41 + "-abcd1234"),
        ("s" * 30, "R" * 30, "s" * 22 + "-" + "R" * 21 + "-abcd1234"),
    ],
)
def test_server_names_fit_in_53_characters(stack, resource, expected):
    name = server_helpers.server_name(stack, resource, "abcd1234")
    assert name == expected
    assert len(name) <= 53


def test_server_names_are_unique():
    names = {server_helpers.server_name("stack", "Web") for _ in range(100)}
    assert len(names) == 100


def test_properties_reach_nova_and_attributes_come_back(cloud_engine, ctx, nova, keypair):
    clients = cloud_engine.clients
    web_group = clients.neutron().create_security_group("web").id
    volume = clients.cinder().create_volume(1, name="data")
    text = template(
        {
            "Web": instance(
                KeyName=KEY_NAME,
                AvailabilityZone="nova",
                SecurityGroups=["default"],
                SecurityGroupIds=[web_group],
                Tags=[{"Key": "role", "Value": "web"}, {"Key": "tier", "Value": "1"}],
                NovaSchedulerHints=[{"Key": "group", "Value": "g1"}],
                Volumes=[{"VolumeId": volume, "Device": "/dev/vdc"}],
            )
        },
        outputs={
            name: {"Value": {"Fn::GetAtt": ["Web", name]}}
            for name in ("PublicIp", "PrivateIp", "PublicDnsName", "PrivateDnsName")
        }
        | {"AvailabilityZone": {"Value": {"Fn::GetAtt": ["Web", "AvailabilityZone"]}}}
        | {"Ref": {"Value": {"Ref": "Web"}}},
    )
    stack = create(cloud_engine, ctx, "props", text)
    assert (stack["stack_status"], stack["stack_status_reason"]) == (
        "CREATE_COMPLETE",
        "Stack CREATE completed successfully",
    )
    (server,) = nova.servers.list()
    address = ip(server)
    assert outputs(stack) == {
        "PublicIp": address,
        "PrivateIp": address,
        "PublicDnsName": address,
        "PrivateDnsName": address,
        "AvailabilityZone": "nova",
        "Ref": server.id,
    }
    assert server.key_name == KEY_NAME
    assert server.flavor["original_name"] == "m1.tiny"
    assert getattr(server, "OS-EXT-AZ:availability_zone") == "nova"
    assert sorted(g["name"] for g in server.security_groups) == ["default", "web"]
    assert clients.cinder().is_attached(server.id, volume)
    assert server.metadata == {
        "role": "web",
        "tier": "1",
        "heat:stack_id": stack["id"],
        "heat:resource_name": "Web",
        "heat:resource_uuid": cloud_engine.db.resources.get_by_name(stack["id"], "Web")["uuid"],
    }
    (attachment,) = nova.volumes.get_server_volumes(server.id)
    assert (attachment.volumeId, attachment.device) == (volume, "/dev/vdc")

    assert delete(cloud_engine, ctx, stack["id"]) == ("DELETE", "COMPLETE")
    assert nova.servers.list() == []


def test_user_data_and_metadata_become_the_multipart_message(cloud_engine, ctx, nova):
    script = "#!/bin/sh\necho hello\n"
    resource = instance(UserData={"Fn::Base64": script})
    resource["Metadata"] = {"AWS::CloudFormation::Init": {"config": {"files": {}}}}
    stack = create(cloud_engine, ctx, "ud", template({"Web": resource}))
    assert stack["stack_status"] == "CREATE_COMPLETE"
    (server,) = nova.servers.list()
    parts = {
        p.get_filename(): p.get_payload(decode=True).decode()
        for p in email.message_from_string(user_data(server)).get_payload()
    }
    assert list(parts) == [
        "cloud-config",
        "boothook.sh",
        "part-handler.py",
        "cfn-userdata",
        "loguserdata.py",
        "cfn-init-data",
        "cfn-watch-server",
        "cfn-metadata-server",
        "cfn-boto-cfg",
    ]
    assert parts["cfn-userdata"] == script
    assert json.loads(parts["cfn-init-data"]) == resource["Metadata"]
    row = cloud_engine.db.resources.get_by_name(stack["id"], "Web")
    assert "warnings" not in row["data"]


def test_plain_text_user_data_is_used_with_a_warning(cloud_engine, ctx, nova):
    stack = create(cloud_engine, ctx, "plain", template({"Web": instance(UserData="echo hi")}))
    assert stack["stack_status"] == "CREATE_COMPLETE"
    (server,) = nova.servers.list()
    assert '\nContent-Disposition: attachment; filename="cfn-userdata"\n\necho hi\n' in (
        user_data(server)
    )
    events = cloud_engine.list_events(ctx, stack["id"], resource_name="Web")
    assert [(e["action"], e["status"], e["reason"]) for e in events][:2] == [
        ("CREATE", "IN_PROGRESS", "state changed"),
        ("CREATE", "IN_PROGRESS", f"Warning: {PLAIN_TEXT_WARNING}"),
    ]


@pytest.mark.parametrize(
    ("name", "value"),
    [("SubnetId", "subnet-1"), ("NetworkInterfaces", [{"DeviceIndex": "0"}])],
)
def test_networking_properties_are_refused_before_any_server_exists(
    cloud_engine, ctx, nova, name, value
):
    stack = create(
        cloud_engine,
        ctx,
        "net",
        template({"Web": instance(**{name: value})}),
        disable_rollback=True,
    )
    assert stack["stack_status"] == "CREATE_FAILED"
    assert stack["stack_status_reason"] == (
        f"Resource Web: CREATE failed: Resources.Web.Properties.{name}: not supported: servers "
        "get their network from Nova's automatic allocation; remove the property"
    )
    assert nova.servers.list() == []


def test_reserved_metadata_keys_are_refused(cloud_engine, ctx, nova):
    tags = [{"Key": "heat:stack_id", "Value": "mine"}]
    stack = create(cloud_engine, ctx, "tags", template({"Web": instance(Tags=tags)}))
    assert stack["stack_status"] == "ROLLBACK_COMPLETE"
    failed = [
        e
        for e in events(cloud_engine, ctx, stack["id"])
        if e[:3] == ("Web",) + ("CREATE", "FAILED")
    ]
    assert failed[0][3] == (
        'CREATE failed: Resources.Web.Properties.Tags: the key "heat:stack_id" is reserved for Heat'
    )
    assert nova.servers.list() == []


def test_an_unknown_image_fails_the_create_with_its_name(cloud_engine, ctx, nova):
    stack = create(
        cloud_engine,
        ctx,
        "img",
        # Known only at create time (so not a validation finding).
        template(
            {
                "Name": {"Type": "OS::Heat::TestResource", "Properties": {"value": "F99-nope"}},
                "Web": instance(ImageId={"Fn::GetAtt": ["Name", "output"]}),
            }
        ),
        disable_rollback=True,
    )
    assert stack["stack_status"] == "CREATE_FAILED"
    assert stack["stack_status_reason"] == 'Resource Web: CREATE failed: unknown image "F99-nope"'


def wait_update(engine, ctx, stack_id, text):
    engine.update_stack(ctx, stack_id, text)
    assert engine.wait(stack_id, 30)
    return engine.show_stack(ctx, stack_id)


def test_tags_change_in_place_and_the_image_replaces_the_server(cloud_engine, ctx, nova):
    first = template(
        {"Web": instance(Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])}
    )
    stack = create(cloud_engine, ctx, "upd", first)
    (before,) = nova.servers.list()

    tagged = template(
        {"Web": instance(Tags=[{"Key": "a", "Value": "9"}, {"Key": "c", "Value": "3"}])}
    )
    assert wait_update(cloud_engine, ctx, stack["id"], tagged)["stack_status"] == "UPDATE_COMPLETE"
    (same,) = nova.servers.list()
    assert same.id == before.id
    assert same.metadata == {
        "a": "9",
        "c": "3",
        "heat:stack_id": stack["id"],
        "heat:resource_name": "Web",
        "heat:resource_uuid": cloud_engine.db.resources.get_by_name(stack["id"], "Web")["uuid"],
    }

    image = template(
        {
            "Web": instance(
                ImageId="F18-x86_64-cfntools",
                Tags=[{"Key": "a", "Value": "9"}, {"Key": "c", "Value": "3"}],
            )
        }
    )
    assert wait_update(cloud_engine, ctx, stack["id"], image)["stack_status"] == "UPDATE_COMPLETE"
    (replacement,) = nova.servers.list()
    assert replacement.id != before.id
    (resource,) = cloud_engine.list_resources(ctx, stack["id"])
    assert resource["physical_resource_id"] == replacement.id

    assert delete(cloud_engine, ctx, stack["id"]) == ("DELETE", "COMPLETE")
    assert nova.servers.list() == []


def test_a_new_instance_type_resizes_the_server_in_place(cloud_engine, ctx, nova):
    ref = {"Ref": {"Value": {"Ref": "Web"}}, "Ip": {"Value": {"Fn::GetAtt": ["Web", "PublicIp"]}}}
    stack = create(cloud_engine, ctx, "grow", template({"Web": instance()}, ref))
    (before,) = nova.servers.list()
    bigger = template({"Web": instance(InstanceType="m1.small")}, ref)

    preview = cloud_engine.preview_update(ctx, stack["id"], bigger)
    assert (preview["replaced"], preview["updated"]) == (
        [],
        [
            {
                "resource_name": "Web",
                "resource_type": "AWS::EC2::Instance",
                "changed_properties": ["InstanceType"],
                "replacement": "False",
            }
        ],
    )

    updated = wait_update(cloud_engine, ctx, stack["id"], bigger)
    assert updated["stack_status"] == "UPDATE_COMPLETE"
    (after,) = nova.servers.list()
    assert (after.id, after.status, after.flavor["original_name"]) == (
        before.id,
        "ACTIVE",
        "m1.small",
    )
    assert outputs(updated) == {"Ref": before.id, "Ip": ip(before)}
    assert [e[1:3] for e in events(cloud_engine, ctx, stack["id"]) if e[0] == "Web"][-2:] == [
        ("UPDATE", "IN_PROGRESS"),
        ("UPDATE", "COMPLETE"),
    ]

    assert delete(cloud_engine, ctx, stack["id"]) == ("DELETE", "COMPLETE")
    assert nova.servers.list() == []


def test_a_resize_left_waiting_for_confirmation_is_finished(cloud_engine, ctx, nova):
    """An engine that died mid-update can leave the server in VERIFY_RESIZE: the next update
    confirms it if it has the wanted flavor, and reverts it first otherwise."""
    stack = create(cloud_engine, ctx, "left", template({"Web": instance()}))
    (server,) = nova.servers.list()

    def leave_resized(flavor):
        nova.servers.resize(server, nova.flavors.find(name=flavor))
        deadline = time.monotonic() + 10
        while nova.servers.get(server.id).status != "VERIFY_RESIZE":
            assert time.monotonic() < deadline
            time.sleep(0.02)

    for left, wanted in (("m1.small", "m1.small"), ("m1.large", "m1.medium")):
        leave_resized(left)
        text = template({"Web": instance(InstanceType=wanted)})
        assert wait_update(cloud_engine, ctx, stack["id"], text)["stack_status"] == (
            "UPDATE_COMPLETE"
        )
        after = nova.servers.get(server.id)
        assert (after.status, after.flavor["original_name"]) == ("ACTIVE", wanted)


def test_a_failing_resize_fails_the_update_with_novas_fault(cloud_engine, ctx, nova):
    fail = [{"Key": "localcloud:fail", "Value": "resize"}]
    stack = create(cloud_engine, ctx, "bad", template({"Web": instance(Tags=fail)}))
    (server,) = nova.servers.list()
    cloud_engine.update_stack(
        ctx,
        stack["id"],
        template({"Web": instance(Tags=fail, InstanceType="m1.small")}),
        disable_rollback=True,
    )
    assert cloud_engine.wait(stack["id"], 30)
    failed = cloud_engine.show_stack(ctx, stack["id"])
    reason = (
        f"UPDATE failed: Server {server.name} ({server.id}) went to ERROR while resizing to "
        "flavor m1.small: Resize error: failure requested by server metadata "
        "localcloud:fail=resize"
    )
    assert (failed["stack_status"], failed["stack_status_reason"]) == (
        "UPDATE_FAILED",
        f"Resource Web: {reason}",
    )
    assert events(cloud_engine, ctx, stack["id"])[-2][:4] == ("Web", "UPDATE", "FAILED", reason)
    assert nova.servers.get(server.id).status == "ERROR"

    assert delete(cloud_engine, ctx, stack["id"]) == ("DELETE", "COMPLETE")
    assert nova.servers.list() == []


def test_a_resize_nova_rolls_back_fails_the_update(cloud_engine, ctx, nova):
    stack = create(
        cloud_engine, ctx, "shrink", template({"Web": instance(InstanceType="m1.small")})
    )
    (server,) = nova.servers.list()
    smaller = template({"Web": instance(InstanceType="m1.tiny")})
    cloud_engine.update_stack(ctx, stack["id"], smaller, disable_rollback=True)
    assert cloud_engine.wait(stack["id"], 30)
    failed = cloud_engine.show_stack(ctx, stack["id"])
    assert failed["stack_status_reason"] == (
        f"Resource Web: UPDATE failed: Nova did not resize server {server.name} ({server.id}) "
        "to flavor m1.tiny: it is ACTIVE with flavor m1.small"
    )
    # The server is as it was: the disk of m1.tiny is smaller than the one it has.
    kept = nova.servers.get(server.id)
    assert (kept.status, kept.flavor["original_name"]) == ("ACTIVE", "m1.small")


def test_user_data_is_decoded_before_assembly():
    assert base64.b64decode(server_helpers.plain_text("abcd")) == b"abcd"
