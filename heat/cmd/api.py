"""`heat-api`: serve the native REST API (/v1/{project_id}/...) until Ctrl-C or SIGTERM.

The engine is reached over RPC (`transport_url`, e.g. rabbit://guest:guest@127.0.0.1:5672/);
heat-api holds no stack logic. Tokens are checked against the identity store in the
database, which heat-api also serves as a Keystone v3 token API at /identity/v3
(`auth_mode = local`), or by keystonemiddleware's auth_token against a real Keystone
configured in [keystone_authtoken] (`auth_mode = keystone`).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import warnings

from oslo_config import cfg

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


def load_conf(config_files: list[str]) -> cfg.ConfigOpts:
    from heat import opts

    conf = cfg.ConfigOpts()
    opts.register_all(conf)
    conf(args=[], project="heat", default_config_files=config_files or None)
    return conf


def make_application(conf: cfg.ConfigOpts, client, database):
    """The heat-api WSGI app for `conf`'s auth_mode."""
    from heat.api.openstack.app import make_app
    from heat.identity import IdentityStore

    if conf.auth_mode == "keystone":
        # auth_token reads [keystone_authtoken] from this ConfigOpts (it registers them).
        return make_app(client, None, conf, keystone_conf={"oslo_config_config": conf})
    return make_app(client, IdentityStore.for_database(database), conf)


def main(argv: list[str] | None = None) -> int:
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        conf = load_conf(args.config_file)
    except cfg.Error as exc:
        print(f"heat-api: {exc}", file=sys.stderr)
        return 2

    from heat.api.server import HttpServer
    from heat.db.api import Database
    from heat.rpc import transport as rpc_transport
    from heat.rpc.client import EngineClient

    db = Database.from_conf(conf)
    transport = rpc_transport.get_transport(conf)
    client = EngineClient(
        transport, topic=conf.engine_topic, timeout=conf.rpc_response_timeout_engine
    )
    try:
        application = make_application(conf, client, db)
    except (cfg.Error, ImportError) as exc:
        print(f"heat-api: {exc}", file=sys.stderr)
        return 2
    group = conf[GROUP]
    host = args.host or group.bind_host
    port = group.bind_port if args.port is None else args.port
    try:
        server = HttpServer(application, host, port, name="heat-api").start()
    except OSError as exc:
        print(f"heat-api: cannot listen on {host}:{port}: {exc.strerror}", file=sys.stderr)
        return 1
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"heat-api serving at {server.url} (auth_mode = {conf.auth_mode})", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
        transport.cleanup()
        db.dispose()
    print("heat-api stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
