"""Migrations on every backend: from nothing to head, and from revision 1 in place."""

import datetime

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from heat.db import migration, models, session


def test_empty_database_has_no_version(empty_db_url):
    assert migration.db_version(empty_db_url) is None


def test_sync_to_head_creates_every_table(empty_db_url):
    migration.db_sync(empty_db_url)

    assert migration.db_version(empty_db_url) == migration.head_revision() == "0008"
    engine = session.make_engine(empty_db_url)
    try:
        tables = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert tables == {
        "alembic_version",
        "raw_template",
        "stack",
        "resource",
        "resource_secret",
        "event",
        "engine",
        "stack_export",
        "identity_project",
        "identity_user",
        "identity_assignment",
        "identity_token",
        "identity_ec2_credential",
        "change_set",
        "resource_signal",
        "stack_user",
        "alarm",
        "metric_datum",
        "lease",
    }


def test_head_schema_matches_the_models(empty_db_url):
    migration.db_sync(empty_db_url)
    engine = session.make_engine(empty_db_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, models.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_sync_twice_is_harmless(empty_db_url):
    migration.db_sync(empty_db_url)
    migration.db_sync(empty_db_url)
    assert migration.db_version(empty_db_url) == "0008"


def test_known_revisions_in_order():
    assert migration.known_revisions() == [f"{n:04d}" for n in range(1, 9)]


def test_upgrade_from_revision_1_keeps_data(empty_db_url):
    migration.db_sync(empty_db_url, "0001")
    assert migration.db_version(empty_db_url) == "0001"
    created = datetime.datetime(2024, 1, 2, 3, 4, 5, 678901)
    engine = session.make_engine(empty_db_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO raw_template (hash, template, files, created_at) "
                    "VALUES ('h1', :t, NULL, :c)"
                ),
                {"t": '{"Resources": {}}', "c": created},
            )
            template_id = conn.execute(sa.text("SELECT id FROM raw_template")).scalar_one()
            conn.execute(
                sa.text(
                    "INSERT INTO stack (id, name, project_id, raw_template_id, action, status, "
                    "disable_rollback, created_at) "
                    "VALUES ('s-1', 'web', 'p', :t, 'CREATE', 'COMPLETE', :f, :c)"
                ),
                {"t": template_id, "f": False, "c": created},
            )

        migration.db_sync(engine)

        assert migration.db_version(engine) == "0008"
        with engine.connect() as conn:
            template = conn.execute(sa.select(models.raw_template)).one()._mapping
            stack = conn.execute(sa.select(models.stack)).one()._mapping
    finally:
        engine.dispose()
    assert dict(template) == {
        "id": template_id,
        "hash": "h1",
        "template": {"Resources": {}},
        "files": None,
        "environment": None,
        "created_at": created,
    }
    assert (stack["id"], stack["name"], stack["raw_template_id"], stack["created_at"]) == (
        "s-1",
        "web",
        template_id,
        created,
    )
    assert stack["previous_parameters"] is None  # added by 0005


def test_downgrade_to_base_removes_everything(empty_db_url):
    migration.db_sync(empty_db_url)
    migration.db_downgrade(empty_db_url, "base")

    assert migration.db_version(empty_db_url) is None
    engine = session.make_engine(empty_db_url)
    try:
        assert set(sa.inspect(engine).get_table_names()) == {"alembic_version"}
    finally:
        engine.dispose()
