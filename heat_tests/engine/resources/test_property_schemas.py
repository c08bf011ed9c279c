"""Tests for heat.engine.resources.property_schemas: the declarations plugins share."""

import pytest

from heat.engine import properties
from heat.engine.resources.aws.autoscaling.launch_config import LaunchConfiguration
from heat.engine.resources.aws.ec2.instance import Instance
from heat.engine.resources.property_schemas import key_value_list, stack_reference

PATH = ("Resources", "R", "Properties")


def messages(schema: dict, values: dict) -> list[str]:
    return [str(f) for f in properties.check_static(schema, values, PATH)]


@pytest.mark.parametrize(
    "items, expected",
    [
        ([{"Key": "a", "Value": "b"}], []),
        (
            [{"Key": "a"}],
            ['Resources.R.Properties.Tags[0].Value: required property "Value" is missing'],
        ),
        (
            [{"Key": "a", "Value": "b", "Extra": True}],
            ['Resources.R.Properties.Tags[0].Extra: unknown property "Extra"'],
        ),
        ("a=b", ["Resources.R.Properties.Tags: expected a list, got 'a=b'"]),
    ],
)
def test_a_key_value_list_takes_items_of_exactly_key_and_value(items, expected):
    schema = {"Tags": key_value_list("Tags.")}
    assert messages(schema, {"Tags": items}) == expected


def test_a_key_value_list_may_take_further_keys():
    schema = {
        "Tags": key_value_list(
            "Tags.", extra_keys={"Propagate": properties.Schema(properties.BOOLEAN)}
        )
    }
    assert messages(schema, {"Tags": [{"Key": "a", "Value": "b", "Propagate": "true"}]}) == []
    assert messages(schema, {"Tags": [{"Key": "a", "Value": "b", "Propagate": "maybe"}]}) == [
        "Resources.R.Properties.Tags[0].Propagate: expected a boolean, got 'maybe'"
    ]


def test_a_stack_reference_is_a_required_string_saying_what_it_names():
    schema = stack_reference("AWS::EC2::Instance", update_allowed=True)
    assert schema.as_dict() == {
        "type": "string",
        "description": "The Ref of an AWS::EC2::Instance of this stack.",
        "required": True,
        "update_allowed": True,
        "immutable": False,
    }
    assert messages({"Server": schema}, {}) == [
        'Resources.R.Properties.Server: required property "Server" is missing'
    ]


def test_a_launch_configuration_checks_member_properties_as_an_instance_does():
    bad = {"ImageId": "img", "InstanceType": "m1.small", "NovaSchedulerHints": [{"Key": "k"}]}
    expected = [
        'Resources.R.Properties.NovaSchedulerHints[0].Value: required property "Value" is missing'
    ]
    assert messages(LaunchConfiguration.properties_schema, bad) == expected
    assert messages(Instance.properties_schema, bad) == expected
