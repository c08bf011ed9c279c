"""Keep a stack's parameters from before an update, for rolling it back.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

An engine that takes over an update from a dead engine rolls the stack back to its
previous template; it needs the previous parameter values too (NoEcho ones encrypted, in
the same form as stack.parameters).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(mysql.JSON(), "mysql", "mariadb")


def upgrade():
    with op.batch_alter_table("stack") as batch:
        batch.add_column(sa.Column("previous_parameters", JSON))


def downgrade():
    with op.batch_alter_table("stack") as batch:
        batch.drop_column("previous_parameters")
