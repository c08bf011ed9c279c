# ruff: noqa: F811 - tests take the imported fixtures as arguments
"""The demo templates' servers created and deleted through the engine on a real localcloud.

The engine talks to localcloud with python-novaclient over HTTP; the tests look at the
result with their own novaclient, as an operator would.
"""

import json
import pathlib
import re

import pytest

from heat.common.exception import TemplateError
from heat.engine.userdata import build_userdata
from heat_tests.cloudinit import test_cloud_init as harness
from heat_tests.engine.resources.localcloud_engine import (  # noqa: F401 - fixtures
    KEY_NAME,
    SETTINGS,
    cloud_engine,
    create,
    delete,
    events,
    ip,
    keypair,
    localcloud,
    nova,
    servers,
    user_data,
)

F17 = pathlib.Path("/work/shared/templates/cfn/F17")
# The cloud-init test's values, with what the template's AllowedPattern refuses ("-") removed.
DB = {"DBName": "wordpress", "DBUsername": "wpuser", "DBPassword": "wpsecret"}
WORDPRESS = {**DB, "DBRootPassword": "rootsecret", "KeyName": KEY_NAME}


def read(name: str) -> str:
    return (F17 / name).read_text()


def test_wordpress_single_instance_creates_one_server_and_deletes_it(
    cloud_engine, ctx, nova, keypair
):
    stack = create(cloud_engine, ctx, "wp", read("WordPress_Single_Instance.template"), WORDPRESS)
    assert (stack["stack_status"], stack["stack_status_reason"]) == (
        "CREATE_COMPLETE",
        "Stack CREATE completed successfully",
    )
    (name, server), *others = servers(nova).items()
    assert others == []
    assert re.fullmatch(r"wp-WikiDatabase-[a-z0-9]{8}", name)
    assert server.status == "ACTIVE"
    assert server.key_name == KEY_NAME
    assert server.flavor["original_name"] == "m1.small"  # InstanceType's default
    assert server.metadata == {
        "heat:stack_id": stack["id"],
        "heat:resource_name": "WikiDatabase",
        "heat:resource_uuid": cloud_engine.db.resources.get_by_name(stack["id"], "WikiDatabase")[
            "uuid"
        ],
    }
    assert stack["outputs"] == [
        {
            "output_key": "WebsiteURL",
            "description": "URL for Wordpress wiki",
            "output_value": f"http://{ip(server)}/wordpress",
        }
    ]
    (resource,) = cloud_engine.list_resources(ctx, "wp")
    assert (resource["resource_name"], resource["physical_resource_id"]) == (
        "WikiDatabase",
        server.id,
    )
    assert resource["resource_status"] == "CREATE_COMPLETE"

    assert delete(cloud_engine, ctx, stack["id"]) == ("DELETE", "COMPLETE")
    assert nova.servers.list() == []


def test_wordpress_user_data_is_built_as_the_cloud_init_test_builds_it(
    cloud_engine, ctx, nova, keypair, monkeypatch
):
    """Byte for byte what heat_tests/cloudinit/test_cloud_init.py builds (with these
    parameters). resources/aws/test_instance_cloud_init.py boots the received bytes."""
    monkeypatch.setattr(harness, "PARAMETERS", WORDPRESS)
    stack = create(cloud_engine, ctx, "wp", read("WordPress_Single_Instance.template"), WORDPRESS)
    assert stack["stack_status"] == "CREATE_COMPLETE"
    (server,) = nova.servers.list()
    template = json.loads(read("WordPress_Single_Instance.template"))
    wiki = template["Resources"]["WikiDatabase"]
    expected = build_userdata(
        SETTINGS, harness._resolve(wiki["Properties"]["UserData"]), wiki["Metadata"]
    )
    assert user_data(server) == expected.mime


