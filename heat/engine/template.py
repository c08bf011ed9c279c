"""A template: its version, its sections, and the static analysis of them.

`Template.analyse()` checks everything that does not depend on parameter values — the
sections and their keys, every function and reference, resource types and properties,
the dependency graph — and collects all findings. What depends on values (parameter
constraints, conditions, rules) is done by heat.engine.stack_definition.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from heat.common.exception import TemplateError
from heat.engine import conditions as conditions_mod
from heat.engine import functions, parameters, properties, rules, template_format
from heat.engine.definitions import DELETION_POLICIES, OutputDefinition, ResourceDefinition
from heat.engine.dependencies import Graph, format_cycle
from heat.engine.findings import Finding, sort_key
from heat.engine.resources import Registry, default_registry

VERSIONS = {
    "AWSTemplateFormatVersion": ("2010-09-09",),
    "HeatTemplateFormatVersion": ("2012-12-12",),
}
SECTIONS = {
    "AWSTemplateFormatVersion",
    "HeatTemplateFormatVersion",
    "Description",
    "Metadata",
    "Parameters",
    "Rules",
    "Mappings",
    "Conditions",
    "Transform",
    "Resources",
    "Outputs",
}
RESOURCE_KEYS = {
    "Type",
    "Properties",
    "Metadata",
    "DependsOn",
    "Condition",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "CreationPolicy",
    "UpdatePolicy",
    "Description",
}
OUTPUT_KEYS = {"Value", "Description", "Export", "Condition"}


@dataclass
class Analysis:
    """What static validation learned about a template."""

    findings: list[Finding]
    parameters: dict  # name -> parameters.ParameterSchema
    mappings: dict
    conditions: dict  # name -> function tree
    rules: dict  # name -> rules.Rule
    resources: dict[str, ResourceDefinition]
    outputs: dict[str, OutputDefinition]
    graph: Graph
    pseudo_parameters: frozenset = field(default_factory=frozenset)


class Template:
    """A parsed CFN template (AWSTemplateFormatVersion 2010-09-09 or Heat's 2012-12-12)."""

    def __init__(self, data: dict, source: template_format.SourceMap | None = None):
        self.data = data
        self.source = source

    @classmethod
    def parse(cls, text, filename="<template>", max_size=template_format.DEFAULT_MAX_SIZE):
        data, source = template_format.parse(text, filename, max_size)
        return cls(data, source)

    @property
    def description(self) -> str:
        value = self.data.get("Description", "")
        return value if isinstance(value, str) else ""

    def locate(self, findings) -> list[Finding]:
        """Findings with line:column where the source is known, in source order."""
        if self.source is not None:
            findings = self.source.locate_all(findings)
        return sorted(findings, key=sort_key)

    def raise_if(self, findings) -> None:
        if findings:
            raise TemplateError(self.locate(findings))

    @functools.cache  # noqa: B019 - a Template is immutable and lives as long as its analysis
    def analyse(self, registry: Registry | None = None) -> Analysis:
        return _Analyser(self.data, registry or default_registry()).run()


class _Analyser:
    def __init__(self, data: dict, registry: Registry):
        self.data = data
        self.registry = registry
        self.findings: list[Finding] = []

    def add(self, code, path, message):
        self.findings.append(Finding(code, tuple(path), message))

    def run(self) -> Analysis:
        data = self.data
        self._check_top_level()
        schemas, findings = parameters.parse_section(data.get("Parameters"))
        self.findings.extend(findings)
        param_names = frozenset(schemas) | parameters.PSEUDO_PARAMETERS
        mappings = self._mappings()
        resources_data = self._section("Resources", required=True)
        conditions_data = data.get("Conditions")
        condition_names = (
            frozenset(conditions_data) if isinstance(conditions_data, dict) else frozenset()
        )
        ctx = functions.ParseContext(
            parameters=param_names,
            resources={
                name: body.get("Type") if isinstance(body, dict) else None
                for name, body in resources_data.items()
            },
            conditions=condition_names,
            mappings=mappings,
            attribute_check=self.registry.attribute_problem,
            findings=self.findings,
        )
        condition_trees = conditions_mod.parse_section(conditions_data, ctx)
        self.findings.extend(conditions_mod.cycles(condition_trees))
        rule_set = rules.parse_section(data.get("Rules"), ctx)
        resources = {
            name: definition
            for name, body in resources_data.items()
            if (definition := self._resource(name, body, ctx)) is not None
        }
        outputs = {
            name: definition
            for name, body in self._section("Outputs").items()
            if (definition := self._output(name, body, ctx)) is not None
        }
        graph = Graph({name: d.requires for name, d in resources.items()})
        for cycle in graph.cycles():
            self.add(
                "dependency-cycle",
                ("Resources", cycle[0]),
                f"circular dependency: {format_cycle(cycle)}",
            )
        return Analysis(
            findings=self.findings,
            parameters=schemas,
            mappings=mappings,
            conditions=condition_trees,
            rules=rule_set,
            resources=resources,
            outputs=outputs,
            graph=graph,
            pseudo_parameters=parameters.PSEUDO_PARAMETERS,
        )

    # -- sections --

    def _check_top_level(self):
        data = self.data
        if "heat_template_version" in data:
            self.add(
                "unsupported-template-format",
                ("heat_template_version",),
                "HOT templates (heat_template_version) are not supported; use CFN format",
            )
        for key in data:
            if key not in SECTIONS and key != "heat_template_version":
                self.add("unknown-section", (key,), f'unknown template section "{key}"')
        for key, versions in VERSIONS.items():
            if key in data and data[key] not in versions:
                self.add(
                    "invalid-version",
                    (key,),
                    f'{key} must be {" or ".join(versions)}, not "{data[key]}"',
                )
        if "Transform" in data:
            self.add("unsupported-transform", ("Transform",), "Transform (macros) is not supported")
        if "Description" in data and not isinstance(data["Description"], str):
            self.add("invalid-description", ("Description",), "Description must be a string")

    def _section(self, name: str, required: bool = False) -> dict:
        value = self.data.get(name)
        if value is None:
            if required:
                self.add("missing-section", (name,), f"the template has no {name} section")
            return {}
        if not isinstance(value, dict):
            self.add("invalid-section", (name,), f"{name} must be a mapping")
            return {}
        return value

    def _mappings(self) -> dict:
        mappings = self._section("Mappings")
        for name, mapping in mappings.items():
            if not isinstance(mapping, dict) or not all(
                isinstance(v, dict) for v in mapping.values()
            ):
                self.add(
                    "invalid-mapping",
                    ("Mappings", name),
                    "a mapping must map keys to mappings of values",
                )
        return mappings

    def _resource(self, name: str, body, ctx) -> ResourceDefinition | None:
        path = ("Resources", name)
        if not isinstance(body, dict):
            self.add("invalid-resource", path, "a resource must be a mapping")
            return None
        for key in body:
            if key not in RESOURCE_KEYS:
                self.add("unknown-resource-key", path + (key,), f'unknown resource key "{key}"')
        type_name = body.get("Type")
        plugin = None
        if not isinstance(type_name, str) or not type_name:
            self.add("missing-type", path + ("Type",), "a resource needs a Type")
        else:
            plugin = self.registry.get(type_name)
            if plugin is None:
                self.add(
                    "unsupported-resource-type",
                    path + ("Type",),
                    self.registry.unknown_type_message(type_name),
                )
        props = functions.parse(body.get("Properties") or {}, path + ("Properties",), ctx)
        if plugin is not None and not getattr(plugin, "accepts_any_properties", False):
            self.findings.extend(
                properties.check_static(plugin.properties_schema, props, path + ("Properties",))
            )
        metadata = functions.parse(body.get("Metadata") or {}, path + ("Metadata",), ctx)
        depends_on = self._depends_on(name, body.get("DependsOn"), ctx)
        condition = body.get("Condition")
        self._check_condition(path, condition, ctx)
        policies = {}
        for key in ("DeletionPolicy", "UpdateReplacePolicy"):
            policies[key] = body.get(key, "Delete")
            if policies[key] not in DELETION_POLICIES:
                self.add(
                    "invalid-policy",
                    path + (key,),
                    f'{key} must be one of {", ".join(DELETION_POLICIES)}, not "{policies[key]}"',
                )
        for key in ("CreationPolicy", "UpdatePolicy"):
            if key in body and not isinstance(body[key], dict):
                self.add("invalid-policy", path + (key,), f"{key} must be a mapping")
        requires = {dep for dep in functions.dependencies(props) if dep in ctx.resources}
        requires.update(dep for dep in functions.dependencies(metadata) if dep in ctx.resources)
        requires.update(depends_on)
        return ResourceDefinition(
            name=name,
            type=type_name if isinstance(type_name, str) else "",
            properties=props,
            metadata=metadata,
            depends_on=depends_on,
            condition=condition if isinstance(condition, str) else None,
            deletion_policy=policies["DeletionPolicy"],
            update_replace_policy=policies["UpdateReplacePolicy"],
            creation_policy=body.get("CreationPolicy"),
            update_policy=body.get("UpdatePolicy"),
            description=body.get("Description", ""),
            requires=frozenset(requires),
        )

    def _check_condition(self, path, condition, ctx) -> None:
        if condition is None:
            return
        if not isinstance(condition, str):
            self.add("invalid-condition", path + ("Condition",), "Condition must be a name")
        elif condition not in ctx.conditions:
            self.add("unknown-condition", path + ("Condition",), f'unknown condition "{condition}"')

    def _depends_on(self, name, value, ctx) -> tuple[str, ...]:
        if value is None:
            return ()
        path = ("Resources", name, "DependsOn")
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            self.add(
                "invalid-depends-on", path, "DependsOn must be a resource name or a list of them"
            )
            return ()
        for position, dep in enumerate(names):
            where = path if isinstance(value, str) else path + (position,)
            if dep not in ctx.resources:
                self.add("unknown-reference", where, f'DependsOn names unknown resource "{dep}"')
        return tuple(dep for dep in names if dep in ctx.resources)

    def _output(self, name, body, ctx) -> OutputDefinition | None:
        path = ("Outputs", name)
        if not isinstance(body, dict):
            self.add("invalid-output", path, "an output must be a mapping")
            return None
        for key in body:
            if key not in OUTPUT_KEYS:
                self.add("unknown-output-key", path + (key,), f'unknown output key "{key}"')
        if "Value" not in body:
            self.add("missing-output-value", path, "an output needs a Value")
        value = functions.parse(body.get("Value"), path + ("Value",), ctx)
        export = body.get("Export")
        export_name = None
        if export is not None:
            if not isinstance(export, dict) or "Name" not in export:
                self.add(
                    "invalid-export", path + ("Export",), "Export must be a mapping with a Name"
                )
            else:
                export_name = functions.parse(export["Name"], path + ("Export", "Name"), ctx)
        condition = body.get("Condition")
        self._check_condition(path, condition, ctx)
        requires = {dep for dep in functions.dependencies(value) if dep in ctx.resources}
        return OutputDefinition(
            name=name,
            value=value,
            description=body.get("Description", ""),
            export_name=export_name,
            condition=condition if isinstance(condition, str) else None,
            requires=frozenset(requires),
        )
