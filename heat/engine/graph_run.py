"""Walking one dependency graph on the shared Scheduler: create, update or delete a stack.

Each node's work is a *step*: `start()` kicks the work off (ask Nova to boot a server), then
`check()` is called until it says the work is done (is the server ACTIVE yet?). A node starts
as soon as everything it waits for is done; the only limit on parallelism is the pool.

Checks never sleep. The first check runs right after `start()` on the same worker; while a
check answers "not yet", the next one is put on the Scheduler's timer heap after a delay that
grows geometrically (Backoff), so waiting costs a heap entry and no thread.

When a step raises, the run is *failing*: nothing new starts, steps already started carry on
(their checks continue) until they finish, then the run ends FAILED with the first failure as
its root cause. `cancel()` is the same with outcome CANCELLED. At the deadline the engine stops
waiting: steps in progress are abandoned (no more checks) and reported, outcome TIMED_OUT.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Collection, Hashable, Mapping

from heat.engine.scheduler import Scheduler
from heat.engine.walk import Backoff, Failure, Outcome, Status, Step

# The walk's vocabulary (heat.engine.walk) may be imported from here too.
__all__ = [
    "Backoff",
    "DependencyCycle",
    "Failure",
    "GraphRun",
    "Outcome",
    "Status",
    "Step",
]

LOG = logging.getLogger(__name__)

# How long one pool task keeps starting ready nodes of one run before it goes to the back of
# the pool's queue, so a run with thousands of ready nodes cannot starve other stacks.
_TIME_SLICE = 0.05


class DependencyCycle(ValueError):
    """The graph has a cycle; the caller should have rejected it. `cycle` is a node path."""

    def __init__(self, cycle: list):
        self.cycle = cycle
        super().__init__("Dependency cycle: " + " -> ".join(str(node) for node in cycle))


def _check_graph(graph: Mapping[Hashable, Collection[Hashable]]) -> None:
    """Raise ValueError for an unknown dependency, DependencyCycle for a cycle. O(V + E)."""
    waiting = {}
    dependents: dict = {node: [] for node in graph}
    for node, deps in graph.items():
        for dep in deps:
            if dep not in graph:
                raise ValueError(f"{node!r} depends on {dep!r}, which is not in the graph")
            dependents[dep].append(node)
        waiting[node] = len(deps)
    ready = [node for node, count in waiting.items() if count == 0]
    while ready:
        for other in dependents[ready.pop()]:
            waiting[other] -= 1
            if waiting[other] == 0:
                ready.append(other)
    remaining = {node for node, count in waiting.items() if count}
    if not remaining:
        return
    # Every remaining node waits on a remaining node, so following dependencies must loop.
    # Taking the smallest name at each step makes the message the same on every run.
    node = min(remaining, key=str)
    path, seen = [], {}
    while node not in seen:
        seen[node] = len(path)
        path.append(node)
        node = min((dep for dep in graph[node] if dep in remaining), key=str)
    raise DependencyCycle(path[seen[node] :] + [node])


class GraphRun:
    """One walk of a graph on a Scheduler. Build it, `start()` it, then `wait()` or `on_done()`.

    graph: node -> the nodes it depends on; every node must be a key. Checked on construction
        (ValueError for an unknown node, DependencyCycle for a cycle) so a bad graph can never
        leave a run hanging.
    make_step(node) -> Step: called on a pool thread just before the node starts (so it may be
        called concurrently for different nodes); if it raises, that node fails.
    reverse: walk dependents first, for delete: a node starts once all nodes that depend on it
        are done.
    timeout: seconds from start() after which the run stops waiting (TIMED_OUT).
    backoff: delays between checks.
    """

    def __init__(
        self,
        scheduler: Scheduler,
        graph: Mapping[Hashable, Collection[Hashable]],
        make_step: Callable[[Hashable], Step],
        *,
        reverse: bool = False,
        timeout: float | None = None,
        backoff: Backoff = Backoff(),  # noqa: B008 - immutable
    ):
        graph = {node: set(deps) for node, deps in graph.items()}
        _check_graph(graph)
        self._scheduler = scheduler
        self._make_step = make_step
        self._timeout = timeout
        self._backoff = backoff
        self._nodes = frozenset(graph)
        # waiting[n]: how many nodes must still finish before n may start; releases[n]: the
        # nodes whose count drops when n finishes. Reverse mode just swaps the edges.
        self._releases: dict = {node: [] for node in graph}
        if reverse:
            self._waiting = {node: 0 for node in graph}
            for node, deps in graph.items():
                self._releases[node].extend(deps)
                for dep in deps:
                    self._waiting[dep] += 1
        else:
            self._waiting = {node: len(deps) for node, deps in graph.items()}
            for node, deps in graph.items():
                for dep in deps:
                    self._releases[dep].append(node)

        self._lock = threading.Lock()
        self._ready: deque = deque()  # may start now; not yet picked up by a drainer
        self._drainers = 0  # drainer tasks submitted or running
        self._busy = 0  # drainers currently running a step
        self._in_progress: set = set()
        self._completed: set = set()
        self._failures: list[Failure] = []
        self._timers: dict = {}  # node -> TimerHandle of its next check
        self._waits: dict = {}  # node -> (step, checks) of that check, for check_now()
        self._deadline_timer = None
        self._started = False
        self._stopping = False  # no new node may start
        self._stop_status: Status | None = None
        self._stop_reason = ""
        self._finished = False
        self._outcome: Outcome | None = None
        self._callbacks: list = []
        self._done_event = threading.Event()

    # -- public API -------------------------------------------------------------------------

    def start(self) -> GraphRun:
        """Begin the walk in the background; returns self. RuntimeError if started twice."""
        with self._lock:
            if self._started:
                raise RuntimeError("GraphRun already started")
            if self._finished:  # cancelled before it was started
                self._started = True
                return self
            self._scheduler._add_run(self)  # so a scheduler shutdown aborts this run
            self._started = True
            if self._timeout is not None:
                self._deadline_timer = self._scheduler.call_later(self._timeout, self._on_deadline)
            self._ready.extend(node for node, count in self._waiting.items() if count == 0)
            self._spawn_locked()
            finished = self._maybe_finish_locked()  # an empty graph is done at once
        if finished:
            self._notify_done()
        return self

    def cancel(self, reason: str = "Cancelled") -> bool:
        """Start nothing new; the run ends CANCELLED once steps in progress finish.

        Returns False if the run had already finished or was already stopping (failed).
        """
        with self._lock:
            if self._stopping:
                return False
            self._stop_locked(Status.CANCELLED, reason)
            finished = self._maybe_finish_locked()
        if finished:
            self._notify_done()
        return True

    def abort(self, reason: str = "Aborted") -> bool:
        """End the run now (CANCELLED unless already failing): steps in progress are abandoned
        and listed in in_progress_at_end. Returns False if it had already finished."""
        with self._lock:
            if self._finished:
                return False
            self._stop_locked(Status.CANCELLED, reason)
            self._finish_locked(frozenset(self._in_progress))
        self._notify_done()
        return True

    def on_done(self, callback: Callable[[Outcome], object]) -> None:
        """Call `callback(outcome)` when the run ends (at once if it has ended), on whichever
        thread ends it. Exceptions from callbacks are logged and otherwise ignored."""
        with self._lock:
            if not self._finished:
                self._callbacks.append(callback)
                return
        self._call(callback)

    def wait(self, timeout: float | None = None) -> Outcome:
        """Block until the run ends (and its on_done callbacks have run); TimeoutError if it has
        not ended within `timeout` seconds. Never call from a step: it would hold a worker."""
        if not self._done_event.wait(timeout):
            raise TimeoutError(f"graph run not finished after {timeout} s")
        return self._outcome

    def check_now(self, node) -> bool:
        """Run the next check of `node` now rather than when its back-off delay ends (its
        step learnt that the work may be done, e.g. another engine finished it). False if
        the node is not waiting for a check."""
        with self._lock:
            handle = self._timers.get(node)
            if self._finished or handle is None or not handle.cancel():
                return False
            step, checks = self._waits[node]
            self._timers[node] = self._scheduler.call_later(0, self._check, node, step, checks)
            return True

    @property
    def done(self) -> bool:
        return self._done_event.is_set()

    @property
    def outcome(self) -> Outcome | None:
        """The outcome once the run has ended, else None."""
        return self._outcome if self._done_event.is_set() else None

    # -- the walk ---------------------------------------------------------------------------
    #
    # Ready nodes wait in self._ready. Up to max_workers *drainer* tasks per run pop and start
    # them, so 10,000 ready nodes cost a few pool tasks, not 10,000 futures, and a chain runs
    # on one thread with no hand-off per node. Checks come back through the timer heap as
    # their own pool tasks (_check). All loops, no recursion: a 10,000-node chain is safe.

    def _drain(self, node=None, step=None, checks: int = 0) -> None:
        """Pool task: check `node` if given, then start ready nodes until there are none."""
        try:
            if node is not None:
                self._advance(node, step, checks, drainer=True)
            yield_at = time.monotonic() + _TIME_SLICE
            while True:
                if time.monotonic() > yield_at:
                    # Step back to the end of the pool's queue so other runs' work goes first;
                    # the new task inherits this drainer's place in the count.
                    self._scheduler.submit(self._drain)
                    return
                with self._lock:
                    if self._stopping or not self._ready:
                        self._drainers -= 1
                        return
                    node = self._ready.popleft()
                    self._busy += 1
                    self._in_progress.add(node)
                self._advance(node, None, 0, drainer=True)
        except BaseException as exc:
            self._internal_error(node, exc)

    def _check(self, node, step, checks: int) -> None:
        """Timer task: the next check of `node` is due."""
        with self._lock:
            if self._finished:
                return
            del self._timers[node]
            del self._waits[node]
            # Become a drainer for the rest of this task, so the nodes this check unblocks
            # start on this thread with no further pool hand-off.
            self._drainers += 1
            self._busy += 1
        self._drain(node, step, checks)

    def _internal_error(self, node, exc: BaseException) -> None:
        # Only a bug here (or a scheduler shut down under us) gets this far; end the run rather
        # than leave it waiting forever for a node nobody is working on.
        if not self._scheduler.closed:
            LOG.exception("Internal error walking node %r", node)
        self.abort(f"Internal error: {type(exc).__name__}: {exc}")

    def _advance(self, node, step, checks: int, drainer: bool) -> None:
        """Start (step None) or check one node, outside the lock, then record the result."""
        delay = 0.0
        try:
            if step is None:
                step = self._make_step(node)
                done = step.start() is True
            else:
                done = False
            # After the deadline nobody is waiting for this step any more: stop checking it.
            if not done and not self._finished:
                done = bool(step.check())
                checks += 1
                if not done:
                    delay = self._next_delay(step, checks)
        except BaseException as exc:
            self._settle(node, drainer, failure=exc)
        else:
            self._settle(node, drainer, done=done, step=step, checks=checks, delay=delay)

    def _next_delay(self, step, checks: int) -> float:
        hint = getattr(step, "next_check_delay", None)
        delay = hint() if hint is not None else None
        return self._backoff.delay(checks) if delay is None else max(0.0, float(delay))

    def _settle(self, node, drainer, failure=None, done=False, step=None, checks=0, delay=0.0):
        with self._lock:
            if drainer:
                self._busy -= 1
            if self._finished:
                return
            if failure is not None:
                self._in_progress.discard(node)
                self._failures.append(Failure(node, failure))
                self._stop_locked(Status.FAILED, "")
            elif done:
                self._in_progress.discard(node)
                self._completed.add(node)
                if not self._stopping:
                    for other in self._releases[node]:
                        self._waiting[other] -= 1
                        if not self._waiting[other]:
                            self._ready.append(other)
                    self._spawn_locked()
            else:
                self._timers[node] = self._scheduler.call_later(
                    delay, self._check, node, step, checks
                )
                self._waits[node] = (step, checks)
                return
            finished = self._maybe_finish_locked()
        if finished:
            self._notify_done()

    def _on_deadline(self) -> None:
        with self._lock:
            if self._finished:
                return
            self._stop_locked(Status.TIMED_OUT, "")
            self._finish_locked(frozenset(self._in_progress))
        self._notify_done()

    # -- bookkeeping, all under self._lock ---------------------------------------------------

    def _stop_locked(self, status: Status, reason: str) -> None:
        if self._stop_status is None:  # the first reason to stop is the one reported
            self._stop_status = status
            self._stop_reason = reason
        self._stopping = True
        self._ready.clear()

    def _spawn_locked(self) -> None:
        # Enough drainers that every ready node has an idle one heading for it, up to the pool
        # size; busy drainers do not count, or one slow start() would hold up ready nodes.
        idle = self._drainers - self._busy
        for _ in range(min(len(self._ready) - idle, self._scheduler.max_workers - self._drainers)):
            self._drainers += 1
            self._scheduler.submit(self._drain)

    def _maybe_finish_locked(self) -> bool:
        """Finish if nothing is left to do; True if this call finished the run."""
        if self._finished:
            return False
        if self._stopping:
            # Failing or cancelled (possibly before start): wait only for steps in progress.
            if self._in_progress:
                return False
        elif not self._started or len(self._completed) < len(self._nodes):
            return False
        self._finish_locked(frozenset())
        return True

    def _finish_locked(self, abandoned: frozenset) -> None:
        self._finished = self._stopping = True
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()
        self._waits.clear()
        if self._deadline_timer is not None:
            self._deadline_timer.cancel()
        self._scheduler._discard_run(self)
        status = self._stop_status or Status.COMPLETE
        failures = tuple(self._failures)
        completed = frozenset(self._completed)
        failed = {failure.node for failure in failures}
        not_started = self._nodes - completed - failed - abandoned
        if status is Status.FAILED:
            reason = str(failures[0])
        elif status is Status.TIMED_OUT:
            reason = f"Timed out after {self._timeout:g} s"
            if abandoned:
                reason += " waiting for " + ", ".join(sorted(str(node) for node in abandoned))
        else:
            reason = self._stop_reason
        self._outcome = Outcome(
            status=status,
            root_cause=failures[0] if failures else None,
            failures=failures,
            completed=completed,
            not_started=not_started,
            in_progress_at_end=abandoned,
            reason=reason,
        )

    def _notify_done(self) -> None:
        with self._lock:
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            self._call(callback)
        self._done_event.set()

    def _call(self, callback) -> None:
        try:
            callback(self._outcome)
        except Exception:
            LOG.exception("on_done callback %r of a graph run failed", callback)
