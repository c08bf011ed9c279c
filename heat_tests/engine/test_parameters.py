"""Tests for heat.engine.parameters: values, constraints, NoEcho, pseudo parameters.

The findings about declarations themselves are in test_parameter_declarations.py.
"""

import copy
import glob
import os
import pickle

import pytest

from heat.engine import parameter_schema, template_format
from heat.engine import parameters as params
from heat.engine.findings import Finding
from heat.engine.parameters import (
    NO_VALUE,
    Parameters,
    ParameterSchema,
    StackIdentity,
    parse_section,
)

IDENTITY = StackIdentity(
    project_id="8f1c0a2b",
    stack_name="wordpress",
    stack_id="0d4d9a4e-2b1e-4c2f-9c3e-5f1b2a3c4d5e",
    region="RegionTwo",
    url_suffix="cloud.example.org",
    notification_arns=("arn:openstack:sns::8f1c0a2b:alerts",),
)

TEMPLATES_DIR = "/work/shared/templates/cfn"


def schema_of(decl, name="P"):
    """The schema of a declaration that must have no findings."""
    schemas, findings = parse_section({name: decl})
    assert findings == []
    return schemas[name]


def value_messages(decl, value, name="P"):
    """The findings, as text, for one value given to a valid declaration."""
    stack_params = Parameters({name: schema_of(decl, name)}, {name: value}, IDENTITY)
    return [str(f) for f in stack_params.validate()]


def declaration_findings(decl, name="P"):
    return parse_section({name: decl})[1]


# -- types: the value Ref gives --


@pytest.mark.parametrize(
    "type_name, given, expected",
    [
        ("String", "abc", "abc"),
        ("String", "", ""),
        ("String", " spaced ", " spaced "),
        ("Number", "42", "42"),
        ("Number", "-1.5", "-1.5"),
        ("Number", ".5", ".5"),
        ("Number", "1e3", "1e3"),
        ("Number", "12345678901234567890", "12345678901234567890"),
        ("CommaDelimitedList", "a, b,c", ["a", "b", "c"]),
        ("CommaDelimitedList", " a ,, c ", ["a", "", "c"]),
        ("CommaDelimitedList", "", [""]),
        ("CommaDelimitedList", "single", ["single"]),
        ("List<Number>", "80, 443", ["80", "443"]),
        ("AWS::EC2::KeyPair::KeyName", "heat_key", "heat_key"),
        ("AWS::EC2::Image::Id", "F17-x86_64-cfntools", "F17-x86_64-cfntools"),
        ("List<AWS::EC2::Subnet::Id>", "subnet-1, subnet-2", ["subnet-1", "subnet-2"]),
        ("List<AWS::EC2::SecurityGroup::Id>", "default", ["default"]),
    ],
)
def test_ref_gives_the_value_in_cloudformation_form(type_name, given, expected):
    stack_params = Parameters({"P": schema_of({"Type": type_name})}, {"P": given}, IDENTITY)
    assert stack_params.validate() == []
    assert stack_params.ref("P") == expected


@pytest.mark.parametrize(
    "type_name, default, expected",
    [
        ("String", "text", "text"),
        ("String", 5, "5"),
        ("String", 2.5, "2.5"),
        ("String", True, "true"),
        ("String", False, "false"),
        ("Number", 8080, "8080"),
        ("Number", 0.25, "0.25"),
        ("Number", "1e3", "1e3"),
        ("CommaDelimitedList", "x,y", ["x", "y"]),
        ("CommaDelimitedList", ["x", 1, True], ["x", "1", "true"]),
        ("CommaDelimitedList", [], []),
        ("List<Number>", [1, 2.5], ["1", "2.5"]),
        ("List<AWS::EC2::AvailabilityZone::Name>", ["nova"], ["nova"]),
    ],
)
def test_defaults_read_as_cloudformation_strings(type_name, default, expected):
    schema = schema_of({"Type": type_name, "Default": default})
    stack_params = Parameters({"P": schema}, {}, IDENTITY)
    assert stack_params.validate() == []
    assert stack_params.ref("P") == expected


def test_ref_returns_a_fresh_list_each_time():
    stack_params = Parameters(
        {"P": schema_of({"Type": "CommaDelimitedList", "Default": "a,b"})}, {}, IDENTITY
    )
    stack_params.ref("P").append("c")
    assert stack_params.ref("P") == ["a", "b"]


