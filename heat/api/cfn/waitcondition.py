"""The wait condition signal endpoint on the CFN port: PUT <handle URL> with cfn-signal's body.

    PUT /v1/waitcondition/<stack id>/<handle name>?Signature=...
    {"Status": "SUCCESS", "Reason": "...", "UniqueId": "...", "Data": "..."}

The URL is the credential (heat.engine.signals checks its signature against the handle's
key), so these requests carry no AWS signature. Every other path goes on to the Query API.
"""

from __future__ import annotations

import logging
import uuid
from urllib.parse import parse_qs, unquote

from heat.api.aws import errors
from heat.common.context import RequestContext
from heat.common.exception import HeatError
from heat.engine.signals import Signal

LOG = logging.getLogger(__name__)

PREFIX = "/v1/waitcondition/"
MAX_BODY = 128 * 1024
NAMESPACE = "http://cloudformation.amazonaws.com/doc/2010-05-15/"


class WaitConditionRouter:
    """Sends handle URLs to the engine's signal_wait_condition and the rest to `app`."""

    def __init__(self, app, engine):
        self.app = app
        self.engine = engine

    def __getattr__(self, name):
        # The Query API app's attributes (service, verifier) stay reachable through the router.
        return getattr(self.app, name)

    def __call__(self, environ, start_response):
        if not (environ.get("PATH_INFO") or "").startswith(PREFIX):
            return self.app(environ, start_response)
        request_id = str(uuid.uuid4())
        try:
            self._signal(environ)
            status, body = "200 OK", b""
        except errors.AwsError as exc:
            status, body = (
                f"{exc.status} {_REASONS.get(exc.status, 'Error')}",
                exc.document(request_id, NAMESPACE),
            )
        except Exception:
            LOG.exception("wait condition signal %s failed", request_id)
            exc = errors.InternalFailure()
            status, body = "500 Internal Server Error", exc.document(request_id, NAMESPACE)
        start_response(
            status,
            [
                ("Content-Type", "text/xml" if body else "text/plain"),
                ("Content-Length", str(len(body))),
                ("x-amzn-RequestId", request_id),
            ],
        )
        return [body]

    def _signal(self, environ) -> None:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if method not in ("PUT", "POST"):
            raise errors.MethodNotAllowed(f"Method {method[:20]} is not allowed; use PUT")
        parts = environ["PATH_INFO"][len(PREFIX) :].split("/")
        if len(parts) != 2 or not all(parts):
            raise errors.AccessDenied("The wait condition URL is not valid (signature or handle)")
        stack_id, handle_name = (unquote(p) for p in parts)
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        signature = (query.get("Signature") or [""])[0]
        body = _read_body(environ)
        try:
            signal = Signal.from_body(body)
            self.engine.signal_wait_condition(
                RequestContext(project_id=""),
                stack_id,
                handle_name,
                signature,
                status=signal.status,
                reason=signal.reason,
                unique_id=signal.unique_id,
                data=signal.data,
            )
        except HeatError as exc:
            raise errors.from_heat_error(exc) from None


_REASONS = {400: "Bad Request", 403: "Forbidden", 405: "Method Not Allowed", 413: "Too Large"}


def _read_body(environ) -> bytes:
    try:
        size = int(environ.get("CONTENT_LENGTH") or "0")
    except ValueError:
        raise errors.AwsError("Invalid Content-Length", code="BadRequest", status=400) from None
    if size < 0:
        raise errors.AwsError("Invalid Content-Length", code="BadRequest", status=400)
    if size > MAX_BODY:
        raise errors.RequestTooLarge(f"Request body is larger than {MAX_BODY} bytes")
    return environ["wsgi.input"].read(size) if size else b""
