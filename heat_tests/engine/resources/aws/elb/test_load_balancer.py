# ruff: noqa: F811 - tests take the imported fixtures as arguments
"""AWS::ElasticLoadBalancing::LoadBalancer on localcloud: a haproxy server following its group."""

import json

from heat.engine.resources.aws.elb import haproxy
from heat_tests.engine.resources.localcloud_engine import (  # noqa: F401 - fixtures
    cloud_engine,
    create,
    delete,
    ip,
    localcloud,
    nova,
    servers,
)

LISTENERS = [{"LoadBalancerPort": "80", "InstancePort": "8080", "Protocol": "HTTP"}]
HEALTH = {
    "Target": "HTTP:8080/",
    "HealthyThreshold": "3",
    "UnhealthyThreshold": "5",
    "Interval": "30",
    "Timeout": "5",
}


def template(resources, outputs=None):
    data = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}
    if outputs:
        data["Outputs"] = outputs
    return json.dumps(data)


def scaled_site():
    config = {"ImageId": "F17-x86_64-cfntools", "InstanceType": "m1.tiny"}
    return template(
        {
            "Config": {"Type": "AWS::AutoScaling::LaunchConfiguration", "Properties": config},
            "Group": {
                "Type": "AWS::AutoScaling::AutoScalingGroup",
                "Properties": {
                    "LaunchConfigurationName": {"Ref": "Config"},
                    "MinSize": "1",
                    "MaxSize": "3",
                    "LoadBalancerNames": [{"Ref": "LB"}],
                },
            },
            "Up": {
                "Type": "AWS::AutoScaling::ScalingPolicy",
                "Properties": {
                    "AutoScalingGroupName": {"Ref": "Group"},
                    "AdjustmentType": "ChangeInCapacity",
                    "ScalingAdjustment": "2",
                },
            },
            "Down": {
                "Type": "AWS::AutoScaling::ScalingPolicy",
                "Properties": {
                    "AutoScalingGroupName": {"Ref": "Group"},
                    "AdjustmentType": "ExactCapacity",
                    "ScalingAdjustment": "1",
                },
            },
            "LB": {
                "Type": "AWS::ElasticLoadBalancing::LoadBalancer",
                "Properties": {
                    "AvailabilityZones": {"Fn::GetAZs": ""},
                    "Listeners": LISTENERS,
                    "HealthCheck": HEALTH,
                },
            },
        },
        {
            "Url": {"Value": {"Fn::Join": ["", ["http://", {"Fn::GetAtt": ["LB", "DNSName"]}]]}},
            "Members": {"Value": {"Fn::GetAtt": ["Group", "InstanceList"]}},
            "Zone": {"Value": {"Fn::GetAtt": ["LB", "CanonicalHostedZoneName"]}},
        },
    )


def lb_metadata(engine, ctx, stack_id):
    """The LB server's metadata, as cfn-init and cfn-hup read it from the engine."""
    child = engine.show_resource(ctx, stack_id, "LB")["physical_resource_id"]
    resource = engine.show_resource(ctx, child, "LB_instance")
    return resource["metadata"]["AWS::CloudFormation::Init"]["config"]


def backend_servers(engine, ctx, stack_id) -> list[str]:
    cfg = lb_metadata(engine, ctx, stack_id)["files"]["/etc/haproxy/haproxy.cfg"]["content"]
    return [line for line in cfg.splitlines() if line.startswith("    server ")]


def expected_servers(addresses):
    return [
        f"    server server{n} {a}:8080 check inter 30s fall 5 rise 3"
        for n, a in enumerate(addresses, start=1)
    ]


def outputs(engine, ctx, stack_id):
    stack = engine.show_stack(ctx, stack_id)
    return {o["output_key"]: o["output_value"] for o in stack["outputs"]}


def scale(engine, ctx, stack_id, policy):
    engine.execute_scaling_policy(ctx, stack_id, policy)
    assert engine.wait(stack_id, 30)


