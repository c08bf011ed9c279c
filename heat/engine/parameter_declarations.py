"""Reading the Parameters section of a template into ParameterSchema objects.

Done once per template, and thorough: every problem with a declaration is a finding with
its path (an unknown key, a bad constraint value, a Default that breaks its own
constraints), and a declaration with findings still yields a schema where it can, so that
the references to it resolve while the findings are reported.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from heat.engine.findings import Finding, Path
from heat.engine.parameter_schema import (
    CLOUD_CHECKS,
    TYPES,
    ParameterSchema,
    compile_pattern,
    did_you_mean,
    is_scalar,
    kind_of,
    parse_number,
    quote,
    scalar_str,
)
from heat.engine.pseudo_parameters import PSEUDO_PARAMETERS

_SSM_PREFIX = "AWS::SSM::Parameter::"

# Which constraint keys each kind of parameter takes (the CloudFormation user guide's rules).
_APPLICABLE = {
    ("String", False): {"AllowedValues", "AllowedPattern", "MinLength", "MaxLength"},
    ("String", True): {"AllowedValues", "AllowedPattern"},
    ("Number", False): {"AllowedValues", "MinValue", "MaxValue"},
    ("Number", True): {"AllowedValues", "MinValue", "MaxValue"},
}
_TEXT_KEYS = {
    "Description": "description",
    "ConstraintDescription": "constraint_description",
    "Label": "label",
}
_CONSTRAINT_KEYS = (
    "AllowedValues", "AllowedPattern", "MinLength", "MaxLength", "MinValue", "MaxValue",
)  # fmt: skip
KEYS = (
    "Type", "Default", "NoEcho", "AllowedValues", "AllowedPattern", "MaxLength", "MinLength",
    "MaxValue", "MinValue", "Description", "ConstraintDescription", "Label",
)  # fmt: skip

# CloudFormation allows only A-Za-z0-9; Heat has always also taken "_" and "-" (its own
# CFN templates use names like external_network). A "." or ":" would make ${Name} in
# Fn::Sub ambiguous, so those stay out.
_NAME = re.compile(r"[A-Za-z0-9_-]+")


def parse_section(section, path: Path = ("Parameters",)):
    """Read a template's Parameters section; return ({name: ParameterSchema}, findings).

    A missing section (None) is an empty one. Declarations with findings still yield a
    schema where possible (see read_declaration).
    """
    path = tuple(path)
    if section is None:
        return {}, []
    if not isinstance(section, dict):
        message = f"the Parameters section must be a mapping, not {kind_of(section)}"
        return {}, [Finding("bad-parameters-section", path, message)]
    schemas: dict[str, ParameterSchema] = {}
    findings: list[Finding] = []
    for name, decl in section.items():
        name_text = str(name)
        if name_text in PSEUDO_PARAMETERS:
            message = f"{name_text} is a pseudo parameter and cannot be declared"
            findings.append(Finding("pseudo-parameter-name", path + (name_text,), message))
            continue
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            message = 'a parameter name may contain only letters, digits, "_" and "-"'
            findings.append(Finding("bad-parameter-name", path + (name_text,), message))
        schema, problems = read_declaration(name_text, decl, path)
        findings.extend(problems)
        if schema is not None:
            schemas[name_text] = schema
    return schemas, findings


def read_declaration(name: str, decl, path: Path = ("Parameters",)):
    """Read one declaration; return (ParameterSchema or None, findings).

    A schema is returned whenever the declaration is a mapping, even one with findings,
    so that references to the parameter still resolve while the findings are reported;
    bad keys are left out of it (an unknown Type reads as String).
    """
    here = tuple(path) + (name,)
    if not isinstance(decl, dict):
        message = f"a parameter declaration must be a mapping, not {kind_of(decl)}"
        return None, [Finding("bad-parameter-declaration", here, message)]
    reader = _DeclarationReader(name, decl, here)
    return reader.schema(), reader.findings


class _DeclarationReader:
    """Checks one declaration mapping key by key, collecting findings and schema fields."""

    def __init__(self, name: str, decl: dict, path: Path):
        self.name = name
        self.decl = decl
        self.path = path
        self.findings: list[Finding] = []
        self.fields: dict[str, Any] = {"name": name}

    def add(self, code: str, key, message: str) -> None:
        where = self.path if key is None else self.path + tuple(key)
        self.findings.append(Finding(code, where, message))

    def schema(self) -> ParameterSchema:
        for key in self.decl:
            if key not in KEYS:
                message = f'unknown key "{key}" in a parameter declaration{did_you_mean(key, KEYS)}'
                self.add("unknown-parameter-key", (key,), message)
        type_known = self._read_type()
        self._read_no_echo()
        for key, field in _TEXT_KEYS.items():
            self._read_text(key, field)
        self._read_constraints(report_inapplicable=type_known)
        schema = ParameterSchema(**self.fields)
        if "Default" not in self.decl:
            return schema
        # The default is checked by the schema it belongs to, constraints and all.
        value, error = schema.normalise(self.decl["Default"], "Default")
        if error is not None:
            self.add("bad-parameter-default", ("Default",), error)
            return schema
        for message in schema.violations(value, "Default"):
            self.add("bad-parameter-default", ("Default",), message)
        return replace(schema, default=value)

    def _read_type(self) -> bool:
        """Set the type (String when it is bad, so the rest can still be read)."""
        type_name = self.decl.get("Type")
        if "Type" not in self.decl:
            self.add("missing-parameter-type", None, "a parameter declaration needs a Type")
        elif not isinstance(type_name, str):
            message = f"Type must be a string, not {kind_of(type_name)}"
            self.add("unknown-parameter-type", ("Type",), message)
        elif type_name.startswith(_SSM_PREFIX):
            message = (
                f"parameter type {type_name} is not supported: "
                "this cloud has no Systems Manager Parameter Store"
            )
            self.add("unsupported-parameter-type", ("Type",), message)
        elif type_name not in TYPES:
            message = f'unknown parameter type "{type_name}"{did_you_mean(type_name, TYPES)}'
            self.add("unknown-parameter-type", ("Type",), message)
        known = isinstance(type_name, str) and type_name in TYPES
        self.fields["type"] = type_name if known else "String"
        item = type_name[5:-1] if known and type_name.startswith("List<") else type_name
        self.fields["cloud_check"] = CLOUD_CHECKS.get(item) if known else None
        return known

    def _read_no_echo(self) -> None:
        value = self.decl.get("NoEcho", False)
        if isinstance(value, str) and value.lower() in ("true", "false"):
            value = value.lower() == "true"
        if not isinstance(value, bool):
            self.add("bad-parameter-key", ("NoEcho",), "NoEcho must be true or false")
            value = True  # when in doubt, keep the value secret
        self.fields["no_echo"] = value

    def _read_text(self, key: str, field: str) -> None:
        if key not in self.decl:
            return
        value = self.decl[key]
        if isinstance(value, str):
            self.fields[field] = value
        else:
            self.add("bad-parameter-key", (key,), f"{key} must be a string, not {kind_of(value)}")

    def _read_constraints(self, report_inapplicable: bool) -> None:
        applicable = _APPLICABLE[TYPES[self.fields["type"]]]
        for key in _CONSTRAINT_KEYS:
            if key in self.decl and key not in applicable and report_inapplicable:
                message = f"{key} does not apply to a {self.fields['type']} parameter"
                self.add("inapplicable-parameter-key", (key,), message)
        present = {key for key in self.decl if key in applicable}
        if "AllowedValues" in present:
            self._read_allowed_values()
        if "AllowedPattern" in present:
            self._read_pattern()
        for key, field in (("MinLength", "min_length"), ("MaxLength", "max_length")):
            if key in present:
                self.fields[field] = self._read_length(key)
        for key, field in (("MinValue", "min_value"), ("MaxValue", "max_value")):
            if key in present:
                self.fields[field] = self._read_number(key)
        self._check_order("MinLength", "MaxLength", "min_length", "max_length")
        self._check_order("MinValue", "MaxValue", "min_value", "max_value")

    def _read_allowed_values(self) -> None:
        values = self.decl["AllowedValues"]
        if not isinstance(values, list):
            message = f"AllowedValues must be a list, not {kind_of(values)}"
            self.add("bad-parameter-key", ("AllowedValues",), message)
            return
        if not values:
            self.add("bad-parameter-key", ("AllowedValues",), "AllowedValues must not be empty")
            return
        good = True
        for index, value in enumerate(values):
            if not is_scalar(value):
                message = (
                    f"AllowedValues[{index}] must be a string, number or boolean, "
                    f"not {kind_of(value)}"
                )
                self.add("bad-parameter-key", ("AllowedValues", index), message)
                good = False
        if good:
            self.fields["allowed_values"] = tuple(scalar_str(v) for v in values)

    def _read_pattern(self) -> None:
        pattern = self.decl["AllowedPattern"]
        if not isinstance(pattern, str):
            message = f"AllowedPattern must be a string, not {kind_of(pattern)}"
            self.add("bad-parameter-key", ("AllowedPattern",), message)
            return
        try:
            compile_pattern(pattern)
        except re.error as exc:
            message = f"AllowedPattern is not a valid regular expression: {exc}"
            self.add("bad-parameter-key", ("AllowedPattern",), message)
            return
        self.fields["allowed_pattern"] = pattern

    def _read_length(self, key: str) -> int | None:
        value = self.decl[key]
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        if isinstance(value, str) and value.isascii() and value.isdigit():
            return int(value)
        message = f"{key} must be a non-negative integer, not {_show(value)}"
        self.add("bad-parameter-key", (key,), message)
        return None

    def _read_number(self, key: str) -> int | float | None:
        value = self.decl[key]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        number = parse_number(value) if isinstance(value, str) else None
        if number is None:
            self.add("bad-parameter-key", (key,), f"{key} must be a number, not {_show(value)}")
        return number

    def _check_order(self, low_key: str, high_key: str, low: str, high: str) -> None:
        low_value, high_value = self.fields.get(low), self.fields.get(high)
        if low_value is not None and high_value is not None and low_value > high_value:
            message = f"{low_key} {low_value} is greater than {high_key} {high_value}"
            self.add("bad-parameter-key", (low_key,), message)


def _show(value) -> str:
    """A declaration value in a message (declarations are not secret; defaults may be)."""
    return quote(value) if isinstance(value, str) else json.dumps(value, default=str)
