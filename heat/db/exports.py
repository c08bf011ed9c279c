"""Stack exports (Outputs.X.Export.Name), which other stacks import with Fn::ImportValue."""

from __future__ import annotations

import sqlalchemy as sa

from heat.common.exception import Conflict
from heat.db import models
from heat.db.common import as_dict, as_dicts

_X = models.stack_export
_COLUMNS = (_X.c.name, _X.c.project_id, _X.c.stack_id, _X.c.value)


class ExportExists(Conflict):
    """The export name is already taken, in this project, by another stack."""

    def __init__(self, name: str, stack_id: str):
        super().__init__(f'Export "{name}" is already exported by stack {stack_id}')
        self.name = name
        self.stack_id = stack_id


class Exports:
    """Repository of exports. Export dicts hold name, project_id, stack_id, value."""

    def __init__(self, engine: sa.Engine):
        self._engine = engine

    def put(self, project_id: str, name: str, stack_id: str, value) -> None:
        """Export `value` as `name`; ExportExists if another stack exports that name."""
        where = (_X.c.project_id == project_id) & (_X.c.name == name)
        with self._engine.connect() as conn:
            try:
                with conn.begin():
                    owner = conn.execute(sa.select(_X.c.stack_id).where(where)).scalar()
                    if owner is None:
                        conn.execute(
                            _X.insert().values(
                                project_id=project_id, name=name, stack_id=stack_id, value=value
                            )
                        )
                        return
                    if owner == stack_id:
                        conn.execute(_X.update().where(where).values(value=value))
                        return
            except sa.exc.IntegrityError:
                # Another stack inserted the name since the SELECT.
                owner = conn.execute(sa.select(_X.c.stack_id).where(where)).scalar_one()
        raise ExportExists(name, owner)

    def get(self, project_id: str, name: str) -> dict | None:
        """The export `name` of the project, or None."""
        query = sa.select(*_COLUMNS).where(_X.c.project_id == project_id, _X.c.name == name)
        with self._engine.connect() as conn:
            return as_dict(conn.execute(query).first())

    def list(self, project_id: str, stack_id: str | None = None) -> list[dict]:
        """Exports of the project (or of one of its stacks), by name."""
        query = sa.select(*_COLUMNS).where(_X.c.project_id == project_id)
        if stack_id is not None:
            query = query.where(_X.c.stack_id == stack_id)
        with self._engine.connect() as conn:
            return as_dicts(conn.execute(query.order_by(_X.c.name)))

    def delete(self, project_id: str, name: str) -> bool:
        """Remove one export; False if it did not exist."""
        where = (_X.c.project_id == project_id) & (_X.c.name == name)
        with self._engine.begin() as conn:
            return conn.execute(_X.delete().where(where)).rowcount == 1

    def delete_for_stack(self, stack_id: str) -> int:
        """Remove every export of a stack; return how many."""
        with self._engine.begin() as conn:
            return conn.execute(_X.delete().where(_X.c.stack_id == stack_id)).rowcount
