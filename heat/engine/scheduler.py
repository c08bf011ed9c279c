"""The engine's one place where work runs: a bounded worker pool plus one timer thread.

There is one Scheduler per engine process, shared by every stack operation. Resource work
(`start()` and `check()` of a step, see heat.engine.graph_run) runs on the pool; a check that
is "not done yet" is put back on the timer heap instead of sleeping, so a thousand servers
that are all booting cost a thousand heap entries, not a thousand threads. The total number
of threads is `max_workers` plus the single timer thread, however many stacks are in flight.

Timer callbacks never run on the timer thread itself: when a timer is due it is handed to the
pool. That keeps the timer thread free to fire the next timer on time even when a callback is
slow, and means every piece of work obeys the same `max_workers` bound.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from oslo_config import cfg

LOG = logging.getLogger(__name__)

DEFAULT_WORKERS = 16

OPTS = [
    cfg.IntOpt(
        "engine_workers",
        default=DEFAULT_WORKERS,
        min=1,
        help="Threads in the engine's worker pool that run resource actions and status "
        "checks for all stacks. Waiting for a resource never holds a thread, so this bounds "
        "concurrent cloud API calls, not the number of resources in progress.",
    ),
    cfg.FloatOpt(
        "check_initial_delay",
        default=0.005,
        min=0.0,
        help="Seconds between the first and second status check of a resource action; the "
        "first check runs immediately after the action starts.",
    ),
    cfg.FloatOpt(
        "check_backoff_factor",
        default=2.0,
        min=1.0,
        help="Each further wait between status checks is this many times the previous one.",
    ),
    cfg.FloatOpt(
        "check_max_delay",
        default=1.0,
        min=0.0,
        help="Longest wait, in seconds, between two status checks of one resource action.",
    ),
]

# Compact the heap when at least this many entries are cancelled and they are the majority;
# below it, lazily skipping cancelled entries as they surface is cheaper than rebuilding.
_COMPACT_MIN_CANCELLED = 64


class TimerHandle:
    """A delayed call registered with `Scheduler.call_later`; `cancel()` it to drop it."""

    __slots__ = ("when", "_fn", "_args", "_cancelled", "_scheduler")

    def __init__(self, when: float, fn: Callable, args: tuple, scheduler: Scheduler):
        self.when = when  # time.monotonic() at which the call is due
        self._fn = fn
        self._args = args
        self._cancelled = False
        self._scheduler = scheduler

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> bool:
        """Drop the call if it has not been handed to the pool yet; True if this dropped it."""
        return self._scheduler._cancel_timer(self)


class Scheduler:
    """A bounded thread pool plus one timer thread with a heap of delayed calls.

    `submit` and `call_later` may be called from any thread, including pool threads.
    `shutdown` must not be called from a pool thread with wait=True (it would wait for itself).
    """

    def __init__(self, max_workers: int = DEFAULT_WORKERS, name: str = "heat"):
        if max_workers < 1:
            raise ValueError(f"max_workers must be at least 1, not {max_workers}")
        self.max_workers = max_workers
        self._pool = ThreadPoolExecutor(max_workers, thread_name_prefix=f"{name}-worker")
        self._cond = threading.Condition(threading.Lock())
        self._heap: list = []  # (when, seq, TimerHandle); seq keeps equal times FIFO
        self._seq = itertools.count()
        self._cancelled_in_heap = 0
        self._closed = False
        # Anything with abort(reason) that must not be left waiting forever when the pool goes
        # away, i.e. GraphRuns in flight; they register themselves.
        self._runs: set = set()
        self._timer = threading.Thread(target=self._timer_loop, name=f"{name}-timer", daemon=True)
        self._timer.start()

    @classmethod
    def from_conf(cls, conf: cfg.ConfigOpts) -> Scheduler:
        """A Scheduler sized by the `engine_workers` option of `conf` (OPTS registered)."""
        return cls(max_workers=conf.engine_workers)

    def __enter__(self) -> Scheduler:
        return self

    def __exit__(self, *exc_info) -> None:
        self.shutdown(wait=True)

    @property
    def closed(self) -> bool:
        return self._closed

    def submit(self, fn: Callable, *args) -> Future:
        """Run `fn(*args)` on the pool as soon as a worker is free; RuntimeError once shut down."""
        if self._closed:
            raise RuntimeError("Scheduler is shut down")
        return self._pool.submit(fn, *args)

    def call_later(self, delay: float, fn: Callable, *args) -> TimerHandle:
        """Run `fn(*args)` on the pool after `delay` seconds (<= 0: as soon as possible)."""
        handle = TimerHandle(time.monotonic() + max(0.0, delay), fn, args, self)
        with self._cond:
            if self._closed:
                raise RuntimeError("Scheduler is shut down")
            heapq.heappush(self._heap, (handle.when, next(self._seq), handle))
            # Only a new earliest entry changes how long the timer thread has to sleep.
            if self._heap[0][2] is handle:
                self._cond.notify()
        return handle

    def shutdown(self, wait: bool = True) -> None:
        """Stop: runs in flight are aborted (CANCELLED), pending timers dropped, pool closed.

        Work already running on the pool is not interrupted; with wait=True this returns once
        it has finished and every thread has exited. Idempotent.
        """
        with self._cond:
            if self._closed:
                already = True
            else:
                already = False
                self._closed = True
                runs = list(self._runs)
                self._runs.clear()
                for _, _, handle in self._heap:
                    handle._cancelled = True
                    handle._fn = handle._args = None
                self._heap.clear()
                self._cancelled_in_heap = 0
                self._cond.notify()
        if not already:
            # Aborting finishes each run now, so nobody waiting on one is left hanging.
            for run in runs:
                run.abort("Engine scheduler shut down")
        if wait and self._timer is not threading.current_thread():
            self._timer.join()
        self._pool.shutdown(wait=wait)

    # -- internals --------------------------------------------------------------------------

    def _add_run(self, run) -> None:
        with self._cond:
            if self._closed:
                raise RuntimeError("Scheduler is shut down")
            self._runs.add(run)

    def _discard_run(self, run) -> None:
        with self._cond:
            self._runs.discard(run)

    def _cancel_timer(self, handle: TimerHandle) -> bool:
        with self._cond:
            if handle._cancelled or handle._fn is None:
                return False
            handle._cancelled = True
            # Release the callback's references (e.g. a whole GraphRun) now, not when the
            # entry finally surfaces from the heap, which may be hours away.
            handle._fn = handle._args = None
            self._cancelled_in_heap += 1
            if (
                self._cancelled_in_heap >= _COMPACT_MIN_CANCELLED
                and self._cancelled_in_heap * 2 > len(self._heap)
            ):
                self._heap = [entry for entry in self._heap if not entry[2]._cancelled]
                heapq.heapify(self._heap)
                self._cancelled_in_heap = 0
            return True

    def _timer_loop(self) -> None:
        while True:
            due = []
            with self._cond:
                while not self._closed:
                    now = time.monotonic()
                    while self._heap and (self._heap[0][2]._cancelled or self._heap[0][0] <= now):
                        _, _, handle = heapq.heappop(self._heap)
                        if handle._cancelled:
                            self._cancelled_in_heap -= 1
                        else:
                            due.append((handle._fn, handle._args))
                            # Fired: from now on cancel() reports False.
                            handle._fn = handle._args = None
                    if due:
                        break
                    self._cond.wait(self._heap[0][0] - now if self._heap else None)
                if self._closed:
                    return
            # Hand over outside the lock so call_later() from the pool never waits on submit.
            for fn, args in due:
                try:
                    self._pool.submit(fn, *args)
                except RuntimeError:
                    # The pool was shut down between our check and the submit: shutdown drops
                    # pending timers anyway.
                    LOG.debug("Timer callback %r dropped: scheduler shut down", fn)
