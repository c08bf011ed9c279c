"""`heat-api-cfn`: serve the CloudFormation Query API until Ctrl-C.

The engine is reached over RPC (`transport_url`); EC2 keys are checked against the local
identity store in the database, or by Keystone's ec2tokens with `auth_mode = keystone`
([heat_api_cfn] ec2_auth_url).
"""

from __future__ import annotations

import argparse
import sys

from heat.api.cfn import app as cfn_app
from heat.cmd import service_main
from heat.identity import IdentityStore


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


def start(service: service_main.Service) -> str:
    """Serve the CFN API over HTTP; the banner."""
    db = service.database
    client = service.engine_client()
    store = IdentityStore.for_database(db)
    application = cfn_app.make_app(client, store, service.conf, database=db)
    server = service.listen(application, cfn_app.GROUP, "cfn")
    return f"heat-api-cfn serving at {server.url}/v1"


def main(argv: list[str] | None = None) -> int:
    return service_main.run(
        "heat-api-cfn",
        build_parser(),
        argv,
        start,
        groups=[(cfn_app.GROUP, cfn_app.OPTS)],
        says_stopped=False,
    )


if __name__ == "__main__":
    sys.exit(main())
