"""Events: the history of every stack and resource state change, capped per stack.

Events are inserted by the stack and resource repositories inside their state-change
transactions (see event_row). Keeping a stack under max_events_per_stack must not cost a
COUNT per insert: each process counts the events it inserted per stack and, every
event_purge_batch_size inserts, deletes that stack's events beyond the newest
max_events_per_stack. A stack can therefore briefly hold up to one batch more than the cap.
"""

from __future__ import annotations

import random
import threading
import time
import uuid

import sqlalchemy as sa
from oslo_config import cfg

from heat.common.exception import InvalidInput
from heat.db import models
from heat.db.common import as_dict, as_dicts

OPTS = [
    cfg.IntOpt(
        "max_events_per_stack",
        default=1000,
        min=0,
        help="Events kept per stack; older ones are deleted. 0 keeps every event.",
    ),
    cfg.IntOpt(
        "event_purge_batch_size",
        default=200,
        min=1,
        help="A stack's events are pruned after this many new events, so it may exceed "
        "max_events_per_stack by up to this many.",
    ),
]

_E = models.event
# Deleting a large backlog (after the cap is lowered) in slices keeps each transaction short.
PRUNE_CHUNK = 1000


def time_ordered_uuid() -> str:
    """A version 7 UUID: millisecond timestamp first, then random bits.

    Successive events get neighbouring keys, so the unique index on event.uuid grows at
    its end instead of touching a random page per insert (about 30% faster on SQLite).
    The random bits come from `random` (seeded from the OS, reseeded after fork): an event
    id must be unique, not unguessable, and os.urandom is a system call that lets go of
    the GIL, which costs a wait for it on the engine's busiest path.
    """
    value = (time.time_ns() // 1_000_000) << 80 | random.getrandbits(80)
    value &= ~(0xF000 << 64) & ~(0xC << 60)
    value |= (0x7000 << 64) | (0x8 << 60)
    return str(uuid.UUID(int=value))


def event_row(
    stack_id: str,
    resource_name: str,
    resource_type: str,
    action: str,
    status: str,
    reason: str | None,
    physical_resource_id: str | None = None,
    properties: dict | None = None,
) -> dict:
    """The values of a new event row, with a fresh uuid and timestamp."""
    return {
        "uuid": time_ordered_uuid(),
        "stack_id": stack_id,
        "resource_name": resource_name,
        "physical_resource_id": physical_resource_id,
        "resource_type": resource_type,
        "action": action,
        "status": status,
        "reason": reason,
        "properties": properties,
        "created_at": models.utcnow(),
    }


INSERT = _E.insert()

# For prune(): the id of a stack's n-th newest event (0: the newest), of its n-th oldest
# event up to an id, and the deletion of its events up to an id.
_NTH_NEWEST = (
    sa.select(_E.c.id)
    .where(_E.c.stack_id == sa.bindparam("stack_id"))
    .order_by(_E.c.id.desc())
    .limit(1)
    .offset(sa.bindparam("n"))
)
_NTH_OLDEST_UP_TO = (
    sa.select(_E.c.id)
    .where(_E.c.stack_id == sa.bindparam("stack_id"), _E.c.id <= sa.bindparam("upto"))
    .order_by(_E.c.id)
    .limit(1)
    .offset(sa.bindparam("n"))
)
_DELETE_UP_TO = _E.delete().where(
    _E.c.stack_id == sa.bindparam("stack_id"), _E.c.id <= sa.bindparam("upto")
)


def insert_statement():
    """INSERT of one event with every column but the id bound by name, for FastPath."""
    return _E.insert().values({c.name: sa.bindparam(c.name) for c in _E.c if c.name != "id"})


class Events:
    """Repository of events, and the pruning that keeps each stack under its cap."""

    def __init__(self, engine: sa.Engine, max_per_stack: int = 1000, purge_batch_size: int = 200):
        self._engine = engine
        self.max_per_stack = max_per_stack
        self.purge_batch_size = purge_batch_size
        self._inserted: dict[str, int] = {}
        self._lock = threading.Lock()

    def insert(self, conn: sa.Connection, row: dict) -> None:
        """Insert `row` (from event_row) on `conn`, within the caller's transaction."""
        conn.execute(INSERT, row)

    def inserted(self, stack_id: str, count: int = 1) -> None:
        """Note `count` new events of `stack_id` (after commit); prune when a batch is due."""
        if not self.max_per_stack:
            return
        with self._lock:
            seen = self._inserted.get(stack_id, 0) + count
            due = seen >= self.purge_batch_size
            self._inserted[stack_id] = 0 if due else seen
        if due:
            self.prune(stack_id)

    def forget(self, stack_id: str) -> None:
        """Drop the insert counter of a stack that is gone."""
        with self._lock:
            self._inserted.pop(stack_id, None)

    def prune(self, stack_id: str, keep: int | None = None) -> int:
        """Delete all but the newest `keep` (default: the cap) events; return how many.

        Deletes by id range on the (stack_id, id) index: no ids travel to Python and back,
        which made the prune every purge_batch_size events the costliest part of a large
        stack's delete.
        """
        keep = self.max_per_stack if keep is None else keep
        deleted = 0
        with self._engine.connect() as conn:
            threshold = conn.execute(_NTH_NEWEST, {"stack_id": stack_id, "n": keep}).scalar()
            conn.rollback()
            while threshold is not None:
                with conn.begin():
                    chunk_end = conn.execute(
                        _NTH_OLDEST_UP_TO,
                        {"stack_id": stack_id, "upto": threshold, "n": PRUNE_CHUNK - 1},
                    ).scalar()
                    upto = threshold if chunk_end is None else chunk_end
                    deleted += conn.execute(
                        _DELETE_UP_TO, {"stack_id": stack_id, "upto": upto}
                    ).rowcount
                if upto == threshold:
                    break
        return deleted

    def count(self, stack_id: str) -> int:
        """How many events `stack_id` has."""
        with self._engine.connect() as conn:
            return conn.execute(
                sa.select(sa.func.count()).select_from(_E).where(_E.c.stack_id == stack_id)
            ).scalar_one()

    def list(
        self,
        stack_id: str,
        resource_name: str | None = None,
        limit: int | None = None,
        marker: str | None = None,
        sort_dir: str = "asc",
    ) -> list[dict]:
        """Events of a stack (optionally of one resource name), oldest first by default.

        `marker` is the uuid of the last event of the previous page. Each event is a dict
        of the event columns: id, uuid, stack_id, resource_name, physical_resource_id,
        resource_type, action, status, reason, properties, created_at.
        """
        if sort_dir not in ("asc", "desc"):
            raise InvalidInput(f'sort_dir must be "asc" or "desc", not "{sort_dir}"')
        query = sa.select(_E).where(_E.c.stack_id == stack_id)
        if resource_name is not None:
            query = query.where(_E.c.resource_name == resource_name)
        with self._engine.connect() as conn:
            if marker is not None:
                marker_id = conn.execute(
                    sa.select(_E.c.id).where(_E.c.uuid == marker, _E.c.stack_id == stack_id)
                ).scalar()
                if marker_id is None:
                    raise InvalidInput(f"marker {marker} is not an event of this stack")
                after = _E.c.id > marker_id if sort_dir == "asc" else _E.c.id < marker_id
                query = query.where(after)
            order = _E.c.id.asc() if sort_dir == "asc" else _E.c.id.desc()
            query = query.order_by(order)
            if limit is not None:
                query = query.limit(limit)
            return as_dicts(conn.execute(query))

    def get(self, event_uuid: str) -> dict | None:
        """The event with this uuid (a dict as in list()), or None."""
        with self._engine.connect() as conn:
            return as_dict(conn.execute(sa.select(_E).where(_E.c.uuid == event_uuid)).first())
