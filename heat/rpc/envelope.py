"""What crosses the wire: JSON-safe results, contexts as dicts, and HeatErrors by class.

oslo.messaging can re-raise remote exceptions itself, but it rebuilds them from their
constructor arguments, which breaks classes whose __init__ takes something other than the
message (StackNotFound(name_or_id) would say "Stack with id Stack with id x ..."). So the
server returns an envelope, {"result": ...} or {"error": {...}}, and the client raises the
same HeatError class with the same message. Only HeatError subclasses defined in heat.*
modules are ever instantiated from a message; anything else becomes RemoteInternalError,
with no detail from the server (a bug there must not leak internals to API users).
"""

from __future__ import annotations

import dataclasses
import datetime
import importlib
import json

from heat.common.context import RequestContext
from heat.common.exception import HeatError

CONTEXT_FIELDS = ("project_id", "user_id", "roles", "auth_token", "region")


class RemoteInternalError(HeatError):
    """The engine failed in an unexpected way; details are in the engine's log only."""

    status = 500
    code = "InternalFailure"


class EngineUnavailable(HeatError):
    """No engine answered in time."""

    status = 503
    code = "ServiceUnavailable"


def context_to_dict(ctx) -> dict:
    if isinstance(ctx, dict):
        ctx = context_from_dict(ctx)
    values = dataclasses.asdict(ctx)
    values["roles"] = list(values["roles"])
    return values


def context_from_dict(values: dict) -> RequestContext:
    known = {k: values[k] for k in CONTEXT_FIELDS if k in values}
    known["roles"] = tuple(known.get("roles") or ())
    return RequestContext(**known)


def _default(value):
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_primitive(value):
    """`value` as plain JSON data: datetimes become ISO 8601 strings (UTC, no zone),
    dataclasses (e.g. a ParameterSchema) dicts of their fields."""
    return json.loads(json.dumps(value, default=_default))


def result(value) -> dict:
    return {"result": to_primitive(value)}


def error(exc: BaseException) -> dict:
    if isinstance(exc, HeatError) and type(exc).__module__.startswith("heat."):
        attrs = {}
        findings = getattr(exc, "findings", None)
        if findings is not None:
            attrs["findings"] = [str(f) for f in findings]
        return {
            "error": {
                "module": type(exc).__module__,
                "class": type(exc).__name__,
                "message": exc.message,
                "attrs": attrs,
            }
        }
    return {"error": {"module": None, "class": None, "message": "Internal error", "attrs": {}}}


def unwrap(envelope: dict):
    """The result of an envelope, or raise its error."""
    if "result" in envelope:
        return envelope["result"]
    raise rebuild(envelope.get("error") or {})


def rebuild(data: dict) -> HeatError:
    module_name, class_name = data.get("module"), data.get("class")
    cls = None
    if isinstance(module_name, str) and module_name.startswith("heat."):
        try:
            cls = getattr(importlib.import_module(module_name), class_name, None)
        except ImportError:
            cls = None
    if not (isinstance(cls, type) and issubclass(cls, HeatError)):
        return RemoteInternalError("Internal error")
    message = str(data.get("message", ""))
    exc = cls.__new__(cls)
    Exception.__init__(exc, message)
    exc.message = message
    for name, value in (data.get("attrs") or {}).items():
        setattr(exc, name, value)
    return exc
