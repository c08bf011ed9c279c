"""CFN change sets: a stored update request with its previewed changes.

Revision ID: 0004
Revises: 0003
Create Date: 2024-07-15
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
JSON = sa.JSON().with_variant(mysql.JSON(), "mysql", "mariadb")
LONGTEXT = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
TABLE_ARGS = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}


def upgrade():
    op.create_table(
        "change_set",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("stack_id", sa.String(36), nullable=False),
        sa.Column("stack_name", sa.String(255), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("status", sa.String(255), nullable=False),
        sa.Column("status_reason", LONGTEXT),
        sa.Column("execution_status", sa.String(255), nullable=False),
        sa.Column("request", LONGTEXT, nullable=False),
        sa.Column("changes", JSON),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_change_set"),
        sa.UniqueConstraint("stack_id", "name", name="uq_change_set_stack_id_name"),
        **TABLE_ARGS,
    )
    op.create_index("ix_change_set_project_id", "change_set", ["project_id"])


def downgrade():
    op.drop_index("ix_change_set_project_id", table_name="change_set")
    op.drop_table("change_set")
