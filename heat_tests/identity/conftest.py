import pytest

from heat.identity import IdentityStore
from heat_tests.fixtures.databases import db_backend, db_url, heat_db  # noqa: F401


@pytest.fixture
def store(heat_db):  # noqa: F811
    return IdentityStore.for_database(heat_db)
