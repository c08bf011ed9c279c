"""Hard deletion of stacks soft-deleted long enough ago, with everything that hangs off them."""

from __future__ import annotations

import datetime

import sqlalchemy as sa

from heat.db import models
from heat.db.common import chunks

_S = models.stack
_R = models.resource
_T = models.raw_template
# Stacks purged per transaction: bounds the lock time and the size of IN (...) lists.
BATCH = 200


def purge_deleted(engine: sa.Engine, age_seconds: float) -> dict[str, int]:
    """Remove stacks soft-deleted more than `age_seconds` ago.

    Their resources, resource secrets, events, exports and change sets go with them, and so do their
    templates once no remaining stack refers to them. A deleted stack whose nested stack
    is still live is kept (its row is still referenced). Returns the counts removed:
    {"stacks", "resources", "events", "templates"}.
    """
    cutoff = models.utcnow() - datetime.timedelta(seconds=age_seconds)
    counts = {"stacks": 0, "resources": 0, "events": 0, "templates": 0}
    with engine.connect() as conn:
        candidates = conn.execute(
            sa.select(_S.c.id, _S.c.parent_id).where(_S.c.deleted_at < cutoff)
        ).all()
        conn.rollback()
    levels = _levels(candidates, _live_parent_ids(engine, candidates))
    # Nested stacks go before their parents, one nesting level per statement: MySQL checks
    # the stack.parent_id foreign key row by row, even within one DELETE.
    for level in sorted(levels, reverse=True):
        for batch in chunks(sorted(levels[level]), BATCH):
            with engine.begin() as conn:
                _purge_batch(conn, batch, counts)
    return counts


def _live_parent_ids(engine: sa.Engine, candidates) -> set[str]:
    """Ids among `candidates` that are parents of stacks which are not candidates."""
    ids = {stack_id for stack_id, _ in candidates}
    keep = set()
    with engine.connect() as conn:
        for batch in chunks(sorted(ids), BATCH):
            rows = conn.execute(sa.select(_S.c.id, _S.c.parent_id).where(_S.c.parent_id.in_(batch)))
            keep.update(parent for child, parent in rows if child not in ids)
    return keep


def _levels(candidates, keep: set[str]) -> dict[int, list[str]]:
    """Candidate ids by nesting depth among the candidates; `keep` and their ancestors are
    left out, since their rows are still referenced."""
    parent_of = dict(candidates)
    blocked = set()
    for stack_id in keep:
        while stack_id in parent_of and stack_id not in blocked:
            blocked.add(stack_id)
            stack_id = parent_of[stack_id]
    levels: dict[int, list[str]] = {}
    for stack_id in parent_of:
        if stack_id in blocked:
            continue
        depth, node = 0, stack_id
        while parent_of.get(node) in parent_of:
            node = parent_of[node]
            depth += 1
        levels.setdefault(depth, []).append(stack_id)
    return levels


def _purge_batch(conn: sa.Connection, stack_ids: list[str], counts: dict[str, int]) -> None:
    templates = set()
    for first, second in conn.execute(
        sa.select(_S.c.raw_template_id, _S.c.previous_raw_template_id).where(_S.c.id.in_(stack_ids))
    ):
        templates.update(t for t in (first, second) if t is not None)
    resource_ids = sa.select(_R.c.id).where(_R.c.stack_id.in_(stack_ids))
    conn.execute(
        models.resource_secret.delete().where(
            models.resource_secret.c.resource_id.in_(resource_ids)
        )
    )
    counts["resources"] += conn.execute(_R.delete().where(_R.c.stack_id.in_(stack_ids))).rowcount
    counts["events"] += conn.execute(
        models.event.delete().where(models.event.c.stack_id.in_(stack_ids))
    ).rowcount
    conn.execute(models.stack_export.delete().where(models.stack_export.c.stack_id.in_(stack_ids)))
    conn.execute(models.change_set.delete().where(models.change_set.c.stack_id.in_(stack_ids)))
    counts["stacks"] += conn.execute(_S.delete().where(_S.c.id.in_(stack_ids))).rowcount
    if templates:
        still_used = sa.select(_S.c.raw_template_id).where(_S.c.raw_template_id.is_not(None))
        still_prev = sa.select(_S.c.previous_raw_template_id).where(
            _S.c.previous_raw_template_id.is_not(None)
        )
        unused = sorted(
            set(templates)
            - set(conn.execute(still_used.where(_S.c.raw_template_id.in_(templates))).scalars())
            - set(
                conn.execute(
                    still_prev.where(_S.c.previous_raw_template_id.in_(templates))
                ).scalars()
            )
        )
        for template_id in unused:
            try:
                with conn.begin_nested():
                    counts["templates"] += conn.execute(
                        _T.delete().where(_T.c.id == template_id)
                    ).rowcount
            except sa.exc.IntegrityError:
                # A stack created meanwhile reuses this template (stored once per content).
                pass
