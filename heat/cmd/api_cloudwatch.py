"""`heat-api-cloudwatch`: serve the CloudWatch Query API (port 8003) until Ctrl-C.

cfn-push-stats in the servers sends its PutMetricData here (to port 8003 of the host in
their boto config); the engine, reached over RPC (`transport_url`), stores the data and
evaluates the alarms. EC2 keys are checked against the local identity store in the
database, or by Keystone's ec2tokens with `auth_mode = keystone`
([heat_api_cloudwatch] ec2_auth_url).
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
from heat.api.cloudwatch import app as cw_app


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="heat-api-cloudwatch", description="Serve Heat's CloudWatch-compatible Query API."
    )
    parser.add_argument(
        "--config-file", action="append", default=[], help="heat.conf to read (repeatable)"
    )
    parser.add_argument("--host", help="address to listen on ([heat_api_cloudwatch] bind_host)")
    parser.add_argument(
        "--port", type=int, help="port to listen on ([heat_api_cloudwatch] bind_port)"
    )
    return parser


def load_conf(config_files: list[str]) -> cfg.ConfigOpts:
    from heat.api.middleware import auth as auth_mw
    from heat.rpc import transport as rpc_transport

    conf = cfg.ConfigOpts()
    opts.register_all(conf)
    for module_opts in (auth_mw.OPTS, rpc_transport.OPTS):
        if not all(o.dest in conf for o in module_opts):
            conf.register_opts(module_opts)
    conf.register_opts(cw_app.OPTS, group=cw_app.GROUP)
    conf(args=[], project="heat", default_config_files=config_files or None)
    return conf


def main(argv: list[str] | None = None) -> int:
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        conf = load_conf(args.config_file)
    except cfg.Error as exc:
        print(f"heat-api-cloudwatch: {exc}", file=sys.stderr)
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
        application = cw_app.make_app(client, IdentityStore.for_database(db), conf)
    except cfg.Error as exc:
        print(f"heat-api-cloudwatch: {exc}", file=sys.stderr)
        return 2
    group = conf[cw_app.GROUP]
    host = args.host or group.bind_host
    port = group.bind_port if args.port is None else args.port
    try:
        server = HttpServer(application, host, port, name="cloudwatch").start()
    except OSError as exc:
        print(f"heat-api-cloudwatch: cannot listen on {host}:{port}: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"heat-api-cloudwatch serving at {server.url}/v1", flush=True)
    try:
        stop.wait()
    finally:
        server.stop()
        transport.cleanup()
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
