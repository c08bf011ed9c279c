"""The CloudFormation Query API (heat-api-cfn): Action=... requests in, AWS XML out.

    app = make_app(engine_client, identity_store, conf)   # a WSGI application

Every request is read whole (within a size limit), its signature verified (SigV4 or SigV2
against the identity store, or by Keystone in keystone mode), then routed by its Action to
a handler `(service, context, params) -> result dict`. Errors are AWS error documents: the
request's own faults are 4xx with AWS's codes, and anything unexpected is a 500
InternalFailure that tells the caller nothing but the request id (the log has the rest).
"""

from __future__ import annotations

from oslo_config import cfg

from heat.api.aws import errors, query, signature, xml
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
from heat.common.exception import HeatError
from heat.engine import template_format

NAMESPACE = "http://cloudformation.amazonaws.com/doc/2010-05-15/"
API_VERSION = "2010-05-15"
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


def make_app(engine_client, identity_store, conf=None, *, database=None, verifier=None):
    """The CFN API as a WSGI application.

    `engine_client` has EngineService's operations (heat.rpc's EngineClient, or an
    EngineService itself); `identity_store` answers ec2_credentials(access_key). Exports
    are read from `database` (default: the one `conf` configures).
    `verifier` replaces the signature check `auth_mode` picks (tests: a skewed clock).
    """
    if conf is not None:
        conf.register_opts(OPTS, group=GROUP)
    if database is None:
        from heat.db.api import Database

        database = Database.from_conf(conf)
    if verifier is None:
        verifier = query.make_verifier(conf, GROUP, identity_store)
    max_size = query.option(conf, "max_template_size", default=template_format.DEFAULT_MAX_SIZE)
    fetcher = TemplateFetcher(max_size, query.option(conf, "template_url_timeout", GROUP, 10.0))
    region = query.option(conf, "region_name", default="RegionOne")  # the engine's [DEFAULT] one
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
        request_id = query.new_request_id()
        body, error = query.run("CFN API request", request_id, self._handle, environ, request_id)
        if error is not None:
            return query.error_answer(start_response, request_id, error, NAMESPACE)
        return query.answer(start_response, request_id, 200, body, "text/xml")

    def _handle(self, environ, request_id):
        query.check_request_line(environ)
        body = query.read_body(environ, self.max_body)
        pairs, params = query.parameters(environ, body)
        credential = self.verifier.verify(
            signature.request_from_environ(environ, body, pairs, params)
        )
        ctx = query.request_context(credential, self.service.region)
        action = query.action_of(params)
        signal.check_action(ctx, action)
        handler = query.handler_of(action, params, ACTIONS, API_VERSION)
        try:
            result = handler(self.service, ctx, QueryParams(params))
        except HeatError as exc:
            raise errors.from_heat_error(exc) from None
        if params.get("ContentType") == "JSON":  # boto 2 (heat-cfntools) asks for JSON
            return signal.json_response(action, result, request_id)
        return xml.response(action, result, request_id, NAMESPACE)
