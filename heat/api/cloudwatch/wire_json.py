"""AWS JSON 1.0, the protocol current botocore speaks to CloudWatch.

    POST /   X-Amz-Target: GraniteServiceVersion20100801.PutMetricData
             Content-Type: application/x-amz-json-1.0   {"Namespace": ..., "MetricData": [...]}

A request becomes the Query parameters the same action would have had (Action=..., lists as
Name.member.N, timestamps as ISO 8601); a result becomes JSON with timestamps as epoch
seconds; an error is {"__type", "message"} plus the x-amzn-query-error header that
botocore reads for CloudWatch's Query-compatible error codes.
"""

from __future__ import annotations

import datetime
import gzip
import json
import zlib

from heat.api.aws import errors

CONTENT_TYPE = "application/x-amz-json-1.0"
TARGET_PREFIX = "GraniteServiceVersion20100801."
TIMESTAMP_KEYS = ("Timestamp", "StartTime", "EndTime")
MAX_DECOMPRESSED = 4 * 1024 * 1024


def _decode(environ, body: bytes):
    if environ.get("HTTP_CONTENT_ENCODING", "").lower() == "gzip":
        try:
            body = gzip.decompress(body)
        except (OSError, EOFError, zlib.error):
            raise errors.AwsError("Invalid gzip body", code="BadRequest", status=400) from None
        if len(body) > MAX_DECOMPRESSED:
            raise errors.RequestTooLarge("Request body is too large once decompressed")
    if not body:
        return {}
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise errors.AwsError(
            "Request body is not JSON", code="SerializationException", status=400
        ) from None
    if not isinstance(data, dict):
        raise errors.AwsError(
            "Request body must be a JSON object", code="SerializationException", status=400
        )
    return data


def _iso(value, key: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    try:
        when = datetime.datetime.fromtimestamp(value, datetime.timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise errors.ValidationError(f"{key} is out of range") from None
    return when.isoformat()


def _flatten(value, prefix: str, out: dict) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key in TIMESTAMP_KEYS:
                out[name] = _iso(item, key)
            else:
                _flatten(item, name, out)
    elif isinstance(value, list):
        for index, item in enumerate(value, 1):
            _flatten(item, f"{prefix}.member.{index}", out)
    elif isinstance(value, bool):
        out[prefix] = "true" if value else "false"
    elif value is not None:
        out[prefix] = str(value)


def query_params(environ, body: bytes) -> dict[str, str]:
    """The Query parameters equivalent to a JSON request (Action from X-Amz-Target)."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if not target.startswith(TARGET_PREFIX):
        raise errors.InvalidAction(f"Unknown X-Amz-Target {target[:100]}")
    params: dict[str, str] = {}
    _flatten(_decode(environ, body), "", params)
    if any("\x00" in k or "\x00" in v for k, v in params.items()):
        raise errors.MalformedQueryString("Parameters may not contain NUL characters")
    params["Action"] = target[len(TARGET_PREFIX) :]
    params.pop("Version", None)
    return params


def _default(value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return value.timestamp()
    raise TypeError(f"cannot encode {type(value).__name__}")


def response_body(result: dict | None) -> bytes:
    return json.dumps(result or {}, default=_default).encode()


def error_body(error: errors.AwsError) -> bytes:
    return json.dumps({"__type": error.code, "message": error.message}).encode()
