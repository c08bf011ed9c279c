"""The heat-api WSGI application.

    app = make_app(engine_client, identity_store, conf)

    /                     version document (no authentication)
    /v1/{project_id}/...  the native API (heat.api.openstack.v1.stacks), X-Auth-Token
    /identity/v3/...      Heat's identity as a Keystone v3 token API (auth_mode = local)

The project in the URL must be the token's project: 403 otherwise, whatever the path.
"""

from __future__ import annotations

import logging

import webob

from heat.api.middleware import auth as auth_mw
from heat.api.middleware.fault import fault_response
from heat.api.openstack.v1.stacks import StacksApi
from heat.api.wsgi import json_response
from heat.common.exception import AuthenticationFailed, Forbidden, HeatError, NotFound
from heat.identity.catalog import Catalog
from heat.identity.keystone import KeystoneApp

LOG = logging.getLogger(__name__)


class NativeApi:
    """Dispatches /v1/{project_id}/... after authentication and the project check."""

    def __init__(self, engine, authenticator, identity_app=None):
        self.stacks = StacksApi(engine)
        self.auth = authenticator
        self.identity_app = identity_app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "") or "/"
        if self.identity_app is not None and (path == "/identity" or path.startswith("/identity/")):
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + "/identity"
            environ["PATH_INFO"] = path[len("/identity") :]
            return self.identity_app(environ, start_response)
        req = webob.Request(environ)
        try:
            response = self._handle(req, path)
        except Exception as exc:  # every error, expected or not, answers in the API format
            response = fault_response(exc, _auth_headers(req, exc))
        return response(environ, start_response)

    def _handle(self, req, path):
        if path in ("/", ""):
            return self.versions(req)
        parts = path.split("/", 3)  # "", "v1", project, rest
        if len(parts) < 3 or parts[1] != "v1" or not parts[2]:
            raise NotFound("The resource could not be found.")
        project_id = parts[2]
        rest = "/" + parts[3] if len(parts) > 3 else "/"
        ctx = self.auth.context(req.environ)
        if project_id != ctx.project_id:
            raise Forbidden(
                f"The token's project {ctx.project_id} cannot access project {project_id[:64]}"
            )
        handler, params = self.stacks.router.match(req.method, rest)
        req.environ["heat.context"] = ctx
        req.environ["heat.api_base"] = f"{req.host_url}{req.script_name}/v1/{project_id}"
        response = handler(req, ctx, **params)
        if req.method == "HEAD":
            response.body = b""
        return response

    def versions(self, req):
        body = {
            "versions": [
                {
                    "status": "CURRENT",
                    "id": "v1.0",
                    "links": [{"href": f"{req.host_url}{req.script_name}/v1/", "rel": "self"}],
                }
            ]
        }
        return json_response(body, 300)


def _auth_headers(req, exc) -> dict | None:
    if isinstance(exc, AuthenticationFailed):
        return {"WWW-Authenticate": f'Keystone uri="{req.host_url}/identity"'}
    return None


def make_app(engine_client, identity_store, conf=None, *, catalog=None, keystone_conf=None):
    """The heat-api WSGI app.

    `conf` (an oslo.config ConfigOpts, optional) gives auth_mode and region_name; in local
    mode `identity_store` authenticates and is also served at /identity (with `catalog`,
    default: one listing the identity and orchestration services). In keystone mode the
    app is wrapped in keystonemiddleware's auth_token with `keystone_conf`.
    """
    mode = _opt(conf, "auth_mode", "local")
    region = _opt(conf, "region_name", "RegionOne")
    if mode == "keystone":
        authenticator = auth_mw.KeystoneAuth(keystone_conf, region)
        return authenticator.wrap(NativeApi(engine_client, authenticator))
    if identity_store is None:
        raise HeatError("auth_mode local needs an identity store")
    if catalog is None:
        catalog = Catalog(region)
        catalog.register("identity", "keystone", "{base}/identity")
        catalog.register("orchestration", "heat", "{base}/v1/{project_id}")
    authenticator = auth_mw.LocalAuth(identity_store, region)
    return NativeApi(engine_client, authenticator, KeystoneApp(identity_store, catalog))


def _opt(conf, name, default):
    if conf is None:
        return default
    try:
        return getattr(conf, name)
    except Exception:  # an option not registered on this ConfigOpts
        return default
