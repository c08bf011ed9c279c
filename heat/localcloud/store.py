"""localcloud's state: JSON documents in one SQLite file, so a restart keeps every server.

The services of a stand-in cloud need little of a database: look a thing up by kind and id,
list a kind, change one thing atomically. So the schema is a single table of documents keyed
by (kind, id); each service module owns the shape of its documents. A per-kind sequence
numbers documents in creation order (Nova's instance-0000000N names, list order).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE TABLE IF NOT EXISTS sequences (
    kind TEXT PRIMARY KEY,
    last INTEGER NOT NULL
);
"""


class Store:
    """A thread-safe document store on one SQLite file.

    Every public method is one transaction. Read-modify-write sequences that must not
    interleave (allocating an IP, merging metadata) run inside `with store.locked():`.
    """

    def __init__(self, path: str):
        self.path = path
        # One connection shared by the request threads; the re-entrant lock serialises them,
        # which is plenty for a development cloud and avoids SQLite's "database is locked".
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.executescript(_SCHEMA)
        self._lock = threading.RLock()
        self._closers: list[Callable[[], None]] = []

    def on_close(self, callback: Callable[[], None]) -> None:
        """Call `callback` when the store closes: state kept beside this database (the
        identity database) closes with it."""
        self._closers.append(callback)

    def close(self) -> None:
        """Close the database; the store is unusable afterwards."""
        with self._lock:
            self._conn.close()
        while self._closers:
            self._closers.pop()()

    @contextlib.contextmanager
    def locked(self) -> Iterator[Store]:
        """Hold the store's lock and one transaction across several calls."""
        with self._lock:
            if self._conn.in_transaction:
                yield self
                return
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def get(self, kind: str, id: str) -> dict | None:
        """The document `kind`/`id`, or None."""
        with self._lock:
            row = self._conn.execute(
                "SELECT body FROM documents WHERE kind = ? AND id = ?", (kind, id)
            ).fetchone()
        return None if row is None else json.loads(row[0])

    def list(self, kind: str) -> list[dict]:
        """Every document of `kind`, oldest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT body FROM documents WHERE kind = ? ORDER BY seq", (kind,)
            ).fetchall()
        return [json.loads(row[0]) for row in rows]

    def put(self, kind: str, id: str, body: dict) -> dict:
        """Insert or replace a document; a replaced document keeps its place in the order."""
        text = json.dumps(body, sort_keys=True)
        with self.locked():
            updated = self._conn.execute(
                "UPDATE documents SET body = ? WHERE kind = ? AND id = ?", (text, kind, id)
            ).rowcount
            if not updated:
                self._conn.execute(
                    "INSERT INTO documents (kind, id, seq, body) VALUES (?, ?, ?, ?)",
                    (kind, id, self.next_seq(kind), text),
                )
        return body

    def delete(self, kind: str, id: str) -> bool:
        """Remove a document; False if there was none."""
        with self.locked():
            return bool(
                self._conn.execute(
                    "DELETE FROM documents WHERE kind = ? AND id = ?", (kind, id)
                ).rowcount
            )

    def next_seq(self, kind: str) -> int:
        """The next number of the per-kind sequence (1, 2, ...); never reused."""
        with self.locked():
            row = self._conn.execute(
                "SELECT last FROM sequences WHERE kind = ?", (kind,)
            ).fetchone()
            value = (row[0] if row else 0) + 1
            self._conn.execute(
                "INSERT INTO sequences (kind, last) VALUES (?, ?) "
                "ON CONFLICT(kind) DO UPDATE SET last = excluded.last",
                (kind, value),
            )
        return value
