"""Stack actions: ListStacks, DescribeStacks, CreateStack, UpdateStack, DeleteStack,
CancelUpdateStack."""

from __future__ import annotations

from heat.api.aws.errors import ValidationError
from heat.api.cfn import views
from heat.api.cfn.params import ON_FAILURE, STACK_NAME, next_token
from heat.api.cfn.service import stack_ref
from heat.common.exception import StackInProgress, StackNotFound

# ListStacks lists deleted stacks too, as AWS does (for as long as they are kept).
MAX_LIST_ROUNDS = 50


def _stack_name(params) -> str:
    return params.string("StackName", required=True, max_len=255)


def list_stacks(svc, ctx, params) -> dict:
    wanted = set(params.members("StackStatusFilter"))
    marker = params.next_token()
    found: list[dict] = []
    resume = None
    for _ in range(MAX_LIST_ROUNDS):
        page = svc.engine.list_stacks(ctx, show_deleted=True, limit=svc.page_size, marker=marker)
        for stack in page:
            marker = stack["id"]
            if not wanted or stack["stack_status"] in wanted:
                found.append(stack)
                if len(found) == svc.page_size:
                    break
        if len(found) == svc.page_size:
            resume = marker
            break
        if len(page) < svc.page_size:
            break
    else:
        resume = marker  # a sparse filter: hand back what was found and where to go on
    return {
        "StackSummaries": [views.stack_summary(svc, s) for s in found],
        "NextToken": next_token(resume),
    }


def describe_stacks(svc, ctx, params) -> dict:
    name = params.string("StackName", max_len=255)
    if name:
        return {"Stacks": [views.stack(svc, svc.engine.show_stack(ctx, stack_ref(name)))]}
    marker = params.next_token()
    page = svc.engine.list_stacks(ctx, limit=svc.page_size + 1, marker=marker)
    more = len(page) > svc.page_size
    page = page[: svc.page_size]
    stacks = []
    for summary in page:
        try:
            stacks.append(views.stack(svc, svc.engine.show_stack(ctx, summary["id"])))
        except StackNotFound:
            continue  # deleted since it was listed
    return {
        "Stacks": stacks,
        "NextToken": next_token(page[-1]["id"]) if more and page else None,
    }


def _timeout(params) -> int | None:
    return params.integer("TimeoutInMinutes", minimum=1, maximum=43200)


def create_stack(svc, ctx, params) -> dict:
    name = params.string("StackName", required=True, max_len=128, pattern=STACK_NAME)
    template = svc.fetcher.from_params(params)
    values, _ = params.parameters(allow_previous=False)
    disable_rollback = params.boolean("DisableRollback")
    on_failure = params.string("OnFailure", choices=ON_FAILURE)
    if disable_rollback is not None and on_failure is not None:
        raise ValidationError("You can specify either DisableRollback or OnFailure, but not both.")
    timeout = _timeout(params)
    tags = params.tags()
    params.capabilities()
    params.notification_arns()
    created = svc.engine.create_stack(
        ctx,
        name,
        template,
        values,
        timeout_mins=timeout,
        disable_rollback=bool(disable_rollback),
        on_failure=on_failure,
        tags=tags,
    )
    return {"StackId": svc.arn(ctx.project_id, created["stack_name"], created["stack_id"])}


def update_stack(svc, ctx, params) -> dict:
    name = _stack_name(params)
    template = svc.fetcher.from_params(params, allow_previous=True)
    values, previous = params.parameters(allow_previous=True)
    params.capabilities()
    params.notification_arns()
    params.tags()
    updated = svc.engine.update_stack(
        ctx,
        stack_ref(name),
        template,
        values,
        existing=bool(previous),
        timeout_mins=_timeout(params),
        disable_rollback=params.boolean("DisableRollback"),
        require_changes=True,
    )
    return {"StackId": svc.arn(ctx.project_id, updated["stack_name"], updated["stack_id"])}


def delete_stack(svc, ctx, params) -> dict:
    ref = stack_ref(_stack_name(params))
    try:
        svc.engine.delete_stack(ctx, ref)
    except StackNotFound:
        pass  # AWS: deleting a stack that is not there succeeds
    except StackInProgress:
        if svc.engine.show_stack(ctx, ref)["stack_status"] != "DELETE_IN_PROGRESS":
            raise
    return {}


def cancel_update_stack(svc, ctx, params) -> dict:
    svc.engine.cancel_update(ctx, stack_ref(_stack_name(params)))
    return {}


ACTIONS = {
    "ListStacks": list_stacks,
    "DescribeStacks": describe_stacks,
    "CreateStack": create_stack,
    "UpdateStack": update_stack,
    "DeleteStack": delete_stack,
    "CancelUpdateStack": cancel_update_stack,
}
