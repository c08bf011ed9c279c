"""Change sets, built on the engine's update preview.

CreateChangeSet previews the update and stores the request with the changes; Execute runs
exactly that request as an update. Only changes to existing stacks (ChangeSetType UPDATE)
are supported: the engine has no "review in progress" state for a stack yet to be created.
"""

from __future__ import annotations

import uuid

from heat.api.aws.errors import ChangeSetNotFound, InvalidChangeSetStatus, ValidationError
from heat.api.cfn.params import CHANGE_SET_NAME, next_token
from heat.api.cfn.service import stack_ref
from heat.db.change_sets import ChangeSetExists
from heat.engine import template_format
from heat.engine.parameters import MASK, PARTITION

NO_CHANGES = (
    "The submitted information didn't contain changes. Submit different information to "
    "create a change set."
)
_ACTIONS = {"added": "Add", "updated": "Modify", "replaced": "Modify", "deleted": "Remove"}


def arn(project_id: str, name: str, change_set_id: str) -> str:
    return f"arn:{PARTITION}:heat::{project_id}:changeSet/{name}/{change_set_id}"


def find(svc, ctx, name_or_arn: str, stack: str | None) -> dict:
    """The change set named (with its stack) or given by ARN; ChangeSetNotFound otherwise."""
    if name_or_arn.startswith("arn:"):
        found = svc.db.change_sets.find(ctx.project_id, name_or_arn.rsplit("/", 1)[-1])
    elif stack is None:
        raise ValidationError("StackName must be specified if ChangeSetName is not an ARN.")
    else:
        stack_id = svc.engine.show_stack(ctx, stack_ref(stack))["id"]
        found = svc.db.change_sets.find(ctx.project_id, name_or_arn, stack_id=stack_id)
    if found is None:
        raise ChangeSetNotFound(f"ChangeSet [{name_or_arn}] does not exist")
    return found


def _masked(parameters: dict, previous: list, template_data: dict, current: dict) -> list[dict]:
    declared = template_data.get("Parameters") or {}
    out = []
    for key in sorted(set(parameters) | set(previous)):
        decl = declared.get(key) if isinstance(declared.get(key), dict) else {}
        secret = str(decl.get("NoEcho", "false")).lower() == "true"
        if key in parameters:
            value = MASK if secret else parameters[key]
        else:
            value = current.get(key)
        out.append({"ParameterKey": key, "ParameterValue": value})
    return out


def _resource_changes(preview: dict, physical: dict) -> list[dict]:
    changes = []
    for kind, action in _ACTIONS.items():
        for change in preview.get(kind, []):
            name = change["resource_name"]
            replacement = "True" if kind == "replaced" else change.get("replacement") or "False"
            recreation = {"True": "Always", "Conditional": "Conditionally"}.get(
                replacement, "Never"
            )
            resource = {
                "Action": action,
                "LogicalResourceId": name,
                "PhysicalResourceId": physical.get(name) or None,
                "ResourceType": change["resource_type"],
            }
            if action == "Modify":
                properties = change.get("changed_properties") or []
                resource["Replacement"] = replacement
                resource["Scope"] = ["Properties"] if properties else []
                resource["Details"] = [
                    {
                        "Target": {
                            "Attribute": "Properties",
                            "Name": prop,
                            "RequiresRecreation": recreation,
                        },
                        "Evaluation": "Static",
                        "ChangeSource": "DirectModification",
                    }
                    for prop in properties
                    if prop != "Properties"
                ]
            changes.append({"Type": "Resource", "ResourceChange": resource})
    return changes


