"""HTTP plumbing the Heat APIs share: a path router, JSON bodies and responses.

Handlers take a WebOb request plus the path's named parts and return a Response, or raise
a HeatError; each application renders errors in its own dialect (heat.api.middleware.fault
for the native API, Keystone's format for heat.identity.keystone).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import webob

from heat.common.exception import HeatError, InvalidInput, NotFound

Handler = Callable[..., webob.Response]
MAX_BODY = 2 * 1024 * 1024  # a JSON request body; templates are limited again by the engine


class MethodNotAllowed(HeatError):
    status = 405
    code = "MethodNotAllowed"


class NotImplementedYet(HeatError):
    """The operation exists in the API but this engine does not offer it (yet)."""

    status = 501
    code = "NotImplemented"


class RequestTooLarge(HeatError):
    status = 413
    code = "RequestEntityTooLarge"


def json_response(body, status: int = 200, headers: dict | None = None) -> webob.Response:
    """A JSON response; `body` None gives an empty body (204 answers)."""
    response = webob.Response(status=status)
    if body is None:
        response.content_type = None
        response.body = b""
    else:
        response.content_type = "application/json"
        response.charset = None
        response.body = json.dumps(body, default=str).encode()
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def json_body(req: webob.Request, root: str | None = None, *, required: bool = True) -> dict:
    """The request's JSON object (or its `root` member); InvalidInput if it is not one."""
    length = req.content_length
    if length is not None and length > MAX_BODY:
        raise RequestTooLarge(f"Request body larger than {MAX_BODY} bytes")
    raw = req.body_file.read(MAX_BODY + 1) if length is None else req.body
    if len(raw) > MAX_BODY:
        raise RequestTooLarge(f"Request body larger than {MAX_BODY} bytes")
    if not raw.strip():
        if required:
            raise InvalidInput("The request body must be a JSON object.")
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise InvalidInput("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise InvalidInput("The request body must be a JSON object.")
    if root is None:
        return body
    value = body.get(root)
    if not isinstance(value, dict):
        raise InvalidInput(f"'{root}' is a required object in the request body.")
    return value


def _heat_error(status: int, message: str) -> HeatError:
    return MethodNotAllowed(message) if status == 405 else NotFound(message)


class Router:
    """Maps (method, path) to a handler; `{name}` path parts become keyword arguments.

    `error(status, message)` makes the exception for an unknown path (404) or method (405);
    by default Heat's own errors, while localcloud passes its services' error type.
    """

    def __init__(self, error: Callable[[int, str], Exception] = _heat_error):
        self._routes: list[tuple[str, re.Pattern, Handler]] = []
        self._error = error

    def add(self, method: str, template: str, handler: Handler) -> None:
        """Route `method template` (e.g. `GET /stacks/{stack_name}`) to `handler`."""
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template.rstrip("/") or "/")
        self._routes.append((method, re.compile(f"^{pattern}/?$"), handler))

    def match(self, method: str, path: str) -> tuple[Handler, dict]:
        """The handler and path parameters of a request; NotFound or MethodNotAllowed."""
        allowed = []
        for route_method, pattern, handler in self._routes:
            found = pattern.match(path or "/")
            if found is None:
                continue
            if route_method == method or (route_method == "GET" and method == "HEAD"):
                return handler, found.groupdict()
            allowed.append(route_method)
        if allowed:
            raise self._error(405, f"The method {method} is not allowed for this resource.")
        raise self._error(404, "The resource could not be found.")
