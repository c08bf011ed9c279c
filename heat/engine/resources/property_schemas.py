"""Property declarations that several resource plugins make alike.

A plugin still lists every property it takes in its own `properties_schema`; these helpers
only build the entries that mean the same thing wherever they appear, so that (for example)
every Key/Value list is checked the same way.
"""

from __future__ import annotations

from collections.abc import Mapping

from heat.engine import properties

STRINGS = properties.Schema(properties.STRING)
"""The item schema of a list of strings."""


def key_value_list(
    description: str,
    update_allowed: bool = False,
    extra_keys: Mapping[str, properties.Schema] | None = None,
) -> properties.Schema:
    """A list of {"Key": ..., "Value": ...} mappings (Tags, NovaSchedulerHints), as EC2 has
    them; `extra_keys` are further keys an item may have besides the two it must."""
    return properties.Schema(
        properties.LIST,
        description=description,
        update_allowed=update_allowed,
        item=properties.Schema(
            properties.MAP,
            keys={
                "Key": properties.Schema(properties.STRING, required=True),
                "Value": properties.Schema(properties.STRING, required=True),
                **(extra_keys or {}),
            },
        ),
    )


def stack_reference(type_name: str, update_allowed: bool = False) -> properties.Schema:
    """A required property naming (by its Ref) a resource of `type_name` of the same stack."""
    return properties.Schema(
        properties.STRING,
        required=True,
        update_allowed=update_allowed,
        description=f"The Ref of an {type_name} of this stack.",
    )
