"""An engine on a fresh SQLite database, for the engine's tests."""

import pytest
from cryptography.fernet import Fernet

from heat.common import crypt
from heat.common.context import RequestContext
from heat.db import migration
from heat.db.api import Database
from heat.engine.graph_run import Backoff
from heat.engine.service import EngineService


@pytest.fixture
def database(tmp_path):
    url = f"sqlite:///{tmp_path}/heat.sqlite"
    migration.db_sync(url)
    db = Database(url, crypter=crypt.Crypter(Fernet.generate_key().decode()))
    yield db
    db.dispose()


@pytest.fixture
def engine(database):
    service = EngineService(database, backoff=Backoff(0.005, 2.0, 0.05)).start()
    yield service
    service.stop()


@pytest.fixture
def ctx():
    return RequestContext("project-a", "user-a")
