"""OS::Heat::InstanceGroup: a fixed number of instances of a launch configuration.

The same member machinery as AWS::AutoScaling::AutoScalingGroup (a nested stack of
instances; see heat.engine.resources.aws.autoscaling.group) without scaling policies:
its size changes only when a stack update changes Size. A new launch configuration is
rolled out per UpdatePolicy RollingUpdate (MaxBatchSize, MinInstancesInService, PauseTime).
"""

from __future__ import annotations

from heat.engine import properties
from heat.engine.resources.aws.autoscaling import group


class InstanceGroup(group.MemberGroup):
    """Size instances of a launch configuration."""

    type_name = "OS::Heat::InstanceGroup"
    description = "A fixed-size group of instances of a launch configuration."
    metering_tag = "metering.groupname"
    rolling_update_key = "RollingUpdate"
    properties_schema = {
        "LaunchConfigurationName": group.LAUNCH_CONFIGURATION_NAME,
        "Size": properties.Schema(properties.INTEGER, required=True, min=0, update_allowed=True),
        "AvailabilityZones": group.AVAILABILITY_ZONES,
        "LoadBalancerNames": group.LOAD_BALANCER_NAMES,
        "Tags": group.tags_schema(),
    }

    def handle_create(self):
        return self.create_members(int(self.properties["Size"]))

    def handle_update(self, new_properties, changed):
        size = int(new_properties["Size"])
        # MinInstancesInService must be below the maximum: here it may be as large as Size,
        # since a batch's new members are created before its old ones are deleted.
        return self.update_members(new_properties, size, size + 1)


RESOURCE_TYPES = (InstanceGroup,)
