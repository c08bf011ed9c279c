"""Property schemas of resource plugins, and checking values against them.

A plugin declares `properties_schema = {"Name": Schema(STRING, required=True), ...}`. The
same schema checks a template statically (literal values only; functions are checked once
they have a value) and checks and converts the resolved values before a handler sees them.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field

from heat.common.exception import InvalidInput
from heat.engine.findings import Finding, format_path
from heat.engine.functions import Function

STRING = "String"
INTEGER = "Integer"
NUMBER = "Number"
BOOLEAN = "Boolean"
LIST = "List"
MAP = "Map"
JSON = "Json"  # anything JSON can hold; the handler interprets it

_TYPES = {STRING, INTEGER, NUMBER, BOOLEAN, LIST, MAP, JSON}


@dataclass(frozen=True)
class Schema:
    """One property: its type, whether required, its default and how updates treat it."""

    type: str
    description: str = ""
    required: bool = False
    default: object = None
    update_allowed: bool = False
    allowed_values: tuple = ()
    min: float | None = None  # a number's value or a string's/list's length
    max: float | None = None
    # For LIST: the schema of each item; for MAP: of named keys (None = free-form).
    item: Schema | None = None
    keys: Mapping[str, Schema] | None = field(default=None)

    def __post_init__(self):
        if self.type not in _TYPES:
            raise ValueError(f"unknown property type {self.type}")

    def as_dict(self) -> dict:
        """The schema as the resource_types API shows it."""
        out = {
            "type": self.type.lower() if self.type != JSON else "map",
            "description": self.description,
            "required": self.required,
            "update_allowed": self.update_allowed,
            "immutable": False,
        }
        if self.default is not None:
            out["default"] = self.default
        constraints = []
        if self.allowed_values:
            constraints.append({"allowed_values": list(self.allowed_values)})
        if self.min is not None or self.max is not None:
            key = "range" if self.type in (INTEGER, NUMBER) else "length"
            bounds = {k: v for k, v in (("min", self.min), ("max", self.max)) if v is not None}
            constraints.append({key: bounds})
        if constraints:
            out["constraints"] = constraints
        return out


def check_static(schema: Mapping[str, Schema], properties, path: tuple) -> list[Finding]:
    """Findings for a resource's Properties as written in the template.

    Unknown names and missing required properties are always found; a value is checked
    only where it is a literal (a function's value is not known before the stack exists).
    """
    findings: list[Finding] = []
    if isinstance(properties, Function):
        return findings
    if not isinstance(properties, dict):
        return [Finding("invalid-properties", path, "Properties must be a mapping")]
    _check_mapping(schema, properties, path, findings, static=True)
    return findings


def _check_mapping(schema, values: dict, path, findings, static: bool) -> None:
    for name, value in values.items():
        if name not in schema:
            close = difflib.get_close_matches(name, sorted(schema), n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            findings.append(
                Finding("unknown-property", path + (name,), f'unknown property "{name}"{hint}')
            )
            continue
        _check_value(schema[name], value, path + (name,), findings, static)
    for name, prop in schema.items():
        if prop.required and name not in values:
            findings.append(
                Finding(
                    "missing-property", path + (name,), f'required property "{name}" is missing'
                )
            )


def _check_value(prop: Schema, value, path, findings, static: bool) -> None:
    if isinstance(value, Function):
        return
    if value is None:
        if prop.required:
            findings.append(Finding("missing-property", path, "a required property has no value"))
        return
    problem = _type_problem(prop, value)
    if problem:
        findings.append(Finding("property-type", path, problem))
        return
    if prop.type == LIST and prop.item is not None:
        for position, item in enumerate(value):
            _check_value(prop.item, item, path + (position,), findings, static)
    elif prop.type == MAP and prop.keys is not None and isinstance(value, dict):
        _check_mapping(prop.keys, value, path, findings, static)
    constraint = _constraint_problem(prop, value)
    if constraint:
        findings.append(Finding("property-constraint", path, constraint))


def _type_problem(prop: Schema, value) -> str | None:
    kind = prop.type
    if kind == STRING:
        if isinstance(value, dict | list):
            return f"expected a string, got {'a mapping' if isinstance(value, dict) else 'a list'}"
    elif kind in (INTEGER, NUMBER):
        if _to_number(value, integer=kind == INTEGER) is None:
            want = "an integer" if kind == INTEGER else "a number"
            return f"expected {want}, got {value!r}"
    elif kind == BOOLEAN:
        if _to_bool(value) is None:
            return f"expected a boolean, got {value!r}"
    elif kind == LIST:
        if not isinstance(value, list):
            return f"expected a list, got {value!r}"
    elif kind == MAP:
        if not isinstance(value, dict):
            return f"expected a mapping, got {value!r}"
    return None


def _constraint_problem(prop: Schema, value) -> str | None:
    canonical = _canonical(prop, value)
    if prop.allowed_values and canonical not in prop.allowed_values:
        allowed = ", ".join(str(v) for v in prop.allowed_values)
        return f'"{canonical}" is not one of the allowed values: {allowed}'
    if prop.min is None and prop.max is None:
        return None
    if prop.type in (INTEGER, NUMBER):
        measure, what = _to_number(value, integer=False), "value"
    else:
        measure, what = len(canonical), "length"
    if prop.min is not None and measure < prop.min:
        return f"{what} {measure} is less than the minimum of {_plain(prop.min)}"
    if prop.max is not None and measure > prop.max:
        return f"{what} {measure} is more than the maximum of {_plain(prop.max)}"
    return None


def _plain(number):
    return int(number) if float(number).is_integer() else number


def _to_number(value, integer: bool):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return None if integer and not value.is_integer() else value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            if integer:
                return None
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _to_bool(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _canonical(prop: Schema, value):
    if prop.type in (INTEGER, NUMBER):
        return _to_number(value, integer=prop.type == INTEGER)
    if prop.type == BOOLEAN:
        return _to_bool(value)
    if prop.type == STRING and not isinstance(value, str):
        return _convert(prop, value)  # 5 is checked as "5"
    return value


def _convert(prop: Schema, value):
    if value is None:
        return None
    if prop.type in (INTEGER, NUMBER, BOOLEAN):
        return _canonical(prop, value)
    if prop.type == STRING and not isinstance(value, str):
        return "true" if value is True else "false" if value is False else str(value)
    if prop.type == LIST and prop.item is not None:
        return [_convert(prop.item, item) for item in value]
    if prop.type == MAP and prop.keys is not None:
        return {k: _convert(prop.keys[k], v) if k in prop.keys else v for k, v in value.items()}
    return value


class Properties(Mapping):
    """A resource's resolved property values: checked, converted, defaults filled in."""

    def __init__(self, schema: Mapping[str, Schema], values: dict, path: tuple = ()):
        findings: list[Finding] = []
        _check_mapping(schema, values, path, findings, static=False)
        if findings:
            raise InvalidInput("; ".join(str(f) for f in findings))
        self._values = {}
        for name, prop in schema.items():
            value = values.get(name)
            if value is None:
                value = prop.default
            self._values[name] = _convert(prop, value)
        self.path = path

    @classmethod
    def stored(cls, schema: Mapping[str, Schema], values: dict | None) -> Properties:
        """Values that were checked when they were stored (e.g. of a resource being deleted).

        They are not checked again: the plugin's schema may have changed since, and a
        resource must stay deletable whatever happened to its type's schema.
        """
        self = cls.__new__(cls)
        values = values or {}
        self._values = {name: values.get(name, prop.default) for name, prop in schema.items()}
        for name, value in values.items():
            self._values.setdefault(name, value)
        self.path = ()
        return self

    def as_dict(self) -> dict:
        return dict(self._values)

    def __getitem__(self, name):
        return self._values[name]

    def __iter__(self):
        return iter(self._values)

    def __len__(self):
        return len(self._values)

    def __repr__(self):
        return f"Properties({format_path(self.path)}: {self._values!r})"
