"""CreationPolicy ResourceSignal: a resource is created only once its signals are in.

    "CreationPolicy": {"ResourceSignal": {"Count": 2, "Timeout": "PT15M"}}

Any resource may have one. After its plugin says it is created (a server is ACTIVE), the
engine keeps checking, on its timers like any other check, until Count SUCCESS signals have
arrived through SignalResource; a FAILURE signal, or Timeout passing (counted from the start
of the resource's creation), fails the resource.
"""

from __future__ import annotations

import re
import time

from heat.common.exception import InvalidInput
from heat.engine import signals

DEFAULT_TIMEOUT = "PT5M"  # as CloudFormation
MAX_TIMEOUT = 12 * 3600

_DURATION = re.compile(
    r"P(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?"
)


def parse_duration(text, where: str) -> int:
    """Seconds in an ISO 8601 duration such as PT15M or PT1H30M (whole seconds allowed)."""
    if isinstance(text, int) and not isinstance(text, bool):
        seconds = text
    else:
        match = _DURATION.fullmatch(str(text))
        if match is None or not any(match.groupdict().values()) or str(text).endswith("T"):
            raise InvalidInput(f'{where}: "{text}" is not an ISO 8601 duration such as PT15M')
        parts = {k: int(v or 0) for k, v in match.groupdict().items()}
        seconds = (
            parts["days"] * 86400 + parts["hours"] * 3600 + parts["minutes"] * 60 + parts["seconds"]
        )
    if not 1 <= seconds <= MAX_TIMEOUT:
        raise InvalidInput(f"{where}: must be between 1 second and {MAX_TIMEOUT // 3600} hours")
    return seconds


def resource_signal(policy, name: str) -> tuple[int, int] | None:
    """(Count, Timeout seconds) of a CreationPolicy's ResourceSignal, or None without one."""
    if not isinstance(policy, dict) or "ResourceSignal" not in policy:
        return None
    where = f"Resources.{name}.CreationPolicy.ResourceSignal"
    spec = policy["ResourceSignal"]
    if not isinstance(spec, dict):
        raise InvalidInput(f"{where}: must be a mapping")
    unknown = sorted(set(spec) - {"Count", "Timeout"})
    if unknown:
        raise InvalidInput(f'{where}: unknown key "{unknown[0]}" (it has: Count, Timeout)')
    try:
        count = int(str(spec.get("Count", 1)))
    except ValueError:
        count = 0
    if count < 1:
        raise InvalidInput(f"{where}.Count: must be a positive integer, not {spec.get('Count')!r}")
    return count, parse_duration(spec.get("Timeout", DEFAULT_TIMEOUT), f"{where}.Timeout")


class SignalWait:
    """Waits for a resource's own signals; `done()` is one non-blocking check."""

    def __init__(self, context, name: str, count: int, timeout: int, clock=time.time):
        self.context = context
        self.name = name
        self.count = count
        self.timeout = timeout
        self.clock = clock
        self.deadline = clock() + timeout

    def done(self) -> bool:
        received = self.context.signals.received(self.name)
        if signals.tally(received, self.count):
            return True
        if self.clock() > self.deadline:
            successes = sum(1 for r in received if r["status"] == signals.SUCCESS)
            raise signals.SignalFailure(
                f"CreationPolicy timed out after {self.timeout} s: {successes} of "
                f"{self.count} SUCCESS signals received"
            )
        return False


def waiter(definition, context) -> SignalWait | None:
    """The wait a resource's CreationPolicy asks for, or None."""
    spec = resource_signal(getattr(definition, "creation_policy", None), definition.name)
    if spec is None or context is None or getattr(context, "signals", None) is None:
        return None
    return SignalWait(context, definition.name, *spec)
