"""heat-api-cloudwatch over HTTP on loopback, as heat-all runs it: a real engine on SQLite
behind the in-process RPC transport, and the identity store with two projects (A and B),
each with a member user and an EC2 key (the fixtures of the CFN API's tests)."""

from __future__ import annotations

import warnings

import boto3
import pytest
from botocore.config import Config

from heat.api.cloudwatch.app import make_app
from heat.api.server import HttpServer
from heat.engine.graph_run import Backoff
from heat.engine.service import EngineService
from heat_tests.api.cfn.conftest import Key, database, keys, store  # noqa: F401

warnings.filterwarnings("ignore", category=DeprecationWarning)

from heat.rpc import transport as rpc_transport  # noqa: E402
from heat.rpc.client import EngineClient  # noqa: E402
from heat.rpc.server import EngineServer  # noqa: E402

REGION = "RegionOne"
EVALUATION_INTERVAL = 0.1


@pytest.fixture
def evaluation_interval():
    """Seconds between the engine's alarm evaluations: long, so that states set by a test
    stay; a test of evaluation parametrizes it (indirectly) to EVALUATION_INTERVAL."""
    return 3600.0


@pytest.fixture
def engine(database, evaluation_interval):  # noqa: F811
    service = EngineService(
        database,
        backoff=Backoff(0.005, 2.0, 0.05),
        alarm_evaluation_interval=evaluation_interval,
    ).start()
    yield service
    service.stop()


@pytest.fixture
def engine_client(engine, tmp_path):
    topic = f"heat-engine-{tmp_path.name}"
    transport = rpc_transport.in_process_transport()
    server = EngineServer(engine, transport, topic=topic).start()
    yield EngineClient(transport, topic=topic, timeout=30)
    server.stop()
    transport.cleanup()


@pytest.fixture
def cw_server(engine_client, store, keys):  # noqa: F811
    server = HttpServer(make_app(engine_client, store), "127.0.0.1", 0, name="cloudwatch").start()
    server.keys = keys
    yield server
    server.stop()


def client(server, key: Key, **overrides):
    return boto3.client(
        "cloudwatch",
        endpoint_url=server.url + "/v1",
        region_name=REGION,
        aws_access_key_id=overrides.pop("access_key", key.access_key),
        aws_secret_access_key=overrides.pop("secret", key.secret),
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, **overrides),
    )


@pytest.fixture
def cw(cw_server, keys):  # noqa: F811
    return client(cw_server, keys["a"])


@pytest.fixture
def cw_b(cw_server, keys):  # noqa: F811
    return client(cw_server, keys["b"])
