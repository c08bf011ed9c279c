"""The CloudFormation Query API (heat-api-cfn): Action=... requests in, AWS XML out.

    app = make_app(engine_client, identity_store, conf)   # a WSGI application

Every request is read whole (within a size limit), its signature verified (SigV4 or SigV2
against the identity store, or by Keystone in keystone mode), then routed by its Action to
a handler `(service, context, params) -> result dict`. Errors are AWS error documents: the
request's own faults are 4xx with AWS's codes, and anything unexpected is a 500
InternalFailure that tells the caller nothing but the request id (the log has the rest).
"""

from __future__ import annotations

import logging
import uuid

from oslo_config import cfg

from heat.api.aws import errors, signature, xml
from heat.api.aws.ec2token import KeystoneEc2Verifier
from heat.api.cfn import (
    change_sets,
    events,
    exports,
    policy_signal,
    resources,
    signal,
    stacks,
    templates,
    waitcondition,
)
from heat.api.cfn.params import QueryParams
from heat.api.cfn.service import CfnService
from heat.api.cfn.template_source import TemplateFetcher
from heat.common.context import RequestContext
from heat.common.exception import HeatError
from heat.engine import template_format

LOG = logging.getLogger(__name__)

NAMESPACE = "http://cloudformation.amazonaws.com/doc/2010-05-15/"
API_VERSION = "2010-05-15"
# SigV4 credential scopes name a service; the CFN API accepts any, as Keystone's ec2tokens
# check (upstream heat-api-cfn's) does: boto 2, inside heat-cfntools, takes the service name
# from the endpoint's first host label, so a server given http://10.0.0.5:8000 signs for
# service "10". The scope is part of the string to sign, so it cannot be changed without the
# secret key: accepting any name does not weaken the signature check.
SERVICE = None
PATHS = ("/", "/v1", "/v1/")
# Form encoding can triple a template's size; the rest of a request is small.
BODY_OVERHEAD = 64 * 1024

GROUP = "heat_api_cfn"
OPTS = [
    cfg.HostAddressOpt("bind_host", default="0.0.0.0", help="Address heat-api-cfn listens on."),
    cfg.PortOpt("bind_port", default=8000, help="Port heat-api-cfn listens on."),
    cfg.URIOpt(
        "ec2_auth_url",
        schemes=["http", "https"],
        help="Keystone v3 URL whose /ec2tokens checks signatures when auth_mode = keystone.",
    ),
    cfg.FloatOpt(
        "template_url_timeout",
        default=10.0,
        min=0.1,
        help="Seconds allowed for fetching a TemplateURL.",
    ),
]

ACTIONS = {
    **stacks.ACTIONS,
    **resources.ACTIONS,
    **events.ACTIONS,
    **templates.ACTIONS,
    **change_sets.ACTIONS,
    **exports.ACTIONS,
    **signal.ACTIONS,
}


def _option(conf, name, group=None, default=None):
    if conf is None:
        return default
    try:
        return getattr(conf[group], name) if group else getattr(conf, name)
    except (cfg.NoSuchOptError, cfg.NoSuchGroupError, KeyError, AttributeError):
        return default


def make_app(engine_client, identity_store, conf=None, *, database=None, verifier=None):
    """The CFN API as a WSGI application.

    `engine_client` has EngineService's operations (heat.rpc's EngineClient, or an
    EngineService itself); `identity_store` answers ec2_credentials(access_key). The API's
    own state (change sets) lives in `database` (default: the one `conf` configures).
    `verifier` replaces signature checking altogether (tests of keystone mode).
    """
    if conf is not None:
        conf.register_opts(OPTS, group=GROUP)
    if database is None:
        from heat.db.api import Database

        database = Database.from_conf(conf)
    if verifier is None:
        if _option(conf, "auth_mode", default="local") == "keystone":
            url = _option(conf, "ec2_auth_url", GROUP)
            if not url:
                raise cfg.RequiredOptError("ec2_auth_url", cfg.OptGroup(GROUP))
            verifier = KeystoneEc2Verifier(url, service=SERVICE)
        else:
            verifier = signature.Verifier(identity_store, service=SERVICE)
    max_size = _option(conf, "max_template_size", default=template_format.DEFAULT_MAX_SIZE)
    fetcher = TemplateFetcher(max_size, _option(conf, "template_url_timeout", GROUP, 10.0))
    region = _option(conf, "region_name", default="RegionOne")  # the engine's [DEFAULT] one
    service = CfnService(engine_client, database, fetcher, region=region)
    app = CfnApp(service, verifier, max_body=3 * max_size + BODY_OVERHEAD)
    app = waitcondition.WaitConditionRouter(app, engine_client)  # handle URLs (cfn-signal)
    return policy_signal.ScalingPolicyRouter(app, engine_client)  # policy URLs


class CfnApp:
    """The WSGI application: read, authenticate, dispatch, render."""

    def __init__(self, service: CfnService, verifier, max_body: int):
        self.service = service
        self.verifier = verifier
        self.max_body = max_body

    def __call__(self, environ, start_response):
        request_id = str(uuid.uuid4())
        try:
            body = self._handle(environ, request_id)
            status = "200 OK"
        except errors.AwsError as exc:
            status, body = _status(exc.status), exc.document(request_id, NAMESPACE)
        except Exception:
            LOG.exception("CFN API request %s failed", request_id)
            exc = errors.InternalFailure()
            status, body = _status(500), exc.document(request_id, NAMESPACE)
        headers = [
            ("Content-Type", "text/xml"),
            ("Content-Length", str(len(body))),
            ("x-amzn-RequestId", request_id),
        ]
        start_response(status, headers)
        return [body]

    def _handle(self, environ, request_id):
        path = environ.get("PATH_INFO", "") or "/"
        if path not in PATHS:
            raise errors.AwsError(f"No such path: {path[:200]}", code="NotFound", status=404)
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if method not in ("GET", "POST"):
            raise errors.MethodNotAllowed(f"Method {method[:20]} is not allowed; use GET or POST")
        body = _read_body(environ, self.max_body)
        query, params = _parameters(environ, body)
        signed = signature.request_from_environ(environ, body, query, params)
        credential = self.verifier.verify(signed)
        ctx = RequestContext(
            project_id=credential.project_id,
            user_id=credential.user_id or "",
            roles=tuple(credential.roles or ()),
            auth_token=getattr(credential, "token", None),
            region=self.service.region,
        )
        action = params.get("Action")
        if not action:
            raise errors.MissingAction("Missing Action")
        signal.check_action(ctx, action)
        version = params.get("Version")
        if version is not None and version != API_VERSION:
            raise errors.AwsError(
                f"Version {version[:40]} is not supported; use {API_VERSION}",
                code="InvalidParameterValue",
                status=400,
            )
        handler = ACTIONS.get(action)
        if handler is None:
            raise errors.InvalidAction(
                f"Could not find operation {action[:100]} for version {API_VERSION}"
            )
        try:
            result = handler(self.service, ctx, QueryParams(params))
        except HeatError as exc:
            raise errors.from_heat_error(exc) from None
        if params.get("ContentType") == "JSON":  # boto 2 (heat-cfntools) asks for JSON
            return signal.json_response(action, result, request_id)
        return xml.response(action, result, request_id, NAMESPACE)


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


def _status(code: int) -> str:
    return f"{code} {_REASONS.get(code, 'Error')}"


def _read_body(environ, limit: int) -> bytes:
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


def _parameters(environ, body: bytes):
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