def create_change_set(svc, ctx, params) -> dict:
    stack_name = params.string("StackName", required=True, max_len=255)
    name = params.string("ChangeSetName", required=True, max_len=128, pattern=CHANGE_SET_NAME)
    kind = params.string("ChangeSetType", choices=("UPDATE", "CREATE", "IMPORT")) or "UPDATE"
    if kind != "UPDATE":
        raise ValidationError(
            f"ChangeSetType {kind} is not supported: create the stack with CreateStack, "
            "then change it with change sets of type UPDATE"
        )
    description = params.string("Description", max_len=1024)
    template = svc.fetcher.from_params(params, allow_previous=True)
    values, previous = params.parameters(allow_previous=True)
    params.capabilities()
    tags = params.tags()
    stack = svc.engine.show_stack(ctx, stack_ref(stack_name))
    preview = svc.engine.preview_update(ctx, stack["id"], template, values, existing=bool(previous))
    physical = {
        r["resource_name"]: r.get("physical_resource_id")
        for r in svc.engine.list_resources(ctx, stack["id"])
    }
    changes = _resource_changes(preview, physical)
    data = (
        template_format.parse(template, max_size=svc.fetcher.max_size)[0]
        if template is not None
        else svc.engine.get_template(ctx, stack["id"])
    )
    request = {
        "template": template,
        "parameters": values,
        "previous": previous,
        "display_parameters": _masked(values, previous, data, stack.get("parameters") or {}),
        "tags": tags,
    }
    status, reason, execution = "CREATE_COMPLETE", None, "AVAILABLE"
    if not changes and template is None and not values:
        status, reason, execution = "FAILED", NO_CHANGES, "UNAVAILABLE"
    change_set_id = str(uuid.uuid4())
    try:
        svc.db.change_sets.insert(
            {
                "id": change_set_id,
                "name": name,
                "project_id": ctx.project_id,
                "stack_id": stack["id"],
                "stack_name": stack["stack_name"],
                "description": description,
                "status": status,
                "status_reason": reason,
                "execution_status": execution,
                "request": request,
                "changes": changes,
            }
        )
    except ChangeSetExists:
        raise ValidationError(f"ChangeSet {name} already exists") from None
    return {
        "Id": arn(ctx.project_id, name, change_set_id),
        "StackId": svc.arn(ctx.project_id, stack["stack_name"], stack["id"]),
    }


def _summary(svc, ctx, found: dict) -> dict:
    return {
        "StackId": svc.arn(ctx.project_id, found["stack_name"], found["stack_id"]),
        "StackName": found["stack_name"],
        "ChangeSetId": arn(ctx.project_id, found["name"], found["id"]),
        "ChangeSetName": found["name"],
        "ExecutionStatus": found["execution_status"],
        "Status": found["status"],
        "StatusReason": found["status_reason"],
        "CreationTime": found["created_at"],
        "Description": found["description"],
        "IncludeNestedStacks": False,
    }


def describe_change_set(svc, ctx, params) -> dict:
    found = find(
        svc,
        ctx,
        params.string("ChangeSetName", required=True, max_len=1600),
        params.get("StackName"),
    )
    request = found["request"]
    return {
        **_summary(svc, ctx, found),
        "Parameters": request.get("display_parameters") or [],
        "NotificationARNs": [],
        "Capabilities": [],
        "Tags": [
            {"Key": k, "Value": v}
            for k, _, v in (t.partition("=") for t in request.get("tags") or [])
        ],
        "Changes": found["changes"] or [],
    }


def execute_change_set(svc, ctx, params) -> dict:
    found = find(
        svc,
        ctx,
        params.string("ChangeSetName", required=True, max_len=1600),
        params.get("StackName"),
    )
    if found["execution_status"] != "AVAILABLE":
        raise InvalidChangeSetStatus(
            f"ChangeSet [{found['id']}] cannot be executed in its current execution status "
            f"of [{found['execution_status']}]"
        )
    request = found["request"]
    svc.engine.update_stack(
        ctx,
        found["stack_id"],
        request["template"],
        request["parameters"],
        existing=bool(request["previous"]),
    )
    svc.db.change_sets.update(found["id"], execution_status="EXECUTE_COMPLETE")
    svc.db.change_sets.obsolete_others(found["stack_id"], found["id"])
    return {}


def delete_change_set(svc, ctx, params) -> dict:
    found = find(
        svc,
        ctx,
        params.string("ChangeSetName", required=True, max_len=1600),
        params.get("StackName"),
    )
    svc.db.change_sets.delete(found["id"])
    return {}


def list_change_sets(svc, ctx, params) -> dict:
    stack = svc.engine.show_stack(
        ctx, stack_ref(params.string("StackName", required=True, max_len=255))
    )
    rows = svc.db.change_sets.list(
        ctx.project_id, stack["id"], limit=svc.page_size + 1, marker=params.next_token()
    )
    more = len(rows) > svc.page_size
    rows = rows[: svc.page_size]
    return {
        "Summaries": [_summary(svc, ctx, row) for row in rows],
        "NextToken": next_token(rows[-1]["id"]) if more else None,
    }


ACTIONS = {
    "CreateChangeSet": create_change_set,
    "DescribeChangeSet": describe_change_set,
    "ExecuteChangeSet": execute_change_set,
    "DeleteChangeSet": delete_change_set,
    "ListChangeSets": list_change_sets,
}
