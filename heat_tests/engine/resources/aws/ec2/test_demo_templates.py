# ruff: noqa: F811 - tests take the imported fixtures as arguments
"""The demo templates with security groups, elastic IPs and EBS volumes, created and deleted
through the engine on localcloud: their outputs, what the cloud holds, and nothing left after."""

import pathlib

import yaml

from heat_tests.engine.resources.aws.ec2.cloud import (  # noqa: F401 - conn is a fixture
    conn,
    floating_ips,
    groups,
    outputs,
    rules,
    snapshots,
    volumes,
)
from heat_tests.engine.resources.localcloud_engine import (  # noqa: F401 - fixtures
    KEY_NAME,
    cloud_engine,
    create,
    delete,
    ip,
    keypair,
    localcloud,
    nova,
)

CFN = pathlib.Path("/work/shared/templates/cfn")
DB = {"DBName": "wordpress", "DBUsername": "wpuser", "DBPassword": "wpsecret"}
WORDPRESS = {**DB, "DBRootPassword": "rootsecret", "KeyName": KEY_NAME}
WEB_RULES = {
    ("egress", "IPv4", None, None, None, None, None),
    ("egress", "IPv6", None, None, None, None, None),
    ("ingress", "IPv4", "icmp", None, None, "0.0.0.0/0", None),
    ("ingress", "IPv4", "tcp", 80, 80, "0.0.0.0/0", None),
    ("ingress", "IPv4", "tcp", 22, 22, "0.0.0.0/0", None),
}


def read(name: str) -> str:
    return (CFN / name).read_text()


def by_resource(nova) -> dict:
    return {s.metadata["heat:resource_name"]: s for s in nova.servers.list()}


def port_of(conn, server) -> str:
    (port,) = conn.network.ports(device_id=server.id)
    return port.id


def create_ok(engine, ctx, name, text, parameters) -> dict:
    stack = create(engine, ctx, name, text, parameters)
    assert (stack["stack_status"], stack["stack_status_reason"]) == (
        "CREATE_COMPLETE",
        "Stack CREATE completed successfully",
    )
    return stack


def delete_leaves_nothing(engine, ctx, stack, conn, nova) -> None:
    assert delete(engine, ctx, stack["id"]) == ("DELETE", "COMPLETE")
    left = {
        "servers": nova.servers.list(),
        "volumes": volumes(conn),
        "snapshots": snapshots(conn),
        "floating IPs": floating_ips(conn),
        "security groups": list(groups(conn)),
    }
    assert left == {k: [] for k in left}


def attached(conn, server, device) -> str:
    """The id of the one volume attached to `server`, checked to be in-use at `device`."""
    (volume,) = volumes(conn)
    assert volume.status == "in-use"
    assert [(a["server_id"], a["device"]) for a in volume.attachments] == [(server.id, device)]
    return volume.id


def test_wordpress_with_eip(cloud_engine, ctx, conn, nova, keypair):
    text = read("F17/WordPress_Single_Instance_With_EIP.template")
    stack = create_ok(cloud_engine, ctx, "wpeip", text, WORDPRESS)
    web = by_resource(nova)["WebServer"]
    (group_name,) = [g["name"] for g in web.security_groups]
    assert rules(conn, groups(conn)[group_name].id) == WEB_RULES
    (fip,) = floating_ips(conn)
    assert (fip.port_id, fip.fixed_ip_address) == (port_of(conn, web), ip(web))
    assert outputs(stack) == {
        "WebsiteURL": f"http://{ip(web)}/wordpress",
        "InstanceIPAddress": fip.floating_ip_address,
    }
    delete_leaves_nothing(cloud_engine, ctx, stack, conn, nova)


def test_wordpress_with_ebs(cloud_engine, ctx, conn, nova, keypair):
    text = read("F17/WordPress_Single_Instance_With_EBS.template")
    stack = create_ok(cloud_engine, ctx, "wpebs", text, WORDPRESS)
    wiki = by_resource(nova)["WikiDatabase"]
    volume_id = attached(conn, wiki, "/dev/vdc")
    volume = conn.block_storage.get_volume(volume_id)
    assert (volume.size, volume.availability_zone) == (1, "nova")
    assert volume.metadata == {"Usage": "Wiki Data Volume"}
    assert outputs(stack) == {"WebsiteURL": f"http://{ip(wiki)}/wordpress"}
    delete_leaves_nothing(cloud_engine, ctx, stack, conn, nova)


