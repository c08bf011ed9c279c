"""NeutronClient against a real localcloud over HTTP: openstacksdk, no mocks."""

from __future__ import annotations

import time

import pytest

from heat.common.exception import NotFound
from heat.engine.clients import Clients
from heat.engine.clients.errors import AmbiguousName, CloudNotFound, CloudRequestFailed, RetryPolicy
from heat.engine.clients.neutron import FloatingIp, Network, NeutronClient, Rule
from heat.engine.clients.nova import NovaClient
from heat.engine.clients.session import CloudCredentials, make_session


class Sleeps:
    def __init__(self):
        self.delays = []

    def __call__(self, seconds):
        self.delays.append(seconds)


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def session(localcloud):
    return make_session(CloudCredentials.from_dict(localcloud.credentials()))


@pytest.fixture
def neutron(session, sleeps):
    return NeutronClient(session, retry=RetryPolicy(attempts=3, base_delay=0.25, sleep=sleeps))


@pytest.fixture
def server_id(session):
    nova = NovaClient(session)
    server_id = nova.create_server("web", "F17-x86_64-cfntools", "m1.tiny")
    deadline = time.monotonic() + 5
    while not nova.is_active(server_id):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return server_id


def test_find_network(neutron):
    public = neutron.find_network("public")
    assert public == Network(public.id, "public", True)
    assert neutron.find_network(public.id) == public
    assert neutron.find_network("private").external is False
    with pytest.raises(CloudNotFound) as raised:
        neutron.find_network("nowhere")
    assert raised.value.message == 'unknown network "nowhere"'


def test_security_group_lifecycle(neutron):
    group = neutron.create_security_group("web", "web servers")
    assert (group.name, group.description) == ("web", "web servers")
    assert sorted((r.direction, r.ethertype) for r in group.rules) == [
        ("egress", "IPv4"),
        ("egress", "IPv6"),
    ]
    rule_id = neutron.add_rule(
        group.id, "ingress", protocol="tcp", port_range_min=80, port_range_max=80,
        remote_ip_prefix="0.0.0.0/0",
    )  # fmt: skip
    # The same rule again (a repeated create) answers the existing rule.
    again = neutron.add_rule(
        group.id, "ingress", protocol="tcp", port_range_min=80, port_range_max=80,
        remote_ip_prefix="0.0.0.0/0",
    )  # fmt: skip
    assert again == rule_id
    icmp = neutron.add_rule(group.id, protocol="icmp", remote_group_id=group.id)
    shown = neutron.get_security_group(group.id)
    ingress = sorted((r for r in shown.rules if r.direction == "ingress"), key=lambda r: r.protocol)
    assert ingress == [
        Rule(icmp, group.id, "ingress", "IPv4", "icmp", None, None, None, group.id),
        Rule(rule_id, group.id, "ingress", "IPv4", "tcp", 80, 80, "0.0.0.0/0", None),
    ]
    assert neutron.find_security_group("web") == shown
    assert neutron.find_security_group(group.id) == shown

    renamed = neutron.update_security_group(group.id, name="www")
    assert (renamed.name, renamed.description) == ("www", "web servers")
    neutron.delete_rule(rule_id)
    with pytest.raises(CloudNotFound):
        neutron.delete_rule(rule_id)
    neutron.delete_security_group(group.id)
    with pytest.raises(CloudNotFound) as raised:
        neutron.delete_security_group(group.id)
    assert isinstance(raised.value, NotFound)
    with pytest.raises(CloudNotFound):
        neutron.get_security_group(group.id)


def test_rule_errors_carry_neutrons_message(neutron):
    group = neutron.create_security_group("web")
    with pytest.raises(CloudRequestFailed) as raised:
        neutron.add_rule(group.id, protocol="tcp", port_range_min=90, port_range_max=80)
    assert raised.value.message == (
        "Neutron: failed to create security group rule: For TCP/UDP protocols, port_range_min "
        "must be <= port_range_max"
    )
    assert raised.value.http_status == 400
    with pytest.raises(CloudNotFound):
        neutron.add_rule("0b5f5b8e-1d6e-4e35-8f0b-000000000000", protocol="tcp")


