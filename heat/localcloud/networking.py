"""localcloud's network model, shared by Neutron (which serves it) and Nova (which checks
security groups and shows floating IPs).

Two fixed networks exist: `private` (shared, 10.0.0.0/24, where Nova puts every server's
fixed IP) and `public` (external, the floating range). Ports are not stored: each server
that has a fixed IP has exactly one port, derived from its document, so Neutron and Nova
can never disagree. Security groups, their rules and floating IPs are stored documents.
"""

from __future__ import annotations

import ipaddress
import uuid

from heat.localcloud import lifecycle
from heat.localcloud.store import Store

_NAMESPACE = uuid.UUID("5f0d1e9a-3c4b-4e8f-9a71-6e6574776f72")
PUBLIC = "public"
DEFAULT_GROUP = "default"
# Seeded networks look the same after every restart.
SEEDED_AT = 1357002000.0


def stable_id(*parts: str) -> str:
    """A UUID derived from `parts`: the same on every start."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


PRIVATE_NETWORK_ID = stable_id("network", lifecycle.NETWORK)
PRIVATE_SUBNET_ID = stable_id("subnet", lifecycle.NETWORK)
PUBLIC_NETWORK_ID = stable_id("network", PUBLIC)
PUBLIC_SUBNET_ID = stable_id("subnet", PUBLIC)


def port_id_for(server_id: str) -> str:
    """The id of a server's (only) port."""
    return stable_id("port", server_id)


