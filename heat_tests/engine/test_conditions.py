"""Tests for heat.engine.conditions: parsing, cycles, evaluation, and Fn::If around them."""

import pytest

from heat.common.exception import InvalidInput
from heat.engine import conditions, functions
from heat.engine.findings import format_path
from heat.engine.parameters import StackIdentity
from heat.engine.stack_definition import StackDefinition
from heat.engine.template import Template

IDENTITY = StackIdentity(project_id="p1", stack_name="s", stack_id="id-1")

PARAMETERS = """
Parameters:
  Env: {Type: String, Default: dev, AllowedValues: [dev, test, prod]}
  Zones: {Type: CommaDelimitedList, Default: "a,b"}
  Count: {Type: Number, Default: 1}
"""


def bind(text, values=None):
    return StackDefinition(Template.parse(text), values or {}, IDENTITY)


def found(definition):
    return [(f.code, format_path(f.path), f.message, f.line) for f in definition.findings]


CONDITIONS = (
    PARAMETERS
    + """
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: {"Fn::Equals": [dev, {"Ref": Env}]}
  NotProd: !Not [!Condition IsProd]
  ProdOrTest: !Or [!Condition IsProd, !Equals [!Ref Env, test]]
  ProdAndTwoZones: !And [!Condition IsProd, !Equals [!Select [1, !Ref Zones], b]]
  ManyOf: !Or [!Condition IsDev, !Condition IsDev, !Condition IsDev, !Condition IsProd]
  CountIsOne: !Equals [!Ref Count, 1]
  AnyZones: !Not [!Equals [!Join [",", !Ref Zones], ""]]
Resources:
  R: {Type: OS::Heat::None}
"""
)


@pytest.mark.parametrize(
    "values, expected",
    [
        (
            {},
            dict(
                IsProd=False,
                IsDev=True,
                NotProd=True,
                ProdOrTest=False,
                ProdAndTwoZones=False,
                ManyOf=True,
                CountIsOne=True,
                AnyZones=True,
            ),
        ),
        (
            {"Env": "prod", "Count": "1.0"},
            dict(
                IsProd=True,
                IsDev=False,
                NotProd=False,
                ProdOrTest=True,
                ProdAndTwoZones=True,
                ManyOf=True,
                CountIsOne=False,
                AnyZones=True,
            ),
        ),
        (
            {"Env": "test", "Zones": "x,y"},
            dict(
                IsProd=False,
                IsDev=False,
                NotProd=True,
                ProdOrTest=True,
                ProdAndTwoZones=False,
                ManyOf=False,
                CountIsOne=True,
                AnyZones=True,
            ),
        ),
    ],
)
def test_evaluation(values, expected):
    definition = bind(CONDITIONS, values)
    assert definition.findings == []
    assert definition.scope.condition.all() == expected


def test_each_condition_is_evaluated_once():
    calls = []

    class Counting(functions.Function):
        name = "Counting"

        def result(self, scope):
            calls.append(1)
            return True

    trees = {
        "A": Counting(("Conditions", "A"), None),
        "B": functions.ConditionRef(("Conditions", "B", "Condition"), "A"),
    }
    scope = type("Scope", (), {})()
    evaluate = scope.condition = conditions.Conditions(trees, scope)
    assert (evaluate("A"), evaluate("B"), evaluate("A")) == (True, True, True)
    assert calls == [1]
    assert "A" in evaluate and "Z" not in evaluate


@pytest.mark.parametrize(
    "section, expected",
    [
        (
            {"A": {"Condition": "A"}},
            ["Conditions.A: conditions refer to each other in a cycle: A -> A"],
        ),
        (
            {"A": {"Condition": "B"}, "B": {"Fn::Not": [{"Condition": "A"}]}},
            ["Conditions.A: conditions refer to each other in a cycle: A -> B -> A"],
        ),
        (
            {
                "C": {"Fn::And": [{"Condition": "A"}, {"Condition": "Free"}]},
                "B": {"Condition": "C"},
                "A": {"Fn::Or": [{"Condition": "B"}, {"Condition": "Free"}]},
                "Free": {"Fn::Equals": ["a", "a"]},
            },
            ["Conditions.A: conditions refer to each other in a cycle: A -> B -> C -> A"],
        ),
        (
            {"A": {"Condition": "B"}, "B": {"Condition": "Free"}, "Free": True},
            [],
        ),
        (
            {
                "A": {"Condition": "B"},
                "B": {"Condition": "A"},
                "X": {"Condition": "Y"},
                "Y": {"Condition": "X"},
            },
            [
                "Conditions.A: conditions refer to each other in a cycle: A -> B -> A",
                "Conditions.X: conditions refer to each other in a cycle: X -> Y -> X",
            ],
        ),
    ],
)
def test_cycles(section, expected):
    ctx = functions.ParseContext(conditions=frozenset(section))
    trees = conditions.parse_section(section, ctx)
    assert ctx.findings == []
    assert [str(f) for f in conditions.cycles(trees)] == expected


