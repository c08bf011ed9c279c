"""Change sets (the CFN API's *ChangeSet actions): a stack change previewed, kept, executed.

    Status           CREATE_PENDING -> CREATE_IN_PROGRESS -> CREATE_COMPLETE | FAILED
    ExecutionStatus  UNAVAILABLE -> AVAILABLE -> EXECUTE_IN_PROGRESS -> EXECUTE_COMPLETE
                                                                     | EXECUTE_FAILED
                     AVAILABLE (or still being made) -> OBSOLETE when the stack changes

CreateChangeSet checks the request at once, as CreateStack and UpdateStack do (template and
parameters, every finding in one answer), stores the change set CREATE_PENDING and returns.
The engine's pool then makes it: the template is checked against the cloud and previewed
against the stack's resources. A change set that cannot be made (an unknown image, nothing
to change) is FAILED, with the reason.

A change set of type CREATE is for a stack that does not exist yet: the stack is made at
once, REVIEW_IN_PROGRESS (heat.engine.review), and more CREATE change sets can be added to
it. Executing one creates the stack from it; a failed create is rolled back unless the
change set's OnStackFailure or ExecuteChangeSet's DisableRollback say otherwise. Deleting
its change sets leaves the stack REVIEW_IN_PROGRESS, as AWS does (DeleteStack removes it).

Executing takes the stack's lock, marks the change set EXECUTE_IN_PROGRESS and starts the
update or create. When that operation ends, also when another engine finishes it after this
one died, settle_change_sets records EXECUTE_COMPLETE or EXECUTE_FAILED from the stack's
final state. Every update of the stack makes its other change sets OBSOLETE.
"""

from __future__ import annotations

import logging
import uuid

from heat.common.exception import (
    ChangeSetNotFound,
    HeatError,
    InvalidChangeSetStatus,
    InvalidInput,
    NotSupported,
    StackNotFound,
)
from heat.engine import cloud_checks
from heat.engine import update as update_mod
from heat.engine.parameters import MASK
from heat.engine.resource import COMPLETE
from heat.engine.review import REVIEW, make_review_stack, refuse_in_review, store_creation
from heat.engine.stack import ON_FAILURE

LOG = logging.getLogger(__name__)

CREATE, UPDATE = "CREATE", "UPDATE"  # change set types: the stack action executing runs
TYPES = (CREATE, UPDATE)

CREATE_PENDING = "CREATE_PENDING"
CREATE_IN_PROGRESS = "CREATE_IN_PROGRESS"
CREATE_COMPLETE = "CREATE_COMPLETE"
FAILED = "FAILED"
BEING_MADE = (CREATE_PENDING, CREATE_IN_PROGRESS)

UNAVAILABLE = "UNAVAILABLE"
AVAILABLE = "AVAILABLE"
EXECUTE_IN_PROGRESS = "EXECUTE_IN_PROGRESS"
EXECUTE_COMPLETE = "EXECUTE_COMPLETE"
EXECUTE_FAILED = "EXECUTE_FAILED"
OBSOLETE = "OBSOLETE"

NO_CHANGES = (
    "The submitted information didn't contain changes. Submit different information to "
    "create a change set."
)
CHANGE_KINDS = (update_mod.ADDED, update_mod.UPDATED, update_mod.REPLACED, update_mod.DELETED)


def resource_changes(preview: dict, records: dict) -> list[dict]:
    """The changes a preview (heat.engine.update.preview) found, as change sets keep them:
    kind (added, updated, replaced, deleted), resource_name, resource_type,
    physical_resource_id, changed_properties, replacement ("True", "False", "Conditional")."""
    out = []
    for kind in CHANGE_KINDS:
        for change in preview[kind]:
            record = records.get(change.name)
            physical = (
                record.physical_id if record is not None and kind != update_mod.ADDED else None
            )
            out.append(
                {
                    "kind": kind,
                    "resource_name": change.name,
                    "resource_type": change.type,
                    "physical_resource_id": physical or None,
                    "changed_properties": list(change.changed),
                    "replacement": change.replacement,
                }
            )
    return out


def _masked(text: str, definition) -> str:
    """`text` with the definition's NoEcho parameter values masked (a reason may quote one)."""
    parameters = definition.parameters
    values = parameters.values()
    for name in parameters.no_echo_names():
        value = values.get(name)
        if value not in ("", None):
            text = text.replace(str(value), MASK)
    return text


def _display_parameters(request: dict) -> dict:
    displayed = request.get("display_parameters") or {}
    if isinstance(displayed, list):  # change sets stored before revision 0009
        return {p["ParameterKey"]: p["ParameterValue"] for p in displayed}
    return displayed


