"""AWS::CloudFormation::Stack: a stack inside a stack, from a template at a URL."""

from __future__ import annotations

from heat.common.exception import InvalidInput
from heat.engine import attributes, properties
from heat.engine.resource import Resource


class NestedStackFailed(InvalidInput):
    """The child stack did not reach the state its parent's resource waited for."""


class NestedStack(Resource):
    """Creates a child stack and waits for it; `Outputs.X` are the child's outputs.

    An update of the parent updates the child in place (it is never recreated); deleting
    the resource deletes the child.
    """

    type_name = "AWS::CloudFormation::Stack"
    description = "A nested stack created from the template at TemplateURL."
    properties_schema = {
        "TemplateURL": properties.Schema(
            properties.STRING,
            required=True,
            update_allowed=True,
            description="http or https URL of the child template.",
        ),
        "Parameters": properties.Schema(
            properties.MAP,
            update_allowed=True,
            description="The child's parameter values.",
        ),
        "TimeoutInMinutes": properties.Schema(properties.INTEGER, min=1, update_allowed=True),
        "NotificationARNs": properties.Schema(properties.LIST, update_allowed=True),
    }
    attributes_schema = {
        "Outputs": attributes.Attribute("The child stack's outputs: Outputs.Name.", nested=True),
    }

    def _parameters(self, props) -> dict:
        # CloudFormation passes every nested parameter value as a string.
        values = props["Parameters"] or {}
        return {key: _text(value) for key, value in values.items()}

    def handle_create(self):
        stacks = self.context.stacks
        text = stacks.fetch(self.properties["TemplateURL"])
        self.physical_id = stacks.create(
            self.name,
            text,
            self._parameters(self.properties),
            self.properties["TimeoutInMinutes"],
        )
        return None

    def check_create_complete(self, token) -> bool:
        return self._settled("CREATE")

    def handle_update(self, new_properties, changed):
        stacks = self.context.stacks
        text = stacks.fetch(new_properties["TemplateURL"])
        stacks.update(
            self.physical_id,
            text,
            self._parameters(new_properties),
            new_properties["TimeoutInMinutes"],
        )
        self.properties = new_properties
        return None

    def check_update_complete(self, token) -> bool:
        return self._settled("UPDATE")

    def handle_delete(self):
        if self.physical_id:
            self.context.stacks.delete(self.physical_id)
        return None

    def check_delete_complete(self, token) -> bool:
        if not self.physical_id:
            return True
        state = self.context.stacks.state(self.physical_id)
        if state is None or state[:2] == ("DELETE", "COMPLETE"):
            return True
        if state[1] == "FAILED":
            raise NestedStackFailed(f"nested stack {self.physical_id}: {state[2]}")
        return False

    def _settled(self, action: str) -> bool:
        state = self.context.stacks.state(self.physical_id)
        if state is None:
            raise NestedStackFailed(f"nested stack {self.physical_id} is gone")
        if state[:2] == (action, "COMPLETE"):
            return True
        if state[1] == "IN_PROGRESS":
            return False
        raise NestedStackFailed(f"nested stack {self.physical_id}: {state[2]}")

    def resolve_attribute(self, name: str):
        _, _, output = name.partition(".")
        outputs = self.context.stacks.outputs(self.physical_id)
        if output not in outputs:
            raise InvalidInput(f'{self.name}: the nested stack has no output "{output}"')
        return outputs[output]


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_text(item) for item in value)
    return str(value)


RESOURCE_TYPES = (NestedStack,)
