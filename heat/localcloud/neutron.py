"""A Neutron v2.0 networking API subset: versions, networks, subnets and ports here; security
groups and floating IPs in the neutron_* modules it assembles.

Mounted at /network (catalog type `network`). The app authenticates every request below
/network/v2.0 and leaves the token in `environ["localcloud.token"]`. Lists take Neutron's
filters (any attribute, repeatable) and `fields`; errors are `{"NeutronError": ...}`.
"""

from __future__ import annotations

import ipaddress

import webob

from heat.api.wsgi import json_response
from heat.localcloud.networking import PRIVATE_NETWORK_ID, PRIVATE_SUBNET_ID, SEEDED_AT, Networking
from heat.localcloud.neutron_common import ERROR_TYPES, NeutronError, filtered
from heat.localcloud.neutron_floating_ips import FloatingIps
from heat.localcloud.neutron_security_groups import SecurityGroups
from heat.localcloud.routing import ApiError, Service
from heat.localcloud.timeutil import iso_seconds


class Neutron(Service):
    """The networking WSGI service."""

    def __init__(self, networking: Networking, identity):
        super().__init__()
        self.networking = networking
        self.identity = identity
        r = self.router
        r.add("GET", "/v2.0/networks", self.list_networks)
        r.add("GET", "/v2.0/networks/{network_id}", self.show_network)
        r.add("GET", "/v2.0/subnets", self.list_subnets)
        r.add("GET", "/v2.0/subnets/{subnet_id}", self.show_subnet)
        r.add("GET", "/v2.0/ports", self.list_ports)
        r.add("GET", "/v2.0/ports/{port_id}", self.show_port)
        self.security_groups = SecurityGroups(self)
        self.floating_ips = FloatingIps(self)

    # -- plumbing ---------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        req = webob.Request(environ)
        if req.path_info in ("", "/"):
            return self.versions(req)(environ, start_response)
        if req.path_info in ("/v2.0", "/v2.0/"):
            return self.resources(req)(environ, start_response)
        return super().__call__(environ, start_response)

    def handle(self, req, handler, params):
        token = req.environ["localcloud.token"]
        # Neutron gives a project its default security group on the project's first request.
        self.networking.ensure_default_group(token["project_id"])
        return handler(req, **params)

    def error_response(self, req, exc: ApiError):
        error_type = getattr(exc, "error_type", None) or ERROR_TYPES.get(exc.status, "HTTPError")
        body = {"NeutronError": {"type": error_type, "message": exc.message, "detail": ""}}
        return json_response(body, exc.status)

    def project_of(self, req) -> str:
        return req.environ["localcloud.token"]["project_id"]

    def is_admin(self, req) -> bool:
        return self.identity.is_admin(req.environ["localcloud.token"])

    def visible(self, req, project_id: str) -> bool:
        """Whether the caller sees a thing owned by `project_id` (admins see everything)."""
        return project_id == self.project_of(req) or self.is_admin(req)

    # -- versions ---------------------------------------------------------------------------

    def versions(self, req):
        link = {"href": f"{req.application_url}/v2.0/", "rel": "self"}
        return json_response({"versions": [{"id": "v2.0", "status": "CURRENT", "links": [link]}]})

    def resources(self, req):
        base = req.application_url
        names = [
            ("network", "networks"),
            ("subnet", "subnets"),
            ("port", "ports"),
            ("security_group", "security-groups"),
            ("security_group_rule", "security-group-rules"),
            ("floatingip", "floatingips"),
        ]
        resources = [
            {
                "name": singular,
                "collection": plural,
                "links": [{"href": f"{base}/v2.0/{plural}", "rel": "self"}],
            }
            for singular, plural in names
        ]
        return json_response({"resources": resources})

    # -- networks and subnets ---------------------------------------------------------------

    def network_view(self, network: dict) -> dict:
        owner = self.networking.admin_project_id
        return {
            "id": network["id"],
            "name": network["name"],
            "status": "ACTIVE",
            "admin_state_up": True,
            "shared": network["shared"],
            "router:external": network["external"],
            "subnets": [network["subnet_id"]],
            "tenant_id": owner,
            "project_id": owner,
            "mtu": 1450,
            "description": "",
            "availability_zones": ["nova"],
            "availability_zone_hints": [],
            "ipv4_address_scope": None,
            "ipv6_address_scope": None,
            "is_default": network["external"],
            "port_security_enabled": True,
            "provider:network_type": "flat" if network["external"] else "geneve",
            "provider:physical_network": "public" if network["external"] else None,
            "provider:segmentation_id": None if network["external"] else 1,
            "qos_policy_id": None,
            "dns_domain": "",
            "l2_adjacency": True,
            "created_at": iso_seconds(SEEDED_AT),
            "updated_at": iso_seconds(SEEDED_AT),
            "revision_number": 1,
            "tags": [],
        }

    def subnet_view(self, network: dict) -> dict:
        owner = self.networking.admin_project_id
        hosts = list(ipaddress.ip_network(network["cidr"]).hosts())
        # The gateway (router) is .1; the private network's DHCP server holds .2.
        return {
            "id": network["subnet_id"],
            "name": f"{network['name']}-subnet",
            "network_id": network["id"],
            "cidr": network["cidr"],
            "ip_version": 4,
            "gateway_ip": str(hosts[0]),
            "allocation_pools": [{"start": str(hosts[1]), "end": str(hosts[-1])}],
            "enable_dhcp": not network["external"],
            "dns_nameservers": [],
            "host_routes": [],
            "ipv6_address_mode": None,
            "ipv6_ra_mode": None,
            "subnetpool_id": None,
            "segment_id": None,
            "service_types": [],
            "description": "",
            "dns_publish_fixed_ip": False,
            "tenant_id": owner,
            "project_id": owner,
            "created_at": iso_seconds(SEEDED_AT),
            "updated_at": iso_seconds(SEEDED_AT),
            "revision_number": 0,
            "tags": [],
        }

    def list_networks(self, req):
        views = [self.network_view(n) for n in self.networking.networks()]
        return json_response({"networks": filtered(req, views)})

    def show_network(self, req, network_id):
        network = self.networking.network(network_id)
        if network is None:
            raise NeutronError(404, "NetworkNotFound", f"Network {network_id} could not be found.")
        return json_response({"network": self.network_view(network)})

    def list_subnets(self, req):
        views = [self.subnet_view(n) for n in self.networking.networks()]
        return json_response({"subnets": filtered(req, views)})

    def show_subnet(self, req, subnet_id):
        for network in self.networking.networks():
            if network["subnet_id"] == subnet_id:
                return json_response({"subnet": self.subnet_view(network)})
        raise NeutronError(404, "SubnetNotFound", f"Subnet {subnet_id} could not be found.")

    # -- ports ------------------------------------------------------------------------------

    def port_view(self, port: dict) -> dict:
        server = port["server"]
        project = server["project_id"]
        return {
            "id": port["id"],
            "name": "",
            "network_id": PRIVATE_NETWORK_ID,
            "mac_address": server["mac"],
            "fixed_ips": [{"subnet_id": PRIVATE_SUBNET_ID, "ip_address": port["fixed_ip"]}],
            "device_id": server["id"],
            "device_owner": f"compute:{server['availability_zone']}",
            "status": port["status"],
            "admin_state_up": True,
            "security_groups": self.networking.group_ids(project, server["security_groups"]),
            "port_security_enabled": True,
            "allowed_address_pairs": [],
            "extra_dhcp_opts": [],
            "binding:host_id": "localcloud",
            "binding:vif_type": "ovs",
            "binding:vnic_type": "normal",
            "binding:profile": {},
            "binding:vif_details": {},
            "dns_name": "",
            "dns_assignment": [],
            "description": "",
            "qos_policy_id": None,
            "qos_network_policy_id": None,
            "propagate_uplink_status": False,
            "tenant_id": project,
            "project_id": project,
            "created_at": iso_seconds(server["created_at"]),
            "updated_at": iso_seconds(server["updated_at"]),
            "revision_number": 1,
            "tags": [],
        }

    def list_ports(self, req):
        ports = [
            self.port_view(p)
            for p in self.networking.ports()
            if self.visible(req, p["server"]["project_id"])
        ]
        return json_response({"ports": filtered(req, ports)})

    def show_port(self, req, port_id):
        port = self.networking.port(port_id)
        if port is None or not self.visible(req, port["server"]["project_id"]):
            raise NeutronError(404, "PortNotFound", f"Port {port_id} could not be found.")
        return json_response({"port": self.port_view(port)})
