"""Neutron security groups and security group rules, validated and answered as Neutron does.

A group's members are Nova servers naming it (servers store group names, as Nova shows
them), so a group in use cannot be deleted and a rename carries the members along.
"""

from __future__ import annotations

import ipaddress
import uuid

from heat.api.wsgi import json_response
from heat.localcloud import networking
from heat.localcloud.neutron_common import NeutronError, filtered, timestamps
from heat.localcloud.routing import ApiError, json_body

PROTOCOLS = [
    "ah", "dccp", "egp", "esp", "gre", "hopopt", "icmp", "igmp", "ipip", "ipv6-encap",
    "ipv6-frag", "ipv6-icmp", "icmpv6", "ipv6-nonxt", "ipv6-opts", "ipv6-route", "ospf", "pgm",
    "rsvp", "sctp", "tcp", "udp", "udplite", "vrrp",
]  # fmt: skip
_PORT_PROTOCOLS = {"tcp", "udp", "dccp", "sctp", "udplite", "6", "17", "33", "132", "136"}
_ICMP_PROTOCOLS = {"icmp", "ipv6-icmp", "icmpv6", "1", "58"}
_GROUP_FIELDS = {"name", "description", "stateful", "tenant_id", "project_id"}
_RULE_FIELDS = {
    "security_group_id",
    "direction",
    "ethertype",
    "protocol",
    "port_range_min",
    "port_range_max",
    "remote_ip_prefix",
    "remote_group_id",
    "description",
    "tenant_id",
    "project_id",
}
# What makes two rules the same rule for the duplicate check.
_RULE_IDENTITY = (
    "security_group_id",
    "direction",
    "ethertype",
    "protocol",
    "port_range_min",
    "port_range_max",
    "remote_ip_prefix",
    "remote_group_id",
)