def test_given_values_from_a_json_api_may_be_numbers_or_lists():
    schemas, _ = parse_section(
        {"Count": {"Type": "Number"}, "Zones": {"Type": "CommaDelimitedList"}}
    )
    stack_params = Parameters(schemas, {"Count": 3, "Zones": ["az1", "az2"]}, IDENTITY)
    assert stack_params.validate() == []
    assert stack_params.ref("Count") == "3"
    assert stack_params.ref("Zones") == ["az1", "az2"]


@pytest.mark.parametrize(
    "type_name, cloud_check",
    [
        ("String", None),
        ("Number", None),
        ("CommaDelimitedList", None),
        ("List<Number>", None),
        ("AWS::EC2::KeyPair::KeyName", "keypair"),
        ("AWS::EC2::Image::Id", "image"),
        ("AWS::EC2::AvailabilityZone::Name", "availability_zone"),
        ("AWS::EC2::SecurityGroup::Id", "security_group"),
        ("AWS::EC2::SecurityGroup::GroupName", "security_group"),
        ("AWS::EC2::Instance::Id", "server"),
        ("AWS::EC2::Subnet::Id", "subnet"),
        ("AWS::EC2::VPC::Id", "network"),
        ("AWS::EC2::Volume::Id", "volume"),
        ("AWS::Route53::HostedZone::Id", "dns_zone"),
        ("List<AWS::EC2::Image::Id>", "image"),
        ("List<AWS::EC2::AvailabilityZone::Name>", "availability_zone"),
        ("List<AWS::EC2::SecurityGroup::Id>", "security_group"),
        ("List<AWS::EC2::SecurityGroup::GroupName>", "security_group"),
        ("List<AWS::EC2::Instance::Id>", "server"),
        ("List<AWS::EC2::Subnet::Id>", "subnet"),
        ("List<AWS::EC2::VPC::Id>", "network"),
        ("List<AWS::EC2::Volume::Id>", "volume"),
        ("List<AWS::Route53::HostedZone::Id>", "dns_zone"),
    ],
)
def test_aws_specific_types_record_their_cloud_check(type_name, cloud_check):
    schema = schema_of({"Type": type_name})
    assert schema.cloud_check == cloud_check
    assert schema.is_list == type_name.startswith(("List<", "CommaDelimitedList"))


# -- constraints on values --


@pytest.mark.parametrize(
    "decl, value, expected",
    [
        ({"Type": "Number"}, "abc", 'Parameters.P: value "abc" is not a number'),
        ({"Type": "Number"}, "", 'Parameters.P: value "" is not a number'),
        ({"Type": "Number"}, "nan", 'Parameters.P: value "nan" is not a number'),
        ({"Type": "Number"}, "inf", 'Parameters.P: value "inf" is not a number'),
        ({"Type": "Number"}, "1_000", 'Parameters.P: value "1_000" is not a number'),
        ({"Type": "Number"}, " 1", 'Parameters.P: value " 1" is not a number'),
        ({"Type": "List<Number>"}, "1,x", 'Parameters.P: value[1] "x" is not a number'),
        (
            {"Type": "String", "AllowedValues": ["t1.micro", "m1.small"]},
            "m1.huge",
            'Parameters.P: value "m1.huge" is not one of the allowed values '
            '["t1.micro", "m1.small"]',
        ),
        (
            {
                "Type": "String",
                "AllowedValues": ["t1.micro", "m1.small"],
                "ConstraintDescription": "must be a valid EC2 instance type.",
            },
            "m1.huge",
            'Parameters.P: value "m1.huge" is not one of the allowed values '
            '["t1.micro", "m1.small"]: must be a valid EC2 instance type.',
        ),
        (
            {"Type": "String", "AllowedPattern": "[a-z]+"},
            "abc1",
            'Parameters.P: value "abc1" does not match pattern [a-z]+',
        ),
        (
            {"Type": "String", "AllowedPattern": "a|b"},
            "ab",
            'Parameters.P: value "ab" does not match pattern a|b',
        ),
        (
            {"Type": "String", "MinLength": "3"},
            "ab",
            'Parameters.P: value "ab" is shorter than the minimum length of 3',
        ),
        (
            {"Type": "String", "MaxLength": 4},
            "abcde",
            'Parameters.P: value "abcde" is longer than the maximum length of 4',
        ),
        (
            {"Type": "Number", "MinValue": "1"},
            "0",
            'Parameters.P: value "0" is less than the minimum value of 1',
        ),
        (
            {"Type": "Number", "MaxValue": 2.5},
            "2.51",
            'Parameters.P: value "2.51" is greater than the maximum value of 2.5',
        ),
        (
            {"Type": "Number", "MaxValue": "1e3"},
            "1001",
            'Parameters.P: value "1001" is greater than the maximum value of 1000.0',
        ),
        (
            {"Type": "Number", "AllowedValues": [1, 2]},
            "3",
            'Parameters.P: value "3" is not one of the allowed values ["1", "2"]',
        ),
        (
            {"Type": "List<Number>", "MinValue": 1, "MaxValue": 65535},
            "80,0",
            'Parameters.P: value[1] "0" is less than the minimum value of 1',
        ),
        (
            {"Type": "CommaDelimitedList", "AllowedValues": ["az1", "az2"]},
            "az1, az3",
            'Parameters.P: value[1] "az3" is not one of the allowed values ["az1", "az2"]',
        ),
        (
            {"Type": "CommaDelimitedList", "AllowedPattern": "[a-z]+[0-9]"},
            "az1,AZ2",
            'Parameters.P: value[1] "AZ2" does not match pattern [a-z]+[0-9]',
        ),
        (
            {"Type": "AWS::EC2::KeyPair::KeyName", "MinLength": 1},
            "",
            'Parameters.P: value "" is shorter than the minimum length of 1',
        ),
        (
            {"Type": "List<AWS::EC2::Subnet::Id>", "AllowedPattern": "subnet-[0-9]+"},
            "subnet-1,net-2",
            'Parameters.P: value[1] "net-2" does not match pattern subnet-[0-9]+',
        ),
    ],
)
def test_a_value_that_breaks_a_constraint_is_reported_exactly(decl, value, expected):
    assert value_messages(decl, value) == [expected]


