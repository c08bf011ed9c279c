"""An engine on a fresh SQLite database, for the engine's tests."""

import pytest

from heat.common.context import RequestContext
from heat_tests.fixtures.engine import database, engine  # noqa: F401


@pytest.fixture
def ctx():
    return RequestContext("project-a", "user-a")
