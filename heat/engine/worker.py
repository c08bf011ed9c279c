"""Spreading one stack's resource steps over every live engine.

The engine that holds a stack's lock (the *owner*) still walks its graph with a GraphRun,
but when more than one engine is alive its create and delete steps are *remote steps*:
`start()` casts `run_resource_step` to the worker topic, which RabbitMQ hands to one of the
live engines (the owner included); `check()` looks at the resource's row, which one batched
query per poll tick (StatePoller) reads for every step the owner is waiting on. The poller
wakes a step's check as soon as its row says it finished, so waiting costs no pool task.

The engine that receives a step (the *worker*) claims it in the database (heat.db.steps: once
per traversal, and only while the owner still holds the stack's lock), loads the stack (cached
by stack id and template), runs the ordinary step (start, then checks on its own scheduler's
timers) and writes every transition as a single engine would, naming itself in
resource.engine_id.

Failures: a worker that dies leaves its claimed rows IN_PROGRESS under its engine id; the
owner sees that engine's heartbeat go stale and dispatches the step again (once; a second
loss fails the resource). A step cast but never claimed (the message died with an engine) is
cast again after `claim_timeout`; claims make duplicates harmless. An owner that dies is taken
over by another engine (EngineService.recover), which first lets steps still running on live
engines finish.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
import uuid

import oslo_messaging as messaging

from heat.common.exception import HeatError, ResourceFailure
from heat.engine.resource import COMPLETE, CREATE, DELETE, FAILED, IN_PROGRESS
from heat.engine.resource_runner import ResourceRecord

LOG = logging.getLogger(__name__)

WORKER_TOPIC_SUFFIX = "-worker"
MAX_DISPATCHES = 2  # a step whose worker died is dispatched once more, then fails
_POLL_INTERVAL = 0.05
_SAFETY_CHECK = 2.0  # a waiting step's own check, in case a wake-up was missed
_STACK_CACHE_SIZE = 64
_ROW_TTL = 2.0


def new_traversal() -> str:
    """An id for one walk of one stack; steps are claimed once per traversal."""
    return str(uuid.uuid4())


class StepFailed(HeatError):
    """A step that failed on another engine, with the reason that engine recorded."""


# -- the owner's side ------------------------------------------------------------------------


class StatePoller:
    """Reads the rows of every step an engine waits on, one query per tick, and wakes the
    steps whose rows changed in a way they must act on."""

    def __init__(self, service, interval: float = _POLL_INTERVAL):
        self.service = service
        self.interval = interval
        self._lock = threading.Lock()
        self._watched: dict[int, RemoteStep] = {}
        self._states: dict[int, dict] = {}
        self._rows: dict[int, dict] = {}  # full rows of finished steps, until unwatched
        self._timer = None

    def watch(self, step: RemoteStep) -> None:
        with self._lock:
            self._watched[step.record.id] = step
            self._states.pop(step.record.id, None)
            if self._timer is None:
                self._timer = self.service.scheduler.call_later(self.interval, self._tick)

    def unwatch(self, resource_id: int) -> dict | None:
        """Stop following the step; its full row if the poller read it when it finished."""
        with self._lock:
            self._watched.pop(resource_id, None)
            self._states.pop(resource_id, None)
            return self._rows.pop(resource_id, None)

    def drop(self, traversal: str) -> None:
        """Stop following the steps of a walk that ended (finished, timed out, aborted)."""
        with self._lock:
            for resource_id in [
                rid for rid, step in self._watched.items() if step.traversal == traversal
            ]:
                del self._watched[resource_id]
                self._states.pop(resource_id, None)
                self._rows.pop(resource_id, None)

    def state(self, resource_id: int) -> dict | None:
        with self._lock:
            return self._states.get(resource_id)

    def _tick(self) -> None:
        with self._lock:
            ids = list(self._watched)
        try:
            states = self.service.db.steps.states(ids) if ids else {}
        except Exception:  # a database hiccup: try again next tick
            LOG.exception("engine %s: polling step states failed", self.service.engine_id)
            states = {}
        wake = []
        with self._lock:
            for resource_id, row in states.items():
                step = self._watched.get(resource_id)
                if step is None:
                    continue
                old = self._states.get(resource_id)
                self._states[resource_id] = row
                if step.wants_check(old, row):
                    wake.append(step)
            if self._watched and not self.service.scheduler.closed:
                self._timer = self.service.scheduler.call_later(self.interval, self._tick)
            else:
                self._timer = None
        finished = [
            step.record.id for step in wake if states[step.record.id]["status"] != IN_PROGRESS
        ]
        if finished:
            # What the workers wrote (physical ids, data), for the owner's records: one query.
            try:
                rows = self.service.db.steps.full_rows(finished)
            except Exception:
                LOG.exception("engine %s: reading finished steps failed", self.service.engine_id)
                rows = {}
            with self._lock:
                self._rows.update(rows)
        for step in wake:
            step.wake()


class RemoteStep:
    """A GraphRun step whose work runs on whichever engine claims it (see the module doc)."""

    def __init__(
        self, dispatcher, run, stack, record: ResourceRecord, action, traversal, policy, node
    ):
        self.dispatcher = dispatcher
        self.run = run
        self.stack = stack
        self.record = record
        self.action = action
        self.traversal = traversal
        self.policy = policy
        self.node = node  # its node in the owner's GraphRun
        self.dispatches = 0
        self.cast_at = 0.0

    # -- Step --

    def start(self):
        if self.action == DELETE and self.record.action == "INIT":
            return True  # never created: nothing to delete (as DeleteStep)
        self.dispatcher.poller.watch(self)
        self._cast()
        return None

    def check(self) -> bool:
        row = self.dispatcher.poller.state(self.record.id)
        service = self.dispatcher.service
        if row is None or row["traversal_id"] != self.traversal:
            if time.monotonic() - self.cast_at > self.dispatcher.claim_timeout:
                LOG.info("step %s of stack %s unclaimed: casting again", self.node, self.stack.id)
                self._cast(again=True)
            return False
        if row["status"] == IN_PROGRESS:
            if row["engine_id"] in service.dead_engines:
                self._redispatch(row["engine_id"])
            return False
        self._refresh_record(self.dispatcher.poller.unwatch(self.record.id))
        if row["status"] == COMPLETE and row["action"] in (self.action, "INIT"):
            return True
        reason = row["status_reason"] or f"{self.action} failed"
        prefix = f"{self.action} failed: "
        detail = reason[len(prefix) :] if reason.startswith(prefix) else reason
        raise ResourceFailure(self.record.name, self.action, StepFailed(detail))

    def next_check_delay(self) -> float:
        return _SAFETY_CHECK  # the poller wakes the check as soon as the row changes

    # -- helpers --

    def wants_check(self, old: dict | None, row: dict) -> bool:
        if row["traversal_id"] != self.traversal:
            return False
        if row["status"] != IN_PROGRESS:
            return True
        return row["engine_id"] in self.dispatcher.service.dead_engines

    def wake(self) -> None:
        self.run.check_now(self.node)

    def _cast(self, again: bool = False) -> None:
        if not again:
            self.dispatches += 1
        self.cast_at = time.monotonic()
        self.dispatcher.cast(
            stack_id=self.stack.id,
            resource_id=self.record.id,
            action=self.action,
            traversal=self.traversal,
            owner=self.dispatcher.service.engine_id,
            policy=self.policy,
        )

    def _redispatch(self, dead_engine: str) -> None:
        db = self.dispatcher.service.db
        if self.dispatches >= MAX_DISPATCHES:
            reason = f"engine {dead_engine} stopped while {self.action} was in progress"
            fresh = ResourceRecord.from_row(db.resources.get(self.record.id))
            self.stack.steps.transition(fresh, fresh.action, FAILED, reason)
            return  # the next poll sees FAILED and the check raises
        if db.steps.unclaim(self.record.id, self.traversal, dead_engine):
            LOG.info(
                "engine %s died running %s of stack %s: dispatching it again",
                dead_engine,
                self.node,
                self.stack.id,
            )
            self._cast()

    def _refresh_record(self, row: dict | None) -> None:
        """The owner's record takes what the worker wrote (physical id, data, state)."""
        if row is None:
            row = self.dispatcher.service.db.resources.get(self.record.id)
        if row is None:
            return
        fresh = ResourceRecord.from_row(row)
        record = self.record
        record.action, record.status, record.reason = fresh.action, fresh.status, fresh.reason
        record.physical_id, record.data = fresh.physical_id, fresh.data
        record.properties_data = fresh.properties_data
        record.plugin = None


