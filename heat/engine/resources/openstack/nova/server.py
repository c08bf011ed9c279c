"""OS::Nova::Server: a Nova server, with Heat's cloud-init user data unless told RAW.

With user_data_format HEAT_CFNTOOLS (the default) the plain-text user_data and the
resource's Metadata are wrapped in the multipart user data heat-cfntools expect; with RAW
Nova gets user_data exactly as written. metadata and name change in place, and so does
flavor (a Nova resize, see server_resize); image and user data changes replace the server.
"""

from __future__ import annotations

from heat.engine import attributes, properties
from heat.engine.findings import format_path
from heat.engine.resource import Resource
from heat.engine.resources import server_resize, servers

HEAT_CFNTOOLS, RAW = "HEAT_CFNTOOLS", "RAW"


class Server(Resource):
    """A server; `name` defaults to `<stack>-<resource>-<random>`."""

    type_name = "OS::Nova::Server"
    description = "A Nova server."
    properties_schema = {
        "name": properties.Schema(
            properties.STRING, update_allowed=True, max=255, description="Server name."
        ),
        "image": properties.Schema(
            properties.STRING, required=True, description="Glance image name or id."
        ),
        "flavor": properties.Schema(
            properties.STRING,
            required=True,
            update_allowed=True,
            description="Nova flavor name or id; a change resizes the server.",
        ),
        "key_name": properties.Schema(properties.STRING, description="An existing keypair."),
        "availability_zone": properties.Schema(properties.STRING),
        "security_groups": properties.Schema(
            properties.LIST, item=properties.Schema(properties.STRING)
        ),
        "user_data": properties.Schema(properties.STRING, default="", description="Plain text."),
        "user_data_format": properties.Schema(
            properties.STRING, default=HEAT_CFNTOOLS, allowed_values=(HEAT_CFNTOOLS, RAW)
        ),
        "metadata": properties.Schema(
            properties.MAP, update_allowed=True, description="Server metadata (text values)."
        ),
        "scheduler_hints": properties.Schema(properties.MAP),
    }
    attributes_schema = {
        "first_address": attributes.Attribute("The first IP address of the server."),
        "networks": attributes.Attribute("Network name -> the server's IP addresses on it."),
        "accessIPv4": attributes.Attribute("The server's access IPv4 address."),
        "name": attributes.Attribute("The server's name."),
        "show": attributes.Attribute("The server as Nova shows it (without user data)."),
    }
    cloud_properties = {
        "image": "image",
        "flavor": "flavor",
        "key_name": "keypair",
        "availability_zone": "availability_zone",
        "security_groups": "security_group",
    }

    def _metadata(self, props) -> dict[str, str]:
        where = format_path((*props.path, "metadata"))
        return servers.check_metadata(props["metadata"] or {}, where)

    def handle_create(self):
        props = self.properties
        if props["user_data_format"] == RAW:
            user_data = props["user_data"]
        else:
            built = servers.cfntools_userdata(
                self.context, servers.plain_text(props["user_data"]), self.metadata
            )
            user_data = built.mime
        request = servers.ServerRequest(
            image=props["image"],
            flavor=props["flavor"],
            key_name=props["key_name"],
            availability_zone=props["availability_zone"],
            security_groups=tuple(props["security_groups"] or ()),
            metadata=self._metadata(props),
            scheduler_hints=props["scheduler_hints"] or {},
            user_data=user_data or None,
        )
        name = props["name"] or servers.server_name(self.context.stack_name, self.name)
        return servers.start_create(self, name, request)

    def check_create_complete(self, token) -> bool:
        return servers.create_complete(self, token)

    def handle_update(self, new_properties, changed):
        if "metadata" in changed:
            servers.update_metadata(
                self, self._metadata(self.properties), self._metadata(new_properties)
            )
        if "name" in changed:
            name = new_properties["name"] or servers.server_name(self.context.stack_name, self.name)
            servers.rename(self, name)
        resizing = None
        if "flavor" in changed:
            resizing = server_resize.start_resize(self, new_properties["flavor"])
        self.properties = new_properties
        return resizing

    def check_update_complete(self, token) -> bool:
        return server_resize.resize_complete(self, token)

    def handle_delete(self):
        return servers.start_delete(self)

    def check_delete_complete(self, token) -> bool:
        return servers.delete_complete(self, token)

    def resolve_attribute(self, name):
        if name == "first_address":
            return servers.first_address(self)
        if name in ("name", "networks"):
            return self.data.get("server", {}).get(name)
        # show and accessIPv4 are asked of Nova when wanted.
        if self.physical_id is None:
            return None
        shown = servers.show(self)
        return shown if name == "show" else shown.get(name)


RESOURCE_TYPES = (Server,)
