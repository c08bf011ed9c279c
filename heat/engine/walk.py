"""The vocabulary of a graph walk (heat.engine.graph_run): what one node's work looks like
(Step), how long to wait between its status checks (Backoff), and how a walk ended
(Outcome: its Status and Failures).
"""

from __future__ import annotations

import enum
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Protocol

from oslo_config import cfg

from heat.common.exception import HeatError


class Status(str, enum.Enum):
    """How a walk ended (Outcome.status)."""

    COMPLETE = "COMPLETE"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    TIMED_OUT = "TIMED_OUT"


class Step(Protocol):
    """The work of one node. Both methods run on pool threads and may raise.

    `start()` returns None, or exactly True for "already done, no checks needed" (any other
    value, e.g. a progress token, means "not done yet"). `check()` returns whether the work is
    done (truthiness). A step may also define `next_check_delay() -> float | None`, called after
    a check that was not done: a number overrides the back-off delay before the next check.
    """

    def start(self) -> bool | None: ...

    def check(self) -> bool: ...


@dataclass(frozen=True)
class Backoff:
    """Delays between status checks: initial, initial*factor, ... capped at maximum (seconds).

    `delay(n)` is the wait after the n-th check (n >= 1) answered "not yet". The first check is
    not delayed at all: it runs immediately after start().
    """

    initial: float = 0.005
    factor: float = 2.0
    maximum: float = 1.0

    def __post_init__(self):
        if self.initial < 0 or self.factor < 1 or self.maximum < self.initial:
            raise ValueError(f"invalid back-off {self}: need 0 <= initial <= maximum, factor >= 1")

    @classmethod
    def from_conf(cls, conf: cfg.ConfigOpts) -> Backoff:
        """The back-off configured by the check_* options of heat.engine.scheduler.OPTS."""
        return cls(conf.check_initial_delay, conf.check_backoff_factor, conf.check_max_delay)

    def delay(self, checks: int) -> float:
        try:
            return min(self.initial * self.factor ** (checks - 1), self.maximum)
        except OverflowError:  # after ~1000 checks factor**n no longer fits in a float
            return self.maximum


@dataclass(frozen=True)
class Failure:
    """A node whose step raised, and what it raised."""

    node: Hashable
    exception: BaseException

    def __str__(self) -> str:
        exc = self.exception
        detail = exc.message if isinstance(exc, HeatError) else f"{type(exc).__name__}: {exc}"
        return f"{self.node}: {detail}"


@dataclass(frozen=True)
class Outcome:
    """How a run ended. Every node is in exactly one of: completed, the nodes of `failures`,
    in_progress_at_end, not_started.

    status: the first reason the run stopped (a failure that happens after a cancel does not
        turn CANCELLED into FAILED, and a deadline passing while a failing run waits for its
        in-flight steps keeps FAILED, with the abandoned steps in in_progress_at_end).
    root_cause: the first failure, or None.
    failures: every failure in the order they happened; failures[0] is root_cause.
    in_progress_at_end: steps started but abandoned unfinished (timeout, abort).
    reason: one line for the stack's status reason ("" when COMPLETE).
    """

    status: Status
    root_cause: Failure | None
    failures: tuple[Failure, ...]
    completed: frozenset
    not_started: frozenset
    in_progress_at_end: frozenset
    reason: str
