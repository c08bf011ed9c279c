"""EngineClient: the APIs' handle on the engine, one method per EngineService operation.

    client = EngineClient(transport)                       # heat.rpc.transport
    client.create_stack(ctx, "web", template_text, {"KeyName": "k"}, timeout_mins=10)

Same names and arguments as EngineService; `ctx` is a RequestContext (or its dict form).
Results are plain JSON data: datetimes arrive as ISO 8601 strings (UTC, no zone suffix).
A HeatError raised by the engine is raised here as the same class with the same message;
no engine answering in time raises EngineUnavailable (503).
"""

from __future__ import annotations

import oslo_messaging as messaging

from heat.rpc import envelope
from heat.rpc.envelope import EngineUnavailable
from heat.rpc.transport import TOPIC


class EngineClient:
    """Calls the engine listening on `topic` of `transport`."""

    def __init__(self, transport, topic: str = TOPIC, timeout: float = 60):
        target = messaging.Target(topic=topic, version="1.0")
        self._client = messaging.get_rpc_client(transport, target, timeout=timeout)

    def _call(self, ctx, method: str, **kwargs):
        try:
            answer = self._client.call(envelope.context_to_dict(ctx), method, **kwargs)
        except messaging.MessagingTimeout:
            raise EngineUnavailable("The engine did not answer in time; try again later.")
        except messaging.MessageDeliveryFailure:
            raise EngineUnavailable("The engine cannot be reached; try again later.")
        return envelope.unwrap(answer)

    # -- stacks --

    def validate_template(self, ctx, template_text, parameters=None) -> dict:
        return self._call(
            ctx, "validate_template", template_text=template_text, parameters=parameters
        )

    def create_stack(
        self,
        ctx,
        name,
        template_text,
        parameters=None,
        *,
        timeout_mins=None,
        disable_rollback=False,
        on_failure=None,
        tags=(),
    ) -> dict:
        return self._call(
            ctx,
            "create_stack",
            name=name,
            template_text=template_text,
            parameters=parameters,
            timeout_mins=timeout_mins,
            disable_rollback=disable_rollback,
            on_failure=on_failure,
            tags=list(tags),
        )

    def delete_stack(self, ctx, name_or_id) -> None:
        return self._call(ctx, "delete_stack", name_or_id=name_or_id)

    def update_stack(
        self,
        ctx,
        name_or_id,
        template_text=None,
        parameters=None,
        *,
        existing=False,
        timeout_mins=None,
        disable_rollback=None,
        require_changes=False,
    ) -> dict:
        return self._call(
            ctx,
            "update_stack",
            name_or_id=name_or_id,
            template_text=template_text,
            parameters=parameters,
            existing=existing,
            timeout_mins=timeout_mins,
            disable_rollback=disable_rollback,
            require_changes=require_changes,
        )

    def preview_update(
        self, ctx, name_or_id, template_text=None, parameters=None, *, existing=False
    ) -> dict:
        return self._call(
            ctx,
            "preview_update",
            name_or_id=name_or_id,
            template_text=template_text,
            parameters=parameters,
            existing=existing,
        )

    def cancel_update(self, ctx, name_or_id) -> None:
        return self._call(ctx, "cancel_update", name_or_id=name_or_id)

    def list_stacks(self, ctx, **filters) -> list[dict]:
        return self._call(ctx, "list_stacks", **filters)

    def show_stack(self, ctx, name_or_id) -> dict:
        return self._call(ctx, "show_stack", name_or_id=name_or_id)

    def get_template(self, ctx, name_or_id) -> dict:
        return self._call(ctx, "get_template", name_or_id=name_or_id)

    def stack_outputs(self, ctx, name_or_id) -> list[dict]:
        return self._call(ctx, "stack_outputs", name_or_id=name_or_id)

    # -- resources and events --

    def list_resources(self, ctx, name_or_id) -> list[dict]:
        return self._call(ctx, "list_resources", name_or_id=name_or_id)

    def show_resource(self, ctx, name_or_id, resource_name) -> dict:
        return self._call(ctx, "show_resource", name_or_id=name_or_id, resource_name=resource_name)

    def list_events(self, ctx, name_or_id, resource_name=None, **kw) -> list[dict]:
        return self._call(
            ctx, "list_events", name_or_id=name_or_id, resource_name=resource_name, **kw
        )

    # -- signals --

    def signal_resource(
        self,
        ctx,
        name_or_id,
        resource_name,
        unique_id=None,
        status="SUCCESS",
        reason=None,
        data=None,
    ) -> None:
        return self._call(
            ctx,
            "signal_resource",
            name_or_id=name_or_id,
            resource_name=resource_name,
            unique_id=unique_id,
            status=status,
            reason=reason,
            data=data,
        )

    def signal_wait_condition(
        self,
        ctx,
        stack_id,
        handle_name,
        signature,
        status=None,
        reason=None,
        unique_id=None,
        data=None,
    ) -> None:
        return self._call(
            ctx,
            "signal_wait_condition",
            stack_id=stack_id,
            handle_name=handle_name,
            signature=signature,
            status=status,
            reason=reason,
            unique_id=unique_id,
            data=data,
        )

    def execute_scaling_policy(self, ctx, name_or_id, policy_name, cause="Executed") -> dict:
        return self._call(
            ctx,
            "execute_scaling_policy",
            name_or_id=name_or_id,
            policy_name=policy_name,
            cause=cause,
        )

    def signal_scaling_policy(self, ctx, stack_id, policy_name, signature) -> dict:
        return self._call(
            ctx,
            "signal_scaling_policy",
            stack_id=stack_id,
            policy_name=policy_name,
            signature=signature,
        )

    # -- CFN change sets --

    def create_change_set(
        self,
        ctx,
        stack_name,
        change_set_name,
        template_text=None,
        parameters=None,
        *,
        existing=False,
        change_set_type="UPDATE",
        description=None,
        tags=(),
        capabilities=(),
        on_failure=None,
    ) -> dict:
        return self._call(
            ctx,
            "create_change_set",
            stack_name=stack_name,
            change_set_name=change_set_name,
            template_text=template_text,
            parameters=parameters,
            existing=existing,
            change_set_type=change_set_type,
            description=description,
            tags=list(tags),
            capabilities=list(capabilities),
            on_failure=on_failure,
        )

    def show_change_set(self, ctx, change_set, stack=None) -> dict:
        return self._call(ctx, "show_change_set", change_set=change_set, stack=stack)

    def list_change_sets(self, ctx, stack, limit=None, marker=None) -> list[dict]:
        return self._call(ctx, "list_change_sets", stack=stack, limit=limit, marker=marker)

    def get_change_set_template(self, ctx, change_set, stack=None):
        return self._call(ctx, "get_change_set_template", change_set=change_set, stack=stack)

    def execute_change_set(self, ctx, change_set, stack=None, *, disable_rollback=None) -> dict:
        return self._call(
            ctx,
            "execute_change_set",
            change_set=change_set,
            stack=stack,
            disable_rollback=disable_rollback,
        )

    def delete_change_set(self, ctx, change_set, stack=None) -> None:
        return self._call(ctx, "delete_change_set", change_set=change_set, stack=stack)

    # -- CloudWatch: metric data and alarms --

    def put_metric_data(self, ctx, namespace, metric_data) -> None:
        return self._call(ctx, "put_metric_data", namespace=namespace, metric_data=metric_data)

    def list_metrics(self, ctx, namespace=None, metric_name=None, dimensions_filter=None):
        return self._call(
            ctx,
            "list_metrics",
            namespace=namespace,
            metric_name=metric_name,
            dimensions_filter=dimensions_filter,
        )

    def get_metric_statistics(
        self,
        ctx,
        namespace,
        metric_name,
        start_time,
        end_time,
        period,
        statistics_wanted,
        dimensions_filter=None,
        unit=None,
    ) -> dict:
        return self._call(
            ctx,
            "get_metric_statistics",
            namespace=namespace,
            metric_name=metric_name,
            start_time=start_time,
            end_time=end_time,
            period=period,
            statistics_wanted=list(statistics_wanted),
            dimensions_filter=dimensions_filter,
            unit=unit,
        )

    def put_metric_alarm(self, ctx, alarm) -> None:
        return self._call(ctx, "put_metric_alarm", alarm=alarm)

    def describe_alarms(self, ctx, names=None, state=None, prefix=None) -> list[dict]:
        return self._call(ctx, "describe_alarms", names=names, state=state, prefix=prefix)

    def delete_alarms(self, ctx, names) -> None:
        return self._call(ctx, "delete_alarms", names=list(names))

    def enable_alarm_actions(self, ctx, names) -> None:
        return self._call(ctx, "enable_alarm_actions", names=list(names))

    def disable_alarm_actions(self, ctx, names) -> None:
        return self._call(ctx, "disable_alarm_actions", names=list(names))

    def set_alarm_state(self, ctx, name, state, reason, reason_data=None) -> None:
        return self._call(
            ctx, "set_alarm_state", name=name, state=state, reason=reason, reason_data=reason_data
        )

    # -- resource types (from the engine's registry) --

    def list_resource_types(self, ctx, name=None) -> list[str]:
        return self._call(ctx, "list_resource_types", name=name)

    def resource_schema(self, ctx, type_name) -> dict:
        return self._call(ctx, "resource_schema", type_name=type_name)