def test_cycle_in_a_template_is_a_located_finding():
    definition = bind(
        """
Resources:
  R: {Type: OS::Heat::None}
Conditions:
  First: !And [!Condition Second, !Equals [a, a]]
  Second: !Condition First
"""
    )
    assert found(definition) == [
        (
            "condition-cycle",
            "Conditions.First",
            "conditions refer to each other in a cycle: First -> Second -> First",
            5,
        )
    ]


@pytest.mark.parametrize(
    "body, expected",
    [
        (
            "!Equals [!Ref Env, !Ref Web]",
            [
                (
                    "invalid-reference",
                    "Conditions.C.Fn::Equals[1].Ref",
                    'Ref to resource "Web" is not allowed here',
                    7,
                )
            ],
        ),
        (
            "!Condition Nope",
            [
                (
                    "unknown-condition",
                    "Conditions.C.Condition",
                    'Condition names unknown condition "Nope"',
                    7,
                )
            ],
        ),
        (
            "!Equals [!Ref Evn, prod]",
            [
                (
                    "unknown-reference",
                    "Conditions.C.Fn::Equals[0].Ref",
                    'Ref to unknown parameter or resource "Evn" (did you mean "Env"?)',
                    7,
                )
            ],
        ),
        (
            "!And [!Condition D]",
            [("function-arguments", "Conditions.C.Fn::And", "Fn::And takes 2 to 10 conditions", 7)],
        ),
    ],
)
def test_condition_findings(body, expected):
    text = PARAMETERS + f"Conditions:\n  C: {body}\n  D: !Equals [a, b]\n"
    text += "Resources:\n  Web: {Type: OS::Heat::None}\n"
    assert found(bind(text)) == expected


def test_conditions_section_must_be_a_mapping():
    definition = bind("Conditions: [a]\nResources:\n  R: {Type: OS::Heat::None}\n")
    assert found(definition) == [
        ("invalid-section", "Conditions", "Conditions must be a mapping", 1)
    ]


@pytest.mark.parametrize(
    "body, message",
    [
        ("!Ref Env", "Conditions.C: a condition must be true or false, got 'dev'"),
        ("!Join ['', [a]]", "Conditions.C: a condition must be true or false, got 'a'"),
        ("yes", "Conditions.C: a condition must be true or false, got 'yes'"),
    ],
)
def test_non_boolean_condition_is_an_error(body, message):
    text = PARAMETERS + f"Conditions:\n  C: {body}\n"
    text += "Resources:\n  R: {Type: OS::Heat::None, Condition: C}\n"
    with pytest.raises(InvalidInput) as caught:
        bind(text)
    assert str(caught.value) == message


IF_TEMPLATE = (
    PARAMETERS
    + """
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Db: {Type: OS::Heat::TestResource, Condition: IsProd}
  Web:
    Type: OS::Heat::TestResource
    Properties:
      value: !If [IsProd, !Ref Db, !Ref AWS::NoValue]
      fail_on: [create, !If [IsProd, update, !Ref AWS::NoValue]]
      wait_secs: !If [IsProd, 10, 1]
  Cache:
    Type: OS::Heat::None
    Condition: IsProd
    DependsOn: Db
Outputs:
  DbId:
    Condition: IsProd
    Value: !Ref Db
  Size:
    Value: !If [IsProd, large, !Sub "small-${Env}"]
  DbOrNone:
    Value: !If [IsProd, !GetAtt Db.output, none]
"""
)


@pytest.mark.parametrize(
    "env, properties, resources, outputs",  # outputs: the active ones and their values
    [
        (
            "prod",
            {"value": "Db", "fail_on": ["create", "update"], "wait_secs": 10},
            ["Cache", "Db", "Web"],
            {"DbId": "Db", "Size": "large", "DbOrNone": "db-output"},
        ),
        (
            "dev",
            {"fail_on": ["create"], "wait_secs": 1},
            ["Web"],
            {"Size": "small-dev", "DbOrNone": "none"},
        ),
    ],
)
def test_if_in_resources_and_outputs(env, properties, resources, outputs):
    definition = bind(IF_TEMPLATE, {"Env": env})
    assert definition.findings == []
    assert sorted(definition.resources) == resources
    assert sorted(definition.graph.requires) == resources

    class Live:
        def __init__(self, name):
            self.name = name

        def reference_id(self):
            return self.name

        def attribute(self, name):
            return f"db-{name}"

    definition.scope._resource = lambda name: Live(name) if name in resources else None
    web = definition.resources["Web"].properties
    assert functions.resolve(web, definition.scope) == properties
    values = {
        name: functions.resolve(output.value, definition.scope)
        for name, output in definition.outputs.items()
    }
    assert values == outputs
