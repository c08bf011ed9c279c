# ruff: noqa: F811 - tests take the imported fixtures as arguments
"""AWS::EC2::SecurityGroup through the engine on localcloud (Neutron over HTTP)."""

import re
import time

from heat_tests.engine.resources.aws.ec2.cloud import (  # noqa: F401 - conn is a fixture
    IMAGE,
    conn,
    groups,
    instance,
    outputs,
    resources,
    rules,
    template,
)
from heat_tests.engine.resources.localcloud_engine import (  # noqa: F401 - fixtures
    cloud_engine,
    create,
    delete,
    events,
    localcloud,
    nova,
)

ANY_EGRESS = {
    ("egress", "IPv4", None, None, None, None, None),
    ("egress", "IPv6", None, None, None, None, None),
}


def web_group(**props):
    base = {
        "GroupDescription": "web",
        "SecurityGroupIngress": [
            {"IpProtocol": "tcp", "FromPort": "80", "ToPort": "80", "CidrIp": "0.0.0.0/0"},
            {"IpProtocol": "icmp", "FromPort": "-1", "ToPort": "-1", "CidrIp": "10.0.0.0/8"},
        ],
    }
    return {"Type": "AWS::EC2::SecurityGroup", "Properties": {**base, **props}}


OUTPUTS = {
    "Ref": {"Value": {"Ref": "Web"}},
    "GroupId": {"Value": {"Fn::GetAtt": ["Web", "GroupId"]}},
}


def test_create_gives_the_rules_a_unique_name_and_the_id(cloud_engine, ctx, conn):
    stack = create(cloud_engine, ctx, "sg", template({"Web": web_group()}, OUTPUTS))
    assert (stack["stack_status"], stack["stack_status_reason"]) == (
        "CREATE_COMPLETE",
        "Stack CREATE completed successfully",
    )
    ((name, group),) = groups(conn).items()
    assert re.fullmatch(r"sg-Web-[a-z0-9]{8}", name)
    assert group.description == "web"
    assert outputs(stack) == {"Ref": name, "GroupId": group.id}
    assert resources(cloud_engine, ctx, "sg") == {"Web": ("CREATE_COMPLETE", group.id)}
    assert rules(conn, group.id) == ANY_EGRESS | {
        ("ingress", "IPv4", "tcp", 80, 80, "0.0.0.0/0", None),
        ("ingress", "IPv4", "icmp", None, None, "10.0.0.0/8", None),
    }

    assert delete(cloud_engine, ctx, stack["id"]) == ("DELETE", "COMPLETE")
    assert groups(conn) == {}


def test_source_groups_by_name_and_id_and_egress_rules(cloud_engine, ctx, conn):
    neutron_group = conn.network.create_security_group(name="admins")
    text = template(
        {
            "Db": {
                "Type": "AWS::EC2::SecurityGroup",
                "Properties": {
                    "GroupDescription": "db",
                    "SecurityGroupIngress": [
                        {
                            "IpProtocol": "tcp",
                            "FromPort": 3306,
                            "ToPort": 3306,
                            "SourceSecurityGroupName": {"Ref": "Web"},
                        },
                        {
                            "IpProtocol": "-1",
                            "SourceSecurityGroupId": neutron_group.id,
                        },
                    ],
                    "SecurityGroupEgress": [
                        {"IpProtocol": "udp", "FromPort": 53, "ToPort": 53, "CidrIp": "::/0"}
                    ],
                },
            },
            "Web": web_group(SecurityGroupIngress=[]),
        },
        {"Db": {"Value": {"Fn::GetAtt": ["Db", "GroupId"]}}},
    )
    stack = create(cloud_engine, ctx, "two", text)
    assert stack["stack_status"] == "CREATE_COMPLETE"
    found = groups(conn)
    web = next(g for name, g in found.items() if name.startswith("two-Web-"))
    db_id = outputs(stack)["Db"]
    assert rules(conn, web.id) == ANY_EGRESS
    # The template's egress rule replaces Neutron's allow-all ones.
    assert rules(conn, db_id) == {
        ("ingress", "IPv4", "tcp", 3306, 3306, None, web.id),
        ("ingress", "IPv4", None, None, None, None, neutron_group.id),
        ("egress", "IPv6", "udp", 53, 53, "::/0", None),
    }

    assert delete(cloud_engine, ctx, stack["id"]) == ("DELETE", "COMPLETE")
    assert list(groups(conn)) == ["admins"]


