"""Initial schema: templates, stacks, resources, secrets, events, engines, exports.

Revision ID: 0001
Revises:
Create Date: 2024-05-01

Written out in full rather than imported from heat.db.models: a migration describes the
schema as it was at this revision, and the models keep changing after it.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
JSON = sa.JSON().with_variant(mysql.JSON(), "mysql", "mariadb")
LONGTEXT = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
TABLE_ARGS = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}


def upgrade():
    op.create_table(
        "raw_template",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("template", JSON, nullable=False),
        sa.Column("files", JSON),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_raw_template"),
        sa.UniqueConstraint("hash", name="uq_raw_template_hash"),
        **TABLE_ARGS,
    )
    op.create_table(
        "stack",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64)),
        sa.Column("parent_id", sa.String(36)),
        sa.Column("owner_resource", sa.String(255)),
        sa.Column("raw_template_id", sa.Integer, nullable=False),
        sa.Column("previous_raw_template_id", sa.Integer),
        sa.Column("parameters", JSON),
        sa.Column("action", sa.String(255), nullable=False),
        sa.Column("status", sa.String(255), nullable=False),
        sa.Column("status_reason", LONGTEXT),
        sa.Column("timeout_mins", sa.Integer),
        sa.Column("disable_rollback", sa.Boolean, nullable=False),
        sa.Column("on_failure", sa.String(255)),
        sa.Column("tags", JSON),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP),
        sa.Column("deleted_at", TIMESTAMP),
        sa.Column("engine_id", sa.String(64)),
        sa.Column("current_traversal", sa.String(36)),
        sa.PrimaryKeyConstraint("id", name="pk_stack"),
        sa.ForeignKeyConstraint(["parent_id"], ["stack.id"], name="fk_stack_parent_id_stack"),
        sa.ForeignKeyConstraint(
            ["raw_template_id"],
            ["raw_template.id"],
            name="fk_stack_raw_template_id_raw_template",
        ),
        sa.ForeignKeyConstraint(
            ["previous_raw_template_id"],
            ["raw_template.id"],
            name="fk_stack_previous_raw_template_id_raw_template",
        ),
        **TABLE_ARGS,
    )
    op.create_index("ix_stack_project_name", "stack", ["project_id", "name"])
    op.create_index("ix_stack_parent_id", "stack", ["parent_id"])
    op.create_index("ix_stack_engine_id", "stack", ["engine_id"])
    op.create_index("ix_stack_deleted_at", "stack", ["deleted_at"])

    op.create_table(
        "resource",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("stack_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("type", sa.String(255), nullable=False),
        sa.Column("physical_resource_id", sa.String(255)),
        sa.Column("action", sa.String(255), nullable=False),
        sa.Column("status", sa.String(255), nullable=False),
        sa.Column("status_reason", LONGTEXT),
        sa.Column("rsrc_metadata", JSON),
        sa.Column("data", JSON),
        sa.Column("properties_data", JSON),
        sa.Column("needed_by", JSON),
        sa.Column("requires", JSON),
        sa.Column("replaces", sa.Integer),
        sa.Column("replaced_by", sa.Integer),
        sa.Column("engine_id", sa.String(64)),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP),
        sa.PrimaryKeyConstraint("id", name="pk_resource"),
        sa.UniqueConstraint("uuid", name="uq_resource_uuid"),
        sa.ForeignKeyConstraint(["stack_id"], ["stack.id"], name="fk_resource_stack_id_stack"),
        sqlite_autoincrement=True,
        **TABLE_ARGS,
    )
    op.create_index("ix_resource_stack_name", "resource", ["stack_id", "name"])
    op.create_index("ix_resource_physical_id", "resource", ["physical_resource_id"])

    op.create_table(
        "resource_secret",
        sa.Column("resource_id", sa.Integer, nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("value", LONGTEXT, nullable=False),
        sa.PrimaryKeyConstraint("resource_id", "key", name="pk_resource_secret"),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resource.id"],
            name="fk_resource_secret_resource_id_resource",
            ondelete="CASCADE",
        ),
        **TABLE_ARGS,
    )

    op.create_table(
        "event",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("stack_id", sa.String(36), nullable=False),
        sa.Column("resource_name", sa.String(255), nullable=False),
        sa.Column("physical_resource_id", sa.String(255)),
        sa.Column("resource_type", sa.String(255), nullable=False),
        sa.Column("action", sa.String(255), nullable=False),
        sa.Column("status", sa.String(255), nullable=False),
        sa.Column("reason", LONGTEXT),
        sa.Column("properties", JSON),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_event"),
        sa.UniqueConstraint("uuid", name="uq_event_uuid"),
        sa.ForeignKeyConstraint(["stack_id"], ["stack.id"], name="fk_event_stack_id_stack"),
        **TABLE_ARGS,
    )
    op.create_index("ix_event_stack_id_id", "event", ["stack_id", "id"])

    op.create_table(
        "engine",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("topic", sa.String(255), nullable=False),
        sa.Column("started_at", TIMESTAMP, nullable=False),
        sa.Column("heartbeat_at", TIMESTAMP, nullable=False),
        sa.Column("stopped_at", TIMESTAMP),
        sa.PrimaryKeyConstraint("id", name="pk_engine"),
        **TABLE_ARGS,
    )

    op.create_table(
        "stack_export",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("stack_id", sa.String(36), nullable=False),
        sa.Column("value", JSON),
        sa.PrimaryKeyConstraint("id", name="pk_stack_export"),
        sa.UniqueConstraint("project_id", "name", name="uq_stack_export_project_id_name"),
        sa.ForeignKeyConstraint(["stack_id"], ["stack.id"], name="fk_stack_export_stack_id_stack"),
        **TABLE_ARGS,
    )
    op.create_index("ix_stack_export_stack_id", "stack_export", ["stack_id"])


def downgrade():
    for table in (
        "stack_export",
        "engine",
        "event",
        "resource_secret",
        "resource",
        "stack",
        "raw_template",
    ):
        op.drop_table(table)
