"""Small builders of rows for the database tests."""

from heat.db.api import Database

TEMPLATE = {"HeatTemplateFormatVersion": "2012-12-12", "Resources": {}}


def create_stack(db: Database, name: str = "web", project_id: str = "p1", **values) -> str:
    """Insert a CREATE IN_PROGRESS stack and return its id."""
    row = {
        "name": name,
        "project_id": project_id,
        "raw_template_id": db.templates.store(TEMPLATE),
        "action": "CREATE",
        "status": "IN_PROGRESS",
    }
    row.update(values)
    secret = row.pop("secret_parameters", ())
    return db.stacks.insert(row, secret_parameters=secret)
