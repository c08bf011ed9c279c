"""LocalCloud: run the stand-in cloud over HTTP, in-process (tests, heat-all) or alone.

    cloud = LocalCloud(state_dir, port=0).start()
    session = keystoneauth1.session.Session(auth=v3.Password(**cloud.credentials()))
    ...
    cloud.stop()

It is served by the APIs' own HTTP server (heat.api.server: HTTP/1.1 keep-alive on a
bounded pool of workers). On start it writes `<state_dir>/clouds.yaml` with the cloud
`localcloud` (and `localcloud-admin`), so `OS_CLIENT_CONFIG_FILE=<state_dir>/clouds.yaml
openstack --os-cloud localcloud server list` works.
"""

from __future__ import annotations

import os

import yaml

from heat.api.server import HttpServer
from heat.localcloud.app import LocalCloudApp
from heat.localcloud.faults import Fault
from heat.localcloud.settings import Settings
from heat.localcloud.store import Store

DB_FILE = "localcloud.sqlite"
CLOUDS_FILE = "clouds.yaml"


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
        self._server: HttpServer | None = None
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
        self._server = HttpServer(self.app, self.host, self._requested_port, "localcloud").start()
        self.write_clouds_yaml()
        return self

    def stop(self) -> None:
        """Stop serving and close the state; idempotent."""
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self.app is not None:
            # Container servers' processes end with localcloud (see container/machines.py).
            self.app.nova.machines.shutdown()
        if self.store is not None:
            self.store.close()
            self.store = None

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- addresses and credentials ----------------------------------------------------------

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def url(self) -> str:
        """The root URL, e.g. http://127.0.0.1:41234."""
        return self._server.url

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