def test_the_example_from_a_wordpress_template():
    decl = {
        "Type": "String",
        "Default": "wordpress",
        "MinLength": "1",
        "MaxLength": "64",
        "AllowedPattern": "[a-zA-Z][a-zA-Z0-9]*",
        "ConstraintDescription": (
            "must begin with a letter and contain only alphanumeric characters."
        ),
    }
    stack_params = Parameters({"DBName": schema_of(decl, "DBName")}, {"DBName": "1abc"}, IDENTITY)
    assert stack_params.validate() == [
        Finding(
            "invalid-parameter-value",
            ("Parameters", "DBName"),
            'value "1abc" does not match pattern [a-zA-Z][a-zA-Z0-9]*: must begin with a '
            "letter and contain only alphanumeric characters.",
        )
    ]


def test_each_item_of_a_list_is_reported_with_its_first_problem_only():
    decl = {"Type": "List<Number>", "MinValue": 10, "AllowedValues": [10, 20, "x"]}
    assert value_messages(decl, "5,x,30") == [
        'Parameters.P: value[0] "5" is not one of the allowed values ["10", "20", "x"]',
        'Parameters.P: value[1] "x" is not a number',
        'Parameters.P: value[2] "30" is not one of the allowed values ["10", "20", "x"]',
    ]


@pytest.mark.parametrize(
    "decl, value",
    [
        ({"Type": "String", "AllowedPattern": "[a-z]+"}, "abc"),
        ({"Type": "String", "AllowedPattern": "^[a-z]+$"}, "abc"),
        ({"Type": "String", "MinLength": 3, "MaxLength": 3}, "abc"),
        ({"Type": "String", "AllowedValues": ["a", "b"]}, "b"),
        ({"Type": "Number", "MinValue": 1, "MaxValue": 10}, "10"),
        ({"Type": "Number", "MinValue": -1.5}, "-1.5"),
        ({"Type": "Number", "AllowedValues": [1, 2]}, "1"),
        ({"Type": "Number", "AllowedValues": [1.5]}, "1.5"),
        ({"Type": "List<Number>", "MaxValue": 100}, "1, 100"),
        ({"Type": "CommaDelimitedList", "AllowedValues": ["a", "b"]}, "b, a"),
        ({"Type": "String", "AllowedValues": [True, False]}, "false"),
    ],
)
def test_a_value_within_the_constraints_has_no_findings(decl, value):
    assert value_messages(decl, value) == []


# -- YAML and JSON templates --


