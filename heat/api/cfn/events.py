"""DescribeStackEvents: newest first, one page at a time; deleted stacks by id or ARN."""

from __future__ import annotations

from heat.api.cfn import views
from heat.api.cfn.params import next_token
from heat.api.cfn.service import stack_ref
from heat.common.exception import StackNotFound

_STACK_TYPE = "OS::Heat::Stack"


def describe_stack_events(svc, ctx, params) -> dict:
    given = params.string("StackName", required=True, max_len=255)
    ref = stack_ref(given)
    rows = svc.engine.list_events(
        ctx, ref, limit=svc.page_size + 1, marker=params.next_token(), sort_dir="desc"
    )
    more = len(rows) > svc.page_size
    rows = rows[: svc.page_size]
    if not rows:
        # Either no events yet or an unknown stack: the engine says which.
        stack = svc.engine.show_stack(ctx, ref)
        stack_id, name = stack["id"], stack["stack_name"]
    else:
        stack_id = rows[0]["stack_id"]
        name = _stack_name(svc, ctx, ref, stack_id, rows)
    arn = svc.arn(ctx.project_id, name, stack_id)
    return {
        "StackEvents": [views.event(arn, name, row) for row in rows],
        "NextToken": next_token(rows[-1]["uuid"]) if more else None,
    }


def _stack_name(svc, ctx, ref, stack_id, rows) -> str:
    if ref != stack_id:
        return ref
    for row in rows:
        if row["resource_type"] == _STACK_TYPE:
            return row["resource_name"]
    try:
        return svc.engine.show_stack(ctx, stack_id)["stack_name"]
    except StackNotFound:
        # A deleted stack: its first event is about the stack itself.
        return svc.engine.list_events(ctx, stack_id, limit=1, sort_dir="asc")[0]["resource_name"]


ACTIONS = {"DescribeStackEvents": describe_stack_events}