def test_load_balancer_member_list_follows_its_group(cloud_engine, ctx, nova):
    stack = create(cloud_engine, ctx, "site", scaled_site())
    assert stack["stack_status"] == "CREATE_COMPLETE", stack["stack_status_reason"]
    stack_id = stack["id"]
    found = servers(nova)
    (lb_server,) = [s for n, s in found.items() if "-LB_instance-" in n]
    values = outputs(cloud_engine, ctx, stack_id)
    assert values["Url"] == f"http://{ip(lb_server)}"
    assert values["Zone"] == ""
    members = values["Members"].split(",")
    assert len(members) == 1
    assert backend_servers(cloud_engine, ctx, stack_id) == expected_servers(members)

    scale(cloud_engine, ctx, stack_id, "Up")
    members = outputs(cloud_engine, ctx, stack_id)["Members"].split(",")
    assert len(members) == 3
    assert backend_servers(cloud_engine, ctx, stack_id) == expected_servers(members)

    scale(cloud_engine, ctx, stack_id, "Down")
    remaining = outputs(cloud_engine, ctx, stack_id)["Members"].split(",")
    assert remaining == members[2:]
    assert backend_servers(cloud_engine, ctx, stack_id) == expected_servers(remaining)

    config = lb_metadata(cloud_engine, ctx, stack_id)
    assert config["services"]["systemd"]["haproxy"] == {
        "enabled": "true",
        "ensureRunning": "true",
        "files": ["/etc/haproxy/haproxy.cfg"],
    }
    child = cloud_engine.show_resource(ctx, stack_id, "LB")["physical_resource_id"]
    child_name = cloud_engine.show_stack(ctx, child)["stack_name"]
    assert config["files"]["/etc/cfn/cfn-hup.conf"]["content"] == (
        f"[main]\nstack={child_name}\ncredential-file=/etc/cfn/cfn-credentials\n"
        "region=RegionOne\ninterval=10\n"
    )
    assert delete(cloud_engine, ctx, stack_id) == ("DELETE", "COMPLETE")
    assert servers(nova) == {}


def test_instances_property_and_its_update(cloud_engine, ctx, nova):
    def text(names):
        web = {"ImageId": "F17-x86_64-cfntools", "InstanceType": "m1.tiny"}
        resources = {n: {"Type": "AWS::EC2::Instance", "Properties": web} for n in ("A", "B")}
        resources["LB"] = {
            "Type": "AWS::ElasticLoadBalancing::LoadBalancer",
            "Properties": {
                "Listeners": [{"LoadBalancerPort": "80", "InstancePort": "80", "Protocol": "TCP"}],
                "Instances": [{"Ref": n} for n in names],
            },
        }
        return template(resources)

    stack_id = create(cloud_engine, ctx, "fixed", text(["A"]))["id"]
    found = servers(nova)
    (a,) = [s for n, s in found.items() if "-A-" in n]
    (b,) = [s for n, s in found.items() if "-B-" in n]
    assert backend_servers(cloud_engine, ctx, stack_id) == [f"    server server1 {ip(a)}:80"]
    cloud_engine.update_stack(ctx, stack_id, text(["B", "A"]))
    assert cloud_engine.wait(stack_id, 30)
    assert backend_servers(cloud_engine, ctx, stack_id) == [
        f"    server server1 {ip(b)}:80",
        f"    server server2 {ip(a)}:80",
    ]


def test_haproxy_config():
    listeners = [{"LoadBalancerPort": 80, "InstancePort": 8080, "Protocol": "HTTP"}]
    health = {"Timeout": 5, "Interval": 30, "UnhealthyThreshold": 5, "HealthyThreshold": 3}
    assert haproxy.config(listeners, health, ["10.0.0.5", "10.0.0.6"]) == (
        haproxy.GLOBAL
        + "\n"
        + "\n".join(
            [
                "frontend http",
                "    bind *:80",
                "    mode http",
                "    default_backend servers",
                "",
                "backend servers",
                "    balance roundrobin",
                "    option http-server-close",
                "    option forwardfor",
                "    option httpchk",
                "    timeout check 5s",
                "    server server1 10.0.0.5:8080 check inter 30s fall 5 rise 3",
                "    server server2 10.0.0.6:8080 check inter 30s fall 5 rise 3",
            ]
        )
        + "\n"
    )
