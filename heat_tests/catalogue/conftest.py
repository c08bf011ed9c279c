"""One heat-all subprocess for the whole catalogue, and what the tests look at it with.

heat-all listens on a random loopback address (127.x.y.z) with its CloudWatch API on port
8003, the port cfn-push-stats always uses, so the real tool reaches it; heat_api_host is
that address, so the URLs servers are given (wait condition handles, the CloudWatch
endpoint) are the ones heat-all serves. Servers boot in 0.05 s and alarms are evaluated
every 0.2 s, so the catalogue runs in a few minutes.
"""

from __future__ import annotations

import dataclasses
import functools
import http.server
import os
import random
import sqlite3
import threading

import openstack
import pytest
from novaclient import client as nova_client

from heat.cmd.all import read_rc
from heat_tests.catalogue import server_side
from heat_tests.cmd.processes import BIN, Heat, clean_env, start, stop

CONFIG = """\
[DEFAULT]
heat_api_host = {host}
localcloud_boot_delay = 0.05
localcloud_volume_delay = 0.05
alarm_evaluation_interval = 0.2
"""
CLOUDWATCH_PORT = 8003  # fixed in cfn-push-stats
KEY_NAME = "catalogue_key"
OTHER_KEY_NAME = "catalogue_key2"


@dataclasses.dataclass
class Deployment:
    heat: Heat  # the `heat` CLI
    rc: dict  # heatrc
    host: str  # the loopback address heat-all listens on
    state_dir: str
    session: object  # keystoneauth1 session of the admin

    @property
    def cfn_url(self) -> str:
        return self.rc["AWS_ENDPOINT_URL_CLOUDFORMATION"]

    @functools.cached_property
    def api(self):
        return server_side.heat_api(self.session)

    @functools.cached_property
    def conn(self):
        return openstack.connection.Connection(session=self.session)

    @functools.cached_property
    def nova(self):
        return nova_client.Client("2.79", session=self.session)

    def identity(self) -> dict:
        """The users, EC2 access keys and stack users heat-all's identity store holds."""
        path = os.path.join(self.state_dir, "heat.sqlite")
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        try:
            return {
                "users": sorted(r[0] for r in db.execute("SELECT name FROM identity_user")),
                "ec2 credentials": sorted(
                    r[0] for r in db.execute("SELECT access FROM identity_ec2_credential")
                ),
                "stack users": sorted(r[0] for r in db.execute("SELECT * FROM stack_user")),
            }
        finally:
            db.close()


def _start(state_dir):
    """heat-all on a random loopback address (another one if 8003 is taken there)."""
    last = None
    for _ in range(10):
        host = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"
        config = os.path.join(state_dir, "heat.conf")
        os.makedirs(state_dir, exist_ok=True)
        with open(config, "w") as handle:
            handle.write(CONFIG.format(host=host))
        argv = [
            os.path.join(BIN, "heat-all"), "--config-file", config, "--state-dir", state_dir,
            "--host", host, "--api-port", "0", "--cfn-port", "0",
            "--cloudwatch-port", str(CLOUDWATCH_PORT), "--localcloud-port", "0",
        ]  # fmt: skip
        try:
            proc = start(argv, "credentials: source")
        except pytest.fail.Exception as exc:
            last = exc
            continue
        return proc, host
    raise last


@pytest.fixture(scope="package")
def deployment(tmp_path_factory):
    state = str(tmp_path_factory.mktemp("catalogue") / "state")
    proc, host = _start(state)
    try:
        rc = read_rc(os.path.join(state, "heatrc"))
        session = server_side.session_for(rc)
        deployment = Deployment(Heat(clean_env(**rc)), rc, host, state, session)
        deployment.nova.keypairs.create(KEY_NAME)
        deployment.nova.keypairs.create(OTHER_KEY_NAME)
        yield deployment
    finally:
        stop(proc, "heat-all stopped")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="package")
def template_server(tmp_path_factory):
    """A local HTTP server for the nested templates the demo templates name by URL;
    yields (directory served, base URL)."""
    root = tmp_path_factory.mktemp("served")
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
