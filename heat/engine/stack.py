"""A stack: its row, its template bound to its parameters, its resources, and its operations.

Each operation (create, delete, update, rollback) walks a graph with a GraphRun and, when
the walk ends, writes the stack's final state. Failures skip dependents and report the
root cause; with rollback enabled a failed create deletes what it made and a failed update
goes back to the previous template.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from heat.common.exception import InvalidInput, ResourceFailure
from heat.engine import functions
from heat.engine.graph_run import GraphRun, Outcome, Status
from heat.engine.nested import NestedStacks
from heat.engine.parameters import MASK, StackIdentity
from heat.engine.resource import COMPLETE, CREATE, DELETE, FAILED, IN_PROGRESS, ROLLBACK
from heat.engine.resource_runner import ResourceRecord, ResourceSteps
from heat.engine.resources.aws.iam.stack_users import stack_users_of
from heat.engine.signals import StackSignals
from heat.engine.stack_definition import Scope, StackDefinition
from heat.engine.template import Template
from heat.engine.watch.stack_alarms import StackAlarms
from heat.engine.worker import new_traversal

LOG = logging.getLogger(__name__)

ON_FAILURE = ("DO_NOTHING", "ROLLBACK", "DELETE")


@dataclass(frozen=True)
class StackContext:
    """What resource plugins may know of the stack they belong to."""

    stack_id: str
    stack_name: str
    project_id: str
    identity: StackIdentity
    clients: object = None  # heat.engine.clients.Clients
    userdata_settings: object = None  # heat.engine.userdata.UserdataSettings
    stacks: object = None  # heat.engine.nested.NestedStacks: this stack's children
    alarms: object = None  # heat.engine.watch.stack_alarms.StackAlarms: its alarms
    signals: object = None  # heat.engine.signals.StackSignals: signals, stack users
    stack_users: object = None  # heat.engine.resources.aws.iam.stack_users.StackUsers


class Stack:
    """One stack loaded for an operation. Not shared between operations."""

    def __init__(
        self,
        engine,
        row: dict,
        template: Template,
        definition: StackDefinition,
        records: dict[str, ResourceRecord],
    ):
        self.engine = engine
        self.db = engine.db
        self.registry = engine.registry
        self.row = row
        self.id = row["id"]
        self.name = row["name"]
        self.template = template
        self.definition = definition
        self.records = records  # name -> the current (not replaced) resource
        self.context = StackContext(
            self.id,
            self.name,
            row["project_id"],
            definition.identity,
            clients=engine.clients,
            userdata_settings=engine.userdata_settings,
            stacks=NestedStacks(engine, row),
            alarms=StackAlarms(self.db, row["project_id"], row["id"]),
            signals=StackSignals(self.db, self.id),
            stack_users=stack_users_of(engine),
        )
        self.scope = self.scope_for(definition)
        self.steps = ResourceSteps(self)
        self._secret_values = [
            str(v)
            for n, v in definition.parameters.values().items()
            if n in definition.parameters.no_echo_names() and v not in ("", None)
        ]

    def scope_for(self, definition: StackDefinition) -> Scope:
        analysis = definition.analysis
        return Scope(
            definition.parameters,
            analysis.mappings,
            analysis.conditions,
            resource=self._live,
            availability_zones=self.engine.availability_zones,
            import_value=self._import_value,
        )

    def _live(self, name: str):
        record = self.records.get(name)
        if record is None or record.status == IN_PROGRESS and record.plugin is None:
            return None
        return self.steps.stored_plugin(record)

    def _import_value(self, name: str):
        export = self.db.exports.get(self.row["project_id"], name)
        if export is None:
            raise InvalidInput(f'no export named "{name}"')
        return export["value"]

    def mask(self, text: str) -> str:
        """Text with the values of NoEcho parameters replaced by ******."""
        for secret in self._secret_values:
            text = text.replace(secret, MASK)
        return text

    def mask_value(self, value):
        """A value (e.g. an output) with NoEcho parameter values masked wherever they occur."""
        if not self._secret_values:
            return value
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, list):
            return [self.mask_value(item) for item in value]
        if isinstance(value, dict):
            return {key: self.mask_value(item) for key, item in value.items()}
        return value

    # -- create --

    def create(self, on_done: Callable[[], None]) -> GraphRun:
        graph = {name: d.requires for name, d in self.definition.resources.items()}
        remote = self.remote_steps()
        traversal = new_traversal()

        def step(name):
            if remote is not None and not remote.run_here():
                return remote.create(run, self, self.records[name], traversal)
            return self.steps.create(self.records[name], self.definition.resources[name])

        run = GraphRun(
            self.engine.scheduler,
            graph,
            step,
            timeout=self.timeout_seconds(),
            backoff=self.engine.backoff,
        )
        if remote is not None:
            remote.follow(run, traversal)
        run.on_done(lambda outcome: self.guard(self._after_create, outcome, on_done))
        return run.start()

    def _after_create(self, outcome: Outcome, on_done) -> None:
        if outcome.status == Status.COMPLETE:
            self._store_exports()
            self.finish(CREATE, COMPLETE, "Stack CREATE completed successfully", on_done)
            return
        reason = self.failure_reason(CREATE, outcome)
        self.set_state(CREATE, FAILED, reason)
        on_failure = self.row.get("on_failure") or (
            "DO_NOTHING" if self.row["disable_rollback"] else "ROLLBACK"
        )
        if on_failure == "ROLLBACK":
            self.rollback_create(on_done)
        elif on_failure == "DELETE":
            self.delete(on_done)
        else:
            self.release(on_done)

    def rollback_create(self, on_done) -> GraphRun:
        """Delete what a failed create made; the stack ends ROLLBACK_COMPLETE (or _FAILED)."""
        self.set_state(ROLLBACK, IN_PROGRESS, "Rollback started")
        return self._delete_all(ROLLBACK, on_done, mark_deleted=False)

    # -- delete --

    def delete(
        self, on_done: Callable[[], None], records: list[ResourceRecord] | None = None
    ) -> GraphRun:
        """Delete every resource of the stack, then the stack.

        `records`: every resource record of the stack as all_records() would read them, when
        the caller has just read them (a stack loaded for its delete), so they are not read
        twice.
        """
        self.set_state(DELETE, IN_PROGRESS, "Stack DELETE started")
        return self._delete_all(DELETE, on_done, mark_deleted=True, records=records)

    def _delete_all(self, action: str, on_done, mark_deleted: bool, records=None) -> GraphRun:
        graph, by_node = delete_graph(self.all_records() if records is None else records)
        policies = {name: d.deletion_policy for name, d in self.definition.resources.items()}

        remote = self.remote_steps()
        traversal = new_traversal()

        def step(node):
            record = by_node[node]
            policy = policies.get(record.name, "Delete")
            if remote is not None and not remote.run_here():
                return remote.delete(run, self, record, traversal, policy, node=node)
            return self.steps.delete(record, policy)

        run = GraphRun(
            self.engine.scheduler, graph, step, reverse=True, backoff=self.engine.backoff
        )

        def after(outcome: Outcome):
            if outcome.status != Status.COMPLETE:
                self.finish(action, FAILED, self.failure_reason(action, outcome), on_done)
                return
            self.db.resources.delete_many([record.id for record in by_node.values()])
            self.records.clear()
            if mark_deleted:
                self.db.exports.delete_for_stack(self.id)
                self.db.stacks.mark_deleted(self.id)
            self.finish(action, COMPLETE, f"Stack {action} completed successfully", on_done)

        if remote is not None:
            remote.follow(run, traversal)
        run.on_done(lambda outcome: self.guard(after, outcome))
        return run.start()

    def all_records(self) -> list[ResourceRecord]:
        """Every resource of the stack, read afresh: the current ones and those an update
        replaced but has not deleted yet (it failed, or stopped)."""
        return [ResourceRecord.from_row(row) for row in self.db.resources.list(self.id, True)]

    # -- shared --

    def remote_steps(self):
        """The engine's StepDispatcher if this walk's steps are to be spread over several
        engines (heat.engine.worker), else None: the steps run here."""
        dispatcher = getattr(self.engine, "dispatcher", None)
        return dispatcher if dispatcher is not None and dispatcher.enabled() else None

    def timeout_seconds(self) -> float | None:
        minutes = self.row.get("timeout_mins")
        return minutes * 60 if minutes else None

    def failure_reason(self, action: str, outcome: Outcome) -> str:
        """The stack's reason for an unsuccessful walk; abandoned resources are marked FAILED."""
        timed_out = outcome.status == Status.TIMED_OUT
        why = f"{action} timed out" if timed_out else f"{action} cancelled"
        for name in sorted(outcome.in_progress_at_end):
            record = self.records.get(name)
            if record is not None and record.status == IN_PROGRESS:
                self.steps.transition(record, record.action, FAILED, why)
        if timed_out:
            still = ", ".join(sorted(str(n) for n in outcome.in_progress_at_end)) or "nothing"
            return f"{action.capitalize()} timed out; still in progress: {still}"
        if outcome.status == Status.CANCELLED and outcome.root_cause is None:
            return f"Stack {action} cancelled"
        cause = outcome.root_cause.exception if outcome.root_cause else None
        if isinstance(cause, ResourceFailure):
            return self.mask(f"Resource {cause.message}")
        return self.mask(outcome.reason or f"Stack {action} failed")

    def set_state(self, action: str, status: str, reason: str) -> None:
        self.db.stacks.set_state(self.id, action, status, reason, name=self.name)
        self.row.update(action=action, status=status, status_reason=reason)

    def finish(self, action, status, reason, on_done) -> None:
        self.set_state(action, status, reason)
        self.release(on_done)

    def release(self, on_done) -> None:
        self.db.locks.release(self.id, self.engine.engine_id)
        if on_done is not None:
            on_done()

    def guard(self, fn, outcome, on_done=None):
        """Run an end-of-walk handler; if it fails, the stack must still not stay IN_PROGRESS."""
        try:
            if on_done is None:
                fn(outcome)
            else:
                fn(outcome, on_done)
        except Exception as exc:  # the last line of defence: record it, never hang
            LOG.exception("stack %s: finishing %s failed", self.id, self.row.get("action"))
            try:
                self.set_state(
                    self.row.get("action") or CREATE,
                    FAILED,
                    f"Internal error: {type(exc).__name__}: {exc}",
                )
            finally:
                self.db.locks.release(self.id, self.engine.engine_id)

    def _store_exports(self) -> None:
        for output in self.definition.outputs.values():
            if output.export_name is None:
                continue
            name = functions.resolve(output.export_name, self.scope)
            value = functions.resolve(output.value, self.scope)
            self.db.exports.put(self.row["project_id"], name, self.id, value)

    # -- reading --

    def outputs(self) -> list[dict]:
        """Each output with its value, or the error that prevents computing it."""
        out = []
        for name, output in self.definition.outputs.items():
            entry = {"output_key": name, "description": output.description}
            try:
                entry["output_value"] = self.mask_value(functions.resolve(output.value, self.scope))
            except Exception as exc:  # an output of a failed stack: say why it has no value
                entry["output_value"] = None
                entry["output_error"] = self.mask(str(exc))
            out.append(entry)
        return out


