"""Tests for heat.engine.functions: parsing, argument findings, results and dependencies."""

import base64

import pytest

from heat.common.exception import InvalidInput
from heat.engine import functions
from heat.engine.findings import format_path
from heat.engine.parameters import NO_VALUE

PARAMETERS = frozenset({"Env", "Subnets", "Size", "AWS::Region", "AWS::NoValue", "AWS::StackName"})
RESOURCES = {"Web": "OS::Heat::TestResource", "Db": "OS::Heat::TestResource", "Stack": "Nested"}
CONDITIONS = frozenset({"IsProd", "IsDev"})
MAPPINGS = {"Arch": {"m1.small": {"64": "x86_64", "32": "i686"}}, "Flat": {"k": "not-a-map"}}


def attribute_check(type_name, attribute):
    if type_name == "Nested" and attribute.startswith("Outputs."):
        return None
    if attribute in ("output", "value"):
        return None
    return f'{type_name} has no attribute "{attribute}"'


def context(**overrides):
    kwargs = dict(
        parameters=PARAMETERS,
        resources=RESOURCES,
        conditions=CONDITIONS,
        mappings=MAPPINGS,
        attribute_check=attribute_check,
    )
    kwargs.update(overrides)
    return functions.ParseContext(**kwargs)


def parse(data, path=("Resources", "R", "Properties", "P"), **overrides):
    """(parsed tree, findings as (code, path, message)) for data at `path`."""
    ctx = context(**overrides)
    tree = functions.parse(data, path, ctx)
    return tree, [(f.code, format_path(f.path), f.message) for f in ctx.findings]


def parse_clean(data):
    tree, findings = parse(data)
    assert findings == []
    return tree


class FakeScope:
    """Just what functions ask of a scope."""

    def __init__(self):
        self.refs = {
            "Env": "prod",
            "Subnets": ["s-1", "s-2", "s-3"],
            "Size": "5",
            "AWS::Region": "RegionOne",
            "AWS::NoValue": NO_VALUE,
            "AWS::StackName": "wp",
            "Web": "web-id",
            "Db": "db-id",
        }
        self.attrs = {
            ("Web", "output"): "web-out",
            ("Db", "value"): "10.0.0.5",
            ("Stack", "Outputs.URL"): "http://wp",
        }
        self.conditions = {"IsProd": True, "IsDev": False}
        self.mappings = MAPPINGS

    def ref(self, name):
        return self.refs[name]

    def attribute(self, resource, attribute):
        return self.attrs[(resource, attribute)]

    def condition(self, name):
        return self.conditions[name]

    def availability_zones(self, region):
        return [f"{region or 'default'}-a", f"{region or 'default'}-b"]

    def import_value(self, name):
        return {"net-id": "n-42"}[name]


def result(data, scope=None):
    return functions.resolve(parse_clean(data), scope or FakeScope())


# -- results --


