"""`heat-engine`: the engine service, answering RPC calls on `transport_url` until Ctrl-C.

Any number of engines may share one database and one transport: each registers itself,
heartbeats, and takes over the stacks of an engine whose heartbeat stopped. The cloud the
servers are created on is the one in [cloud] (Keystone v3 password credentials); without
an auth_url only resources that need no cloud can be created.
"""

from __future__ import annotations

import argparse
import sys

from oslo_config import cfg

from heat.cmd import service_main

GROUP = "cloud"
OPTS = [
    cfg.URIOpt(
        "auth_url",
        schemes=["http", "https"],
        help="Keystone v3 URL of the cloud the engine creates servers on (unset: no cloud).",
    ),
    cfg.StrOpt("username", help="User the engine acts as on the cloud."),
    cfg.StrOpt("password", secret=True, help="That user's password."),
    cfg.StrOpt("project_name", help="Project the engine works in on the cloud."),
    cfg.StrOpt("user_domain_name", default="Default", help="Domain of the user."),
    cfg.StrOpt("project_domain_name", default="Default", help="Domain of the project."),
    cfg.StrOpt("region_name", help="Region of the cloud's endpoints (default: any)."),
    cfg.StrOpt(
        "interface",
        default="public",
        choices=["public", "internal", "admin"],
        help="Which endpoints of the catalog to use.",
    ),
    cfg.StrOpt("cacert", help="CA bundle to verify the cloud's TLS certificates."),
    cfg.BoolOpt("insecure", default=False, help="Do not verify TLS certificates."),
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="heat-engine", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--config-file", action="append", default=[], help="heat.conf to read (repeatable)"
    )
    return parser


def cloud_credentials(conf: cfg.ConfigOpts):
    """[cloud] as CloudCredentials, or None when no auth_url is configured."""
    from heat.engine.clients.session import CloudCredentials

    group = conf[GROUP]
    if not group.auth_url:
        return None
    missing = [n for n in ("username", "password", "project_name") if not group[n]]
    if missing:
        raise cfg.RequiredOptError(missing[0], cfg.OptGroup(GROUP))
    return CloudCredentials(
        auth_url=group.auth_url,
        username=group.username,
        password=group.password,
        project_name=group.project_name,
        user_domain_name=group.user_domain_name,
        project_domain_name=group.project_domain_name,
        region_name=group.region_name,
        interface=group.interface,
        cacert=group.cacert,
        insecure=group.insecure,
    )


def start(service: service_main.Service) -> str:
    """Start the engine and its RPC server; the banner."""
    from heat.common import heap
    from heat.engine.service import EngineService
    from heat.rpc.server import EngineServer

    conf = service.conf
    cloud = cloud_credentials(conf)
    # Every worker thread may hold a connection, plus the heartbeat and the step poller: a
    # smaller pool would open and close overflow connections all the time.
    if conf.database.max_pool_size < conf.engine_workers + 4:
        conf.set_override("max_pool_size", conf.engine_workers + 4, group="database")
    db = service.database
    transport = service.transport
    engine = EngineService.from_conf(db, conf, cloud=cloud).start()
    service.on_stop(engine.stop)
    try:
        server = EngineServer(engine, transport, topic=conf.engine_topic).start()
        service.on_stop(server.stop)
        # Steps of big stacks are shared with the other engines on the same broker.
        engine.distribute(transport, conf.engine_topic)
    except Exception as exc:  # e.g. the message broker cannot be reached
        raise service_main.StartupError(f"cannot serve RPC: {exc}") from exc
    heap.freeze_startup_heap()  # full collections would walk it all, holding the GIL
    return f"heat-engine {engine.engine_id} serving topic {conf.engine_topic}"


def main(argv: list[str] | None = None) -> int:
    return service_main.run("heat-engine", build_parser(), argv, start)


if __name__ == "__main__":
    sys.exit(main())
