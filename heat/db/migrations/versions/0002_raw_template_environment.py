"""Keep the environment (parameter_defaults, resource_registry, ...) with the template.

Revision ID: 0002
Revises: 0001
Create Date: 2024-06-01

Existing templates had no environment stored: theirs stays NULL, which reads as empty.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(mysql.JSON(), "mysql", "mariadb")


def upgrade():
    with op.batch_alter_table("raw_template") as batch:
        batch.add_column(sa.Column("environment", JSON))


def downgrade():
    with op.batch_alter_table("raw_template") as batch:
        batch.drop_column("environment")