@pytest.mark.parametrize(
    "data, expected",
    [
        ({"Ref": "Env"}, "prod"),
        ({"Ref": "Web"}, "web-id"),
        ({"Ref": "Subnets"}, ["s-1", "s-2", "s-3"]),
        ({"Ref": "AWS::Region"}, "RegionOne"),
        ({"Fn::GetAtt": ["Web", "output"]}, "web-out"),
        ({"Fn::GetAtt": "Db.value"}, "10.0.0.5"),
        ({"Fn::GetAtt": "Stack.Outputs.URL"}, "http://wp"),
        ({"Fn::GetAtt": ["Stack", "Outputs.URL"]}, "http://wp"),
        ({"Fn::GetAtt": ["Web", {"Fn::Join": ["", ["out", "put"]]}]}, "web-out"),
        ({"Fn::Join": [",", ["a", {"Ref": "Env"}, 3, True]]}, "a,prod,3,true"),
        ({"Fn::Join": ["-", {"Ref": "Subnets"}]}, "s-1-s-2-s-3"),
        ({"Fn::Join": ["", []]}, ""),
        ({"Fn::Base64": "hello"}, "aGVsbG8="),
        (
            {"Fn::Base64": {"Fn::Join": ["", ["#!/bin/sh\n", "echo ", {"Ref": "Env"}]]}},
            base64.b64encode(b"#!/bin/sh\necho prod").decode(),
        ),
        ({"Fn::Base64": "é"}, "w6k="),
        ({"Fn::Select": [0, ["a", "b"]]}, "a"),
        ({"Fn::Select": ["1", ["a", "b"]]}, "b"),
        ({"Fn::Select": [2, {"Ref": "Subnets"}]}, "s-3"),
        ({"Fn::Select": [0, {"Fn::GetAZs": ""}]}, "default-a"),
        ({"Fn::Split": [",", "a,b,,c"]}, ["a", "b", "", "c"]),
        ({"Fn::Split": ["|", {"Ref": "Env"}]}, ["prod"]),
        ({"Fn::Length": [1, 2, 3]}, 3),
        ({"Fn::Length": {"Ref": "Subnets"}}, 3),
        (
            {"Fn::ToJsonString": {"a": [1, "x", True, None], "b": {"Ref": "Env"}}},
            '{"a":[1,"x",true,null],"b":"prod"}',
        ),
        ({"Fn::Replace": [{"%env%": {"Ref": "Env"}, "%e%": "E"}, "%env% and %e%"]}, "prod and E"),
        ({"Fn::Replace": [{"$a": "1", "$ab": "2"}, "$ab $a"]}, "2 1"),
        ({"Fn::Replace": [{"x": 5}, "axa"]}, "a5a"),
        (
            {
                "Fn::MemberListToMap": [
                    "Name",
                    "Value",
                    [
                        ".member.0.Name=key",
                        ".member.0.Value=door",
                        ".member.1.Name=colour",
                        ".member.1.Value=red",
                    ],
                ]
            },
            {"key": "door", "colour": "red"},
        ),
        ({"Fn::MemberListToMap": ["Key", "Value", []]}, {}),
        ({"Fn::FindInMap": ["Arch", "m1.small", "64"]}, "x86_64"),
        ({"Fn::FindInMap": ["Arch", {"Fn::Join": ["", ["m1.", "small"]]}, 32]}, "i686"),
        ({"Fn::GetAZs": ""}, ["default-a", "default-b"]),
        ({"Fn::GetAZs": {"Ref": "AWS::Region"}}, ["RegionOne-a", "RegionOne-b"]),
        ({"Fn::ImportValue": "net-id"}, "n-42"),
        ({"Fn::Cidr": ["10.0.0.0/16", 3, 8]}, ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]),
        ({"Fn::Cidr": ["192.168.0.0/24", "2", "6"]}, ["192.168.0.0/26", "192.168.0.64/26"]),
        ({"Fn::Cidr": ["2001:db8::/56", 2, 64]}, ["2001:db8::/64", "2001:db8:0:1::/64"]),
        ({"Fn::If": ["IsProd", "big", "small"]}, "big"),
        ({"Fn::If": ["IsDev", "big", {"Ref": "Env"}]}, "prod"),
        ({"Fn::Equals": [{"Ref": "Env"}, "prod"]}, True),
        ({"Fn::Equals": ["1", 1]}, True),
        ({"Fn::Equals": ["true", True]}, True),
        ({"Fn::Equals": [{"Ref": "Size"}, 6]}, False),
        ({"Fn::Equals": [["a", 1], ["a", "1"]]}, True),
        ({"Fn::And": [True, {"Fn::Equals": ["a", "a"]}]}, True),
        ({"Fn::And": [True, False, True]}, False),
        ({"Fn::Or": [False, {"Fn::Equals": ["a", "b"]}]}, False),
        ({"Fn::Or": [False, True]}, True),
        ({"Fn::Not": [{"Fn::Equals": [{"Ref": "Env"}, "dev"]}]}, True),
        ({"Fn::Not": [True]}, False),
        # Plain data around functions is kept, functions inside it are resolved.
        ({"a": [{"Ref": "Env"}, {"b": {"Ref": "Size"}}]}, {"a": ["prod", {"b": "5"}]}),
    ],
)
def test_result(data, expected):
    assert result(data) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("plain", "plain"),
        ("${Env}-${AWS::StackName}", "prod-wp"),
        ("${ Env }", "prod"),
        ("${Web}", "web-id"),
        ("${Web.output}", "web-out"),
        ("${Stack.Outputs.URL}/wp", "http://wp/wp"),
        ("${!Literal} ${!Env}", "${Literal} ${Env}"),
        ("${Subnets}", "s-1,s-2,s-3"),
        ("$Env {Env} $", "$Env {Env} $"),
    ],
)
def test_sub_string_form(text, expected):
    assert result({"Fn::Sub": text}) == expected


def test_sub_variable_map():
    data = {
        "Fn::Sub": [
            "${Name}.${Domain} in ${AWS::Region}, ${!Name}",
            {"Name": {"Ref": "Env"}, "Domain": {"Fn::GetAtt": ["Db", "value"]}},
        ]
    }
    assert result(data) == "prod.10.0.0.5 in RegionOne, ${Name}"


