"""What a template says about each resource and output, with values as function trees."""

from __future__ import annotations

from dataclasses import dataclass, field

DELETION_POLICIES = ("Delete", "Retain", "Snapshot")


# Not frozen: a frozen dataclass pays for object.__setattr__ per field, and templates
# with thousands of resources build thousands of these. Treat instances as read-only.
@dataclass(slots=True, eq=False)
class ResourceDefinition:
    """One entry of the Resources section, parsed."""

    name: str
    type: str
    properties: dict = field(default_factory=dict)  # values may be Function trees
    metadata: dict = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()
    condition: str | None = None
    deletion_policy: str = "Delete"
    update_replace_policy: str = "Delete"
    creation_policy: dict | None = None
    update_policy: dict | None = None
    description: str = ""
    requires: frozenset[str] = frozenset()  # resources it needs: references and DependsOn

    def same_as(self, other: ResourceDefinition) -> bool:
        """True if an update from `other` to this definition changes nothing declared."""
        return (
            self.type == other.type
            and repr(self.properties) == repr(other.properties)
            and repr(self.metadata) == repr(other.metadata)
            and self.deletion_policy == other.deletion_policy
            and self.update_replace_policy == other.update_replace_policy
        )


@dataclass(slots=True, eq=False)
class OutputDefinition:
    """One entry of the Outputs section, parsed."""

    name: str
    value: object
    description: str = ""
    export_name: object = None  # may be a Function tree
    condition: str | None = None
    requires: frozenset[str] = frozenset()
