"""The wait condition signal endpoint on the CFN port: PUT <handle URL> with cfn-signal's body.

    PUT /v1/waitcondition/<stack id>/<handle name>?Signature=...
    {"Status": "SUCCESS", "Reason": "...", "UniqueId": "...", "Data": "..."}

The URL is the credential (heat.engine.signals checks its signature against the handle's
key; see heat.api.cfn.presigned_url). Every other path goes on to the Query API.
"""

from __future__ import annotations

from urllib.parse import unquote

from heat.api.aws import errors, query
from heat.api.cfn.presigned_url import PresignedUrlRouter
from heat.engine.signals import Signal

PREFIX = "/v1/waitcondition/"
MAX_BODY = 128 * 1024


class WaitConditionRouter(PresignedUrlRouter):
    """Sends handle URLs to the engine's signal_wait_condition and the rest to `app`."""

    prefix = PREFIX
    label = "wait condition signal"

    def handle(self, environ, ctx, signature: str) -> None:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if method not in ("PUT", "POST"):
            raise errors.MethodNotAllowed(f"Method {method[:20]} is not allowed; use PUT")
        parts = environ["PATH_INFO"][len(PREFIX) :].split("/")
        if len(parts) != 2 or not all(parts):
            raise errors.AccessDenied("The wait condition URL is not valid (signature or handle)")
        stack_id, handle_name = (unquote(p) for p in parts)
        signal = Signal.from_body(query.read_body(environ, MAX_BODY))
        self.engine.signal_wait_condition(
            ctx,
            stack_id,
            handle_name,
            signature,
            status=signal.status,
            reason=signal.reason,
            unique_id=signal.unique_id,
            data=signal.data,
        )
