"""Tests for heat.engine.template_format: JSON and YAML text -> data, short tags, SourceMap."""

import json

import pytest

from heat.common.exception import TemplateError
from heat.engine import template_format
from heat.engine.template_format import SourceMap


def data_of(text):
    return template_format.parse(text)[0]


def findings_of(text, **kwargs):
    with pytest.raises(TemplateError) as caught:
        template_format.parse(text, **kwargs)
    return [(f.code, f.path, f.message, f.line, f.column) for f in caught.value.findings]


# -- YAML short forms --


@pytest.mark.parametrize(
    "yaml_value, long_form",
    [
        ("!Ref Web", {"Ref": "Web"}),
        ("!Ref AWS::Region", {"Ref": "AWS::Region"}),
        ("!GetAtt Web.PublicIp", {"Fn::GetAtt": ["Web", "PublicIp"]}),
        ("!GetAtt Stack.Outputs.URL", {"Fn::GetAtt": ["Stack", "Outputs.URL"]}),
        ("!GetAtt [Web, PublicIp]", {"Fn::GetAtt": ["Web", "PublicIp"]}),
        ('!Sub "http://${Web.PublicIp}/"', {"Fn::Sub": "http://${Web.PublicIp}/"}),
        ("!Sub ['${A}-x', {A: !Ref Env}]", {"Fn::Sub": ["${A}-x", {"A": {"Ref": "Env"}}]}),
        ("!Join ['', [a, !Ref Env]]", {"Fn::Join": ["", ["a", {"Ref": "Env"}]]}),
        ("!Select [0, !GetAZs '']", {"Fn::Select": [0, {"Fn::GetAZs": ""}]}),
        ("!Split [',', a]", {"Fn::Split": [",", "a"]}),
        (
            "!FindInMap [Arch, !Ref Type, '64']",
            {"Fn::FindInMap": ["Arch", {"Ref": "Type"}, "64"]},
        ),
        ("!Base64 {'Fn::Sub': x}", {"Fn::Base64": {"Fn::Sub": "x"}}),
        ("!Base64 plain", {"Fn::Base64": "plain"}),
        ("!GetAZs ''", {"Fn::GetAZs": ""}),
        ("!GetAZs", {"Fn::GetAZs": ""}),
        (
            "!If [C, !Ref A, !Ref AWS::NoValue]",
            {"Fn::If": ["C", {"Ref": "A"}, {"Ref": "AWS::NoValue"}]},
        ),
        ("!Equals [!Ref Env, prod]", {"Fn::Equals": [{"Ref": "Env"}, "prod"]}),
        (
            "!And [!Condition A, !Condition B]",
            {"Fn::And": [{"Condition": "A"}, {"Condition": "B"}]},
        ),
        (
            "!Or [!Condition A, !Not [!Condition B]]",
            {"Fn::Or": [{"Condition": "A"}, {"Fn::Not": [{"Condition": "B"}]}]},
        ),
        ("!Not [!Equals [a, b]]", {"Fn::Not": [{"Fn::Equals": ["a", "b"]}]}),
        ("!Condition IsProd", {"Condition": "IsProd"}),
        ("!ImportValue net-id", {"Fn::ImportValue": "net-id"}),
        ("!ImportValue {'Fn::Sub': '${S}-net'}", {"Fn::ImportValue": {"Fn::Sub": "${S}-net"}}),
        ("!Cidr [10.0.0.0/16, 4, 8]", {"Fn::Cidr": ["10.0.0.0/16", 4, 8]}),
        ("!Length [a, b]", {"Fn::Length": ["a", "b"]}),
        ("!ToJsonString {a: 1}", {"Fn::ToJsonString": {"a": 1}}),
        ("!Transform {Name: M}", {"Fn::Transform": {"Name": "M"}}),
        # A tagged scalar is a string, whatever it looks like.
        ("!Ref 123", {"Ref": "123"}),
        ("!Sub |\n    line ${A}\n    two", {"Fn::Sub": "line ${A}\ntwo\n"}),
    ],
)
def test_short_form(yaml_value, long_form):
    assert data_of(f"Value: {yaml_value}\n") == {"Value": long_form}


@pytest.mark.parametrize(
    "scalar, value",
    [
        ("Yes", "Yes"),
        ("No", "No"),
        ("On", "On"),
        ("Off", "Off"),
        ("yes", "yes"),
        ("y", "y"),
        ("2010-09-09", "2010-09-09"),
        ("2012-12-12 10:00:00", "2012-12-12 10:00:00"),
        ("true", True),
        ("True", True),
        ("FALSE", False),
        ("'true'", "true"),
        ("5", 5),
        ("'5'", "5"),
        ("1.5", 1.5),
        ("~", None),
        ("null", None),
    ],
)
def test_yaml_scalars_read_as_cloudformation_does(scalar, value):
    assert data_of(f"V: {scalar}\n") == {"V": value}


