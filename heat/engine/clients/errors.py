"""The errors the cloud client helpers raise, and the retry policy for transient failures.

Client libraries each have their own exceptions (novaclient's ClientException,
openstacksdk's HttpException, keystoneauth1's HttpError and ConnectFailure); the helpers
translate them into Heat's hierarchy so the engine handles one set: `CloudNotFound` (a
NotFound: delete treats it as done), `AmbiguousName`, and `CloudRequestFailed` (a CloudError)
for everything else.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import TypeVar

from keystoneauth1 import exceptions as ks_exc
from novaclient import exceptions as nova_exc
from openstack import exceptions as sdk_exc

from heat.common.exception import CloudError, InvalidInput, NotFound

T = TypeVar("T")

# 502/504 come from proxies in front of a restarting service; 503 and 429 from the service.
TRANSIENT_STATUSES = {429, 502, 503, 504}


class CloudNotFound(NotFound):
    """A named cloud object (server, image, flavor, keypair) does not exist."""

    def __init__(self, kind: str, name_or_id: str, detail: str | None = None):
        message = f'unknown {kind} "{name_or_id}"'
        super().__init__(f"{message}: {detail}" if detail else message)
        self.kind = kind
        self.name_or_id = name_or_id


class AmbiguousName(InvalidInput):
    """A name matches more than one cloud object; the user must give an id."""

    def __init__(self, kind: str, name: str, ids: list[str]):
        super().__init__(
            f'{kind} name "{name}" is ambiguous: {len(ids)} {kind}s match '
            f"({', '.join(sorted(ids))}); use an ID"
        )
        self.kind = kind
        self.name = name
        self.ids = list(ids)


class CloudRequestFailed(CloudError):
    """A cloud request failed; `message` is the service's own, `http_status` its status."""

    def __init__(self, message: str, http_status: int | None = None):
        super().__init__(message)
        self.http_status = http_status


def http_status(exc: BaseException) -> int | None:
    """The HTTP status of a client library exception, if it has one."""
    if isinstance(exc, nova_exc.ClientException):
        return exc.code if isinstance(exc.code, int) else None
    if isinstance(exc, ks_exc.HttpError):
        return exc.http_status
    if isinstance(exc, sdk_exc.HttpException):
        return exc.status_code
    return None


def retry_after(exc: BaseException) -> float | None:
    """The server's Retry-After (seconds) carried by an exception, if any."""
    value = getattr(exc, "retry_after", None)
    if not value:
        response = getattr(exc, "response", None)
        value = response.headers.get("Retry-After") if response is not None else None
    try:
        return float(value) if value else None
    except ValueError:
        return None


def is_transient(exc: BaseException, idempotent: bool) -> bool:
    """Whether repeating the request may succeed and cannot do harm.

    A dropped or refused connection may have lost a request the server already carried
    out, so only idempotent requests are repeated after one; a 503 or 429 says the request
    was not processed, so any request may be repeated.
    """
    if isinstance(exc, (ks_exc.ConnectFailure, ks_exc.ConnectTimeout)):
        return idempotent
    return http_status(exc) in TRANSIENT_STATUSES


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential back-off: `attempts` tries in all, delays doubling from
    `base_delay` up to `max_delay`; a server's Retry-After wins (capped at `max_delay`)."""

    attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 10.0
    sleep: Callable[[float], None] = time.sleep

    def delay(self, attempt: int, exc: BaseException) -> float:
        """Seconds to wait after failed try number `attempt` (1-based)."""
        asked = retry_after(exc)
        if asked is not None:
            return min(asked, self.max_delay)
        return min(self.base_delay * 2 ** (attempt - 1), self.max_delay)

    def call(self, fn: Callable[[], T], idempotent: bool = True) -> T:
        """Run `fn`, repeating it after transient failures; re-raise the last failure."""
        for attempt in range(1, self.attempts + 1):
            try:
                return fn()
            except Exception as exc:
                if attempt == self.attempts or not is_transient(exc, idempotent):
                    raise
                self.sleep(self.delay(attempt, exc))
        raise AssertionError("unreachable")
