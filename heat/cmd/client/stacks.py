"""stack-create, stack-update, stack-delete, stack-list, stack-show, stack-cancel-update."""

from __future__ import annotations

import sys

from heat.cmd.client import watch
from heat.cmd.client.common import (
    UsageError,
    cell,
    parse_parameters,
    print_fields,
    print_table,
    template_body,
)

LIST_COLUMNS = ["id", "stack_name", "stack_status", "creation_time", "updated_time"]
PREVIEW_KINDS = ("added", "updated", "replaced", "deleted", "unchanged")


def _template_args(parser, required: bool) -> None:
    source = parser.add_mutually_exclusive_group(required=required)
    source.add_argument("-f", "--template-file", metavar="FILE", help="the template file")
    source.add_argument("-u", "--template-url", metavar="URL", help="the template's URL")
    parser.add_argument(
        "-P", "--parameters", action="append", metavar="K=V;K2=V2", help="parameter values"
    )
    parser.add_argument("-t", "--timeout", type=int, metavar="MINUTES", help="stack timeout")
    rollback = parser.add_mutually_exclusive_group()
    rollback.add_argument(
        "--enable-rollback",
        "-r",
        dest="disable_rollback",
        action="store_false",
        default=None,
        help="roll back (delete what was made) when the operation fails (default on create)",
    )
    rollback.add_argument(
        "--disable-rollback",
        dest="disable_rollback",
        action="store_true",
        help="leave a failed stack as it is, for inspection",
    )


def _wait_arg(parser) -> None:
    parser.add_argument(
        "--wait", action="store_true", help="stream events until done; non-zero if it failed"
    )


def register(commands) -> None:
    p = commands.add_parser("stack-create", help="Create a stack")
    p.add_argument("name", metavar="NAME")
    _template_args(p, required=True)
    p.add_argument("--tags", metavar="T1,T2", help="comma-separated tags")
    _wait_arg(p)
    p.set_defaults(handler=create)

    p = commands.add_parser("stack-update", help="Update a stack (or preview the update)")
    p.add_argument("name", metavar="NAME_OR_ID")
    _template_args(p, required=False)
    p.add_argument(
        "-x",
        "--existing",
        action="store_true",
        help="keep the current template and parameters, changing only what is given",
    )
    p.add_argument("--preview", action="store_true", help="show what would change; change nothing")
    _wait_arg(p)
    p.set_defaults(handler=update)

    p = commands.add_parser("stack-delete", help="Delete stacks")
    p.add_argument("names", nargs="+", metavar="NAME_OR_ID")
    p.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    _wait_arg(p)
    p.set_defaults(handler=delete)

    p = commands.add_parser("stack-list", help="List the project's stacks")
    p.add_argument("--show-deleted", action="store_true", help="include deleted stacks")
    p.set_defaults(handler=list_stacks)

    p = commands.add_parser("stack-show", help="Show a stack")
    p.add_argument("name", metavar="NAME_OR_ID")
    p.set_defaults(handler=show)

    p = commands.add_parser("stack-cancel-update", help="Cancel a stack's update (rolls back)")
    p.add_argument("name", metavar="NAME_OR_ID")
    _wait_arg(p)
    p.set_defaults(handler=cancel_update)


def _common_body(args) -> dict:
    body = template_body(args)
    if args.parameters:
        body["parameters"] = parse_parameters(args.parameters)
    if args.timeout is not None:
        if args.timeout < 1:
            raise UsageError("the timeout must be at least 1 minute")
        body["timeout_mins"] = args.timeout
    if args.disable_rollback is not None:
        body["disable_rollback"] = args.disable_rollback
    return body


def create(api, args) -> int:
    body = {"stack_name": args.name, **_common_body(args)}
    body.setdefault("disable_rollback", False)
    if args.tags:
        body["tags"] = args.tags
    _, created, _ = api.request("POST", "/stacks", body)
    stack_id = created["stack"]["id"]
    if args.wait:
        return watch.wait(api, args.name, stack_id, "CREATE", None)
    _print_list([watch.stack_summary(api, stack_id)])
    return 0


def update(api, args) -> int:
    body = _common_body(args)
    if "template" not in body and "template_url" not in body and not args.existing:
        raise UsageError("give the new template with -f/-u, or -x to keep the current one")
    name, stack_id = api.find_stack(args.name)
    path = api.stack_path(name, stack_id)
    method = "PATCH" if args.existing else "PUT"
    if args.preview:
        changes = api.request(method, f"{path}/preview", body)[1]["resource_changes"]
        rows = [
            [kind, change.get("resource_name"), change.get("resource_type")]
            for kind in PREVIEW_KINDS
            for change in changes.get(kind, [])
        ]
        print_table(["change", "resource_name", "resource_type"], rows)
        return 0
    marker = watch.latest_event(api, name, stack_id) if args.wait else None
    api.request(method, path, body)
    if args.wait:
        return watch.wait(api, name, stack_id, "UPDATE", marker)
    _print_list([watch.stack_summary(api, stack_id)])
    return 0


def _confirm(names) -> None:
    if not sys.stdin.isatty():
        raise UsageError("refusing to delete without confirmation: add -y")
    answer = input(f"Delete stack(s) {', '.join(names)}? [y/N] ")
    if answer.strip().lower() not in ("y", "yes"):
        raise UsageError("nothing deleted")


def delete(api, args) -> int:
    if not args.yes:
        _confirm(args.names)
    status = 0
    for wanted in args.names:
        name, stack_id = api.find_stack(wanted)
        marker = watch.latest_event(api, name, stack_id) if args.wait else None
        api.request("DELETE", api.stack_path(name, stack_id))
        if args.wait:
            status = watch.wait(api, name, stack_id, "DELETE", marker) or status
        else:
            print(f"Stack {name} ({stack_id}) is being deleted")
    return status


def cancel_update(api, args) -> int:
    name, stack_id = api.find_stack(args.name)
    marker = watch.latest_event(api, name, stack_id) if args.wait else None
    api.request("POST", f"{api.stack_path(name, stack_id)}/actions", {"cancel_update": None})
    if args.wait:
        return watch.wait(api, name, stack_id, "ROLLBACK", marker)
    print(f"Stack {name} update is being cancelled")
    return 0


def _print_list(stacks) -> None:
    print_table(LIST_COLUMNS, [[s.get(c) for c in LIST_COLUMNS] for s in stacks if s])


def list_stacks(api, args) -> int:
    params = {"show_deleted": "true"} if args.show_deleted else {}
    _print_list(api.get("/stacks", **params)["stacks"])
    return 0


def show(api, args) -> int:
    name, stack_id = api.find_stack(args.name)
    stack = api.get(api.stack_path(name, stack_id))["stack"]
    fields = [
        (key, stack.get(key))
        for key in (
            "id",
            "stack_name",
            "description",
            "stack_status",
            "stack_status_reason",
            "creation_time",
            "updated_time",
            "disable_rollback",
            "timeout_mins",
            "tags",
        )
    ]
    params = stack.get("parameters") or {}
    fields.append(("parameters", "\n".join(f"{k}={v}" for k, v in sorted(params.items()))))
    outputs = stack.get("outputs") or []
    fields.append(("outputs", "\n".join(_output_line(o) for o in outputs)))
    print_fields(fields)
    return 0


def _output_line(output: dict) -> str:
    if output.get("output_error"):
        return f"{output['output_key']}: error: {output['output_error']}"
    return f"{output['output_key']}={cell(output.get('output_value'))}"
