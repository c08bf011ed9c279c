"""Resource steps shared between engines: claiming one, and reading many states at once.

A step dispatched to the worker topic is claimed by whichever engine receives it, with one
conditional UPDATE: only while the stack's lock is still held by the engine that dispatched
it, and only once per traversal. The claim marks the row IN_PROGRESS and names the claiming
engine, so that an engine taking over a dead owner's stack can tell the steps still running
on a live engine from those whose engine died.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from heat.db import models
from heat.db.common import as_dicts, chunks

_R = models.resource
_S = models.stack

IN_PROGRESS = "IN_PROGRESS"
_STATE_COLUMNS = (
    _R.c.id,
    _R.c.action,
    _R.c.status,
    _R.c.status_reason,
    _R.c.engine_id,
    _R.c.traversal_id,
)


class Steps:
    """Repository of the claim and state of resource steps."""

    def __init__(self, engine: sa.Engine):
        self._engine = engine

    def claim(
        self, resource_id: int, stack_id: str, owner: str, traversal_id: str, engine_id: str
    ) -> bool:
        """Claim the resource's step of `traversal_id` for `engine_id`; False if it was already
        claimed for that traversal or `owner` no longer holds the stack's lock."""
        owned = sa.select(_S.c.id).where(_S.c.id == stack_id, _S.c.engine_id == owner).exists()
        query = (
            _R.update()
            .where(_R.c.id == resource_id, _R.c.stack_id == stack_id, owned)
            .where(sa.or_(_R.c.traversal_id.is_(None), _R.c.traversal_id != traversal_id))
            .values(
                traversal_id=traversal_id,
                engine_id=engine_id,
                status=IN_PROGRESS,
                updated_at=models.utcnow(),
            )
        )
        with self._engine.begin() as conn:
            return conn.execute(query).rowcount == 1

    def unclaim(self, resource_id: int, traversal_id: str, engine_id: str) -> bool:
        """Make a step claimed by a (dead) engine claimable again; False if it moved on."""
        query = (
            _R.update()
            .where(
                _R.c.id == resource_id,
                _R.c.traversal_id == traversal_id,
                _R.c.engine_id == engine_id,
                _R.c.status == IN_PROGRESS,
            )
            .values(traversal_id=None)
        )
        with self._engine.begin() as conn:
            return conn.execute(query).rowcount == 1

    def states(self, resource_ids: Iterable[int]) -> dict[int, dict]:
        """{id: {id, action, status, status_reason, engine_id, traversal_id}} of the resources
        that exist, in one query per 500 ids."""
        out: dict[int, dict] = {}
        with self._engine.connect() as conn:
            for ids in chunks(list(resource_ids), 500):
                for row in conn.execute(sa.select(*_STATE_COLUMNS).where(_R.c.id.in_(ids))):
                    out[row.id] = dict(row._mapping)
        return out

    def rows(self, stack_id: str, names: Iterable[str]) -> list[dict]:
        """The current (not replaced) resources of the stack with these names."""
        query = sa.select(_R).where(
            _R.c.stack_id == stack_id, _R.c.name.in_(list(names)), _R.c.replaced_by.is_(None)
        )
        with self._engine.connect() as conn:
            return as_dicts(conn.execute(query))

    def full_rows(self, resource_ids: Iterable[int]) -> dict[int, dict]:
        """{id: the whole resource row} of the resources that exist."""
        out: dict[int, dict] = {}
        with self._engine.connect() as conn:
            for ids in chunks(list(resource_ids), 500):
                for row in as_dicts(conn.execute(sa.select(_R).where(_R.c.id.in_(ids)))):
                    out[row["id"]] = row
        return out

    def with_dependencies(self, stack_id: str, resource_id: int) -> tuple[dict, list[dict]]:
        """The resource's row, and the current rows of the resources it requires."""
        resource = self.full_rows([resource_id])[resource_id]
        names = resource["requires"] or []
        if not names:
            return resource, []
        return resource, self.rows(stack_id, names)

    def running_elsewhere(self, stack_id: str, engine_ids: Iterable[str]) -> list[dict]:
        """The stack's resources IN_PROGRESS on one of `engine_ids` (live engines)."""
        engine_ids = list(engine_ids)
        if not engine_ids:
            return []
        query = sa.select(*_STATE_COLUMNS).where(
            _R.c.stack_id == stack_id,
            _R.c.status == IN_PROGRESS,
            _R.c.engine_id.in_(engine_ids),
        )
        with self._engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]
