"""The declared parameter: its type, constraints and checks of values against them.

A `ParameterSchema` is what one declaration of a template's Parameters section says
(heat.engine.parameter_declarations reads it); it normalises a value given for the
parameter to CloudFormation form and finds where the value breaks its type or constraints.
The small helpers here are shared by the declaration reader and the parameter values.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from functools import lru_cache

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
# Decimal numbers only: float() would also take "nan", "inf" and "1_000", CloudFormation not.
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
_INTEGER = re.compile(r"[-+]?\d+")


def kind_of(value) -> str:
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


def is_scalar(value) -> bool:
    return isinstance(value, (str, int, float, bool))


def scalar_str(value) -> str:
    """A template scalar as CloudFormation reads it: true -> "true", 5 -> "5"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def parse_number(text: str) -> int | float | None:
    """The number a string spells, or None: int where it is one, so big IDs stay exact."""
    if _INTEGER.fullmatch(text):
        return int(text)
    if _NUMBER.fullmatch(text):
        return float(text)
    return None


def did_you_mean(word: str, choices) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f'; did you mean "{close[0]}"?' if close else ""


@lru_cache(maxsize=1024)
def compile_pattern(pattern: str) -> re.Pattern:
    """Compile an AllowedPattern once per process: the same templates are validated again and
    again, and re's own cache is small and shared with everything else."""
    return re.compile(pattern)


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
                    if not is_scalar(item):
                        return None, f"{subject}[{index}] must be a string, not {kind_of(item)}"
                return tuple(scalar_str(item) for item in raw), None
            return None, f"{subject} must be a list or a comma-delimited string, not {kind_of(raw)}"
        if is_scalar(raw):
            return scalar_str(raw), None
        return None, f"{subject} must be a string, not {kind_of(raw)}"

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
        shown = subject if self.no_echo else f"{subject} {quote(item)}"
        number = None
        if self.item_type == "Number":
            number = parse_number(item)
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
            shown = ", ".join(quote(v) for v in self.allowed_values)
            return f"is not one of the allowed values [{shown}]"
        if self.allowed_pattern is not None:
            if not compile_pattern(self.allowed_pattern).fullmatch(item):
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
