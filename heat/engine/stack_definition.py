"""A template bound to parameter values: the resources and outputs a stack really has.

Static analysis (template.Template.analyse) knows what the template says; binding adds
what depends on values: parameter constraints, rules, the conditions, and so the active
resources, their dependency graph and the active outputs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from heat.common.exception import InvalidInput, NotSupported, TemplateError
from heat.engine import functions, rules
from heat.engine.conditions import Conditions
from heat.engine.findings import Finding
from heat.engine.parameters import Parameters, StackIdentity
from heat.engine.template import Analysis, Template

DEFAULT_AVAILABILITY_ZONES = ("nova",)


class Scope:
    """What functions evaluate against: parameters, conditions, mappings and resources.

    `resource` looks a live resource up by name (None while validating, when no resource
    exists); the cloud-facing answers (zones, imports) are callables the engine supplies.
    """

    def __init__(
        self,
        parameters: Parameters,
        mappings: Mapping,
        condition_trees: Mapping,
        resource: Callable[[str], object] | None = None,
        availability_zones: Callable[[str], list] | None = None,
        import_value: Callable[[str], object] | None = None,
    ):
        self.parameters = parameters
        self.mappings = mappings
        self.condition = Conditions(condition_trees, self)
        self._resource = resource
        self._zones = availability_zones
        self._import = import_value

    def ref(self, name: str):
        if name in self.parameters:
            try:
                return self.parameters.ref(name)
            except KeyError:
                raise InvalidInput(f'parameter "{name}" has no value') from None
        return self._live(name).reference_id()

    def attribute(self, resource: str, attribute: str):
        return self._live(resource).attribute(attribute)

    def _live(self, name: str):
        found = self._resource(name) if self._resource is not None else None
        if found is None:
            raise InvalidInput(f'resource "{name}" does not exist (yet)')
        return found

    def availability_zones(self, region: str) -> list:
        if self._zones is None:
            return list(DEFAULT_AVAILABILITY_ZONES)
        return self._zones(region)

    def import_value(self, name: str):
        if self._import is None:
            raise InvalidInput(f'Fn::ImportValue "{name}": no exports can be read here')
        return self._import(name)

    # The rule functions' questions about parameters.

    def parameter_names_of_type(self, type_name: str) -> list[str]:
        return [n for n, s in self.parameters.schemas.items() if s.type == type_name]

    def parameters_of_type(self, type_name: str) -> list:
        out = []
        for name in self.parameter_names_of_type(type_name):
            value = self.parameters.ref(name)
            out.extend(value if isinstance(value, list) else [value])
        return out

    def parameter_attribute(self, name: str, attribute: str):
        raise NotSupported(
            f"Fn::ValueOf({name}, {attribute}): attributes of parameter values need a cloud "
            "lookup that this validation does not make"
        )


class StackDefinition:
    """A template, parameter values and an identity, bound and checked.

    With `require_all_parameters=False` (template validation), parameters without a value
    are not findings; conditions and rules are then evaluated only if every value is known.
    """

    def __init__(
        self,
        template: Template,
        values: Mapping[str, str],
        identity: StackIdentity,
        registry=None,
        require_all_parameters: bool = True,
        availability_zones=None,
        import_value=None,
    ):
        self.template = template
        self.identity = identity
        analysis: Analysis = template.analyse(registry)
        self.analysis = analysis
        self.parameters = Parameters(analysis.parameters, values, identity)
        findings = list(analysis.findings)
        value_findings = self.parameters.validate()
        if not require_all_parameters:
            value_findings = [f for f in value_findings if f.code != "missing-parameter"]
        findings.extend(value_findings)
        self.scope = Scope(
            self.parameters,
            analysis.mappings,
            analysis.conditions,
            availability_zones=availability_zones,
            import_value=import_value,
        )
        self.resources = analysis.resources
        self.outputs = analysis.outputs
        self.graph = analysis.graph
        all_known = all(
            n in values or s.default is not None for n, s in analysis.parameters.items()
        )
        if not findings and all_known:
            findings.extend(self._bind())
        self.findings = template.locate(findings)

    def _bind(self) -> list[Finding]:
        findings = rules.check(self.analysis.rules, self.scope)
        active = {
            name: d
            for name, d in self.analysis.resources.items()
            if d.condition is None or self.scope.condition(d.condition)
        }
        active_names = frozenset(active)
        for name, definition in active.items():
            if definition.requires <= active_names:
                continue
            # Only the Fn::If branches taken count: `!If [C, !Ref X, ...]` with X under C is fine.
            live = self._live_requires(definition.properties, definition.metadata)
            live.update(definition.depends_on)
            for needed in sorted(live - active_names):
                findings.append(
                    Finding(
                        "inactive-reference",
                        ("Resources", name),
                        f'refers to resource "{needed}", whose condition is false',
                    )
                )
        self.outputs = {
            name: d
            for name, d in self.analysis.outputs.items()
            if d.condition is None or self.scope.condition(d.condition)
        }
        for name, output in self.outputs.items():
            if output.requires <= active_names:
                continue
            for needed in sorted(self._live_requires(output.value) - active_names):
                findings.append(
                    Finding(
                        "inactive-reference",
                        ("Outputs", name),
                        f'refers to resource "{needed}", whose condition is false',
                    )
                )
        self.resources = active
        if len(active) < len(self.analysis.resources):
            self.graph = self.analysis.graph.subgraph(active)
        return findings

    def _live_requires(self, *values) -> set[str]:
        """The resources the values need with this stack's condition values."""
        resources = self.analysis.resources
        return {
            name
            for value in values
            for name in functions.dependencies(value, self.scope.condition)
            if name in resources
        }

    def raise_if_invalid(self) -> None:
        if self.findings:
            raise TemplateError(self.findings)
