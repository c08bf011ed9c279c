# ruff: noqa: F811 - tests take the imported fixtures as arguments
"""OS::Nova::Server through the engine on a real localcloud (python-novaclient over HTTP)."""

import email
import json

from heat_tests.engine.resources.localcloud_engine import (  # noqa: F401 - fixtures
    cloud_engine,
    create,
    delete,
    ip,
    localcloud,
    nova,
    user_data,
)


def server(**props):
    return {
        "Type": "OS::Nova::Server",
        "Properties": {"image": "F17-x86_64-cfntools", "flavor": "m1.tiny", **props},
    }


def template(resources, outputs=None):
    return json.dumps(
        {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources, "Outputs": outputs or {}}
    )


def outputs(stack):
    return {o["output_key"]: o["output_value"] for o in stack["outputs"]}


def test_raw_user_data_reaches_nova_unchanged_and_attributes(cloud_engine, ctx, nova):
    text = template(
        {"S": server(name="db-1", user_data="abcd", user_data_format="RAW", metadata={"k": 1})},
        {
            name: {"Value": {"Fn::GetAtt": ["S", name]}}
            for name in ("first_address", "networks", "accessIPv4", "name")
        },
    )
    stack = create(cloud_engine, ctx, "raw", text)
    assert stack["stack_status"] == "CREATE_COMPLETE"
    (made,) = nova.servers.list()
    assert made.name == "db-1"
    assert user_data(made) == "abcd"
    assert made.metadata == {
        "k": "1",
        "heat:stack_id": stack["id"],
        "heat:resource_name": "S",
        "heat:resource_uuid": cloud_engine.db.resources.get_by_name(stack["id"], "S")["uuid"],
    }
    assert outputs(stack) == {
        "first_address": ip(made),
        "networks": {"private": [ip(made)]},
        "accessIPv4": "",
        "name": "db-1",
    }
    assert delete(cloud_engine, ctx, stack["id"]) == ("DELETE", "COMPLETE")
    assert nova.servers.list() == []


def test_cfntools_format_keeps_plain_text_as_written(cloud_engine, ctx, nova):
    # "abcd" is valid base64 too: OS::Nova::Server's user_data is plain text, never decoded.
    stack = create(cloud_engine, ctx, "cfn", template({"S": server(user_data="abcd")}))
    assert stack["stack_status"] == "CREATE_COMPLETE"
    (made,) = nova.servers.list()
    parts = {
        p.get_filename(): p.get_payload(decode=True).decode()
        for p in email.message_from_string(user_data(made)).get_payload()
    }
    assert parts["cfn-userdata"] == "abcd"
    assert "cfn-init-data" not in parts  # no Metadata
    assert made.name.startswith("cfn-S-")


def test_show_attribute_leaves_out_the_user_data(cloud_engine, ctx, nova):
    text = template({"S": server()}, {"show": {"Value": {"Fn::GetAtt": ["S", "show"]}}})
    stack = create(cloud_engine, ctx, "show", text)
    (made,) = nova.servers.list()
    shown = outputs(stack)["show"]
    assert shown["id"] == made.id
    assert shown["status"] == "ACTIVE"
    assert "OS-EXT-SRV-ATTR:user_data" not in shown


def test_metadata_and_name_change_in_place(cloud_engine, ctx, nova):
    stack = create(cloud_engine, ctx, "upd", template({"S": server(metadata={"a": "1"})}))
    (before,) = nova.servers.list()
    cloud_engine.update_stack(
        ctx, stack["id"], template({"S": server(name="renamed", metadata={"b": "2"})})
    )
    assert cloud_engine.wait(stack["id"], 30)
    assert cloud_engine.show_stack(ctx, stack["id"])["stack_status"] == "UPDATE_COMPLETE"
    (after,) = nova.servers.list()
    assert (after.id, after.name) == (before.id, "renamed")
    assert after.metadata == {
        "b": "2",
        "heat:stack_id": stack["id"],
        "heat:resource_name": "S",
        "heat:resource_uuid": cloud_engine.db.resources.get_by_name(stack["id"], "S")["uuid"],
    }


def test_a_new_flavor_resizes_the_server_with_its_other_changes(cloud_engine, ctx, nova):
    stack = create(cloud_engine, ctx, "grow", template({"S": server(metadata={"a": "1"})}))
    (before,) = nova.servers.list()
    # By id this time: flavor takes a name or an id.
    changed = template({"S": server(flavor="3", name="bigger", metadata={"a": "2"})})
    preview = cloud_engine.preview_update(ctx, stack["id"], changed)
    assert [(c["resource_name"], sorted(c["changed_properties"])) for c in preview["updated"]] == [
        ("S", ["flavor", "metadata", "name"])
    ]
    cloud_engine.update_stack(ctx, stack["id"], changed)
    assert cloud_engine.wait(stack["id"], 30)
    assert cloud_engine.show_stack(ctx, stack["id"])["stack_status"] == "UPDATE_COMPLETE"
    (after,) = nova.servers.list()
    assert (after.id, after.name, after.status) == (before.id, "bigger", "ACTIVE")
    assert (after.flavor["original_name"], after.metadata["a"]) == ("m1.medium", "2")
    assert delete(cloud_engine, ctx, stack["id"]) == ("DELETE", "COMPLETE")
