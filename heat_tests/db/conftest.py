"""The database suites run on every backend (see heat_tests.fixtures.databases)."""

from heat_tests.fixtures.databases import (  # noqa: F401
    db_backend,
    db_url,
    empty_db_url,
    heat_db,
)
