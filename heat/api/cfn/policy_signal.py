"""Scaling policy URLs on the CFN port: POST <policy URL> runs the policy.

    POST /v1/signal/<quoted arn:openstack:heat::<project>:stacks/<name>/<id>/resources/<policy>>
         ?Signature=...

The URL is the credential (the engine checks its signature against the policy's key), so
these requests carry no AWS signature; anything wrong with it is 403 AccessDenied. Every
other path goes on to the next application (the wait condition router, the Query API).
"""

from __future__ import annotations

import logging
import uuid
from urllib.parse import parse_qs

from heat.api.aws import errors
from heat.common.context import RequestContext
from heat.common.exception import HeatError
from heat.engine.resources.aws.autoscaling import scaling_policy

LOG = logging.getLogger(__name__)

NAMESPACE = "http://cloudformation.amazonaws.com/doc/2010-05-15/"
BAD_URL = "The scaling policy URL is not valid (signature or policy)"
_REASONS = {403: "Forbidden", 405: "Method Not Allowed", 409: "Conflict", 404: "Not Found"}


class ScalingPolicyRouter:
    """Sends policy URLs to the engine's signal_scaling_policy and the rest to `app`."""

    def __init__(self, app, engine):
        self.app = app
        self.engine = engine

    def __getattr__(self, name):
        return getattr(self.app, name)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO") or ""
        if not path.startswith(scaling_policy.SIGNAL_PATH):
            return self.app(environ, start_response)
        request_id = str(uuid.uuid4())
        try:
            self._execute(path, environ)
            status, body = "200 OK", b""
        except errors.AwsError as exc:
            status = f"{exc.status} {_REASONS.get(exc.status, 'Error')}"
            body = exc.document(request_id, NAMESPACE)
        except Exception:
            LOG.exception("scaling policy signal %s failed", request_id)
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

    def _execute(self, path: str, environ) -> None:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if method != "POST":
            raise errors.MethodNotAllowed(f"Method {method[:20]} is not allowed; use POST")
        target = scaling_policy.parse_signal_path(path)
        if target is None:
            raise errors.AccessDenied(BAD_URL)
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        signature = (query.get("Signature") or [""])[0]
        try:
            self.engine.signal_scaling_policy(
                RequestContext(project_id=""), target[0], target[1], signature
            )
        except HeatError as exc:
            raise errors.from_heat_error(exc) from None
