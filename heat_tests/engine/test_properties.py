"""Tests for heat.engine.properties: static checks, conversion, defaults."""

import pytest

from heat.common.exception import InvalidInput
from heat.engine import functions
from heat.engine.findings import format_path
from heat.engine.properties import (
    BOOLEAN,
    INTEGER,
    JSON,
    LIST,
    MAP,
    NUMBER,
    STRING,
    Properties,
    Schema,
    check_static,
)

SCHEMA = {
    "name": Schema(STRING, required=True, min=2, max=5),
    "size": Schema(INTEGER, default=1, min=1, max=10),
    "ratio": Schema(NUMBER, min=0.5),
    "enabled": Schema(BOOLEAN, default=False),
    "flavor": Schema(STRING, allowed_values=("small", "large")),
    "port": Schema(INTEGER, allowed_values=(80, 443)),
    "tags": Schema(LIST, item=Schema(STRING, max=3), max=2),
    "rule": Schema(
        MAP,
        keys={"proto": Schema(STRING, required=True), "from": Schema(INTEGER, default=0)},
    ),
    "free": Schema(MAP),
    "blob": Schema(JSON),
}
PATH = ("Resources", "R", "Properties")


def static(values):
    return [(f.code, format_path(f.path), f.message) for f in check_static(SCHEMA, values, PATH)]


def P(name):
    return f"Resources.R.Properties.{name}"


@pytest.mark.parametrize(
    "values, expected",
    [
        ({"name": "abc"}, []),
        (
            {"name": "abc", "sise": 3},
            [("unknown-property", P("sise"), 'unknown property "sise" (did you mean "size"?)')],
        ),
        ({"name": "abc", "zzz": 3}, [("unknown-property", P("zzz"), 'unknown property "zzz"')]),
        ({}, [("missing-property", P("name"), 'required property "name" is missing')]),
        ({"name": None}, [("missing-property", P("name"), "a required property has no value")]),
        ({"name": "abc", "size": None}, []),
        ({"name": ["a"]}, [("property-type", P("name"), "expected a string, got a list")]),
        ({"name": {"a": 1}}, [("property-type", P("name"), "expected a string, got a mapping")]),
        ({"name": 123}, []),  # a number is a fine string
        (
            {"name": 123456},
            [("property-constraint", P("name"), "length 6 is more than the maximum of 5")],
        ),
        (
            {"name": "a"},
            [("property-constraint", P("name"), "length 1 is less than the minimum of 2")],
        ),
        (
            {"name": "ab", "size": "x"},
            [("property-type", P("size"), "expected an integer, got 'x'")],
        ),
        (
            {"name": "ab", "size": 1.5},
            [("property-type", P("size"), "expected an integer, got 1.5")],
        ),
        (
            {"name": "ab", "size": True},
            [("property-type", P("size"), "expected an integer, got True")],
        ),
        (
            {"name": "ab", "size": "11"},
            [("property-constraint", P("size"), "value 11 is more than the maximum of 10")],
        ),
        (
            {"name": "ab", "size": 0},
            [("property-constraint", P("size"), "value 0 is less than the minimum of 1")],
        ),
        ({"name": "ab", "size": "10", "ratio": "0.5"}, []),
        (
            {"name": "ab", "ratio": 0.25},
            [("property-constraint", P("ratio"), "value 0.25 is less than the minimum of 0.5")],
        ),
        (
            {"name": "ab", "ratio": "lots"},
            [("property-type", P("ratio"), "expected a number, got 'lots'")],
        ),
        ({"name": "ab", "enabled": "TRUE"}, []),
        (
            {"name": "ab", "enabled": "yes"},
            [("property-type", P("enabled"), "expected a boolean, got 'yes'")],
        ),
        (
            {"name": "ab", "flavor": "medium"},
            [
                (
                    "property-constraint",
                    P("flavor"),
                    '"medium" is not one of the allowed values: small, large',
                )
            ],
        ),
        ({"name": "ab", "port": "443"}, []),
        (
            {"name": "ab", "port": "22"},
            [("property-constraint", P("port"), '"22" is not one of the allowed values: 80, 443')],
        ),
        (
            {"name": "ab", "tags": "a,b"},
            [("property-type", P("tags"), "expected a list, got 'a,b'")],
        ),
        (
            {"name": "ab", "tags": ["a", "b", "c"]},
            [("property-constraint", P("tags"), "length 3 is more than the maximum of 2")],
        ),
        (
            {"name": "ab", "tags": ["abcd", ["x"]]},
            [
                ("property-constraint", P("tags[0]"), "length 4 is more than the maximum of 3"),
                ("property-type", P("tags[1]"), "expected a string, got a list"),
            ],
        ),
        (
            {"name": "ab", "rule": {"from": "x", "to": 1}},
            [
                ("property-type", P("rule.from"), "expected an integer, got 'x'"),
                ("unknown-property", P("rule.to"), 'unknown property "to"'),
                ("missing-property", P("rule.proto"), 'required property "proto" is missing'),
            ],
        ),
        (
            {"name": "ab", "rule": ["tcp"]},
            [("property-type", P("rule"), "expected a mapping, got ['tcp']")],
        ),
        ({"name": "ab", "free": {"anything": [1]}, "blob": [{"a": 1}]}, []),
    ],
)
def test_static_checks(values, expected):
    assert static(values) == expected


