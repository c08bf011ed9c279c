"""AWS::AutoScaling::AutoScalingGroup: MinSize..MaxSize members of a launch configuration.

Members live in a nested stack (see members.py). The group starts with DesiredCapacity
(or MinSize) members; ScalingPolicy resources resize it within MinSize..MaxSize, and a
stack update may change the sizes, the tags or the launch configuration (rolled out per
UpdatePolicy AutoScalingRollingUpdate). The load balancers named in LoadBalancerNames get
the member list after every change. Its Ref is the group's name.
"""

from __future__ import annotations

from heat.common.exception import NotSupported
from heat.engine import properties
from heat.engine.findings import format_path
from heat.engine.resources.aws.autoscaling import group
from heat.engine.resources.aws.autoscaling.members import check_sizes
from heat.engine.resources.property_schemas import STRINGS


class AutoScalingGroup(group.MemberGroup):
    """A group of instances that scaling policies resize."""

    type_name = "AWS::AutoScaling::AutoScalingGroup"
    description = "Instances of a launch configuration, between MinSize and MaxSize of them."
    metering_tag = "metering.AutoScalingGroupName"
    rolling_update_key = "AutoScalingRollingUpdate"
    properties_schema = {
        "LaunchConfigurationName": group.LAUNCH_CONFIGURATION_NAME,
        "MinSize": properties.Schema(properties.INTEGER, required=True, min=0, update_allowed=True),
        "MaxSize": properties.Schema(properties.INTEGER, required=True, min=0, update_allowed=True),
        "DesiredCapacity": properties.Schema(properties.INTEGER, min=0, update_allowed=True),
        "Cooldown": properties.Schema(
            properties.INTEGER,
            min=0,
            update_allowed=True,
            description="Seconds after a scaling activity before a policy may scale again.",
        ),
        "AvailabilityZones": group.AVAILABILITY_ZONES,
        "LoadBalancerNames": group.LOAD_BALANCER_NAMES,
        "VPCZoneIdentifier": properties.Schema(
            properties.LIST, item=STRINGS, description="Not supported."
        ),
        "HealthCheckGracePeriod": properties.Schema(properties.INTEGER, min=0),
        "HealthCheckType": properties.Schema(properties.STRING, allowed_values=("EC2", "ELB")),
        "Tags": group.tags_schema({"PropagateAtLaunch": properties.Schema(properties.BOOLEAN)}),
    }

    def _sizes(self, props) -> tuple[int, int]:
        minimum, maximum = int(props["MinSize"]), int(props["MaxSize"])
        desired = props["DesiredCapacity"]
        check_sizes(props.path, minimum, maximum, None if desired is None else int(desired))
        return minimum, maximum

    def handle_create(self):
        props = self.properties
        if props["VPCZoneIdentifier"]:
            raise NotSupported(
                f"{format_path((*props.path, 'VPCZoneIdentifier'))}: not supported: members get "
                "their network from Nova's automatic allocation; remove the property"
            )
        minimum, _ = self._sizes(props)
        desired = props["DesiredCapacity"]
        return self.create_members(minimum if desired is None else int(desired))

    def handle_update(self, new_properties, changed):
        minimum, maximum = self._sizes(new_properties)
        current = self.group.capacity()
        desired = new_properties["DesiredCapacity"]
        if "DesiredCapacity" in changed and desired is not None:
            capacity = int(desired)
        else:
            capacity = min(max(current, minimum), maximum)
        return self.update_members(new_properties, capacity, maximum)

    # -- what scaling policies use --

    def size_limits(self) -> tuple[int, int]:
        return int(self.properties["MinSize"]), int(self.properties["MaxSize"])

    def cooldown(self) -> int:
        return int(self.properties["Cooldown"] or 0)

    def resize_plan(self, capacity: int):
        return self.group.resize_plan(capacity, self.properties["LoadBalancerNames"] or [])


RESOURCE_TYPES = (AutoScalingGroup,)