def test_sub_variable_shadows_parameter():
    assert result({"Fn::Sub": ["${Env}", {"Env": "from-map"}]}) == "from-map"


# -- AWS::NoValue --


@pytest.mark.parametrize(
    "data, expected",
    [
        (
            {"Keep": "x", "Drop": {"Fn::If": ["IsDev", "dev", {"Ref": "AWS::NoValue"}]}},
            {"Keep": "x"},
        ),
        (
            ["a", {"Fn::If": ["IsDev", "b", {"Ref": "AWS::NoValue"}]}, "c"],
            ["a", "c"],
        ),
        ({"Drop": {"Ref": "AWS::NoValue"}}, {}),
        ({"Fn::Join": [",", ["a", {"Ref": "AWS::NoValue"}, "b"]]}, "a,b"),
        ({"Fn::If": ["IsProd", {"Ref": "AWS::NoValue"}, "x"]}, NO_VALUE),
    ],
)
def test_no_value_drops_the_entry(data, expected):
    assert result(data) is expected if expected is NO_VALUE else result(data) == expected


# -- errors at evaluation time --


@pytest.mark.parametrize(
    "data, message",
    [
        (
            {"Fn::Select": [3, ["a", "b"]]},
            "Resources.R.Properties.P.Fn::Select: Fn::Select index 3 is out of range for 2 items",
        ),
        (
            {"Fn::Select": [-1, ["a"]]},
            "Resources.R.Properties.P.Fn::Select: Fn::Select index -1 is out of range for 1 items",
        ),
        (
            {"Fn::Select": [0, {"Ref": "Env"}]},
            "Resources.R.Properties.P.Fn::Select: Fn::Select needs a list, got str 'prod'",
        ),
        (
            {"Fn::Join": [",", {"Ref": "Env"}]},
            "Resources.R.Properties.P.Fn::Join: Fn::Join needs a list, got str 'prod'",
        ),
        (
            {"Fn::Join": [",", [["nested"]]]},
            "Resources.R.Properties.P.Fn::Join: expected a string, got a list",
        ),
        (
            {"Fn::Length": "abc"},
            "Resources.R.Properties.P.Fn::Length: Fn::Length needs a list, got str 'abc'",
        ),
        (
            {"Fn::FindInMap": ["Arch", "m1.small", {"Ref": "Size"}]},
            'Resources.R.Properties.P.Fn::FindInMap: mapping "Arch" has no value for '
            '"m1.small"/"5"',
        ),
        (
            {"Fn::Cidr": ["10.0.0.0/24", 2, 9]},
            "Resources.R.Properties.P.Fn::Cidr: Fn::Cidr: 9 host bits do not fit in 10.0.0.0/24",
        ),
        (
            {"Fn::Cidr": ["10.0.0.0/24", 5, 6]},
            "Resources.R.Properties.P.Fn::Cidr: Fn::Cidr: 10.0.0.0/24 does not hold 5 subnets "
            "of /26",
        ),
        (
            {"Fn::Cidr": ["10.0.0.0/24", 0, 6]},
            "Resources.R.Properties.P.Fn::Cidr: Fn::Cidr: 10.0.0.0/24 does not hold 0 subnets "
            "of /26",
        ),
        (
            {"Fn::Cidr": ["not-a-cidr", 1, 6]},
            "Resources.R.Properties.P.Fn::Cidr: Fn::Cidr: 'not-a-cidr' does not appear to be an "
            "IPv4 or IPv6 network",
        ),
        (
            {"Fn::MemberListToMap": ["Name", "Value", ["member.0.Name"]]},
            "Resources.R.Properties.P.Fn::MemberListToMap: Fn::MemberListToMap: malformed "
            'member "member.0.Name"',
        ),
        (
            {"Fn::And": [True, "yes"]},
            "Resources.R.Properties.P.Fn::And: Fn::And needs conditions, got str 'yes'",
        ),
        (
            {"Fn::Not": ["false"]},
            "Resources.R.Properties.P.Fn::Not: Fn::Not needs a condition, got str 'false'",
        ),
        (
            {"Fn::Sub": "${Subnets} ${Web.output}x${Db.value}${Stack.Outputs.URL}${Env.x}"},
            None,  # Env.x is no resource attribute: a finding at parse time, see below
        ),
    ],
)
def test_evaluation_error(data, message):
    tree, findings = parse(data)
    if message is None:
        assert findings == [
            (
                "unknown-reference",
                "Resources.R.Properties.P.Fn::Sub",
                'Fn::Sub refers to unknown name "Env.x"',
            )
        ]
        return
    assert findings == []
    with pytest.raises(InvalidInput) as caught:
        functions.resolve(tree, FakeScope())
    assert str(caught.value) == message


