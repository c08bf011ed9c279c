"""AWS::AutoScaling::LaunchConfiguration: how a group's members are made; no cloud object.

The resource keeps the member definition (the AWS::EC2::Instance properties, and its own
Metadata for cfn-init in the members) in its data for the groups that name it. Its Ref is
a unique name, so replacing the configuration (any property change) changes the groups'
LaunchConfigurationName, and they roll their members onto the new one.
"""

from __future__ import annotations

import dataclasses

from heat.common.exception import NotSupported
from heat.engine import properties
from heat.engine.findings import format_path
from heat.engine.resource import Resource
from heat.engine.resources import servers
from heat.engine.resources.aws.ec2.instance import Instance

# The launch configuration's properties that its members (AWS::EC2::Instance) take as their
# own, with the same name: they are declared (and checked) exactly as the instance's, except
# that none changes in place (an instance resizes for a new InstanceType; a configuration is
# replaced, so that its groups see a new name and roll their members).
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
        **{
            name: dataclasses.replace(Instance.properties_schema[name], update_allowed=False)
            for name in MEMBER_PROPERTIES
        },
        "BlockDeviceMappings": properties.Schema(properties.LIST, description="Not supported."),
        "InstanceMonitoring": properties.Schema(properties.BOOLEAN),
    }
    cloud_properties = {
        name: check
        for name, check in Instance.cloud_properties.items()
        if name in MEMBER_PROPERTIES
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
