"""The Conditions section: parsed once, evaluated against parameter values, each at most once."""

from __future__ import annotations

from heat.common.exception import InvalidInput
from heat.engine import functions
from heat.engine.findings import Finding


def parse_section(section, ctx: functions.ParseContext) -> dict:
    """Conditions data -> {name: function tree}; findings go to ctx."""
    if section is None:
        return {}
    if not isinstance(section, dict):
        ctx.add("invalid-section", ("Conditions",), "Conditions must be a mapping")
        return {}
    saved, ctx.scope = ctx.scope, functions.PARAMETERS_ONLY
    try:
        return {
            name: functions.parse(body, ("Conditions", name), ctx, conditions=True)
            for name, body in section.items()
        }
    finally:
        ctx.scope = saved


def cycles(trees: dict) -> list[Finding]:
    """A condition that refers to itself through others can never be evaluated."""
    findings = []
    state: dict[str, str] = {}

    def visit(name, trail):
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            cycle = trail[trail.index(name) :] + [name]
            findings.append(
                Finding(
                    "condition-cycle",
                    ("Conditions", cycle[0]),
                    "conditions refer to each other in a cycle: " + " -> ".join(cycle),
                )
            )
            return
        state[name] = "visiting"
        for used in sorted(_condition_names(trees.get(name))):
            if used in trees:
                visit(used, trail + [name])
        state[name] = "done"

    for name in sorted(trees):
        visit(name, [])
    return findings


def _condition_names(tree):
    if isinstance(tree, functions.ConditionRef):
        yield tree.args
    elif isinstance(tree, functions.If):
        yield tree.args[0]
        yield from _condition_names(tree.args[1:])
    elif isinstance(tree, functions.Function):
        yield from _condition_names(tree.args)
    elif isinstance(tree, dict):
        for item in tree.values():
            yield from _condition_names(item)
    elif isinstance(tree, list):
        for item in tree:
            yield from _condition_names(item)


class Conditions:
    """Evaluates named conditions lazily, each at most once, with the given Scope for Refs."""

    def __init__(self, trees: dict, scope):
        self._trees = trees
        self._scope = scope
        self._values: dict[str, bool] = {}

    def __contains__(self, name) -> bool:
        return name in self._trees

    def __call__(self, name: str) -> bool:
        value = self._values.get(name)
        if value is None:
            value = functions.resolve(self._trees[name], self._scope)
            if not isinstance(value, bool):
                raise InvalidInput(
                    f"Conditions.{name}: a condition must be true or false, got {value!r}"
                )
            self._values[name] = value
        return value

    def all(self) -> dict[str, bool]:
        return {name: self(name) for name in self._trees}
