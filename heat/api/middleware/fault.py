"""Errors as native-API responses, mapped by exception class, never by name or message.

    {"explanation": "...", "code": 404, "title": "Not Found",
     "error": {"message": "...", "type": "StackNotFound", "traceback": null}}

Anything that is not a HeatError is a bug: logged with its traceback, answered with a 500
that says nothing about it.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from heat.api.wsgi import json_response
from heat.common.exception import HeatError, NotFound

LOG = logging.getLogger(__name__)

EXPLANATIONS = {
    400: "The server could not comply with the request since it is either malformed or "
    "otherwise incorrect.",
    401: "This server could not verify that you are authorized to access the document you "
    "requested.",
    403: "Access was denied to this resource.",
    404: "The resource could not be found.",
    405: "The method specified is not allowed for this resource.",
    409: "There was a conflict when trying to complete your request.",
    413: "The request body is too large.",
    500: "The server has either erred or is incapable of performing the requested operation.",
    501: "The server does not support the requested operation.",
    502: "A cloud service the engine depends on failed.",
    503: "The service is unavailable.",
}


def native_status(exc: HeatError) -> int:
    """The HTTP status of `exc` in the native API.

    Every NotFound is a 404 here: StackNotFound's class-level 400 is what AWS answers,
    and belongs to the CFN API.
    """
    if isinstance(exc, NotFound):
        return 404
    return exc.status


def error_body(status: int, error_type: str, message: str) -> dict:
    return {
        "explanation": EXPLANATIONS.get(status, EXPLANATIONS[500]),
        "code": status,
        "error": {"message": message, "type": error_type, "traceback": None},
        "title": HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "",
    }


def fault_response(exc: BaseException, headers: dict | None = None):
    """The response for an exception raised while handling a request."""
    if isinstance(exc, HeatError):
        status = native_status(exc)
        return json_response(error_body(status, type(exc).__name__, exc.message), status, headers)
    LOG.error("unexpected error handling a request", exc_info=exc)
    body = error_body(500, "InternalError", "An internal error occurred.")
    return json_response(body, 500, headers)
