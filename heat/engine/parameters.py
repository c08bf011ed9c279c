"""The Parameters section of a CloudFormation template: declarations, values, pseudo parameters.

Two stages, as in the template pipeline. `parse_section` turns the declarations into
ParameterSchema objects once per template and reports every problem with a declaration
(unknown keys, bad constraint values, a Default that breaks its own constraints).
`Parameters` then binds the values a caller gave to those schemas, reports missing, unknown
and invalid values, and answers `Ref` for declared and pseudo parameters.

Values follow CloudFormation rather than YAML or JSON: every parameter value is a string,
so a template number or boolean (`Default: 5`, `AllowedValues: [true]`) compares as its
CloudFormation string form ("5", "true"), and a Number's value is the string given, not a
float. List types are lists of such strings.

NoEcho values never appear in a message or in display(): a finding about one names the
parameter and the broken constraint, never the value.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from heat.engine.findings import Finding, Path

PARTITION = "openstack"
MASK = "******"

# The OpenStack object each AWS-specific type names, so that a later check can look the
# value up in the cloud. Here these types are accepted as plain strings.
CLOUD_CHECKS = {
    "AWS::EC2::AvailabilityZone::Name": "availability_zone",
    "AWS::EC2::Image::Id": "image",
    "AWS::EC2::Instance::Id": "server",
    "AWS::EC2::KeyPair::KeyName": "keypair",
    "AWS::EC2::SecurityGroup::GroupName": "security_group",
    "AWS::EC2::SecurityGroup::Id": "security_group",
    "AWS::EC2::Subnet::Id": "subnet",
    "AWS::EC2::VPC::Id": "network",
    "AWS::EC2::Volume::Id": "volume",
    "AWS::Route53::HostedZone::Id": "dns_zone",
}
# CloudFormation has a List<> form of every AWS-specific type except the key pair name.
_LISTABLE = [t for t in CLOUD_CHECKS if t != "AWS::EC2::KeyPair::KeyName"]

# type name -> (item type, is a list)
TYPES: dict[str, tuple[str, bool]] = {
    "String": ("String", False),
    "Number": ("Number", False),
    "List<Number>": ("Number", True),
    "CommaDelimitedList": ("String", True),
    **{name: ("String", False) for name in CLOUD_CHECKS},
    **{f"List<{name}>": ("String", True) for name in _LISTABLE},
}
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
# Decimal numbers only: float() would also take "nan", "inf" and "1_000", CloudFormation not.
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
_INTEGER = re.compile(r"[-+]?\d+")


class _NoValue:
    """The value of AWS::NoValue: a property or list item that resolves to it is dropped."""

    __slots__ = ()
    _instance: _NoValue | None = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NO_VALUE"

    def __reduce__(self):
        # Pickle and deepcopy by name, so that the sentinel stays the one object everywhere.
        return "NO_VALUE"


NO_VALUE: Any = _NoValue()


@dataclass(frozen=True)
class StackIdentity:
    """Who and where a stack is; the source of the pseudo parameters.

    `url_suffix` is the domain of the cloud's endpoints (AWS answers "amazonaws.com");
    a deployment sets its own, "openstack.local" is only a placeholder.
    """

    project_id: str
    stack_name: str
    stack_id: str
    region: str = "RegionOne"
    url_suffix: str = "openstack.local"
    notification_arns: tuple = ()

    def arn(self) -> str:
        """The stack's ARN, in the form Heat has always used (no region field)."""
        return f"arn:{PARTITION}:heat::{self.project_id}:stacks/{self.stack_name}/{self.stack_id}"


PSEUDO_PARAMETERS = frozenset(
    {
        "AWS::AccountId",
        "AWS::NotificationARNs",
        "AWS::NoValue",
        "AWS::Partition",
        "AWS::Region",
        "AWS::StackId",
        "AWS::StackName",
        "AWS::URLSuffix",
    }
)


def _pseudo_value(name: str, identity: StackIdentity):
    if name == "AWS::AccountId":
        return identity.project_id
    if name == "AWS::NotificationARNs":
        return list(identity.notification_arns)
    if name == "AWS::NoValue":
        return NO_VALUE
    if name == "AWS::Partition":
        return PARTITION
    if name == "AWS::Region":
        return identity.region
    if name == "AWS::StackId":
        return identity.arn()
    if name == "AWS::StackName":
        return identity.stack_name
    if name == "AWS::URLSuffix":
        return identity.url_suffix
    raise KeyError(name)


