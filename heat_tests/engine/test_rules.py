"""Tests for heat.engine.rules: parsing the Rules section, rule functions, failed assertions."""

import pytest

from heat.common.exception import NotSupported
from heat.engine.findings import format_path
from heat.engine.parameters import StackIdentity
from heat.engine.stack_definition import StackDefinition
from heat.engine.template import Template

IDENTITY = StackIdentity(project_id="p1", stack_name="s", stack_id="id-1")

HEAD = """\
Parameters:
  Env: {Type: String, Default: dev}
  Size: {Type: String, Default: m1.small}
  Subnets: {Type: CommaDelimitedList, Default: "a,b"}
  Other: {Type: CommaDelimitedList, Default: "c"}
  Key: {Type: String, Default: k1}
Resources:
  R: {Type: OS::Heat::None}
Rules:
"""


def found(rules_text, values=None):
    definition = StackDefinition(Template.parse(HEAD + rules_text), values or {}, IDENTITY)
    return [(f.code, format_path(f.path), f.message, f.line) for f in definition.findings]


def assertion(test):
    return f"  R1:\n    Assertions:\n      - Assert: {test}\n        AssertDescription: broken\n"


FAILED = [("rule-failed", "Rules.R1.Assertions[0]", "broken", 12)]


@pytest.mark.parametrize(
    "test, values, holds",
    [
        ("{'Fn::Contains': [[m1.small, m1.large], !Ref Size]}", {}, True),
        ("{'Fn::Contains': [[m1.small, m1.large], !Ref Size]}", {"Size": "m1.tiny"}, False),
        ("{'Fn::Contains': [!Ref Subnets, b]}", {}, True),
        ("{'Fn::Contains': [!Ref Subnets, z]}", {}, False),
        ("{'Fn::EachMemberEquals': [!Ref Subnets, a]}", {"Subnets": "a,a"}, True),
        ("{'Fn::EachMemberEquals': [!Ref Subnets, a]}", {}, False),
        ("{'Fn::EachMemberIn': [!Ref Subnets, [a, b, c]]}", {}, True),
        ("{'Fn::EachMemberIn': [!Ref Subnets, [a, c]]}", {}, False),
        ("{'Fn::EachMemberIn': [{'Fn::RefAll': CommaDelimitedList}, [a, b, c]]}", {}, True),
        ("{'Fn::EachMemberIn': [{'Fn::RefAll': CommaDelimitedList}, [a, b]]}", {}, False),
        ("{'Fn::Contains': [{'Fn::RefAll': String}, k1]}", {}, True),
        ("!Equals [!Ref Env, dev]", {}, True),
        ("!Not [!Equals [!Ref Env, dev]]", {}, False),
        ("!And [!Equals [!Ref Env, dev], {'Fn::Contains': [[k1], !Ref Key]}]", {}, True),
        ("!Or [!Equals [!Ref Env, prod], !Equals [!Ref Key, k2]]", {}, False),
    ],
)
def test_rule_functions(test, values, holds):
    assert found(assertion(test), values) == ([] if holds else FAILED)


@pytest.mark.parametrize(
    "condition, env, expected",
    [
        ("!Equals [!Ref Env, prod]", "prod", FAILED),
        ("!Equals [!Ref Env, prod]", "dev", []),
        ("!Not [!Equals [!Ref Env, prod]]", "dev", FAILED),
    ],
)
def test_rule_condition(condition, env, expected):
    text = (
        f"  R1:\n    RuleCondition: {condition}\n    Assertions:\n"
        "      - Assert: !Equals [!Ref Size, m1.large]\n        AssertDescription: broken\n"
    )
    expected = [(c, p, m, 13) for c, p, m, _ in expected]
    assert found(text, {"Env": env}) == expected


def test_every_failed_assertion_is_reported_with_its_description_or_a_default():
    text = """\
  Sizes:
    Assertions:
      - Assert: !Equals [!Ref Size, m1.small]
        AssertDescription: fine
      - Assert: !Equals [!Ref Size, m1.large]
        AssertDescription: Size must be m1.large
      - Assert: {'Fn::Contains': [[x], !Ref Key]}
"""
    assert found(text) == [
        ("rule-failed", "Rules.Sizes.Assertions[1]", "Size must be m1.large", 14),
        ("rule-failed", "Rules.Sizes.Assertions[2]", "rule Sizes does not hold", 16),
    ]


@pytest.mark.parametrize(
    "test, message",
    [
        (
            "{'Fn::ValueOf': [Key, VpcId]}",
            "Fn::ValueOf(Key, VpcId): attributes of parameter values need a cloud lookup that "
            "this validation does not make",
        ),
        (
            "{'Fn::EachMemberEquals': [{'Fn::ValueOfAll': [String, Tags]}, x]}",
            "Fn::ValueOf(Env, Tags): attributes of parameter values need a cloud lookup that "
            "this validation does not make",
        ),
    ],
)
def test_value_of_is_not_supported(test, message):
    with pytest.raises(NotSupported) as caught:
        found(assertion(test))
    assert str(caught.value) == message


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "  R1: [a]\n",
            [("invalid-rule", "Rules.R1", "a rule must be a mapping", 10)],
        ),
        (
            "  R1:\n    RuleCondition: !Equals [a, a]\n",
            [("invalid-rule", "Rules.R1.Assertions", "a rule needs a list of Assertions", 10)],
        ),
        (
            "  R1:\n    Assertions: []\n",
            [("invalid-rule", "Rules.R1.Assertions", "a rule needs a list of Assertions", 11)],
        ),
        (
            "  R1:\n    Assertions:\n      - AssertDescription: x\n",
            [
                (
                    "invalid-rule",
                    "Rules.R1.Assertions[0]",
                    "an assertion must be a mapping with an Assert",
                    12,
                )
            ],
        ),
        (
            "  R1:\n    Asertions: []\n    Assertions:\n      - {Assert: true, Descr: x}\n",
            [
                ("unknown-rule-key", "Rules.R1.Asertions", 'unknown rule key "Asertions"', 11),
                (
                    "unknown-rule-key",
                    "Rules.R1.Assertions[0].Descr",
                    'unknown assertion key "Descr"',
                    13,
                ),
            ],
        ),
        (
            "  R1:\n    Assertions:\n      - Assert: !Equals [!Ref R, x]\n",
            [
                (
                    "invalid-reference",
                    "Rules.R1.Assertions[0].Assert.Fn::Equals[0].Ref",
                    'Ref to resource "R" is not allowed here',
                    12,
                )
            ],
        ),
        (
            "  R1:\n    Assertions:\n      - Assert: {'Fn::Contain': [[a], a]}\n",
            [
                (
                    "unknown-function",
                    "Rules.R1.Assertions[0].Assert.Fn::Contain",
                    'unknown function Fn::Contain (did you mean "Fn::Contains"?)',
                    12,
                )
            ],
        ),
        (
            "  R1:\n    Assertions:\n      - Assert: {'Fn::Contains': [[a]]}\n",
            [
                (
                    "function-arguments",
                    "Rules.R1.Assertions[0].Assert.Fn::Contains",
                    "Fn::Contains takes a list of 2 arguments",
                    12,
                )
            ],
        ),
    ],
)
def test_rule_findings(text, expected):
    assert found(text) == expected


def test_rules_section_must_be_a_mapping():
    assert found(" [a]\n") == [("invalid-section", "Rules", "Rules must be a mapping", 9)]
