"""OS::Heat::AccessPolicy: the resources a stack user's credentials may reach."""

from __future__ import annotations

from heat.common.exception import InvalidInput
from heat.engine import properties
from heat.engine.resource import Resource


class AccessPolicy(Resource):
    """Named in an AWS::IAM::User's Policies; its Ref is its own name.

    Enforced by heat.engine.signals.check_stack_access when the user's keys are used.
    """

    type_name = "OS::Heat::AccessPolicy"
    description = "Limits an AWS::IAM::User's credentials to the listed resources of the stack."
    properties_schema = {
        "AllowedResources": properties.Schema(
            properties.LIST,
            required=True,
            item=properties.Schema(properties.STRING),
            description="Logical names of resources of this stack.",
        ),
    }

    def handle_create(self):
        for position, name in enumerate(self.properties["AllowedResources"]):
            if self.context.signals.resource(name) is None:
                raise InvalidInput(
                    f"Resources.{self.name}.Properties.AllowedResources.{position}: "
                    f'"{name}" is not a resource of this stack'
                )
        self.physical_id = self.name

    def reference_id(self):
        return self.name


RESOURCE_TYPES = (AccessPolicy,)
