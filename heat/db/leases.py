"""Cluster-wide leases: one engine at a time holds a named lease (the periodic-work leader).

A lease is a row (name, holder, renewed_at). Its holder renews it on every heartbeat; another
engine may take it once it has not been renewed for its own heartbeat timeout. Taking and
renewing are one conditional UPDATE each (a compare-and-set), so two engines racing for a
lease cannot both win on any supported database.
"""

from __future__ import annotations

import datetime

import sqlalchemy as sa

from heat.db import models

_L = models.lease


class Leases:
    """Acquire, renew, release and read named leases."""

    def __init__(self, engine: sa.Engine):
        self._engine = engine

    def acquire(self, name: str, holder: str, expiry_seconds: float) -> bool:
        """Hold (or keep holding) lease `name`: True if `holder` holds it now.

        It is taken when free, already held by `holder` (a renewal), or not renewed by its
        holder for `expiry_seconds`.
        """
        now = models.utcnow()
        stale = now - datetime.timedelta(seconds=expiry_seconds)
        with self._engine.begin() as conn:
            taken = conn.execute(
                _L.update()
                .where(_L.c.name == name)
                .where(sa.or_(_L.c.holder == holder, _L.c.renewed_at < stale))
                .values(holder=holder, renewed_at=now)
            ).rowcount
        if taken:
            return True
        try:
            with self._engine.begin() as conn:
                conn.execute(_L.insert().values(name=name, holder=holder, renewed_at=now))
            return True
        except sa.exc.IntegrityError:
            return False  # somebody holds it (or inserted it just now)

    def release(self, name: str, holder: str) -> bool:
        """Give the lease up (a clean shutdown); False if `holder` did not hold it."""
        with self._engine.begin() as conn:
            result = conn.execute(_L.delete().where(_L.c.name == name, _L.c.holder == holder))
            return result.rowcount == 1

    def holder(self, name: str) -> dict | None:
        """{"holder", "renewed_at"} of the lease, or None if nobody ever took it."""
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(_L.c.holder, _L.c.renewed_at).where(_L.c.name == name)
            ).first()
        return dict(row._mapping) if row is not None else None
