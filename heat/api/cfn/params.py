"""The request parameters of the CFN Query API, read and checked as AWS defines them.

Lists arrive flattened: `Parameters.member.1.ParameterKey=K&Parameters.member.1.ParameterValue=V`,
`Capabilities.member.1=CAPABILITY_IAM`. Checks answer with AWS's own wording where AWS has
one ("1 validation error detected: Value ... at 'stackName' failed to satisfy constraint").
"""

from __future__ import annotations

import base64
import binascii
import re

from heat.api.aws.errors import ValidationError

STACK_NAME = re.compile(r"[a-zA-Z][-a-zA-Z0-9]*\Z")
CHANGE_SET_NAME = re.compile(r"[a-zA-Z][-a-zA-Z0-9]*\Z")
MAX_MEMBERS = 1000
CAPABILITIES = ("CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND")
ON_FAILURE = ("DO_NOTHING", "ROLLBACK", "DELETE")


def _field(name: str) -> str:
    return name[:1].lower() + name[1:]


def constraint_error(name: str, value, constraint: str) -> ValidationError:
    shown = str(value)
    if len(shown) > 128:
        shown = shown[:128] + "..."
    return ValidationError(
        f"1 validation error detected: Value '{shown}' at '{_field(name)}' failed to satisfy "
        f"constraint: {constraint}"
    )


class QueryParams:
    """The parameters of one request, by name (each name once; the last value wins)."""

    def __init__(self, values: dict[str, str]):
        self.values = values

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.values.get(name, default)

    def __contains__(self, name: str) -> bool:
        return name in self.values

    def required(self, name: str) -> str:
        value = self.values.get(name)
        if value is None:
            raise ValidationError(
                f"1 validation error detected: Value null at '{_field(name)}' failed to "
                "satisfy constraint: Member must not be null"
            )
        return value

    def string(self, name: str, *, required=False, max_len=None, pattern=None, choices=None):
        value = self.required(name) if required else self.values.get(name)
        if value is None:
            return None
        if max_len is not None and len(value) > max_len:
            raise constraint_error(
                name, value, f"Member must have length less than or equal to {max_len}"
            )
        if pattern is not None and not pattern.match(value):
            raise constraint_error(
                name,
                value,
                f"Member must satisfy regular expression pattern: {pattern.pattern[:-2]}",
            )
        if choices is not None and value not in choices:
            raise constraint_error(
                name, value, f"Member must satisfy enum value set: [{', '.join(choices)}]"
            )
        return value

    def boolean(self, name: str) -> bool | None:
        value = self.values.get(name)
        if value is None:
            return None
        lowered = value.lower()
        if lowered not in ("true", "false"):
            raise ValidationError(f"Invalid boolean value for {name}: must be true or false")
        return lowered == "true"

    def integer(self, name: str, *, minimum=None, maximum=None) -> int | None:
        value = self.values.get(name)
        if value is None:
            return None
        if not re.fullmatch(r"[-+]?[0-9]{1,18}", value.strip()):
            raise ValidationError(f"Invalid integer value for {name}")
        number = int(value)
        if minimum is not None and number < minimum:
            raise constraint_error(
                name, value, f"Member must have value greater than or equal to {minimum}"
            )
        if maximum is not None and number > maximum:
            raise constraint_error(
                name, value, f"Member must have value less than or equal to {maximum}"
            )
        return number

    def _indexed(self, prefix: str) -> dict[int, dict[str, str]]:
        """{N: {suffix: value}} for every `prefix.member.N[.suffix]` parameter."""
        start = f"{prefix}.member."
        found: dict[int, dict[str, str]] = {}
        for key, value in self.values.items():
            if not key.startswith(start):
                continue
            index, _, suffix = key[len(start) :].partition(".")
            if not index.isdigit() or len(index) > 6 or int(index) < 1:
                raise ValidationError(f"Invalid list index in parameter {key[:200]}")
            found.setdefault(int(index), {})[suffix] = value
        if len(found) > MAX_MEMBERS:
            raise ValidationError(f"{prefix} has more than {MAX_MEMBERS} members")
        return found

    def members(self, prefix: str) -> list[str]:
        """The values of a list of strings, in index order."""
        return [fields[""] for _, fields in sorted(self._indexed(prefix).items()) if "" in fields]

    def structures(self, prefix: str) -> list[dict[str, str]]:
        """The members of a list of structures, in index order."""
        return [fields for _, fields in sorted(self._indexed(prefix).items())]

    # -- the lists CloudFormation requests share --

    def parameters(self, allow_previous: bool) -> tuple[dict[str, str], list[str]]:
        """Parameters.member.N: ({key: value}, [keys with UsePreviousValue=true])."""
        values, previous = {}, []
        for member in self.structures("Parameters"):
            key = member.get("ParameterKey")
            if not key:
                raise ValidationError("Every member of Parameters must have a ParameterKey")
            use_previous = member.get("UsePreviousValue", "false").lower()
            if use_previous not in ("true", "false"):
                raise ValidationError(f"Invalid UsePreviousValue for parameter {key}")
            if use_previous == "true":
                if not allow_previous:
                    raise ValidationError(
                        f"Invalid input for parameter key {key}. UsePreviousValue may not "
                        "be set for a new stack"
                    )
                if "ParameterValue" in member:
                    raise ValidationError(
                        f"Invalid input for parameter key {key}. Cannot specify "
                        "usePreviousValue as true and non empty value for a parameter"
                    )
                previous.append(key)
            elif "ParameterValue" in member:
                values[key] = member["ParameterValue"]
            else:
                raise ValidationError(f"Parameter {key} has no ParameterValue")
        return values, previous

    def tags(self) -> list[str]:
        """Tags.member.N as the "Key=Value" strings stacks keep."""
        tags = []
        for member in self.structures("Tags"):
            key, value = member.get("Key"), member.get("Value", "")
            if not key:
                raise ValidationError("Every tag must have a Key")
            if len(key) > 128 or len(value) > 256:
                raise ValidationError("Tag keys are at most 128 and values 256 characters long")
            tags.append(f"{key}={value}")
        if len(tags) > 50:
            raise ValidationError("A stack can have at most 50 tags")
        return tags

    def capabilities(self) -> list[str]:
        capabilities = self.members("Capabilities")
        for value in capabilities:
            if value not in CAPABILITIES:
                raise constraint_error(
                    "Capabilities", value, f"Member must satisfy enum value set: {CAPABILITIES}"
                )
        return capabilities

    def notification_arns(self) -> list[str]:
        arns = self.members("NotificationARNs")
        if len(arns) > 5:
            raise ValidationError("At most 5 NotificationARNs may be given")
        return arns

    def next_token(self) -> str | None:
        """The marker a NextToken stands for (tokens are opaque to the caller)."""
        token = self.values.get("NextToken")
        if not token:
            return None
        try:
            return base64.urlsafe_b64decode(token.encode("ascii")).decode("utf-8")
        except (binascii.Error, ValueError, UnicodeError):
            raise ValidationError("Invalid NextToken") from None


def next_token(marker: str | None) -> str | None:
    return base64.urlsafe_b64encode(marker.encode()).decode() if marker else None


def tag_pairs(tags) -> list[dict]:
    """Stored tags as AWS Key/Value pairs ("k=v" strings; a bare "k" has an empty value)."""
    pairs = []
    for tag in tags or []:
        if isinstance(tag, dict):
            pairs.append({"Key": str(tag.get("key", "")), "Value": str(tag.get("value", ""))})
            continue
        key, _, value = str(tag).partition("=")
        pairs.append({"Key": key, "Value": value})
    return pairs
