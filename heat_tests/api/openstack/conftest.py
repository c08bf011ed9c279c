"""heat-api over loopback HTTP: a real engine on SQLite, the in-process RPC transport, the
identity store with two projects (A and B), each with a member user."""

from __future__ import annotations

import dataclasses

import pytest

from heat.api.openstack.app import make_app
from heat.api.server import HttpServer
from heat.engine.service import EngineService
from heat.identity import IdentityStore
from heat.rpc.client import EngineClient
from heat_tests.fixtures.engine import database, engine, engine_client  # noqa: F401


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
def heat_api(database, engine, engine_client):  # noqa: F811
    store = IdentityStore.for_database(database)
    http = HttpServer(make_app(engine_client, store)).start()
    try:
        yield HeatApi(
            http.url, store, engine, engine_client, _account(store, "a"), _account(store, "b")
        )
    finally:
        http.stop()
