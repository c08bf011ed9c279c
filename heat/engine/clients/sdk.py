"""What the openstacksdk-based helpers (neutron, cinder) share: one Connection on the stack's
keystoneauth1 session, and calls with retries and Heat's error translation.

openstacksdk rather than python-neutronclient / python-cinderclient: neutronclient's Python
bindings are deprecated in favour of the SDK, the `openstack` CLI itself speaks to both
services through it, and one library for both keeps the error handling in one place.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from keystoneauth1 import exceptions as ks_exc
from openstack import connection
from openstack import exceptions as sdk_exc

from heat.engine.clients.errors import (
    AmbiguousName,
    CloudNotFound,
    CloudRequestFailed,
    RetryPolicy,
    http_status,
)

T = TypeVar("T")


class SdkService:
    """Base of a service helper: `conn` is an openstacksdk Connection made on first use from
    `session`; `_call` runs one operation with `retry` and translates its failures."""

    service_name = "OpenStack"

    def __init__(
        self,
        session,
        region_name: str | None = None,
        interface: str = "public",
        retry: RetryPolicy | None = None,
    ):
        self.session = session
        self.region_name = region_name
        self.interface = interface
        self.retry = retry or RetryPolicy()
        self._conn = None
        self._lock = threading.Lock()

    @property
    def conn(self) -> connection.Connection:
        with self._lock:
            if self._conn is None:
                self._conn = connection.Connection(
                    session=self.session, region_name=self.region_name, interface=self.interface
                )
            return self._conn

    def _call(
        self,
        what: str,
        fn: Callable[[], T],
        idempotent: bool = True,
        not_found: tuple[str, str] | None = None,
        service: str | None = None,
    ) -> T:
        """Run one operation with retries and exception translation.

        `not_found` is the (kind, name) a 404 refers to; without it a 404 is a failure.
        `service` names the service in messages when it is not this helper's own.
        """
        try:
            return self.retry.call(fn, idempotent=idempotent)
        except sdk_exc.DuplicateResource as exc:
            kind, name = not_found or ("resource", "?")
            raise AmbiguousName(kind, name, []) from exc
        except (sdk_exc.SDKException, ks_exc.ClientException) as exc:
            status = http_status(exc)
            if isinstance(exc, sdk_exc.NotFoundException):
                status = 404
            if status == 404 and not_found is not None:
                raise CloudNotFound(*not_found) from exc
            name = service or self.service_name
            raise CloudRequestFailed(f"{name}: failed to {what}: {message(exc)}", status) from exc


def message(exc: BaseException) -> str:
    """The service's own message carried by a client exception."""
    details = getattr(exc, "details", None)
    if isinstance(exc, sdk_exc.HttpException) and details:
        return str(details)
    if isinstance(exc, sdk_exc.SDKException):
        return str(exc.message)
    return str(exc)