class StepDispatcher:
    """An engine's link to the worker topic: casts steps, serves the steps cast to it."""

    def __init__(self, service, transport, topic: str, claim_timeout: float | None = None):
        self.service = service
        self.topic = topic + WORKER_TOPIC_SUFFIX
        self.claim_timeout = claim_timeout or max(10.0, service.heartbeat_timeout)
        self.poller = StatePoller(service)
        self.worker = StepWorker(service)
        self._share_lock = threading.Lock()
        self._handed = 0
        target = messaging.Target(topic=self.topic, version="1.0")
        self._client = messaging.get_rpc_client(transport, target)
        self._server = messaging.get_rpc_server(
            transport,
            messaging.Target(topic=self.topic, server=service.engine_id),
            [WorkerEndpoint(self.worker)],
            executor="threading",
            access_policy=messaging.DefaultRPCAccessPolicy,
        )

    def start(self) -> StepDispatcher:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()
        self._server.wait()

    def enabled(self) -> bool:
        """Whether to spread steps: only when another engine is alive to take some."""
        return len(self.service.live_engines) > 1

    def run_here(self) -> bool:
        """Whether the owner runs this step itself: its fair share (one step in N for N live
        engines) costs no message, claim or poll when it runs in place."""
        with self._share_lock:
            self._handed += 1
            return self._handed % len(self.service.live_engines) == 0

    def cast(self, **kwargs) -> None:
        self._client.cast({}, "run_resource_step", **kwargs)

    def follow(self, run, traversal: str) -> None:
        """Forget the walk's steps once the run ends, whichever way it ends."""
        run.on_done(lambda _outcome: self.poller.drop(traversal))

    def create(self, run, stack, record, traversal) -> RemoteStep:
        return RemoteStep(self, run, stack, record, CREATE, traversal, None, record.name)

    def delete(self, run, stack, record, traversal, policy: str, node=None) -> RemoteStep:
        """A remote delete step; `node` is its node in `run` (default: the record's name)."""
        node = record.name if node is None else node
        return RemoteStep(self, run, stack, record, DELETE, traversal, policy, node)