def new_records(db, stack_id: str, definition: StackDefinition) -> dict[str, ResourceRecord]:
    """Insert the rows of a new stack's resources (INIT); return their records."""
    rows = [
        {"name": name, "type": d.type, "requires": sorted(d.requires), "uuid": str(uuid.uuid4())}
        for name, d in definition.resources.items()
    ]
    ids = db.resources.insert_many(stack_id, rows)
    return {
        row["name"]: ResourceRecord(
            id=ids[row["name"]],
            name=row["name"],
            type=row["type"],
            action="INIT",
            requires=tuple(row["requires"]),
            uuid=row["uuid"],
        )
        for row in rows
    }


def delete_graph(records: list[ResourceRecord]) -> tuple[dict, dict]:
    """The graph of deleting `records` (walked in reverse) and its nodes' records.

    A current resource's node is its name. A row an update replaced but did not delete
    shares that name; its node is "name#id", ordered like its namesake (what requires the
    name goes first, what the name requires goes after), so it is deleted too.
    """
    by_name: dict[str, list[str]] = {}
    by_node: dict[str, ResourceRecord] = {}
    for record in records:
        node = record.name if record.replaced_by is None else f"{record.name}#{record.id}"
        by_node[node] = record
        by_name.setdefault(record.name, []).append(node)
    graph = {
        node: [dep for name in record.requires for dep in by_name.get(name, ())]
        for node, record in by_node.items()
    }
    return graph, by_node
