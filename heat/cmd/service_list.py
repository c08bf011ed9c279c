"""`heat-manage service-list`: the engines registered in the database and their liveness.

An engine is `up` while it heartbeats within engine_heartbeat_timeout, `down` once it is
silent for longer (killed, hung, cut off) and `stopped` after a clean shutdown; the engine
holding the leader lease (the cluster's periodic work) is marked `leader`.
"""

from __future__ import annotations

import datetime

from heat.db import models

COLUMNS = ("engine_id", "host", "pid", "topic", "started_at", "heartbeat_at", "status", "leader")


def rows(db, heartbeat_timeout: float, now: datetime.datetime | None = None) -> list[dict]:
    """One dict per engine (COLUMNS), oldest first; stopped engines included."""
    from heat.engine.service import LEADER_LEASE

    now = now or models.utcnow()
    cutoff = now - datetime.timedelta(seconds=heartbeat_timeout)
    lease = db.leases.holder(LEADER_LEASE)
    leader = None
    if lease is not None and lease["renewed_at"] >= cutoff:
        leader = lease["holder"]
    out = []
    for engine in db.engines.list(include_stopped=True):
        if engine["stopped_at"] is not None:
            status = "stopped"
        elif engine["heartbeat_at"] < cutoff:
            status = "down"
        else:
            status = "up"
        out.append(
            {
                "engine_id": engine["id"],
                "host": engine["host"],
                "pid": engine["pid"],
                "topic": engine["topic"],
                "started_at": _time(engine["started_at"]),
                "heartbeat_at": _time(engine["heartbeat_at"]),
                "status": status,
                "leader": "yes" if engine["id"] == leader and status == "up" else "",
            }
        )
    return out


def _time(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else ""


def table(entries: list[dict]) -> str:
    """The rows as an aligned text table with a header line."""
    cells = [list(COLUMNS)] + [[str(entry[c]) for c in COLUMNS] for entry in entries]
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    )