def _summary(row: dict) -> dict:
    return {
        "id": row["id"],
        "name": row["name"],
        "type": row["change_set_type"],
        "stack_id": row["stack_id"],
        "stack_name": row["stack_name"],
        "project": row["project_id"],
        "description": row["description"],
        "status": row["status"],
        "status_reason": row["status_reason"],
        "execution_status": row["execution_status"],
        "creation_time": row["created_at"],
    }


def _detail(row: dict) -> dict:
    request = row["request"]
    return {
        **_summary(row),
        "parameters": _display_parameters(request),
        "tags": request.get("tags") or [],
        "capabilities": request.get("capabilities") or [],
        "on_failure": request.get("on_failure"),
        "changes": row["changes"] or [],
    }


class ChangeSetOperations:
    """The engine's change set operations; EngineService includes them.

    They work through the service's database, scheduler and stack operations: _find and
    _load (stacks), _identity, _new_definition and _new_stack_definition (checked
    definitions), _start_update and _start_create (operations on a stack it has locked).
    """

    # -- the operations the CFN API calls --

    def create_change_set(
        self,
        ctx,
        stack_name: str,
        change_set_name: str,
        template_text=None,
        parameters=None,
        *,
        existing: bool = False,
        change_set_type: str = UPDATE,
        description: str | None = None,
        tags=(),
        capabilities=(),
        on_failure: str | None = None,
    ) -> dict:
        """Check a change set of `stack_name`, store it and start making it (on the pool).

        With no template the stack's is kept; with `existing`, parameters not given keep
        their values (both UPDATE only). Returns {"id", "stack_id", "stack_name"}; the
        change set is CREATE_PENDING.
        """
        if change_set_type not in TYPES:
            raise NotSupported(f"ChangeSetType {change_set_type} is not supported")
        if on_failure is not None and on_failure not in ON_FAILURE:
            raise InvalidInput(f"OnStackFailure must be one of {', '.join(ON_FAILURE)}")
        try:
            row = self._find(ctx, stack_name)
        except StackNotFound:
            if change_set_type == UPDATE:
                raise
            row = None
        if change_set_type == CREATE:
            row, new = self._creation(
                ctx, row, stack_name, change_set_name, template_text, parameters, existing
            )
        else:
            if on_failure == "DELETE":
                raise InvalidInput("OnStackFailure DELETE is only valid for ChangeSetType CREATE")
            refuse_in_review(row, self._identity)
            stack = self._load(row)
            new = self._new_definition(
                stack, template_text, parameters, existing, check_cloud=False
            )
        change_set_id = str(uuid.uuid4())
        self.db.change_sets.insert(
            {
                "id": change_set_id,
                "name": change_set_name,
                "project_id": ctx.project_id,
                "stack_id": row["id"],
                "stack_name": row["name"],
                "change_set_type": change_set_type,
                "description": description,
                "status": CREATE_PENDING,
                "execution_status": UNAVAILABLE,
                "engine_id": self.engine_id,
                "request": {
                    "template": template_text,
                    "parameters": parameters or {},
                    "existing": bool(existing),
                    "tags": list(tags),
                    "capabilities": list(capabilities),
                    "on_failure": on_failure,
                    "display_parameters": new.parameters.display(),
                },
            }
        )
        try:
            self.scheduler.submit(
                self._make_change_set, change_set_id, change_set_type, row["id"], new
            )
        except RuntimeError:  # the scheduler is shut down: this engine is stopping
            self._made(change_set_id, FAILED, "The engine stopped before the change set was made")
        return {"id": change_set_id, "stack_id": row["id"], "stack_name": row["name"]}

    def show_change_set(self, ctx, change_set: str, stack: str | None = None) -> dict:
        """A change set (by id, or by name with its stack): its state, parameters (NoEcho
        masked), tags and changes."""
        return _detail(self._change_set(ctx, change_set, stack))

    def list_change_sets(self, ctx, stack: str, limit=None, marker=None) -> list[dict]:
        """The stack's change sets, oldest first, one page (after the id `marker`)."""
        row = self._find(ctx, stack)
        rows = self.db.change_sets.list(ctx.project_id, row["id"], limit=limit, marker=marker)
        if any(r["execution_status"] == EXECUTE_IN_PROGRESS for r in rows):
            if self._settle_if_stale(row["id"]):
                rows = self.db.change_sets.list(
                    ctx.project_id, row["id"], limit=limit, marker=marker
                )
        return [_summary(r) for r in rows]

    def get_change_set_template(self, ctx, change_set: str, stack: str | None = None):
        """The template text the change set applies; None if it keeps the stack's own."""
        return self._change_set(ctx, change_set, stack)["request"].get("template")

    def execute_change_set(
        self, ctx, change_set: str, stack: str | None = None, *, disable_rollback=None
    ) -> dict:
        """Start the update (or creation) the change set describes; returns {"stack_id",
        "stack_name"}. InvalidChangeSetStatus unless it is AVAILABLE and its stack is idle."""
        found = self._change_set(ctx, change_set, stack)
        if found["status"] != CREATE_COMPLETE:
            raise InvalidChangeSetStatus(
                f"ChangeSet [{found['id']}] cannot be executed in its current status of "
                f"[{found['status']}]"
            )
        if found["execution_status"] != AVAILABLE:
            raise self._not_executable(found["id"], found["execution_status"])
        request = found["request"]
        on_failure = request.get("on_failure")
        if on_failure is not None and disable_rollback is not None:
            raise InvalidInput(
                "DisableRollback cannot be specified for a change set created with "
                f"OnStackFailure ({on_failure})"
            )
        row = self._find(ctx, found["stack_id"])
        if not self.db.locks.acquire(row["id"], self.engine_id):
            raise InvalidChangeSetStatus(
                f"ChangeSet [{found['id']}] cannot be executed while its stack is "
                f"{row['action']}_{row['status']}"
            )
        if not self.db.change_sets.transition(
            found["id"], {"execution_status": AVAILABLE}, execution_status=EXECUTE_IN_PROGRESS
        ):
            self.db.locks.release(row["id"], self.engine_id)
            now = self.db.change_sets.get(found["id"])
            raise self._not_executable(found["id"], now["execution_status"] if now else OBSOLETE)
        try:
            if found["change_set_type"] == CREATE:
                row = self.db.stacks.get(row["id"])  # as it is now that it is locked here
                self._create_from(row, request, on_failure, disable_rollback)
            else:
                if on_failure is not None:
                    disable_rollback = on_failure == "DO_NOTHING"
                self._start_update(
                    row,
                    request["template"],
                    request["parameters"],
                    existing=request.get("existing", bool(request.get("previous"))),
                    disable_rollback=disable_rollback,
                )
        except Exception:
            # Nothing started: the change set can be executed again once the cause is gone.
            self.db.change_sets.transition(
                found["id"],
                {"execution_status": EXECUTE_IN_PROGRESS},
                execution_status=AVAILABLE,
            )
            self.db.locks.release(row["id"], self.engine_id)
            raise
        return {"stack_id": row["id"], "stack_name": row["name"]}

    def delete_change_set(self, ctx, change_set: str, stack: str | None = None) -> None:
        """Forget a change set; not while it is being made or executed. A stack in
        REVIEW_IN_PROGRESS stays, with or without change sets."""
        found = self._change_set(ctx, change_set, stack)
        for state in (found["status"], found["execution_status"]):
            if state in (CREATE_IN_PROGRESS, EXECUTE_IN_PROGRESS):
                raise InvalidChangeSetStatus(
                    f"ChangeSet [{found['id']}] cannot be deleted in its current status of "
                    f"[{state}]"
                )
        self.db.change_sets.delete(found["id"])

    # -- the rest of the engine's hooks --

    def settle_change_sets(self, stack_id: str) -> None:
        """Record how the execution of the stack's change set went, once the operation it
        started has ended: EXECUTE_COMPLETE if the stack reached {CREATE|UPDATE}_COMPLETE."""
        executing = self.db.change_sets.with_execution_status(stack_id, EXECUTE_IN_PROGRESS)
        if not executing:
            return
        row = self.db.stacks.get(stack_id)
        for found in executing:
            succeeded = (
                row is not None
                and row["deleted_at"] is None
                and row["action"] == found["change_set_type"]
                and row["status"] == COMPLETE
            )
            self.db.change_sets.transition(
                found["id"],
                {"execution_status": EXECUTE_IN_PROGRESS},
                execution_status=EXECUTE_COMPLETE if succeeded else EXECUTE_FAILED,
            )

    def obsolete_change_sets(self, stack_id: str) -> None:
        """The stack is being changed: its change sets not yet executed no longer apply."""
        self.db.change_sets.obsolete(stack_id, (AVAILABLE,), BEING_MADE)

    def fail_change_sets_of(self, engine_ids) -> None:
        """Fail the change sets dead engines were making: nobody else will finish them."""
        for found in self.db.change_sets.made_by(engine_ids, BEING_MADE):
            self.db.change_sets.transition(
                found["id"],
                {"status": found["status"], "engine_id": found["engine_id"]},
                status=FAILED,
                status_reason=f"Engine {found['engine_id']} stopped before the change set was made",
            )

    # -- internals --

    def _creation(self, ctx, row, stack_name, change_set_name, template_text, parameters, existing):
        """For a CREATE change set: its stack (made REVIEW_IN_PROGRESS if new) and the
        checked definition of the stack to create."""
        if row is not None and row["action"] != REVIEW:
            raise InvalidInput(
                f"Stack [{row['name']}] already exists and cannot be created again with the "
                f"changeSet [{change_set_name}]."
            )
        if template_text is None or existing:
            raise InvalidInput(
                "UsePreviousTemplate and UsePreviousValue cannot be used with ChangeSetType "
                "CREATE: the stack has no previous template or values"
            )
        stack_id = row["id"] if row is not None else str(uuid.uuid4())
        name = row["name"] if row is not None else stack_name
        new = self._new_stack_definition(
            template_text,
            parameters,
            self._identity(ctx.project_id, name, stack_id),
            check_cloud=False,
        )
        if row is None:
            row = make_review_stack(self.db, ctx, name, stack_id)
        return row, new

    def _make_change_set(self, change_set_id, change_set_type, stack_id, new) -> None:
        """On the pool: check `new` against the cloud and preview it against the stack."""
        if not self.db.change_sets.transition(
            change_set_id, {"status": CREATE_PENDING}, status=CREATE_IN_PROGRESS
        ):
            return  # deleted, or failed for a dead engine, meanwhile
        try:
            stack = self._load(self.db.stacks.get(stack_id))
            cloud_checks.raise_if_invalid(new, self.clients, self.registry)
            if change_set_type == UPDATE and not update_mod.changes_anything(stack, new):
                self._made(change_set_id, FAILED, NO_CHANGES)
                return
            changes = resource_changes(update_mod.preview(stack, new), stack.records)
        except HeatError as exc:
            self._made(change_set_id, FAILED, _masked(exc.message, new))
            return
        except Exception:  # a bug: the change set must still not stay CREATE_IN_PROGRESS
            LOG.exception("change set %s: making it failed", change_set_id)
            self._made(change_set_id, FAILED, "Internal error; the engine's log has the details")
            return
        self._made(change_set_id, CREATE_COMPLETE, None, changes)

    def _made(self, change_set_id: str, status: str, reason, changes=None) -> None:
        """Record the outcome of making a change set. One the stack's changes made OBSOLETE
        meanwhile stays OBSOLETE: its preview may predate them."""
        values = {"status": status, "status_reason": reason, "changes": changes}
        execution = AVAILABLE if status == CREATE_COMPLETE else UNAVAILABLE
        being_made = {"status": CREATE_IN_PROGRESS}
        if not self.db.change_sets.transition(
            change_set_id,
            {**being_made, "execution_status": UNAVAILABLE},
            execution_status=execution,
            **values,
        ):
            self.db.change_sets.transition(change_set_id, being_made, **values)

    def _create_from(self, row: dict, request: dict, on_failure, disable_rollback) -> None:
        """Create the REVIEW_IN_PROGRESS stack of `row` (locked here) from a change set."""
        if row["action"] != REVIEW:  # another change set created it first
            raise InvalidChangeSetStatus(
                f"Stack [{row['name']}] already exists and cannot be created again"
            )
        if on_failure is None:
            on_failure = "DO_NOTHING" if disable_rollback else "ROLLBACK"
        identity = self._identity(row["project_id"], row["name"], row["id"])
        definition = self._new_stack_definition(
            request["template"], request["parameters"], identity
        )
        store_creation(self.db, row, definition, request.get("tags"), on_failure)
        self.obsolete_change_sets(row["id"])
        self._start_create(row["id"], definition)

    def _change_set(self, ctx, change_set: str, stack: str | None) -> dict:
        """The project's change set with this id (or name, on `stack`) whose stack is live;
        ChangeSetNotFound otherwise."""
        if stack is None:
            found = self.db.change_sets.find(ctx.project_id, change_set)
        else:
            stack_id = self._find(ctx, stack)["id"]
            found = self.db.change_sets.find(ctx.project_id, change_set, stack_id=stack_id)
            if found is not None and found["stack_id"] != stack_id:
                found = None
        if found is None:
            raise ChangeSetNotFound(change_set)
        if stack is None:
            try:
                self._find(ctx, found["stack_id"])
            except StackNotFound:
                raise ChangeSetNotFound(change_set) from None
        if found["execution_status"] == EXECUTE_IN_PROGRESS and self._settle_if_stale(
            found["stack_id"]
        ):
            found = self.db.change_sets.get(found["id"])
        return found

    def _settle_if_stale(self, stack_id: str) -> bool:
        """Settle an execution whose operation ended without saying so (its engine died
        between freeing the stack and settling); True if the stack is idle."""
        if self.db.locks.holder(stack_id) is not None:
            return False
        self.settle_change_sets(stack_id)
        return True

    @staticmethod
    def _not_executable(change_set_id: str, execution_status: str) -> InvalidChangeSetStatus:
        return InvalidChangeSetStatus(
            f"ChangeSet [{change_set_id}] cannot be executed in its current execution status "
            f"of [{execution_status}]"
        )
