"""AWS::AutoScaling::LaunchConfiguration: how a group's members are made; no cloud object.

The resource keeps the member definition (the AWS::EC2::Instance properties, and its own
Metadata for cfn-init in the members) in its data for the groups that name it. Its Ref is
a unique name, so replacing the configuration (any property change) changes the groups'
LaunchConfigurationName, and they roll their members onto the new one.
"""

from __future__ import annotations

from heat.common.exception import NotSupported
from heat.engine import properties
from heat.engine.findings import format_path
from heat.engine.resource import Resource
from heat.engine.resources import servers
from heat.engine.resources.aws.ec2.instance import _key_value_list

_STRINGS = properties.Schema(properties.STRING)

# Launch configuration property -> the member instance's property.
MEMBER_PROPERTIES = (
    "ImageId",
    "InstanceType",
    "KeyName",
    "SecurityGroups",
    "UserData",
    "NovaSchedulerHints",
)


class LaunchConfiguration(Resource):
    """The definition of a group member: image, flavor, key, groups, user data, metadata."""

    type_name = "AWS::AutoScaling::LaunchConfiguration"
    description = "The instance definition of an auto scaling group's members."
    properties_schema = {
        "ImageId": properties.Schema(
            properties.STRING, required=True, description="Glance image name or id."
        ),
        "InstanceType": properties.Schema(
            properties.STRING, required=True, description="Nova flavor name."
        ),
        "KeyName": properties.Schema(properties.STRING, description="An existing keypair."),
        "SecurityGroups": properties.Schema(properties.LIST, item=_STRINGS),
        "UserData": properties.Schema(
            properties.STRING, description="The user's script, base64 (Fn::Base64)."
        ),
        "NovaSchedulerHints": _key_value_list("Scheduler hints, as a list of Key/Value."),
        "BlockDeviceMappings": properties.Schema(properties.LIST, description="Not supported."),
        "InstanceMonitoring": properties.Schema(properties.BOOLEAN),
    }
    cloud_properties = {
        "ImageId": "image",
        "InstanceType": "flavor",
        "KeyName": "keypair",
        "SecurityGroups": "security_group",
    }

    def handle_create(self):
        if self.properties["BlockDeviceMappings"]:
            where = format_path((*self.properties.path, "BlockDeviceMappings"))
            raise NotSupported(
                f"{where}: not supported: members cannot have block device mappings; attach "
                "volumes with AWS::EC2::VolumeAttachment instead"
            )
        member = {
            name: self.properties[name]
            for name in MEMBER_PROPERTIES
            if self.properties[name] not in (None, [], "")
        }
        body = {"Properties": member}
        if self.metadata:
            body["Metadata"] = self.metadata
        self.data["member"] = body
        self.physical_id = servers.server_name(self.context.stack_name, self.name)


RESOURCE_TYPES = (LaunchConfiguration,)
