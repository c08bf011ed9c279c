"""The base of resource plugins: declared schemas and small lifecycle hooks.

A plugin is a small declarative class:

    class Thing(Resource):
        type_name = "OS::Example::Thing"
        properties_schema = {"size": properties.Schema(properties.INTEGER, required=True)}
        attributes_schema = {"address": attributes.Attribute("Where it lives")}

        def handle_create(self):            # start the work; returns a token for the checks
            ...
        def check_create_complete(self, token) -> bool:   # polled with back-off until True
            ...

The engine (heat.engine.resource_runner) owns the state machine and the database writes;
a plugin only talks to its cloud service and keeps what it needs in `self.data` (persisted
after every hook) and `self.secrets` (persisted encrypted).
"""

from __future__ import annotations

from typing import ClassVar

from heat.common.exception import InvalidInput
from heat.engine import attributes
from heat.engine.properties import Properties, Schema

# Actions and statuses, as CloudFormation names them.
INIT, CREATE, UPDATE, DELETE, ROLLBACK = "INIT", "CREATE", "UPDATE", "DELETE", "ROLLBACK"
IN_PROGRESS, COMPLETE, FAILED = "IN_PROGRESS", "COMPLETE", "FAILED"


class UpdateReplace(Exception):
    """Raised by handle_update when the change cannot be made in place after all."""


class Resource:
    """Base of every resource plugin."""

    type_name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    properties_schema: ClassVar[dict[str, Schema]] = {}
    attributes_schema: ClassVar[dict[str, attributes.Attribute]] = {}

    def __init__(self, name: str, properties: Properties, context=None):
        self.name = name
        self.properties = properties
        self.context = context  # the stack's services: clients, identity, settings
        self.physical_id: str | None = None
        self.data: dict = {}
        self.secrets: dict = {}
        self.metadata: dict = {}
        self.warnings: list[str] = []  # recorded as events by the engine after each hook
        # What the event that ends a delete says instead of "state changed", for a plugin
        # with something worth telling (what the delete kept, and where).
        self.completion_reason: str | None = None
        self.resource_uuid: str | None = None  # the resource row's uuid, to tag cloud objects
        self.previous_attempt = False  # a create started before, by an engine that died

    def warn(self, message: str) -> None:
        """Tell the user something worth knowing that does not fail the action."""
        self.warnings.append(message)

    # -- lifecycle hooks; a plugin overrides what applies to it --

    def handle_create(self):
        """Start creating; return a token passed to check_create_complete."""
        return None

    def check_create_complete(self, token) -> bool:
        return True

    def handle_update(self, new_properties: Properties, changed: frozenset[str]):
        """Apply an in-place update of the `changed` (update_allowed) properties."""
        self.properties = new_properties
        return None

    def check_update_complete(self, token) -> bool:
        return True

    def handle_delete(self):
        """Start deleting. A resource that is already gone counts as deleted."""
        return None

    def check_delete_complete(self, token) -> bool:
        return True

    # -- what templates see --

    def reference_id(self):
        """The value of Ref: the physical id once there is one, else the logical name."""
        return self.physical_id or self.name

    def attribute(self, name: str):
        """The value of Fn::GetAtt; plugins implement resolve_attribute."""
        problem = attributes.problem(self.type_name, self.attributes_schema, name)
        if problem:
            raise InvalidInput(f"{self.name}: {problem}")
        return self.resolve_attribute(name)

    def resolve_attribute(self, name: str):
        return self.data.get(name)

    # -- update planning --

    @classmethod
    def replace_on_change(cls, changed: frozenset[str]) -> bool:
        """True if changing these properties needs a new resource rather than an update."""
        return any(not cls.properties_schema[name].update_allowed for name in changed)

    @classmethod
    def schema_document(cls) -> dict:
        """The type's schema as the resource_types API shows it."""
        return {
            "resource_type": cls.type_name,
            "description": cls.description,
            "properties": {n: s.as_dict() for n, s in cls.properties_schema.items()},
            "attributes": {n: a.as_dict() for n, a in cls.attributes_schema.items()},
        }