def test_yaml_version_stays_a_string():
    assert data_of("AWSTemplateFormatVersion: 2010-09-09\nResources: {}\n") == {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {},
    }


def test_json_and_yaml_give_the_same_data():
    data = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {"A": {"Type": "OS::Heat::None", "Properties": {"L": [1, "x", True, None]}}},
    }
    yaml_text = """
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  A:
    Type: OS::Heat::None
    Properties:
      L: [1, x, true, null]
"""
    assert data_of(json.dumps(data)) == data_of(yaml_text) == data


@pytest.mark.parametrize(
    "text, expected",
    [
        (b'\xef\xbb\xbf{"A": 1}', {"A": 1}),  # a UTF-8 byte order mark
        ("\ufeffA: 1", {"A": 1}),
        ('  \n {"A": "é"}', {"A": "é"}),
        ("A: é".encode(), {"A": "é"}),
    ],
)
def test_text_forms(text, expected):
    assert data_of(text) == expected


# -- errors --


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            '{"A": 1,}',
            (
                "parse-error",
                (),
                "t.json: invalid JSON: Expecting property name enclosed in double quotes",
                1,
                9,
            ),
        ),
        (
            '{\n  "A": [1, 2}\n}',
            ("parse-error", (), "t.json: invalid JSON: Expecting ',' delimiter", 2, 13),
        ),
        (
            '{\n  "A": \n}',
            ("parse-error", (), "t.json: invalid JSON: Expecting value", 3, 1),
        ),
        (
            "A:\n  B: [1\n",
            ("parse-error", (), "t.json: invalid YAML: did not find expected ',' or ']'", 3, 1),
        ),
        (
            "A: b: c\n",
            (
                "parse-error",
                (),
                "t.json: invalid YAML: mapping values are not allowed in this context",
                1,
                5,
            ),
        ),
        (
            "A:\n  B: !Reff x\n",
            (
                "parse-error",
                (),
                "t.json: invalid YAML: could not determine a constructor for the tag '!Reff'",
                2,
                6,
            ),
        ),
        (
            "- 1\n- 2\n",
            ("not-a-mapping", (), "t.json: a template must be a mapping of sections", None, None),
        ),
        (
            "",
            ("not-a-mapping", (), "t.json: a template must be a mapping of sections", None, None),
        ),
        (
            '"just a string"',
            ("not-a-mapping", (), "t.json: a template must be a mapping of sections", None, None),
        ),
        (
            b"A: \xff\n",
            ("parse-error", (), "t.json: not UTF-8 text (invalid start byte)", None, None),
        ),
    ],
)
def test_parse_errors(text, expected):
    assert findings_of(text, filename="t.json") == [expected]


@pytest.mark.parametrize("kind", ["json", "yaml"])
def test_size_limit(kind):
    text = '{"A": "xxxx"}' if kind == "json" else "A: xxxxxxxx\n"  # 13 and 12 bytes
    limit = len(text)
    assert data_of(text) and template_format.parse(text, max_size=limit)
    assert findings_of(text, filename="big", max_size=limit - 1) == [
        (
            "template-too-large",
            (),
            f"big: template is {limit} bytes, more than the limit of {limit - 1}",
            None,
            None,
        )
    ]


def test_size_limit_counts_bytes_not_characters():
    text = "A: " + "é" * 5  # 8 characters, 13 bytes
    assert findings_of(text, max_size=12)[0][2] == (
        "<template>: template is 13 bytes, more than the limit of 12"
    )


def test_deeply_nested_json_is_a_finding_not_a_crash():
    text = '{"A": ' + "[" * 100_000 + "]" * 100_000 + "}"
    assert findings_of(text, max_size=10**6) == [
        ("parse-error", (), "<template>: invalid JSON: nested too deeply", None, None)
    ]


# -- SourceMap --

JSON_TEXT = """{
  "AWSTemplateFormatVersion" : "2010-09-09",
  "Resources" : {
    "Web" : {
      "Type" : "AWS::EC2::Instance",
      "Properties" : {
        "SecurityGroups" : [ "default", { "Ref" : "Group" } ],
        "UserData" : { "Fn::Base64" : { "Fn::Join" : ["", [ "a", "\\u00e9\\"", 12.5e3 ]] } },
        "Flag": true, "Nothing": null
      }
    },
    "Empty": {}, "List": []
  }
}
"""