# -- argument findings at parse time --

P = "Resources.R.Properties.P"


@pytest.mark.parametrize(
    "data, expected",
    [
        (
            {"Ref": 1},
            [("function-arguments", f"{P}.Ref", "Ref takes the name of a parameter or resource")],
        ),
        (
            {"Ref": "Evn"},
            [
                (
                    "unknown-reference",
                    f"{P}.Ref",
                    'Ref to unknown parameter or resource "Evn" (did you mean "Env"?)',
                )
            ],
        ),
        (
            {"Ref": "Nothing"},
            [("unknown-reference", f"{P}.Ref", 'Ref to unknown parameter or resource "Nothing"')],
        ),
        (
            {"Fn::GetAtt": ["Web"]},
            [("function-arguments", f"{P}.Fn::GetAtt", "Fn::GetAtt takes a list of 2 arguments")],
        ),
        (
            {"Fn::GetAtt": [1, "a"]},
            [("function-arguments", f"{P}.Fn::GetAtt", "Fn::GetAtt needs a resource name")],
        ),
        (
            {"Fn::GetAtt": "Web"},
            [("function-arguments", f"{P}.Fn::GetAtt", "Fn::GetAtt needs an attribute name")],
        ),
        (
            {"Fn::GetAtt": ["Wbe", "output"]},
            [
                (
                    "unknown-reference",
                    f"{P}.Fn::GetAtt",
                    'Fn::GetAtt of unknown resource "Wbe" (did you mean "Web"?)',
                )
            ],
        ),
        (
            {"Fn::GetAtt": ["Web", "nope"]},
            [
                (
                    "unknown-attribute",
                    f"{P}.Fn::GetAtt",
                    'OS::Heat::TestResource has no attribute "nope"',
                )
            ],
        ),
        (
            {"Fn::Join": [1, "x"]},
            [
                ("function-arguments", f"{P}.Fn::Join", "Fn::Join delimiter must be a string"),
                ("function-arguments", f"{P}.Fn::Join", "Fn::Join needs a list of values to join"),
            ],
        ),
        (
            {"Fn::Join": ","},
            [("function-arguments", f"{P}.Fn::Join", "Fn::Join takes a list of 2 arguments")],
        ),
        (
            {"Fn::Select": ["x", []]},
            [("function-arguments", f"{P}.Fn::Select", "Fn::Select index must be an integer")],
        ),
        (
            {"Fn::Select": [True, []]},
            [("function-arguments", f"{P}.Fn::Select", "Fn::Select index must be an integer")],
        ),
        (
            {"Fn::Select": [0]},
            [("function-arguments", f"{P}.Fn::Select", "Fn::Select takes a list of 2 arguments")],
        ),
        (
            {"Fn::Split": [None, "a"]},
            [
                (
                    "function-arguments",
                    f"{P}.Fn::Split",
                    "Fn::Split delimiter must be a non-empty string",
                )
            ],
        ),
        (
            {"Fn::Split": ["", "a"]},
            [
                (
                    "function-arguments",
                    f"{P}.Fn::Split",
                    "Fn::Split delimiter must be a non-empty string",
                )
            ],
        ),
        (
            {"Fn::Replace": ["a", "b"]},
            [
                (
                    "function-arguments",
                    f"{P}.Fn::Replace",
                    "Fn::Replace needs a mapping of replacements",
                )
            ],
        ),
        (
            {"Fn::MemberListToMap": ["a", "b"]},
            [
                (
                    "function-arguments",
                    f"{P}.Fn::MemberListToMap",
                    "Fn::MemberListToMap takes a list of 3 arguments",
                )
            ],
        ),
        (
            {"Fn::FindInMap": ["Arhc", "a", "b"]},
            [
                (
                    "unknown-mapping",
                    f"{P}.Fn::FindInMap",
                    'Fn::FindInMap of unknown mapping "Arhc" (did you mean "Arch"?)',
                )
            ],
        ),
        (
            {"Fn::FindInMap": ["Arch", "m1.large", "64"]},
            [("unknown-mapping-key", f"{P}.Fn::FindInMap", 'mapping "Arch" has no key "m1.large"')],
        ),
        (
            {"Fn::FindInMap": ["Arch", "m1.small", "16"]},
            [
                (
                    "unknown-mapping-key",
                    f"{P}.Fn::FindInMap",
                    'mapping "Arch" has no key "16" under "m1.small"',
                )
            ],
        ),
        (
            {"Fn::FindInMap": ["Arch", "m1.small"]},
            [
                (
                    "function-arguments",
                    f"{P}.Fn::FindInMap",
                    "Fn::FindInMap takes a list of 3 arguments",
                )
            ],
        ),
        (
            {"Fn::ImportValue": ["x"]},
            [
                (
                    "function-arguments",
                    f"{P}.Fn::ImportValue",
                    "Fn::ImportValue takes an export name",
                )
            ],
        ),
        (
            {"Fn::Cidr": ["10.0.0.0/16", 2]},
            [("function-arguments", f"{P}.Fn::Cidr", "Fn::Cidr takes a list of 3 arguments")],
        ),
        (
            {"Fn::Sub": 5},
            [("function-arguments", f"{P}.Fn::Sub", "Fn::Sub takes a string or [string, {vars}]")],
        ),
        (
            {"Fn::Sub": ["${A}", ["A"]]},
            [("function-arguments", f"{P}.Fn::Sub", "Fn::Sub variables must be a mapping")],
        ),
        (
            {"Fn::Sub": "${Nope} ${Web.nope}"},
            [
                ("unknown-reference", f"{P}.Fn::Sub", 'Fn::Sub refers to unknown name "Nope"'),
                (
                    "unknown-attribute",
                    f"{P}.Fn::Sub",
                    'OS::Heat::TestResource has no attribute "nope"',
                ),
            ],
        ),
        (
            {"Fn::If": ["IsProdd", 1, 2]},
            [
                (
                    "unknown-condition",
                    f"{P}.Fn::If",
                    'Fn::If names unknown condition "IsProdd" (did you mean "IsProd"?)',
                )
            ],
        ),
        (
            {"Fn::If": [["IsProd"], 1, 2]},
            [("function-arguments", f"{P}.Fn::If", "Fn::If needs a condition name")],
        ),
        (
            {"Fn::If": ["IsProd", 1]},
            [("function-arguments", f"{P}.Fn::If", "Fn::If takes a list of 3 arguments")],
        ),
        (
            {"Fn::Equals": ["a"]},
            [("function-arguments", f"{P}.Fn::Equals", "Fn::Equals takes a list of 2 arguments")],
        ),
        (
            {"Fn::And": [True]},
            [("function-arguments", f"{P}.Fn::And", "Fn::And takes 2 to 10 conditions")],
        ),
        (
            {"Fn::Or": [True] * 11},
            [("function-arguments", f"{P}.Fn::Or", "Fn::Or takes 2 to 10 conditions")],
        ),
        (
            {"Fn::Not": [True, False]},
            [("function-arguments", f"{P}.Fn::Not", "Fn::Not takes a list of 1 argument")],
        ),
        (
            {"Fn::Jion": [",", []]},
            [
                (
                    "unknown-function",
                    f"{P}.Fn::Jion",
                    'unknown function Fn::Jion (did you mean "Fn::Join"?)',
                )
            ],
        ),
        (
            {"Fn::Frobnicate": 1},
            [("unknown-function", f"{P}.Fn::Frobnicate", "unknown function Fn::Frobnicate")],
        ),
        (
            {"Fn::Contains": [[], "a"]},
            [
                (
                    "unknown-function",
                    f"{P}.Fn::Contains",
                    'unknown function Fn::Contains (did you mean "Fn::Join"?)',
                )
            ],
        ),
        (
            {"Fn::Transform": {"Name": "M"}},
            [
                (
                    "unsupported-function",
                    f"{P}.Fn::Transform",
                    "Fn::Transform (macros) is not supported",
                )
            ],
        ),
        (
            {"a": ["x", "{{resolve:ssm:x}}"]},
            [
                (
                    "unsupported-dynamic-reference",
                    f"{P}.a[1]",
                    "dynamic references ({{resolve:...}}) are not supported",
                )
            ],
        ),
        # Nested functions are found at their own path.
        (
            {"Fn::Join": ["", [{"Ref": "Nope"}]]},
            [
                (
                    "unknown-reference",
                    f"{P}.Fn::Join[1][0].Ref",
                    'Ref to unknown parameter or resource "Nope"',
                )
            ],
        ),
        # Two keys: plain data, not a function (Ref is then not checked).
        ({"Ref": "Nope", "Other": 1}, []),
        # A key named Condition is plain data outside Conditions and Rules.
        ({"Condition": "Nope"}, []),
    ],
)
def test_argument_findings(data, expected):
    assert parse(data)[1] == expected


