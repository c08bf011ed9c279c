"""EngineClient -> EngineServer over the in-process transport and over RabbitMQ."""

from __future__ import annotations

import datetime
import inspect
import socket
import uuid
import warnings

import pytest

from heat.common.context import RequestContext
from heat.common.exception import Conflict, StackNotFound, TemplateError
from heat.engine.service import EngineService

warnings.filterwarnings("ignore", category=DeprecationWarning)

from heat.rpc import transport as rpc_transport  # noqa: E402
from heat.rpc.client import EngineClient  # noqa: E402
from heat.rpc.envelope import RemoteInternalError  # noqa: E402
from heat.rpc.server import SERVICE_OPERATIONS, EngineServer  # noqa: E402

RABBIT_URL = "rabbit://guest:guest@127.0.0.1:5672/"


class FakeService:
    class registry:
        @staticmethod
        def names():
            return ["AWS::EC2::Instance", "OS::Heat::RandomString"]

        @staticmethod
        def get(name):
            return None

    def __init__(self):
        self.calls = []

    def list_stacks(self, ctx, **filters):
        self.calls.append((ctx, filters))
        return [{"id": "s", "creation_time": datetime.datetime(2024, 1, 2, 3, 4, 5, 6)}]

    def show_stack(self, ctx, name_or_id):
        raise StackNotFound(name_or_id)

    def delete_stack(self, ctx, name_or_id):
        raise Conflict("Stack web already has an action (CREATE_IN_PROGRESS) in progress.")

    def validate_template(self, ctx, template_text, parameters=None):
        raise TemplateError(["Resources.A: bad", "Resources.B: worse"])

    def get_template(self, ctx, name_or_id):
        raise ValueError("a bug with /secret/path in it")


def _rabbit_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5672), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture(params=["inprocess", "rabbit"])
def rpc(request):
    if request.param == "rabbit":
        if not _rabbit_reachable():
            pytest.skip("RabbitMQ is not reachable at 127.0.0.1:5672")
        transport = rpc_transport.get_transport(url=RABBIT_URL)
    else:
        transport = rpc_transport.in_process_transport()
    topic = f"heat-engine-test-{uuid.uuid4().hex[:8]}"
    service = FakeService()
    server = EngineServer(service, transport, topic=topic).start()
    try:
        yield service, EngineClient(transport, topic=topic, timeout=10)
    finally:
        server.stop()
        transport.cleanup()


CTX = RequestContext("project-a", "user-a", ("member",), "tok", "RegionOne")


def test_results_and_context_cross(rpc):
    service, client = rpc
    assert client.list_stacks(CTX, limit=3) == [
        {"id": "s", "creation_time": "2024-01-02T03:04:05.000006"}
    ]
    assert service.calls == [(CTX, {"limit": 3})]


def test_heat_errors_keep_class_and_message(rpc):
    _, client = rpc
    with pytest.raises(StackNotFound) as info:
        client.show_stack(CTX, "web")
    assert info.value.message == "Stack with id web does not exist"
    with pytest.raises(Conflict) as info:
        client.delete_stack(CTX, "web")
    assert str(info.value) == "Stack web already has an action (CREATE_IN_PROGRESS) in progress."
    with pytest.raises(TemplateError) as info:
        client.validate_template(CTX, "x")
    assert info.value.findings == ["Resources.A: bad", "Resources.B: worse"]


def test_other_errors_are_hidden(rpc):
    _, client = rpc
    with pytest.raises(RemoteInternalError) as info:
        client.get_template(CTX, "web")
    assert info.value.message == "Internal error"


def test_registry_operations(rpc):
    _, client = rpc
    assert client.list_resource_types(CTX, "Heat") == ["OS::Heat::RandomString"]
    with pytest.raises(StackNotFound.__mro__[1]) as info:  # NotFound
        client.resource_schema(CTX, "OS::Nope")
    assert info.value.message == "The Resource Type (OS::Nope) could not be found."


def _named_parameters(function) -> set[str]:
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    parameters = list(inspect.signature(function).parameters.values())[2:]  # self, ctx
    return {p.name for p in parameters if p.kind in kinds}


def test_every_client_operation_is_served_with_the_services_arguments():
    registry_operations = {"list_resource_types", "resource_schema"}
    operations = [
        name
        for name, _ in inspect.getmembers(EngineClient, inspect.isfunction)
        if not name.startswith("_")
    ]
    assert set(operations) == set(SERVICE_OPERATIONS) | registry_operations
    for name in SERVICE_OPERATIONS:
        client_side = _named_parameters(getattr(EngineClient, name))
        assert client_side <= _named_parameters(getattr(EngineService, name)), name
