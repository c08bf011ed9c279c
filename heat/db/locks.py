"""Stack locks: which engine may act on a stack, as an atomic compare-and-set on stack.engine_id.

Every operation is a single conditional UPDATE, so two engines (or two threads) racing for a
stack cannot both win on any of the supported databases.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from heat.db import models
from heat.db.common import as_dicts

_S = models.stack


class StackLocks:
    """Acquire, release and steal stack locks."""

    def __init__(self, engine: sa.Engine):
        self._engine = engine

    def _swap(self, stack_id: str, expected: str | None, new: str | None) -> bool:
        held = _S.c.engine_id.is_(None) if expected is None else _S.c.engine_id == expected
        with self._engine.begin() as conn:
            result = conn.execute(
                _S.update().where(_S.c.id == stack_id, held).values(engine_id=new)
            )
            return result.rowcount == 1

    def acquire(self, stack_id: str, engine_id: str) -> bool:
        """Take the lock if nobody holds it. Not re-entrant: a held lock is never re-taken."""
        return self._swap(stack_id, None, engine_id)

    def release(self, stack_id: str, engine_id: str) -> bool:
        """Give up the lock; False if `engine_id` did not hold it."""
        return self._swap(stack_id, engine_id, None)

    def steal(self, stack_id: str, old_engine_id: str, new_engine_id: str) -> bool:
        """Take the lock from `old_engine_id` (a dead engine); False if it no longer holds it."""
        return self._swap(stack_id, old_engine_id, new_engine_id)

    def holder(self, stack_id: str) -> str | None:
        """The engine holding the stack's lock, or None."""
        with self._engine.connect() as conn:
            return conn.execute(sa.select(_S.c.engine_id).where(_S.c.id == stack_id)).scalar()

    def held_by(self, engine_ids: Iterable[str]) -> list[dict]:
        """Stacks locked by any of `engine_ids`: dicts of id, name, project_id, parent_id,
        action, status, engine_id, current_traversal; oldest first."""
        engine_ids = list(engine_ids)
        if not engine_ids:
            return []
        query = (
            sa.select(
                _S.c.id,
                _S.c.name,
                _S.c.project_id,
                _S.c.parent_id,
                _S.c.action,
                _S.c.status,
                _S.c.engine_id,
                _S.c.current_traversal,
            )
            .where(_S.c.engine_id.in_(engine_ids))
            .order_by(_S.c.created_at, _S.c.id)
        )
        with self._engine.connect() as conn:
            return as_dicts(conn.execute(query))