class SecurityGroups:
    """The /v2.0/security-groups and /v2.0/security-group-rules routes of `neutron`."""

    def __init__(self, neutron):
        self.neutron = neutron
        self.net = neutron.networking
        self.store = neutron.networking.store
        r = neutron.router
        r.add("GET", "/v2.0/security-groups", self.list_groups)
        r.add("POST", "/v2.0/security-groups", self.create_group)
        r.add("GET", "/v2.0/security-groups/{group_id}", self.show_group)
        r.add("PUT", "/v2.0/security-groups/{group_id}", self.update_group)
        r.add("DELETE", "/v2.0/security-groups/{group_id}", self.delete_group)
        r.add("GET", "/v2.0/security-group-rules", self.list_rules)
        r.add("POST", "/v2.0/security-group-rules", self.create_rule)
        r.add("GET", "/v2.0/security-group-rules/{rule_id}", self.show_rule)
        r.add("DELETE", "/v2.0/security-group-rules/{rule_id}", self.delete_rule)

    # -- views ------------------------------------------------------------------------------

    def group_view(self, group: dict) -> dict:
        rules = [self.rule_view(r, group) for r in self.net.rules(group["id"])]
        return {
            "id": group["id"],
            "name": group["name"],
            "description": group["description"],
            "stateful": group["stateful"],
            "shared": False,
            "security_group_rules": rules,
            "tenant_id": group["project_id"],
            "project_id": group["project_id"],
            **timestamps(group),
        }

    def rule_view(self, rule: dict, group: dict | None = None) -> dict:
        if group is None:
            group = self.store.get("security_group", rule["security_group_id"]) or {}
        prefix = rule["remote_ip_prefix"]
        return {
            "id": rule["id"],
            "security_group_id": rule["security_group_id"],
            "direction": rule["direction"],
            "ethertype": rule["ethertype"],
            "protocol": rule["protocol"],
            "port_range_min": rule["port_range_min"],
            "port_range_max": rule["port_range_max"],
            "remote_ip_prefix": prefix,
            "normalized_cidr": prefix,
            "remote_group_id": rule["remote_group_id"],
            "remote_address_group_id": None,
            "description": rule["description"],
            "belongs_to_default_sg": group.get("name") == networking.DEFAULT_GROUP,
            "tenant_id": rule["project_id"],
            "project_id": rule["project_id"],
            **timestamps(rule),
        }

    # -- loading ----------------------------------------------------------------------------

    def load_group(self, req, group_id: str) -> dict:
        group = self.store.get("security_group", group_id)
        if group is None or not self.neutron.visible(req, group["project_id"]):
            raise _error(404, "SecurityGroupNotFound", f"Security group {group_id} does not exist")
        return group

    def load_rule(self, req, rule_id: str) -> dict:
        rule = self.store.get("security_group_rule", rule_id)
        if rule is None or not self.neutron.visible(req, rule["project_id"]):
            raise _error(
                404, "SecurityGroupRuleNotFound", f"Security group rule {rule_id} does not exist"
            )
        return rule

    # -- groups -----------------------------------------------------------------------------

    def list_groups(self, req):
        groups = [
            self.group_view(g)
            for g in self.net.groups(None)
            if self.neutron.visible(req, g["project_id"])
        ]
        return json_response({"security_groups": filtered(req, groups)})

    def show_group(self, req, group_id):
        return json_response({"security_group": self.group_view(self.load_group(req, group_id))})

    def create_group(self, req):
        spec = _resource(req, "security_group", _GROUP_FIELDS)
        name = _string(spec, "name", 255)
        if name == networking.DEFAULT_GROUP:
            raise _error(
                409, "SecurityGroupDefaultAlreadyExists", "Default security group already exists."
            )
        project_id = self.neutron.project_of(req)
        group = self.net.new_group(
            str(uuid.uuid4()), project_id, name, _string(spec, "description", 255)
        )
        if "stateful" in spec:
            group["stateful"] = _boolean(spec, "stateful")
        with self.store.locked():
            self.store.put("security_group", group["id"], group)
            # A new group lets everything out, as Neutron's do.
            for ethertype in ("IPv4", "IPv6"):
                rule = self.net.new_rule(
                    str(uuid.uuid4()), group, {"direction": "egress", "ethertype": ethertype}
                )
                self.store.put("security_group_rule", rule["id"], rule)
        return json_response({"security_group": self.group_view(group)}, 201)

    def update_group(self, req, group_id):
        spec = _resource(req, "security_group", {"name", "description", "stateful"})
        with self.store.locked():
            group = self.load_group(req, group_id)
            is_default = group["name"] == networking.DEFAULT_GROUP
            if "name" in spec:
                name = _string(spec, "name", 255)
                if is_default and name != group["name"]:
                    raise _error(
                        409,
                        "SecurityGroupCannotUpdateDefault",
                        "Updating default security group not allowed.",
                    )
                if name == networking.DEFAULT_GROUP and not is_default:
                    raise _error(
                        409,
                        "SecurityGroupDefaultAlreadyExists",
                        "Default security group already exists.",
                    )
                if name != group["name"]:
                    self.net.rename_group_members(group, name)
                group["name"] = name
            if "description" in spec:
                group["description"] = _string(spec, "description", 255)
            if "stateful" in spec:
                group["stateful"] = _boolean(spec, "stateful")
            _touch(group, self.net.clock())
            self.store.put("security_group", group_id, group)
        return json_response({"security_group": self.group_view(group)})

    def delete_group(self, req, group_id):
        with self.store.locked():
            group = self.load_group(req, group_id)
            if group["name"] == networking.DEFAULT_GROUP:
                raise _error(
                    409,
                    "SecurityGroupCannotRemoveDefault",
                    "Insufficient rights for removing default security group.",
                )
            if self.net.users_of_group(group):
                raise _error(409, "SecurityGroupInUse", f"Security Group {group_id} in use.")
            # Rules of the group, and rules elsewhere that name it as their remote, go too.
            for rule in self.net.rules():
                if group_id in (rule["security_group_id"], rule["remote_group_id"]):
                    self.store.delete("security_group_rule", rule["id"])
            self.store.delete("security_group", group_id)
        return json_response(None, 204)

    # -- rules ------------------------------------------------------------------------------

    def list_rules(self, req):
        rules = [
            self.rule_view(r)
            for r in self.net.rules()
            if self.neutron.visible(req, r["project_id"])
        ]
        return json_response({"security_group_rules": filtered(req, rules)})

    def show_rule(self, req, rule_id):
        rule = self.load_rule(req, rule_id)
        return json_response({"security_group_rule": self.rule_view(rule)})

    def create_rule(self, req):
        spec = _resource(req, "security_group_rule", _RULE_FIELDS)
        if not spec.get("security_group_id"):
            raise ApiError(
                400,
                "Failed to parse request. Required attribute 'security_group_id' not specified",
            )
        with self.store.locked():
            group = self.load_group(req, spec["security_group_id"])
            normal = self._normalise(req, spec)
            for existing in self.net.rules(group["id"]):
                if all(_same(existing[k], normal.get(k), k) for k in _RULE_IDENTITY):
                    raise _error(
                        409,
                        "SecurityGroupRuleExists",
                        f"Security group rule already exists. Rule id is {existing['id']}.",
                    )
            rule = self.net.new_rule(str(uuid.uuid4()), group, normal)
            self.store.put("security_group_rule", rule["id"], rule)
            _touch(group, self.net.clock())
            self.store.put("security_group", group["id"], group)
        return json_response({"security_group_rule": self.rule_view(rule, group)}, 201)

    def delete_rule(self, req, rule_id):
        with self.store.locked():
            rule = self.load_rule(req, rule_id)
            self.store.delete("security_group_rule", rule_id)
            group = self.store.get("security_group", rule["security_group_id"])
            if group is not None:
                _touch(group, self.net.clock())
                self.store.put("security_group", group["id"], group)
        return json_response(None, 204)

    def _normalise(self, req, spec: dict) -> dict:
        """The rule's attributes after Neutron's validation and conversions."""
        direction = spec.get("direction")
        if direction not in ("ingress", "egress"):
            raise ApiError(
                400,
                f"Invalid input for direction. Reason: {direction!r} is not in "
                "['ingress', 'egress'].",
            )
        ethertype = {"ipv4": "IPv4", "ipv6": "IPv6"}.get(str(spec.get("ethertype", "IPv4")).lower())
        if ethertype is None:
            raise ApiError(
                400,
                f"Invalid input for ethertype. Reason: {spec.get('ethertype')!r} is not in "
                "['IPv4', 'IPv6'].",
            )
        protocol = _protocol(spec.get("protocol"))
        low = _port(spec, "port_range_min")
        high = _port(spec, "port_range_max")
        _check_ports(protocol, low, high)
        prefix = spec.get("remote_ip_prefix")
        remote_group = spec.get("remote_group_id")
        if prefix is not None and remote_group is not None:
            raise _error(
                400,
                "SecurityGroupRemoteGroupAndRemoteIpPrefix",
                "Only remote_ip_prefix or remote_group_id may be provided.",
            )
        if prefix is not None:
            try:
                network = ipaddress.ip_network(str(prefix), strict=False)
            except ValueError:
                raise ApiError(
                    400,
                    f"Invalid input for remote_ip_prefix. Reason: '{prefix}' is not a valid IP "
                    "subnet.",
                ) from None
            if f"IPv{network.version}" != ethertype:
                raise _error(
                    400,
                    "SecurityGroupRuleParameterConflict",
                    f"Conflicting value ethertype {ethertype} for CIDR {prefix}",
                )
            prefix = str(network)
        if remote_group is not None:
            self.load_group(req, remote_group)
        return {
            "security_group_id": spec["security_group_id"],
            "direction": direction,
            "ethertype": ethertype,
            "protocol": protocol,
            "port_range_min": low,
            "port_range_max": high,
            "remote_ip_prefix": prefix,
            "remote_group_id": remote_group,
            "description": spec.get("description") or "",
        }