# -- the worker's side -----------------------------------------------------------------------


class WorkerEndpoint:
    """The RPC endpoint of the worker topic."""

    target = messaging.Target(version="1.0")

    def __init__(self, worker: StepWorker):
        self.worker = worker

    def run_resource_step(self, ctxt, **kwargs):
        # Straight onto the engine's bounded pool: the messaging threads only hand over, so
        # the database sees no more concurrent work than engine_workers allows.
        self.worker.service.scheduler.submit(self._receive, kwargs)

    def _receive(self, kwargs):
        try:
            self.worker.receive(**kwargs)
        except Exception:  # nobody waits for a cast's answer: log it here
            LOG.exception("run_resource_step %s failed", kwargs)


class StepWorker:
    """Runs steps of other engines' (or its own engine's) walks on this engine."""

    def __init__(self, service):
        self.service = service
        self._stacks: collections.OrderedDict = collections.OrderedDict()
        self._rows: dict = {}  # stack id -> (monotonic time, stack row)
        self._lock = threading.Lock()

    def receive(self, stack_id, resource_id, action, traversal, owner, policy=None) -> bool:
        """Claim the step and start it; False if it was not ours to run."""
        service = self.service
        if not service.db.steps.claim(resource_id, stack_id, owner, traversal, service.engine_id):
            return False
        self._start(stack_id, resource_id, action, policy)
        return True

    def _start(self, stack_id, resource_id, action, policy) -> None:
        try:
            stack, record = self._prepare(stack_id, resource_id)
            if action == CREATE:
                step = stack.steps.create(record, stack.definition.resources[record.name])
            else:
                step = stack.steps.delete(record, policy or "Delete")
        except Exception as exc:
            LOG.exception("engine %s: cannot run %s of resource %s", self.name, action, resource_id)
            self._fail_row(resource_id, action, exc)
            return
        self._drive(step, stack, action, 0, started=False)

    @property
    def name(self) -> str:
        return self.service.engine_id

    def _drive(self, step, stack, action, checks: int, started: bool) -> None:
        try:
            done = False
            if not started:
                done = step.start() is True
            if not done:
                done = bool(step.check())
                checks += 1
        except ResourceFailure:
            return  # the step recorded FAILED itself
        except Exception as exc:
            self._fail_row(step.record.id, action, exc, stack, step.record)
            return
        if done:
            if step.record.status == IN_PROGRESS:  # e.g. a delete of what was never created
                stack.steps.transition(step.record, step.record.action, COMPLETE, "state changed")
            return
        hint = getattr(step, "next_check_delay", None)
        delay = hint() if hint is not None else None
        if delay is None:
            delay = self.service.backoff.delay(checks)
        self.service.scheduler.call_later(delay, self._drive, step, stack, action, checks, True)

    def _fail_row(self, resource_id, action, exc, stack=None, record=None) -> None:
        detail = exc.message if isinstance(exc, HeatError) else f"{type(exc).__name__}: {exc}"
        db = self.service.db
        try:
            row = db.resources.get(resource_id)
            if row is None:
                return
            if record is None:
                record = ResourceRecord.from_row(row)
            if stack is None:
                stack = self.service._load(db.stacks.get(row["stack_id"]))
            stack.steps.transition(record, action, FAILED, stack.mask(f"{action} failed: {detail}"))
        except Exception:
            LOG.exception("engine %s: recording the failure of %s failed", self.name, resource_id)

    def _stack_row(self, stack_id: str) -> dict:
        """The stack's row, re-read at most every _ROW_TTL seconds. A walk's template and
        parameters cannot change while it runs (the claim checked the lock), and a later
        walk of a changed stack has a new template id, hence a new cache entry."""
        now = time.monotonic()
        with self._lock:
            cached = self._rows.get(stack_id)
        if cached is not None and now - cached[0] < _ROW_TTL:
            return dict(cached[1])
        row = self.service.db.stacks.get(stack_id)
        with self._lock:
            self._rows[stack_id] = (now, row)
            if len(self._rows) > 4 * _STACK_CACHE_SIZE:
                self._rows = {k: v for k, v in self._rows.items() if now - v[0] < _ROW_TTL}
        return dict(row)

    def _prepare(self, stack_id, resource_id):
        """The stack (cached per template) with fresh records of the resource and what it
        depends on; and the resource's record."""
        db = self.service.db
        row = self._stack_row(stack_id)
        key = (stack_id, row["raw_template_id"])
        with self._lock:
            entry = self._stacks.get(key)
            if entry is None:
                entry = self._stacks[key] = [threading.Lock(), None]
                while len(self._stacks) > _STACK_CACHE_SIZE:
                    self._stacks.popitem(last=False)
            else:
                self._stacks.move_to_end(key)
        # Built once per engine: steps arriving together wait for the first to build it.
        with entry[0]:
            if entry[1] is None:
                entry[1] = self.service._load(row)
            stack = entry[1]
        stack.row.update(row)
        resource, dependencies = db.steps.with_dependencies(stack_id, resource_id)
        for fresh in dependencies:
            stack.records[fresh["name"]] = ResourceRecord.from_row(fresh)
        record = ResourceRecord.from_row(resource)
        if resource["replaced_by"] is None:
            stack.records[record.name] = record
        return stack, record
