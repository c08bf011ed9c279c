"""The localcloud WSGI application: one root that dispatches to the services by path prefix.

    /identity  Keystone v3        /compute  Nova v2.1        /image  Glance v2
    /network   Neutron v2.0       /volume   Cinder v3

plus any application mounted by other parts of Heat. Compute and image requests must carry
a valid token (X-Auth-Token), except their version documents, as keystonemiddleware does it.
"""

from __future__ import annotations

import os

import webob

from heat.api.wsgi import json_response
from heat.identity.keystone import KeystoneApp
from heat.localcloud.catalog import Catalog
from heat.localcloud.cinder import Cinder
from heat.localcloud.faults import FaultInjector
from heat.localcloud.glance import Glance, Images
from heat.localcloud.identity import open_identity
from heat.localcloud.neutron import Neutron
from heat.localcloud.nova import Nova
from heat.localcloud.settings import Settings
from heat.localcloud.store import Store

# Paths below a service that answer without a token (version discovery).
_PUBLIC_PATHS = {
    "/compute": ("", "/", "/v2.1", "/v2.1/"),
    "/image": ("", "/", "/versions"),
    "/network": ("", "/"),
    "/volume": ("", "/", "/v3", "/v3/"),
}


class LocalCloudApp:
    """The root WSGI app; `faults` and `mount` are for tests and the all-in-one command.

    `identity` (a heat.identity.localcloud.LocalcloudIdentity) is whose tokens the services
    accept and whose store /identity serves: heat-all passes Heat's, so one login works for
    Heat and this cloud; alone, localcloud opens its own (heat.localcloud.identity).
    """

    def __init__(self, store: Store, settings: Settings, identity=None):
        self.store = store
        self.settings = settings
        self.catalog = Catalog(settings.region)
        if identity is None:
            identity = open_identity(os.path.dirname(store.path), settings)
            store.on_close(identity.store.engine.dispose)
        self.identity = identity
        self.images = Images(store, owner=self.identity.admin_project_id)
        self.images.seed(settings.images, settings.fail_image_marker)
        self.nova = Nova(store, settings, self.identity, self.images)
        self.catalog.register("network", "neutron", "{base}/network")
        self.catalog.register("volumev3", "cinderv3", "{base}/volume/v3/{project_id}")
        self.catalog.register("block-storage", "cinder", "{base}/volume/v3/{project_id}")
        self.faults = FaultInjector()
        self._mounts: dict[str, object] = {
            "/identity": KeystoneApp(identity.store, self.catalog),
            "/compute": self.nova,
            "/image": Glance(self.images),
            "/network": Neutron(self.nova.networking, self.identity),
            "/volume": Cinder(store, settings, self.identity, lambda: self.nova.clock()),
        }

    def mount(self, prefix: str, app) -> None:
        """Serve the WSGI `app` below `prefix` (e.g. "/orchestration"), without token checks."""
        self._mounts["/" + prefix.strip("/")] = app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "") or "/"
        fault = self.faults.take(environ["REQUEST_METHOD"], path)
        if fault is not None:
            return self.faults.respond(fault, start_response)
        for prefix, app in self._mounts.items():
            if path == prefix or path.startswith(prefix + "/"):
                rest = path[len(prefix) :]
                environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + prefix
                environ["PATH_INFO"] = rest
                if prefix in _PUBLIC_PATHS and rest not in _PUBLIC_PATHS[prefix]:
                    token = self.identity.validate(environ.get("HTTP_X_AUTH_TOKEN"))
                    if token is None:
                        return self._unauthorized(environ, start_response)
                    environ["localcloud.token"] = token
                return app(environ, start_response)
        return self._index(environ, start_response)

    def _unauthorized(self, environ, start_response):
        req = webob.Request(environ)
        body = {
            "error": {
                "code": 401,
                "title": "Unauthorized",
                "message": "The request you have made requires authentication.",
            }
        }
        auth_uri = f"{req.host_url}/identity"
        response = json_response(body, 401, {"WWW-Authenticate": f'Keystone uri="{auth_uri}"'})
        return response(environ, start_response)

    def _index(self, environ, start_response):
        req = webob.Request(environ)
        if req.path_info not in ("", "/"):
            return json_response({"error": "not found"}, 404)(environ, start_response)
        services = {prefix.strip("/"): f"{req.host_url}{prefix}" for prefix in self._mounts}
        return json_response({"localcloud": services})(environ, start_response)
