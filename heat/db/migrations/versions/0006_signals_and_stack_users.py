"""Signals resources receive, and the stack users IAM resources make.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

resource_signal: one row per (resource, UniqueId), so signals survive an engine restart and
never race with the engine's writes of the resource row. stack_user: which stack an
identity-store user made by AWS::IAM::User belongs to, for scoping its credentials.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
JSON = sa.JSON().with_variant(mysql.JSON(), "mysql", "mariadb")
LONGTEXT = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
TABLE_ARGS = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}


def upgrade():
    op.create_table(
        "resource_signal",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("resource_id", sa.Integer, nullable=False),
        sa.Column("unique_id", sa.String(255), nullable=False),
        sa.Column("status", sa.String(255), nullable=False),
        sa.Column("reason", LONGTEXT),
        sa.Column("data", LONGTEXT),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_resource_signal"),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resource.id"],
            name="fk_resource_signal_resource_id_resource",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "resource_id", "unique_id", name="uq_resource_signal_resource_id_unique_id"
        ),
        **TABLE_ARGS,
    )
    op.create_table(
        "stack_user",
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("stack_id", sa.String(36), nullable=False),
        sa.Column("resource_id", sa.Integer, nullable=False),
        sa.Column("policies", JSON),
        sa.PrimaryKeyConstraint("user_id", name="pk_stack_user"),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resource.id"],
            name="fk_stack_user_resource_id_resource",
            ondelete="CASCADE",
        ),
        **TABLE_ARGS,
    )
    op.create_index("ix_stack_user_stack_id", "stack_user", ["stack_id"])


def downgrade():
    op.drop_index("ix_stack_user_stack_id", table_name="stack_user")
    op.drop_table("stack_user")
    op.drop_table("resource_signal")
