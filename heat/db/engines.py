"""Engine processes: registration and heartbeats, so a live engine can tell which are dead.

Times come from each engine's clock (UTC); engines sharing a database are expected to keep
their clocks in sync (NTP) to well within the heartbeat timeout.
"""

from __future__ import annotations

import datetime

import sqlalchemy as sa

from heat.db import models
from heat.db.common import as_dicts

_EN = models.engine


class Engines:
    """Repository of engine processes.

    Engine dicts hold: id, host, pid, topic, started_at, heartbeat_at, stopped_at.
    """

    def __init__(self, engine: sa.Engine):
        self._engine = engine

    def register(self, engine_id: str, host: str, pid: int, topic: str) -> None:
        """Record a starting engine (again, if the id is reused: it is alive now)."""
        now = models.utcnow()
        values = {
            "host": host,
            "pid": pid,
            "topic": topic,
            "started_at": now,
            "heartbeat_at": now,
            "stopped_at": None,
        }
        with self._engine.begin() as conn:
            updated = conn.execute(_EN.update().where(_EN.c.id == engine_id).values(values))
            if updated.rowcount == 0:
                conn.execute(_EN.insert().values(id=engine_id, **values))

    def heartbeat(self, engine_id: str) -> bool:
        """Mark the engine alive now; False if it is not registered."""
        with self._engine.begin() as conn:
            result = conn.execute(
                _EN.update().where(_EN.c.id == engine_id).values(heartbeat_at=models.utcnow())
            )
            return result.rowcount == 1

    def stop(self, engine_id: str) -> bool:
        """Mark the engine stopped (a clean shutdown); False if it is not registered."""
        with self._engine.begin() as conn:
            result = conn.execute(
                _EN.update().where(_EN.c.id == engine_id).values(stopped_at=models.utcnow())
            )
            return result.rowcount == 1

    def list(self, include_stopped: bool = False) -> list[dict]:
        """Registered engines, oldest first."""
        query = sa.select(_EN).order_by(_EN.c.started_at, _EN.c.id)
        if not include_stopped:
            query = query.where(_EN.c.stopped_at.is_(None))
        with self._engine.connect() as conn:
            return as_dicts(conn.execute(query))

    def dead(self, timeout_seconds: float) -> list[str]:
        """Ids of engines stopped, or silent for more than `timeout_seconds`; sorted."""
        cutoff = models.utcnow() - datetime.timedelta(seconds=timeout_seconds)
        query = (
            sa.select(_EN.c.id)
            .where(sa.or_(_EN.c.stopped_at.is_not(None), _EN.c.heartbeat_at < cutoff))
            .order_by(_EN.c.id)
        )
        with self._engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def live(self, timeout_seconds: float) -> list[str]:
        """Ids of engines running and heard from within `timeout_seconds`; sorted."""
        cutoff = models.utcnow() - datetime.timedelta(seconds=timeout_seconds)
        query = (
            sa.select(_EN.c.id)
            .where(_EN.c.stopped_at.is_(None), _EN.c.heartbeat_at >= cutoff)
            .order_by(_EN.c.id)
        )
        with self._engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def delete(self, engine_id: str) -> bool:
        """Forget an engine (once nothing refers to it any more); False if unknown."""
        with self._engine.begin() as conn:
            return conn.execute(_EN.delete().where(_EN.c.id == engine_id)).rowcount == 1