def test_wordpress_two_instances_web_server_knows_the_database_address(
    cloud_engine, ctx, nova, keypair
):
    stack = create(cloud_engine, ctx, "wp2", read("WordPress_2_Instances.template"), WORDPRESS)
    assert stack["stack_status"] == "CREATE_COMPLETE"
    by_resource = {s.metadata["heat:resource_name"]: s for s in nova.servers.list()}
    assert sorted(by_resource) == ["DatabaseServer", "WebServer"]
    database, web = by_resource["DatabaseServer"], by_resource["WebServer"]
    assert ip(database) != ip(web)
    assert stack["outputs"][0]["output_value"] == f"http://{ip(web)}/wordpress"
    assert f"/ --e s/localhost/{ip(database)}/ " in user_data(web)
    # The database server's password reaches its own script, not the output or events.
    assert "GRANT ALL PRIVILEGES ON wordpress.* TO" in user_data(database)

    assert delete(cloud_engine, ctx, stack["id"]) == ("DELETE", "COMPLETE")
    assert nova.servers.list() == []


def test_getting_started_gives_the_ssh_command(cloud_engine, ctx, nova, keypair):
    stack = create(
        cloud_engine, ctx, "hello", read("getting_started.template"), {"KeyName": KEY_NAME}
    )
    assert stack["stack_status"] == "CREATE_COMPLETE"
    (server,) = nova.servers.list()
    assert stack["outputs"] == [
        {
            "output_key": "InstanceIp",
            "description": "My ssh command",
            "output_value": f"ssh ec2-user@{ip(server)}",
        }
    ]
    # Fn::Base64 "80" arrives decoded as the cfn-userdata part.
    assert '\nContent-Disposition: attachment; filename="cfn-userdata"\n\n80\n' in user_data(server)

    assert delete(cloud_engine, ctx, stack["id"]) == ("DELETE", "COMPLETE")
    assert nova.servers.list() == []


def test_a_missing_keypair_is_a_finding_and_nothing_is_created(cloud_engine, ctx, nova):
    with pytest.raises(TemplateError) as caught:
        cloud_engine.create_stack(
            ctx, "wp", read("WordPress_Single_Instance.template"), {"KeyName": "nope"}
        )
    assert [str(f) for f in caught.value.findings] == [
        'Resources.WikiDatabase.Properties.KeyName: keypair "nope" does not exist (line 111:9)'
    ]
    assert cloud_engine.list_stacks(ctx) == []
    assert nova.servers.list() == []


FAILING = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Resources": {
        "Good": {
            "Type": "AWS::EC2::Instance",
            "Properties": {"ImageId": "F17-x86_64-cfntools", "InstanceType": "m1.tiny"},
        },
        "Bad": {
            "Type": "AWS::EC2::Instance",
            "DependsOn": "Good",
            "Properties": {
                "ImageId": "F17-x86_64-cfntools",
                "InstanceType": "m1.tiny",
                "Tags": [{"Key": "localcloud:fail", "Value": "boot"}],
            },
        },
    },
}


def test_a_server_going_to_error_fails_with_novas_fault_and_rolls_back(cloud_engine, ctx, nova):
    stack = create(cloud_engine, ctx, "broken", json.dumps(FAILING))
    assert stack["stack_status"] == "ROLLBACK_COMPLETE"
    bad_id = next(
        e["physical_resource_id"]
        for e in cloud_engine.list_events(ctx, stack["id"], resource_name="Bad")
        if e["physical_resource_id"]
    )
    fault = (
        f"Build of instance {bad_id} aborted: failure requested by server metadata "
        "localcloud:fail=boot"
    )
    failed = [e for e in events(cloud_engine, ctx, stack["id"]) if e[2] == "FAILED"]
    name_pattern = r"broken-Bad-[a-z0-9]{8}"
    reason = failed[0][3]
    assert re.fullmatch(
        rf"CREATE failed: Server {name_pattern} \({bad_id}\) went to ERROR: {re.escape(fault)}",
        reason,
    )
    assert failed[1] == ("broken", "CREATE", "FAILED", f"Resource Bad: {reason}")
    assert [e[:3] for e in events(cloud_engine, ctx, stack["id"])][-6:] == [
        ("broken", "ROLLBACK", "IN_PROGRESS"),
        ("Bad", "DELETE", "IN_PROGRESS"),
        ("Bad", "DELETE", "COMPLETE"),
        ("Good", "DELETE", "IN_PROGRESS"),
        ("Good", "DELETE", "COMPLETE"),
        ("broken", "ROLLBACK", "COMPLETE"),
    ]
    assert nova.servers.list() == []
