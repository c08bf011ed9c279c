"""AWS::EC2::EIP and AWS::EC2::EIPAssociation: Neutron floating IPs on the `public` network.

An EIP's physical id is the floating IP's Neutron id (its AllocationId) and its Ref the
address, as CloudFormation gives it. An association points a floating IP at a server's
port; deleting it lets go of the address only if it still points where the association put
it, so an address moved elsewhere since is left alone.
"""

from __future__ import annotations

from heat.common.exception import InvalidInput, NotSupported
from heat.engine import attributes, properties
from heat.engine.clients.errors import CloudNotFound
from heat.engine.findings import format_path
from heat.engine.resource import Resource

# Floating IPs come from the external network of this name.
PUBLIC_NETWORK = "public"


def _neutron(plugin):
    return plugin.context.clients.neutron()


def _associate(plugin, fip_id: str, server_id: str) -> None:
    """Point the floating IP at the server; remember the port for the undo."""
    fip = _neutron(plugin).associate_floating_ip_with_server(fip_id, server_id)
    plugin.data["port_id"] = fip.port_id
    plugin.data["server_id"] = server_id


def _disassociate(plugin, fip_id: str) -> None:
    """Undo _associate if the floating IP still points at the port it set; gone is done."""
    port_id = plugin.data.pop("port_id", None)
    plugin.data.pop("server_id", None)
    if port_id is None:
        return
    neutron = _neutron(plugin)
    try:
        if neutron.get_floating_ip(fip_id).port_id == port_id:
            neutron.disassociate_floating_ip(fip_id)
    except CloudNotFound:
        pass


class ElasticIp(Resource):
    """A floating IP, optionally associated with a server of the stack."""

    type_name = "AWS::EC2::EIP"
    description = "A Neutron floating IP; Ref is the address."
    properties_schema = {
        "InstanceId": properties.Schema(
            properties.STRING,
            update_allowed=True,
            description="The server the address points at.",
        ),
        "Domain": properties.Schema(
            properties.STRING,
            allowed_values=("vpc", "standard"),
            description="Accepted for compatibility; every address comes from Neutron.",
        ),
    }
    attributes_schema = {
        "AllocationId": attributes.Attribute("The Neutron id of the floating IP."),
        "PublicIp": attributes.Attribute("The address."),
    }
    cloud_properties = {"InstanceId": "server"}

    def reference_id(self):
        return self.data.get("address") or self.name

    def resolve_attribute(self, name):
        return self.physical_id if name == "AllocationId" else self.data.get("address")

    def handle_create(self):
        fip = _neutron(self).allocate_floating_ip(PUBLIC_NETWORK)
        self.physical_id = fip.id
        self.data["address"] = fip.address
        if self.properties["InstanceId"]:
            _associate(self, fip.id, self.properties["InstanceId"])
        return None

    def handle_update(self, new_properties, changed):
        if "InstanceId" in changed:
            _disassociate(self, self.physical_id)
            if new_properties["InstanceId"]:
                _associate(self, self.physical_id, new_properties["InstanceId"])
        self.properties = new_properties
        return None

    def handle_delete(self):
        # Releasing also ends any association.
        if self.physical_id is not None:
            _neutron(self).release_floating_ip(self.physical_id)
        return None


class ElasticIpAssociation(Resource):
    """Points a floating IP (by address or AllocationId) at a server."""

    type_name = "AWS::EC2::EIPAssociation"
    description = "Associates a floating IP with a server."
    properties_schema = {
        "InstanceId": properties.Schema(
            properties.STRING, required=True, update_allowed=True, description="The server."
        ),
        "EIP": properties.Schema(
            properties.STRING, update_allowed=True, description="The address (an EIP's Ref)."
        ),
        "AllocationId": properties.Schema(
            properties.STRING, update_allowed=True, description="The floating IP's Neutron id."
        ),
        "NetworkInterfaceId": properties.Schema(properties.STRING, description="Not supported."),
        "PrivateIpAddress": properties.Schema(properties.STRING, description="Not supported."),
    }
    cloud_properties = {"InstanceId": "server"}

    def _floating_ip_id(self, props) -> str:
        where = format_path(props.path)
        for name in ("NetworkInterfaceId", "PrivateIpAddress"):
            if props[name]:
                raise NotSupported(
                    f"{where}.{name}: not supported: the address goes to the server's first "
                    "port; remove the property"
                )
        if bool(props["EIP"]) == bool(props["AllocationId"]):
            raise InvalidInput(f"{where}: give exactly one of EIP and AllocationId")
        neutron = _neutron(self)
        if props["AllocationId"]:
            return neutron.get_floating_ip(props["AllocationId"]).id
        return neutron.find_floating_ip(props["EIP"]).id

    def handle_create(self):
        fip_id = self._floating_ip_id(self.properties)
        self.physical_id = fip_id
        _associate(self, fip_id, self.properties["InstanceId"])
        return None

    def handle_update(self, new_properties, changed):
        fip_id = self._floating_ip_id(new_properties)
        _disassociate(self, self.physical_id)
        self.physical_id = fip_id
        _associate(self, fip_id, new_properties["InstanceId"])
        self.properties = new_properties
        return None

    def handle_delete(self):
        if self.physical_id is not None:
            _disassociate(self, self.physical_id)
        return None


RESOURCE_TYPES = (ElasticIp, ElasticIpAssociation)