def test_yes_and_no_allowed_values_from_yaml_stay_strings():
    data, _ = template_format.parse(
        "Parameters:\n"
        "  EnableBackups:\n"
        "    Type: String\n"
        "    Default: Yes\n"
        "    AllowedValues: [Yes, No]\n"
        "  Verbose:\n"
        "    Type: String\n"
        "    Default: false\n"
        "    AllowedValues: [true, false]\n"
    )
    schemas, findings = parse_section(data["Parameters"])
    assert findings == []
    assert schemas["EnableBackups"].allowed_values == ("Yes", "No")
    assert schemas["Verbose"].allowed_values == ("true", "false")
    assert Parameters(schemas, {}, IDENTITY).ref("EnableBackups") == "Yes"
    assert Parameters(schemas, {"EnableBackups": "No"}, IDENTITY).validate() == []
    assert [str(f) for f in Parameters(schemas, {"Verbose": "True"}, IDENTITY).validate()] == [
        'Parameters.Verbose: value "True" is not one of the allowed values ["true", "false"]'
    ]


def test_numbers_from_json_compare_as_strings():
    data, _ = template_format.parse(
        '{"Parameters": {"Size": {"Type": "Number", "Default": 1, "AllowedValues": [1, 2, 4.5],'
        ' "MinValue": 1, "MaxValue": 8}}}'
    )
    schemas, findings = parse_section(data["Parameters"])
    assert findings == []
    schema = schemas["Size"]
    assert (schema.default, schema.allowed_values) == ("1", ("1", "2", "4.5"))
    assert (schema.min_value, schema.max_value) == (1, 8)
    assert Parameters(schemas, {"Size": "4.5"}, IDENTITY).validate() == []
    assert [str(f) for f in Parameters(schemas, {"Size": "1.0"}, IDENTITY).validate()] == [
        'Parameters.Size: value "1.0" is not one of the allowed values ["1", "2", "4.5"]'
    ]


# -- NoEcho --

SECRET = "Sup3r-s3cret"


@pytest.mark.parametrize(
    "decl, expected",
    [
        (
            {"Type": "String", "NoEcho": "true", "AllowedPattern": "[a-zA-Z0-9]*"},
            "Parameters.P: value does not match pattern [a-zA-Z0-9]*",
        ),
        (
            {
                "Type": "String",
                "NoEcho": True,
                "MaxLength": 8,
                "ConstraintDescription": "must be at most 8 characters.",
            },
            "Parameters.P: value is longer than the maximum length of 8: "
            "must be at most 8 characters.",
        ),
        (
            {"Type": "String", "NoEcho": "TRUE", "AllowedValues": ["a"]},
            'Parameters.P: value is not one of the allowed values ["a"]',
        ),
        ({"Type": "Number", "NoEcho": True}, "Parameters.P: value is not a number"),
    ],
)
def test_no_echo_values_never_appear_in_messages(decl, expected):
    messages = value_messages(decl, SECRET)
    assert messages == [expected]
    assert SECRET not in "".join(messages)


def test_a_no_echo_list_names_the_item_but_not_its_value():
    decl = {"Type": "List<Number>", "NoEcho": True}
    assert value_messages(decl, f"1,{SECRET}") == ["Parameters.P: value[1] is not a number"]


def test_a_no_echo_default_that_breaks_its_constraints_is_not_echoed():
    findings = declaration_findings(
        {"Type": "String", "NoEcho": "true", "Default": SECRET, "AllowedPattern": "[a-z]*"},
        name="DBPassword",
    )
    assert [str(f) for f in findings] == [
        "Parameters.DBPassword.Default: Default does not match pattern [a-z]*"
    ]


def test_display_masks_no_echo_values_and_joins_lists():
    schemas, _ = parse_section(
        {
            "DBPassword": {"Type": "String", "NoEcho": "true"},
            "DBRootPassword": {"Type": "String", "NoEcho": "true", "Default": SECRET},
            "Zones": {"Type": "CommaDelimitedList", "Default": "az1, az2"},
            "Ports": {"Type": "List<Number>", "NoEcho": True, "Default": [80, 443]},
            "Size": {"Type": "Number", "Default": 2},
            "KeyName": {"Type": "AWS::EC2::KeyPair::KeyName"},
        }
    )
    stack_params = Parameters(schemas, {"DBPassword": SECRET, "KeyName": "mykey"}, IDENTITY)
    shown = stack_params.display()
    assert shown == {
        "DBPassword": "******",
        "DBRootPassword": "******",
        "Zones": "az1,az2",
        "Ports": "******",
        "Size": "2",
        "KeyName": "mykey",
    }
    assert SECRET not in repr(shown)
    assert stack_params.no_echo_names() == {"DBPassword", "DBRootPassword", "Ports"}
    # The real values stay available to the stack and to storage.
    assert stack_params.ref("DBPassword") == SECRET
    assert stack_params.values()["DBRootPassword"] == SECRET


