"""`heat-localcloud`: serve the stand-in OpenStack cloud until Ctrl-C.

Options come from heat.conf ([DEFAULT] localcloud_*, state_dir); the command-line flags
override them. The cloud's state lives in `<state_dir>/localcloud`.
"""

from __future__ import annotations

import argparse
import sys

from oslo_config import cfg

from heat.cmd import service_main
from heat.common import paths
from heat.localcloud import settings as localcloud_settings
from heat.localcloud.container.image import ImageError
from heat.localcloud.server import LocalCloud


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="heat-localcloud",
        description="Serve an OpenStack-compatible stand-in cloud (Keystone, Nova, Glance).",
    )
    parser.add_argument(
        "--config-file", action="append", default=[], help="heat.conf to read (repeatable)"
    )
    parser.add_argument("--state-dir", help="Heat state directory (default: state_dir option)")
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default 5000; 0: any)")
    parser.add_argument("--boot-delay", type=float, help="seconds a server stays in BUILD")
    parser.add_argument("--delete-delay", type=float, help="seconds a deleted server lingers")
    parser.add_argument(
        "--boot-mode",
        choices=["record", "container"],
        help="record: servers are records (default); container: each server boots a Debian "
        "root with cloud-init in its own namespaces (root and debootstrap needed)",
    )
    parser.add_argument(
        "--image-cache-dir", help="where container mode keeps its base image (built once)"
    )
    return parser


def load_conf(config_files: list[str]) -> cfg.ConfigOpts:
    """A ConfigOpts with localcloud's and the state_dir options, read from `config_files`."""
    conf = cfg.ConfigOpts()
    conf.register_opts(localcloud_settings.OPTS)
    conf.register_opts(paths.OPTS)
    conf(args=[], project="heat", default_config_files=config_files or None)
    return conf


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        conf = load_conf(args.config_file)
    except cfg.Error as exc:
        print(f"heat-localcloud: {exc}", file=sys.stderr)
        return 2
    settings = localcloud_settings.Settings.from_conf(conf)
    if args.boot_mode:
        settings.boot_mode = args.boot_mode
    if args.image_cache_dir:
        settings.image_cache_dir = args.image_cache_dir
    state_dir = localcloud_settings.localcloud_state_dir(args.state_dir or conf.state_dir)
    cloud = LocalCloud(
        state_dir,
        host=args.host or conf.localcloud_host,
        port=conf.localcloud_port if args.port is None else args.port,
        settings=settings,
        boot_delay=args.boot_delay,
        delete_delay=args.delete_delay,
    )
    try:
        cloud.start()
    except ImageError as exc:
        print(f"heat-localcloud: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"heat-localcloud: cannot listen: {exc}", file=sys.stderr)
        return 1
    stop = service_main.stop_on_signals()
    print(f"localcloud serving at {cloud.url} (Keystone: {cloud.auth_url})", flush=True)
    print(f"servers: {settings.boot_mode} mode", flush=True)
    print(f"export OS_CLIENT_CONFIG_FILE={cloud.clouds_yaml} OS_CLOUD=localcloud", flush=True)
    try:
        service_main.wait_until(stop)
    finally:
        cloud.stop()
    print("localcloud stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
