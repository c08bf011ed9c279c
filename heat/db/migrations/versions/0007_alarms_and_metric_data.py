"""CloudWatch alarms and the metric data they are evaluated on.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22

alarm: one row per alarm, from PutMetricAlarm or an AWS::CloudWatch::Alarm resource, with
its current state. metric_datum: PutMetricData points, indexed for the lookups of alarm
evaluation and GetMetricStatistics, and by time for the retention purge.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
JSON = sa.JSON().with_variant(mysql.JSON(), "mysql", "mariadb")
LONGTEXT = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")
TABLE_ARGS = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4", "mysql_collate": "utf8mb4_bin"}


def upgrade():
    op.create_table(
        "alarm",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("stack_id", sa.String(36)),
        sa.Column("resource_name", sa.String(255)),
        sa.Column("description", sa.Text),
        sa.Column("namespace", sa.String(255), nullable=False),
        sa.Column("metric_name", sa.String(255), nullable=False),
        sa.Column("dimensions", JSON),
        sa.Column("statistic", sa.String(32), nullable=False),
        sa.Column("unit", sa.String(64)),
        sa.Column("period", sa.Integer, nullable=False),
        sa.Column("evaluation_periods", sa.Integer, nullable=False),
        sa.Column("threshold", sa.Float, nullable=False),
        sa.Column("comparison", sa.String(64), nullable=False),
        sa.Column("actions_enabled", sa.Boolean, nullable=False),
        sa.Column("alarm_actions", JSON),
        sa.Column("ok_actions", JSON),
        sa.Column("insufficient_data_actions", JSON),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("state_reason", LONGTEXT),
        sa.Column("state_reason_data", LONGTEXT),
        sa.Column("state_updated_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_alarm"),
        sa.UniqueConstraint("project_id", "name", name="uq_alarm_project_id_name"),
        **TABLE_ARGS,
    )
    op.create_index("ix_alarm_stack_id", "alarm", ["stack_id"])
    op.create_table(
        "metric_datum",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("namespace", sa.String(255), nullable=False),
        sa.Column("metric_name", sa.String(255), nullable=False),
        sa.Column("dimensions_hash", sa.String(64), nullable=False),
        sa.Column("dimensions", JSON),
        sa.Column("unit", sa.String(64)),
        sa.Column("sample_count", sa.Float, nullable=False),
        sa.Column("sum", sa.Float, nullable=False),
        sa.Column("minimum", sa.Float, nullable=False),
        sa.Column("maximum", sa.Float, nullable=False),
        sa.Column("timestamp", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_metric_datum"),
        **TABLE_ARGS,
    )
    op.create_index(
        "ix_metric_datum_lookup",
        "metric_datum",
        ["project_id", "namespace", "metric_name", "dimensions_hash", "timestamp"],
    )
    op.create_index("ix_metric_datum_timestamp", "metric_datum", ["timestamp"])


def downgrade():
    op.drop_index("ix_metric_datum_timestamp", table_name="metric_datum")
    op.drop_index("ix_metric_datum_lookup", table_name="metric_datum")
    op.drop_table("metric_datum")
    op.drop_index("ix_alarm_stack_id", table_name="alarm")
    op.drop_table("alarm")