def test_rules_change_in_place(cloud_engine, ctx, conn):
    stack = create(cloud_engine, ctx, "sg", template({"Web": web_group()}, OUTPUTS))
    ((name, group),) = groups(conn).items()
    ssh = {"IpProtocol": "tcp", "FromPort": "22", "ToPort": "22", "CidrIp": "192.0.2.0/24"}
    http = {"IpProtocol": "tcp", "FromPort": "80", "ToPort": "80", "CidrIp": "0.0.0.0/0"}
    egress = {"IpProtocol": "tcp", "FromPort": "443", "ToPort": "443", "CidrIp": "0.0.0.0/0"}
    new = web_group(SecurityGroupIngress=[http, ssh], SecurityGroupEgress=[egress])
    cloud_engine.update_stack(ctx, "sg", template({"Web": new}, OUTPUTS))
    assert cloud_engine.wait(stack["id"], 30)
    updated = cloud_engine.show_stack(ctx, "sg")
    assert updated["stack_status"] == "UPDATE_COMPLETE"
    assert outputs(updated) == {"Ref": name, "GroupId": group.id}
    assert rules(conn, group.id) == {
        ("ingress", "IPv4", "tcp", 80, 80, "0.0.0.0/0", None),
        ("ingress", "IPv4", "tcp", 22, 22, "192.0.2.0/24", None),
        ("egress", "IPv4", "tcp", 443, 443, "0.0.0.0/0", None),
    }
    assert [e[:3] for e in events(cloud_engine, ctx, stack["id"]) if e[0] == "Web"][-2:] == [
        ("Web", "UPDATE", "IN_PROGRESS"),
        ("Web", "UPDATE", "COMPLETE"),
    ]
    # Without egress rules the group lets everything out again.
    cloud_engine.update_stack(ctx, "sg", template({"Web": web_group(SecurityGroupIngress=[])}))
    assert cloud_engine.wait(stack["id"], 30)
    assert rules(conn, group.id) == ANY_EGRESS

    assert delete(cloud_engine, ctx, stack["id"]) == ("DELETE", "COMPLETE")
    assert groups(conn) == {}


def test_an_instance_uses_the_group_by_its_ref(cloud_engine, ctx, conn, nova):
    text = template(
        {"Web": web_group(), "Server": instance(SecurityGroups=[{"Ref": "Web"}])}, OUTPUTS
    )
    stack = create(cloud_engine, ctx, "app", text)
    assert stack["stack_status"] == "CREATE_COMPLETE"
    (server,) = nova.servers.list()
    assert [g["name"] for g in server.security_groups] == [outputs(stack)["Ref"]]

    assert delete(cloud_engine, ctx, stack["id"]) == ("DELETE", "COMPLETE")
    assert nova.servers.list() == []
    assert groups(conn) == {}


def test_deleting_a_group_in_use_waits_for_the_server_to_go(cloud_engine, ctx, conn, nova):
    stack = create(cloud_engine, ctx, "sg", template({"Web": web_group()}, OUTPUTS))
    name = outputs(stack)["Ref"]
    server = nova.servers.create(
        "outsider",
        nova.glance.find_image(IMAGE),
        nova.flavors.find(name="m1.tiny"),
        security_groups=[name],
        nics="auto",
    )
    cloud_engine.delete_stack(ctx, stack["id"])
    time.sleep(0.5)  # the test's own wait: the engine keeps asking Neutron meanwhile
    assert cloud_engine.db.stacks.get(stack["id"])["status"] == "IN_PROGRESS"
    nova.servers.delete(server)
    assert cloud_engine.wait(stack["id"], 30)
    assert cloud_engine.db.stacks.get(stack["id"])["status"] == "COMPLETE"
    assert groups(conn) == {}


def test_an_unknown_source_group_fails_the_create_and_rolls_back(cloud_engine, ctx, conn):
    rule = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "SourceSecurityGroupName": "nope"}
    stack = create(
        cloud_engine, ctx, "bad", template({"Web": web_group(SecurityGroupIngress=[rule])})
    )
    assert stack["stack_status"] == "ROLLBACK_COMPLETE"
    failed = [e for e in events(cloud_engine, ctx, stack["id"]) if e[2] == "FAILED"]
    assert failed == [
        ("Web", "CREATE", "FAILED", 'CREATE failed: unknown security group "nope"'),
        ("bad", "CREATE", "FAILED", 'Resource Web: CREATE failed: unknown security group "nope"'),
    ]
    assert groups(conn) == {}


def test_vpc_id_is_refused(cloud_engine, ctx, conn):
    stack = create(cloud_engine, ctx, "vpc", template({"Web": web_group(VpcId="vpc-1")}))
    assert stack["stack_status"] == "ROLLBACK_COMPLETE"
    reasons = [e[3] for e in events(cloud_engine, ctx, stack["id"]) if e[0] == "Web"]
    assert reasons == [
        "state changed",
        "CREATE failed: Resources.Web.Properties.VpcId: not supported: security groups are "
        "created in the project's Neutron; remove the property",
        "state changed",
        "state changed",
    ]
    assert groups(conn) == {}


def test_a_rule_with_ports_the_wrong_way_round_is_refused(cloud_engine, ctx, conn):
    rule = {"IpProtocol": "tcp", "FromPort": 90, "ToPort": 80, "CidrIp": "0.0.0.0/0"}
    stack = create(
        cloud_engine,
        ctx,
        "ports",
        template({"Web": web_group(SecurityGroupIngress=[rule])}),
    )
    assert stack["stack_status"] == "ROLLBACK_COMPLETE"
    reasons = [e[3] for e in events(cloud_engine, ctx, stack["id"]) if e[0] == "Web"]
    assert reasons == [
        "state changed",
        "CREATE failed: Resources.Web.Properties.SecurityGroupIngress[0]: FromPort 90 is "
        "greater than ToPort 80",
        "state changed",
        "state changed",
    ]
    assert groups(conn) == {}
