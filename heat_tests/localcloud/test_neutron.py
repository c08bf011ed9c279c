"""localcloud's Neutron: networks, ports, security groups and rules, floating IPs, and what
Nova sees of them; through raw HTTP, openstacksdk and the `openstack` CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import openstack
import pytest
import requests
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

from heat.localcloud import LocalCloud
from heat.localcloud.networking import PRIVATE_NETWORK_ID, PUBLIC_NETWORK_ID
from heat_tests.localcloud.helpers import call, wait_for_status


def net(session, method, path, body=None):
    return call(session, "network", method, f"/v2.0{path}", body=body)


def _server(session, name="s", **extra):
    images = call(session, "image", "GET", "/v2/images?name=F17-x86_64-cfntools").json()
    spec = {"name": name, "imageRef": images["images"][0]["id"], "flavorRef": "1", **extra}
    return call(session, "compute", "POST", "/servers", "2.1", {"server": spec})


def _session(cloud, admin=False):
    return ks_session.Session(auth=v3.Password(**cloud.credentials(admin)))


def _group(session, name):
    response = net(session, "POST", "/security-groups", {"security_group": {"name": name}})
    assert response.status_code == 201, response.text
    return response.json()["security_group"]


@pytest.fixture
def conn(localcloud, monkeypatch):
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", localcloud.clouds_yaml)
    return openstack.connect(cloud="localcloud")


def test_versions_need_no_token(localcloud, localcloud_session):
    answer = requests.get(f"{localcloud.url}/network/", timeout=5).json()
    assert answer == {
        "versions": [
            {
                "id": "v2.0",
                "status": "CURRENT",
                "links": [{"href": f"{localcloud.url}/network/v2.0/", "rel": "self"}],
            }
        ]
    }
    assert requests.get(f"{localcloud.url}/network/v2.0/networks", timeout=5).status_code == 401


def _pool(start, end):
    return {"start": start, "end": end}


def test_seeded_networks_and_subnets(localcloud_session):
    networks = net(localcloud_session, "GET", "/networks").json()["networks"]
    assert [(n["name"], n["router:external"], n["shared"]) for n in networks] == [
        ("private", False, True),
        ("public", True, False),
    ]
    assert [n["id"] for n in networks] == [PRIVATE_NETWORK_ID, PUBLIC_NETWORK_ID]
    public = net(localcloud_session, "GET", "/networks?router:external=True").json()
    assert [n["name"] for n in public["networks"]] == ["public"]
    subnets = net(localcloud_session, "GET", "/subnets").json()["subnets"]
    assert [
        (s["network_id"], s["cidr"], s["gateway_ip"], s["allocation_pools"]) for s in subnets
    ] == [
        (PRIVATE_NETWORK_ID, "10.0.0.0/24", "10.0.0.1", [_pool("10.0.0.2", "10.0.0.254")]),
        (PUBLIC_NETWORK_ID, "172.24.4.0/24", "172.24.4.1", [_pool("172.24.4.2", "172.24.4.254")]),
    ]
    one = net(localcloud_session, "GET", f"/subnets/{subnets[0]['id']}").json()["subnet"]
    assert one == subnets[0]
    missing = net(localcloud_session, "GET", "/networks/nope")
    assert (missing.status_code, missing.json()) == (
        404,
        {
            "NeutronError": {
                "type": "NetworkNotFound",
                "message": "Network nope could not be found.",
                "detail": "",
            }
        },
    )


def test_a_port_per_server_matching_novas_addresses(localcloud_session):
    first = _server(localcloud_session, "one").json()["server"]["id"]
    second = _server(localcloud_session, "two").json()["server"]["id"]
    wait_for_status(localcloud_session, second, "ACTIVE")
    ports = net(localcloud_session, "GET", "/ports").json()["ports"]
    assert [(p["device_id"], p["fixed_ips"][0]["ip_address"]) for p in ports] == [
        (first, "10.0.0.3"),
        (second, "10.0.0.4"),
    ]
    by_device = net(localcloud_session, "GET", f"/ports?device_id={second}").json()["ports"]
    assert len(by_device) == 1
    port = by_device[0]
    server = call(localcloud_session, "compute", "GET", f"/servers/{second}").json()["server"]
    address = server["addresses"]["private"][0]
    assert (port["mac_address"], port["fixed_ips"][0]["ip_address"]) == (
        address["OS-EXT-IPS-MAC:mac_addr"],
        address["addr"],
    )
    default = net(localcloud_session, "GET", "/security-groups?name=default").json()
    assert port["security_groups"] == [default["security_groups"][0]["id"]]
    assert (port["status"], port["device_owner"], port["network_id"]) == (
        "ACTIVE",
        "compute:nova",
        PRIVATE_NETWORK_ID,
    )
    assert net(localcloud_session, "GET", f"/ports/{port['id']}").json()["port"] == port
    call(localcloud_session, "compute", "DELETE", f"/servers/{second}")
    assert net(localcloud_session, "GET", f"/ports?device_id={second}").json() == {"ports": []}
    assert net(localcloud_session, "GET", f"/ports/{port['id']}").status_code == 404


def test_default_group_per_project(localcloud_session, localcloud):
    groups = net(localcloud_session, "GET", "/security-groups").json()["security_groups"]
    assert [g["name"] for g in groups] == ["default"]
    default = groups[0]
    rules = sorted(
        (r["direction"], r["ethertype"], r["remote_group_id"])
        for r in default["security_group_rules"]
    )
    assert rules == [
        ("egress", "IPv4", None),
        ("egress", "IPv6", None),
        ("ingress", "IPv4", default["id"]),
        ("ingress", "IPv6", default["id"]),
    ]
    conflict = net(localcloud_session, "DELETE", f"/security-groups/{default['id']}")
    assert (conflict.status_code, conflict.json()["NeutronError"]) == (
        409,
        {
            "type": "SecurityGroupCannotRemoveDefault",
            "message": "Insufficient rights for removing default security group.",
            "detail": "",
        },
    )
    rename = {"security_group": {"name": "other"}}
    refused = net(localcloud_session, "PUT", f"/security-groups/{default['id']}", rename)
    assert refused.json()["NeutronError"]["message"] == (
        "Updating default security group not allowed."
    )
    again = net(
        localcloud_session, "POST", "/security-groups", {"security_group": {"name": "default"}}
    )
    assert (again.status_code, again.json()["NeutronError"]["type"]) == (
        409,
        "SecurityGroupDefaultAlreadyExists",
    )


def test_group_crud(localcloud_session):
    group = _group(localcloud_session, "web")
    assert set(group) == {
        "id", "name", "description", "stateful", "shared", "security_group_rules", "tenant_id",
        "project_id", "created_at", "updated_at", "revision_number", "tags",
    }  # fmt: skip
    assert (group["name"], group["description"], group["revision_number"]) == ("web", "", 1)
    body = {"security_group": {"description": "front end"}}
    updated = net(localcloud_session, "PUT", f"/security-groups/{group['id']}", body).json()
    updated = updated["security_group"]
    assert (updated["description"], updated["revision_number"]) == ("front end", 2)
    assert net(localcloud_session, "DELETE", f"/security-groups/{group['id']}").status_code == 204
    gone = net(localcloud_session, "GET", f"/security-groups/{group['id']}")
    assert (gone.status_code, gone.json()["NeutronError"]["message"]) == (
        404,
        f"Security group {group['id']} does not exist",
    )
    unknown = net(localcloud_session, "POST", "/security-groups", {"security_group": {"x": 1}})
    assert unknown.json()["NeutronError"] == {
        "type": "HTTPBadRequest",
        "message": "Unrecognized attribute(s) 'x'",
        "detail": "",
    }


RULE_ERRORS = [
    ({"direction": "sideways"}, 400, "HTTPBadRequest",
     "Invalid input for direction. Reason: 'sideways' is not in ['ingress', 'egress']."),
    ({"direction": "ingress", "ethertype": "IPv5"}, 400, "HTTPBadRequest",
     "Invalid input for ethertype. Reason: 'IPv5' is not in ['IPv4', 'IPv6']."),
    ({"direction": "ingress", "port_range_min": 22, "port_range_max": 22}, 400,
     "SecurityGroupProtocolRequiredWithPorts",
     "Must also specify protocol if port range is given."),
    ({"direction": "ingress", "protocol": "tcp", "port_range_min": 80, "port_range_max": 22}, 400,
     "SecurityGroupInvalidPortRange",
     "For TCP/UDP protocols, port_range_min must be <= port_range_max"),
    ({"direction": "ingress", "protocol": "tcp", "port_range_min": 0, "port_range_max": 22}, 400,
     "SecurityGroupInvalidPortValue", "Invalid value for port 0."),
    ({"direction": "ingress", "protocol": "udp", "port_range_min": 1, "port_range_max": 70000},
     400, "SecurityGroupInvalidPortValue", "Invalid value for port 70000."),
    ({"direction": "ingress", "protocol": "icmp", "port_range_min": 300}, 400,
     "SecurityGroupInvalidIcmpValue",
     "Invalid value for ICMP type (port_range_min): 300. It must be 0 to 255."),
    ({"direction": "ingress", "protocol": "icmp", "port_range_max": 0}, 400,
     "SecurityGroupMissingIcmpType",
     "ICMP code (port-range-max) 0 is provided but ICMP type (port-range-min) is missing."),
    ({"direction": "ingress", "protocol": "xyz"}, 400, "SecurityGroupRuleInvalidProtocol", None),
    ({"direction": "ingress", "remote_ip_prefix": "::/0"}, 400,
     "SecurityGroupRuleParameterConflict", "Conflicting value ethertype IPv4 for CIDR ::/0"),
    ({"direction": "ingress", "remote_ip_prefix": "10.0.0.0/8", "remote_group_id": "x"}, 400,
     "SecurityGroupRemoteGroupAndRemoteIpPrefix",
     "Only remote_ip_prefix or remote_group_id may be provided."),
    ({"direction": "ingress", "remote_ip_prefix": "nonsense"}, 400, "HTTPBadRequest",
     "Invalid input for remote_ip_prefix. Reason: 'nonsense' is not a valid IP subnet."),
    ({"direction": "ingress", "remote_group_id": "nope"}, 404, "SecurityGroupNotFound",
     "Security group nope does not exist"),
]  # fmt: skip


@pytest.mark.parametrize("spec, status, error_type, message", RULE_ERRORS)
def test_rule_validation(localcloud_session, spec, status, error_type, message):
    group = _group(localcloud_session, "web")
    body = {"security_group_rule": {"security_group_id": group["id"], **spec}}
    response = net(localcloud_session, "POST", "/security-group-rules", body)
    error = response.json()["NeutronError"]
    assert (response.status_code, error["type"]) == (status, error_type)
    if message is not None:
        assert error["message"] == message


def test_rules_create_list_duplicate_delete(localcloud_session):
    group = _group(localcloud_session, "web")
    spec = {
        "security_group_id": group["id"],
        "direction": "ingress",
        "protocol": "tcp",
        "port_range_min": 80,
        "port_range_max": 80,
        "remote_ip_prefix": "192.168.1.7/24",
    }
    response = net(
        localcloud_session, "POST", "/security-group-rules", {"security_group_rule": spec}
    )
    assert response.status_code == 201
    rule = response.json()["security_group_rule"]
    # Neutron stores the network of a host-bit prefix.
    assert (rule["remote_ip_prefix"], rule["ethertype"], rule["port_range_min"]) == (
        "192.168.1.0/24",
        "IPv4",
        80,
    )
    duplicate = net(
        localcloud_session, "POST", "/security-group-rules", {"security_group_rule": spec}
    )
    assert (duplicate.status_code, duplicate.json()["NeutronError"]) == (
        409,
        {
            "type": "SecurityGroupRuleExists",
            "message": f"Security group rule already exists. Rule id is {rule['id']}.",
            "detail": "",
        },
    )
    # "Anywhere" as 0.0.0.0/0 duplicates the same rule without a prefix.
    anywhere = {
        "security_group_id": group["id"],
        "direction": "egress",
        "remote_ip_prefix": "0.0.0.0/0",
    }
    clash = net(
        localcloud_session, "POST", "/security-group-rules", {"security_group_rule": anywhere}
    )
    assert clash.status_code == 409
    listed = net(
        localcloud_session, "GET", f"/security-group-rules?security_group_id={group['id']}"
    )
    assert sorted(r["direction"] for r in listed.json()["security_group_rules"]) == [
        "egress",
        "egress",
        "ingress",
    ]
    shown = net(localcloud_session, "GET", f"/security-groups/{group['id']}").json()
    assert shown["security_group"]["revision_number"] == 2
    assert (
        net(localcloud_session, "DELETE", f"/security-group-rules/{rule['id']}").status_code == 204
    )
    gone = net(localcloud_session, "DELETE", f"/security-group-rules/{rule['id']}")
    assert gone.json()["NeutronError"] == {
        "type": "SecurityGroupRuleNotFound",
        "message": f"Security group rule {rule['id']} does not exist",
        "detail": "",
    }  # fmt: skip


def test_nova_security_groups(localcloud_session):
    unknown = _server(localcloud_session, security_groups=[{"name": "web"}])
    assert (unknown.status_code, unknown.json()) == (
        400,
        {"badRequest": {"code": 400, "message": "Security group web not found."}},
    )
    web = _group(localcloud_session, "web")
    # A group may be named by its id; the server shows its name.
    created = _server(localcloud_session, security_groups=[{"name": web["id"]}])
    server_id = created.json()["server"]["id"]
    wait_for_status(localcloud_session, server_id, "ACTIVE")
    server = call(localcloud_session, "compute", "GET", f"/servers/{server_id}").json()["server"]
    assert server["security_groups"] == [{"name": "web"}]
    in_use = net(localcloud_session, "DELETE", f"/security-groups/{web['id']}")
    assert (in_use.status_code, in_use.json()["NeutronError"]["message"]) == (
        409,
        f"Security Group {web['id']} in use.",
    )

    def act(body):
        return call(
            localcloud_session, "compute", "POST", f"/servers/{server_id}/action", "2.1", body
        )

    missing = act({"addSecurityGroup": {"name": "db"}})
    assert (missing.status_code, missing.json()["itemNotFound"]["message"]) == (
        404,
        f"Security group db is not found for project {server['tenant_id']}",
    )
    db = _group(localcloud_session, "db")
    assert act({"addSecurityGroup": {"name": "db"}}).status_code == 202
    port = net(localcloud_session, "GET", f"/ports?device_id={server_id}").json()["ports"][0]
    assert port["security_groups"] == [web["id"], db["id"]]
    # Renaming a group keeps its members.
    body = {"security_group": {"name": "database"}}
    net(localcloud_session, "PUT", f"/security-groups/{db['id']}", body)
    server = call(localcloud_session, "compute", "GET", f"/servers/{server_id}").json()["server"]
    assert server["security_groups"] == [{"name": "web"}, {"name": "database"}]
    assert act({"removeSecurityGroup": {"name": "database"}}).status_code == 202
    assert net(localcloud_session, "DELETE", f"/security-groups/{db['id']}").status_code == 204
    twin = _group(localcloud_session, "web")
    ambiguous = act({"addSecurityGroup": {"name": "web"}})
    assert ambiguous.status_code == 409
    assert twin["id"] != web["id"]


def test_floating_ips(localcloud_session):
    server_id = _server(localcloud_session).json()["server"]["id"]
    wait_for_status(localcloud_session, server_id, "ACTIVE")
    port = net(localcloud_session, "GET", f"/ports?device_id={server_id}").json()["ports"][0]
    body = {"floatingip": {"floating_network_id": PUBLIC_NETWORK_ID}}
    created = net(localcloud_session, "POST", "/floatingips", body)
    assert created.status_code == 201
    fip = created.json()["floatingip"]
    assert (fip["floating_ip_address"], fip["status"], fip["port_id"], fip["router_id"]) == (
        "172.24.4.2",
        "DOWN",
        None,
        None,
    )
    assert set(fip) == {
        "id", "floating_ip_address", "floating_network_id", "router_id", "port_id",
        "fixed_ip_address", "status", "port_details", "port_forwardings", "description",
        "dns_domain", "dns_name", "qos_policy_id", "tenant_id", "project_id", "created_at",
        "updated_at", "revision_number", "tags",
    }  # fmt: skip

    def update(spec):
        return net(localcloud_session, "PUT", f"/floatingips/{fip['id']}", {"floatingip": spec})

    wrong_ip = update({"port_id": port["id"], "fixed_ip_address": "10.0.0.99"})
    assert wrong_ip.json()["NeutronError"]["message"] == (
        f"Bad floatingip request: Port {port['id']} does not have fixed ip 10.0.0.99."
    )
    assert update({"port_id": "nope"}).json()["NeutronError"]["type"] == "PortNotFound"
    associated = update({"port_id": port["id"]}).json()["floatingip"]
    assert (associated["fixed_ip_address"], associated["status"]) == ("10.0.0.3", "ACTIVE")
    assert associated["port_details"]["device_id"] == server_id
    server = call(localcloud_session, "compute", "GET", f"/servers/{server_id}").json()["server"]
    mac = port["mac_address"]
    assert server["addresses"] == {
        "private": [
            {"addr": "10.0.0.3", "version": 4, "OS-EXT-IPS:type": "fixed",
             "OS-EXT-IPS-MAC:mac_addr": mac},
            {"addr": "172.24.4.2", "version": 4, "OS-EXT-IPS:type": "floating",
             "OS-EXT-IPS-MAC:mac_addr": mac},
        ]
    }  # fmt: skip
    ips = call(localcloud_session, "compute", "GET", f"/servers/{server_id}/ips").json()
    assert ips == {
        "addresses": {
            "private": [{"addr": "10.0.0.3", "version": 4}, {"addr": "172.24.4.2", "version": 4}]
        }
    }

    second = net(localcloud_session, "POST", "/floatingips", body).json()["floatingip"]
    assert second["floating_ip_address"] == "172.24.4.3"
    clash = net(
        localcloud_session, "PUT", f"/floatingips/{second['id']}",
        {"floatingip": {"port_id": port["id"]}},
    )  # fmt: skip
    assert (clash.status_code, clash.json()["NeutronError"]["type"]) == (
        409,
        "FloatingIPPortAlreadyAssociated",
    )
    taken = net(
        localcloud_session, "POST", "/floatingips",
        {"floatingip": {"floating_network_id": PUBLIC_NETWORK_ID,
                        "floating_ip_address": "172.24.4.2"}},
    )  # fmt: skip
    assert (taken.status_code, taken.json()["NeutronError"]["type"]) == (
        409,
        "IpAddressAlreadyAllocated",
    )
    private = {"floatingip": {"floating_network_id": PRIVATE_NETWORK_ID}}
    assert net(localcloud_session, "POST", "/floatingips", private).json()["NeutronError"] == {
        "type": "BadRequest",
        "message": f"Bad floatingip request: Network {PRIVATE_NETWORK_ID} is not a valid external "
        "network.",
        "detail": "",
    }

    disassociated = update({"port_id": None}).json()["floatingip"]
    assert (disassociated["port_id"], disassociated["status"]) == (None, "DOWN")
    server = call(localcloud_session, "compute", "GET", f"/servers/{server_id}").json()["server"]
    assert [a["addr"] for a in server["addresses"]["private"]] == ["10.0.0.3"]

    # Deleting the server frees the association with its port.
    update({"port_id": port["id"]})
    call(localcloud_session, "compute", "DELETE", f"/servers/{server_id}")
    shown = net(localcloud_session, "GET", f"/floatingips/{fip['id']}").json()["floatingip"]
    assert (shown["port_id"], shown["fixed_ip_address"], shown["status"]) == (None, None, "DOWN")
    assert net(localcloud_session, "DELETE", f"/floatingips/{fip['id']}").status_code == 204
    assert net(localcloud_session, "GET", f"/floatingips/{fip['id']}").json()["NeutronError"] == {
        "type": "FloatingIPNotFound",
        "message": f"Floating IP {fip['id']} could not be found",
        "detail": "",
    }


def test_projects_are_isolated(localcloud):
    demo = _session(localcloud)
    admin = _session(localcloud, admin=True)
    group = _group(demo, "mine")
    assert net(admin, "GET", f"/security-groups/{group['id']}").status_code == 200
    admin_group = _group(admin, "theirs")
    assert net(demo, "GET", f"/security-groups/{admin_group['id']}").status_code == 404
    names = [g["name"] for g in net(demo, "GET", "/security-groups").json()["security_groups"]]
    assert names == ["default", "mine"]


def test_openstacksdk(conn, localcloud):
    group = conn.network.create_security_group(name="sdk", description="by the sdk")
    rule = conn.network.create_security_group_rule(
        security_group_id=group.id, direction="ingress", protocol="tcp",
        port_range_min=22, port_range_max=22, remote_ip_prefix="0.0.0.0/0",
    )  # fmt: skip
    assert (rule.ether_type, rule.port_range_min, rule.remote_ip_prefix) == (
        "IPv4",
        22,
        "0.0.0.0/0",
    )
    assert conn.network.find_security_group("sdk").id == group.id
    public = conn.network.find_network("public")
    assert public.is_router_external is True
    fip = conn.network.create_ip(floating_network_id=public.id)
    assert (fip.floating_ip_address, fip.status) == ("172.24.4.2", "DOWN")
    image = conn.image.find_image("F19-x86_64-cfntools")
    server = conn.compute.create_server(
        name="sdk", image_id=image.id, flavor_id="1", networks="auto",
        security_groups=[{"name": "sdk"}],
    )  # fmt: skip
    server = conn.compute.wait_for_server(server, status="ACTIVE", interval=0.05, wait=5)
    port = next(conn.network.ports(device_id=server.id))
    assert port.security_group_ids == [group.id]
    conn.network.update_ip(fip, port_id=port.id)
    server = conn.compute.get_server(server.id)
    assert [a["addr"] for a in server.addresses["private"]] == ["10.0.0.3", "172.24.4.2"]
    conn.network.update_ip(fip, port_id=None)
    assert conn.network.get_ip(fip.id).port_id is None
    conn.network.delete_ip(fip)
    conn.compute.delete_server(server)
    conn.network.delete_security_group(group)
    assert [g.name for g in conn.network.security_groups()] == ["default"]


def _cli(localcloud, *args):
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=localcloud.clouds_yaml)
    openstack_cli = os.path.join(os.path.dirname(sys.executable), "openstack")
    result = subprocess.run(
        [openstack_cli, "--os-cloud", "localcloud", *args, "-f", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_openstack_cli(localcloud):
    group = _cli(localcloud, "security", "group", "create", "web")
    assert group["name"] == "web"
    rule = _cli(
        localcloud, "security", "group", "rule", "create", "--protocol", "tcp", "--dst-port",
        "80:80", "web",
    )  # fmt: skip
    assert (rule["protocol"], rule["port_range_min"], rule["remote_ip_prefix"]) == (
        "tcp",
        80,
        "0.0.0.0/0",
    )
    fip = _cli(localcloud, "floating", "ip", "create", "public")
    assert (fip["floating_ip_address"], fip["floating_network_id"]) == (
        "172.24.4.2",
        PUBLIC_NETWORK_ID,
    )
    listed = _cli(localcloud, "floating", "ip", "list")
    assert [(f["Floating IP Address"], f["Port"]) for f in listed] == [("172.24.4.2", None)]
    groups = _cli(localcloud, "security", "group", "list")
    assert sorted(g["Name"] for g in groups) == ["default", "web"]


def test_state_survives_a_restart(tmp_path):
    state = str(tmp_path / "state")
    with LocalCloud(state, boot_delay=0) as cloud:
        cloud_session = _session(cloud)
        group = _group(cloud_session, "kept")
        body = {"floatingip": {"floating_network_id": PUBLIC_NETWORK_ID}}
        fip = net(cloud_session, "POST", "/floatingips", body).json()["floatingip"]
        default_before = net(cloud_session, "GET", "/security-groups?name=default").json()
    with LocalCloud(state) as cloud:
        cloud_session = _session(cloud)
        shown = net(cloud_session, "GET", f"/security-groups/{group['id']}").json()
        assert shown["security_group"] == group
        assert net(cloud_session, "GET", f"/floatingips/{fip['id']}").json()["floatingip"] == fip
        default_after = net(cloud_session, "GET", "/security-groups?name=default").json()
        assert default_after == default_before
        networks = net(cloud_session, "GET", "/networks").json()["networks"]
        assert [n["id"] for n in networks] == [PRIVATE_NETWORK_ID, PUBLIC_NETWORK_ID]
