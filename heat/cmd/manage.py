"""heat-manage: database administration.

heat-manage [--config-file F ...] db_sync [--version REV]
heat-manage [--config-file F ...] db_version
heat-manage [--config-file F ...] purge_deleted AGE     (AGE: 30d, 12h, 90m, 45s or seconds)
"""

from __future__ import annotations

import argparse
import re
import sys

import sqlalchemy as sa
from oslo_config import cfg

from heat import opts
from heat.common.exception import HeatError
from heat.db import migration, purge, session

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_age(text: str) -> int:
    """Seconds in an age like "30d", "12h", "90m", "45s" or "3600"."""
    match = re.fullmatch(r"\s*(\d+)\s*([smhdw]?)\s*", text)
    if not match:
        raise ValueError(f'invalid age "{text}": use a number of seconds or e.g. 30d, 12h, 90m')
    number, unit = match.groups()
    return int(number) * _UNITS[unit or "s"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="heat-manage", description="Heat database tools.")
    parser.add_argument(
        "--config-file",
        action="append",
        default=[],
        metavar="PATH",
        help="configuration file (repeatable; default: the standard heat.conf locations)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sync = commands.add_parser("db_sync", help="create or upgrade the database schema")
    sync.add_argument("--version", default="head", help="target revision (default: head)")
    commands.add_parser("db_version", help="print the schema revision of the database")
    purge_cmd = commands.add_parser(
        "purge_deleted", help="remove stacks deleted longer ago than AGE, with their data"
    )
    purge_cmd.add_argument("age", metavar="AGE", help="e.g. 30d, 12h, 90m, or seconds")
    return parser


def _conf(config_files: list[str]) -> cfg.ConfigOpts:
    conf = cfg.ConfigOpts()
    opts.register_all(conf)
    args = [arg for path in config_files for arg in ("--config-file", path)]
    conf(args=args, project="heat", default_config_files=None if not config_files else [])
    return conf


def _run(args, conf: cfg.ConfigOpts) -> None:
    if args.command == "purge_deleted":
        age = parse_age(args.age)
        engine = session.engine_from_conf(conf)
        try:
            counts = purge.purge_deleted(engine, age)
        finally:
            engine.dispose()
        print(
            f"purged {counts['stacks']} stacks, {counts['resources']} resources, "
            f"{counts['events']} events, {counts['templates']} templates"
        )
        return
    engine = session.engine_from_conf(conf)
    try:
        if args.command == "db_sync":
            migration.db_sync(engine, args.version)
            print(f"database at revision {migration.db_version(engine)}")
        else:
            print(migration.db_version(engine) or "None (no schema)")
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    """Run heat-manage; returns the exit status (0 on success)."""
    args = _parser().parse_args(argv)
    try:
        conf = _conf(args.config_file)
        _run(args, conf)
    except (cfg.Error, HeatError, ValueError) as e:
        print(f"heat-manage: error: {e}", file=sys.stderr)
        return 1
    except sa.exc.SQLAlchemyError as e:
        # The driver's own message, without SQLAlchemy's statement dump and link.
        detail = getattr(e, "orig", None) or e
        print(f"heat-manage: database error: {str(detail).splitlines()[0]}", file=sys.stderr)
        return 1
    except Exception as e:  # alembic's CommandError and friends: still one line
        print(f"heat-manage: error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
