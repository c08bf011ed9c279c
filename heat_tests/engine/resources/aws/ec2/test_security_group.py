# ruff: noqa: F811 - tests take the imported fixtures as arguments
"""AWS::EC2::SecurityGroup through the engine on localcloud (Neutron over HTTP)."""

import re

from heat_tests.engine.resources.aws.ec2.cloud import (
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