def test_wordpress_with_ebs_and_eip(cloud_engine, ctx, conn, nova, keypair):
    text = read("F17/WordPress_Single_Instance_With_EBS_EIP.template")
    stack = create_ok(cloud_engine, ctx, "wpboth", text, {**WORDPRESS, "VolumeSize": "2"})
    wiki = by_resource(nova)["WikiServer"]
    volume_id = attached(conn, wiki, "/dev/vdc")
    assert conn.block_storage.get_volume(volume_id).size == 2
    (fip,) = floating_ips(conn)
    assert fip.port_id == port_of(conn, wiki)
    (group_name,) = [g["name"] for g in wiki.security_groups]
    assert group_name.startswith("wpboth-WikiServerSecurityGroup-")
    assert outputs(stack) == {
        "WebsiteURL": f"http://{ip(wiki)}/wordpress",
        "InstanceIPAddress": fip.floating_ip_address,
    }
    delete_leaves_nothing(cloud_engine, ctx, stack, conn, nova)


def test_wordpress_two_instances_with_ebs(cloud_engine, ctx, conn, nova, keypair):
    text = read("F17/WordPress_2_Instances_With_EBS.template")
    stack = create_ok(cloud_engine, ctx, "wp2ebs", text, WORDPRESS)
    servers = by_resource(nova)
    assert sorted(servers) == ["WebServer", "WikiDatabase"]
    attached(conn, servers["WikiDatabase"], "/dev/vdc")
    assert outputs(stack) == {"WebsiteURL": f"http://{ip(servers['WebServer'])}/wordpress"}
    delete_leaves_nothing(cloud_engine, ctx, stack, conn, nova)


def test_ec2_with_ebs_sample(cloud_engine, ctx, conn, nova, keypair):
    text = read("F17/EC2WithEBSSample.template")
    stack = create_ok(cloud_engine, ctx, "ebs", text, {"KeyName": KEY_NAME})
    server = by_resource(nova)["Ec2Instance"]
    # The volume comes from the instance's Volumes property, attached once it is ACTIVE.
    attached(conn, server, "/dev/vdc1")
    (group_name,) = [g["name"] for g in server.security_groups]
    assert rules(conn, groups(conn)[group_name].id) == {
        ("egress", "IPv4", None, None, None, None, None),
        ("egress", "IPv6", None, None, None, None, None),
        ("ingress", "IPv4", "tcp", 22, 22, "0.0.0.0/0", None),
    }
    assert outputs(stack) == {
        "InstanceId": server.id,
        "PublicIP": ip(server),
        "PublicDNS": ip(server),
    }
    delete_leaves_nothing(cloud_engine, ctx, stack, conn, nova)


def test_haproxy_single_instance(cloud_engine, ctx, conn, nova, keypair):
    text = read("F17/HAProxy_Single_Instance.template")
    parameters = {"KeyName": KEY_NAME, "Server1": "192.0.2.10:80"}
    stack = create_ok(cloud_engine, ctx, "lb", text, parameters)
    server = by_resource(nova)["LoadBalancerInstance"]
    assert outputs(stack) == {"PublicIp": ip(server)}
    delete_leaves_nothing(cloud_engine, ctx, stack, conn, nova)


def test_f19_wordpress_without_a_key(cloud_engine, ctx, conn, nova):
    text = read("F19/WordPress_NoKey.yaml")
    stack = create_ok(cloud_engine, ctx, "nokey", text, DB)
    wiki = by_resource(nova)["WikiDatabase"]
    assert wiki.key_name is None
    (group_name,) = [g["name"] for g in wiki.security_groups]
    assert rules(conn, groups(conn)[group_name].id) == WEB_RULES
    image = yaml.safe_load(text)["Mappings"]["InstanceTypeToImage"]["m1.small"]["Image"]
    assert nova.glance.find_image(image).id == wiki.image["id"]
    assert outputs(stack) == {"WebsiteURL": f"http://{ip(wiki)}/wordpress"}
    delete_leaves_nothing(cloud_engine, ctx, stack, conn, nova)
