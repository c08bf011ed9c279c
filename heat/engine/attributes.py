"""Attribute schemas of resource plugins: what Fn::GetAtt may ask a resource for."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Attribute:
    """One attribute. A `nested` attribute takes sub-names, like `Outputs.WebsiteURL`."""

    description: str = ""
    nested: bool = False
    secret: bool = False  # never shown in events or API answers

    def as_dict(self) -> dict:
        return {"description": self.description}


def problem(type_name: str, schema: Mapping[str, Attribute], name: str) -> str | None:
    """None if `name` is an attribute of the type, else a message that says why not."""
    if name in schema:
        return None
    head, dot, _ = name.partition(".")
    if dot and head in schema and schema[head].nested:
        return None
    known = ", ".join(sorted(schema)) or "none"
    return f'{type_name} has no attribute "{name}" (it has: {known})'