# -- small helpers for values and messages --


def _kind(value) -> str:
    """The template-level name of a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return type(value).__name__


def _is_scalar(value) -> bool:
    return isinstance(value, (str, int, float, bool))


def _scalar_str(value) -> str:
    """A template scalar as CloudFormation reads it: true -> "true", 5 -> "5"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _number(text: str) -> int | float | None:
    """The number a string spells, or None: int where it is one, so big IDs stay exact."""
    if _INTEGER.fullmatch(text):
        return int(text)
    if _NUMBER.fullmatch(text):
        return float(text)
    return None


def _suggest(word: str, choices) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f'; did you mean "{close[0]}"?' if close else ""


@lru_cache(maxsize=1024)
def _compile(pattern: str) -> re.Pattern:
    """Compile an AllowedPattern once per process: the same templates are validated again and
    again, and re's own cache is small and shared with everything else."""
    return re.compile(pattern)


# -- declarations --


@dataclass(frozen=True)
class ParameterSchema:
    """One declared parameter. Values are in CloudFormation form: strings, lists of strings.

    `default` is a str for scalar types and a tuple of str for list types (None: required).
    `cloud_check` names the cloud object an AWS-specific type refers to (see CLOUD_CHECKS).
    """

    name: str
    type: str
    default: str | tuple | None = None
    no_echo: bool = False
    allowed_values: tuple | None = None
    allowed_pattern: str | None = None
    min_length: int | None = None
    max_length: int | None = None
    min_value: int | float | None = None
    max_value: int | float | None = None
    description: str | None = None
    constraint_description: str | None = None
    label: str | None = None
    cloud_check: str | None = None

    @property
    def item_type(self) -> str:
        """The type of the value, or of each item of a list: String or Number."""
        return TYPES.get(self.type, ("String", False))[0]

    @property
    def is_list(self) -> bool:
        return TYPES.get(self.type, ("String", False))[1]

    @classmethod
    def from_template(cls, name: str, decl, path: Path = ("Parameters",)):
        """Read one declaration; return (schema or None, findings).

        A schema is returned whenever the declaration is a mapping, even one with findings,
        so that references to the parameter still resolve while the findings are reported;
        bad keys are left out of it (an unknown Type reads as String).
        """
        here = tuple(path) + (name,)
        if not isinstance(decl, dict):
            message = f"a parameter declaration must be a mapping, not {_kind(decl)}"
            return None, [Finding("bad-parameter-declaration", here, message)]
        reader = _DeclarationReader(name, decl, here)
        return reader.schema(cls), reader.findings

    def normalise(self, raw, subject: str = "value"):
        """A given or default value in CloudFormation form; return (value, error message).

        Strings are what the API and CLI give; template scalars and (for list types) YAML or
        JSON lists are accepted too. A list string is split at commas and each item trimmed
        of surrounding spaces, as CloudFormation documents for CommaDelimitedList.
        """
        if self.is_list:
            if isinstance(raw, str):
                return tuple(item.strip() for item in raw.split(",")), None
            if isinstance(raw, (list, tuple)):
                for index, item in enumerate(raw):
                    if not _is_scalar(item):
                        return None, f"{subject}[{index}] must be a string, not {_kind(item)}"
                return tuple(_scalar_str(item) for item in raw), None
            return None, f"{subject} must be a list or a comma-delimited string, not {_kind(raw)}"
        if _is_scalar(raw):
            return _scalar_str(raw), None
        return None, f"{subject} must be a string, not {_kind(raw)}"

    def violations(self, value, subject: str = "value") -> list[str]:
        """Messages for each item of a normalised value that breaks the type or a constraint.

        The first problem of each item is reported: constraint descriptions usually describe
        all constraints at once, so a second message would only repeat it.
        """
        if self.is_list:
            items = [(f"{subject}[{index}]", item) for index, item in enumerate(value)]
        else:
            items = [(subject, value)]
        messages = []
        for item_subject, item in items:
            message = self._item_problem(item, item_subject)
            if message:
                messages.append(message)
        return messages

    def _item_problem(self, item: str, subject: str) -> str | None:
        shown = subject if self.no_echo else f"{subject} {_quote(item)}"
        number = None
        if self.item_type == "Number":
            number = _number(item)
            if number is None:
                return f"{shown} is not a number"
        broken = self._broken_constraint(item, number)
        if broken is None:
            return None
        if self.constraint_description:
            return f"{shown} {broken}: {self.constraint_description}"
        return f"{shown} {broken}"

    def _broken_constraint(self, item: str, number) -> str | None:
        if self.allowed_values is not None and item not in self.allowed_values:
            shown = ", ".join(_quote(v) for v in self.allowed_values)
            return f"is not one of the allowed values [{shown}]"
        if self.allowed_pattern is not None:
            if not _compile(self.allowed_pattern).fullmatch(item):
                return f"does not match pattern {self.allowed_pattern}"
        if self.min_length is not None and len(item) < self.min_length:
            return f"is shorter than the minimum length of {self.min_length}"
        if self.max_length is not None and len(item) > self.max_length:
            return f"is longer than the maximum length of {self.max_length}"
        if number is not None:
            if self.min_value is not None and number < self.min_value:
                return f"is less than the minimum value of {self.min_value}"
            if self.max_value is not None and number > self.max_value:
                return f"is greater than the maximum value of {self.max_value}"
        return None


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

    def schema(self, cls) -> ParameterSchema:
        for key in self.decl:
            if key not in KEYS:
                message = f'unknown key "{key}" in a parameter declaration{_suggest(key, KEYS)}'
                self.add("unknown-parameter-key", (key,), message)
        type_known = self._read_type()
        self._read_no_echo()
        for key, field in _TEXT_KEYS.items():
            self._read_text(key, field)
        self._read_constraints(report_inapplicable=type_known)
        schema = cls(**self.fields)
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
            message = f"Type must be a string, not {_kind(type_name)}"
            self.add("unknown-parameter-type", ("Type",), message)
        elif type_name.startswith(_SSM_PREFIX):
            message = (
                f"parameter type {type_name} is not supported: "
                "this cloud has no Systems Manager Parameter Store"
            )
            self.add("unsupported-parameter-type", ("Type",), message)
        elif type_name not in TYPES:
            message = f'unknown parameter type "{type_name}"{_suggest(type_name, TYPES)}'
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
            self.add("bad-parameter-key", (key,), f"{key} must be a string, not {_kind(value)}")

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
            message = f"AllowedValues must be a list, not {_kind(values)}"
            self.add("bad-parameter-key", ("AllowedValues",), message)
            return
        if not values:
            self.add("bad-parameter-key", ("AllowedValues",), "AllowedValues must not be empty")
            return
        good = True
        for index, value in enumerate(values):
            if not _is_scalar(value):
                message = (
                    f"AllowedValues[{index}] must be a string, number or boolean, "
                    f"not {_kind(value)}"
                )
                self.add("bad-parameter-key", ("AllowedValues", index), message)
                good = False
        if good:
            self.fields["allowed_values"] = tuple(_scalar_str(v) for v in values)

    def _read_pattern(self) -> None:
        pattern = self.decl["AllowedPattern"]
        if not isinstance(pattern, str):
            message = f"AllowedPattern must be a string, not {_kind(pattern)}"
            self.add("bad-parameter-key", ("AllowedPattern",), message)
            return
        try:
            _compile(pattern)
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
        number = _number(value) if isinstance(value, str) else None
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
    return _quote(value) if isinstance(value, str) else json.dumps(value, default=str)


def parse_section(section, path: Path = ("Parameters",)):
    """Read a template's Parameters section; return ({name: ParameterSchema}, findings).

    A missing section (None) is an empty one. Declarations with findings still yield a
    schema where possible (see ParameterSchema.from_template).
    """
    path = tuple(path)
    if section is None:
        return {}, []
    if not isinstance(section, dict):
        message = f"the Parameters section must be a mapping, not {_kind(section)}"
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
        schema, problems = ParameterSchema.from_template(name_text, decl, path)
        findings.extend(problems)
        if schema is not None:
            schemas[name_text] = schema
    return schemas, findings


# -- values --


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
            message = "a value was given but the template declares no such parameter" + _suggest(
                name, self.schemas
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
        return _pseudo_value(name, self.identity)

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
                out[name] = _pseudo_value(name, self.identity)
        return out
