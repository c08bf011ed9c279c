"""EngineServer: an EngineService exposed on an oslo.messaging RPC topic.

    server = EngineServer(service, transport, topic="heat-engine").start()
    ...
    server.stop()

Every call arrives with the caller's context as a dict and keyword arguments; the answer
is an envelope (heat.rpc.envelope) so HeatErrors reach the client as the same class.
"""

from __future__ import annotations

import logging
import socket

import oslo_messaging as messaging

from heat.common.exception import HeatError, NotFound
from heat.rpc import envelope
from heat.rpc.transport import TOPIC

LOG = logging.getLogger(__name__)

# The EngineService operations callable over RPC (same names and arguments).
SERVICE_OPERATIONS = (
    "validate_template",
    "create_stack",
    "delete_stack",
    "update_stack",
    "preview_update",
    "cancel_update",
    "list_stacks",
    "show_stack",
    "list_resources",
    "show_resource",
    "list_events",
    "get_template",
    "stack_outputs",
    "signal_resource",
    "signal_wait_condition",
    "execute_scaling_policy",
    "signal_scaling_policy",
    # CFN change sets (heat.engine.change_sets)
    "create_change_set",
    "show_change_set",
    "list_change_sets",
    "get_change_set_template",
    "execute_change_set",
    "delete_change_set",
    # CloudWatch (heat.engine.watch.operations)
    "put_metric_data",
    "list_metrics",
    "get_metric_statistics",
    "put_metric_alarm",
    "describe_alarms",
    "delete_alarms",
    "enable_alarm_actions",
    "disable_alarm_actions",
    "set_alarm_state",
)


class ResourceTypeNotFound(NotFound):
    def __init__(self, type_name: str):
        super().__init__(f"The Resource Type ({type_name}) could not be found.")


class EngineEndpoint:
    """The RPC endpoint: one method per operation; see SERVICE_OPERATIONS."""

    target = messaging.Target(version="1.0")

    def __init__(self, service):
        self.service = service

    def _call(self, name, ctxt, kwargs):
        try:
            context = envelope.context_from_dict(ctxt or {})
            return envelope.result(self._run(name, context, kwargs))
        except HeatError as exc:
            return envelope.error(exc)
        except Exception as exc:  # a bug: logged here, hidden from the caller
            LOG.exception("engine operation %s failed", name)
            return envelope.error(exc)

    def _run(self, name, context, kwargs):
        local = getattr(self, f"op_{name}", None)
        if local is not None:
            return local(context, **kwargs)
        operation = getattr(self.service, name, None)
        if operation is None:
            raise OperationNotSupported(f"The engine does not support {name}.")
        return operation(context, **kwargs)

    # Operations answered from the engine's registry rather than from stack state.

    def op_list_resource_types(self, context, name=None):
        names = self.service.registry.names()
        if name:
            names = [n for n in names if name in n]
        return names

    def op_resource_schema(self, context, type_name):
        plugin = self.service.registry.get(type_name)
        if plugin is None:
            raise ResourceTypeNotFound(type_name)
        return plugin.schema_document()


class OperationNotSupported(HeatError):
    status = 501
    code = "NotImplemented"


def _make_operation(name):
    def operation(self, ctxt, **kwargs):
        return self._call(name, ctxt, kwargs)

    operation.__name__ = name
    operation.__doc__ = f"RPC endpoint of EngineService.{name}."
    return operation


for _name in (*SERVICE_OPERATIONS, "list_resource_types", "resource_schema"):
    setattr(EngineEndpoint, _name, _make_operation(_name))


class EngineServer:
    """An RPC server dispatching the topic's calls to an EngineService, in worker threads."""

    def __init__(self, service, transport, topic: str = TOPIC, server: str | None = None):
        target = messaging.Target(topic=topic, server=server or socket.gethostname())
        self.endpoint = EngineEndpoint(service)
        self._server = messaging.get_rpc_server(
            transport,
            target,
            [self.endpoint],
            access_policy=messaging.DefaultRPCAccessPolicy,
        )

    def start(self) -> EngineServer:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()
        self._server.wait()
