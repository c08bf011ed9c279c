"""`heat-api-cloudwatch`: serve the CloudWatch Query API (port 8003) until Ctrl-C.

cfn-push-stats in the servers sends its PutMetricData here (to port 8003 of the host in
their boto config); the engine, reached over RPC (`transport_url`), stores the data and
evaluates the alarms. EC2 keys are checked against the local identity store in the
database, or by Keystone's ec2tokens with `auth_mode = keystone`
([heat_api_cloudwatch] ec2_auth_url).
"""

from __future__ import annotations

import argparse
import sys

from heat.api.cloudwatch import app as cw_app
from heat.cmd import service_main
from heat.identity import IdentityStore


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


def start(service: service_main.Service) -> str:
    """Serve the CloudWatch API over HTTP; the banner."""
    db = service.database
    client = service.engine_client()
    application = cw_app.make_app(client, IdentityStore.for_database(db), service.conf)
    server = service.listen(application, cw_app.GROUP, "cloudwatch")
    return f"heat-api-cloudwatch serving at {server.url}/v1"


def main(argv: list[str] | None = None) -> int:
    return service_main.run(
        "heat-api-cloudwatch",
        build_parser(),
        argv,
        start,
        groups=[(cw_app.GROUP, cw_app.OPTS)],
        says_stopped=False,
    )


if __name__ == "__main__":
    sys.exit(main())
