"""Database engines: SQLite (the embedded default), PostgreSQL and MySQL/MariaDB.

SQLite is tuned for one host with several threads and processes: WAL journal so readers do
not block the writer, synchronous=NORMAL (durable across process crashes; a power loss can
lose the last transactions but not corrupt the file), a busy timeout so concurrent writers
wait instead of failing, and foreign keys enforced as on the other databases.
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from oslo_config import cfg

from heat.common import paths

OPTS = [
    cfg.StrOpt(
        "connection",
        default="sqlite:///$state_dir/heat.sqlite",
        secret=True,
        help="SQLAlchemy URL of the database, e.g. "
        "postgresql+psycopg2://heat:pw@db/heat or mysql+pymysql://heat:pw@db/heat.",
    ),
    cfg.FloatOpt(
        "sqlite_busy_timeout",
        default=30.0,
        min=0,
        help="Seconds a SQLite writer waits for another writer's lock before failing.",
    ),
    cfg.IntOpt(
        "max_pool_size",
        default=10,
        min=1,
        help="Connections kept open to a PostgreSQL/MySQL server, per process.",
    ),
    cfg.IntOpt(
        "max_overflow",
        default=20,
        min=0,
        help="Extra connections opened beyond max_pool_size under load.",
    ),
    cfg.IntOpt(
        "pool_timeout",
        default=30,
        min=1,
        help="Seconds to wait for a free pooled connection before failing.",
    ),
]


def make_engine(
    url: str | sa.URL,
    *,
    sqlite_busy_timeout: float = 30.0,
    pool_size: int = 10,
    max_overflow: int = 20,
    pool_timeout: int = 30,
) -> sa.Engine:
    """A SQLAlchemy Engine for `url`, configured for its kind of database."""
    url = sa.make_url(url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url, sqlite_busy_timeout)
    if backend in ("mysql", "mariadb") and "charset" not in url.query:
        url = url.update_query_dict({"charset": "utf8mb4"})
    return sa.create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
        # Servers close idle connections (MySQL wait_timeout); recycle before that.
        pool_recycle=3600,
    )


def engine_from_conf(conf: cfg.ConfigOpts) -> sa.Engine:
    """make_engine() with the [database] options of `conf`."""
    db = conf.database
    return make_engine(
        db.connection,
        sqlite_busy_timeout=db.sqlite_busy_timeout,
        pool_size=db.max_pool_size,
        max_overflow=db.max_overflow,
        pool_timeout=db.pool_timeout,
    )


def _sqlite_engine(url: sa.URL, busy_timeout: float) -> sa.Engine:
    database = url.database
    in_memory = not database or database == ":memory:" or database.startswith("file::memory")
    if not in_memory:
        paths.ensure_state_dir(os.path.dirname(os.path.abspath(database)))
    engine = sa.create_engine(url, connect_args={"timeout": busy_timeout})

    @sa.event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        try:
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    return engine
