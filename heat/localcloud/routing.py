"""The HTTP plumbing every localcloud service shares: routes, JSON bodies and API errors.

A service is a `Service` with a table of routes; handlers take a WebOb request plus the
path's named parts and return a Response or raise `ApiError`. Each service renders errors
in its own upstream format (Nova's `{"itemNotFound": ...}`, Keystone's `{"error": ...}`).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import webob

from heat.api.wsgi import Router

Handler = Callable[..., webob.Response]


class ApiError(Exception):
    """An error answer: HTTP status, a message for the body, optional extra headers."""

    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def json_body(req: webob.Request, root: str | None = None) -> dict:
    """The request's JSON object (or its `root` member); a 400 ApiError if it is not one."""
    try:
        body = json.loads(req.body or b"null")
    except ValueError as exc:
        raise ApiError(400, f"Malformed request body: {exc}") from None
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    if root is None:
        return body
    value = body.get(root)
    if not isinstance(value, dict):
        raise ApiError(400, f"Invalid input: '{root}' is a required object in the request body.")
    return value


class Service:
    """A WSGI application for one service, mounted under a path prefix by the LocalCloud app.

    Subclasses fill `self.router` and override `error_response` to speak their dialect.
    """

    def __init__(self):
        self.router = Router(error=ApiError)

    def __call__(self, environ, start_response):
        req = webob.Request(environ)
        try:
            handler, params = self.router.match(req.method, req.path_info)
            response = self.handle(req, handler, params)
        except ApiError as exc:
            response = self.error_response(req, exc)
            for name, value in exc.headers.items():
                response.headers[name] = value
        return response(environ, start_response)

    def handle(self, req: webob.Request, handler: Handler, params: dict) -> webob.Response:
        """Run a matched handler; subclasses wrap this for authentication or versioning."""
        return handler(req, **params)

    def error_response(self, req: webob.Request, exc: ApiError) -> webob.Response:
        """Render an ApiError; the default is a plain-text body."""
        response = webob.Response(status=exc.status, content_type="text/plain", charset="utf-8")
        response.text = f"{exc.message}\n"
        return response
