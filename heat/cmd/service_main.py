"""The life of a Heat service command (heat-api, heat-api-cfn, heat-api-cloudwatch, heat-engine).

Each one reads heat.conf, logs to stderr, opens the database and the RPC transport, starts
what it serves, says so on stdout, serves until SIGTERM or Ctrl-C, then stops everything it
started, last started first, and exits 0:

    def start(service: Service) -> str:
        db = service.database
        client = service.engine_client()
        server = service.listen(make_app(client, db), "heat_api", "heat-api")
        return f"heat-api serving at {server.url}"

    def main(argv=None) -> int:
        return service_main.run("heat-api", build_parser(), argv, start)

A command that cannot start prints one line `PROG: reason` on stderr and exits 2 for a
configuration error (cfg.Error, or StartupError(..., 2)), 1 for anything else it names with
StartupError (an address in use, a broker that cannot be reached).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import logging
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterable

from oslo_config import cfg

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class StartupError(Exception):
    """A command cannot start: its message follows `PROG: ` on stderr; `status` is the exit
    status (1, or 2 for configuration)."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


def load_conf(config_files: list[str], groups: Iterable[tuple[str, list]] = ()) -> cfg.ConfigOpts:
    """Every option in heat.opts plus `groups` ((group name, options) pairs), read from
    `config_files` (none given: oslo.config's default locations)."""
    from heat import opts

    conf = cfg.ConfigOpts()
    opts.register_all(conf)
    for group, group_opts in groups:
        conf.register_opts(group_opts, group=group)
    conf(args=[], project="heat", default_config_files=config_files or None)
    return conf


def stop_on_signals() -> threading.Event:
    """An event that SIGTERM and SIGINT (Ctrl-C) set: the cue to stop cleanly."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    return stop


def wait_until(stop: threading.Event) -> None:
    """Block until `stop` is set."""
    # In slices: where a lock wait without a timeout is not interrupted by signals, the
    # handler that sets `stop` would otherwise never run.
    while not stop.wait(0.5):
        pass


class Service:
    """What a starting command has: its configuration and arguments, the database and RPC
    transport (opened on first use), and the things to stop when it ends."""

    def __init__(self, conf: cfg.ConfigOpts, args: argparse.Namespace, stops: contextlib.ExitStack):
        self.conf = conf
        self.args = args
        self._stops = stops

    def on_stop(self, callback: Callable[[], object]) -> None:
        """Call `callback` when the command stops (or fails to start), before whatever was
        registered earlier."""
        self._stops.callback(callback)

    @functools.cached_property
    def database(self):
        """The heat.db.api.Database of [database], disposed of on stop."""
        from heat.db.api import Database

        db = Database.from_conf(self.conf)
        self.on_stop(db.dispose)
        return db

    @functools.cached_property
    def transport(self):
        """The oslo.messaging transport of `transport_url`, cleaned up on stop."""
        from heat.rpc import transport as rpc_transport

        transport = rpc_transport.get_transport(self.conf)
        self.on_stop(transport.cleanup)
        return transport

    def engine_client(self):
        """An EngineClient for the engines on `engine_topic`, over `transport`."""
        from heat.rpc.client import EngineClient

        conf = self.conf
        return EngineClient(
            self.transport, topic=conf.engine_topic, timeout=conf.rpc_response_timeout_engine
        )

    def listen(self, app, group: str, name: str, *, errno_in_message: bool = True):
        """Serve the WSGI `app` over HTTP on --host and --port, by default [group]'s bind_host
        and bind_port; stopped on stop. `name` names the server's threads.

        An address that cannot be bound is a StartupError: `cannot listen on HOST:PORT: `
        and the OSError (`[Errno 98] Address already in use`), or with `errno_in_message`
        false only its reason (`Address already in use`), as heat-api has always said it.
        """
        from heat.api.server import HttpServer

        options = self.conf[group]
        host = self.args.host or options.bind_host
        port = options.bind_port if self.args.port is None else self.args.port
        try:
            server = HttpServer(app, host, port, name=name).start()
        except OSError as exc:
            reason = exc if errno_in_message else exc.strerror
            raise StartupError(f"cannot listen on {host}:{port}: {reason}") from exc
        self.on_stop(server.stop)
        return server


def run(
    prog: str,
    parser: argparse.ArgumentParser,
    argv: list[str] | None,
    start: Callable[[Service], str],
    *,
    groups: Iterable[tuple[str, list]] = (),
    says_stopped: bool = True,
) -> int:
    """Run the command `prog`: parse `argv` (its `--config-file` names heat.conf, repeatable),
    read heat.conf with heat.opts and `groups`, call `start`, print the banner it returns,
    serve until SIGTERM or SIGINT, stop, and (with `says_stopped`) print `PROG stopped`.
    Returns the exit status."""
    # Libraries Heat uses emit DeprecationWarnings of their own that would land on stderr.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    with contextlib.ExitStack() as stops:
        try:
            conf = load_conf(args.config_file, groups)
            banner = start(Service(conf, args, stops))
        except cfg.Error as exc:
            print(f"{prog}: {exc}", file=sys.stderr)
            return 2
        except StartupError as exc:
            print(f"{prog}: {exc}", file=sys.stderr)
            return exc.status
        stop = stop_on_signals()
        print(banner, flush=True)
        wait_until(stop)
    if says_stopped:
        print(f"{prog} stopped", flush=True)
    return 0
