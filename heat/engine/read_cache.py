"""Caches for the engine's read path (show_stack, stack_outputs, DescribeStacks).

Answering "show this stack" used to parse the stored template, analyse it and bind it to
the stack's parameters on every call. None of that changes between calls:

- a raw template row is immutable (stored once per content hash), so its parsed Template
  (which caches its own static analysis) is kept by id. Ids can come back after
  `heat-manage purge_deleted` on SQLite, so an entry is only used while the row with that id
  still has the same content hash (the caller passes the hash it read with the stack row,
  or a one-column primary-key lookup fetches it);
- a StackDefinition depends only on its template, the parameter values and the stack's
  identity, so the read path keeps one per such key. Operations (create, update, delete,
  signals) still build their own: nothing here is shared with code that may change it.

Both caches are bounded LRUs, safe to use from any thread.
"""

from __future__ import annotations

import collections
import json
import threading
from collections.abc import Callable, Hashable

from heat.engine.stack_definition import StackDefinition
from heat.engine.template import Template


class LruCache:
    """A thread-safe mapping of at most `size` entries, least recently used evicted first."""

    def __init__(self, size: int):
        self.size = size
        self._entries: collections.OrderedDict = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, default=None):
        with self._lock:
            try:
                self._entries.move_to_end(key)
            except KeyError:
                return default
            return self._entries[key]

    def put(self, key: Hashable, value) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def get_or_make(self, key: Hashable, make: Callable[[], object]):
        """The value for `key`, made (outside the lock) and stored if missing."""
        found = self.get(key, _MISSING)
        if found is _MISSING:
            found = make()
            self.put(key, found)
        return found

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


_MISSING = object()


class ReadCache:
    """Templates by raw_template id and read-only StackDefinitions of one engine."""

    def __init__(self, db, templates: int = 256, definitions: int = 1024):
        self.db = db
        self._templates = LruCache(templates)  # id -> (hash, Template)
        self._definitions = LruCache(definitions)

    def template(self, template_id: int, digest: str | None = None) -> Template:
        """The parsed template stored under `template_id` (shared: do not modify it).

        `digest`: the row's content hash if the caller has it (Stacks.find reads it).
        """
        return self._template_entry(template_id, digest)[1]

    def _template_entry(self, template_id: int, digest: str | None = None) -> tuple[str, Template]:
        entry = self._templates.get(template_id)
        if entry is not None:
            if digest is None:
                digest = self.db.templates.hash_of(template_id)
            if digest == entry[0]:
                return entry
        row = self.db.templates.get(template_id)
        entry = (row["hash"], Template(row["template"]))
        self._templates.put(template_id, entry)
        return entry

    def definition(self, row: dict, identity, **kwargs) -> StackDefinition:
        """A StackDefinition of the stack `row` for reading (shared: do not modify it).

        `kwargs` are StackDefinition's (registry, availability_zones, ...), the same for
        every call of one engine.
        """
        digest, template = self._template_entry(
            row["raw_template_id"], row.get("raw_template_hash")
        )
        key = (
            row["raw_template_id"],
            digest,
            json.dumps(row["parameters"] or {}, sort_keys=True, default=str),
            identity,
        )
        return self._definitions.get_or_make(
            key,
            lambda: StackDefinition(template, row["parameters"] or {}, identity, **kwargs),
        )

    def clear(self) -> None:
        self._templates.clear()
        self._definitions.clear()
