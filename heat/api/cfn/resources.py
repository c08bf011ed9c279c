"""Resource actions: DescribeStackResource, DescribeStackResources, ListStackResources."""

from __future__ import annotations

from heat.api.aws.errors import ValidationError
from heat.api.cfn import views
from heat.api.cfn.params import next_token
from heat.api.cfn.service import stack_ref


def describe_stack_resource(svc, ctx, params) -> dict:
    ref = stack_ref(params.string("StackName", required=True, max_len=255))
    name = params.string("LogicalResourceId", required=True, max_len=255)
    stack = svc.engine.show_stack(ctx, ref)
    res = svc.engine.show_resource(ctx, stack["id"], name)
    return {"StackResourceDetail": views.resource(svc, stack, res, detail=True)}


def describe_stack_resources(svc, ctx, params) -> dict:
    name = params.string("StackName", max_len=255)
    if not name:
        if params.get("PhysicalResourceId"):
            raise ValidationError(
                "Looking resources up by PhysicalResourceId alone is not supported here; "
                "give StackName"
            )
        raise ValidationError("Either StackName or PhysicalResourceId must be specified.")
    stack = svc.engine.show_stack(ctx, stack_ref(name))
    logical = params.get("LogicalResourceId")
    physical = params.get("PhysicalResourceId")
    resources = [
        views.resource(svc, stack, res, detail=False)
        for res in svc.engine.list_resources(ctx, stack["id"])
        if (logical is None or res["resource_name"] == logical)
        and (physical is None or res.get("physical_resource_id") == physical)
    ]
    return {"StackResources": resources}


def list_stack_resources(svc, ctx, params) -> dict:
    ref = stack_ref(params.string("StackName", required=True, max_len=255))
    resources = sorted(svc.engine.list_resources(ctx, ref), key=lambda r: r["resource_name"])
    marker = params.next_token()
    if marker is not None:
        resources = [r for r in resources if r["resource_name"] > marker]
    page = resources[: svc.page_size]
    more = len(resources) > svc.page_size
    return {
        "StackResourceSummaries": [views.resource_summary(r) for r in page],
        "NextToken": next_token(page[-1]["resource_name"]) if more else None,
    }


ACTIONS = {
    "DescribeStackResource": describe_stack_resource,
    "DescribeStackResources": describe_stack_resources,
    "ListStackResources": list_stack_resources,
}
