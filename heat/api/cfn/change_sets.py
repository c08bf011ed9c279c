"""Change set actions: CreateChangeSet, DescribeChangeSet, ExecuteChangeSet,
DeleteChangeSet, ListChangeSets.

The engine makes, keeps and executes change sets (heat.engine.change_sets); these handlers
read the request, name change sets by ARN, and render the engine's answers as AWS does.
"""

from __future__ import annotations

from heat.api.aws.errors import ValidationError
from heat.api.cfn.params import CHANGE_SET_NAME, ON_FAILURE, STACK_NAME, next_token, tag_pairs
from heat.api.cfn.service import stack_ref
from heat.api.cfn.views import when
from heat.engine.parameters import PARTITION

TYPES = ("UPDATE", "CREATE", "IMPORT")
_ACTIONS = {"added": "Add", "updated": "Modify", "replaced": "Modify", "deleted": "Remove"}
_RECREATION = {"True": "Always", "Conditional": "Conditionally"}


def arn(project_id: str, name: str, change_set_id: str) -> str:
    return f"arn:{PARTITION}:heat::{project_id}:changeSet/{name}/{change_set_id}"


def reference(params) -> tuple[str, str | None]:
    """(change set id or name, stack reference or None) from ChangeSetName and StackName."""
    name_or_arn = params.string("ChangeSetName", required=True, max_len=1600)
    stack = params.get("StackName")
    if name_or_arn.startswith("arn:"):
        return name_or_arn.rsplit("/", 1)[-1], stack_ref(stack) if stack else None
    if not stack:
        raise ValidationError("StackName must be specified if ChangeSetName is not an ARN.")
    return name_or_arn, stack_ref(stack)


def resource_change(change: dict) -> dict:
    """One change the engine previewed, as a Change of DescribeChangeSet."""
    action = _ACTIONS[change["kind"]]
    resource = {
        "Action": action,
        "LogicalResourceId": change["resource_name"],
        "PhysicalResourceId": change.get("physical_resource_id") or None,
        "ResourceType": change["resource_type"],
    }
    if action == "Modify":
        properties = change.get("changed_properties") or []
        replacement = "True" if change["kind"] == "replaced" else change.get("replacement")
        resource["Replacement"] = replacement or "False"
        resource["Scope"] = ["Properties"] if properties else []
        resource["Details"] = [
            {
                "Target": {
                    "Attribute": "Properties",
                    "Name": name,
                    "RequiresRecreation": _RECREATION.get(resource["Replacement"], "Never"),
                },
                "Evaluation": "Static",
                "ChangeSource": "DirectModification",
            }
            # "Properties" stands for "some, not known before the update runs".
            for name in properties
            if name != "Properties"
        ]
    return {"Type": "Resource", "ResourceChange": resource}


def create_change_set(svc, ctx, params) -> dict:
    kind = params.string("ChangeSetType", choices=TYPES) or "UPDATE"
    if kind == "CREATE":
        stack_name = params.string("StackName", required=True, max_len=128, pattern=STACK_NAME)
    else:
        stack_name = stack_ref(params.string("StackName", required=True, max_len=255))
    name = params.string("ChangeSetName", required=True, max_len=128, pattern=CHANGE_SET_NAME)
    description = params.string("Description", max_len=1024)
    on_failure = params.string("OnStackFailure", choices=ON_FAILURE)
    template = svc.fetcher.from_params(params, allow_previous=True)
    values, previous = params.parameters(allow_previous=True)
    capabilities = params.capabilities()
    params.notification_arns()
    created = svc.engine.create_change_set(
        ctx,
        stack_name,
        name,
        template,
        values,
        existing=bool(previous),
        change_set_type=kind,
        description=description,
        tags=params.tags(),
        capabilities=capabilities,
        on_failure=on_failure,
    )
    return {
        "Id": arn(ctx.project_id, name, created["id"]),
        "StackId": svc.arn(ctx.project_id, created["stack_name"], created["stack_id"]),
    }


def _summary(svc, found: dict) -> dict:
    return {
        "StackId": svc.arn(found["project"], found["stack_name"], found["stack_id"]),
        "StackName": found["stack_name"],
        "ChangeSetId": arn(found["project"], found["name"], found["id"]),
        "ChangeSetName": found["name"],
        "ExecutionStatus": found["execution_status"],
        "Status": found["status"],
        "StatusReason": found["status_reason"],
        "CreationTime": when(found["creation_time"]),
        "Description": found["description"],
        "IncludeNestedStacks": False,
    }


def describe_change_set(svc, ctx, params) -> dict:
    found = svc.engine.show_change_set(ctx, *reference(params))
    return {
        **_summary(svc, found),
        "Parameters": [
            {"ParameterKey": key, "ParameterValue": str(value)}
            for key, value in sorted(found["parameters"].items())
        ],
        "NotificationARNs": [],
        "Capabilities": found["capabilities"],
        "Tags": tag_pairs(found["tags"]),
        "OnStackFailure": found["on_failure"],
        "Changes": [resource_change(change) for change in found["changes"]],
    }


def execute_change_set(svc, ctx, params) -> dict:
    change_set, stack = reference(params)
    svc.engine.execute_change_set(
        ctx, change_set, stack, disable_rollback=params.boolean("DisableRollback")
    )
    return {}


def delete_change_set(svc, ctx, params) -> dict:
    svc.engine.delete_change_set(ctx, *reference(params))
    return {}


def list_change_sets(svc, ctx, params) -> dict:
    stack = stack_ref(params.string("StackName", required=True, max_len=255))
    rows = svc.engine.list_change_sets(
        ctx, stack, limit=svc.page_size + 1, marker=params.next_token()
    )
    more = len(rows) > svc.page_size
    rows = rows[: svc.page_size]
    return {
        "Summaries": [_summary(svc, row) for row in rows],
        "NextToken": next_token(rows[-1]["id"]) if more else None,
    }


ACTIONS = {
    "CreateChangeSet": create_change_set,
    "DescribeChangeSet": describe_change_set,
    "ExecuteChangeSet": execute_change_set,
    "DeleteChangeSet": delete_change_set,
    "ListChangeSets": list_change_sets,
}
