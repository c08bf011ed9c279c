"""Alembic environment for Heat; driven by heat.db.migration, never by an alembic.ini."""

from alembic import context

from heat.db import models

config = context.config
target_metadata = models.metadata


def _run(connection):
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Migrate over the connection heat.db.migration put into the config's attributes."""
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("heat.db.migration passes a connection; run migrations through it")
    _run(connection)


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported")
run_migrations_online()
