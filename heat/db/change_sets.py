"""Change sets of the CFN API: stored update requests with their previewed changes."""

from __future__ import annotations

import json

import sqlalchemy as sa

from heat.common.exception import Conflict, InvalidInput
from heat.db import models
from heat.db.common import as_dict, as_dicts

_C = models.change_set


class ChangeSetExists(Conflict):
    def __init__(self, name: str):
        super().__init__(f"ChangeSet {name} already exists")
        self.name = name


class ChangeSets:
    """Repository of change sets. `request` is given and returned as a dict, stored encrypted."""

    def __init__(self, engine: sa.Engine, crypter_factory):
        self._engine = engine
        self._crypter_factory = crypter_factory

    def _unpack(self, row: dict | None) -> dict | None:
        if row is not None:
            row["request"] = json.loads(self._crypter_factory().decrypt(row["request"]))
        return row

    def insert(self, values: dict) -> dict:
        """Insert a change set (id, name, project_id, stack_id, stack_name, status, ...)."""
        row = dict(values)
        row["request"] = self._crypter_factory().encrypt(json.dumps(row["request"]))
        row.setdefault("created_at", models.utcnow())
        try:
            with self._engine.begin() as conn:
                conn.execute(_C.insert(), row)
        except sa.exc.IntegrityError:
            raise ChangeSetExists(values["name"]) from None
        return self.get(row["id"])

    def get(self, change_set_id: str) -> dict | None:
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(_C).where(_C.c.id == change_set_id)).first()
        return self._unpack(as_dict(row))

    def find(self, project_id: str, name_or_id: str, stack_id: str | None = None):
        """The project's change set with this id, or with this name on `stack_id`."""
        query = sa.select(_C).where(_C.c.project_id == project_id)
        with self._engine.connect() as conn:
            row = conn.execute(query.where(_C.c.id == name_or_id)).first()
            if row is None and stack_id is not None:
                row = conn.execute(
                    query.where(_C.c.stack_id == stack_id, _C.c.name == name_or_id)
                ).first()
        return self._unpack(as_dict(row))

    def list(self, project_id: str, stack_id: str, limit=None, marker=None) -> list[dict]:
        """Change sets of a stack, oldest first, without their requests."""
        columns = [c for c in _C.c if c.name != "request"]
        query = sa.select(*columns).where(_C.c.project_id == project_id, _C.c.stack_id == stack_id)
        order = (_C.c.created_at, _C.c.id)
        with self._engine.connect() as conn:
            if marker is not None:
                after = conn.execute(
                    sa.select(*order).where(_C.c.id == marker, _C.c.stack_id == stack_id)
                ).first()
                if after is None:
                    raise InvalidInput("Invalid NextToken")
                query = query.where(sa.tuple_(*order) > tuple(after))
            query = query.order_by(*order)
            if limit is not None:
                query = query.limit(limit)
            return as_dicts(conn.execute(query))

    def update(self, change_set_id: str, **values) -> None:
        with self._engine.begin() as conn:
            conn.execute(_C.update().where(_C.c.id == change_set_id).values(**values))

    def obsolete_others(self, stack_id: str, keep_id: str) -> None:
        """Once one change set of a stack is executed the others no longer apply."""
        with self._engine.begin() as conn:
            conn.execute(
                _C.update()
                .where(_C.c.stack_id == stack_id, _C.c.id != keep_id)
                .values(execution_status="OBSOLETE")
            )

    def delete(self, change_set_id: str) -> bool:
        with self._engine.begin() as conn:
            return conn.execute(_C.delete().where(_C.c.id == change_set_id)).rowcount == 1
