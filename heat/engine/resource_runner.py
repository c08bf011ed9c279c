"""The resource state machine: one resource's create, update or delete, as GraphRun steps.

A step records every transition before it acts (IN_PROGRESS before the cloud is asked,
COMPLETE or FAILED after), each as one resource row update plus one event row in one
transaction, so that the database always says what was in progress. Whatever a plugin
learns that it would need to clean up after a crash (its physical id) is stored as soon
as the plugin returns it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from heat.common.exception import HeatError, NotFound, ResourceFailure
from heat.engine import creation_policy, functions
from heat.engine.definitions import ResourceDefinition
from heat.engine.properties import Properties
from heat.engine.resource import (
    COMPLETE,
    CREATE,
    DELETE,
    FAILED,
    IN_PROGRESS,
    UPDATE,
    Resource,
    UpdateReplace,
)


@dataclass
class ResourceRecord:
    """The engine's view of one resource row, and its plugin once it has one."""

    id: int
    name: str
    type: str
    action: str = "INIT"
    status: str = COMPLETE
    reason: str = ""
    physical_id: str | None = None
    data: dict = field(default_factory=dict)
    properties_data: dict | None = None
    requires: tuple = ()
    replaces: int | None = None
    replaced_by: int | None = None
    plugin: Resource | None = None
    uuid: str | None = None  # tags what the resource makes in the cloud (servers)

    @classmethod
    def from_row(cls, row: dict) -> ResourceRecord:
        return cls(
            id=row["id"],
            name=row["name"],
            type=row["type"],
            action=row["action"],
            status=row["status"],
            reason=row["status_reason"] or "",
            physical_id=row["physical_resource_id"],
            data=row["data"] or {},
            properties_data=row["properties_data"],
            requires=tuple(row["requires"] or ()),
            replaces=row["replaces"],
            replaced_by=row["replaced_by"],
            uuid=row.get("uuid"),
        )

    @property
    def state(self) -> str:
        return f"{self.action}_{self.status}"


class StoredSecrets(dict):
    """A resource's stored secrets, read from the database only if a plugin looks at them.

    Most plugins never do (deleting a resource rarely needs its secrets), so a stack of a
    thousand resources does not pay a thousand reads to be deleted.
    """

    def __init__(self, load):
        super().__init__()
        self._load = load

    def _loaded(self):
        if self._load is not None:
            load, self._load = self._load, None
            super().update(load())
        return self

    def __getitem__(self, key):
        return dict.__getitem__(self._loaded(), key)

    def get(self, key, default=None):
        return dict.get(self._loaded(), key, default)

    def items(self):
        return dict.items(self._loaded())

    def __contains__(self, key):
        return dict.__contains__(self._loaded(), key)

    def __iter__(self):
        return dict.__iter__(self._loaded())

    def __len__(self):
        return dict.__len__(self._loaded())


def properties_for(plugin_cls, values: dict, path: tuple) -> Properties:
    """Checked and converted property values for a plugin class."""
    if getattr(plugin_cls, "accepts_any_properties", False):
        return Properties.stored({}, values)
    return Properties(plugin_cls.properties_schema, values, path)


