"""Raw templates are stored once per content."""

import datetime

from heat.db import templates


def test_store_returns_the_same_row_for_the_same_content(heat_db):
    first = heat_db.templates.store({"Resources": {"A": {"Type": "T"}}}, {"f.yaml": "x"})
    again = heat_db.templates.store({"Resources": {"A": {"Type": "T"}}}, {"f.yaml": "x"})
    assert first == again


def test_store_distinguishes_template_files_and_environment(heat_db):
    ids = {
        heat_db.templates.store({"Resources": {}}),
        heat_db.templates.store({"Resources": {"A": {"Type": "T"}}}),
        heat_db.templates.store({"Resources": {}}, {"f.yaml": "x"}),
        heat_db.templates.store({"Resources": {}}, None, {"parameter_defaults": {"a": 1}}),
    }
    assert len(ids) == 4


def test_key_order_does_not_matter():
    assert templates.content_hash({"a": 1, "b": 2}, None) == templates.content_hash(
        {"b": 2, "a": 1}, {}
    )


def test_get_returns_the_stored_content(heat_db):
    content = {"Resources": {"Ünïcode": {"Type": "T", "Properties": {"n": [1, 2.5, None]}}}}
    template_id = heat_db.templates.store(content, {"a.txt": "b"}, {"resource_registry": {}})

    row = heat_db.templates.get(template_id)

    assert row["id"] == template_id
    assert row["hash"] == templates.content_hash(content, {"a.txt": "b"}, {"resource_registry": {}})
    assert row["template"] == content
    assert row["files"] == {"a.txt": "b"}
    assert row["environment"] == {"resource_registry": {}}
    assert isinstance(row["created_at"], datetime.datetime)


def test_get_missing_returns_none(heat_db):
    assert heat_db.templates.get(123456) is None


def test_store_a_large_template(heat_db):
    content = {"Resources": {f"R{i}": {"Type": "OS::Heat::None"} for i in range(5000)}}
    assert heat_db.templates.get(heat_db.templates.store(content))["template"] == content
