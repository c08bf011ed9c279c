"""LocalCloud: run the stand-in cloud over HTTP, in-process (tests, heat-all) or alone.

    cloud = LocalCloud(state_dir, port=0).start()
    session = keystoneauth1.session.Session(auth=v3.Password(**cloud.credentials()))
    ...
    cloud.stop()

On start it writes `<state_dir>/clouds.yaml` with the cloud `localcloud` (and
`localcloud-admin`), so `OS_CLIENT_CONFIG_FILE=<state_dir>/clouds.yaml openstack --os-cloud
localcloud server list` works.
"""

from __future__ import annotations

import os
import socketserver
import sys
import threading
from wsgiref import simple_server

import yaml

from heat.localcloud.app import LocalCloudApp
from heat.localcloud.faults import DropConnection, Fault
from heat.localcloud.settings import Settings
from heat.localcloud.store import Store

DB_FILE = "localcloud.sqlite"
CLOUDS_FILE = "clouds.yaml"


class _Handler(simple_server.ServerHandler):
    def handle_error(self):
        # An injected connection drop: answer nothing; the socket closes after the request.
        if isinstance(sys.exc_info()[1], DropConnection):
            self.headers_sent = True
            self.status = self.status or "000 Dropped"
            return
        super().handle_error()

    def log_exception(self, exc_info):
        if not isinstance(exc_info[1], DropConnection):
            super().log_exception(exc_info)


class _RequestHandler(simple_server.WSGIRequestHandler):
    def handle(self):
        # As WSGIRequestHandler.handle, with our ServerHandler and without access logging.
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.send_error(414)
            return
        if not self.parse_request():
            return
        handler = _Handler(
            self.rfile, self.wfile, self.get_stderr(), self.get_environ(), multithread=True
        )
        handler.request_handler = self
        handler.run(self.server.get_app())

    def log_message(self, format, *args):
        pass


class _Server(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class LocalCloud:
    """A localcloud served on `host:port` (port 0: an ephemeral port) from `state_dir`."""

    def __init__(
        self,
        state_dir: str,
        host: str = "127.0.0.1",
        port: int = 0,
        settings: Settings | None = None,
        boot_delay: float | None = None,
        delete_delay: float | None = None,
        identity=None,
    ):
        self.state_dir = state_dir
        self.identity = identity
        self.host = host
        self.settings = settings or Settings()
        if boot_delay is not None:
            self.settings.boot_delay = boot_delay
        if delete_delay is not None:
            self.settings.delete_delay = delete_delay
        self._requested_port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.store: Store | None = None
        self.app: LocalCloudApp | None = None

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> LocalCloud:
        """Open the state, bind, write clouds.yaml and serve in a background thread."""
        os.makedirs(self.state_dir, mode=0o700, exist_ok=True)
        self.store = Store(os.path.join(self.state_dir, DB_FILE))
        self.app = LocalCloudApp(self.store, self.settings, self.identity)
        if self.settings.boot_mode == "container":
            from heat.localcloud.container.machines import container_machines

            nova = self.app.nova
            nova.machines = container_machines(self.settings, self.state_dir, nova)
        self._server = _Server((self.host, self._requested_port), _RequestHandler)
        self._server.set_app(self.app)
        self.write_clouds_yaml()
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"localcloud:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the state; idempotent."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._server = None
        if self.app is not None:
            # Container servers' processes end with localcloud (see container/machines.py).
            self.app.nova.machines.shutdown()
        if self.store is not None:
            self.store.close()
            self.store = None

    def serve_forever(self) -> None:
        """Block until stop() is called from another thread (or KeyboardInterrupt)."""
        self._thread.join()

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- addresses and credentials ----------------------------------------------------------

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """The root URL, e.g. http://127.0.0.1:41234."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def auth_url(self) -> str:
        """The Keystone v3 URL clients authenticate against."""
        return f"{self.url}/identity/v3"

    def credentials(self, admin: bool = False) -> dict:
        """Password credentials as keystoneauth1's v3.Password takes them."""
        user = "admin" if admin else "demo"
        return {
            "auth_url": self.auth_url,
            "username": user,
            "password": self.settings.admin_password if admin else self.settings.password,
            "project_name": user,
            "user_domain_name": "Default",
            "project_domain_name": "Default",
        }

    @property
    def clouds_yaml(self) -> str:
        """Path of the clouds.yaml written on start."""
        return os.path.join(self.state_dir, CLOUDS_FILE)

    def write_clouds_yaml(self) -> None:
        clouds = {}
        for name, admin in (("localcloud", False), ("localcloud-admin", True)):
            clouds[name] = {
                "auth": self.credentials(admin),
                "region_name": self.settings.region,
                "identity_api_version": 3,
                "interface": "public",
            }
        path = self.clouds_yaml
        # The file holds passwords: owner-only, written atomically.
        tmp = f"{path}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as stream:
            yaml.safe_dump({"clouds": clouds}, stream, default_flow_style=False)
        os.replace(tmp, path)

    # -- extension and test hooks -----------------------------------------------------------

    def register_endpoint(self, service_type: str, name: str, url: str) -> None:
        """Add a service to the catalog; `url` may use {base} and {project_id}."""
        self.app.catalog.register(service_type, name, url)

    def mount(self, prefix: str, app) -> None:
        """Serve another WSGI app below `prefix` on localcloud's port."""
        self.app.mount(prefix, app)

    def add_image(self, name: str, properties: dict | None = None) -> dict:
        """Add a Glance image (a new id each time, so names may repeat); returns its doc."""
        return self.app.images.add(name, properties)

    def inject_fault(self, path: str = "", **kwargs) -> Fault:
        """Fail the next matching request(s); see FaultInjector.add. Test use only."""
        return self.app.faults.add(path, **kwargs)
