"""`heat-api-cfn`: serve the CloudFormation Query API until Ctrl-C.

The engine is reached over RPC (`transport_url`); EC2 keys are checked against the local
identity store in the database, or by Keystone's ec2tokens with `auth_mode = keystone`
([heat_api_cfn] ec2_auth_url).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import warnings

from oslo_config import cfg

from heat import opts
from heat.api.cfn import app as cfn_app


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="heat-api-cfn", description="Serve Heat's CloudFormation-compatible Query API."
    )
    parser.add_argument(
        "--config-file", action="append", default=[], help="heat.conf to read (repeatable)"
    )
    parser.add_argument("--host", help="address to listen on ([heat_api_cfn] bind_host)")
    parser.add_argument("--port", type=int, help="port to listen on ([heat_api_cfn] bind_port)")
    return parser


def load_conf(config_files: list[str]) -> cfg.ConfigOpts:
    from heat.api.middleware import auth as auth_mw
    from heat.rpc import transport as rpc_transport

    conf = cfg.ConfigOpts()
    opts.register_all(conf)
    for module_opts, group in ((auth_mw.OPTS, None), (rpc_transport.OPTS, None)):
        if not all(o.dest in (conf[group] if group else conf) for o in module_opts):
            conf.register_opts(module_opts, group=group)
    conf.register_opts(cfn_app.OPTS, group=cfn_app.GROUP)
    conf(args=[], project="heat", default_config_files=config_files or None)
    return conf


def main(argv: list[str] | None = None) -> int:
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        conf = load_conf(args.config_file)
    except cfg.Error as exc:
        print(f"heat-api-cfn: {exc}", file=sys.stderr)
        return 2

    from heat.api.server import HttpServer
    from heat.db.api import Database
    from heat.identity import IdentityStore
    from heat.rpc import transport as rpc_transport
    from heat.rpc.client import EngineClient

    db = Database.from_conf(conf)
    transport = rpc_transport.get_transport(conf)
    client = EngineClient(
        transport, topic=conf.engine_topic, timeout=conf.rpc_response_timeout_engine
    )
    try:
        application = cfn_app.make_app(client, IdentityStore.for_database(db), conf, database=db)
    except cfg.Error as exc:
        print(f"heat-api-cfn: {exc}", file=sys.stderr)
        return 2
    group = conf[cfn_app.GROUP]
    host = args.host or group.bind_host
    port = group.bind_port if args.port is None else args.port
    try:
        server = HttpServer(application, host, port, name="cfn").start()
    except OSError as exc:
        print(f"heat-api-cfn: cannot listen on {host}:{port}: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"heat-api-cfn serving at {server.url}/v1", flush=True)
    try:
        stop.wait()
    finally:
        server.stop()
        transport.cleanup()
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
