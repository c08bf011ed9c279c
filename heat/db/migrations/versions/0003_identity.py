"""The local identity store: projects, users, role assignments, tokens, EC2 credentials.

Revision ID: 0003
Revises: 0002
Create Date: 2024-07-01
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
JSON = sa.JSON().with_variant(mysql.JSON(), "mysql", "mariadb")
TABLE_ARGS = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}


def _fk(column, table, name, ondelete=None):
    return sa.ForeignKeyConstraint([column], [f"{table}.id"], name=name, ondelete=ondelete)


def upgrade():
    op.create_table(
        "identity_project",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_identity_project"),
        sa.UniqueConstraint("name", name="uq_identity_project_name"),
        **TABLE_ARGS,
    )
    op.create_table(
        "identity_user",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("default_project_id", sa.String(64)),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_identity_user"),
        sa.UniqueConstraint("name", name="uq_identity_user_name"),
        _fk(
            "default_project_id",
            "identity_project",
            "fk_identity_user_default_project_id_identity_project",
        ),
        **TABLE_ARGS,
    )
    op.create_table(
        "identity_assignment",
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("role", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "project_id", "role", name="pk_identity_assignment"),
        _fk("user_id", "identity_user", "fk_identity_assignment_user_id_identity_user", "CASCADE"),
        _fk(
            "project_id",
            "identity_project",
            "fk_identity_assignment_project_id_identity_project",
            "CASCADE",
        ),
        **TABLE_ARGS,
    )
    op.create_table(
        "identity_token",
        sa.Column("id_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("project_id", sa.String(64)),
        sa.Column("methods", JSON, nullable=False),
        sa.Column("audit_id", sa.String(64), nullable=False),
        sa.Column("issued_at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id_hash", name="pk_identity_token"),
        _fk("user_id", "identity_user", "fk_identity_token_user_id_identity_user", "CASCADE"),
        **TABLE_ARGS,
    )
    op.create_index("ix_identity_token_expires_at", "identity_token", ["expires_at"])
    op.create_table(
        "identity_ec2_credential",
        sa.Column("access", sa.String(64), nullable=False),
        sa.Column("secret", sa.Text, nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("access", name="pk_identity_ec2_credential"),
        _fk(
            "user_id",
            "identity_user",
            "fk_identity_ec2_credential_user_id_identity_user",
            "CASCADE",
        ),
        _fk(
            "project_id",
            "identity_project",
            "fk_identity_ec2_credential_project_id_identity_project",
            "CASCADE",
        ),
        **TABLE_ARGS,
    )
    op.create_index("ix_identity_ec2_credential_user_id", "identity_ec2_credential", ["user_id"])


def downgrade():
    op.drop_table("identity_ec2_credential")
    op.drop_table("identity_token")
    op.drop_table("identity_assignment")
    op.drop_table("identity_user")
    op.drop_table("identity_project")
