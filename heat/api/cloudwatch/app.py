"""The CloudWatch Query API (heat-api-cloudwatch): Action=... requests in, AWS XML out.

    app = make_app(engine_client, identity_store, conf)   # a WSGI application

Two wire protocols, as AWS serves CloudWatch: the Query protocol (form parameters in, XML
out; boto 2 and cfn-push-stats) and AWS JSON 1.0 (X-Amz-Target, JSON in and out; what
current botocore picks). A JSON request is flattened into Query parameters, so one set of
handlers (heat.api.cloudwatch.actions) serves both.

Requests are read, checked and answered as heat-api-cfn does (heat.api.cfn.app): the same
body limits and parameter decoding, the same signature verification (SigV4 or SigV2 against
the identity store, or Keystone's ec2tokens), AWS error documents. Signatures of any
service scope are accepted: boto 2 (cfn-push-stats in the servers) scopes its SigV4
signatures to the first label of the host name rather than to "monitoring".
"""

from __future__ import annotations

import logging
import uuid

from oslo_config import cfg

from heat.api.aws import errors, signature, xml
from heat.api.aws.ec2token import KeystoneEc2Verifier
from heat.api.cfn.app import _option, _parameters, _read_body, _status
from heat.api.cfn.params import QueryParams
from heat.api.cloudwatch import wire_json
from heat.api.cloudwatch.actions import ACTIONS
from heat.common.context import RequestContext
from heat.common.exception import HeatError, NotFound

LOG = logging.getLogger(__name__)

NAMESPACE = "http://monitoring.amazonaws.com/doc/2010-08-01/"
API_VERSION = "2010-08-01"
PATHS = ("/", "/v1", "/v1/")
MAX_BODY = 1024 * 1024

GROUP = "heat_api_cloudwatch"
OPTS = [
    cfg.HostAddressOpt(
        "bind_host", default="0.0.0.0", help="Address heat-api-cloudwatch listens on."
    ),
    cfg.PortOpt("bind_port", default=8003, help="Port heat-api-cloudwatch listens on."),
    cfg.URIOpt(
        "ec2_auth_url",
        schemes=["http", "https"],
        help="Keystone v3 URL whose /ec2tokens checks signatures when auth_mode = keystone.",
    ),
]


class ResourceNotFound(errors.AwsError):
    code = "ResourceNotFound"
    status = 404


def make_app(engine_client, identity_store, conf=None, *, verifier=None):
    """The CloudWatch API as a WSGI application over `engine_client` (heat.rpc's
    EngineClient, or an EngineService); `identity_store` answers ec2_credentials()."""
    if conf is not None:
        conf.register_opts(OPTS, group=GROUP)
    if verifier is None:
        if _option(conf, "auth_mode", default="local") == "keystone":
            url = _option(conf, "ec2_auth_url", GROUP)
            if not url:
                raise cfg.RequiredOptError("ec2_auth_url", cfg.OptGroup(GROUP))
            verifier = KeystoneEc2Verifier(url, service="monitoring")
        else:
            verifier = signature.Verifier(identity_store, service=None)
    region = _option(conf, "region_name", default="RegionOne")
    return CloudWatchApp(engine_client, verifier, region)


class CloudWatchApp:
    """The WSGI application: read, authenticate, dispatch, render."""

    def __init__(self, engine, verifier, region: str = "RegionOne"):
        self.engine = engine
        self.verifier = verifier
        self.region = region

    def __call__(self, environ, start_response):
        request_id = str(uuid.uuid4())
        json_protocol = "HTTP_X_AMZ_TARGET" in environ
        headers = [("x-amzn-RequestId", request_id)]
        try:
            body = self._handle(environ, request_id, json_protocol)
            status = "200 OK"
        except Exception as exc:
            if not isinstance(exc, errors.AwsError):
                LOG.exception("CloudWatch API request %s failed", request_id)
                exc = errors.InternalFailure()
            status = _status(exc.status)
            if json_protocol:
                body = wire_json.error_body(exc)
                headers.append(("x-amzn-query-error", f"{exc.code};{exc.type}"))
            else:
                body = exc.document(request_id, NAMESPACE)
        content_type = wire_json.CONTENT_TYPE if json_protocol else "text/xml"
        headers += [("Content-Type", content_type), ("Content-Length", str(len(body)))]
        start_response(status, headers)
        return [body]

    def _handle(self, environ, request_id, json_protocol: bool):
        path = environ.get("PATH_INFO", "") or "/"
        if path not in PATHS:
            raise errors.AwsError(f"No such path: {path[:200]}", code="NotFound", status=404)
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if method not in ("GET", "POST"):
            raise errors.MethodNotAllowed(f"Method {method[:20]} is not allowed; use GET or POST")
        body = _read_body(environ, MAX_BODY)
        if json_protocol:
            query = signature.unquote_pairs(environ.get("QUERY_STRING", ""))
            signed = signature.request_from_environ(environ, body, query, dict(query))
            credential = self.verifier.verify(signed)
            params = wire_json.query_params(environ, body)
        else:
            query, params = _parameters(environ, body)
            credential = self.verifier.verify(
                signature.request_from_environ(environ, body, query, params)
            )
        ctx = RequestContext(
            project_id=credential.project_id,
            user_id=credential.user_id or "",
            roles=tuple(credential.roles or ()),
            auth_token=getattr(credential, "token", None),
            region=self.region,
        )
        action = params.get("Action")
        if not action:
            raise errors.MissingAction("Missing Action")
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
            result = handler(self.engine, ctx, QueryParams(params))
        except NotFound as exc:
            raise ResourceNotFound(exc.message) from None
        except HeatError as exc:
            raise errors.from_heat_error(exc) from None
        if json_protocol:
            return wire_json.response_body(result)
        return xml.response(action, result, request_id, NAMESPACE)
