"""The database schema, as SQLAlchemy declarative models.

The repository modules (heat.db.stacks, ...) use these tables through SQLAlchemy Core for
speed; the ORM classes exist to declare the schema in one readable place and for alembic's
comparison of models against migrations.

Portability rules, so the schema behaves the same on SQLite, PostgreSQL and MySQL/MariaDB:
timestamps are timezone-naive UTC with microseconds (MySQL's DATETIME drops them unless
asked), strings that are indexed have lengths, long text uses LONGTEXT on MySQL, and MySQL
tables are utf8mb4 with a binary collation so that names compare case-sensitively as on
the other databases.
"""

from __future__ import annotations

import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime.datetime:
    """The current UTC time, timezone-naive, as stored in every timestamp column."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


# MySQL/MariaDB variants: microsecond timestamps, and JSON/text large enough for templates.
Timestamp = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
Json = sa.JSON().with_variant(mysql.JSON(), "mysql", "mariadb")
LongText = sa.Text().with_variant(mysql.LONGTEXT(), "mysql", "mariadb")

UUID_LEN = 36
NAME_LEN = 255
ID_LEN = 64  # project ids, engine ids, hashes

TABLE_ARGS = {
    "mysql_engine": "InnoDB",
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_bin",
}


# Constraint names are spelled out so that migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of the Heat models; its metadata is the schema alembic compares against."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class RawTemplate(Base):
    """A template (parsed data), its files and environment, stored once per distinct content."""

    __tablename__ = "raw_template"
    __table_args__ = (TABLE_ARGS,)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    hash: Mapped[str] = mapped_column(sa.String(ID_LEN), nullable=False, unique=True)
    template: Mapped[dict] = mapped_column(Json, nullable=False)
    files: Mapped[dict | None] = mapped_column(Json)
    environment: Mapped[dict | None] = mapped_column(Json)
    created_at: Mapped[datetime.datetime] = mapped_column(Timestamp, nullable=False)


class Stack(Base):
    """A stack; soft-deleted (deleted_at) so that its events stay visible for a while."""

    __tablename__ = "stack"
    __table_args__ = (
        sa.Index("ix_stack_project_name", "project_id", "name"),
        sa.Index("ix_stack_parent_id", "parent_id"),
        sa.Index("ix_stack_engine_id", "engine_id"),
        sa.Index("ix_stack_deleted_at", "deleted_at"),
        TABLE_ARGS,
    )

    id: Mapped[str] = mapped_column(sa.String(UUID_LEN), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_LEN), nullable=False)
    project_id: Mapped[str] = mapped_column(sa.String(ID_LEN), nullable=False)
    user_id: Mapped[str | None] = mapped_column(sa.String(ID_LEN))
    parent_id: Mapped[str | None] = mapped_column(sa.String(UUID_LEN), sa.ForeignKey("stack.id"))
    owner_resource: Mapped[str | None] = mapped_column(sa.String(NAME_LEN))
    raw_template_id: Mapped[int] = mapped_column(
        sa.Integer, sa.ForeignKey("raw_template.id"), nullable=False
    )
    previous_raw_template_id: Mapped[int | None] = mapped_column(
        sa.Integer, sa.ForeignKey("raw_template.id")
    )
    parameters: Mapped[dict | None] = mapped_column(Json)
    # The parameters before the update in progress (same packing), for rolling it back.
    previous_parameters: Mapped[dict | None] = mapped_column(Json)
    action: Mapped[str] = mapped_column(sa.String(NAME_LEN), nullable=False)
    status: Mapped[str] = mapped_column(sa.String(NAME_LEN), nullable=False)
    status_reason: Mapped[str | None] = mapped_column(LongText)
    timeout_mins: Mapped[int | None] = mapped_column(sa.Integer)
    disable_rollback: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
    on_failure: Mapped[str | None] = mapped_column(sa.String(NAME_LEN))
    tags: Mapped[list | None] = mapped_column(Json)
    created_at: Mapped[datetime.datetime] = mapped_column(Timestamp, nullable=False)
    updated_at: Mapped[datetime.datetime | None] = mapped_column(Timestamp)
    deleted_at: Mapped[datetime.datetime | None] = mapped_column(Timestamp)
    engine_id: Mapped[str | None] = mapped_column(sa.String(ID_LEN))
    current_traversal: Mapped[str | None] = mapped_column(sa.String(UUID_LEN))


class Resource(Base):
    """A resource of a stack. During a replacement two rows share a name, hence no unique."""

    __tablename__ = "resource"
    __table_args__ = (
        sa.Index("ix_resource_stack_name", "stack_id", "name"),
        sa.Index("ix_resource_physical_id", "physical_resource_id"),
        # replaces/replaced_by hold ids: SQLite must never hand out a deleted row's id again.
        {**TABLE_ARGS, "sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(sa.String(UUID_LEN), nullable=False, unique=True)
    stack_id: Mapped[str] = mapped_column(
        sa.String(UUID_LEN), sa.ForeignKey("stack.id"), nullable=False
    )
    name: Mapped[str] = mapped_column(sa.String(NAME_LEN), nullable=False)
    type: Mapped[str] = mapped_column(sa.String(NAME_LEN), nullable=False)
    physical_resource_id: Mapped[str | None] = mapped_column(sa.String(NAME_LEN))
    action: Mapped[str] = mapped_column(sa.String(NAME_LEN), nullable=False)
    status: Mapped[str] = mapped_column(sa.String(NAME_LEN), nullable=False)
    status_reason: Mapped[str | None] = mapped_column(LongText)
    rsrc_metadata: Mapped[dict | None] = mapped_column(Json)
    data: Mapped[dict | None] = mapped_column(Json)
    properties_data: Mapped[dict | None] = mapped_column(Json)
    needed_by: Mapped[list | None] = mapped_column(Json)
    requires: Mapped[list | None] = mapped_column(Json)
    replaces: Mapped[int | None] = mapped_column(sa.Integer)
    replaced_by: Mapped[int | None] = mapped_column(sa.Integer)
    engine_id: Mapped[str | None] = mapped_column(sa.String(ID_LEN))
    # The walk whose step last claimed this resource (heat.engine.worker).
    traversal_id: Mapped[str | None] = mapped_column(sa.String(UUID_LEN))
    created_at: Mapped[datetime.datetime] = mapped_column(Timestamp, nullable=False)
    updated_at: Mapped[datetime.datetime | None] = mapped_column(Timestamp)


class ResourceSecret(Base):
    """A secret of a resource (a generated password, a secret key), encrypted at rest."""

    __tablename__ = "resource_secret"
    __table_args__ = (TABLE_ARGS,)

    resource_id: Mapped[int] = mapped_column(
        sa.Integer, sa.ForeignKey("resource.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(sa.String(NAME_LEN), primary_key=True)
    value: Mapped[str] = mapped_column(LongText, nullable=False)


class Event(Base):
    """One state change of a stack or of one of its resources; ids grow with time."""

    __tablename__ = "event"
    __table_args__ = (
        sa.Index("ix_event_stack_id_id", "stack_id", "id"),
        TABLE_ARGS,
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(sa.String(UUID_LEN), nullable=False, unique=True)
    stack_id: Mapped[str] = mapped_column(
        sa.String(UUID_LEN), sa.ForeignKey("stack.id"), nullable=False
    )
    resource_name: Mapped[str] = mapped_column(sa.String(NAME_LEN), nullable=False)
    physical_resource_id: Mapped[str | None] = mapped_column(sa.String(NAME_LEN))
    resource_type: Mapped[str] = mapped_column(sa.String(NAME_LEN), nullable=False)
    action: Mapped[str] = mapped_column(sa.String(NAME_LEN), nullable=False)
    status: Mapped[str] = mapped_column(sa.String(NAME_LEN), nullable=False)
    reason: Mapped[str | None] = mapped_column(LongText)
    properties: Mapped[dict | None] = mapped_column(Json)
    created_at: Mapped[datetime.datetime] = mapped_column(Timestamp, nullable=False)


class Engine(Base):
    """A running (or stopped) engine process; its heartbeat says whether it is alive."""

    __tablename__ = "engine"
    __table_args__ = (TABLE_ARGS,)

    id: Mapped[str] = mapped_column(sa.String(ID_LEN), primary_key=True)
    host: Mapped[str] = mapped_column(sa.String(NAME_LEN), nullable=False)
    pid: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    topic: Mapped[str] = mapped_column(sa.String(NAME_LEN), nullable=False)
    started_at: Mapped[datetime.datetime] = mapped_column(Timestamp, nullable=False)
    heartbeat_at: Mapped[datetime.datetime] = mapped_column(Timestamp, nullable=False)
    stopped_at: Mapped[datetime.datetime | None] = mapped_column(Timestamp)


class StackExport(Base):
    """An output a stack exports (Outputs.X.Export.Name), unique per project."""

    __tablename__ = "stack_export"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "name"),
        sa.Index("ix_stack_export_stack_id", "stack_id"),
        TABLE_ARGS,
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_LEN), nullable=False)
    project_id: Mapped[str] = mapped_column(sa.String(ID_LEN), nullable=False)
    stack_id: Mapped[str] = mapped_column(
        sa.String(UUID_LEN), sa.ForeignKey("stack.id"), nullable=False
    )
    value: Mapped[object | None] = mapped_column(Json)


class IdentityProject(Base):
    """A project of the local identity store (heat.identity); stacks belong to one."""

    __tablename__ = "identity_project"
    __table_args__ = (TABLE_ARGS,)

    id: Mapped[str] = mapped_column(sa.String(ID_LEN), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_LEN), nullable=False, unique=True)
    description: Mapped[str | None] = mapped_column(sa.Text)
    enabled: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
    created_at: Mapped[datetime.datetime] = mapped_column(Timestamp, nullable=False)


class IdentityUser(Base):
    """A user of the local identity store; the password is a KDF hash, never the password."""

    __tablename__ = "identity_user"
    __table_args__ = (TABLE_ARGS,)

    id: Mapped[str] = mapped_column(sa.String(ID_LEN), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_LEN), nullable=False, unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(NAME_LEN), nullable=False)
    default_project_id: Mapped[str | None] = mapped_column(
        sa.String(ID_LEN), sa.ForeignKey("identity_project.id")
    )
    enabled: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
    created_at: Mapped[datetime.datetime] = mapped_column(Timestamp, nullable=False)


class IdentityAssignment(Base):
    """A role a user holds on a project."""

    __tablename__ = "identity_assignment"
    __table_args__ = (TABLE_ARGS,)

    user_id: Mapped[str] = mapped_column(
        sa.String(ID_LEN), sa.ForeignKey("identity_user.id", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[str] = mapped_column(
        sa.String(ID_LEN),
        sa.ForeignKey("identity_project.id", ondelete="CASCADE"),
        primary_key=True,
    )
    role: Mapped[str] = mapped_column(sa.String(NAME_LEN), primary_key=True)


class IdentityToken(Base):
    """An issued token, kept by the SHA-256 of its id so a database leak yields no tokens."""

    __tablename__ = "identity_token"
    __table_args__ = (sa.Index("ix_identity_token_expires_at", "expires_at"), TABLE_ARGS)

    id_hash: Mapped[str] = mapped_column(sa.String(ID_LEN), primary_key=True)
    user_id: Mapped[str] = mapped_column(
        sa.String(ID_LEN), sa.ForeignKey("identity_user.id", ondelete="CASCADE"), nullable=False
    )
    project_id: Mapped[str | None] = mapped_column(sa.String(ID_LEN))
    methods: Mapped[list] = mapped_column(Json, nullable=False)
    audit_id: Mapped[str] = mapped_column(sa.String(ID_LEN), nullable=False)
    issued_at: Mapped[datetime.datetime] = mapped_column(Timestamp, nullable=False)
    expires_at: Mapped[datetime.datetime] = mapped_column(Timestamp, nullable=False)


class IdentityEc2Credential(Base):
    """An EC2-style access key; the secret is encrypted at rest (heat.common.crypt)."""

    __tablename__ = "identity_ec2_credential"
    __table_args__ = (sa.Index("ix_identity_ec2_credential_user_id", "user_id"), TABLE_ARGS)

    access: Mapped[str] = mapped_column(sa.String(ID_LEN), primary_key=True)
    secret: Mapped[str] = mapped_column(sa.Text, nullable=False)
    user_id: Mapped[str] = mapped_column(
        sa.String(ID_LEN), sa.ForeignKey("identity_user.id", ondelete="CASCADE"), nullable=False
    )
    project_id: Mapped[str] = mapped_column(
        sa.String(ID_LEN),
        sa.ForeignKey("identity_project.id", ondelete="CASCADE"),
        nullable=False,
    )
    created_at: Mapped[datetime.datetime] = mapped_column(Timestamp, nullable=False)


class ChangeSet(Base):
    """A CFN change set: a stored stack change, its previewed changes and its status.

    `change_set_type` is UPDATE (a change to the stack) or CREATE (the stack's creation: the
    stack waits in REVIEW_IN_PROGRESS). `request` is what ExecuteChangeSet runs (template,
    parameters, options), as encrypted JSON: its parameters may hold NoEcho values.
    `changes` lists what the preview found, one {"kind", "resource_name", ...} per resource
    (heat.engine.change_sets). `engine_id` is the engine computing the changes, so that
    they are failed if it dies first. No foreign key to the stack, so that purging a
    deleted stack never trips over its change sets (the purge deletes them too).
    """

    __tablename__ = "change_set"
    __table_args__ = (
        sa.UniqueConstraint("stack_id", "name"),
        sa.Index("ix_change_set_project_id", "project_id"),
        TABLE_ARGS,
    )

    id: Mapped[str] = mapped_column(sa.String(UUID_LEN), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_LEN), nullable=False)
    project_id: Mapped[str] = mapped_column(sa.String(ID_LEN), nullable=False)
    stack_id: Mapped[str] = mapped_column(sa.String(UUID_LEN), nullable=False)
    stack_name: Mapped[str] = mapped_column(sa.String(NAME_LEN), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(NAME_LEN), nullable=False)
    status_reason: Mapped[str | None] = mapped_column(LongText)
    execution_status: Mapped[str] = mapped_column(sa.String(NAME_LEN), nullable=False)
    change_set_type: Mapped[str] = mapped_column(
        sa.String(NAME_LEN), nullable=False, server_default="UPDATE"
    )
    request: Mapped[str] = mapped_column(LongText, nullable=False)
    changes: Mapped[list | None] = mapped_column(Json)
    engine_id: Mapped[str | None] = mapped_column(sa.String(ID_LEN))
    created_at: Mapped[datetime.datetime] = mapped_column(Timestamp, nullable=False)


class ResourceSignal(Base):
    """A signal a resource received (cfn-signal, SignalResource, a wait condition handle URL).

    Kept as rows rather than in the resource's data so that a signal arriving while the
    engine is working on the resource is never overwritten, and survives an engine restart.
    One row per UniqueId: a later signal with the same id replaces the earlier one.
    """

    __tablename__ = "resource_signal"
    __table_args__ = (
        sa.UniqueConstraint("resource_id", "unique_id"),
        TABLE_ARGS,
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    resource_id: Mapped[int] = mapped_column(
        sa.Integer, sa.ForeignKey("resource.id", ondelete="CASCADE"), nullable=False
    )
    unique_id: Mapped[str] = mapped_column(sa.String(NAME_LEN), nullable=False)
    status: Mapped[str] = mapped_column(sa.String(NAME_LEN), nullable=False)
    reason: Mapped[str | None] = mapped_column(LongText)
    data: Mapped[str | None] = mapped_column(LongText)
    created_at: Mapped[datetime.datetime] = mapped_column(Timestamp, nullable=False)


class StackUser(Base):
    """An identity-store user that an AWS::IAM::User resource made: whose stack it is.

    Credentials of such a user reach only this stack (and, when `policies` names
    OS::Heat::AccessPolicy resources, only the resources those allow).
    """

    __tablename__ = "stack_user"
    __table_args__ = (sa.Index("ix_stack_user_stack_id", "stack_id"), TABLE_ARGS)

    user_id: Mapped[str] = mapped_column(sa.String(ID_LEN), primary_key=True)
    stack_id: Mapped[str] = mapped_column(sa.String(UUID_LEN), nullable=False)
    resource_id: Mapped[int] = mapped_column(
        sa.Integer, sa.ForeignKey("resource.id", ondelete="CASCADE"), nullable=False
    )
    policies: Mapped[list | None] = mapped_column(Json)


class Alarm(Base):
    """A CloudWatch alarm, made by PutMetricAlarm or by an AWS::CloudWatch::Alarm resource.

    `stack_id`/`resource_name` name the resource that owns a template's alarm (NULL for an
    API alarm). The state and its reason change only by compare-and-set on `state`, so that
    of several evaluators only one records (and acts on) a transition.
    """

    __tablename__ = "alarm"
    __table_args__ = (
        sa.UniqueConstraint("project_id", "name"),
        sa.Index("ix_alarm_stack_id", "stack_id"),
        TABLE_ARGS,
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(sa.String(ID_LEN), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(NAME_LEN), nullable=False)
    stack_id: Mapped[str | None] = mapped_column(sa.String(UUID_LEN))
    resource_name: Mapped[str | None] = mapped_column(sa.String(NAME_LEN))
    description: Mapped[str | None] = mapped_column(sa.Text)
    namespace: Mapped[str] = mapped_column(sa.String(NAME_LEN), nullable=False)
    metric_name: Mapped[str] = mapped_column(sa.String(NAME_LEN), nullable=False)
    dimensions: Mapped[list | None] = mapped_column(Json)
    statistic: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    unit: Mapped[str | None] = mapped_column(sa.String(64))
    period: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    evaluation_periods: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    threshold: Mapped[float] = mapped_column(sa.Float, nullable=False)
    comparison: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    actions_enabled: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
    alarm_actions: Mapped[list | None] = mapped_column(Json)
    ok_actions: Mapped[list | None] = mapped_column(Json)
    insufficient_data_actions: Mapped[list | None] = mapped_column(Json)
    state: Mapped[str] = mapped_column(sa.String(32), nullable=False)
    state_reason: Mapped[str | None] = mapped_column(LongText)
    state_reason_data: Mapped[str | None] = mapped_column(LongText)
    state_updated_at: Mapped[datetime.datetime] = mapped_column(Timestamp, nullable=False)
    updated_at: Mapped[datetime.datetime] = mapped_column(Timestamp, nullable=False)
    created_at: Mapped[datetime.datetime] = mapped_column(Timestamp, nullable=False)


class MetricDatum(Base):
    """One PutMetricData data point (or statistic set), kept for a bounded time.

    Dimensions are stored as given and, for lookups, as the hash of their canonical form.
    """

    __tablename__ = "metric_datum"
    __table_args__ = (
        sa.Index(
            "ix_metric_datum_lookup",
            "project_id",
            "namespace",
            "metric_name",
            "dimensions_hash",
            "timestamp",
        ),
        sa.Index("ix_metric_datum_timestamp", "timestamp"),
        TABLE_ARGS,
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(sa.String(ID_LEN), nullable=False)
    namespace: Mapped[str] = mapped_column(sa.String(NAME_LEN), nullable=False)
    metric_name: Mapped[str] = mapped_column(sa.String(NAME_LEN), nullable=False)
    dimensions_hash: Mapped[str] = mapped_column(sa.String(ID_LEN), nullable=False)
    dimensions: Mapped[list | None] = mapped_column(Json)
    unit: Mapped[str | None] = mapped_column(sa.String(64))
    sample_count: Mapped[float] = mapped_column(sa.Float, nullable=False)
    sum: Mapped[float] = mapped_column(sa.Float, nullable=False)
    minimum: Mapped[float] = mapped_column(sa.Float, nullable=False)
    maximum: Mapped[float] = mapped_column(sa.Float, nullable=False)
    timestamp: Mapped[datetime.datetime] = mapped_column(Timestamp, nullable=False)


class Lease(Base):
    """A named cluster-wide lease (e.g. the periodic-work leader), renewed by its holder."""

    __tablename__ = "lease"
    __table_args__ = (TABLE_ARGS,)

    name: Mapped[str] = mapped_column(sa.String(NAME_LEN), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(ID_LEN), nullable=False)
    renewed_at: Mapped[datetime.datetime] = mapped_column(Timestamp, nullable=False)


metadata = Base.metadata
raw_template = RawTemplate.__table__
stack = Stack.__table__
resource = Resource.__table__
resource_secret = ResourceSecret.__table__
event = Event.__table__
engine = Engine.__table__
stack_export = StackExport.__table__
identity_project = IdentityProject.__table__
identity_user = IdentityUser.__table__
identity_assignment = IdentityAssignment.__table__
identity_token = IdentityToken.__table__
identity_ec2_credential = IdentityEc2Credential.__table__
change_set = ChangeSet.__table__
resource_signal = ResourceSignal.__table__
stack_user = StackUser.__table__
alarm = Alarm.__table__
metric_datum = MetricDatum.__table__
lease = Lease.__table__
