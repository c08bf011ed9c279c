"""The base of the routers that serve presigned URLs on the CFN port (wait condition handles,
scaling policies) in front of the Query API.

The URL is the credential (the engine checks its Signature against the resource's key), so
these requests carry no AWS signature and act with an empty context. A request below the
router's prefix gets an empty 200, or an AWS error document; every other request goes on to
the next application.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from heat.api.aws import errors, query
from heat.common.context import RequestContext
from heat.common.exception import HeatError

NAMESPACE = "http://cloudformation.amazonaws.com/doc/2010-05-15/"


class PresignedUrlRouter:
    """Sends requests below `prefix` to `handle` and the rest to `app`."""

    prefix: str
    label: str  # names a failed request in the log

    def __init__(self, app, engine):
        self.app = app
        self.engine = engine

    def __getattr__(self, name):
        # The Query API app's attributes (service, verifier) stay reachable through the router.
        return getattr(self.app, name)

    def __call__(self, environ, start_response):
        if not (environ.get("PATH_INFO") or "").startswith(self.prefix):
            return self.app(environ, start_response)
        request_id = query.new_request_id()
        _, error = query.run(self.label, request_id, self._handle, environ)
        if error is not None:
            return query.error_answer(start_response, request_id, error, NAMESPACE)
        return query.answer(start_response, request_id, 200, b"", "text/plain")

    def _handle(self, environ) -> None:
        url_query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        signature = (url_query.get("Signature") or [""])[0]
        try:
            self.handle(environ, RequestContext(project_id=""), signature)
        except HeatError as exc:
            raise errors.from_heat_error(exc) from None

    def handle(self, environ, ctx: RequestContext, signature: str) -> None:
        """Act on the request with the URL's `signature`; raise to refuse it."""
        raise NotImplementedError
