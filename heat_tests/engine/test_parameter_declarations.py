"""Tests for heat.engine.parameter_declarations: reading a template's Parameters section."""

import pytest

from heat.engine.findings import Finding
from heat.engine.parameter_declarations import parse_section


def declaration_findings(decl, name="P"):
    return parse_section({name: decl})[1]


@pytest.mark.parametrize(
    "decl, expected",
    [
        (
            "String",
            (
                "bad-parameter-declaration",
                (),
                "a parameter declaration must be a mapping, not string",
            ),
        ),
        (
            {"Type": "String", "Descripton": "x"},
            (
                "unknown-parameter-key",
                ("Descripton",),
                'unknown key "Descripton" in a parameter declaration; did you mean "Description"?',
            ),
        ),
        (
            {"Type": "String", "Foo": "x"},
            ("unknown-parameter-key", ("Foo",), 'unknown key "Foo" in a parameter declaration'),
        ),
        (
            {"Default": "x"},
            ("missing-parameter-type", (), "a parameter declaration needs a Type"),
        ),
        (
            {"Type": "Strng"},
            (
                "unknown-parameter-type",
                ("Type",),
                'unknown parameter type "Strng"; did you mean "String"?',
            ),
        ),
        (
            {"Type": "AWS::EC2::KeyPair::Name"},
            (
                "unknown-parameter-type",
                ("Type",),
                'unknown parameter type "AWS::EC2::KeyPair::Name"; '
                'did you mean "AWS::EC2::KeyPair::KeyName"?',
            ),
        ),
        (
            {"Type": "Json"},
            ("unknown-parameter-type", ("Type",), 'unknown parameter type "Json"'),
        ),
        (
            {"Type": ["String"]},
            ("unknown-parameter-type", ("Type",), "Type must be a string, not list"),
        ),
        (
            {"Type": "AWS::SSM::Parameter::Name"},
            (
                "unsupported-parameter-type",
                ("Type",),
                "parameter type AWS::SSM::Parameter::Name is not supported: "
                "this cloud has no Systems Manager Parameter Store",
            ),
        ),
        (
            {"Type": "AWS::SSM::Parameter::Value<List<AWS::EC2::Image::Id>>"},
            (
                "unsupported-parameter-type",
                ("Type",),
                "parameter type AWS::SSM::Parameter::Value<List<AWS::EC2::Image::Id>> is not "
                "supported: this cloud has no Systems Manager Parameter Store",
            ),
        ),
        (
            {"Type": "String", "NoEcho": "yes"},
            ("bad-parameter-key", ("NoEcho",), "NoEcho must be true or false"),
        ),
        (
            {"Type": "String", "Description": ["x"]},
            ("bad-parameter-key", ("Description",), "Description must be a string, not list"),
        ),
        (
            {"Type": "String", "ConstraintDescription": 5},
            (
                "bad-parameter-key",
                ("ConstraintDescription",),
                "ConstraintDescription must be a string, not number",
            ),
        ),
        (
            {"Type": "String", "MinLength": "abc"},
            (
                "bad-parameter-key",
                ("MinLength",),
                'MinLength must be a non-negative integer, not "abc"',
            ),
        ),
        (
            {"Type": "String", "MaxLength": -1},
            (
                "bad-parameter-key",
                ("MaxLength",),
                "MaxLength must be a non-negative integer, not -1",
            ),
        ),
        (
            {"Type": "String", "MaxLength": True},
            (
                "bad-parameter-key",
                ("MaxLength",),
                "MaxLength must be a non-negative integer, not true",
            ),
        ),
        (
            {"Type": "String", "MinLength": 1.5},
            (
                "bad-parameter-key",
                ("MinLength",),
                "MinLength must be a non-negative integer, not 1.5",
            ),
        ),
        (
            {"Type": "Number", "MinValue": "ten"},
            ("bad-parameter-key", ("MinValue",), 'MinValue must be a number, not "ten"'),
        ),
        (
            {"Type": "Number", "MaxValue": None},
            ("bad-parameter-key", ("MaxValue",), "MaxValue must be a number, not null"),
        ),
        (
            {"Type": "String", "MinLength": 5, "MaxLength": "3"},
            ("bad-parameter-key", ("MinLength",), "MinLength 5 is greater than MaxLength 3"),
        ),
        (
            {"Type": "Number", "MinValue": 5.5, "MaxValue": 1},
            ("bad-parameter-key", ("MinValue",), "MinValue 5.5 is greater than MaxValue 1"),
        ),
        (
            {"Type": "String", "AllowedValues": "a,b"},
            ("bad-parameter-key", ("AllowedValues",), "AllowedValues must be a list, not string"),
        ),
        (
            {"Type": "String", "AllowedValues": []},
            ("bad-parameter-key", ("AllowedValues",), "AllowedValues must not be empty"),
        ),
        (
            {"Type": "String", "AllowedValues": ["a", {"b": 1}]},
            (
                "bad-parameter-key",
                ("AllowedValues", 1),
                "AllowedValues[1] must be a string, number or boolean, not mapping",
            ),
        ),
        (
            {"Type": "String", "AllowedPattern": "([a-z]"},
            (
                "bad-parameter-key",
                ("AllowedPattern",),
                "AllowedPattern is not a valid regular expression: "
                "missing ), unterminated subpattern at position 0",
            ),
        ),
        (
            {"Type": "String", "AllowedPattern": 5},
            (
                "bad-parameter-key",
                ("AllowedPattern",),
                "AllowedPattern must be a string, not number",
            ),
        ),
        (
            {"Type": "Number", "MinLength": 1},
            (
                "inapplicable-parameter-key",
                ("MinLength",),
                "MinLength does not apply to a Number parameter",
            ),
        ),
        (
            {"Type": "Number", "AllowedPattern": "[0-9]+"},
            (
                "inapplicable-parameter-key",
                ("AllowedPattern",),
                "AllowedPattern does not apply to a Number parameter",
            ),
        ),
        (
            {"Type": "String", "MaxValue": 1},
            (
                "inapplicable-parameter-key",
                ("MaxValue",),
                "MaxValue does not apply to a String parameter",
            ),
        ),
        (
            {"Type": "CommaDelimitedList", "MaxLength": 1},
            (
                "inapplicable-parameter-key",
                ("MaxLength",),
                "MaxLength does not apply to a CommaDelimitedList parameter",
            ),
        ),
        (
            {"Type": "List<Number>", "AllowedPattern": "[0-9]+"},
            (
                "inapplicable-parameter-key",
                ("AllowedPattern",),
                "AllowedPattern does not apply to a List<Number> parameter",
            ),
        ),
        (
            {"Type": "String", "Default": "abc", "AllowedValues": ["x"]},
            (
                "bad-parameter-default",
                ("Default",),
                'Default "abc" is not one of the allowed values ["x"]',
            ),
        ),
        (
            {"Type": "Number", "Default": "many"},
            ("bad-parameter-default", ("Default",), 'Default "many" is not a number'),
        ),
        (
            {"Type": "Number", "Default": True},
            ("bad-parameter-default", ("Default",), 'Default "true" is not a number'),
        ),
        (
            {"Type": "Number", "Default": 0, "MinValue": 1, "ConstraintDescription": "at least 1."},
            (
                "bad-parameter-default",
                ("Default",),
                'Default "0" is less than the minimum value of 1: at least 1.',
            ),
        ),
        (
            {"Type": "String", "Default": ["a"]},
            ("bad-parameter-default", ("Default",), "Default must be a string, not list"),
        ),
        (
            {"Type": "String", "Default": None},
            ("bad-parameter-default", ("Default",), "Default must be a string, not null"),
        ),
        (
            {"Type": "List<Number>", "Default": [1, "x"]},
            ("bad-parameter-default", ("Default",), 'Default[1] "x" is not a number'),
        ),
        (
            {"Type": "CommaDelimitedList", "Default": [["a"]]},
            ("bad-parameter-default", ("Default",), "Default[0] must be a string, not list"),
        ),
    ],
)
def test_declaration_findings(decl, expected):
    code, subpath, message = expected
    assert declaration_findings(decl) == [Finding(code, ("Parameters", "P") + subpath, message)]