@pytest.mark.parametrize(
    "data, expected",
    [
        (
            {"Ref": "Web"},
            [
                (
                    "invalid-reference",
                    "Conditions.C.Ref",
                    'Ref to resource "Web" is not allowed here',
                )
            ],
        ),
        (
            {"Ref": "Wb"},
            [
                (
                    "unknown-reference",
                    "Conditions.C.Ref",
                    'Ref to unknown parameter or resource "Wb"',
                )
            ],
        ),
        (
            {"Fn::GetAtt": ["Web", "output"]},
            [
                (
                    "unknown-reference",
                    "Conditions.C.Fn::GetAtt",
                    'Fn::GetAtt of unknown resource "Web"',
                )
            ],
        ),
        (
            {"Fn::Sub": "${Web}"},
            [("unknown-reference", "Conditions.C.Fn::Sub", 'Fn::Sub refers to unknown name "Web"')],
        ),
        ({"Fn::Equals": [{"Ref": "Env"}, "prod"]}, []),
    ],
)
def test_parameters_only_scope(data, expected):
    ctx = context()
    ctx.scope = functions.PARAMETERS_ONLY
    functions.parse(data, ("Conditions", "C"), ctx, conditions=True)
    assert [(f.code, format_path(f.path), f.message) for f in ctx.findings] == expected


