"""heat-manage: database administration.

heat-manage [--config-file F ...] db_sync [--version REV]
heat-manage [--config-file F ...] db_version
heat-manage [--config-file F ...] purge_deleted AGE     (AGE: 30d, 12h, 90m, 45s or seconds)
heat-manage [--config-file F ...] bootstrap [--project P] [--user U] [--password PW]
heat-manage [--config-file F ...] service-list [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import sys

import sqlalchemy as sa
from oslo_config import cfg

from heat import opts
from heat.cmd import service_list
from heat.common.exception import HeatError
from heat.db import migration, purge, session
from heat.db.api import Database
from heat.identity import ADMIN, MEMBER, IdentityStore

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
    boot = commands.add_parser(
        "bootstrap",
        help="create the first project and admin user with an EC2 key pair (idempotent)",
    )
    boot.add_argument("--project", default="admin", help="project name (default: admin)")
    boot.add_argument("--user", default="admin", help="user name (default: admin)")
    boot.add_argument(
        "--password",
        help="the user's password (default: generated for a new user, unchanged otherwise)",
    )
    listing = commands.add_parser(
        "service-list", help="list the engines with their hosts, heartbeats and liveness"
    )
    listing.add_argument("--json", action="store_true", help="one JSON object per engine")
    return parser


def bootstrap(conf: cfg.ConfigOpts, project_name: str, user_name: str, password) -> list:
    """Create (or find) the project, the user with the admin and member roles on it, and an
    EC2 key pair; [(label, value)] to print. Running it again changes nothing, except the
    password when one is given."""
    migration.db_sync(conf.database.connection)
    db = Database.from_conf(conf)
    try:
        store = IdentityStore.for_database(db)
        project = store.find_project(project_name) or store.create_project(
            project_name, "Created by heat-manage bootstrap"
        )
        user = store.find_user(user_name)
        if user is None:
            password = password or secrets.token_urlsafe(18)
            user = store.create_user(user_name, password, project.id)
        elif password is not None:
            store.set_password(user.id, password)
        for role in (ADMIN, MEMBER):
            store.grant(user.id, project.id, role)
        for access in store.list_ec2_credentials(user.id):
            credential = store.ec2_credentials(access)
            if credential is not None and credential.project_id == project.id:
                access, secret = credential.access_key, credential.secret
                break
        else:
            access, secret = store.create_ec2_credentials(user.id, project.id)
    finally:
        db.dispose()
    shown = password if password is not None else "(unchanged: give --password to set it)"
    return [
        ("project", f"{project.name} ({project.id})"),
        ("user", f"{user.name} ({user.id})"),
        ("password", shown),
        ("ec2_access_key", access),
        ("ec2_secret_key", secret),
    ]


def _conf(config_files: list[str]) -> cfg.ConfigOpts:
    conf = cfg.ConfigOpts()
    opts.register_all(conf)
    args = [arg for path in config_files for arg in ("--config-file", path)]
    conf(args=args, project="heat", default_config_files=None if not config_files else [])
    return conf


def _run(args, conf: cfg.ConfigOpts) -> None:
    if args.command == "bootstrap":
        for label, value in bootstrap(conf, args.project, args.user, args.password):
            print(f"{label}: {value}")
        return
    if args.command == "service-list":
        db = Database.from_conf(conf)
        try:
            entries = service_list.rows(db, conf.engine_heartbeat_timeout)
        finally:
            db.dispose()
        if args.json:
            for entry in entries:
                print(json.dumps(entry))
        else:
            print(service_list.table(entries))
        return
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