def test_ambiguous_group_name(neutron):
    first = neutron.create_security_group("twin")
    second = neutron.create_security_group("twin")
    with pytest.raises(AmbiguousName):
        neutron.find_security_group("twin")
    assert neutron.find_security_group(first.id).id == first.id
    assert neutron.find_security_group(second.id).id == second.id


def test_group_in_use_cannot_be_deleted(session, neutron):
    group = neutron.create_security_group("db")
    nova = NovaClient(session)
    server_id = nova.create_server("db", "F17-x86_64-cfntools", "m1.tiny", security_groups=["db"])
    with pytest.raises(CloudRequestFailed) as raised:
        neutron.delete_security_group(group.id)
    assert raised.value.http_status == 409
    assert raised.value.message == (
        f"Neutron: failed to delete security group: Security Group {group.id} in use."
    )
    nova.delete_server(server_id)
    neutron.delete_security_group(group.id)


def test_floating_ip_lifecycle(localcloud, session, neutron, server_id):
    fip = neutron.allocate_floating_ip("public")
    assert fip == FloatingIp(fip.id, "172.24.4.2", None, None, "DOWN")
    assert neutron.find_floating_ip("172.24.4.2") == fip
    port = neutron.server_port(server_id)
    assert (port.server_id, port.fixed_ips) == (server_id, ("10.0.0.3",))

    associated = neutron.associate_floating_ip_with_server(fip.id, server_id)
    assert associated == FloatingIp(fip.id, "172.24.4.2", port.id, "10.0.0.3", "ACTIVE")
    assert neutron.get_floating_ip(fip.id) == associated
    nova = NovaClient(session)
    assert nova.server_status(server_id).addresses == {"private": ["10.0.0.3", "172.24.4.2"]}

    neutron.disassociate_floating_ip(fip.id)
    assert neutron.get_floating_ip(fip.id) == fip
    assert nova.server_status(server_id).addresses == {"private": ["10.0.0.3"]}
    neutron.associate_floating_ip(fip.id, port.id)
    neutron.release_floating_ip(fip.id)
    with pytest.raises(CloudNotFound) as raised:
        neutron.release_floating_ip(fip.id)
    assert raised.value.message == f'unknown floating IP "{fip.id}"'
    with pytest.raises(CloudNotFound):
        neutron.find_floating_ip("172.24.4.2")


def test_port_of_unknown_server(neutron):
    with pytest.raises(CloudNotFound) as raised:
        neutron.server_port("nope")
    assert raised.value.message == 'unknown port of server "nope"'


def test_transient_failures_are_retried(localcloud, neutron, sleeps):
    localcloud.inject_fault(r"/network/v2.0/security-groups$", method="POST", status=503)
    group = neutron.create_security_group("retried")
    assert group.name == "retried"
    assert sleeps.delays == [0.25]
    localcloud.inject_fault(
        r"/network/v2.0/security-groups$", method="GET", status=429, times=2,
        headers={"Retry-After": "1"},
    )  # fmt: skip
    assert neutron.find_security_group("retried").id == group.id
    assert sleeps.delays == [0.25, 1.0, 1.0]


def test_a_dropped_create_is_not_repeated(localcloud, neutron, sleeps):
    localcloud.inject_fault(r"/network/v2.0/floatingips$", method="POST", drop=True)
    with pytest.raises(CloudRequestFailed) as raised:
        neutron.allocate_floating_ip()
    assert raised.value.message.startswith("Neutron: failed to allocate floating IP: ")
    assert sleeps.delays == []


def test_clients_make_one_neutron_and_cinder(localcloud):
    clients = Clients(CloudCredentials.from_dict(localcloud.credentials()))
    assert clients.neutron() is clients.neutron()
    assert clients.cinder() is clients.cinder()
    assert clients.neutron().session is clients.nova().session
    assert clients.neutron().find_network("public").external is True