class Networking:
    """Networks, ports, security groups and floating IPs over the store.

    `clock` gives "now" (Nova's clock, so tests can move time for both services);
    `floating_range` is the public network's CIDR.
    """

    def __init__(self, store: Store, clock, floating_range: str, admin_project_id: str):
        self.store = store
        self.clock = clock
        self.floating_range = ipaddress.ip_network(floating_range)
        self.admin_project_id = admin_project_id

    # -- networks and subnets ---------------------------------------------------------------

    def networks(self) -> list[dict]:
        private = {
            "id": PRIVATE_NETWORK_ID,
            "name": lifecycle.NETWORK,
            "subnet_id": PRIVATE_SUBNET_ID,
            "cidr": str(lifecycle.SUBNET),
            "external": False,
            "shared": True,
        }
        public = {
            "id": PUBLIC_NETWORK_ID,
            "name": PUBLIC,
            "subnet_id": PUBLIC_SUBNET_ID,
            "cidr": str(self.floating_range),
            "external": True,
            "shared": False,
        }
        return [private, public]

    def network(self, network_id: str) -> dict | None:
        return next((n for n in self.networks() if n["id"] == network_id), None)

    # -- ports ------------------------------------------------------------------------------

    def ports(self) -> list[dict]:
        """The port of every server that has a fixed IP now, oldest server first."""
        now = self.clock()
        found = []
        for server in self.store.list("server"):
            state = lifecycle.state_of(server, now)
            if state is None or (state.status == "ERROR" and not state.launched):
                continue
            found.append(
                {
                    "id": port_id_for(server["id"]),
                    "server": server,
                    "status": "ACTIVE" if state.status == "ACTIVE" else "DOWN",
                    "fixed_ip": server["fixed_ip"],
                }
            )
        return found

    def port(self, port_id: str) -> dict | None:
        return next((p for p in self.ports() if p["id"] == port_id), None)

    # -- security groups --------------------------------------------------------------------

    def ensure_default_group(self, project_id: str) -> dict:
        """The project's `default` group, created with Neutron's default rules on first use."""
        group_id = stable_id("security_group", project_id, DEFAULT_GROUP)
        group = self.store.get("security_group", group_id)
        if group is not None:
            return group
        with self.store.locked():
            group = self.store.get("security_group", group_id)
            if group is not None:
                return group
            group = self.new_group(group_id, project_id, DEFAULT_GROUP, "Default security group")
            self.store.put("security_group", group_id, group)
            for ethertype in ("IPv4", "IPv6"):
                for direction, remote in (("ingress", group_id), ("egress", None)):
                    rule = self.new_rule(
                        stable_id("security_group_rule", group_id, direction, ethertype),
                        group,
                        {"direction": direction, "ethertype": ethertype, "remote_group_id": remote},
                    )
                    self.store.put("security_group_rule", rule["id"], rule)
        return group

    def new_group(self, group_id: str, project_id: str, name: str, description: str) -> dict:
        now = self.clock()
        return {
            "id": group_id,
            "project_id": project_id,
            "name": name,
            "description": description,
            "stateful": True,
            "created_at": now,
            "updated_at": now,
            "revision_number": 1,
        }

    def new_rule(self, rule_id: str, group: dict, spec: dict) -> dict:
        now = self.clock()
        rule = {
            "id": rule_id,
            "security_group_id": group["id"],
            "project_id": group["project_id"],
            "direction": spec["direction"],
            "ethertype": spec.get("ethertype", "IPv4"),
            "protocol": spec.get("protocol"),
            "port_range_min": spec.get("port_range_min"),
            "port_range_max": spec.get("port_range_max"),
            "remote_ip_prefix": spec.get("remote_ip_prefix"),
            "remote_group_id": spec.get("remote_group_id"),
            "description": spec.get("description") or "",
            "created_at": now,
            "updated_at": now,
            "revision_number": 0,
        }
        return rule

    def groups(self, project_id: str | None) -> list[dict]:
        """The security groups of a project (None: of every project)."""
        groups = self.store.list("security_group")
        return [g for g in groups if project_id is None or g["project_id"] == project_id]

    def rules(self, group_id: str | None = None) -> list[dict]:
        rules = self.store.list("security_group_rule")
        return [r for r in rules if group_id is None or r["security_group_id"] == group_id]

    def find_groups(self, project_id: str, name_or_id: str) -> list[dict]:
        """The project's groups with this id, else those with this name (as Nova resolves)."""
        self.ensure_default_group(project_id)
        groups = self.groups(project_id)
        by_id = [g for g in groups if g["id"] == name_or_id]
        return by_id or [g for g in groups if g["name"] == name_or_id]

    def group_ids(self, project_id: str, names: list[str]) -> list[str]:
        """Ids of the project's groups named (or identified) by `names`; unknown ones skipped."""
        ids = []
        for name in names:
            ids += [g["id"] for g in self.find_groups(project_id, name)[:1]]
        return ids

    def users_of_group(self, group: dict) -> list[str]:
        """Ids of the live servers that are members of `group`."""
        return [
            p["server"]["id"]
            for p in self.ports()
            if p["server"]["project_id"] == group["project_id"]
            and group["name"] in p["server"]["security_groups"]
        ]

    def rename_group_members(self, group: dict, new_name: str) -> None:
        """Servers name their groups (as Nova shows them); keep them members after a rename."""
        for server in self.store.list("server"):
            if (
                server["project_id"] == group["project_id"]
                and group["name"] in server["security_groups"]
            ):
                server["security_groups"] = [
                    new_name if n == group["name"] else n for n in server["security_groups"]
                ]
                self.store.put("server", server["id"], server)

    # -- floating IPs -----------------------------------------------------------------------

    def floating_ips(self) -> list[dict]:
        """Every floating IP, with its association dropped where the port has gone."""
        live_ports = {p["id"] for p in self.ports()}
        found = []
        for fip in self.store.list("floating_ip"):
            if fip["port_id"] is not None and fip["port_id"] not in live_ports:
                fip = dict(fip, port_id=None, fixed_ip_address=None)
            found.append(fip)
        return found

    def floating_ips_of_server(self, server_id: str) -> list[str]:
        """The floating addresses associated with a live server's port, in allocation order."""
        # The caller shows a live server, so its port is live: no need to derive every port.
        port_id = port_id_for(server_id)
        fips = self.store.list("floating_ip")
        return [f["floating_ip_address"] for f in fips if f["port_id"] == port_id]

    def allocate_address(self) -> str:
        """The lowest free address of the floating range; LookupError if none is left."""
        used = {f["floating_ip_address"] for f in self.store.list("floating_ip")}
        # .1 is the (modelled, not shown) router's gateway, as on devstack's public network.
        for host in list(self.floating_range.hosts())[1:]:
            if str(host) not in used:
                return str(host)
        raise LookupError(f"No more IP addresses available on network {PUBLIC_NETWORK_ID}.")