def test_a_declaration_with_findings_still_yields_a_schema_without_the_bad_parts():
    schemas, findings = parse_section(
        {"P": {"Type": "Strng", "MinLength": "abc", "MaxLength": 5, "Default": "x"}}
    )
    assert [f.code for f in findings] == ["unknown-parameter-type", "bad-parameter-key"]
    schema = schemas["P"]
    assert (schema.type, schema.min_length, schema.max_length, schema.default) == (
        "String",
        None,
        5,
        "x",
    )


def test_an_unknown_type_does_not_add_inapplicable_key_noise():
    findings = declaration_findings({"Type": "Numbr", "MinValue": 1})
    assert findings == [
        Finding(
            "unknown-parameter-type",
            ("Parameters", "P", "Type"),
            'unknown parameter type "Numbr"; did you mean "Number"?',
        )
    ]


def test_a_bad_no_echo_keeps_the_value_secret():
    schemas, _ = parse_section({"P": {"Type": "String", "NoEcho": 1}})
    assert schemas["P"].no_echo is True


@pytest.mark.parametrize(
    "section, expected",
    [
        (
            ["KeyName"],
            [
                Finding(
                    "bad-parameters-section",
                    ("Parameters",),
                    "the Parameters section must be a mapping, not list",
                )
            ],
        ),
        (
            {"AWS::Region": {"Type": "String"}},
            [
                Finding(
                    "pseudo-parameter-name",
                    ("Parameters", "AWS::Region"),
                    "AWS::Region is a pseudo parameter and cannot be declared",
                )
            ],
        ),
        (
            {"Web.Port": {"Type": "String"}},
            [
                Finding(
                    "bad-parameter-name",
                    ("Parameters", "Web.Port"),
                    'a parameter name may contain only letters, digits, "_" and "-"',
                )
            ],
        ),
        (
            {123: {"Type": "String"}},
            [
                Finding(
                    "bad-parameter-name",
                    ("Parameters", "123"),
                    'a parameter name may contain only letters, digits, "_" and "-"',
                )
            ],
        ),
        (
            {"KeyName": None},
            [
                Finding(
                    "bad-parameter-declaration",
                    ("Parameters", "KeyName"),
                    "a parameter declaration must be a mapping, not null",
                )
            ],
        ),
        (None, []),
        ({}, []),
    ],
)
def test_section_findings(section, expected):
    assert parse_section(section)[1] == expected


def test_findings_name_the_section_path_they_are_given():
    findings = parse_section({"P": {"Type": "Strng"}}, path=("Outer", "Parameters"))[1]
    assert findings[0].path == ("Outer", "Parameters", "P", "Type")
