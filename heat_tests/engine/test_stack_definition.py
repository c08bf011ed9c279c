"""Tests for heat.engine.stack_definition: binding values, active resources, the Scope."""

import pytest

from heat.common.exception import InvalidInput, TemplateError
from heat.engine import functions
from heat.engine.findings import format_path
from heat.engine.parameters import StackIdentity
from heat.engine.stack_definition import Scope, StackDefinition
from heat.engine.template import Template

IDENTITY = StackIdentity(project_id="p1", stack_name="wp", stack_id="id-1", region="R2")

TEMPLATE = """\
Parameters:
  Env: {Type: String, Default: dev}
  Key: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Db: {Type: OS::Heat::TestResource, Condition: IsProd}
  Web:
    Type: OS::Heat::TestResource
    Properties:
      value: !Ref Key
  UsesDb:
    Type: OS::Heat::TestResource
    Properties: {value: !GetAtt Db.output}
  AfterDb: {Type: OS::Heat::None, DependsOn: Db}
  MaybeDb:
    Type: OS::Heat::TestResource
    Properties: {value: !If [IsProd, !Ref Db, !Ref AWS::NoValue]}
Outputs:
  DbId: {Value: !Ref Db}
  ProdDbId: {Value: !Ref Db, Condition: IsProd}
  MaybeDbId: {Value: !If [IsProd, !Ref Db, none]}
"""


def found(definition):
    return [(f.code, format_path(f.path), f.message, f.line) for f in definition.findings]


def inactive(where, line):
    return ("inactive-reference", where, 'refers to resource "Db", whose condition is false', line)


def test_inactive_references_when_the_condition_is_false():
    definition = StackDefinition(Template.parse(TEMPLATE), {"Key": "k"}, IDENTITY)
    # MaybeDb and MaybeDbId refer to Db only in the branch that is not taken.
    assert found(definition) == [
        inactive("Resources.UsesDb", 12),
        inactive("Resources.AfterDb", 15),
        inactive("Outputs.DbId", 20),
    ]
    with pytest.raises(TemplateError):
        definition.raise_if_invalid()


def test_everything_active_when_the_condition_is_true():
    definition = StackDefinition(Template.parse(TEMPLATE), {"Key": "k", "Env": "prod"}, IDENTITY)
    assert definition.findings == []
    definition.raise_if_invalid()
    assert sorted(definition.resources) == ["AfterDb", "Db", "MaybeDb", "UsesDb", "Web"]
    assert sorted(definition.outputs) == ["DbId", "MaybeDbId", "ProdDbId"]
    assert definition.graph.order() == ["Db", "AfterDb", "MaybeDb", "UsesDb", "Web"]


def test_inactive_resources_leave_the_graph():
    text = (
        TEMPLATE.split("  UsesDb:")[0]
        + "Outputs:\n  ProdDbId: {Value: !Ref Db, Condition: IsProd}\n"
    )
    definition = StackDefinition(Template.parse(text), {"Key": "k"}, IDENTITY)
    assert definition.findings == []
    assert sorted(definition.resources) == ["Web"]
    assert definition.outputs == {}
    assert definition.graph.order() == ["Web"]


def test_missing_parameter_is_a_finding_unless_validating():
    template = Template.parse(TEMPLATE)
    assert found(StackDefinition(template, {"Env": "prod"}, IDENTITY)) == [
        (
            "missing-parameter",
            "Parameters.Key",
            "no value given and the parameter has no Default",
            3,
        )
    ]
    lenient = StackDefinition(template, {}, IDENTITY, require_all_parameters=False)
    # Without every value, conditions are not evaluated, so no inactive-reference either.
    assert lenient.findings == []
    assert sorted(lenient.resources) == ["AfterDb", "Db", "MaybeDb", "UsesDb", "Web"]


def test_static_findings_stop_binding():
    text = TEMPLATE.replace("!GetAtt Db.output", "!GetAtt Db.nope")
    definition = StackDefinition(Template.parse(text), {"Key": "k"}, IDENTITY)
    assert [code for code, *_ in found(definition)] == ["unknown-attribute"]


class Live:
    def __init__(self, name):
        self.name = name

    def reference_id(self):
        return f"id-{self.name}"

    def attribute(self, name):
        return f"{self.name}.{name}"


def scope_of(text="Resources:\n  R: {Type: OS::Heat::None}\n", values=None, **kwargs):
    definition = StackDefinition(Template.parse(text), values or {}, IDENTITY, **kwargs)
    return definition.scope


def test_scope_answers():
    scope = Scope(
        scope_of().parameters,
        {},
        {},
        resource=lambda name: Live(name) if name == "R" else None,
    )
    assert scope.ref("R") == "id-R"
    assert scope.ref("AWS::Region") == "R2"
    assert scope.ref("AWS::StackName") == "wp"
    assert scope.attribute("R", "a") == "R.a"
    assert scope.availability_zones("") == ["nova"]
    with pytest.raises(InvalidInput, match='^resource "Q" does not exist \\(yet\\)$'):
        scope.ref("Q")
    with pytest.raises(InvalidInput, match='^Fn::ImportValue "x": no exports can be read here$'):
        scope.import_value("x")


def test_scope_uses_the_supplied_cloud_answers():
    scope = scope_of(availability_zones=lambda region: [f"{region}-1"], import_value=str.upper)
    assert functions.resolve(
        functions.parse(
            [{"Fn::GetAZs": {"Ref": "AWS::Region"}}, {"Fn::ImportValue": "net"}],
            (),
            functions.ParseContext(parameters=frozenset({"AWS::Region"})),
        ),
        scope,
    ) == [["R2-1"], "NET"]


def test_parameter_without_value_in_scope():
    text = "Parameters:\n  Key: {Type: String}\nResources:\n  R: {Type: OS::Heat::None}\n"
    scope = scope_of(text, require_all_parameters=False)
    with pytest.raises(InvalidInput, match='^parameter "Key" has no value$'):
        scope.ref("Key")