def _error(status: int, error_type: str, message: str) -> ApiError:
    return NeutronError(status, error_type, message)


def _touch(doc: dict, now: float) -> None:
    doc["updated_at"] = now
    doc["revision_number"] += 1


def _resource(req, root: str, allowed: set[str]) -> dict:
    spec = json_body(req, root)
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise ApiError(400, f"Unrecognized attribute(s) '{', '.join(unknown)}'")
    return spec


def _string(spec: dict, key: str, max_length: int) -> str:
    value = spec.get(key) or ""
    if not isinstance(value, str):
        raise ApiError(400, f"Invalid input for {key}. Reason: '{value}' is not a valid string.")
    if len(value) > max_length:
        raise ApiError(
            400, f"Invalid input for {key}. Reason: '{value}' exceeds maximum length of "
            f"{max_length}.",
        )  # fmt: skip
    return value


def _boolean(spec: dict, key: str) -> bool:
    value = spec[key]
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "false"):
        return str(value).lower() == "true"
    raise ApiError(
        400, f"Invalid input for {key}. Reason: '{value}' cannot be converted to boolean."
    )


def _protocol(value) -> str | None:
    if value is None or value == "any":
        return None
    text = str(value).lower()
    if text in PROTOCOLS or (text.isdigit() and 0 <= int(text) <= 255):
        return text
    names = ", ".join(repr(p) for p in PROTOCOLS)
    raise _error(
        400,
        "SecurityGroupRuleInvalidProtocol",
        f"Security group rule protocol {value} not supported. Only protocol values "
        f"[None, {names}] and integer representations [0 to 255] are supported.",
    )