YAML_TEXT = """\
AWSTemplateFormatVersion: 2010-09-09
Resources:
  Web:
    Type: AWS::EC2::Instance
    Properties:
      SecurityGroups:
        - default
        - !Ref Group
      UserData: !Base64
        Fn::Join: ["", [a, !GetAtt Db.Address]]
      Tags:
        - {Key: k, Value: !Sub "${AWS::StackName}"}
"""


@pytest.mark.parametrize(
    "path, where",
    [
        ((), (1, 1)),
        (("AWSTemplateFormatVersion",), (2, 3)),
        (("Resources",), (3, 3)),
        (("Resources", "Web"), (4, 5)),
        (("Resources", "Web", "Type"), (5, 7)),
        (("Resources", "Web", "Properties", "SecurityGroups"), (7, 9)),
        (("Resources", "Web", "Properties", "SecurityGroups", 0), (7, 30)),
        (("Resources", "Web", "Properties", "SecurityGroups", 1), (7, 41)),
        (("Resources", "Web", "Properties", "SecurityGroups", 1, "Ref"), (7, 43)),
        (("Resources", "Web", "Properties", "UserData", "Fn::Base64", "Fn::Join", 1, 2), (8, 78)),
        (("Resources", "Web", "Properties", "Flag"), (9, 9)),
        (("Resources", "Web", "Properties", "Nothing"), (9, 23)),
        (("Resources", "Empty"), (12, 5)),
        (("Resources", "List"), (12, 18)),
        # Missing paths fall back to the longest prefix that exists.
        (("Resources", "Web", "Properties", "ImageId"), (6, 7)),
        (("Resources", "Web", "Properties", "SecurityGroups", 7), (7, 9)),
        (("Resources", "Nope", "Type"), (3, 3)),
        (("Nope",), (1, 1)),
    ],
)
def test_source_map_json(path, where):
    assert SourceMap(JSON_TEXT, "json").locate(path) == where


@pytest.mark.parametrize(
    "path, where",
    [
        ((), (1, 1)),
        (("AWSTemplateFormatVersion",), (1, 1)),
        (("Resources", "Web"), (3, 3)),
        (("Resources", "Web", "Type"), (4, 5)),
        (("Resources", "Web", "Properties", "SecurityGroups", 0), (7, 11)),
        (("Resources", "Web", "Properties", "SecurityGroups", 1), (8, 11)),
        (("Resources", "Web", "Properties", "SecurityGroups", 1, "Ref"), (8, 11)),
        (("Resources", "Web", "Properties", "UserData"), (9, 7)),
        (("Resources", "Web", "Properties", "UserData", "Fn::Base64"), (9, 17)),
        (("Resources", "Web", "Properties", "UserData", "Fn::Base64", "Fn::Join"), (10, 9)),
        (
            ("Resources", "Web", "Properties", "UserData", "Fn::Base64", "Fn::Join", 1, 1),
            (10, 28),
        ),
        (
            (
                "Resources",
                "Web",
                "Properties",
                "UserData",
                "Fn::Base64",
                "Fn::Join",
                1,
                1,
                "Fn::GetAtt",
            ),
            (10, 28),
        ),
        (("Resources", "Web", "Properties", "Tags", 0, "Value", "Fn::Sub"), (12, 27)),
        # Missing paths fall back to the longest prefix that exists.
        (("Resources", "Web", "Properties", "Tags", 0, "Missing"), (12, 11)),
        (("Resources", "Web", "Properties", "ImageId"), (5, 5)),
        (("Outputs", "X"), (1, 1)),
    ],
)
def test_source_map_yaml(path, where):
    assert SourceMap(YAML_TEXT, "yaml").locate(path) == where


def test_source_map_is_built_lazily_and_once():
    data, source = template_format.parse(JSON_TEXT)
    assert data["Resources"]["Web"]["Type"] == "AWS::EC2::Instance"
    assert source._index is None
    source.locate(("Resources",))
    index = source._index
    source.locate(("Resources", "Web"))
    assert source._index is index


def test_locate_all_keeps_positions_already_known():
    from heat.engine.findings import Finding

    source = SourceMap(YAML_TEXT, "yaml")
    findings = [
        Finding("a", ("Resources", "Web", "Type"), "m"),
        Finding("b", ("Resources",), "m", 40, 2),
    ]
    assert [(f.line, f.column) for f in source.locate_all(findings)] == [(4, 5), (40, 2)]
