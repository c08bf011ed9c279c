"""What every AWS Query API application shares (heat-api-cfn, heat-api-cloudwatch).

    request_id = new_request_id()
    body, error = run("CFN API request", request_id, handle, environ, request_id)
    if error is not None:
        return error_answer(start_response, request_id, error, NAMESPACE)
    return answer(start_response, request_id, 200, body, "text/xml")

Reading a request (its line, body and parameters), finding the handler of its Action, and
answering: a body, or an AWS error document. An exception that is not an AwsError is a bug:
`run` logs it with its traceback and the caller learns nothing but the request id.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping

from oslo_config import cfg

from heat.api.aws import errors, signature
from heat.api.aws.ec2token import KeystoneEc2Verifier
from heat.common.context import RequestContext

LOG = logging.getLogger(__name__)

PATHS = ("/", "/v1", "/v1/")
# SigV4 credential scopes name a service; these APIs accept any, as Keystone's ec2tokens check
# (upstream heat-api-cfn's) does: boto 2, inside heat-cfntools (cfn-signal, cfn-push-stats),
# takes the service name from the endpoint's first host label, so a server given
# http://10.0.0.5:8000 signs for service "10". The scope is part of the string to sign, so it
# cannot be changed without the secret key: accepting any name does not weaken the check.
ANY_SERVICE = None

_REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    411: "Length Required",
    413: "Request Entity Too Large",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
}


def new_request_id() -> str:
    return str(uuid.uuid4())


def status_line(code: int) -> str:
    return f"{code} {_REASONS.get(code, 'Error')}"


def option(conf, name: str, group: str | None = None, default=None):
    """The option's value, or `default` when there is no `conf` or it lacks the option."""
    if conf is None:
        return default
    try:
        return getattr(conf[group], name) if group else getattr(conf, name)
    except (cfg.NoSuchOptError, cfg.NoSuchGroupError, KeyError, AttributeError):
        return default


def make_verifier(conf, group: str, identity_store):
    """The signature check `auth_mode` asks for: Keystone's ec2tokens at [group]
    ec2_auth_url (keystone), else the EC2 keys of the local identity store."""
    if option(conf, "auth_mode", default="local") == "keystone":
        url = option(conf, "ec2_auth_url", group)
        if not url:
            raise cfg.RequiredOptError("ec2_auth_url", cfg.OptGroup(group))
        return KeystoneEc2Verifier(url, service=ANY_SERVICE)
    return signature.Verifier(identity_store, service=ANY_SERVICE)


# -- answering ----------------------------------------------------------------------------


def run(label: str, request_id: str, handle: Callable, *args):
    """(handle(*args), None), or (None, the AwsError to answer with) if it raised.

    Any other exception is logged as "<label> <request id> failed" with its traceback and
    becomes InternalFailure, which tells the caller nothing about it.
    """
    try:
        return handle(*args), None
    except errors.AwsError as exc:
        return None, exc
    except Exception:
        LOG.exception("%s %s failed", label, request_id)
        return None, errors.InternalFailure()


def answer(start_response, request_id: str, status: int, body: bytes, content_type: str, *extra):
    """Start the WSGI response (`extra`: more header pairs) and return its body iterable."""
    headers = [
        ("Content-Type", content_type),
        ("Content-Length", str(len(body))),
        ("x-amzn-RequestId", request_id),
        *extra,
    ]
    start_response(status_line(status), headers)
    return [body]


def error_answer(start_response, request_id: str, error: errors.AwsError, namespace: str):
    """The AWS error document of `error` as the WSGI response."""
    body = error.document(request_id, namespace)
    return answer(start_response, request_id, error.status, body, "text/xml")


# -- reading ------------------------------------------------------------------------------


def check_request_line(environ, paths=PATHS) -> None:
    """NotFound for a path the API does not serve, MethodNotAllowed unless GET or POST."""
    path = environ.get("PATH_INFO", "") or "/"
    if path not in paths:
        raise errors.AwsError(f"No such path: {path[:200]}", code="NotFound", status=404)
    method = environ.get("REQUEST_METHOD", "GET").upper()
    if method not in ("GET", "POST"):
        raise errors.MethodNotAllowed(f"Method {method[:20]} is not allowed; use GET or POST")


def read_body(environ, limit: int) -> bytes:
    """The whole request body, which must declare its length and be at most `limit` bytes."""
    length = environ.get("CONTENT_LENGTH") or "0"
    try:
        size = int(length)
    except ValueError:
        raise errors.AwsError("Invalid Content-Length", code="BadRequest", status=400) from None
    if size < 0:
        raise errors.AwsError("Invalid Content-Length", code="BadRequest", status=400)
    if size > limit:
        raise errors.RequestTooLarge(f"Request body is larger than {limit} bytes")
    if size == 0:
        return b""
    body = environ["wsgi.input"].read(size)
    if len(body) != size:
        raise errors.AwsError("Request body ended early", code="BadRequest", status=400)
    return body


def parameters(environ, body: bytes):
    """(decoded pairs of the URL query, every parameter by name: query then form body)."""
    try:
        query = signature.unquote_pairs(environ.get("QUERY_STRING", ""))
        params = dict(query)
        if body:
            content_type = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
            # wsgiref reports a missing Content-Type as text/plain.
            if content_type not in ("", "text/plain", "application/x-www-form-urlencoded"):
                raise errors.AwsError(
                    "Request body must be application/x-www-form-urlencoded",
                    code="UnsupportedMediaType",
                    status=400,
                )
            params.update(signature.unquote_pairs(body.decode("utf-8")))
    except UnicodeError:
        raise errors.MalformedQueryString("Parameters must be UTF-8 text") from None
    if any("\x00" in k or len(k) > 512 for k in params):
        raise errors.MalformedQueryString("Malformed parameter name")
    # No database takes NUL in text, and no AWS parameter has a use for it.
    if any("\x00" in v for v in params.values()):
        raise errors.MalformedQueryString("Parameter values may not contain NUL characters")
    return query, params


def request_context(credential, region: str) -> RequestContext:
    """The context of a request signed with `credential` (as a Verifier returns it)."""
    return RequestContext(
        project_id=credential.project_id,
        user_id=credential.user_id or "",
        roles=tuple(credential.roles or ()),
        auth_token=getattr(credential, "token", None),
        region=region,
    )


def action_of(params: Mapping[str, str]) -> str:
    action = params.get("Action")
    if not action:
        raise errors.MissingAction("Missing Action")
    return action


def handler_of(action: str, params: Mapping[str, str], actions: Mapping, api_version: str):
    """The handler of `action`, for a request whose Version (if any) is `api_version`."""
    version = params.get("Version")
    if version is not None and version != api_version:
        raise errors.AwsError(
            f"Version {version[:40]} is not supported; use {api_version}",
            code="InvalidParameterValue",
            status=400,
        )
    handler = actions.get(action)
    if handler is None:
        raise errors.InvalidAction(
            f"Could not find operation {action[:100]} for version {api_version}"
        )
    return handler
