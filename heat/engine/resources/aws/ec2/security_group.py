"""AWS::EC2::SecurityGroup: a Neutron security group and its rules.

Ref is the group's name, because the old templates put `{"Ref": group}` in an instance's
SecurityGroups list, which Nova resolves by name; the name is made unique per stack
(`<stack>-<resource>-<random>`). The GroupId attribute is the Neutron id.

Rules converge rather than being replayed: every wanted rule is added (Neutron's "already
exists" answer gives the existing rule's id), then every other rule of the group is removed.
The same step creates the group's rules, updates them in place, and drops Neutron's default
allow-all egress rules when the template gives its own egress rules.
"""

from __future__ import annotations

import dataclasses
import time

from heat.common.exception import InvalidInput, NotSupported
from heat.engine import attributes, properties
from heat.engine.clients.errors import CloudRequestFailed
from heat.engine.findings import format_path
from heat.engine.resource import Resource
from heat.engine.resources import servers

# How long a delete keeps retrying while Neutron says a server still uses the group: the
# server being deleted in the same stack is gone long before this.
IN_USE_TIMEOUT = 300.0
_ALL_PROTOCOLS = ("-1", "all")


def _rule_schema() -> properties.Schema:
    port = properties.Schema(properties.INTEGER, min=-1, max=65535)
    text = properties.Schema(properties.STRING)
    return properties.Schema(
        properties.LIST,
        update_allowed=True,
        item=properties.Schema(
            properties.MAP,
            keys={
                "IpProtocol": properties.Schema(properties.STRING, required=True),
                "FromPort": port,
                "ToPort": port,
                "CidrIp": text,
                "SourceSecurityGroupName": text,
                "SourceSecurityGroupId": text,
                "DestinationSecurityGroupId": text,
            },
        ),
    )


@dataclasses.dataclass(frozen=True)
class RuleSpec:
    """One rule as Neutron takes it; None is "any"."""

    direction: str
    protocol: str | None = None
    port_range_min: int | None = None
    port_range_max: int | None = None
    remote_ip_prefix: str | None = None
    remote_group_id: str | None = None
    ethertype: str | None = None

    def kwargs(self) -> dict:
        fields = dataclasses.asdict(self)
        fields.pop("direction")
        return fields


# What Neutron gives a new group, kept while the template names no egress rule of its own.
DEFAULT_EGRESS = (RuleSpec("egress", ethertype="IPv4"), RuleSpec("egress", ethertype="IPv6"))


def _port(value) -> int | None:
    return None if value is None or value == -1 else value


class SecurityGroup(Resource):
    """A Neutron security group with the template's ingress and egress rules."""

    type_name = "AWS::EC2::SecurityGroup"
    description = "A Neutron security group; Ref is its name, GroupId its id."
    properties_schema = {
        "GroupDescription": properties.Schema(
            properties.STRING, required=True, description="The group's description."
        ),
        "SecurityGroupIngress": _rule_schema(),
        "SecurityGroupEgress": _rule_schema(),
        "VpcId": properties.Schema(properties.STRING, description="Not supported."),
    }
    attributes_schema = {"GroupId": attributes.Attribute("The Neutron id of the group.")}

    def reference_id(self):
        return self.data.get("name") or self.name

    def resolve_attribute(self, name):
        return self.physical_id

    # -- rules --------------------------------------------------------------------------------

    def _wanted_rules(self, props) -> list[RuleSpec]:
        neutron = self.context.clients.neutron()
        groups: dict[str, str] = {}

        def group_id(name_or_id: str) -> str:
            if name_or_id not in groups:
                groups[name_or_id] = neutron.find_security_group(name_or_id).id
            return groups[name_or_id]

        wanted = []
        for direction, prop in (
            ("ingress", "SecurityGroupIngress"),
            ("egress", "SecurityGroupEgress"),
        ):
            for position, rule in enumerate(props[prop] or ()):
                where = format_path((*props.path, prop, position))
                wanted.append(self._spec(direction, rule, where, group_id))
        if not props["SecurityGroupEgress"]:
            wanted.extend(DEFAULT_EGRESS)
        return wanted

    @staticmethod
    def _spec(direction: str, rule: dict, where: str, group_id) -> RuleSpec:
        protocol = str(rule["IpProtocol"]).lower()
        source = (
            rule.get("SourceSecurityGroupId")
            or rule.get("SourceSecurityGroupName")
            or rule.get("DestinationSecurityGroupId")
        )
        if rule.get("CidrIp") and source:
            raise InvalidInput(f"{where}: give CidrIp or a source security group, not both")
        low, high = _port(rule.get("FromPort")), _port(rule.get("ToPort"))
        if protocol in _ALL_PROTOCOLS:
            protocol, low, high = None, None, None
        elif low is not None and high is not None and protocol != "icmp" and low > high:
            raise InvalidInput(f"{where}: FromPort {low} is greater than ToPort {high}")
        return RuleSpec(
            direction,
            protocol=protocol,
            port_range_min=low,
            port_range_max=high,
            remote_ip_prefix=rule.get("CidrIp") or None,
            remote_group_id=group_id(source) if source else None,
        )

    def _converge_rules(self, wanted: list[RuleSpec]) -> None:
        """Make the group's rules exactly the wanted ones."""
        neutron = self.context.clients.neutron()
        keep = {
            neutron.add_rule(self.physical_id, spec.direction, **spec.kwargs()) for spec in wanted
        }
        for rule in neutron.get_security_group(self.physical_id).rules:
            if rule.id not in keep:
                neutron.delete_rule(rule.id)

    # -- lifecycle ----------------------------------------------------------------------------

    def handle_create(self):
        props = self.properties
        if props["VpcId"]:
            raise NotSupported(
                f"{format_path((*props.path, 'VpcId'))}: not supported: security groups are "
                "created in the project's Neutron; remove the property"
            )
        # Source groups are looked up first: an unknown one leaves nothing behind.
        wanted = self._wanted_rules(props)
        name = servers.server_name(self.context.stack_name, self.name)
        group = self.context.clients.neutron().create_security_group(
            name, props["GroupDescription"]
        )
        self.physical_id = group.id
        self.data["name"] = group.name
        self._converge_rules(wanted)
        return None

    def handle_update(self, new_properties, changed):
        if changed & {"SecurityGroupIngress", "SecurityGroupEgress"}:
            self._converge_rules(self._wanted_rules(new_properties))
        self.properties = new_properties
        return None

    def handle_delete(self):
        if self.physical_id is None:
            return None
        token = {"deadline": time.monotonic() + IN_USE_TIMEOUT}
        return None if self._try_delete(token) else token

    def check_delete_complete(self, token) -> bool:
        return token is None or self._try_delete(token)

    def _try_delete(self, token) -> bool:
        """Delete the group; False while a server still uses it (Neutron's 409)."""
        try:
            self.context.clients.neutron().delete_security_group(self.physical_id)
        except CloudRequestFailed as exc:
            in_use = exc.http_status == 409 and "in use" in exc.message
            if not in_use or time.monotonic() > token["deadline"]:
                raise
            return False
        return True


RESOURCE_TYPES = (SecurityGroup,)
