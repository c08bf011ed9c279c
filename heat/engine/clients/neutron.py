"""NeutronClient: what security groups, EIPs and their associations need from Neutron, over
openstacksdk on the stack's keystoneauth1 session.

Lookups answer plain dataclasses, never SDK resources, so resource plugins do not depend on
the library. Creating a rule that already exists answers the existing rule's id, so a create
repeated after a lost answer (or a resumed stack) does not fail. Nothing here waits.
"""

from __future__ import annotations

import dataclasses

from openstack import exceptions as sdk_exc

from heat.engine.clients.errors import CloudNotFound
from heat.engine.clients.sdk import SdkService


@dataclasses.dataclass(frozen=True)
class Network:
    id: str
    name: str
    external: bool


@dataclasses.dataclass(frozen=True)
class Rule:
    """A security group rule; None means "any" for protocol, ports and remote."""

    id: str
    security_group_id: str
    direction: str
    ethertype: str
    protocol: str | None
    port_range_min: int | None
    port_range_max: int | None
    remote_ip_prefix: str | None
    remote_group_id: str | None


@dataclasses.dataclass(frozen=True)
class SecurityGroup:
    id: str
    name: str
    description: str
    rules: tuple[Rule, ...]


@dataclasses.dataclass(frozen=True)
class FloatingIp:
    """A floating IP; `port_id` and `fixed_ip` are None while it is not associated."""

    id: str
    address: str
    port_id: str | None
    fixed_ip: str | None
    status: str


@dataclasses.dataclass(frozen=True)
class Port:
    id: str
    server_id: str
    network_id: str
    fixed_ips: tuple[str, ...]


def _rule(rule) -> Rule:
    return Rule(
        id=rule.id,
        security_group_id=rule.security_group_id,
        direction=rule.direction,
        ethertype=rule.ether_type,
        protocol=rule.protocol,
        port_range_min=rule.port_range_min,
        port_range_max=rule.port_range_max,
        remote_ip_prefix=rule.remote_ip_prefix,
        remote_group_id=rule.remote_group_id,
    )


def _group(group) -> SecurityGroup:
    rules = tuple(
        Rule(
            id=r["id"],
            security_group_id=r["security_group_id"],
            direction=r["direction"],
            ethertype=r["ethertype"],
            protocol=r["protocol"],
            port_range_min=r["port_range_min"],
            port_range_max=r["port_range_max"],
            remote_ip_prefix=r["remote_ip_prefix"],
            remote_group_id=r["remote_group_id"],
        )
        for r in group.security_group_rules or []
    )
    return SecurityGroup(group.id, group.name, group.description or "", rules)


def _floating_ip(fip) -> FloatingIp:
    return FloatingIp(
        fip.id, fip.floating_ip_address, fip.port_id, fip.fixed_ip_address, fip.status
    )


