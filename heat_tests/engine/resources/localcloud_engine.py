"""An engine whose cloud is a real localcloud over HTTP, and helpers to look at that cloud.

Import the fixtures into a test module (or conftest.py):

    from heat_tests.engine.resources.localcloud_engine import (  # noqa: F401
        cloud_engine, keypair, localcloud, nova,
    )

`nova` is a plain python-novaclient Client at microversion 2.79 (it shows user_data), so
tests look at the servers the way an operator would, not through the engine's helpers.
"""

from __future__ import annotations

import base64

import pytest
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from novaclient import client as nova_client

from heat.engine.clients.session import CloudCredentials
from heat.engine.graph_run import Backoff
from heat.engine.service import EngineService
from heat.engine.userdata import UserdataSettings
from heat_tests.fixtures.localcloud import localcloud  # noqa: F401

KEY_NAME = "heat_key"
# The same settings the real cloud-init test builds its user data with.
SETTINGS = UserdataSettings(
    metadata_server_url="http://192.0.2.1:8000",
    waitcondition_server_url="http://192.0.2.1:8000/v1/waitcondition",
    watch_server_url="http://192.0.2.1:8003",
)


@pytest.fixture
def cloud_engine(database, localcloud):  # noqa: F811
    """An EngineService on SQLite whose cloud is `localcloud`."""
    service = EngineService(
        database,
        backoff=Backoff(0.005, 2.0, 0.05),
        cloud=CloudCredentials.from_dict(localcloud.credentials()),
        userdata_settings=SETTINGS,
    ).start()
    yield service
    service.stop()


@pytest.fixture
def nova(localcloud):  # noqa: F811
    session = ks_session.Session(auth=v3.Password(**localcloud.credentials()))
    return nova_client.Client("2.79", session=session)


@pytest.fixture
def keypair(nova):
    nova.keypairs.create(KEY_NAME)
    return KEY_NAME


def create(engine, ctx, name, text, parameters=None, **kwargs) -> dict:
    stack_id = engine.create_stack(ctx, name, text, parameters, **kwargs)["stack_id"]
    assert engine.wait(stack_id, 30)
    return engine.show_stack(ctx, stack_id)


def delete(engine, ctx, stack_id) -> tuple[str, str]:
    """Delete a stack and wait; its final (action, status)."""
    engine.delete_stack(ctx, stack_id)
    assert engine.wait(stack_id, 30)
    row = engine.db.stacks.get(stack_id)
    return row["action"], row["status"]


def user_data(server) -> str:
    """The user data Nova received for `server`, decoded."""
    return base64.b64decode(server.to_dict()["OS-EXT-SRV-ATTR:user_data"]).decode()


def servers(nova) -> dict:
    """name -> server, for every server of the project."""
    return {s.name: s for s in nova.servers.list()}


def ip(server) -> str:
    return server.addresses["private"][0]["addr"]


def events(engine, ctx, stack_id) -> list[tuple]:
    return [
        (e["resource_name"], e["action"], e["status"], e["reason"])
        for e in engine.list_events(ctx, stack_id)
    ]