def test_static_checks_skip_function_values():
    ctx = functions.ParseContext(parameters=frozenset({"P"}))
    values = functions.parse(
        {"name": {"Ref": "P"}, "size": {"Ref": "P"}, "tags": [{"Ref": "P"}]}, PATH, ctx
    )
    assert static(values) == []
    whole = functions.parse({"Fn::If": ["C", {}, {}]}, PATH, ctx)
    assert static(whole) == []


def test_properties_must_be_a_mapping():
    assert static(["name"]) == [
        ("invalid-properties", "Resources.R.Properties", "Properties must be a mapping")
    ]


@pytest.mark.parametrize(
    "values, expected",
    [
        (
            {"name": "ab"},
            {
                "name": "ab",
                "size": 1,
                "ratio": None,
                "enabled": False,
                "flavor": None,
                "port": None,
                "tags": None,
                "rule": None,
                "free": None,
                "blob": None,
            },
        ),
        (
            {
                "name": 12,
                "size": "5",
                "ratio": "2.5",
                "enabled": "true",
                "port": "80",
                "tags": [1, 22],
                "rule": {"proto": "tcp", "from": "22"},
                "free": {"a": "1"},
                "blob": {"x": [1]},
            },
            {
                "name": "12",
                "size": 5,
                "ratio": 2.5,
                "enabled": True,
                "flavor": None,
                "port": 80,
                "tags": ["1", "22"],
                "rule": {"proto": "tcp", "from": 22},
                "free": {"a": "1"},
                "blob": {"x": [1]},
            },
        ),
        ({"name": "ab", "enabled": "False", "ratio": 3}, {"enabled": False, "ratio": 3}),
        ({"name": "ab", "size": None}, {"size": 1}),  # e.g. a property dropped by AWS::NoValue
    ],
)
def test_properties_convert_and_fill_defaults(values, expected):
    props = Properties(SCHEMA, values, PATH)
    assert {name: props[name] for name in expected} == expected
    assert set(props) == set(SCHEMA) and len(props) == len(SCHEMA)


def test_properties_reject_bad_values_with_all_findings():
    with pytest.raises(InvalidInput) as caught:
        Properties(SCHEMA, {"size": "many", "colour": "red"}, PATH)
    assert str(caught.value) == (
        "Resources.R.Properties.size: expected an integer, got 'many'; "
        'Resources.R.Properties.colour: unknown property "colour"; '
        'Resources.R.Properties.name: required property "name" is missing'
    )


def test_schema_as_dict():
    assert SCHEMA["size"].as_dict() == {
        "type": "integer",
        "description": "",
        "required": False,
        "update_allowed": False,
        "immutable": False,
        "default": 1,
        "constraints": [{"range": {"min": 1, "max": 10}}],
    }
    assert Schema(STRING, allowed_values=("a",), max=3).as_dict()["constraints"] == [
        {"allowed_values": ["a"]},
        {"length": {"max": 3}},
    ]
    assert Schema(JSON).as_dict()["type"] == "map"


def test_unknown_schema_type_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown property type Text"):
        Schema("Text")
