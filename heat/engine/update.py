"""Stack update: from the stack's current resources to a new template and parameters.

Each resource of the new template is, when its turn in the graph comes:
  added      (it did not exist)           -> created
  unchanged  (same type, same properties) -> left alone, no events
  updated    (only updatable properties)  -> updated in place
  replaced   (type or another property)   -> a new one created; the old one kept until the end
Resources the new template drops, and the old halves of replacements, are deleted in a final
reverse walk (a replaced one under its UpdateReplacePolicy, a dropped one under its
DeletionPolicy). A failed or cancelled update rolls back by updating to the previous template,
where a replaced resource gets its old self back instead of a third copy.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from heat.common.exception import HeatError
from heat.engine import functions
from heat.engine.graph_run import GraphRun, Outcome, Status
from heat.engine.resource import COMPLETE, FAILED, IN_PROGRESS, ROLLBACK, UPDATE, UpdateReplace
from heat.engine.resource_runner import ResourceRecord, properties_for
from heat.engine.stack_definition import StackDefinition

ADDED, UPDATED, REPLACED, UNCHANGED, DELETED = (
    "added",
    "updated",
    "replaced",
    "unchanged",
    "deleted",
)


@dataclass(frozen=True)
class Change:
    """What an update does (or would do) to one resource."""

    name: str
    type: str
    kind: str
    changed: tuple[str, ...] = ()
    # "True", "False" or "Conditional" (the new values depend on resources not yet made).
    replacement: str = "False"


def classify(stack, record: ResourceRecord | None, definition, scope) -> tuple[Change, object]:
    """The change for one resource of the new template, and its new Properties (or None)."""
    name, type_name = definition.name, definition.type
    if record is None or record.action == "INIT":
        return Change(name, type_name, ADDED), None
    if record.type != type_name:
        return Change(name, type_name, REPLACED, ("Type",), "True"), None
    plugin_cls = stack.registry.get(type_name)
    values = functions.resolve(definition.properties, scope)
    new_props = properties_for(plugin_cls, values, ("Resources", name, "Properties"))
    old = record.properties_data or {}
    new = new_props.as_dict()
    changed = tuple(sorted(k for k in set(new) | set(old) if new.get(k) != old.get(k)))
    if record.status == FAILED:
        # A resource whose last action failed is in an unknown state: make a fresh one.
        return Change(name, type_name, REPLACED, changed, "True"), new_props
    if not changed:
        return Change(name, type_name, UNCHANGED), new_props
    if plugin_cls.replace_on_change(frozenset(changed)):
        return Change(name, type_name, REPLACED, changed, "True"), new_props
    return Change(name, type_name, UPDATED, changed, "False"), new_props


def preview(stack, new: StackDefinition) -> dict[str, list[Change]]:
    """What updating `stack` to `new` would do, without doing it."""
    scope = stack.scope_for(new)
    out = {kind: [] for kind in (ADDED, UPDATED, REPLACED, UNCHANGED, DELETED)}
    for name in new.graph.order():
        definition = new.resources[name]
        try:
            change, _ = classify(stack, stack.records.get(name), definition, scope)
        except HeatError:
            # Its new properties refer to resources that do not exist yet: it will change,
            # and whether it is replaced depends on values only the update will know.
            change = Change(name, definition.type, UPDATED, ("Properties",), "Conditional")
        out[change.kind].append(change)
    for name in sorted(stack.records.keys() - new.resources.keys()):
        record = stack.records[name]
        out[DELETED].append(Change(name, record.type, DELETED))
    return out


def changes_anything(stack, new: StackDefinition) -> bool:
    """Whether updating `stack` to `new` would change a resource, an output or a value."""
    if new.template.data != stack.template.data:
        return True
    if new.parameters.values() != stack.definition.parameters.values():
        return True
    found = preview(stack, new)
    return any(found[kind] for kind in (ADDED, UPDATED, REPLACED, DELETED))


class StackUpdate:
    """One update (or the rollback of one) of a loaded Stack."""

    def __init__(
        self,
        stack,
        new: StackDefinition,
        template_id: int,
        on_done,
        rollback_of: StackUpdate | None = None,
    ):
        self.stack = stack
        self.old = stack.definition
        self.old_template_id = stack.row["raw_template_id"]
        self.old_parameters = stack.definition.parameters.values()
        self.new = new
        self.template_id = template_id
        self.on_done = on_done
        self.rollback_of = rollback_of
        self.action = ROLLBACK if rollback_of else UPDATE
        self.replaced: dict[str, ResourceRecord] = {}  # name -> the old, replaced record
        self.doomed: list[ResourceRecord] = []  # replacements undone by a rollback
        self.run: GraphRun | None = None
        self.cancelled = False

    # -- the walk over the new template --

    def start(self) -> StackUpdate:
        stack = self.stack
        stack.definition = self.new
        stack.scope = stack.scope_for(self.new)
        values = {
            "raw_template_id": self.template_id,
            "parameters": self.new.parameters.values(),
        }
        if self.rollback_of is None:
            # What a rollback needs, also after a crash: the template and values from before.
            values["previous_raw_template_id"] = self.old_template_id
            values["previous_parameters"] = self.old_parameters
        stack.db.stacks.update(
            stack.id, secret_parameters=self.new.parameters.no_echo_names(), **values
        )
        stack.row["raw_template_id"] = self.template_id
        graph = {name: d.requires for name, d in self.new.resources.items()}
        self.run = GraphRun(
            stack.engine.scheduler,
            graph,
            self._step,
            timeout=stack.timeout_seconds(),
            backoff=stack.engine.backoff,
        )
        self.run.on_done(lambda outcome: stack.guard(self._after_walk, outcome))
        self.run.start()
        return self

    def cancel(self) -> bool:
        if self.run is None or self.rollback_of is not None:
            return False
        self.cancelled = True
        # Stop waiting on what is in flight (it is marked FAILED) and roll back at once.
        return self.run.abort("Stack UPDATE cancelled")

    def _step(self, name: str):
        return _NodeStep(self, name)

    def _after_walk(self, outcome: Outcome) -> None:
        stack = self.stack
        if outcome.status != Status.COMPLETE:
            reason = stack.failure_reason(self.action, outcome)
            if self.cancelled and outcome.root_cause is None:
                reason = "Stack UPDATE cancelled"
            if self.rollback_of is None and (self.cancelled or not stack.row["disable_rollback"]):
                stack.set_state(UPDATE, FAILED, reason)
                self._roll_back()
            else:
                stack.finish(self.action, FAILED, reason, self.on_done)
            return
        self._clean_up()

    # -- the final reverse walk --

    def _clean_up(self) -> None:
        stack = self.stack
        policies = {}
        for name, record in stack.records.items():
            if name not in self.new.resources:
                old = self.old.resources.get(name)
                policies[record.id] = old.deletion_policy if old else "Delete"
        for name, record in self.replaced.items():
            definition = self.new.resources.get(name)
            policies[record.id] = definition.update_replace_policy if definition else "Delete"
        for record in self.doomed:
            policies[record.id] = "Delete"
        gone = [r for r in stack.all_records() if r.id in policies]
        by_id = {r.id: r for r in gone}
        names = {r.id: f"{r.name}#{r.id}" for r in gone}
        ids_by_name = {}
        for r in gone:
            ids_by_name.setdefault(r.name, []).append(r.id)
        graph = {
            names[r.id]: [names[i] for dep in r.requires for i in ids_by_name.get(dep, ())]
            for r in gone
        }
        node_ids = {names[i]: i for i in by_id}

        def step(node):
            record = by_id[node_ids[node]]
            return stack.steps.delete(record, policies[record.id])

        run = GraphRun(
            stack.engine.scheduler, graph, step, reverse=True, backoff=stack.engine.backoff
        )

        def after(outcome: Outcome):
            if outcome.status != Status.COMPLETE:
                stack.finish(
                    self.action, FAILED, stack.failure_reason(self.action, outcome), self.on_done
                )
                return
            stack.db.resources.delete_many([record.id for record in gone])
            for record in gone:
                if stack.records.get(record.name) is record:
                    del stack.records[record.name]
            done = (
                "Stack UPDATE completed successfully"
                if self.action == UPDATE
                else ("Stack ROLLBACK completed successfully")
            )
            stack.finish(self.action, COMPLETE, done, self.on_done)

        run.on_done(lambda outcome: stack.guard(after, outcome))
        run.start()

    # -- rollback --

    def _roll_back(self) -> None:
        roll_back(self.stack, self.old_template_id, self.old_parameters, self.on_done, self)

    @classmethod
    def interrupted(cls, stack) -> StackUpdate:
        """Stands for an update a dead engine left: what it replaced is in the rows."""
        update = cls.__new__(cls)
        update.replaced = {r.name: r for r in stack.all_records() if r.replaced_by is not None}
        return update

    def revert(self, name: str) -> bool:
        """In a rollback: give `name` back its pre-update self if the update replaced it."""
        original = self.rollback_of.replaced.get(name) if self.rollback_of else None
        if original is None:
            return False
        stack = self.stack
        replacement = stack.records.get(name)
        if replacement is not None and replacement.id != original.id:
            self.doomed.append(replacement)
            stack.db.resources.update(replacement.id, replaced_by=original.id)
        stack.db.resources.update(original.id, replaced_by=None)
        stack.records[name] = original
        return True


def roll_back(stack, template_id: int, parameters: dict, on_done, update: StackUpdate) -> None:
    """Update `stack` back to a previous template and parameters, undoing `update`."""
    stack.set_state(ROLLBACK, IN_PROGRESS, "Rollback started")
    old = StackDefinition(
        stack.engine.load_template(template_id),
        parameters,
        stack.definition.identity,
        registry=stack.registry,
        require_all_parameters=False,
        availability_zones=stack.engine.availability_zones,
    )
    StackUpdate(stack, old, template_id, on_done, rollback_of=update).start()


class _NodeStep:
    """The step of one resource in an update walk: decides what to do when its turn comes."""

    def __init__(self, update: StackUpdate, name: str):
        self.update = update
        self.name = name
        self.inner = None

    def start(self):
        update, stack, name = self.update, self.update.stack, self.name
        definition = update.new.resources[name]
        reverted = update.revert(name)
        record = stack.records.get(name)
        try:
            change, new_props = classify(stack, record, definition, stack.scope)
        except Exception as exc:
            if record is None:
                raise
            raise stack.steps.fail(record, update.action, exc) from exc
        if change.kind == UNCHANGED or (reverted and change.kind == UNCHANGED):
            return True
        if change.kind == UPDATED:
            self.inner = stack.steps.update(
                record, definition, new_props, frozenset(change.changed)
            )
            try:
                return self.inner.start()
            except UpdateReplace:
                pass  # the plugin found it cannot after all: replace below
        self.inner = stack.steps.create(self._new_record(record, definition), definition)
        return self.inner.start()

    def check(self) -> bool:
        return self.inner.check()

    def _new_record(self, old: ResourceRecord | None, definition) -> ResourceRecord:
        stack, update = self.update.stack, self.update
        if old is not None and old.action == "INIT":
            return old  # never created: create it in place
        values = {
            "name": definition.name,
            "type": definition.type,
            "requires": sorted(definition.requires),
        }
        if old is not None:
            values["replaces"] = old.id
        values.setdefault("uuid", str(uuid.uuid4()))
        new_id = stack.db.resources.insert(stack.id, values)
        if old is not None:
            stack.db.resources.update(old.id, replaced_by=new_id)
            update.replaced[definition.name] = old
        record = ResourceRecord(
            id=new_id,
            name=definition.name,
            type=definition.type,
            action="INIT",
            requires=tuple(values["requires"]),
            replaces=values.get("replaces"),
            uuid=values["uuid"],
        )
        stack.records[definition.name] = record
        return record
