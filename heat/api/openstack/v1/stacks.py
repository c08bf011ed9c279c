"""The native API's handlers: stacks, resources, events, validate, resource types, build info.

Handlers take (req, ctx, **path parts) and call the engine through the RPC client; they
hold no stack logic. A stack is addressed canonically as /stacks/{name}/{id}; the id must
belong to the caller's project and the name must match it, else 404.
"""

from __future__ import annotations

import importlib.metadata
import json

import webob

from heat.api.openstack.v1 import reqparse, views
from heat.api.wsgi import NotImplementedYet, Router, json_body, json_response
from heat.common.exception import InvalidInput, NotFound, StackNotFound

SORT_KEYS = {
    "stack_name": "name",
    "stack_status": "status",
    "creation_time": "created_at",
    "updated_time": "updated_at",
    "name": "name",
    "status": "status",
    "created_at": "created_at",
    "updated_at": "updated_at",
}
LOOKUP_PATHS = ("resources", "events", "template", "outputs", "environment")
MAX_LIMIT = 1000


class OutputNotFound(NotFound):
    def __init__(self, key: str):
        super().__init__(f"Specified output key {key} not found.")


class EventNotFound(NotFound):
    def __init__(self, event_id: str):
        super().__init__(f"The Event ({event_id}) could not be found.")


def _version() -> str:
    try:
        return importlib.metadata.version("heat")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


