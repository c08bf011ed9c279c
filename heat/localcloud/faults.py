"""Test-only fault injection: make the next matching request(s) fail like a sick cloud.

Tests use it to prove that clients retry transient failures (a 503, a 429 with Retry-After,
a connection dropped without an answer) and give up on the rest.
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading

# Raised by the app: the HTTP server closes the connection without any answer.
from heat.api.server import DropConnection


@dataclasses.dataclass
class Fault:
    """One injected fault: which requests it hits, how often, and what they get instead."""

    method: str | None
    path: re.Pattern
    status: int
    times: int
    headers: dict
    body: dict | None
    drop: bool
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        return (
            self.hits < self.times
            and (self.method is None or self.method == method)
            and self.path.search(path) is not None
        )


class FaultInjector:
    """The active faults of a LocalCloud; thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(
        self,
        path: str = "",
        method: str | None = None,
        status: int = 503,
        times: int = 1,
        headers: dict | None = None,
        body: dict | None = None,
        drop: bool = False,
    ) -> Fault:
        """Fail the next `times` requests whose path matches the regex `path` (and `method`).

        They get `status` with `headers` and a JSON `body` (default: Nova's error body for
        the status), or with `drop=True` a connection closed without an answer.
        """
        fault = Fault(method, re.compile(path), status, times, dict(headers or {}), body, drop)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """The first active fault matching a request, counting the hit; None if none."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.hits += 1
                    return fault
        return None

    @staticmethod
    def respond(fault: Fault, start_response):
        """Answer a request with an injected fault (WSGI), or drop the connection."""
        if fault.drop:
            raise DropConnection()
        body = fault.body
        if body is None:
            body = {"computeFault": {"code": fault.status, "message": "Injected fault"}}
        payload = json.dumps(body).encode()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
        headers += list(fault.headers.items())
        start_response(f"{fault.status} Injected", headers)
        return [payload]
