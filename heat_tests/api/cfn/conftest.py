"""heat-api-cfn over HTTP on loopback, as heat-all runs it: a real engine on SQLite behind
the in-process RPC transport, and the identity store with two projects (A and B), each
with a member user and an EC2 key."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import boto3
import pytest
from botocore.config import Config
from cryptography.fernet import Fernet

from heat.api.cfn.app import make_app
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

REGION = "RegionOne"


@dataclass(frozen=True)
class Key:
    access_key: str
    secret: str
    project_id: str


def _key(store, name) -> Key:
    project = store.create_project(f"project-{name}")
    user = store.create_user(f"user-{name}", f"pw-{name}-long-enough", project.id)
    store.grant(user.id, project.id, "member")
    access, secret = store.create_ec2_credentials(user.id, project.id)
    return Key(access, secret, project.id)


@pytest.fixture
def database(tmp_path):
    url = f"sqlite:///{tmp_path}/heat.sqlite"
    migration.db_sync(url)
    db = Database(url, crypter=crypt.Crypter(Fernet.generate_key().decode()))
    yield db
    db.dispose()


@pytest.fixture
def store(database):
    return IdentityStore.for_database(database)


@pytest.fixture
def keys(store):
    return {"a": _key(store, "a"), "b": _key(store, "b")}


@pytest.fixture
def engine(database):
    service = EngineService(database, backoff=Backoff(0.005, 2.0, 0.05)).start()
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


def serve(engine_client, store, database, **kwargs) -> HttpServer:
    app = make_app(engine_client, store, None, database=database, **kwargs)
    return HttpServer(app, "127.0.0.1", 0, name="cfn").start()


@pytest.fixture
def cfn_server(engine_client, store, database, keys):
    server = serve(engine_client, store, database)
    server.keys = keys
    yield server
    server.stop()


def client(server, key: Key, **overrides):
    return boto3.client(
        "cloudformation",
        endpoint_url=server.url + "/v1",
        region_name=REGION,
        aws_access_key_id=overrides.pop("access_key", key.access_key),
        aws_secret_access_key=overrides.pop("secret", key.secret),
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, **overrides),
    )


@pytest.fixture
def cfn(cfn_server, keys):
    return client(cfn_server, keys["a"])


@pytest.fixture
def cfn_b(cfn_server, keys):
    return client(cfn_server, keys["b"])
