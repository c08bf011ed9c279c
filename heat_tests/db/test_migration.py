"""Migrations on every backend: from nothing to head, and from revision 1 in place."""

import datetime
import json

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from heat.db import migration, models, session


def test_empty_database_has_no_version(empty_db_url):
    assert migration.db_version(empty_db_url) is None


def test_sync_to_head_creates_every_table(empty_db_url):
    migration.db_sync(empty_db_url)

    assert migration.db_version(empty_db_url) == migration.head_revision() == "0009"
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
    assert migration.db_version(empty_db_url) == "0009"


def test_known_revisions_in_order():
    assert migration.known_revisions() == [f"{n:04d}" for n in range(1, 10)]


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

        assert migration.db_version(engine) == "0009"
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


# A change set as revision 0004's code stored it: its changes in the CFN API's shape.
RENDERED_CHANGES = [
    {
        "Type": "Resource",
        "ResourceChange": {
            "Action": "Add",
            "LogicalResourceId": "Cache",
            "PhysicalResourceId": None,
            "ResourceType": "OS::Heat::TestResource",
        },
    },
    {
        "Type": "Resource",
        "ResourceChange": {
            "Action": "Modify",
            "LogicalResourceId": "Db",
            "PhysicalResourceId": "test-Db",
            "ResourceType": "OS::Heat::TestResource",
            "Replacement": "False",
            "Scope": ["Properties"],
            "Details": [
                {
                    "Target": {
                        "Attribute": "Properties",
                        "Name": "value",
                        "RequiresRecreation": "Never",
                    },
                    "Evaluation": "Static",
                    "ChangeSource": "DirectModification",
                }
            ],
        },
    },
    {
        "Type": "Resource",
        "ResourceChange": {
            "Action": "Modify",
            "LogicalResourceId": "Web",
            "PhysicalResourceId": "test-Web",
            "ResourceType": "OS::Heat::TestResource",
            "Replacement": "True",
            "Scope": ["Properties"],
            "Details": [
                {
                    "Target": {
                        "Attribute": "Properties",
                        "Name": "update_replace",
                        "RequiresRecreation": "Always",
                    },
                    "Evaluation": "Static",
                    "ChangeSource": "DirectModification",
                }
            ],
        },
    },
    {
        "Type": "Resource",
        "ResourceChange": {
            "Action": "Modify",
            "LogicalResourceId": "App",
            "PhysicalResourceId": "test-App",
            "ResourceType": "OS::Heat::TestResource",
            "Replacement": "Conditional",
            "Scope": ["Properties"],
            "Details": [],
        },
    },
    {
        "Type": "Resource",
        "ResourceChange": {
            "Action": "Remove",
            "LogicalResourceId": "Old",
            "PhysicalResourceId": "test-Old",
            "ResourceType": "OS::Heat::TestResource",
        },
    },
]
NEUTRAL_CHANGES = [
    {
        "kind": "added",
        "resource_name": "Cache",
        "resource_type": "OS::Heat::TestResource",
        "physical_resource_id": None,
        "changed_properties": [],
        "replacement": "False",
    },
    {
        "kind": "updated",
        "resource_name": "Db",
        "resource_type": "OS::Heat::TestResource",
        "physical_resource_id": "test-Db",
        "changed_properties": ["value"],
        "replacement": "False",
    },
    {
        "kind": "replaced",
        "resource_name": "Web",
        "resource_type": "OS::Heat::TestResource",
        "physical_resource_id": "test-Web",
        "changed_properties": ["update_replace"],
        "replacement": "True",
    },
    {
        "kind": "updated",
        "resource_name": "App",
        "resource_type": "OS::Heat::TestResource",
        "physical_resource_id": "test-App",
        "changed_properties": ["Properties"],
        "replacement": "Conditional",
    },
    {
        "kind": "deleted",
        "resource_name": "Old",
        "resource_type": "OS::Heat::TestResource",
        "physical_resource_id": "test-Old",
        "changed_properties": [],
        "replacement": "False",
    },
]


def _change_sets(engine) -> list[dict]:
    table = sa.table(
        "change_set",
        *(sa.column(name) for name in ("id", "name", "request", "status")),
        sa.column("changes", models.Json),
    )
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(table).order_by(table.c.id))]


def test_0009_keeps_change_sets_and_converts_their_changes(empty_db_url):
    migration.db_sync(empty_db_url, "0008")
    created = datetime.datetime(2026, 11, 30, 12, 0, 0, 123456)
    engine = session.make_engine(empty_db_url)
    try:
        with engine.begin() as conn:
            for change_set_id, changes in (("cs-1", RENDERED_CHANGES), ("cs-2", None)):
                conn.execute(
                    sa.text(
                        "INSERT INTO change_set (id, name, project_id, stack_id, stack_name, "
                        "status, execution_status, request, changes, created_at) VALUES "
                        "(:id, :name, 'p', 's-1', 'web', 'CREATE_COMPLETE', 'AVAILABLE', "
                        "'sealed', :changes, :c)"
                    ),
                    {
                        "id": change_set_id,
                        "name": f"name-{change_set_id}",
                        "changes": None if changes is None else json.dumps(changes),
                        "c": created,
                    },
                )
        before = _change_sets(engine)

        migration.db_sync(engine)

        assert migration.db_version(engine) == "0009"
        with engine.connect() as conn:
            rows = conn.execute(sa.select(models.change_set).order_by("id")).all()
        upgraded = [dict(r._mapping) for r in rows]
        assert [r["changes"] for r in upgraded] == [NEUTRAL_CHANGES, None]
        assert [(r["change_set_type"], r["engine_id"]) for r in upgraded] == [
            ("UPDATE", None),
            ("UPDATE", None),
        ]
        assert [(r["name"], r["request"], r["created_at"]) for r in upgraded] == [
            ("name-cs-1", "sealed", created),
            ("name-cs-2", "sealed", created),
        ]
        migration.db_sync(engine)  # again: nothing left to convert
        assert _change_sets(engine)[0]["changes"] == NEUTRAL_CHANGES

        # Back to 0008: the old shape again; CREATE change sets, which 0008's code would
        # run as updates, are dropped.
        with engine.begin() as conn:
            conn.execute(
                models.change_set.insert(),
                {
                    "id": "cs-3",
                    "name": "launch",
                    "project_id": "p",
                    "stack_id": "s-2",
                    "stack_name": "fresh",
                    "status": "CREATE_COMPLETE",
                    "execution_status": "AVAILABLE",
                    "change_set_type": "CREATE",
                    "request": "sealed",
                    "changes": NEUTRAL_CHANGES[:1],
                    "created_at": created,
                },
            )
        migration.db_downgrade(engine, "0008")
        assert _change_sets(engine) == before
    finally:
        engine.dispose()
