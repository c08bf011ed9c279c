"""The engine's answers in the shapes of the CloudFormation API (2010-05-15)."""

from __future__ import annotations

import datetime
import json

from heat.api.cfn.params import tag_pairs

STACK_TYPE = "AWS::CloudFormation::Stack"
_ENGINE_STACK_TYPE = "OS::Heat::Stack"
NOT_CHECKED = "NOT_CHECKED"


def when(value):
    """A timestamp as the engine gives it (a datetime, or its ISO text over RPC), or None."""
    if isinstance(value, str):
        try:
            return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return value


def output_text(value) -> str | None:
    """An output value as AWS shows it: a string; lists comma-joined, maps as JSON."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and all(not isinstance(v, (dict, list)) for v in value):
        return ",".join(output_text(v) for v in value)
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def stack_summary(svc, stack: dict) -> dict:
    return {
        "StackId": svc.arn(stack["project"], stack["stack_name"], stack["id"]),
        "StackName": stack["stack_name"],
        "CreationTime": when(stack["creation_time"]),
        "LastUpdatedTime": when(stack.get("updated_time")),
        "DeletionTime": when(stack.get("deletion_time")),
        "StackStatus": stack["stack_status"],
        "StackStatusReason": stack.get("stack_status_reason") or None,
        "DriftInformation": {"StackDriftStatus": NOT_CHECKED},
    }


def stack(svc, stack: dict) -> dict:
    """A Stack of DescribeStacks (parameters arrive masked from the engine)."""
    parameters = [
        {"ParameterKey": key, "ParameterValue": str(value)}
        for key, value in (stack.get("parameters") or {}).items()
        if not key.startswith("AWS::")
    ]
    outputs = [
        {
            "OutputKey": output["output_key"],
            "OutputValue": output_text(output.get("output_value")),
            "Description": output.get("description") or None,
        }
        for output in stack.get("outputs") or []
    ]
    return {
        "StackId": svc.arn(stack["project"], stack["stack_name"], stack["id"]),
        "StackName": stack["stack_name"],
        "Description": stack.get("description") or None,
        "Parameters": parameters,
        "CreationTime": when(stack["creation_time"]),
        "LastUpdatedTime": when(stack.get("updated_time")),
        "DeletionTime": when(stack.get("deletion_time")),
        "StackStatus": stack["stack_status"],
        "StackStatusReason": stack.get("stack_status_reason") or None,
        "DisableRollback": bool(stack.get("disable_rollback")),
        "NotificationARNs": [],
        "TimeoutInMinutes": stack.get("timeout_mins"),
        "Capabilities": [],
        "Outputs": outputs,
        "Tags": tag_pairs(stack.get("tags")),
        "EnableTerminationProtection": False,
        "DriftInformation": {"StackDriftStatus": NOT_CHECKED},
    }


def resource(svc, stack: dict, res: dict, detail: bool) -> dict:
    """A StackResource (DescribeStackResources) or, with detail, a StackResourceDetail."""
    out = {
        "StackName": stack["stack_name"],
        "StackId": svc.arn(stack["project"], stack["stack_name"], stack["id"]),
        "LogicalResourceId": res["resource_name"],
        "PhysicalResourceId": res.get("physical_resource_id") or None,
        "ResourceType": res["resource_type"],
        "ResourceStatus": res["resource_status"],
        "ResourceStatusReason": res.get("resource_status_reason") or None,
        "DriftInformation": {"StackResourceDriftStatus": NOT_CHECKED},
    }
    if detail:
        out["LastUpdatedTimestamp"] = when(res["updated_time"])
        out["Metadata"] = json.dumps(res.get("metadata") or {})
    else:
        out["Timestamp"] = when(res["updated_time"])
    return out


def resource_summary(res: dict) -> dict:
    """A StackResourceSummary (ListStackResources)."""
    return {
        "LogicalResourceId": res["resource_name"],
        "PhysicalResourceId": res.get("physical_resource_id") or None,
        "ResourceType": res["resource_type"],
        "LastUpdatedTimestamp": when(res["updated_time"]),
        "ResourceStatus": res["resource_status"],
        "ResourceStatusReason": res.get("resource_status_reason") or None,
        "DriftInformation": {"StackResourceDriftStatus": NOT_CHECKED},
    }


def event(stack_arn: str, stack_name: str, row: dict) -> dict:
    """A StackEvent. Resource properties are left out: they may hold NoEcho values."""
    is_stack = row["resource_type"] == _ENGINE_STACK_TYPE
    return {
        "StackId": stack_arn,
        "EventId": row["uuid"],
        "StackName": stack_name,
        "LogicalResourceId": row["resource_name"],
        "PhysicalResourceId": stack_arn if is_stack else row.get("physical_resource_id"),
        "ResourceType": STACK_TYPE if is_stack else row["resource_type"],
        "Timestamp": when(row["created_at"]),
        "ResourceStatus": f"{row['action']}_{row['status']}",
        "ResourceStatusReason": row.get("reason") or None,
    }
