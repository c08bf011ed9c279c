"""SignalResource, and what a stack user's keys may do on the CFN API.

A stack user (an AWS::IAM::User, role heat_stack_user) may only read its stack's resource
metadata (cfn-init, cfn-get-metadata, cfn-hup) and send signals; which stack and which
resources the engine decides (heat.engine.signals.check_stack_access).
"""

from __future__ import annotations

import datetime
import json

from heat.api.aws.errors import AccessDenied
from heat.api.cfn.service import stack_ref
from heat.engine import signals

STACK_USER_ACTIONS = frozenset(
    {"DescribeStackResource", "DescribeStackResources", "SignalResource"}
)


def check_action(ctx, action: str) -> None:
    """AccessDenied for an action a stack user's keys may not perform."""
    if signals.is_stack_user(ctx) and action not in STACK_USER_ACTIONS:
        raise AccessDenied(f"Stack user credentials may not perform {action[:100]}")


def signal_resource(svc, ctx, params) -> None:
    """SignalResource: StackName, LogicalResourceId, UniqueId, Status (SUCCESS | FAILURE)."""
    svc.engine.signal_resource(
        ctx,
        stack_ref(params.string("StackName", required=True, max_len=255)),
        params.string("LogicalResourceId", required=True, max_len=255),
        unique_id=params.string("UniqueId", required=True, max_len=signals.MAX_UNIQUE_ID),
        status=params.string("Status", required=True, choices=(signals.SUCCESS, signals.FAILURE)),
    )
    return None


def _json_value(value):
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def json_response(action: str, result: dict | None, request_id: str) -> bytes:
    """An answer in the JSON form boto 2 reads when it sends ContentType=JSON:
    {"<Action>Response": {"<Action>Result": {...}, "ResponseMetadata": {...}}}."""
    body = {
        f"{action}Response": {
            f"{action}Result": result or {},
            "ResponseMetadata": {"RequestId": request_id},
        }
    }
    return json.dumps(body, default=_json_value).encode("utf-8")


ACTIONS = {"SignalResource": signal_resource}