class ResourceSteps:
    """Makes the GraphRun steps of one stack operation; knows the stack's database and scope."""

    def __init__(self, stack):
        self.stack = stack
        self.db = stack.db

    # -- transitions --

    def transition(
        self,
        record: ResourceRecord,
        action: str,
        status: str,
        reason: str,
        properties_data=None,
        secrets=None,
    ) -> None:
        """Record a state change of the resource (and `secrets` to store with it)."""
        plugin = record.plugin
        if plugin is not None:
            record.physical_id = plugin.physical_id
            record.data = plugin.data
        extra = {} if properties_data is None else {"properties_data": properties_data}
        self.db.resources.set_state(
            record.id,
            stack_id=self.stack.id,
            name=record.name,
            type=record.type,
            action=action,
            status=status,
            reason=reason,
            physical_resource_id=record.physical_id,
            data=record.data if status != IN_PROGRESS else record.data or None,
            engine_id=self.stack.engine.engine_id,  # who ran it: with many engines, any
            secrets=secrets,
            **extra,
        )
        record.action, record.status, record.reason = action, status, reason
        if properties_data is not None:
            record.properties_data = properties_data

    def fail(self, record: ResourceRecord, action: str, exc: BaseException) -> ResourceFailure:
        detail = exc.message if isinstance(exc, HeatError) else f"{type(exc).__name__}: {exc}"
        reason = f"{action} failed: {detail}"
        self.transition(record, action, FAILED, self.stack.mask(reason))
        return ResourceFailure(record.name, action, exc)

    def save_progress(self, record: ResourceRecord) -> None:
        """Store what a handler just learned (its physical id, data, warnings) before waiting."""
        plugin = record.plugin
        while plugin.warnings:
            self.db.resources.add_event(
                stack_id=self.stack.id,
                name=record.name,
                type=record.type,
                action=record.action,
                status=record.status,
                reason=self.stack.mask(f"Warning: {plugin.warnings.pop(0)}"),
                physical_resource_id=plugin.physical_id,
            )
        if plugin.physical_id != record.physical_id or plugin.data != record.data:
            record.physical_id = plugin.physical_id
            record.data = dict(plugin.data)
            self.db.resources.update(
                record.id, physical_resource_id=record.physical_id, data=record.data
            )

    @staticmethod
    def secrets_to_save(record: ResourceRecord) -> dict | None:
        """The plugin's secrets, to be stored with its next transition; None if unchanged."""
        secrets = record.plugin.secrets
        if isinstance(secrets, StoredSecrets) and secrets._load is not None:
            return None  # never looked at, so never changed
        return dict(secrets.items()) or None

    # -- plugins --

    def new_plugin(self, record: ResourceRecord, definition: ResourceDefinition) -> Resource:
        plugin_cls = self.stack.registry.get(definition.type)
        values = functions.resolve(definition.properties, self.stack.scope)
        props = properties_for(plugin_cls, values, ("Resources", record.name, "Properties"))
        plugin = plugin_cls(record.name, props, self.stack.context)
        plugin.metadata = functions.resolve(definition.metadata, self.stack.scope)
        plugin.update_policy = definition.update_policy  # groups read their rolling policy
        plugin.resource_uuid = record.uuid
        return plugin

    def stored_plugin(self, record: ResourceRecord) -> Resource | None:
        """The plugin of a resource created earlier, rebuilt from its row (None: unknown type)."""
        if record.plugin is None:
            plugin_cls = self.stack.registry.get(record.type)
            if plugin_cls is None:
                return None
            schema = (
                {}
                if getattr(plugin_cls, "accepts_any_properties", False)
                else (plugin_cls.properties_schema)
            )
            plugin = plugin_cls(
                record.name, Properties.stored(schema, record.properties_data), self.stack.context
            )
            plugin.physical_id = record.physical_id
            plugin.data = dict(record.data)
            plugin.secrets = StoredSecrets(lambda: self.db.resources.get_secrets(record.id))
            plugin.resource_uuid = record.uuid
            record.plugin = plugin
        return record.plugin

    # -- steps --

    def create(self, record: ResourceRecord, definition: ResourceDefinition) -> CreateStep:
        return CreateStep(self, record, definition)

    def delete(self, record: ResourceRecord, policy: str = "Delete") -> DeleteStep:
        return DeleteStep(self, record, policy)

    def update(self, record, definition, new_properties, changed) -> UpdateStep:
        return UpdateStep(self, record, definition, new_properties, changed)


