"""EngineService: the operations the APIs call. Thin: it loads, locks and hands over.

Every operation that changes a stack validates synchronously (so the caller gets every
finding at once), takes the stack's lock, starts the walk in the background and returns.
The engine's identity and heartbeat live in the database; an engine that finds stacks held
by a dead engine fails what was in progress and rolls back where rollback is enabled.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import threading
import uuid

from oslo_config import cfg

from heat.common.context import RequestContext
from heat.common.exception import (
    Conflict,
    InvalidInput,
    ResourceNotFound,
    StackExists,
    StackInProgress,
    StackNotFound,
)
from heat.engine import cloud_checks, signals, template_format
from heat.engine import update as update_mod
from heat.engine.change_sets import ChangeSetOperations
from heat.engine.clients import Clients
from heat.engine.clients.session import CloudCredentials
from heat.engine.graph_run import Backoff
from heat.engine.parameters import StackIdentity
from heat.engine.read_cache import ReadCache
from heat.engine.resource import COMPLETE, CREATE, FAILED, IN_PROGRESS, ROLLBACK, UPDATE
from heat.engine.resource_runner import ResourceRecord
from heat.engine.resources import default_registry
from heat.engine.resources.aws.autoscaling import scaling
from heat.engine.review import REVIEW, refuse_in_review
from heat.engine.scheduler import Scheduler
from heat.engine.stack import ON_FAILURE, Stack, new_records
from heat.engine.stack_definition import StackDefinition
from heat.engine.template import Template
from heat.engine.update import StackUpdate
from heat.engine.userdata import UserdataSettings, userdata_settings
from heat.engine.watch import operations as watch_operations
from heat.engine.watch.operations import AlarmOperations
from heat.identity import IdentityStore

LOG = logging.getLogger(__name__)

OPTS = [
    cfg.FloatOpt(
        "heartbeat_interval",
        default=5.0,
        min=0.05,
        help="Seconds between an engine's heartbeats (and its checks for dead engines).",
    ),
    cfg.FloatOpt(
        "engine_heartbeat_timeout",
        default=30.0,
        min=0.1,
        help="An engine silent for this many seconds is dead; others take its stacks over.",
    ),
    cfg.StrOpt("region_name", default="RegionOne", help="The region, as AWS::Region gives it."),
    cfg.IntOpt(
        "max_nested_stack_depth",
        default=5,
        min=1,
        help="How deep stacks may nest (AWS::CloudFormation::Stack inside nested stacks).",
    ),
    cfg.FloatOpt(
        "template_fetch_timeout",
        default=10.0,
        min=0.1,
        help="Seconds allowed for fetching a nested stack's TemplateURL.",
    ),
    cfg.StrOpt("url_suffix", default="openstack.local", help="The domain AWS::URLSuffix gives."),
]


# The lease whose holder runs the cluster's periodic work (alarms, dead-engine sweeps).
LEADER_LEASE = "engine-leader"


class EngineService(AlarmOperations, ChangeSetOperations):
    """One engine: its database, its scheduler, its identity and heartbeat, its operations.

    The CloudWatch operations and the alarm evaluation come from AlarmOperations
    (heat.engine.watch.operations), the CFN API's change sets from ChangeSetOperations
    (heat.engine.change_sets).
    """

    def __init__(
        self,
        db,
        *,
        scheduler: Scheduler | None = None,
        registry=None,
        engine_id: str | None = None,
        region: str = "RegionOne",
        url_suffix: str = "openstack.local",
        heartbeat_interval: float = 5.0,
        heartbeat_timeout: float = 30.0,
        backoff: Backoff | None = None,
        availability_zones=None,
        cloud: CloudCredentials | None = None,
        userdata_settings: UserdataSettings | None = None,
        max_nested_depth: int = 5,
        template_fetch_timeout: float = 10.0,
        alarm_evaluation_interval: float = 60.0,
        metric_data_retention: int = 14 * 24 * 3600,
    ):
        self.db = db
        self.read_cache = ReadCache(db)  # templates and definitions, for reading
        self._own_scheduler = scheduler is None
        self.scheduler = scheduler or Scheduler()
        self.registry = registry or default_registry()
        self.engine_id = engine_id or str(uuid.uuid4())
        self.region = region
        self.url_suffix = url_suffix
        self.heartbeat_interval = heartbeat_interval
        self.heartbeat_timeout = heartbeat_timeout
        self.backoff = backoff or Backoff()
        self._zones = availability_zones
        self.clients = Clients(cloud)
        self.userdata_settings = userdata_settings
        self.max_nested_depth = max_nested_depth
        self.template_fetch_timeout = template_fetch_timeout
        self._busy: dict[str, threading.Event] = {}  # stack id -> set when its operation ends
        self._updates: dict[str, StackUpdate] = {}  # stack id -> its update running here
        self._busy_lock = threading.Lock()
        self._heartbeat = None
        self._stopped = False
        self.alarm_evaluation_interval = alarm_evaluation_interval
        self.metric_data_retention = metric_data_retention
        # (interval, task): run on the scheduler while the engine runs; see start().
        self.periodic_tasks: list = [(alarm_evaluation_interval, self.run_alarm_evaluation)]
        self._periodic_timers: dict = {}
        # The cluster as of the last heartbeat: engines alive and dead (heat.engine.worker).
        self.live_engines: frozenset = frozenset({self.engine_id})
        self.dead_engines: frozenset = frozenset()
        self.is_leader = False  # holds the lease of the cluster's periodic work
        self.dispatcher = None  # a StepDispatcher once distribute() is called

    @classmethod
    def from_conf(cls, db, conf: cfg.ConfigOpts, **kwargs) -> EngineService:
        conf.register_opts(watch_operations.OPTS)
        return cls(
            db,
            scheduler=Scheduler.from_conf(conf),
            region=conf.region_name,
            url_suffix=conf.url_suffix,
            heartbeat_interval=conf.heartbeat_interval,
            heartbeat_timeout=conf.engine_heartbeat_timeout,
            backoff=Backoff.from_conf(conf),
            max_nested_depth=conf.max_nested_stack_depth,
            template_fetch_timeout=conf.template_fetch_timeout,
            alarm_evaluation_interval=conf.alarm_evaluation_interval,
            metric_data_retention=conf.metric_data_retention,
            **{"userdata_settings": userdata_settings(conf), **kwargs},
        )

    # -- life --

    def start(self) -> EngineService:
        self.db.engines.register(self.engine_id, socket.gethostname(), os.getpid(), "engine")
        self._see_cluster()
        self.recover()
        self._heartbeat = self.scheduler.call_later(self.heartbeat_interval, self._beat)
        for index, (interval, _task) in enumerate(self.periodic_tasks):
            self._periodic_timers[index] = self.scheduler.call_later(
                interval, self._periodic, index
            )
        return self

    def distribute(self, transport, topic: str) -> EngineService:
        """Share resource steps with the other engines on `transport` (heat.engine.worker):
        serve the worker topic derived from `topic`, and spread walks while others live."""
        from heat.engine.worker import StepDispatcher

        self.dispatcher = StepDispatcher(self, transport, topic).start()
        return self

    def stop(self) -> None:
        self._stopped = True
        if self.dispatcher is not None:
            self.dispatcher.stop()
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        for timer in list(self._periodic_timers.values()):
            timer.cancel()
        if self._own_scheduler:
            self.scheduler.shutdown(wait=True)
        self.db.engines.stop(self.engine_id)
        if self.is_leader:
            self.db.leases.release(LEADER_LEASE, self.engine_id)

    def _beat(self) -> None:
        if self._stopped:
            return
        try:
            self.db.engines.heartbeat(self.engine_id)
            self._see_cluster()
            if self.is_leader:
                self.recover()  # the sweep for dead engines' stacks: once across the cluster
        except Exception:  # a database outage must not end the heartbeat for good
            LOG.exception("engine %s: heartbeat failed; retrying", self.engine_id)
        if not self._stopped:
            self._heartbeat = self.scheduler.call_later(self.heartbeat_interval, self._beat)

    def _see_cluster(self) -> None:
        """Refresh which engines live and which are dead, and hold or take the leader lease
        (the holder runs the periodic work; it is taken over once it is not renewed for a
        heartbeat timeout)."""
        live = set(self.db.engines.live(self.heartbeat_timeout))
        live.add(self.engine_id)
        self.live_engines = frozenset(live)
        self.dead_engines = frozenset(self.db.engines.dead(self.heartbeat_timeout)) - live
        self.is_leader = self.db.leases.acquire(
            LEADER_LEASE, self.engine_id, self.heartbeat_timeout
        )

    def _periodic(self, index: int) -> None:
        """Run periodic task `index` and schedule its next run (periodic_tasks); only the
        leader runs them, so each runs once across the cluster."""
        if self._stopped:
            return
        interval, task = self.periodic_tasks[index]
        try:
            if self.is_leader:
                task()
        except Exception:  # like the heartbeat: one failure must not end the task for good
            LOG.exception("engine %s: periodic task %s failed", self.engine_id, task)
        if not self._stopped:
            self._periodic_timers[index] = self.scheduler.call_later(
                interval, self._periodic, index
            )

    def recover(self) -> list[str]:
        """Take over stacks held by dead engines: fail what was in progress, roll back.

        Returns the ids of the stacks taken over.
        """
        dead = [e for e in self.db.engines.dead(self.heartbeat_timeout) if e != self.engine_id]
        self.fail_change_sets_of(dead)
        taken = []
        for held in self.db.locks.held_by(dead):
            if not self.db.locks.steal(held["id"], held["engine_id"], self.engine_id):
                continue  # another engine was quicker
            taken.append(held["id"])
            self._take_over_when_quiet(held["id"], held["engine_id"])
        return taken

    def _take_over_when_quiet(self, stack_id: str, dead_engine: str) -> None:
        """Take the stack over once no live engine is still running one of its steps (steps
        the dead owner spread over other engines finish there first)."""
        try:
            if self.db.steps.running_elsewhere(stack_id, self.live_engines):
                self.scheduler.call_later(
                    self.heartbeat_interval, self._take_over_when_quiet, stack_id, dead_engine
                )
                return
            self._take_over(stack_id, dead_engine)
        except Exception:
            # Leave the stack as the failure left it, but free: never locked forever.
            LOG.exception("engine %s: taking over stack %s failed", self.engine_id, stack_id)
            self.db.locks.release(stack_id, self.engine_id)

    def _take_over(self, stack_id: str, dead_engine: str) -> None:
        stack = self._load(self.db.stacks.get(stack_id))
        action = stack.row["action"]
        if action == REVIEW:
            # It died executing a change set before the creation began: nothing to undo;
            # the change set is EXECUTE_FAILED (settle_change_sets).
            stack.release(self._mark_busy(stack_id))
            return
        reason = f"engine {dead_engine} stopped while {action} was in progress"
        for row in self.db.resources.in_progress(stack_id):
            record = ResourceRecord.from_row(row)
            stack.steps.transition(record, record.action, FAILED, reason)
        stack.set_state(action, FAILED, reason)
        done = self._mark_busy(stack_id)
        rollback = not stack.row["disable_rollback"] and stack.row.get("on_failure") != "DO_NOTHING"
        previous = stack.row.get("previous_raw_template_id")
        if action == CREATE and rollback or action == ROLLBACK and previous is None:
            stack.rollback_create(done)
        elif action == UPDATE and rollback and previous is not None:
            update_mod.roll_back(
                stack,
                previous,
                stack.row["previous_parameters"] or {},
                done,
                StackUpdate.interrupted(stack),
            )
        elif action == ROLLBACK:
            # An update's rollback was itself interrupted: finish it (the row already names
            # the template and parameters being rolled back to).
            update_mod.roll_back(
                stack,
                stack.row["raw_template_id"],
                stack.row["parameters"] or {},
                done,
                StackUpdate.interrupted(stack),
            )
        else:
            stack.release(done)

    # -- helpers --

    def availability_zones(self, region: str) -> list[str]:
        if self._zones:
            return list(self._zones(region))
        if self.clients.credentials is not None:
            return self.clients.nova().availability_zones()
        return ["nova"]

    def _mark_busy(self, stack_id: str):
        event = threading.Event()
        with self._busy_lock:
            self._busy[stack_id] = event

        def done():
            try:
                # A change set this operation executed learns how it went.
                self.settle_change_sets(stack_id)
            except Exception:  # the stack's outcome stands; reading the change set settles it
                LOG.exception("stack %s: recording its change set's execution failed", stack_id)
            with self._busy_lock:
                if self._busy.get(stack_id) is event:
                    del self._busy[stack_id]
            event.set()

        return done

    def wait(self, stack_id: str, timeout: float | None = None) -> bool:
        """Block until this engine's current operation on the stack ends; False on timeout."""
        with self._busy_lock:
            event = self._busy.get(stack_id)
        return True if event is None else event.wait(timeout)

    def _identity(self, project_id, name, stack_id) -> StackIdentity:
        return StackIdentity(project_id, name, stack_id, self.region, self.url_suffix)

    def _find(self, ctx: RequestContext, name_or_id: str, deleted_ok: bool = False) -> dict:
        row = self.db.stacks.find(ctx.project_id, name_or_id)
        if row is None and deleted_ok:
            # A deleted stack is still known by its id (its events remain), as in AWS.
            row = self.db.stacks.get(name_or_id)
            if row is not None and row["project_id"] != ctx.project_id:
                row = None
        if row is None:
            raise StackNotFound(name_or_id)
        signals.check_stack_access(self.db, ctx, row)
        return row

    def load_template(self, template_id: int, digest: str | None = None) -> Template:
        """The stored template (cached: raw templates are immutable; do not modify it).

        `digest`: its content hash, when the caller read it already (see Stacks.find).
        """
        return self.read_cache.template(template_id, digest)

    def _load(self, row: dict, read_only: bool = False, resource_rows=None) -> Stack:
        """The stack of `row`; `read_only` (show, outputs): its definition may be shared.

        `resource_rows`: the stack's resource rows if the caller has read them already (its
        current ones become the stack's records).
        """
        template = self.load_template(row["raw_template_id"], row.get("raw_template_hash"))
        identity = self._identity(row["project_id"], row["name"], row["id"])
        bind = dict(
            registry=self.registry,
            require_all_parameters=False,
            availability_zones=self.availability_zones,
        )
        if read_only:
            definition = self.read_cache.definition(row, identity, **bind)
        else:
            definition = StackDefinition(template, row["parameters"] or {}, identity, **bind)
        if resource_rows is None:
            resource_rows = self.db.resources.list(row["id"])
        records = {}
        for resource in resource_rows:
            if resource["replaced_by"] is None:
                records[resource["name"]] = ResourceRecord.from_row(resource)
        return Stack(self, row, template, definition, records)

    # -- operations --

    def validate_template(self, ctx: RequestContext, template_text, parameters=None) -> dict:
        template = Template.parse(template_text)
        definition = StackDefinition(
            template,
            parameters or {},
            self._identity(ctx.project_id, "validate", "validate"),
            registry=self.registry,
            require_all_parameters=False,
            availability_zones=self.availability_zones,
        )
        cloud_checks.raise_if_invalid(definition, self.clients, self.registry)
        return {"Description": template.description, "Parameters": definition.parameters.schemas}

    def create_stack(
        self,
        ctx: RequestContext,
        name: str,
        template_text,
        parameters=None,
        *,
        timeout_mins: int | None = None,
        disable_rollback: bool = False,
        on_failure: str | None = None,
        tags=(),
        parent: dict | None = None,
        owner_resource: str | None = None,
    ) -> dict:
        """Validate, store and start creating a stack; returns {"stack_id", "stack_name"}.

        `parent` (a stack row) and `owner_resource` make it the nested stack of that
        parent's resource; nesting deeper than max_nested_depth is refused.
        """
        if on_failure is not None and on_failure not in ON_FAILURE:
            raise InvalidInput(f"OnFailure must be one of {', '.join(ON_FAILURE)}")
        if parent is not None and self.nesting_depth(parent) + 1 > self.max_nested_depth:
            raise InvalidInput(
                f"{owner_resource}: nested stacks may be at most {self.max_nested_depth} deep"
            )
        if self.db.stacks.find(ctx.project_id, name) is not None:
            raise StackExists(name)
        stack_id = str(uuid.uuid4())
        definition = self._new_stack_definition(
            template_text, parameters, self._identity(ctx.project_id, name, stack_id)
        )
        template_id = self.db.templates.store(definition.template.data)
        params = definition.parameters
        row = {
            "id": stack_id,
            "name": name,
            "project_id": ctx.project_id,
            "user_id": ctx.user_id,
            "raw_template_id": template_id,
            "parameters": params.values(),
            "action": CREATE,
            "status": IN_PROGRESS,
            "status_reason": "Stack CREATE started",
            "timeout_mins": timeout_mins,
            "disable_rollback": bool(disable_rollback),
            "on_failure": on_failure,
            "tags": list(tags),
            "engine_id": self.engine_id,
            "parent_id": parent["id"] if parent else None,
            "owner_resource": owner_resource,
        }
        self.db.stacks.insert(row, secret_parameters=params.no_echo_names())
        self._start_create(stack_id, definition)
        return {"stack_id": stack_id, "stack_name": name}

    def _new_stack_definition(
        self, template_text, parameters, identity: StackIdentity, check_cloud: bool = True
    ) -> StackDefinition:
        """The definition of a stack yet to be created, validated: every static finding
        raised at once, and the cloud's too unless `check_cloud` is false."""
        template = (
            template_text
            if isinstance(template_text, Template)
            else Template.parse(template_text, max_size=template_format.DEFAULT_MAX_SIZE)
        )
        definition = StackDefinition(
            template,
            parameters or {},
            identity,
            registry=self.registry,
            availability_zones=self.availability_zones,
        )
        clients = self.clients if check_cloud else None  # None: the static findings only
        cloud_checks.raise_if_invalid(definition, clients, self.registry)
        return definition

    def _start_create(self, stack_id: str, definition: StackDefinition) -> None:
        """Create the resources of a stored stack row (locked by this engine) in the
        background: its resource rows are made and its state is CREATE_IN_PROGRESS."""
        records = new_records(self.db, stack_id, definition)
        template = definition.template
        stack = Stack(self, self.db.stacks.get(stack_id), template, definition, records)
        stack.set_state(CREATE, IN_PROGRESS, "Stack CREATE started")
        stack.create(self._mark_busy(stack_id))

    def nesting_depth(self, row: dict) -> int:
        """How deep a stack is nested: 0 for a top-level stack."""
        depth = 0
        while row.get("parent_id"):
            row = self.db.stacks.get(row["parent_id"])
            depth += 1
        return depth

    def delete_stack(self, ctx: RequestContext, name_or_id: str) -> None:
        row = self._find(ctx, name_or_id)
        if not self.db.locks.acquire(row["id"], self.engine_id):
            raise StackInProgress(row["name"], f"{row['action']}_{row['status']}")
        try:
            # One read of the rows, replaced ones included, serves the load and the walk.
            rows = self.db.resources.list(row["id"], include_replaced=True)
            stack = self._load(self.db.stacks.get(row["id"]), resource_rows=rows)
            replaced = [ResourceRecord.from_row(r) for r in rows if r["replaced_by"] is not None]
        except Exception:
            self.db.locks.release(row["id"], self.engine_id)
            raise
        stack.delete(self._mark_busy(row["id"]), [*stack.records.values(), *replaced])

    def update_stack(
        self,
        ctx: RequestContext,
        name_or_id: str,
        template_text=None,
        parameters=None,
        *,
        existing: bool = False,
        timeout_mins: int | None = None,
        disable_rollback: bool | None = None,
        require_changes: bool = False,
        replace: tuple = (),
        replace_reason: str = "Marked for replacement",
    ) -> dict:
        """Validate and start updating a stack to a new template and/or parameters.

        With no template the current one is kept (UsePreviousTemplate). With `existing`
        (PATCH), parameters not given keep their current values; otherwise they take the
        new template's defaults. With `require_changes` (CloudFormation's UpdateStack), an
        update that would change nothing is refused rather than run. The resources named in
        `replace` are replaced even if unchanged (OS::Heat::HARestarter): each is marked
        FAILED with `replace_reason` first, and the update replaces what failed.
        """
        row = self._find(ctx, name_or_id)
        refuse_in_review(row, self._identity)
        if not self.db.locks.acquire(row["id"], self.engine_id):
            raise StackInProgress(row["name"], f"{row['action']}_{row['status']}")
        try:
            return self._start_update(
                row,
                template_text,
                parameters,
                existing=existing,
                timeout_mins=timeout_mins,
                disable_rollback=disable_rollback,
                require_changes=require_changes,
                replace=replace,
                replace_reason=replace_reason,
            )
        except Exception:
            self.db.locks.release(row["id"], self.engine_id)
            raise

    def _start_update(
        self,
        row: dict,
        template_text,
        parameters,
        *,
        existing: bool = False,
        timeout_mins: int | None = None,
        disable_rollback: bool | None = None,
        require_changes: bool = False,
        replace: tuple = (),
        replace_reason: str = "Marked for replacement",
    ) -> dict:
        """update_stack once this engine holds the stack's lock; the caller releases it if
        this raises."""
        stack, new, template_id = self._prepare_update(row, template_text, parameters, existing)
        if require_changes and not update_mod.changes_anything(stack, new):
            raise InvalidInput("No updates are to be performed.")
        changes = {}
        if timeout_mins is not None:
            changes["timeout_mins"] = timeout_mins
        if disable_rollback is not None:
            changes["disable_rollback"] = bool(disable_rollback)
        if changes:
            self.db.stacks.update(row["id"], **changes)
            stack.row.update(changes)
        for name in replace:
            record = stack.records.get(name)
            if record is None:
                raise ResourceNotFound(row["name"], name)
            stack.steps.transition(record, record.action, FAILED, replace_reason)
        # Change sets previewed against the stack as it was no longer say what they do.
        self.obsolete_change_sets(row["id"])
        stack.set_state(UPDATE, IN_PROGRESS, "Stack UPDATE started")
        done = self._mark_busy(row["id"])
        update = StackUpdate(stack, new, template_id, lambda: self._update_done(row["id"], done))
        with self._busy_lock:
            self._updates[row["id"]] = update
        update.start()
        return {"stack_id": row["id"], "stack_name": row["name"]}

    def _update_done(self, stack_id: str, done) -> None:
        with self._busy_lock:
            self._updates.pop(stack_id, None)
        done()

    def _prepare_update(self, row, template_text, parameters, existing):
        stack = self._load(row)
        new = self._new_definition(stack, template_text, parameters, existing)
        return stack, new, self.db.templates.store(new.template.data)

    def _new_definition(
        self, stack, template_text, parameters, existing, check_cloud: bool = True
    ) -> StackDefinition:
        """The stack's template and parameters after an update, validated: every static
        finding raised at once, and the cloud's too unless `check_cloud` is false.

        Current parameter values carry over with `existing` (PATCH) or when the template is
        kept; a new template otherwise starts from its own defaults.
        """
        if template_text is None:
            template = stack.template
        elif isinstance(template_text, Template):
            template = template_text
        else:
            template = Template.parse(template_text)
        keep = existing or template_text is None
        values = {}
        if keep:
            # Previous values carry over only for parameters the (new) template declares.
            declared = template.analyse(self.registry).parameters
            values = {
                name: value
                for name, value in stack.definition.parameters.values().items()
                if name in declared
            }
        values.update(parameters or {})
        new = StackDefinition(
            template,
            values,
            stack.definition.identity,
            registry=self.registry,
            availability_zones=self.availability_zones,
        )
        clients = self.clients if check_cloud else None  # None: the static findings only
        cloud_checks.raise_if_invalid(new, clients, self.registry)
        return new

    def preview_update(
        self,
        ctx: RequestContext,
        name_or_id: str,
        template_text=None,
        parameters=None,
        *,
        existing: bool = False,
    ) -> dict:
        """What update_stack would do: {added, updated, replaced, unchanged, deleted}."""
        row = self._find(ctx, name_or_id)
        refuse_in_review(row, self._identity)
        stack = self._load(row)
        new = self._new_definition(stack, template_text, parameters, existing)
        return {
            kind: [
                {
                    "resource_name": c.name,
                    "resource_type": c.type,
                    "changed_properties": list(c.changed),
                    "replacement": c.replacement,
                }
                for c in changes
            ]
            for kind, changes in update_mod.preview(stack, new).items()
        }

    def cancel_update(self, ctx: RequestContext, name_or_id: str) -> None:
        """Stop an update in progress here; what it changed is rolled back."""
        row = self._find(ctx, name_or_id)
        with self._busy_lock:
            update = self._updates.get(row["id"])
        if update is None or not update.cancel():
            raise Conflict(
                f"Stack {row['name']} has no update in progress that can be cancelled "
                f"(it is {row['action']}_{row['status']})"
            )

    # -- reading --

    def list_stacks(self, ctx: RequestContext, **filters) -> list[dict]:
        return [self._stack_summary(r) for r in self.db.stacks.list(ctx.project_id, **filters)]

    def show_stack(self, ctx: RequestContext, name_or_id: str) -> dict:
        row = self._find(ctx, name_or_id)
        stack = self._load(row, read_only=True)
        summary = self._stack_summary(row)
        summary["parameters"] = stack.definition.parameters.display(include_pseudo=True)
        summary["outputs"] = stack.outputs() if row["status"] == COMPLETE else []
        summary["description"] = stack.template.description
        return summary

    def _stack_summary(self, row: dict) -> dict:
        return {
            "id": row["id"],
            "stack_name": row["name"],
            "project": row["project_id"],
            "stack_status": f"{row['action']}_{row['status']}",
            "stack_status_reason": row["status_reason"] or "",
            "creation_time": row["created_at"],
            "updated_time": row["updated_at"],
            "deletion_time": row["deleted_at"],
            "timeout_mins": row["timeout_mins"],
            "disable_rollback": row["disable_rollback"],
            "tags": row["tags"] or [],
            "parent": row["parent_id"],
        }

    def list_resources(
        self, ctx: RequestContext, name_or_id: str, nested_depth: int = 0
    ) -> list[dict]:
        """The stack's resources; with nested_depth, its nested stacks' too (to that depth),
        each then naming the stack it belongs to."""
        row = self._find(ctx, name_or_id)
        if not nested_depth:
            return [self._resource_summary(r) for r in self.db.resources.list(row["id"])]
        out = []
        for stack_row in self._family(row, nested_depth):
            for resource in self.db.resources.list(stack_row["id"]):
                summary = self._resource_summary(resource)
                summary["stack_name"] = stack_row["name"]
                summary["stack_id"] = stack_row["id"]
                summary["parent_resource"] = stack_row.get("owner_resource")
                out.append(summary)
        return out

    def _family(self, row: dict, depth: int):
        """The stack and its live nested stacks down to `depth` levels, parents first."""
        level = [row]
        for _ in range(depth + 1):
            yield from level
            level = [child for parent in level for child in self.db.stacks.children(parent["id"])]

    def show_resource(self, ctx: RequestContext, name_or_id: str, resource_name: str) -> dict:
        row = self._find(ctx, name_or_id)
        resource = self.db.resources.get_by_name(row["id"], resource_name)
        if resource is None:
            raise ResourceNotFound(row["name"], resource_name)
        signals.check_stack_access(self.db, ctx, row, resource_name)
        summary = self._resource_summary(resource)
        summary["metadata"] = resource["rsrc_metadata"] or signals.template_metadata(
            self._load(row), resource_name
        )
        return summary

    # -- signals (heat.engine.signals) --

    @functools.cached_property
    def identity_store(self) -> IdentityStore:
        """The identity store AWS::IAM::* resources keep their users and keys in."""
        return IdentityStore.for_database(self.db)

    def signal_resource(
        self,
        ctx: RequestContext,
        name_or_id: str,
        resource_name: str,
        unique_id=None,
        status: str = signals.SUCCESS,
        reason=None,
        data=None,
    ) -> None:
        """Record a signal for a resource (SignalResource): a CreationPolicy's or a handle's."""
        row = self._find(ctx, name_or_id)
        signals.signal_resource(
            self, ctx, row, resource_name, signals.Signal.build(unique_id, status, reason, data)
        )

    def signal_wait_condition(
        self,
        ctx: RequestContext,
        stack_id: str,
        handle_name: str,
        signature: str,
        status=None,
        reason=None,
        unique_id=None,
        data=None,
    ) -> None:
        """Record a signal PUT to a wait condition handle's URL; Forbidden unless the URL's
        signature is that handle's. Needs no credentials: the URL is the credential."""
        signal = signals.Signal.build(unique_id, status, reason, data)
        signals.signal_wait_condition(self.db, stack_id, handle_name, signature, signal)

    # -- scaling policies (heat.engine.resources.aws.autoscaling.scaling) --

    def execute_scaling_policy(
        self, ctx: RequestContext, name_or_id: str, policy_name: str, cause: str = "Executed"
    ) -> dict:
        """Run an AWS::AutoScaling::ScalingPolicy of the stack (alarm actions, operators).

        Returns {"result": "scaling" | "cooldown" | "unchanged", "capacity": n, ...};
        StackInProgress while the stack has another operation (or scaling) in progress.
        """
        row = self._find(ctx, name_or_id)
        return scaling.execute(
            self, row, policy_name, cause, self._load, lambda: self._mark_busy(row["id"])
        )

    def signal_scaling_policy(
        self, ctx: RequestContext, stack_id: str, policy_name: str, signature: str
    ) -> dict:
        """A POST to a policy's pre-signed URL: Forbidden unless the signature is that
        policy's, then as execute_scaling_policy. Needs no credentials: the URL is one."""
        row = scaling.check_signature(self.db, stack_id, policy_name, signature)
        return scaling.execute(
            self,
            row,
            policy_name,
            "Signal received on the policy URL",
            self._load,
            lambda: self._mark_busy(row["id"]),
        )

    @staticmethod
    def _resource_summary(row: dict) -> dict:
        return {
            "resource_name": row["name"],
            "resource_type": row["type"],
            "physical_resource_id": row["physical_resource_id"] or "",
            "resource_status": f"{row['action']}_{row['status']}",
            "resource_status_reason": row["status_reason"] or "",
            "updated_time": row["updated_at"] or row["created_at"],
            "required_by": [],
            "requires": row["requires"] or [],
        }

    def list_events(
        self, ctx: RequestContext, name_or_id: str, resource_name=None, nested_depth=0, **kw
    ):
        """The stack's events, oldest first; with nested_depth, its nested stacks' events too,
        in the order they happened, each naming its stack."""
        row = self._find(ctx, name_or_id, deleted_ok=True)
        if not nested_depth:
            return self.db.events.list(row["id"], resource_name=resource_name, **kw)
        merged = []
        for stack_row in self._family(row, nested_depth):
            for event in self.db.events.list(stack_row["id"], resource_name=resource_name):
                event["stack_name"] = stack_row["name"]
                merged.append(event)
        merged.sort(key=lambda event: event["id"])
        return merged

    def get_template(self, ctx: RequestContext, name_or_id: str) -> dict:
        row = self._find(ctx, name_or_id)
        return self.db.templates.get(row["raw_template_id"])["template"]

    def stack_outputs(self, ctx: RequestContext, name_or_id: str) -> list[dict]:
        return self._load(self._find(ctx, name_or_id), read_only=True).outputs()