def _port(spec: dict, key: str) -> int | None:
    value = spec.get(key)
    if value is None:
        return None
    try:
        port = int(value)
    except (TypeError, ValueError):
        port = -1
    if not 0 <= port <= 65535:
        raise _error(400, "SecurityGroupInvalidPortValue", f"Invalid value for port {value}.")
    return port


def _check_ports(protocol: str | None, low: int | None, high: int | None) -> None:
    if low is None and high is None:
        return
    if protocol is None:
        raise _error(
            400,
            "SecurityGroupProtocolRequiredWithPorts",
            "Must also specify protocol if port range is given.",
        )
    if protocol in _PORT_PROTOCOLS:
        if low == 0 or high == 0:
            raise _error(400, "SecurityGroupInvalidPortValue", "Invalid value for port 0.")
        if low is None or high is None or low > high:
            raise _error(
                400,
                "SecurityGroupInvalidPortRange",
                "For TCP/UDP protocols, port_range_min must be <= port_range_max",
            )
    elif protocol in _ICMP_PROTOCOLS:
        for value, field, attr in (
            (low, "type", "port_range_min"),
            (high, "code", "port_range_max"),
        ):
            if value is not None and value > 255:
                raise _error(
                    400,
                    "SecurityGroupInvalidIcmpValue",
                    f"Invalid value for ICMP {field} ({attr}): {value}. It must be 0 to 255.",
                )
        if low is None:
            raise _error(
                400,
                "SecurityGroupMissingIcmpType",
                f"ICMP code (port-range-max) {high} is provided but ICMP type (port-range-min) "
                "is missing.",
            )


def _same(stored, wanted, key: str) -> bool:
    # "Anywhere" written as a prefix is the same rule as no prefix at all.
    if key == "remote_ip_prefix":
        anywhere = (None, "0.0.0.0/0", "::/0")
        return stored == wanted or (stored in anywhere and wanted in anywhere)
    return stored == wanted