def test_display_can_add_the_pseudo_parameters_heat_always_showed():
    stack_params = Parameters({"P": schema_of({"Type": "String", "Default": "x"})}, {}, IDENTITY)
    assert stack_params.display(include_pseudo=True) == {
        "P": "x",
        "AWS::StackId": (
            "arn:openstack:heat::8f1c0a2b:stacks/wordpress/0d4d9a4e-2b1e-4c2f-9c3e-5f1b2a3c4d5e"
        ),
        "AWS::StackName": "wordpress",
        "AWS::Region": "RegionTwo",
    }


# -- missing and unknown parameters --


def test_missing_and_unknown_parameters():
    schemas, _ = parse_section(
        {
            "KeyName": {"Type": "String"},
            "InstanceType": {"Type": "String", "Default": "m1.small"},
            "DBPassword": {"Type": "String", "NoEcho": True},
        }
    )
    given = {"KeyNmae": "k", "DBPassword": "pw", "Zzz": "1", "AWS::Region": "r"}
    assert Parameters(schemas, given, IDENTITY).validate() == [
        Finding(
            "missing-parameter",
            ("Parameters", "KeyName"),
            "no value given and the parameter has no Default",
        ),
        Finding(
            "unknown-parameter",
            ("Parameters", "AWS::Region"),
            "AWS::Region is a pseudo parameter and cannot be given a value",
        ),
        Finding(
            "unknown-parameter",
            ("Parameters", "KeyNmae"),
            "a value was given but the template declares no such parameter; "
            'did you mean "KeyName"?',
        ),
        Finding(
            "unknown-parameter",
            ("Parameters", "Zzz"),
            "a value was given but the template declares no such parameter",
        ),
    ]


def test_an_empty_string_is_a_given_value_not_a_missing_one():
    stack_params = Parameters({"P": schema_of({"Type": "String"})}, {"P": ""}, IDENTITY)
    assert stack_params.validate() == []
    assert stack_params.ref("P") == ""


@pytest.mark.parametrize(
    "type_name, given, expected",
    [
        ("String", {"a": 1}, "Parameters.P: value must be a string, not mapping"),
        ("String", None, "Parameters.P: value must be a string, not null"),
        ("Number", ["1"], "Parameters.P: value must be a string, not list"),
        (
            "CommaDelimitedList",
            {"a": 1},
            "Parameters.P: value must be a list or a comma-delimited string, not mapping",
        ),
        ("CommaDelimitedList", ["a", ["b"]], "Parameters.P: value[1] must be a string, not list"),
    ],
)
def test_a_given_value_of_the_wrong_shape(type_name, given, expected):
    assert value_messages({"Type": type_name}, given) == [expected]


def test_values_holds_the_effective_values_in_a_form_parameters_takes_back():
    schemas, _ = parse_section(
        {
            "Name": {"Type": "String"},
            "Size": {"Type": "Number", "Default": 2},
            "Zones": {"Type": "CommaDelimitedList", "Default": ["a,1", "b"]},
            "Required": {"Type": "String"},
        }
    )
    stored = Parameters(schemas, {"Name": "web", "Ignored": "x"}, IDENTITY).values()
    assert stored == {"Name": "web", "Size": "2", "Zones": ["a,1", "b"]}
    reloaded = Parameters(schemas, stored | {"Required": "r"}, IDENTITY)
    assert reloaded.validate() == []
    assert reloaded.ref("Zones") == ["a,1", "b"]


# -- pseudo parameters --


