"""Engine results -> native-API JSON shapes (as in heat-api-ref's samples)."""

from __future__ import annotations

import datetime
from urllib.parse import quote


def timestamp(value) -> str | None:
    """An engine time (ISO string or datetime, UTC) as the API writes it: 2014-06-03T20:59:46Z."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


class Links:
    """URLs of things below /v1/{project_id} for one request."""

    def __init__(self, base: str):
        self.base = base  # e.g. http://host:8004/v1/<project>

    def stack(self, name: str, stack_id: str) -> str:
        return f"{self.base}/stacks/{quote(name, safe='')}/{stack_id}"

    def resource(self, name: str, stack_id: str, resource: str) -> str:
        return f"{self.stack(name, stack_id)}/resources/{quote(resource, safe='')}"

    def event(self, name, stack_id, resource, event_id) -> str:
        return f"{self.resource(name, stack_id, resource)}/events/{event_id}"


def stack_summary(stack: dict, links: Links) -> dict:
    return {
        "id": stack["id"],
        "stack_name": stack["stack_name"],
        "description": stack.get("description", ""),
        "creation_time": timestamp(stack.get("creation_time")),
        "updated_time": timestamp(stack.get("updated_time")),
        "deletion_time": timestamp(stack.get("deletion_time")),
        "stack_status": stack["stack_status"],
        "stack_status_reason": stack.get("stack_status_reason", ""),
        "stack_owner": None,
        "stack_user_project_id": stack.get("project"),
        "parent": stack.get("parent"),
        "tags": stack.get("tags") or None,
        "links": [{"href": links.stack(stack["stack_name"], stack["id"]), "rel": "self"}],
    }


def stack_detail(stack: dict, links: Links) -> dict:
    body = stack_summary(stack, links)
    body.update(
        {
            "capabilities": [],
            "notification_topics": [],
            "disable_rollback": bool(stack.get("disable_rollback")),
            "timeout_mins": stack.get("timeout_mins"),
            "template_description": stack.get("description", ""),
            "parameters": stack.get("parameters") or {},
            "outputs": [output(o) for o in stack.get("outputs") or []],
        }
    )
    return body


def output(entry: dict) -> dict:
    body = {
        "output_key": entry["output_key"],
        "output_value": entry.get("output_value"),
        "description": entry.get("description") or "",
    }
    if entry.get("output_error"):
        body["output_error"] = entry["output_error"]
    return body


def resource(res: dict, stack: dict, links: Links, detail: bool = False) -> dict:
    name = res["resource_name"]
    stack_link = links.stack(stack["stack_name"], stack["id"])
    body = {
        "resource_name": name,
        "logical_resource_id": name,
        "physical_resource_id": res.get("physical_resource_id") or "",
        "resource_type": res["resource_type"],
        "resource_status": res["resource_status"],
        "resource_status_reason": res.get("resource_status_reason") or "",
        "creation_time": timestamp(res.get("creation_time") or res.get("updated_time")),
        "updated_time": timestamp(res.get("updated_time")),
        "required_by": res.get("required_by") or [],
        "links": [
            {"href": links.resource(stack["stack_name"], stack["id"], name), "rel": "self"},
            {"href": stack_link, "rel": "stack"},
        ],
    }
    if detail:
        body["description"] = res.get("description", "")
        body["attributes"] = res.get("attributes") or {}
        body["metadata"] = res.get("metadata") or {}
    return body


def event(ev: dict, stack: dict, links: Links, detail: bool = False) -> dict:
    name = ev["resource_name"]
    stack_link = links.stack(stack["stack_name"], stack["id"])
    body = {
        "id": ev["uuid"],
        "event_time": timestamp(ev.get("created_at")),
        "resource_name": name,
        "logical_resource_id": name,
        "physical_resource_id": ev.get("physical_resource_id"),
        "resource_status": f"{ev['action']}_{ev['status']}",
        "resource_status_reason": ev.get("reason") or "",
        "links": [
            {
                "href": links.event(stack["stack_name"], stack["id"], name, ev["uuid"]),
                "rel": "self",
            },
            {"href": links.resource(stack["stack_name"], stack["id"], name), "rel": "resource"},
            {"href": stack_link, "rel": "stack"},
        ],
    }
    if detail:
        body["resource_type"] = ev.get("resource_type")
        body["resource_properties"] = ev.get("properties") or {}
    return body


def validation(result: dict) -> dict:
    """The engine's validate_template answer in Heat's validate shape; NoEcho defaults masked."""
    parameters = {}
    for name, schema in (result.get("Parameters") or {}).items():
        if not isinstance(schema, dict):
            continue
        shown = {"Type": schema.get("type", "String")}
        for key, label in (
            ("description", "Description"),
            ("label", "Label"),
            ("allowed_values", "AllowedValues"),
            ("allowed_pattern", "AllowedPattern"),
            ("min_length", "MinLength"),
            ("max_length", "MaxLength"),
            ("min_value", "MinValue"),
            ("max_value", "MaxValue"),
            ("constraint_description", "ConstraintDescription"),
        ):
            if schema.get(key) is not None:
                shown[label] = schema[key]
        no_echo = bool(schema.get("no_echo"))
        shown["NoEcho"] = "true" if no_echo else "false"
        if schema.get("default") is not None:
            shown["Default"] = "******" if no_echo else schema["default"]
        shown.setdefault("Description", "")
        shown.setdefault("Label", name)
        parameters[name] = shown
    return {
        "Description": result.get("Description") or "",
        "Parameters": parameters,
        "ParameterGroups": [],
    }
