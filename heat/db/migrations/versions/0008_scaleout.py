"""Scale-out: which walk a resource's step belongs to, and cluster-wide leases.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22

resource.traversal_id: the walk (traversal) whose step last claimed the resource, so that a
step dispatched to another engine is claimed exactly once and its owner can tell the state
that step wrote from an older one. lease: named leases (the periodic-work leader) held by an
engine, renewed on its heartbeat and taken over once the holder stops renewing.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
TABLE_ARGS = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}


def upgrade():
    with op.batch_alter_table("resource") as batch:
        batch.add_column(sa.Column("traversal_id", sa.String(36)))
    op.create_table(
        "lease",
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("renewed_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_lease"),
        **TABLE_ARGS,
    )


def downgrade():
    op.drop_table("lease")
    with op.batch_alter_table("resource") as batch:
        batch.drop_column("traversal_id")
