"""heat-api-cfn over HTTP on loopback, as heat-all runs it: a real engine on SQLite behind
the in-process RPC transport, and the identity store with two projects (A and B), each
with a member user and an EC2 key."""

from __future__ import annotations

import pytest

from heat.api.cfn.app import make_app
from heat.api.server import HttpServer
from heat_tests.fixtures.ec2_keys import REGION, Key, boto3_client, keys, store  # noqa: F401
from heat_tests.fixtures.engine import database, engine, engine_client  # noqa: F401


def serve(engine_client, store, database, **kwargs) -> HttpServer:  # noqa: F811
    app = make_app(engine_client, store, None, database=database, **kwargs)
    return HttpServer(app, "127.0.0.1", 0, name="cfn").start()


@pytest.fixture
def cfn_server(engine_client, store, database, keys):  # noqa: F811
    server = serve(engine_client, store, database)
    server.keys = keys
    yield server
    server.stop()


def client(server, key: Key, **overrides):
    """A boto3 cloudformation client for `server`; see boto3_client."""
    return boto3_client("cloudformation", server, key, **overrides)


@pytest.fixture
def cfn(cfn_server, keys):  # noqa: F811
    return client(cfn_server, keys["a"])


@pytest.fixture
def cfn_b(cfn_server, keys):  # noqa: F811
    return client(cfn_server, keys["b"])