@pytest.mark.parametrize(
    "name, expected",
    [
        ("AWS::AccountId", "8f1c0a2b"),
        ("AWS::Region", "RegionTwo"),
        (
            "AWS::StackId",
            "arn:openstack:heat::8f1c0a2b:stacks/wordpress/0d4d9a4e-2b1e-4c2f-9c3e-5f1b2a3c4d5e",
        ),
        ("AWS::StackName", "wordpress"),
        ("AWS::NotificationARNs", ["arn:openstack:sns::8f1c0a2b:alerts"]),
        ("AWS::Partition", "openstack"),
        ("AWS::URLSuffix", "cloud.example.org"),
    ],
)
def test_pseudo_parameters(name, expected):
    stack_params = Parameters({}, {}, IDENTITY)
    assert name in stack_params
    assert stack_params.ref(name) == expected


def test_pseudo_parameter_defaults():
    identity = StackIdentity(project_id="p1", stack_name="s", stack_id="id-1")
    stack_params = Parameters({}, {}, identity)
    assert identity.arn() == "arn:openstack:heat::p1:stacks/s/id-1"
    assert stack_params.ref("AWS::Region") == "RegionOne"
    assert stack_params.ref("AWS::URLSuffix") == "openstack.local"
    assert stack_params.ref("AWS::NotificationARNs") == []


def test_no_value_is_one_sentinel_that_survives_copies_and_pickling():
    assert Parameters({}, {}, IDENTITY).ref("AWS::NoValue") is NO_VALUE
    assert copy.deepcopy(NO_VALUE) is NO_VALUE
    assert copy.copy(NO_VALUE) is NO_VALUE
    assert pickle.loads(pickle.dumps({"x": NO_VALUE}))["x"] is NO_VALUE
    assert type(NO_VALUE)() is NO_VALUE
    assert repr(NO_VALUE) == "NO_VALUE"


def test_names_contains_and_ref_of_unknown_names():
    schemas, _ = parse_section({"KeyName": {"Type": "String"}})
    stack_params = Parameters(schemas, {}, IDENTITY)
    assert stack_params.names() == {"KeyName"} | params.PSEUDO_PARAMETERS
    assert len(params.PSEUDO_PARAMETERS) == 8
    assert "KeyName" in stack_params
    assert "AWS::Region" in stack_params
    assert "Missing" not in stack_params
    with pytest.raises(KeyError):
        stack_params.ref("Missing")
    with pytest.raises(KeyError):  # declared, required, and not given
        stack_params.ref("KeyName")


def test_a_schema_made_in_code_is_checked_like_a_declared_one():
    schema = ParameterSchema(name="P", type="Number", max_value=3)
    stack_params = Parameters({"P": schema}, {"P": "4"}, IDENTITY)
    assert [str(f) for f in stack_params.validate()] == [
        'Parameters.P: value "4" is greater than the maximum value of 3'
    ]


def test_allowed_patterns_are_compiled_once():
    section = {"P": {"Type": "String", "AllowedPattern": "[a-z]{1,1000}x"}}
    schemas, _ = parse_section(section)
    before = parameter_schema.compile_pattern.cache_info()
    parse_section(section)
    Parameters(schemas, {"P": "abcx"}, IDENTITY).validate()
    after = parameter_schema.compile_pattern.cache_info()
    assert after.misses == before.misses
    assert after.hits == before.hits + 2


# -- the real templates --

TEMPLATE_FILES = sorted(
    glob.glob(os.path.join(TEMPLATES_DIR, "**", "*.template"), recursive=True)
    + glob.glob(os.path.join(TEMPLATES_DIR, "**", "*.yaml"), recursive=True)
)


def test_the_template_corpus_is_there():
    assert len(TEMPLATE_FILES) >= 30


@pytest.mark.parametrize(
    "path", TEMPLATE_FILES, ids=[os.path.relpath(p, TEMPLATES_DIR) for p in TEMPLATE_FILES]
)
def test_real_templates_declare_their_parameters_correctly(path):
    with open(path, "rb") as f:
        data, _ = template_format.parse(f.read(), path)
    schemas, findings = parse_section(data.get("Parameters"))
    assert findings == []
    assert set(schemas) == set(data.get("Parameters") or {})
    # Every default a real template declares is a valid value of its own parameter.
    defaults = {name: s.default for name, s in schemas.items() if s.default is not None}
    given = {name: "x" for name, s in schemas.items() if s.default is None}
    findings = Parameters(schemas, {}, IDENTITY).validate()
    assert {f.path[1] for f in findings} == set(given)
    assert {f.code for f in findings} <= {"missing-parameter"}
    assert set(Parameters(schemas, {}, IDENTITY).values()) == set(defaults)
