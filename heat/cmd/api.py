"""`heat-api`: serve the native REST API (/v1/{project_id}/...) until Ctrl-C or SIGTERM.

The engine is reached over RPC (`transport_url`, e.g. rabbit://guest:guest@127.0.0.1:5672/);
heat-api holds no stack logic. Tokens are checked against the identity store in the
database, which heat-api also serves as a Keystone v3 token API at /identity/v3
(`auth_mode = local`), or by keystonemiddleware's auth_token against a real Keystone
configured in [keystone_authtoken] (`auth_mode = keystone`).
"""

from __future__ import annotations

import argparse
import sys

from oslo_config import cfg

from heat.cmd import service_main

GROUP = "heat_api"
OPTS = [
    cfg.HostAddressOpt("bind_host", default="0.0.0.0", help="Address heat-api listens on."),
    cfg.PortOpt("bind_port", default=8004, help="Port heat-api listens on."),
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="heat-api", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--config-file", action="append", default=[], help="heat.conf to read (repeatable)"
    )
    parser.add_argument("--host", help="address to listen on ([heat_api] bind_host)")
    parser.add_argument("--port", type=int, help="port to listen on ([heat_api] bind_port; 0: any)")
    return parser


def make_application(conf: cfg.ConfigOpts, client, database):
    """The heat-api WSGI app for `conf`'s auth_mode."""
    from heat.api.openstack.app import make_app
    from heat.identity import IdentityStore

    if conf.auth_mode == "keystone":
        # auth_token reads [keystone_authtoken] from this ConfigOpts (it registers them).
        return make_app(client, None, conf, keystone_conf={"oslo_config_config": conf})
    return make_app(client, IdentityStore.for_database(database), conf)


def start(service: service_main.Service) -> str:
    """Serve heat-api over HTTP; the banner."""
    conf = service.conf
    db = service.database
    client = service.engine_client()
    try:
        application = make_application(conf, client, db)
    except ImportError as exc:  # auth_mode = keystone without keystonemiddleware
        raise service_main.StartupError(str(exc), 2) from exc
    server = service.listen(application, GROUP, "heat-api", errno_in_message=False)
    return f"heat-api serving at {server.url} (auth_mode = {conf.auth_mode})"


def main(argv: list[str] | None = None) -> int:
    return service_main.run("heat-api", build_parser(), argv, start)


if __name__ == "__main__":
    sys.exit(main())
