"""Tests for OS::Heat::RandomString: generation and its property schema."""

import string

import pytest

from heat.common.exception import InvalidInput
from heat.engine.properties import Properties
from heat.engine.resources.openstack.heat.random_string import RandomString, generate

SCHEMA = RandomString.properties_schema


def test_defaults():
    props = Properties(SCHEMA, {})
    value = generate(props["length"], props["character_classes"] or [], [])
    assert len(value) == 32
    assert set(value) <= set(string.ascii_letters + string.digits)


@pytest.mark.parametrize(
    "classes, sequences, alphabet",
    [
        ([{"class": "digits"}], [], string.digits),
        ([{"class": "hexdigits"}], [], string.digits + "ABCDEF"),
        ([{"class": "octdigits"}], [], string.octdigits),
        ([{"class": "lowercase"}, {"class": "uppercase"}], [], string.ascii_letters),
        ([], [{"sequence": "!@"}], "!@"),
        ([{"class": "digits"}], [{"sequence": "-"}], string.digits + "-"),
    ],
)
def test_alphabet(classes, sequences, alphabet):
    value = generate(64, classes, sequences)
    assert len(value) == 64 and set(value) <= set(alphabet)


def test_minimums_are_met():
    for _ in range(20):
        value = generate(6, [{"class": "digits", "min": 3}], [{"sequence": "#", "min": 3}])
        assert len(value) == 6 and set(value) <= set(string.digits + "#")
        assert value.count("#") >= 3 and sum(c.isdigit() for c in value) >= 3


def test_minimums_longer_than_length():
    with pytest.raises(InvalidInput) as caught:
        generate(4, [{"class": "digits", "min": 3}], [{"sequence": "x", "min": 2}])
    assert str(caught.value) == "length 4 is shorter than the 5 characters the minimums require"


def test_create_keeps_the_value_secret():
    resource = RandomString("Pw", Properties(SCHEMA, {"length": "12"}))
    resource.handle_create()
    assert len(resource.secrets["value"]) == 12
    assert resource.reference_id() == resource.attribute("value") == resource.secrets["value"]
    assert resource.data == {}
    assert RandomString.attributes_schema["value"].secret


@pytest.mark.parametrize(
    "values, message",
    [
        ({"length": 0}, "length: value 0 is less than the minimum of 1"),
        ({"length": 513}, "length: value 513 is more than the maximum of 512"),
        (
            {"character_classes": [{"class": "emoji"}]},
            'character_classes[0].class: "emoji" is not one of the allowed values: '
            "lettersdigits, letters, lowercase, uppercase, digits, hexdigits, octdigits",
        ),
        (
            {"character_sequences": [{"min": 2}]},
            'character_sequences[0].sequence: required property "sequence" is missing',
        ),
        (
            {"character_sequences": [{"sequence": ""}]},
            "character_sequences[0].sequence: length 0 is less than the minimum of 1",
        ),
    ],
)
def test_property_errors(values, message):
    with pytest.raises(InvalidInput) as caught:
        Properties(SCHEMA, values)
    assert str(caught.value) == message
