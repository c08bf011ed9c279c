"""OS::Heat::InstanceGroup: a fixed number of instances of a launch configuration.

The same member machinery as AWS::AutoScaling::AutoScalingGroup (a nested stack of
instances; see heat.engine.resources.aws.autoscaling.group) without scaling policies:
its size changes only when a stack update changes Size. A new launch configuration is
rolled out per UpdatePolicy RollingUpdate (MaxBatchSize, MinInstancesInService, PauseTime).
"""

from __future__ import annotations

from heat.engine import attributes, properties
from heat.engine.resource import Resource
from heat.engine.resources import servers
from heat.engine.resources.aws.autoscaling.group import Group, RollingPolicy
from heat.engine.resources.property_schemas import key_value_list

_STRINGS = properties.Schema(properties.STRING)
ROLLING_UPDATE = "RollingUpdate"
METERING_TAG = "metering.groupname"


class InstanceGroup(Resource):
    """Size instances of a launch configuration."""

    type_name = "OS::Heat::InstanceGroup"
    description = "A fixed-size group of instances of a launch configuration."
    properties_schema = {
        "LaunchConfigurationName": properties.Schema(
            properties.STRING,
            required=True,
            update_allowed=True,
            description="The Ref of an AWS::AutoScaling::LaunchConfiguration of this stack.",
        ),
        "Size": properties.Schema(properties.INTEGER, required=True, min=0, update_allowed=True),
        "AvailabilityZones": properties.Schema(properties.LIST, item=_STRINGS),
        "LoadBalancerNames": properties.Schema(
            properties.LIST,
            item=_STRINGS,
            update_allowed=True,
            description="AWS::ElasticLoadBalancing::LoadBalancer resources of this stack.",
        ),
        "Tags": key_value_list("Tags, given to every member as server metadata.", True),
    }
    attributes_schema = {
        "InstanceList": attributes.Attribute("The members' IP addresses, comma-separated."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.group = Group(self, METERING_TAG)

    def handle_create(self):
        props = self.properties
        self.physical_id = servers.server_name(self.context.stack_name, self.name)
        return self.group.create_plan(props, int(props["Size"]), props["LoadBalancerNames"] or [])

    def check_create_complete(self, plan) -> bool:
        return plan.run()

    def handle_update(self, new_properties, changed):
        size = int(new_properties["Size"])
        rolling = RollingPolicy.from_update_policy(
            getattr(self, "update_policy", None), ROLLING_UPDATE, self.name
        )
        plan = self.group.update_plan(
            new_properties, size, size + 1, new_properties["LoadBalancerNames"] or [], rolling
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


RESOURCE_TYPES = (InstanceGroup,)
