"""Change sets made and executed by the engine: their type, their maker, neutral changes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

change_set.change_set_type: UPDATE (every change set so far) or CREATE (a stack yet to be
created, waiting in REVIEW_IN_PROGRESS). change_set.engine_id: the engine computing a
change set's changes, so that they are failed if it dies. change_set.changes: until now
stored in the shape of the CFN API's answer ({"Type": "Resource", "ResourceChange": ...});
the engine now keeps them in its own terms ({"kind": "added" | "updated" | "replaced" |
"deleted", "resource_name", ...}) and the API renders them. Existing rows are converted
both ways.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(mysql.JSON(), "mysql", "mariadb")

_ACTIONS = {"added": "Add", "updated": "Modify", "replaced": "Modify", "deleted": "Remove"}
_KINDS = {"Add": "added", "Remove": "deleted"}
_RECREATION = {"True": "Always", "Conditional": "Conditionally"}


def _table():
    return sa.table(
        "change_set",
        sa.column("id", sa.String(36)),
        sa.column("changes", JSON),
        sa.column("change_set_type", sa.String(255)),
    )


def to_neutral(change: dict) -> dict:
    """One change as the API rendered it -> as the engine keeps it."""
    resource = change.get("ResourceChange") or {}
    action = resource.get("Action")
    replacement = resource.get("Replacement") or "False"
    if action == "Modify":
        kind = "replaced" if replacement == "True" else "updated"
    else:
        kind = _KINDS.get(action, "updated")
    properties = [
        detail["Target"]["Name"]
        for detail in resource.get("Details") or []
        if (detail.get("Target") or {}).get("Name")
    ]
    if action == "Modify" and not properties and resource.get("Scope"):
        properties = ["Properties"]  # the API left out the "any property" placeholder
    return {
        "kind": kind,
        "resource_name": resource.get("LogicalResourceId"),
        "resource_type": resource.get("ResourceType"),
        "physical_resource_id": resource.get("PhysicalResourceId"),
        "changed_properties": properties if action == "Modify" else [],
        "replacement": replacement if action == "Modify" else "False",
    }


def to_rendered(change: dict) -> dict:
    """One change as the engine keeps it -> as the API rendered it before this revision."""
    action = _ACTIONS[change["kind"]]
    resource = {
        "Action": action,
        "LogicalResourceId": change["resource_name"],
        "PhysicalResourceId": change.get("physical_resource_id"),
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
            for name in properties
            if name != "Properties"
        ]
    return {"Type": "Resource", "ResourceChange": resource}


def _convert(convert, to_rendered_shape: bool) -> None:
    """Apply `convert` to every change not yet in the wanted shape (a rerun changes nothing)."""
    table = _table()
    conn = op.get_bind()
    for row_id, changes in conn.execute(sa.select(table.c.id, table.c.changes)).all():
        wanted = [("ResourceChange" in c) == to_rendered_shape for c in changes or []]
        if all(wanted):
            continue
        converted = [c if ok else convert(c) for c, ok in zip(changes, wanted, strict=True)]
        conn.execute(table.update().where(table.c.id == row_id).values(changes=converted))


def upgrade():
    with op.batch_alter_table("change_set") as batch:
        batch.add_column(
            sa.Column("change_set_type", sa.String(255), nullable=False, server_default="UPDATE")
        )
        batch.add_column(sa.Column("engine_id", sa.String(64)))
    _convert(to_neutral, to_rendered_shape=False)


def downgrade():
    # The code before this revision can only update stacks: a CREATE change set executed
    # there would "update" a stack in REVIEW_IN_PROGRESS.
    table = _table()
    op.get_bind().execute(table.delete().where(table.c.change_set_type == "CREATE"))
    _convert(to_rendered, to_rendered_shape=True)
    with op.batch_alter_table("change_set") as batch:
        batch.drop_column("engine_id")
        batch.drop_column("change_set_type")
