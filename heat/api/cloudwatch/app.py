"""The CloudWatch Query API (heat-api-cloudwatch): Action=... requests in, AWS XML out.

    app = make_app(engine_client, identity_store, conf)   # a WSGI application

Two wire protocols, as AWS serves CloudWatch: the Query protocol (form parameters in, XML
out; boto 2 and cfn-push-stats) and AWS JSON 1.0 (X-Amz-Target, JSON in and out; what
current botocore picks). A JSON request is flattened into Query parameters, so one set of
handlers (heat.api.cloudwatch.actions) serves both.

Requests are read, checked and answered as heat-api-cfn's are (heat.api.aws.query): the same
parameter decoding, the same signature verification (SigV4 or SigV2 against the identity
store, or Keystone's ec2tokens), AWS error documents. Signatures of any service scope are
accepted, in either auth mode: boto 2 (cfn-push-stats in the servers) scopes its SigV4
signatures to the first label of the host name rather than to "monitoring".
"""

from __future__ import annotations

from oslo_config import cfg

from heat.api.aws import errors, query, signature, xml
from heat.api.cfn.params import QueryParams
from heat.api.cloudwatch import wire_json
from heat.api.cloudwatch.actions import ACTIONS
from heat.common.exception import HeatError, NotFound

NAMESPACE = "http://monitoring.amazonaws.com/doc/2010-08-01/"
API_VERSION = "2010-08-01"
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
        verifier = query.make_verifier(conf, GROUP, identity_store)
    region = query.option(conf, "region_name", default="RegionOne")
    return CloudWatchApp(engine_client, verifier, region)


class CloudWatchApp:
    """The WSGI application: read, authenticate, dispatch, render."""

    def __init__(self, engine, verifier, region: str = "RegionOne"):
        self.engine = engine
        self.verifier = verifier
        self.region = region

    def __call__(self, environ, start_response):
        request_id = query.new_request_id()
        json_protocol = "HTTP_X_AMZ_TARGET" in environ
        body, error = query.run(
            "CloudWatch API request", request_id, self._handle, environ, request_id, json_protocol
        )
        if not json_protocol:
            if error is not None:
                return query.error_answer(start_response, request_id, error, NAMESPACE)
            return query.answer(start_response, request_id, 200, body, "text/xml")
        if error is None:
            return query.answer(start_response, request_id, 200, body, wire_json.CONTENT_TYPE)
        return query.answer(
            start_response,
            request_id,
            error.status,
            wire_json.error_body(error),
            wire_json.CONTENT_TYPE,
            ("x-amzn-query-error", f"{error.code};{error.type}"),
        )

    def _handle(self, environ, request_id, json_protocol: bool):
        query.check_request_line(environ)
        body = query.read_body(environ, MAX_BODY)
        if json_protocol:
            # Only the URL's query is signed as parameters; the JSON body is covered by its hash.
            pairs = signature.unquote_pairs(environ.get("QUERY_STRING", ""))
            signed = signature.request_from_environ(environ, body, pairs, dict(pairs))
            credential = self.verifier.verify(signed)
            params = wire_json.query_params(environ, body)
        else:
            pairs, params = query.parameters(environ, body)
            credential = self.verifier.verify(
                signature.request_from_environ(environ, body, pairs, params)
            )
        ctx = query.request_context(credential, self.region)
        action = query.action_of(params)
        handler = query.handler_of(action, params, ACTIONS, API_VERSION)
        try:
            result = handler(self.engine, ctx, QueryParams(params))
        except NotFound as exc:
            raise ResourceNotFound(exc.message) from None
        except HeatError as exc:
            raise errors.from_heat_error(exc) from None
        if json_protocol:
            return wire_json.response_body(result)
        return xml.response(action, result, request_id, NAMESPACE)