class CreateStep:
    """CREATE_IN_PROGRESS -> handle_create -> check_create_complete ... -> CREATE_COMPLETE."""

    def __init__(self, steps: ResourceSteps, record: ResourceRecord, definition):
        self.steps = steps
        self.record = record
        self.definition = definition
        self.token = None
        self.signals = None  # its CreationPolicy's wait for signals, if it has one

    def start(self):
        record = self.record
        try:
            plugin = record.plugin = self.steps.new_plugin(record, self.definition)
            # An earlier attempt (its engine died) may have made what this one would make:
            # plugins that can find it by the resource's uuid adopt it (servers do).
            plugin.previous_attempt = record.action == CREATE
            self.steps.transition(record, CREATE, IN_PROGRESS, "state changed")
            self.signals = creation_policy.waiter(self.definition, plugin.context)
            self.token = plugin.handle_create()
            self.steps.save_progress(record)
        except Exception as exc:
            raise self.steps.fail(record, CREATE, exc) from exc
        return None

    def check(self) -> bool:
        record = self.record
        try:
            if not record.plugin.check_create_complete(self.token):
                return False
            if self.signals is not None and not self.signals.done():
                return False
            # Its secrets are stored in the same transaction as the state they belong to.
            self.steps.transition(
                record,
                CREATE,
                COMPLETE,
                "state changed",
                properties_data=record.plugin.properties.as_dict(),
                secrets=self.steps.secrets_to_save(record),
            )
        except Exception as exc:
            raise self.steps.fail(record, CREATE, exc) from exc
        return True


class DeleteStep:
    """DELETE_IN_PROGRESS -> handle_delete -> check_delete_complete ... -> DELETE_COMPLETE.

    NotFound from the cloud means the resource is already gone: deleted. A Retain policy
    records the deletion without touching the cloud.
    """

    def __init__(self, steps: ResourceSteps, record: ResourceRecord, policy: str):
        self.steps = steps
        self.record = record
        self.policy = policy
        self.token = None
        self.plugin = None

    def start(self):
        record = self.record
        if record.action == "INIT":
            return True  # never created: nothing to delete, nothing to report
        try:
            self.steps.transition(record, DELETE, IN_PROGRESS, "state changed")
            if self.policy == "Retain":
                return self._done("retained: its policy is Retain")
            self.plugin = self.steps.stored_plugin(record)
            if self.plugin is None:
                return self._done("state changed")
            handler = self.plugin.handle_delete
            if self.policy == "Snapshot":
                handler = getattr(self.plugin, "handle_snapshot_delete", handler)
            self.token = handler()
            self.steps.save_progress(record)
        except NotFound:
            return self._done("state changed")
        except Exception as exc:
            raise self.steps.fail(record, DELETE, exc) from exc
        return None

    def check(self) -> bool:
        try:
            if not self.plugin.check_delete_complete(self.token):
                # A long delete may learn things on the way (the id of a backup it made).
                self.steps.save_progress(self.record)
                return False
        except NotFound:
            pass
        except Exception as exc:
            raise self.steps.fail(self.record, DELETE, exc) from exc
        self._done("state changed")
        return True

    def _done(self, reason: str) -> bool:
        if self.plugin is not None:
            self.steps.save_progress(self.record)  # its warnings become events before it ends
            reason = self.plugin.completion_reason or reason
        self.steps.transition(self.record, DELETE, COMPLETE, reason)
        return True


class UpdateStep:
    """UPDATE_IN_PROGRESS -> handle_update -> check_update_complete ... -> UPDATE_COMPLETE.

    A plugin that finds it cannot update in place raises UpdateReplace; the step reports
    that to the stack, which replaces the resource instead.
    """

    def __init__(self, steps, record, definition, new_properties, changed):
        self.steps = steps
        self.record = record
        self.definition = definition
        self.new_properties = new_properties
        self.changed = changed
        self.token = None

    def start(self):
        record = self.record
        plugin = self.steps.stored_plugin(record)
        plugin.update_policy = self.definition.update_policy
        try:
            self.steps.transition(record, UPDATE, IN_PROGRESS, "state changed")
            self.token = plugin.handle_update(self.new_properties, self.changed)
            self.steps.save_progress(record)
        except UpdateReplace:
            raise
        except Exception as exc:
            raise self.steps.fail(record, UPDATE, exc) from exc
        return None

    def check(self) -> bool:
        record = self.record
        try:
            if not record.plugin.check_update_complete(self.token):
                return False
            record.plugin.properties = self.new_properties
            self.steps.transition(
                record,
                UPDATE,
                COMPLETE,
                "state changed",
                properties_data=self.new_properties.as_dict(),
            )
        except Exception as exc:
            raise self.steps.fail(record, UPDATE, exc) from exc
        return True
