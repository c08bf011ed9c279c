"""Change sets of the CFN API: stored stack changes with their previewed changes.

Every change of a change set's state is a compare-and-set (`transition`): the engine that
computes the changes, an execution and a deletion may race, and each must see whether it
won on any of the supported databases.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import sqlalchemy as sa

from heat.common.exception import ChangeSetExists, InvalidInput
from heat.db import models
from heat.db.common import as_dict, as_dicts

_C = models.change_set

__all__ = ["ChangeSetExists", "ChangeSets"]


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

    def transition(self, change_set_id: str, expected: dict, **values) -> bool:
        """Set `values` if the change set's columns still hold `expected`; False otherwise
        (it changed meanwhile, or is gone)."""
        query = _C.update().where(
            _C.c.id == change_set_id, *(_C.c[k] == v for k, v in expected.items())
        )
        with self._engine.begin() as conn:
            return conn.execute(query.values(**values)).rowcount == 1

    def with_execution_status(self, stack_id: str, execution_status: str) -> list[dict]:
        """The stack's change sets in this execution status: id, name, change_set_type."""
        query = sa.select(_C.c.id, _C.c.name, _C.c.change_set_type).where(
            _C.c.stack_id == stack_id, _C.c.execution_status == execution_status
        )
        with self._engine.connect() as conn:
            return as_dicts(conn.execute(query))

    def made_by(self, engine_ids: Iterable[str], statuses: Iterable[str]) -> list[dict]:
        """Change sets in one of `statuses` whose changes `engine_ids` compute: id, engine_id."""
        engine_ids = list(engine_ids)
        if not engine_ids:
            return []
        query = sa.select(_C.c.id, _C.c.engine_id, _C.c.status).where(
            _C.c.engine_id.in_(engine_ids), _C.c.status.in_(list(statuses))
        )
        with self._engine.connect() as conn:
            return as_dicts(conn.execute(query))

    def obsolete(self, stack_id: str, execution_statuses: Iterable[str], statuses=()) -> int:
        """Mark OBSOLETE the stack's change sets in one of `execution_statuses` or (still
        being made) of `statuses`: the stack changed under them. Returns how many."""
        which = _C.c.execution_status.in_(list(execution_statuses))
        if statuses:
            which = sa.or_(which, _C.c.status.in_(list(statuses)))
        query = (
            _C.update().where(_C.c.stack_id == stack_id, which).values(execution_status="OBSOLETE")
        )
        with self._engine.begin() as conn:
            return conn.execute(query).rowcount

    def delete(self, change_set_id: str) -> bool:
        with self._engine.begin() as conn:
            return conn.execute(_C.delete().where(_C.c.id == change_set_id)).rowcount == 1
