"""Neutron floating IPs: allocate from the `public` network, associate with a server's port
(and fixed IP), disassociate, release.

Every project reaches `public` through one modelled router (devstack's `router1`, not
served), so any private port can take a floating IP. A floating IP whose port went away with
its server reads as disassociated; Nova shows associated ones in the server's addresses.
"""

from __future__ import annotations

import ipaddress
import uuid

from heat.api.wsgi import json_response
from heat.localcloud import networking
from heat.localcloud.neutron_common import NeutronError, filtered, timestamps
from heat.localcloud.routing import ApiError, json_body

ROUTER_ID = networking.stable_id("router", "router1")
_CREATE_FIELDS = {
    "floating_network_id",
    "floating_ip_address",
    "port_id",
    "fixed_ip_address",
    "subnet_id",
    "description",
    "dns_domain",
    "dns_name",
    "tenant_id",
    "project_id",
}
_UPDATE_FIELDS = {"port_id", "fixed_ip_address", "description"}


class FloatingIps:
    """The /v2.0/floatingips routes of `neutron`."""

    def __init__(self, neutron):
        self.neutron = neutron
        self.net = neutron.networking
        self.store = neutron.networking.store
        r = neutron.router
        r.add("GET", "/v2.0/floatingips", self.list)
        r.add("POST", "/v2.0/floatingips", self.create)
        r.add("GET", "/v2.0/floatingips/{fip_id}", self.show)
        r.add("PUT", "/v2.0/floatingips/{fip_id}", self.update)
        r.add("DELETE", "/v2.0/floatingips/{fip_id}", self.delete)

    def view(self, fip: dict) -> dict:
        port = self.net.port(fip["port_id"]) if fip["port_id"] else None
        details = None
        if port is not None:
            details = {
                "name": "",
                "network_id": networking.PRIVATE_NETWORK_ID,
                "mac_address": port["server"]["mac"],
                "admin_state_up": True,
                "status": port["status"],
                "device_id": port["server"]["id"],
                "device_owner": f"compute:{port['server']['availability_zone']}",
            }
        return {
            "id": fip["id"],
            "floating_ip_address": fip["floating_ip_address"],
            "floating_network_id": networking.PUBLIC_NETWORK_ID,
            "router_id": ROUTER_ID if port is not None else None,
            "port_id": fip["port_id"] if port is not None else None,
            "fixed_ip_address": fip["fixed_ip_address"] if port is not None else None,
            "status": "ACTIVE" if port is not None else "DOWN",
            "port_details": details,
            "port_forwardings": [],
            "description": fip["description"],
            "dns_domain": "",
            "dns_name": "",
            "qos_policy_id": None,
            "tenant_id": fip["project_id"],
            "project_id": fip["project_id"],
            **timestamps(fip),
        }

    def load(self, req, fip_id: str) -> dict:
        for fip in self.net.floating_ips():
            if fip["id"] == fip_id and self.neutron.visible(req, fip["project_id"]):
                return fip
        raise NeutronError(404, "FloatingIPNotFound", f"Floating IP {fip_id} could not be found")

    def list(self, req):
        views = [
            self.view(f)
            for f in self.net.floating_ips()
            if self.neutron.visible(req, f["project_id"])
        ]
        return json_response({"floatingips": filtered(req, views)})

    def show(self, req, fip_id):
        return json_response({"floatingip": self.view(self.load(req, fip_id))})

    def create(self, req):
        spec = _spec(req, _CREATE_FIELDS)
        network_id = spec.get("floating_network_id")
        if not network_id:
            raise ApiError(
                400,
                "Failed to parse request. Required attribute 'floating_network_id' not specified",
            )
        network = self.net.network(network_id)
        if network is None:
            raise NeutronError(404, "NetworkNotFound", f"Network {network_id} could not be found.")
        if not network["external"]:
            raise NeutronError(
                400,
                "BadRequest",
                f"Bad floatingip request: Network {network_id} is not a valid external network.",
            )
        now = self.net.clock()
        with self.store.locked():
            address = self._address(spec.get("floating_ip_address"))
            fip = {
                "id": str(uuid.uuid4()),
                "project_id": self.neutron.project_of(req),
                "floating_ip_address": address,
                "port_id": None,
                "fixed_ip_address": None,
                "description": spec.get("description") or "",
                "created_at": now,
                "updated_at": now,
                "revision_number": 0,
            }
            if spec.get("port_id") or spec.get("fixed_ip_address"):
                self._associate(req, fip, spec.get("port_id"), spec.get("fixed_ip_address"))
            self.store.put("floating_ip", fip["id"], fip)
        return json_response({"floatingip": self.view(fip)}, 201)

    def _address(self, wanted) -> str:
        if wanted is None:
            try:
                return self.net.allocate_address()
            except LookupError as exc:
                raise NeutronError(409, "IpAddressGenerationFailure", str(exc)) from None
        try:
            inside = ipaddress.ip_address(str(wanted)) in self.net.floating_range
        except ValueError:
            inside = False
        if not inside:
            raise NeutronError(
                400,
                "InvalidIpForNetwork",
                f"IP address {wanted} is not a valid IP for any of the subnets on the specified "
                "network.",
            )
        if any(f["floating_ip_address"] == wanted for f in self.store.list("floating_ip")):
            raise NeutronError(
                409,
                "IpAddressAlreadyAllocated",
                f"IP address {wanted} already allocated in subnet {networking.PUBLIC_SUBNET_ID}",
            )
        return str(wanted)

    def update(self, req, fip_id):
        spec = _spec(req, _UPDATE_FIELDS)
        with self.store.locked():
            fip = self.load(req, fip_id)
            if "port_id" in spec or "fixed_ip_address" in spec:
                self._associate(req, fip, spec.get("port_id"), spec.get("fixed_ip_address"))
            if "description" in spec:
                fip["description"] = spec["description"] or ""
            fip["updated_at"] = self.net.clock()
            fip["revision_number"] += 1
            self.store.put("floating_ip", fip_id, fip)
        return json_response({"floatingip": self.view(fip)})

    def _associate(self, req, fip: dict, port_id, fixed_ip) -> None:
        """Point `fip` at a port (None: disassociate), checking what Neutron checks."""
        if port_id is None:
            if fixed_ip is not None:
                raise NeutronError(
                    400, "BadRequest", "fixed_ip_address cannot be specified without a port_id"
                )
            fip["port_id"] = fip["fixed_ip_address"] = None
            return
        port = self.net.port(port_id)
        if port is None or not self.neutron.visible(req, port["server"]["project_id"]):
            raise NeutronError(404, "PortNotFound", f"Port {port_id} could not be found.")
        if fixed_ip is not None and fixed_ip != port["fixed_ip"]:
            raise NeutronError(
                400,
                "BadRequest",
                f"Bad floatingip request: Port {port_id} does not have fixed ip {fixed_ip}.",
            )
        fixed_ip = port["fixed_ip"]
        for other in self.net.floating_ips():
            if other["id"] != fip["id"] and other["port_id"] == port_id:
                raise NeutronError(
                    409,
                    "FloatingIPPortAlreadyAssociated",
                    f"Cannot associate floating IP {fip['floating_ip_address']} ({fip['id']}) "
                    f"with port {port_id} using fixed IP {fixed_ip}, as that fixed IP already "
                    f"has a floating IP on external network {networking.PUBLIC_NETWORK_ID}.",
                )
        fip["port_id"] = port_id
        fip["fixed_ip_address"] = fixed_ip

    def delete(self, req, fip_id):
        self.load(req, fip_id)
        self.store.delete("floating_ip", fip_id)
        return json_response(None, 204)


def _spec(req, allowed: set[str]) -> dict:
    spec = json_body(req, "floatingip")
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise ApiError(400, f"Unrecognized attribute(s) '{', '.join(unknown)}'")
    return spec
