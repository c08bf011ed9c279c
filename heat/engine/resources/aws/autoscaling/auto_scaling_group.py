"""AWS::AutoScaling::AutoScalingGroup: MinSize..MaxSize members of a launch configuration.

Members live in a nested stack (see members.py). The group starts with DesiredCapacity
(or MinSize) members; ScalingPolicy resources resize it within MinSize..MaxSize, and a
stack update may change the sizes, the tags or the launch configuration (rolled out per
UpdatePolicy AutoScalingRollingUpdate). The load balancers named in LoadBalancerNames get
the member list after every change. Its Ref is the group's name.
"""

from __future__ import annotations

from heat.common.exception import NotSupported
from heat.engine import attributes, properties
from heat.engine.findings import format_path
from heat.engine.resource import Resource
from heat.engine.resources import servers
from heat.engine.resources.aws.autoscaling.group import Group, RollingPolicy
from heat.engine.resources.aws.autoscaling.members import check_sizes

_STRINGS = properties.Schema(properties.STRING)
ROLLING_UPDATE = "AutoScalingRollingUpdate"
METERING_TAG = "metering.AutoScalingGroupName"


class AutoScalingGroup(Resource):
    """A group of instances that scaling policies resize."""

    type_name = "AWS::AutoScaling::AutoScalingGroup"
    description = "Instances of a launch configuration, between MinSize and MaxSize of them."
    properties_schema = {
        "LaunchConfigurationName": properties.Schema(
            properties.STRING,
            required=True,
            update_allowed=True,
            description="The Ref of an AWS::AutoScaling::LaunchConfiguration of this stack.",
        ),
        "MinSize": properties.Schema(properties.INTEGER, required=True, min=0, update_allowed=True),
        "MaxSize": properties.Schema(properties.INTEGER, required=True, min=0, update_allowed=True),
        "DesiredCapacity": properties.Schema(properties.INTEGER, min=0, update_allowed=True),
        "Cooldown": properties.Schema(
            properties.INTEGER,
            min=0,
            update_allowed=True,
            description="Seconds after a scaling activity before a policy may scale again.",
        ),
        "AvailabilityZones": properties.Schema(properties.LIST, item=_STRINGS),
        "LoadBalancerNames": properties.Schema(
            properties.LIST,
            item=_STRINGS,
            update_allowed=True,
            description="AWS::ElasticLoadBalancing::LoadBalancer resources of this stack.",
        ),
        "VPCZoneIdentifier": properties.Schema(
            properties.LIST, item=_STRINGS, description="Not supported."
        ),
        "HealthCheckGracePeriod": properties.Schema(properties.INTEGER, min=0),
        "HealthCheckType": properties.Schema(properties.STRING, allowed_values=("EC2", "ELB")),
        "Tags": properties.Schema(
            properties.LIST,
            update_allowed=True,
            description="Tags, given to every member as server metadata.",
            item=properties.Schema(
                properties.MAP,
                keys={
                    "Key": properties.Schema(properties.STRING, required=True),
                    "Value": properties.Schema(properties.STRING, required=True),
                    "PropagateAtLaunch": properties.Schema(properties.BOOLEAN),
                },
            ),
        ),
    }
    attributes_schema = {
        "InstanceList": attributes.Attribute("The members' IP addresses, comma-separated."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.group = Group(self, METERING_TAG)

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
        capacity = minimum if desired is None else int(desired)
        self.physical_id = servers.server_name(self.context.stack_name, self.name)
        return self.group.create_plan(props, capacity, props["LoadBalancerNames"] or [])

    def check_create_complete(self, plan) -> bool:
        return plan.run()

    def handle_update(self, new_properties, changed):
        minimum, maximum = self._sizes(new_properties)
        current = self.group.capacity()
        desired = new_properties["DesiredCapacity"]
        if "DesiredCapacity" in changed and desired is not None:
            capacity = int(desired)
        else:
            capacity = min(max(current, minimum), maximum)
        rolling = RollingPolicy.from_update_policy(
            getattr(self, "update_policy", None), ROLLING_UPDATE, self.name
        )
        plan = self.group.update_plan(
            new_properties,
            capacity,
            maximum,
            new_properties["LoadBalancerNames"] or [],
            rolling,
        )
        self.properties = new_properties
        return plan

    def check_update_complete(self, plan) -> bool:
        return plan.run()

    def handle_delete(self):
        self.group.start_delete()

    def check_delete_complete(self, token) -> bool:
        return self.group.delete_complete()

    def resolve_attribute(self, name):
        return self.group.instance_list()

    # -- what scaling policies use --

    def size_limits(self) -> tuple[int, int]:
        return int(self.properties["MinSize"]), int(self.properties["MaxSize"])

    def cooldown(self) -> int:
        return int(self.properties["Cooldown"] or 0)

    def resize_plan(self, capacity: int):
        return self.group.resize_plan(capacity, self.properties["LoadBalancerNames"] or [])


RESOURCE_TYPES = (AutoScalingGroup,)
