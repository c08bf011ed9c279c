"""heat-api-cloudwatch over HTTP on loopback, as heat-all runs it: a real engine on SQLite
behind the in-process RPC transport, and the identity store with two projects (A and B),
each with a member user and an EC2 key (the fixtures of the CFN API's tests)."""

from __future__ import annotations

import pytest

from heat.api.cloudwatch.app import make_app
from heat.api.server import HttpServer
from heat.engine.service import EngineService
from heat_tests.fixtures.ec2_keys import Key, boto3_client, keys, store  # noqa: F401
from heat_tests.fixtures.engine import FAST_BACKOFF, database, engine_client  # noqa: F401

EVALUATION_INTERVAL = 0.1


@pytest.fixture
def evaluation_interval():
    """Seconds between the engine's alarm evaluations: long, so that states set by a test
    stay; a test of evaluation parametrizes it (indirectly) to EVALUATION_INTERVAL."""
    return 3600.0


@pytest.fixture
def engine(database, evaluation_interval):  # noqa: F811
    service = EngineService(
        database, backoff=FAST_BACKOFF, alarm_evaluation_interval=evaluation_interval
    ).start()
    yield service
    service.stop()


@pytest.fixture
def cw_server(engine_client, store, keys):  # noqa: F811
    server = HttpServer(make_app(engine_client, store), "127.0.0.1", 0, name="cloudwatch").start()
    server.keys = keys
    yield server
    server.stop()


def client(server, key: Key, **overrides):
    """A boto3 cloudwatch client for `server`; see boto3_client."""
    return boto3_client("cloudwatch", server, key, **overrides)


@pytest.fixture
def cw(cw_server, keys):  # noqa: F811
    return client(cw_server, keys["a"])


@pytest.fixture
def cw_b(cw_server, keys):  # noqa: F811
    return client(cw_server, keys["b"])
