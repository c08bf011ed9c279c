"""ListExports and ListImports.

Exports are read from the database the engine writes them to; the engine keeps no record
of imports, so ListImports looks for Fn::ImportValue of the export's literal name in the
templates of the project's live stacks.
"""

from __future__ import annotations

from heat.api.aws.errors import ValidationError
from heat.api.cfn import views
from heat.api.cfn.params import next_token


def list_exports(svc, ctx, params) -> dict:
    marker = params.next_token()
    exports = [
        e for e in svc.db.exports.list(ctx.project_id) if marker is None or e["name"] > marker
    ]
    page = exports[: svc.page_size]
    names: dict[str, str] = {}
    out = []
    for export in page:
        stack_id = export["stack_id"]
        if stack_id not in names:
            row = svc.db.stacks.get(stack_id)
            names[stack_id] = row["name"] if row else ""
        out.append(
            {
                "ExportingStackId": svc.arn(ctx.project_id, names[stack_id], stack_id),
                "Name": export["name"],
                "Value": views.output_text(export["value"]),
            }
        )
    more = len(exports) > svc.page_size
    return {"Exports": out, "NextToken": next_token(page[-1]["name"]) if more else None}


def _imports(value, name: str) -> bool:
    if isinstance(value, dict):
        if value.get("Fn::ImportValue") == name:
            return True
        return any(_imports(v, name) for v in value.values())
    if isinstance(value, list):
        return any(_imports(v, name) for v in value)
    return False


def list_imports(svc, ctx, params) -> dict:
    name = params.string("ExportName", required=True, max_len=255)
    if svc.db.exports.get(ctx.project_id, name) is None:
        raise ValidationError(f"Export '{name}' does not exist.")
    importers = []
    marker = None
    while True:
        page = svc.engine.list_stacks(ctx, limit=svc.page_size, marker=marker)
        for stack in page:
            if _imports(svc.engine.get_template(ctx, stack["id"]), name):
                importers.append(stack["stack_name"])
        if len(page) < svc.page_size:
            break
        marker = page[-1]["id"]
    if not importers:
        raise ValidationError(f"Export '{name}' is not imported by any stack.")
    return {"Imports": sorted(importers)}


ACTIONS = {"ListExports": list_exports, "ListImports": list_imports}