class NeutronClient(SdkService):
    """Neutron for one session; see SdkService for the arguments."""

    service_name = "Neutron"

    # -- networks and ports -----------------------------------------------------------------

    def find_network(self, name_or_id: str) -> Network:
        """The network with this id or (unique) name."""
        network = self._call(
            "look up network",
            lambda: self.conn.network.find_network(name_or_id, ignore_missing=False),
            not_found=("network", name_or_id),
        )
        return Network(network.id, network.name, bool(network.is_router_external))

    def server_port(self, server_id: str) -> Port:
        """The (first) port of a server; CloudNotFound if it has none (yet)."""
        ports = self._call("list ports", lambda: list(self.conn.network.ports(device_id=server_id)))
        if not ports:
            raise CloudNotFound("port of server", server_id)
        port = ports[0]
        fixed = tuple(entry["ip_address"] for entry in port.fixed_ips or [])
        return Port(port.id, port.device_id, port.network_id, fixed)

    # -- security groups --------------------------------------------------------------------

    def create_security_group(self, name: str, description: str = "") -> SecurityGroup:
        """A new group (Neutron gives it the two allow-all egress rules)."""
        group = self._call(
            "create security group",
            lambda: self.conn.network.create_security_group(name=name, description=description),
            idempotent=False,
        )
        return _group(group)

    def get_security_group(self, group_id: str) -> SecurityGroup:
        """The group with this id, with its rules; CloudNotFound if it is gone."""
        group = self._call(
            "show security group",
            lambda: self.conn.network.get_security_group(group_id),
            not_found=("security group", group_id),
        )
        return _group(group)

    def find_security_group(self, name_or_id: str) -> SecurityGroup:
        """The caller's group with this id or (unique) name; AmbiguousName if several."""
        group = self._call(
            "look up security group",
            lambda: self.conn.network.find_security_group(name_or_id, ignore_missing=False),
            not_found=("security group", name_or_id),
        )
        return _group(group)

    def update_security_group(
        self, group_id: str, *, name: str | None = None, description: str | None = None
    ) -> SecurityGroup:
        """Rename or re-describe a group (only the given fields change)."""
        changes = {k: v for k, v in (("name", name), ("description", description)) if v is not None}
        group = self._call(
            "update security group",
            lambda: self.conn.network.update_security_group(group_id, **changes),
            not_found=("security group", group_id),
        )
        return _group(group)

    def delete_security_group(self, group_id: str) -> None:
        """Delete a group; CloudNotFound if it is already gone, CloudRequestFailed (409) while a
        server still uses it."""
        self._call(
            "delete security group",
            lambda: self.conn.network.delete_security_group(group_id, ignore_missing=False),
            not_found=("security group", group_id),
        )

    def add_rule(
        self,
        group_id: str,
        direction: str = "ingress",
        *,
        protocol: str | None = None,
        port_range_min: int | None = None,
        port_range_max: int | None = None,
        remote_ip_prefix: str | None = None,
        remote_group_id: str | None = None,
        ethertype: str | None = None,
    ) -> str:
        """Add a rule to a group and return its id; if the same rule exists, its id."""
        if ethertype is None:
            ethertype = "IPv6" if remote_ip_prefix and ":" in remote_ip_prefix else "IPv4"
        spec = {
            "security_group_id": group_id,
            "direction": direction,
            "ether_type": ethertype,
            "protocol": protocol,
            "port_range_min": port_range_min,
            "port_range_max": port_range_max,
            "remote_ip_prefix": remote_ip_prefix,
            "remote_group_id": remote_group_id,
        }
        try:
            rule = self._call(
                "create security group rule",
                lambda: self.conn.network.create_security_group_rule(**spec),
                idempotent=False,
                not_found=("security group", group_id),
            )
        except Exception as exc:
            existing = self._existing_rule(exc, group_id)
            if existing is None:
                raise
            return existing
        return rule.id

    def _existing_rule(self, exc: Exception, group_id: str) -> str | None:
        # Neutron answers 409 SecurityGroupRuleExists naming the rule; find it by its id.
        cause = exc.__cause__
        if not isinstance(cause, sdk_exc.ConflictException):
            return None
        marker = "Rule id is "
        details = str(cause.details or "")
        if marker not in details:
            return None
        rule_id = details.split(marker, 1)[1].strip().rstrip(".")
        rules = self.get_security_group(group_id).rules
        return rule_id if any(r.id == rule_id for r in rules) else None

    def delete_rule(self, rule_id: str) -> None:
        """Delete a rule; CloudNotFound if it is already gone."""
        self._call(
            "delete security group rule",
            lambda: self.conn.network.delete_security_group_rule(rule_id, ignore_missing=False),
            not_found=("security group rule", rule_id),
        )

    # -- floating IPs -----------------------------------------------------------------------

    def allocate_floating_ip(self, network: str = "public") -> FloatingIp:
        """A new floating IP from the external network `network` (name or id)."""
        network_id = self.find_network(network).id
        fip = self._call(
            "allocate floating IP",
            lambda: self.conn.network.create_ip(floating_network_id=network_id),
            idempotent=False,
        )
        return _floating_ip(fip)

    def get_floating_ip(self, fip_id: str) -> FloatingIp:
        fip = self._call(
            "show floating IP",
            lambda: self.conn.network.get_ip(fip_id),
            not_found=("floating IP", fip_id),
        )
        return _floating_ip(fip)

    def find_floating_ip(self, address: str) -> FloatingIp:
        """The caller's floating IP with this address (an EIP's Ref)."""
        found = self._call(
            "list floating IPs",
            lambda: list(self.conn.network.ips(floating_ip_address=address)),
        )
        if not found:
            raise CloudNotFound("floating IP", address)
        return _floating_ip(found[0])

    def associate_floating_ip(
        self, fip_id: str, port_id: str, fixed_ip: str | None = None
    ) -> FloatingIp:
        """Point a floating IP at a port (and one of its fixed IPs)."""
        changes = {"port_id": port_id}
        if fixed_ip is not None:
            changes["fixed_ip_address"] = fixed_ip
        fip = self._call(
            "associate floating IP",
            lambda: self.conn.network.update_ip(fip_id, **changes),
            not_found=("floating IP", fip_id),
        )
        return _floating_ip(fip)

    def associate_floating_ip_with_server(self, fip_id: str, server_id: str) -> FloatingIp:
        """Point a floating IP at a server's port (its first fixed IP)."""
        port = self.server_port(server_id)
        return self.associate_floating_ip(fip_id, port.id, port.fixed_ips[0])

    def disassociate_floating_ip(self, fip_id: str) -> None:
        """Detach a floating IP from its port (a no-op if it is not associated)."""
        self._call(
            "disassociate floating IP",
            lambda: self.conn.network.update_ip(fip_id, port_id=None),
            not_found=("floating IP", fip_id),
        )

    def release_floating_ip(self, fip_id: str) -> None:
        """Give a floating IP back; CloudNotFound if it is already released."""
        self._call(
            "release floating IP",
            lambda: self.conn.network.delete_ip(fip_id, ignore_missing=False),
            not_found=("floating IP", fip_id),
        )
