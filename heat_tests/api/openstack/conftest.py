"""heat-api over loopback HTTP: a real engine on SQLite, the in-process RPC transport, the
identity store with two projects (A and B), each with a member user."""

from __future__ import annotations

import dataclasses
import warnings

import pytest
from cryptography.fernet import Fernet

from heat.api.openstack.app import make_app
from heat.api.server import HttpServer
from heat.common import crypt
from heat.db import migration
from heat.db.api import Database
from heat.engine.graph_run import Backoff
from heat.engine.service import EngineService
from heat.identity import IdentityStore

warnings.filterwarnings("ignore", category=DeprecationWarning)

from heat.rpc import transport as rpc_transport  # noqa: E402
from heat.rpc.client import EngineClient  # noqa: E402
from heat.rpc.server import EngineServer  # noqa: E402


@dataclasses.dataclass
class Account:
    project_id: str
    project_name: str
    user_id: str
    username: str
    password: str
    token: str


@dataclasses.dataclass
class HeatApi:
    url: str
    store: IdentityStore
    engine: EngineService
    client: EngineClient
    a: Account
    b: Account

    @property
    def auth_url(self) -> str:
        return f"{self.url}/identity/v3"

    def stack_url(self, account: Account) -> str:
        return f"{self.url}/v1/{account.project_id}"


def _account(store, name) -> Account:
    project = store.create_project(f"project-{name}")
    password = f"pw-{name}"
    user = store.create_user(f"user-{name}", password, project.id)
    store.grant(user.id, project.id, "member")
    token = store.issue_token(user, project)
    return Account(project.id, project.name, user.id, user.name, password, token.id)


@pytest.fixture
def heat_api(tmp_path):
    url = f"sqlite:///{tmp_path}/heat.sqlite"
    migration.db_sync(url)
    db = Database(url, crypter=crypt.Crypter(Fernet.generate_key().decode()))
    store = IdentityStore.for_database(db)
    engine = EngineService(db, backoff=Backoff(0.005, 2.0, 0.05)).start()
    transport = rpc_transport.in_process_transport()
    server = EngineServer(engine, transport, topic=f"heat-engine-{tmp_path.name}").start()
    client = EngineClient(transport, topic=f"heat-engine-{tmp_path.name}", timeout=30)
    http = HttpServer(make_app(client, store)).start()
    try:
        yield HeatApi(http.url, store, engine, client, _account(store, "a"), _account(store, "b"))
    finally:
        http.stop()
        server.stop()
        engine.stop()
        transport.cleanup()
        db.dispose()
