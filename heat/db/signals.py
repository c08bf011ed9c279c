"""Signals resources received, and the users AWS::IAM::User resources made (stack users)."""

from __future__ import annotations

import sqlalchemy as sa

from heat.db import models
from heat.db.common import as_dict, as_dicts

_S = models.resource_signal
_U = models.stack_user


class Signals:
    """Repository of resource signals. Signal dicts hold id, resource_id, unique_id, status,
    reason, data and created_at, oldest first."""

    def __init__(self, engine: sa.Engine):
        self._engine = engine

    def put(self, resource_id: int, unique_id: str, status: str, reason: str, data) -> bool:
        """Record a signal; one with the same unique id replaces it. True if it was new."""
        where = (_S.c.resource_id == resource_id) & (_S.c.unique_id == unique_id)
        values = {"status": status, "reason": reason, "data": data, "created_at": models.utcnow()}
        with self._engine.connect() as conn:
            for attempt in range(2):
                try:
                    with conn.begin():
                        if conn.execute(_S.update().where(where).values(**values)).rowcount:
                            return False
                        conn.execute(
                            _S.insert().values(
                                resource_id=resource_id, unique_id=unique_id, **values
                            )
                        )
                        return True
                except sa.exc.IntegrityError:
                    # The same unique id arrived twice at once: the second becomes an update.
                    if attempt:
                        raise
        return False

    def list(self, resource_id: int) -> list[dict]:
        query = sa.select(_S).where(_S.c.resource_id == resource_id).order_by(_S.c.id)
        with self._engine.connect() as conn:
            return as_dicts(conn.execute(query))

    def count(self, resource_id: int) -> int:
        query = sa.select(sa.func.count()).select_from(_S).where(_S.c.resource_id == resource_id)
        with self._engine.connect() as conn:
            return conn.execute(query).scalar()

    def clear(self, resource_id: int) -> int:
        with self._engine.begin() as conn:
            return conn.execute(_S.delete().where(_S.c.resource_id == resource_id)).rowcount


class StackUsers:
    """Which stack each stack user belongs to. Dicts hold user_id, stack_id, resource_id and
    policies (names of OS::Heat::AccessPolicy resources of that stack, or None)."""

    def __init__(self, engine: sa.Engine):
        self._engine = engine

    def add(self, user_id: str, stack_id: str, resource_id: int, policies=None) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                _U.insert().values(
                    user_id=user_id, stack_id=stack_id, resource_id=resource_id, policies=policies
                )
            )

    def get(self, user_id: str) -> dict | None:
        with self._engine.connect() as conn:
            return as_dict(conn.execute(sa.select(_U).where(_U.c.user_id == user_id)).first())

    def for_stack(self, stack_id: str) -> list[dict]:
        query = sa.select(_U).where(_U.c.stack_id == stack_id).order_by(_U.c.user_id)
        with self._engine.connect() as conn:
            return as_dicts(conn.execute(query))

    def delete(self, user_id: str) -> bool:
        with self._engine.begin() as conn:
            return bool(conn.execute(_U.delete().where(_U.c.user_id == user_id)).rowcount)