def test_condition_reference_only_where_conditions_are_parsed():
    ctx = context()
    tree = functions.parse({"Condition": "IsProd"}, ("Conditions", "C"), ctx, conditions=True)
    assert isinstance(tree, functions.ConditionRef)
    assert tree.result(FakeScope()) is True
    functions.parse({"Condition": "Nope"}, ("Conditions", "C"), ctx, conditions=True)
    assert [(f.code, format_path(f.path), f.message) for f in ctx.findings] == [
        ("unknown-condition", "Conditions.C.Condition", 'Condition names unknown condition "Nope"')
    ]


# -- dependencies --


@pytest.mark.parametrize(
    "data, expected",
    [
        ({"Ref": "Web"}, ["Web"]),
        ({"Ref": "Env"}, ["Env"]),  # the graph drops names that are not resources
        ({"Fn::GetAtt": ["Db", "value"]}, ["Db"]),
        ({"Fn::GetAtt": "Stack.Outputs.URL"}, ["Stack"]),
        ({"Fn::Sub": "${Web} ${Db.value} ${Env} ${!Stack}"}, ["Web", "Db", "Env"]),
        ({"Fn::Sub": ["${X}", {"X": {"Ref": "Db"}}]}, ["Db"]),
        ({"Fn::If": ["IsProd", {"Ref": "Web"}, {"Fn::GetAtt": ["Db", "value"]}]}, ["Web", "Db"]),
        ({"Fn::Join": ["", [{"Ref": "Web"}, {"a": {"Ref": "Db"}}]]}, ["Web", "Db"]),
        ({"Fn::Base64": {"Fn::Sub": "${Stack.Outputs.URL}"}}, ["Stack"]),
        ({"Fn::FindInMap": ["Arch", "m1.small", "64"]}, []),
        ("plain", []),
    ],
)
def test_dependencies(data, expected):
    assert list(functions.dependencies(parse_clean(data))) == expected


@pytest.mark.parametrize(
    "conditions, expected",
    [
        ({"IsProd": True, "IsDev": False}, ["Web", "Stack"]),
        ({"IsProd": False, "IsDev": False}, ["Db", "Stack"]),
        ({"IsProd": False, "IsDev": True}, ["Db", "Web"]),
    ],
)
def test_dependencies_of_the_branches_taken(conditions, expected):
    tree = parse_clean(
        [
            {"Fn::If": ["IsProd", {"Ref": "Web"}, {"Ref": "Db"}]},
            {"Fn::Sub": ["${X}", {"X": {"Fn::If": ["IsDev", {"Ref": "Web"}, "${Stack}"]}}]},
            {"Fn::If": ["IsDev", "none", {"Fn::GetAtt": ["Stack", "Outputs.URL"]}]},
        ]
    )
    assert list(functions.dependencies(tree, conditions.__getitem__)) == expected
