"""Raw templates, stored once per distinct content (stacks with one template share a row)."""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa

from heat.db import models
from heat.db.common import as_dict

_T = models.raw_template


def content_hash(template: dict, files: dict | None, environment: dict | None = None) -> str:
    """SHA-256 of the canonical JSON of the template, its files and its environment."""
    canonical = json.dumps(
        {"template": template, "files": files or {}, "environment": environment or {}},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class Templates:
    """Repository of raw templates."""

    _FIND = sa.select(_T.c.id).where(_T.c.hash == sa.bindparam("h"))

    def __init__(self, engine: sa.Engine):
        self._engine = engine

    def store(
        self, template: dict, files: dict | None = None, environment: dict | None = None
    ) -> int:
        """The id of the row holding this content, inserting it if it is new."""
        digest = content_hash(template, files, environment)
        with self._engine.connect() as conn:
            found = conn.execute(self._FIND, {"h": digest}).scalar()
            conn.rollback()
            if found is not None:
                return found
            row = {
                "hash": digest,
                "template": template,
                "files": files,
                "environment": environment,
                "created_at": models.utcnow(),
            }
            try:
                with conn.begin():
                    return conn.execute(_T.insert(), row).inserted_primary_key[0]
            except sa.exc.IntegrityError:
                # Another process stored the same content since the SELECT; a new
                # transaction sees its row (a repeatable-read snapshot would not).
                return conn.execute(self._FIND, {"h": digest}).scalar_one()

    def hash_of(self, template_id: int) -> str | None:
        """The content hash of the row `template_id`, or None (a cheap existence check)."""
        with self._engine.connect() as conn:
            return conn.execute(sa.select(_T.c.hash).where(_T.c.id == template_id)).scalar()

    def get(self, template_id: int) -> dict | None:
        """{"id", "hash", "template", "files", "environment", "created_at"}, or None."""
        with self._engine.connect() as conn:
            return as_dict(conn.execute(sa.select(_T).where(_T.c.id == template_id)).first())
