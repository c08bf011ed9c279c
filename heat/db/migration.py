"""Schema migrations (alembic), run programmatically: no alembic.ini is needed anywhere."""

from __future__ import annotations

import contextlib
import os

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from heat.db import session

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "migrations")


def _config(connection: sa.Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS_DIR)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@contextlib.contextmanager
def _engine(engine_or_url: sa.Engine | str | sa.URL):
    if isinstance(engine_or_url, sa.Engine):
        yield engine_or_url
        return
    engine = session.make_engine(engine_or_url)
    try:
        yield engine
    finally:
        engine.dispose()


def db_sync(engine_or_url: sa.Engine | str | sa.URL, revision: str = "head") -> None:
    """Upgrade the schema to `revision` (the newest by default); existing data is kept."""
    with _engine(engine_or_url) as engine, engine.begin() as connection:
        command.upgrade(_config(connection), revision)


def db_downgrade(engine_or_url: sa.Engine | str | sa.URL, revision: str) -> None:
    """Downgrade the schema to `revision` ("base" removes every table)."""
    with _engine(engine_or_url) as engine, engine.begin() as connection:
        command.downgrade(_config(connection), revision)


def db_version(engine_or_url: sa.Engine | str | sa.URL) -> str | None:
    """The schema revision of the database, or None if it has never been migrated."""
    with _engine(engine_or_url) as engine, engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The newest revision this code knows."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def known_revisions() -> list[str]:
    """Every revision this code knows, oldest first."""
    script = ScriptDirectory.from_config(_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]
