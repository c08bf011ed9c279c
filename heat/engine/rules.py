"""The Rules section: assertions about parameter values, checked before anything is created.

    Rules:
      ProdNeedsLarge:
        RuleCondition: !Equals [!Ref Env, prod]
        Assertions:
          - Assert: !Contains [[m1.large, m1.xlarge], !Ref InstanceType]
            AssertDescription: production needs a large instance

The rule functions (Fn::Contains, Fn::EachMemberEquals, Fn::EachMemberIn, Fn::RefAll,
Fn::ValueOf, Fn::ValueOfAll) exist only inside Rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from heat.common.exception import InvalidInput
from heat.engine import functions
from heat.engine.findings import Finding

RULE_KEYS = {"RuleCondition", "Assertions"}
ASSERTION_KEYS = {"Assert", "AssertDescription"}


def _strings(fn, value) -> list[str]:
    if not isinstance(value, list):
        raise fn.error(f"{fn.name} needs a list, got {value!r}")
    return [functions.as_string(item, fn) for item in value]


class _TwoArguments(functions.Function):
    __slots__ = ()

    def validate(self, ctx):
        functions.expect_list(self, ctx, (2,))


class Contains(_TwoArguments):
    __slots__ = ()
    name = "Fn::Contains"

    def result(self, scope):
        items, value = (functions.resolve(arg, scope) for arg in self.args)
        return functions.as_string(value, self) in _strings(self, items)


class EachMemberEquals(_TwoArguments):
    __slots__ = ()
    name = "Fn::EachMemberEquals"

    def result(self, scope):
        items, value = (functions.resolve(arg, scope) for arg in self.args)
        wanted = functions.as_string(value, self)
        return all(item == wanted for item in _strings(self, items))


class EachMemberIn(_TwoArguments):
    __slots__ = ()
    name = "Fn::EachMemberIn"

    def result(self, scope):
        items, allowed = (functions.resolve(arg, scope) for arg in self.args)
        allowed = set(_strings(self, allowed))
        return all(item in allowed for item in _strings(self, items))


class RefAll(functions.Function):
    __slots__ = ()
    name = "Fn::RefAll"

    def result(self, scope):
        return scope.parameters_of_type(functions.as_string(self.args, self))


class ValueOf(_TwoArguments):
    __slots__ = ()
    name = "Fn::ValueOf"

    def result(self, scope):
        name, attribute = (functions.resolve(arg, scope) for arg in self.args)
        return scope.parameter_attribute(name, attribute)


class ValueOfAll(_TwoArguments):
    __slots__ = ()
    name = "Fn::ValueOfAll"

    def result(self, scope):
        type_name, attribute = (functions.resolve(arg, scope) for arg in self.args)
        return [
            scope.parameter_attribute(name, attribute)
            for name in scope.parameter_names_of_type(type_name)
        ]


RULE_FUNCTIONS = {
    cls.name: cls for cls in (Contains, EachMemberEquals, EachMemberIn, RefAll, ValueOf, ValueOfAll)
}


@dataclass(frozen=True)
class Assertion:
    test: object  # a function tree that must be true
    description: str


@dataclass(frozen=True)
class Rule:
    name: str
    condition: object  # None, or a function tree
    assertions: tuple[Assertion, ...]


def parse_section(section, ctx: functions.ParseContext) -> dict[str, Rule]:
    """Rules data -> {name: Rule}; findings go to ctx."""
    if section is None:
        return {}
    if not isinstance(section, dict):
        ctx.add("invalid-section", ("Rules",), "Rules must be a mapping")
        return {}
    saved = ctx.scope, ctx.extra_functions
    ctx.scope, ctx.extra_functions = functions.PARAMETERS_ONLY, RULE_FUNCTIONS
    try:
        return {
            name: rule
            for name, body in section.items()
            if (rule := _parse_rule(name, body, ctx)) is not None
        }
    finally:
        ctx.scope, ctx.extra_functions = saved


def _parse_rule(name, body, ctx) -> Rule | None:
    path = ("Rules", name)
    if not isinstance(body, dict):
        ctx.add("invalid-rule", path, "a rule must be a mapping")
        return None
    for key in body:
        if key not in RULE_KEYS:
            ctx.add("unknown-rule-key", path + (key,), f'unknown rule key "{key}"')
    assertions_data = body.get("Assertions")
    if not isinstance(assertions_data, list) or not assertions_data:
        ctx.add("invalid-rule", path + ("Assertions",), "a rule needs a list of Assertions")
        return None
    condition = None
    if "RuleCondition" in body:
        condition = functions.parse(body["RuleCondition"], path + ("RuleCondition",), ctx, True)
    assertions = []
    for position, item in enumerate(assertions_data):
        where = path + ("Assertions", position)
        if not isinstance(item, dict) or "Assert" not in item:
            ctx.add("invalid-rule", where, "an assertion must be a mapping with an Assert")
            continue
        for key in item:
            if key not in ASSERTION_KEYS:
                ctx.add("unknown-rule-key", where + (key,), f'unknown assertion key "{key}"')
        test = functions.parse(item["Assert"], where + ("Assert",), ctx, True)
        assertions.append(Assertion(test, str(item.get("AssertDescription", ""))))
    return Rule(name, condition, tuple(assertions))


def check(rule_set: dict[str, Rule], scope) -> list[Finding]:
    """Findings for every assertion that does not hold for the given parameter values."""
    findings = []
    for rule in rule_set.values():
        if rule.condition is not None and not _truth(rule.condition, scope, rule.name):
            continue
        for position, assertion in enumerate(rule.assertions):
            if not _truth(assertion.test, scope, rule.name):
                message = assertion.description or f"rule {rule.name} does not hold"
                findings.append(
                    Finding("rule-failed", ("Rules", rule.name, "Assertions", position), message)
                )
    return findings


def _truth(tree, scope, rule_name) -> bool:
    value = functions.resolve(tree, scope)
    if not isinstance(value, bool):
        raise InvalidInput(f"Rules.{rule_name}: an assertion must be true or false, got {value!r}")
    return value