class StacksApi:
    """The routes below /v1/{project_id}."""

    def __init__(self, engine):
        self.engine = engine
        r = self.router = Router()
        r.add("GET", "/stacks", self.list_stacks)
        r.add("POST", "/stacks", self.create_stack)
        r.add("POST", "/stacks/preview", self.preview_stack)
        r.add("GET", "/stacks/{stack_name}", self.lookup)
        r.add("DELETE", "/stacks/{stack_name}", self.delete_by_name)
        for path in LOOKUP_PATHS:
            r.add("GET", f"/stacks/{{stack_name}}/{path}", self._lookup_to(path))
        r.add("GET", "/stacks/{stack_name}/{stack_id}", self.show_stack)
        r.add("PUT", "/stacks/{stack_name}/{stack_id}", self.update_stack)
        r.add("PATCH", "/stacks/{stack_name}/{stack_id}", self.patch_stack)
        r.add("DELETE", "/stacks/{stack_name}/{stack_id}", self.delete_stack)
        r.add("PUT", "/stacks/{stack_name}/{stack_id}/preview", self.preview_update)
        r.add("PATCH", "/stacks/{stack_name}/{stack_id}/preview", self.preview_patch)
        r.add("POST", "/stacks/{stack_name}/{stack_id}/actions", self.action)
        r.add("GET", "/stacks/{stack_name}/{stack_id}/template", self.template)
        r.add("GET", "/stacks/{stack_name}/{stack_id}/environment", self.environment)
        r.add("GET", "/stacks/{stack_name}/{stack_id}/outputs", self.list_outputs)
        r.add("GET", "/stacks/{stack_name}/{stack_id}/outputs/{output_key}", self.show_output)
        r.add("GET", "/stacks/{stack_name}/{stack_id}/resources", self.list_resources)
        r.add("GET", "/stacks/{stack_name}/{stack_id}/resources/{resource}", self.show_resource)
        r.add("GET", "/stacks/{stack_name}/{stack_id}/resources/{resource}/metadata", self.metadata)
        r.add("GET", "/stacks/{stack_name}/{stack_id}/events", self.list_events)
        r.add(
            "GET", "/stacks/{stack_name}/{stack_id}/resources/{resource}/events", self.list_events
        )
        r.add(
            "GET",
            "/stacks/{stack_name}/{stack_id}/resources/{resource}/events/{event_id}",
            self.show_event,
        )
        r.add("POST", "/validate", self.validate)
        r.add("GET", "/resource_types", self.resource_types)
        r.add("GET", "/resource_types/{type_name}", self.resource_schema)
        r.add("GET", "/build_info", self.build_info)

    # -- helpers ----------------------------------------------------------------------------

    @staticmethod
    def _links(req) -> views.Links:
        return views.Links(req.environ["heat.api_base"])

    def _identify(self, ctx, stack_name: str, stack_id: str, deleted_ok=False) -> dict:
        """The summary of the caller's stack `stack_id`, which must be named `stack_name`.
        Nested stacks are found too: a stack list hides them, their ids do not."""
        extra = {"show_deleted": True} if deleted_ok else {}
        found = self.engine.list_stacks(ctx, filters={"id": stack_id}, show_nested=True, **extra)
        if not found or found[0]["stack_name"] != stack_name:
            raise StackNotFound(f"{stack_name}/{stack_id}")
        return found[0]

    def _find(self, ctx, name_or_id: str) -> dict:
        for key in ("id", "name"):
            found = self.engine.list_stacks(
                ctx, filters={key: name_or_id}, limit=1, show_nested=True
            )
            if found:
                return found[0]
        raise StackNotFound(name_or_id)

    # -- stacks -----------------------------------------------------------------------------

    def list_stacks(self, req, ctx):
        kwargs: dict = {}
        filters: dict = {}
        for name in ("id", "name", "action"):
            values = reqparse.query_list(req, name) or reqparse.query_list(
                req, {"name": "stack_name"}.get(name, "_")
            )
            if values:
                filters[name] = values
        statuses = reqparse.query_list(req, "status") or reqparse.query_list(req, "stack_status")
        for status in statuses:
            if "_" in status:
                action, _, status = status.rpartition("_")
                filters.setdefault("action", []).append(action)
            filters.setdefault("status", []).append(status)
        if filters:
            kwargs["filters"] = filters
        sort_keys = reqparse.query_list(req, "sort_keys")
        if sort_keys:
            unknown = [k for k in sort_keys if k not in SORT_KEYS]
            if unknown:
                raise InvalidInput(f"Sorting by {unknown[0]} is not supported")
            kwargs["sort_keys"] = [SORT_KEYS[k] for k in sort_keys]
        if "sort_dir" in req.GET:
            sort_dir = req.GET["sort_dir"]
            if sort_dir not in ("asc", "desc"):
                raise InvalidInput('sort_dir must be "asc" or "desc"')
            kwargs["sort_dir"] = sort_dir
        if "limit" in req.GET:
            kwargs["limit"] = min(reqparse.as_int(req.GET["limit"], "limit"), MAX_LIMIT)
        if "marker" in req.GET:
            kwargs["marker"] = req.GET["marker"]
        for flag, key in (("show_deleted", "show_deleted"), ("show_nested", "show_nested")):
            if flag in req.GET:
                kwargs[key] = reqparse.as_bool(req.GET[flag], flag)
        stacks = self.engine.list_stacks(ctx, **kwargs)
        links = self._links(req)
        return json_response({"stacks": [views.stack_summary(s, links) for s in stacks]})

    def _create_args(self, body: dict) -> dict:
        timeout = body.get("timeout_mins")
        return {
            "timeout_mins": None
            if timeout is None
            else reqparse.as_int(timeout, "timeout_mins", 1),
            "disable_rollback": reqparse.as_bool(
                body.get("disable_rollback", True), "disable_rollback"
            ),
            "tags": reqparse.tags(body.get("tags")),
        }

    def create_stack(self, req, ctx):
        body = json_body(req)
        name = reqparse.stack_name(body.get("stack_name"))
        args = self._create_args(body)
        template = reqparse.template_text(body)
        parameters = reqparse.parameters(body)
        created = self.engine.create_stack(ctx, name, template, parameters, **args)
        link = self._links(req).stack(name, created["stack_id"])
        body = {"stack": {"id": created["stack_id"], "links": [{"href": link, "rel": "self"}]}}
        return json_response(body, 201)

    def preview_stack(self, req, ctx):
        raise NotImplementedYet("Stack preview for create is not supported by this engine.")

    def lookup(self, req, ctx, stack_name):
        stack = self._find(ctx, stack_name)
        return self._redirect(req, stack, "")

    def _lookup_to(self, path):
        def lookup(req, ctx, stack_name):
            return self._redirect(req, self._find(ctx, stack_name), f"/{path}")

        return lookup

    def _redirect(self, req, stack, suffix):
        location = self._links(req).stack(stack["stack_name"], stack["id"]) + suffix
        if req.query_string:
            location += f"?{req.query_string}"
        response = webob.Response(status=302, location=location, content_type="application/json")
        response.charset = None
        response.body = b'{"location": ' + _json_str(location) + b"}"
        return response

    def show_stack(self, req, ctx, stack_name, stack_id):
        # One engine call: the stack shown must also carry the name the URL gives.
        try:
            stack = self.engine.show_stack(ctx, stack_id)
        except StackNotFound:
            stack = None
        if stack is None or stack["id"] != stack_id or stack["stack_name"] != stack_name:
            raise StackNotFound(f"{stack_name}/{stack_id}")
        return json_response({"stack": views.stack_detail(stack, self._links(req))})

    def _update(self, req, ctx, stack_name, stack_id, existing: bool):
        self._identify(ctx, stack_name, stack_id)
        body = json_body(req)
        timeout = body.get("timeout_mins")
        rollback = body.get("disable_rollback")
        self.engine.update_stack(
            ctx,
            stack_id,
            reqparse.template_text(body, required=not existing),
            reqparse.parameters(body),
            existing=existing,
            timeout_mins=None if timeout is None else reqparse.as_int(timeout, "timeout_mins", 1),
            disable_rollback=None
            if rollback is None
            else reqparse.as_bool(rollback, "disable_rollback"),
        )
        return json_response(None, 202)

    def update_stack(self, req, ctx, stack_name, stack_id):
        return self._update(req, ctx, stack_name, stack_id, existing=False)

    def patch_stack(self, req, ctx, stack_name, stack_id):
        return self._update(req, ctx, stack_name, stack_id, existing=True)

    def _preview(self, req, ctx, stack_name, stack_id, existing):
        stack = self._identify(ctx, stack_name, stack_id)
        body = json_body(req)
        changes = self.engine.preview_update(
            ctx,
            stack_id,
            reqparse.template_text(body, required=not existing),
            reqparse.parameters(body),
            existing=existing,
        )
        out = {}
        for kind in ("added", "deleted", "replaced", "unchanged", "updated"):
            out[kind] = [
                {**change, "stack_name": stack["stack_name"], "stack_identity": stack["id"]}
                for change in changes.get(kind, [])
            ]
        return json_response({"resource_changes": out})

    def preview_update(self, req, ctx, stack_name, stack_id):
        return self._preview(req, ctx, stack_name, stack_id, existing=False)

    def preview_patch(self, req, ctx, stack_name, stack_id):
        return self._preview(req, ctx, stack_name, stack_id, existing=True)

    def delete_stack(self, req, ctx, stack_name, stack_id):
        self._identify(ctx, stack_name, stack_id)
        self.engine.delete_stack(ctx, stack_id)
        return json_response(None, 204)

    def delete_by_name(self, req, ctx, stack_name):
        stack = self._find(ctx, stack_name)
        self.engine.delete_stack(ctx, stack["id"])
        return json_response(None, 204)

    def action(self, req, ctx, stack_name, stack_id):
        self._identify(ctx, stack_name, stack_id)
        body = json_body(req)
        if len(body) != 1:
            raise InvalidInput("Exactly one action must be given")
        action = next(iter(body))
        if action == "cancel_update":
            self.engine.cancel_update(ctx, stack_id)
            return json_response(None, 200)
        if action in ("cancel_without_rollback", "suspend", "resume", "check"):
            raise NotImplementedYet(f"The stack action {action} is not supported.")
        raise InvalidInput(f"Invalid action {str(action)[:100]}")

    def template(self, req, ctx, stack_name, stack_id):
        self._identify(ctx, stack_name, stack_id)
        return json_response(self.engine.get_template(ctx, stack_id))

    def environment(self, req, ctx, stack_name, stack_id):
        self._identify(ctx, stack_name, stack_id)
        stack = self.engine.show_stack(ctx, stack_id)
        parameters = {
            k: v for k, v in (stack.get("parameters") or {}).items() if not k.startswith("AWS::")
        }
        return json_response(
            {
                "parameters": parameters,
                "parameter_defaults": {},
                "resource_registry": {"resources": {}},
                "encrypted_param_names": [],
                "event_sinks": [],
            }
        )

    def list_outputs(self, req, ctx, stack_name, stack_id):
        self._identify(ctx, stack_name, stack_id)
        outputs = self.engine.stack_outputs(ctx, stack_id)
        return json_response(
            {
                "outputs": [
                    {"output_key": o["output_key"], "description": o.get("description") or ""}
                    for o in outputs
                ]
            }
        )

    def show_output(self, req, ctx, stack_name, stack_id, output_key):
        self._identify(ctx, stack_name, stack_id)
        for entry in self.engine.stack_outputs(ctx, stack_id):
            if entry["output_key"] == output_key:
                return json_response({"output": views.output(entry)})
        raise OutputNotFound(output_key)

    # -- resources and events ---------------------------------------------------------------

    def list_resources(self, req, ctx, stack_name, stack_id):
        stack = self._identify(ctx, stack_name, stack_id)
        for name in ("nested_depth",):
            if name in req.GET:
                reqparse.as_int(req.GET[name], name)
        if "with_detail" in req.GET:
            reqparse.as_bool(req.GET["with_detail"], "with_detail")
        links = self._links(req)
        resources = self.engine.list_resources(ctx, stack_id)
        wanted = {k: reqparse.query_list(req, k) for k in ("name", "type", "status", "action")}
        out = []
        for res in resources:
            action, _, status = res["resource_status"].partition("_")
            checks = {
                "name": res["resource_name"],
                "type": res["resource_type"],
                "status": status,
                "action": action,
            }
            if all(not wanted[k] or checks[k] in wanted[k] for k in wanted):
                out.append(views.resource(res, stack, links))
        return json_response({"resources": out})

    def show_resource(self, req, ctx, stack_name, stack_id, resource):
        stack = self._identify(ctx, stack_name, stack_id)
        res = self.engine.show_resource(ctx, stack_id, resource)
        return json_response({"resource": views.resource(res, stack, self._links(req), True)})

    def metadata(self, req, ctx, stack_name, stack_id, resource):
        self._identify(ctx, stack_name, stack_id)
        res = self.engine.show_resource(ctx, stack_id, resource)
        return json_response({"metadata": res.get("metadata") or {}})

    def _events(self, req, ctx, stack_name, stack_id, resource=None):
        # A deleted stack's events stay readable by its id: how its deletion went.
        stack = self._identify(ctx, stack_name, stack_id, deleted_ok=resource is None)
        if resource is not None:
            self.engine.show_resource(ctx, stack_id, resource)  # 404 for an unknown resource
        sort_dir = req.GET.get("sort_dir", "asc")
        if sort_dir not in ("asc", "desc"):
            raise InvalidInput('sort_dir must be "asc" or "desc"')
        events = self.engine.list_events(ctx, stack_id, resource, sort_dir=sort_dir)
        return stack, events

    def list_events(self, req, ctx, stack_name, stack_id, resource=None):
        stack, events = self._events(req, ctx, stack_name, stack_id, resource)
        wanted = {
            "resource_action": reqparse.query_list(req, "resource_action"),
            "resource_status": reqparse.query_list(req, "resource_status"),
            "resource_name": reqparse.query_list(req, "resource_name"),
            "resource_type": reqparse.query_list(req, "resource_type"),
        }
        selected = []
        for ev in events:
            checks = {
                "resource_action": ev["action"],
                "resource_status": ev["status"],
                "resource_name": ev["resource_name"],
                "resource_type": ev["resource_type"],
            }
            if all(not wanted[k] or checks[k] in wanted[k] for k in wanted):
                selected.append(ev)
        if "marker" in req.GET:
            ids = [ev["uuid"] for ev in selected]
            if req.GET["marker"] not in ids:
                raise InvalidInput(f"marker {req.GET['marker'][:100]} is not an event")
            selected = selected[ids.index(req.GET["marker"]) + 1 :]
        if "limit" in req.GET:
            selected = selected[: reqparse.as_int(req.GET["limit"], "limit")]
        links = self._links(req)
        return json_response({"events": [views.event(ev, stack, links) for ev in selected]})

    def show_event(self, req, ctx, stack_name, stack_id, resource, event_id):
        stack, events = self._events(req, ctx, stack_name, stack_id, resource)
        for ev in events:
            if ev["uuid"] == event_id:
                return json_response({"event": views.event(ev, stack, self._links(req), True)})
        raise EventNotFound(event_id)

    # -- the rest ---------------------------------------------------------------------------

    def validate(self, req, ctx):
        body = json_body(req)
        template = reqparse.template_text(body)
        result = self.engine.validate_template(ctx, template, reqparse.parameters(body))
        return json_response(views.validation(result))

    def resource_types(self, req, ctx):
        name = req.GET.get("name")
        return json_response({"resource_types": self.engine.list_resource_types(ctx, name)})

    def resource_schema(self, req, ctx, type_name):
        return json_response(self.engine.resource_schema(ctx, type_name))

    def build_info(self, req, ctx):
        version = _version()
        return json_response({"api": {"revision": version}, "engine": {"revision": version}})


def _json_str(text: str) -> bytes:
    return json.dumps(text).encode()
