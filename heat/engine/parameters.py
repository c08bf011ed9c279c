"""The Parameters section of a CloudFormation template: declarations, values, pseudo parameters.

Two stages, as in the template pipeline. `parse_section` (heat.engine.parameter_declarations)
turns the declarations into ParameterSchema objects (heat.engine.parameter_schema) once per
template and reports every problem with a declaration (unknown keys, bad constraint values,
a Default that breaks its own constraints). `Parameters`, here, then binds the values a
caller gave to those schemas, reports missing, unknown and invalid values, and answers
`Ref` for declared and pseudo parameters (heat.engine.pseudo_parameters).

Values follow CloudFormation rather than YAML or JSON: every parameter value is a string,
so a template number or boolean (`Default: 5`, `AllowedValues: [true]`) compares as its
CloudFormation string form ("5", "true"), and a Number's value is the string given, not a
float. List types are lists of such strings.

NoEcho values never appear in a message or in display(): a finding about one names the
parameter and the broken constraint, never the value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from heat.engine.findings import Finding
from heat.engine.parameter_declarations import KEYS, parse_section
from heat.engine.parameter_schema import CLOUD_CHECKS, TYPES, ParameterSchema, did_you_mean
from heat.engine.pseudo_parameters import (
    NO_VALUE,
    PARTITION,
    PSEUDO_PARAMETERS,
    StackIdentity,
    pseudo_value,
)

# The names this module has always offered (and the rest of Heat imports), wherever they
# are defined now.
__all__ = [
    "CLOUD_CHECKS",
    "KEYS",
    "MASK",
    "NO_VALUE",
    "PARTITION",
    "PSEUDO_PARAMETERS",
    "TYPES",
    "ParameterSchema",
    "Parameters",
    "StackIdentity",
    "parse_section",
]

MASK = "******"


class Parameters:
    """The values of a stack's parameters, given or defaulted, and its pseudo parameters.

    Values are normalised once here; validate() reports problems, ref() answers Ref. A
    Default was already checked against its constraints by parse_section, so validate()
    checks only the values that were given.
    """

    def __init__(
        self,
        schemas: dict[str, ParameterSchema],
        values: Mapping[str, str],
        identity: StackIdentity,
    ):
        self.schemas = dict(schemas)
        self.identity = identity
        self._given: dict[str, str | tuple] = {}
        self._findings: list[Finding] = []
        for name, schema in self.schemas.items():
            if name in values:
                self._take(schema, values[name])
            elif schema.default is None:
                message = "no value given and the parameter has no Default"
                self._findings.append(Finding("missing-parameter", ("Parameters", name), message))
        for name in sorted(set(values) - set(self.schemas), key=str):
            self._findings.append(self._unknown(str(name)))

    def _take(self, schema: ParameterSchema, raw) -> None:
        where = ("Parameters", schema.name)
        value, error = schema.normalise(raw)
        if error is not None:
            self._findings.append(Finding("invalid-parameter-value", where, error))
            return
        self._given[schema.name] = value
        for message in schema.violations(value):
            self._findings.append(Finding("invalid-parameter-value", where, message))

    def _unknown(self, name: str) -> Finding:
        if name in PSEUDO_PARAMETERS:
            message = f"{name} is a pseudo parameter and cannot be given a value"
        else:
            message = (
                "a value was given but the template declares no such parameter"
                + did_you_mean(name, self.schemas)
            )
        return Finding("unknown-parameter", ("Parameters", name), message)

    def validate(self) -> list[Finding]:
        """Every problem with the values: missing, unknown, wrong type, broken constraint."""
        return list(self._findings)

    def _effective(self, name: str):
        if name in self._given:
            return self._given[name]
        default = self.schemas[name].default
        if default is None:
            raise KeyError(name)
        return default

    def ref(self, name: str) -> Any:
        """The value of {"Ref": name}: a str, a list of str, or a pseudo parameter's value.

        Raises KeyError for a name that is neither declared nor pseudo, and for a required
        parameter that has no value (validate() reports that one).
        """
        if name in self.schemas:
            value = self._effective(name)
            return list(value) if isinstance(value, tuple) else value
        return pseudo_value(name, self.identity)

    def __contains__(self, name) -> bool:
        return name in self.schemas or name in PSEUDO_PARAMETERS

    def names(self) -> set[str]:
        """Every name a Ref may use: the declared parameters and the pseudo parameters."""
        return set(self.schemas) | PSEUDO_PARAMETERS

    def no_echo_names(self) -> set[str]:
        return {name for name, schema in self.schemas.items() if schema.no_echo}

    def values(self) -> dict:
        """The effective value of each declared parameter that has one, for storage.

        Scalars are str and lists are list[str], a form Parameters() accepts back unchanged.
        NoEcho values are included: storage has to keep them (encrypted by the db layer).
        """
        out = {}
        for name in self.schemas:
            try:
                value = self._effective(name)
            except KeyError:
                continue
            out[name] = list(value) if isinstance(value, tuple) else value
        return out

    def display(self, include_pseudo: bool = False) -> dict[str, str]:
        """Values safe to show in API answers and events: NoEcho masked, lists joined by ",".

        With include_pseudo, AWS::StackId, AWS::StackName and AWS::Region are added, as
        Heat's native API has always shown them.
        """
        out = {}
        for name, schema in self.schemas.items():
            try:
                value = self._effective(name)
            except KeyError:
                continue
            if schema.no_echo:
                out[name] = MASK
            else:
                out[name] = ",".join(value) if isinstance(value, tuple) else value
        if include_pseudo:
            for name in ("AWS::StackId", "AWS::StackName", "AWS::Region"):
                out[name] = pseudo_value(name, self.identity)
        return out
