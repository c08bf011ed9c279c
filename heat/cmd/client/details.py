"""What is inside a stack: events, resources, outputs, its template; and resource types."""

from __future__ import annotations

import json
from urllib.parse import quote

from heat.cmd.client import watch
from heat.cmd.client.api import ApiError
from heat.cmd.client.common import cell, print_fields, print_json, print_table

EVENT_COLUMNS = ["event_time", "resource_name", "resource_status", "resource_status_reason"]
RESOURCE_COLUMNS = [
    "resource_name",
    "physical_resource_id",
    "resource_type",
    "resource_status",
    "updated_time",
]


def _stack_arg(parser) -> None:
    parser.add_argument("stack", metavar="STACK", help="the stack's name or id")


def register(commands) -> None:
    p = commands.add_parser("event-list", help="List a stack's events")
    _stack_arg(p)
    p.add_argument("-r", "--resource", metavar="RESOURCE", help="only this resource's events")
    p.add_argument(
        "--follow",
        action="store_true",
        help="keep printing new events until the stack's operation ends",
    )
    p.set_defaults(handler=event_list)

    p = commands.add_parser("resource-list", help="List a stack's resources")
    _stack_arg(p)
    p.set_defaults(handler=resource_list)

    p = commands.add_parser("resource-show", help="Show a resource")
    _stack_arg(p)
    p.add_argument("resource", metavar="RESOURCE")
    p.set_defaults(handler=resource_show)

    p = commands.add_parser("resource-metadata", help="Print a resource's metadata (JSON)")
    _stack_arg(p)
    p.add_argument("resource", metavar="RESOURCE")
    p.set_defaults(handler=resource_metadata)

    p = commands.add_parser("output-list", help="List a stack's outputs with their values")
    _stack_arg(p)
    p.set_defaults(handler=output_list)

    p = commands.add_parser("output-show", help="Print the value of one output")
    _stack_arg(p)
    p.add_argument("output", metavar="OUTPUT")
    p.add_argument("--format", choices=("value", "json"), default="value")
    p.set_defaults(handler=output_show)

    p = commands.add_parser("template-show", help="Print a stack's template (JSON)")
    _stack_arg(p)
    p.set_defaults(handler=template_show)

    p = commands.add_parser("resource-type-list", help="List the resource types")
    p.add_argument("--filter", metavar="TEXT", help="only types whose name contains TEXT")
    p.set_defaults(handler=resource_type_list)

    p = commands.add_parser("resource-type-show", help="Print a resource type's schema (JSON)")
    p.add_argument("type_name", metavar="TYPE")
    p.set_defaults(handler=resource_type_show)


def event_list(api, args) -> int:
    name, stack_id = api.find_stack(args.stack)
    path = api.stack_path(name, stack_id)
    if args.follow:
        follower = watch.Follower(api, name, stack_id, None)
        if args.resource:
            follower.api = _ResourceEvents(api, args.resource)
        follower.run()
        return 0
    if args.resource:
        path += f"/resources/{quote(args.resource, safe='')}"
    events = api.get(f"{path}/events")["events"]
    print_table(EVENT_COLUMNS, [[e.get(c) for c in EVENT_COLUMNS] for e in events])
    return 0


class _ResourceEvents:
    """The API, with a stack's event path narrowed to one resource (for --follow -r)."""

    def __init__(self, api, resource: str):
        self._api = api
        self._resource = resource

    def stack_path(self, name, stack_id):
        return f"{self._api.stack_path(name, stack_id)}/resources/{quote(self._resource, safe='')}"

    def __getattr__(self, name):
        return getattr(self._api, name)


def resource_list(api, args) -> int:
    name, stack_id = api.find_stack(args.stack)
    resources = api.get(f"{api.stack_path(name, stack_id)}/resources")["resources"]
    print_table(RESOURCE_COLUMNS, [[r.get(c) for c in RESOURCE_COLUMNS] for r in resources])
    return 0


def _resource(api, args) -> dict:
    name, stack_id = api.find_stack(args.stack)
    path = f"{api.stack_path(name, stack_id)}/resources/{quote(args.resource, safe='')}"
    return api.get(path)["resource"]


def resource_show(api, args) -> int:
    resource = _resource(api, args)
    keys = [
        "resource_name",
        "physical_resource_id",
        "resource_type",
        "resource_status",
        "resource_status_reason",
        "creation_time",
        "updated_time",
        "required_by",
        "description",
    ]
    fields = [(key, resource.get(key)) for key in keys]
    attributes = resource.get("attributes") or {}
    fields.append(
        ("attributes", "\n".join(f"{k}={cell(v)}" for k, v in sorted(attributes.items())))
    )
    print_fields(fields)
    return 0


def resource_metadata(api, args) -> int:
    name, stack_id = api.find_stack(args.stack)
    path = f"{api.stack_path(name, stack_id)}/resources/{quote(args.resource, safe='')}/metadata"
    print_json(api.get(path)["metadata"])
    return 0


def _outputs(api, stack_ref) -> tuple[str, list[dict]]:
    name, stack_id = api.find_stack(stack_ref)
    return name, api.get(api.stack_path(name, stack_id))["stack"].get("outputs") or []


def output_list(api, args) -> int:
    _, outputs = _outputs(api, args.stack)
    rows = [
        [
            o["output_key"],
            f"error: {o['output_error']}" if o.get("output_error") else o.get("output_value"),
            o.get("description"),
        ]
        for o in outputs
    ]
    print_table(["output_key", "output_value", "description"], rows)
    return 0


def output_show(api, args) -> int:
    name, stack_id = api.find_stack(args.stack)
    path = f"{api.stack_path(name, stack_id)}/outputs/{quote(args.output, safe='')}"
    output = api.get(path)["output"]
    if args.format == "json":
        print_json(output)
    elif output.get("output_error"):
        raise ApiError(f"output {args.output}: {output['output_error']}")
    else:
        value = output.get("output_value")
        print(value if isinstance(value, str) else json.dumps(value, sort_keys=True))
    return 0


def template_show(api, args) -> int:
    name, stack_id = api.find_stack(args.stack)
    print_json(api.get(f"{api.stack_path(name, stack_id)}/template"))
    return 0


def resource_type_list(api, args) -> int:
    types = api.get("/resource_types")["resource_types"]
    if args.filter:
        types = [t for t in types if args.filter.lower() in t.lower()]
    print_table(["resource_type"], [[t] for t in sorted(types)])
    return 0


def resource_type_show(api, args) -> int:
    print_json(api.get(f"/resource_types/{quote(args.type_name, safe='')}"))
    return 0
