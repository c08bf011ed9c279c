"""AWS::EC2::Instance: a Nova server booted with Heat's cloud-init user data.

The template's UserData (base64, as Fn::Base64 gives it) and the resource's Metadata (for
cfn-init) go into the multipart user data built by heat.engine.userdata. Tags (server
metadata) and InstanceType (a Nova resize, see server_resize) change in place; any other
change replaces the server. Networking comes from Nova's automatic allocation: SubnetId and
NetworkInterfaces are refused rather than ignored.
"""

from __future__ import annotations

from heat.common.exception import NotSupported
from heat.engine import attributes, properties
from heat.engine.findings import format_path
from heat.engine.resource import Resource
from heat.engine.resources import server_resize, servers
from heat.engine.resources.property_schemas import STRINGS, key_value_list

PLAIN_TEXT_WARNING = (
    "UserData is not base64 (CloudFormation requires Fn::Base64); it was used as plain text"
)


class Instance(Resource):
    """An EC2-style server: ImageId and InstanceType name a Glance image and a Nova flavor."""

    type_name = "AWS::EC2::Instance"
    description = "A Nova server configured by cloud-init with Heat's user data."
    properties_schema = {
        "ImageId": properties.Schema(
            properties.STRING, required=True, description="Glance image name or id."
        ),
        "InstanceType": properties.Schema(
            properties.STRING, required=True, update_allowed=True, description="Nova flavor name."
        ),
        "KeyName": properties.Schema(properties.STRING, description="An existing keypair."),
        "AvailabilityZone": properties.Schema(properties.STRING),
        "SecurityGroups": properties.Schema(properties.LIST, item=STRINGS),
        "SecurityGroupIds": properties.Schema(properties.LIST, item=STRINGS),
        "UserData": properties.Schema(
            properties.STRING, description="The user's script, base64 (Fn::Base64)."
        ),
        "Tags": key_value_list("Server metadata, as a list of Key/Value.", update_allowed=True),
        "NovaSchedulerHints": key_value_list("Scheduler hints, as a list of Key/Value."),
        "Volumes": properties.Schema(
            properties.LIST,
            description="Volumes attached once the server is ACTIVE.",
            item=properties.Schema(
                properties.MAP,
                keys={
                    "VolumeId": properties.Schema(properties.STRING, required=True),
                    "Device": properties.Schema(properties.STRING, required=True),
                },
            ),
        ),
        "SubnetId": properties.Schema(properties.STRING, description="Not supported."),
        "NetworkInterfaces": properties.Schema(properties.LIST, description="Not supported."),
    }
    attributes_schema = {
        "PublicIp": attributes.Attribute("The server's first IP address."),
        "PrivateIp": attributes.Attribute("The server's first IP address."),
        "PublicDnsName": attributes.Attribute("The server's first IP address."),
        "PrivateDnsName": attributes.Attribute("The server's first IP address."),
        "AvailabilityZone": attributes.Attribute("The zone Nova placed the server in."),
    }
    # Properties whose values name cloud objects, checked at validation (cloud_checks).
    cloud_properties = {
        "ImageId": "image",
        "InstanceType": "flavor",
        "KeyName": "keypair",
        "AvailabilityZone": "availability_zone",
        "SecurityGroups": "security_group",
        "SecurityGroupIds": "security_group",
    }

    def _refuse_networking(self) -> None:
        for name in ("SubnetId", "NetworkInterfaces"):
            if self.properties[name]:
                where = format_path((*self.properties.path, name))
                raise NotSupported(
                    f"{where}: not supported: servers get their network from Nova's automatic "
                    "allocation; remove the property"
                )

    def handle_create(self):
        self._refuse_networking()
        props = self.properties
        built = servers.cfntools_userdata(self.context, props["UserData"], self.metadata)
        if built.plain_text_user_data:
            self.warn(PLAIN_TEXT_WARNING)
        tags_path = format_path((*props.path, "Tags"))
        groups = (props["SecurityGroups"] or []) + (props["SecurityGroupIds"] or [])
        request = servers.ServerRequest(
            image=props["ImageId"],
            flavor=props["InstanceType"],
            key_name=props["KeyName"],
            availability_zone=props["AvailabilityZone"],
            security_groups=tuple(groups),
            metadata=servers.check_metadata(servers.key_value_pairs(props["Tags"]), tags_path),
            scheduler_hints=servers.key_value_pairs(props["NovaSchedulerHints"]),
            user_data=built.mime,
            volumes=tuple((v["VolumeId"], v["Device"]) for v in props["Volumes"] or ()),
        )
        name = servers.server_name(self.context.stack_name, self.name)
        return servers.start_create(self, name, request)

    def check_create_complete(self, token) -> bool:
        return servers.create_complete(self, token)

    def handle_update(self, new_properties, changed):
        if "Tags" in changed:
            where = format_path((*new_properties.path, "Tags"))
            servers.update_metadata(
                self,
                servers.key_value_pairs(self.properties["Tags"]),
                servers.check_metadata(servers.key_value_pairs(new_properties["Tags"]), where),
            )
        resizing = None
        if "InstanceType" in changed:
            resizing = server_resize.start_resize(self, new_properties["InstanceType"])
        self.properties = new_properties
        return resizing

    def check_update_complete(self, token) -> bool:
        return server_resize.resize_complete(self, token)

    def handle_delete(self):
        return servers.start_delete(self)

    def check_delete_complete(self, token) -> bool:
        return servers.delete_complete(self, token)

    def resolve_attribute(self, name):
        if name == "AvailabilityZone":
            # Asked of Nova when wanted: rarely used, so not fetched for every server.
            return servers.show(self).get(servers.ZONE_KEY) if self.physical_id else None
        return servers.first_address(self)


RESOURCE_TYPES = (Instance,)
