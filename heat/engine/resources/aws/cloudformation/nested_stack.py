"""AWS::CloudFormation::Stack: a stack inside a stack, from a template at a URL."""

from __future__ import annotations

from heat.common.exception import InvalidInput
from heat.engine import attributes, properties
from heat.engine.resources.child_stack import ChildStackResource


class NestedStack(ChildStackResource):
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
        props = self.properties
        text = self.context.stacks.fetch(props["TemplateURL"])
        self.create_child(text, self._parameters(props), props["TimeoutInMinutes"])

    def handle_update(self, new_properties, changed):
        text = self.context.stacks.fetch(new_properties["TemplateURL"])
        self.update_child(
            text, self._parameters(new_properties), new_properties["TimeoutInMinutes"]
        )
        self.properties = new_properties

    def resolve_attribute(self, name: str):
        _, _, output = name.partition(".")
        outputs = self.child_outputs()
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
