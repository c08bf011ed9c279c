"""Stacks: rows, state changes (with their events), listing and soft deletion.

Parameters are stored as {"values": {name: value}, "encrypted": [names]}: the values of
NoEcho parameters are encrypted (their JSON, so any type survives). Stack dicts returned
here carry "parameters" decrypted and "secret_parameters", the names that were encrypted,
so callers can mask them.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterable

import sqlalchemy as sa

from heat.common.crypt import Crypter
from heat.common.exception import InvalidInput, StackNotFound
from heat.db import models
from heat.db.common import as_dict, as_dicts, check_columns
from heat.db.events import Events, event_row

_S = models.stack
_T = models.raw_template

STACK_RESOURCE_TYPE = "OS::Heat::Stack"
SORT_KEYS = {
    "name": _S.c.name,
    "status": _S.c.status,
    "action": _S.c.action,
    "created_at": _S.c.created_at,
    # Never-updated stacks sort by their creation time rather than as NULLs, whose
    # position differs between databases.
    "updated_at": sa.func.coalesce(_S.c.updated_at, _S.c.created_at),
}
_DECRYPTED_CACHE_SIZE = 1024
FILTER_KEYS = ("id", "name", "status", "action", "parent_id", "owner_resource", "user_id")


class Stacks:
    """Repository of stacks."""

    _UPDATE = _S.update().where(_S.c.id == sa.bindparam("b_id"))
    # Built once: find() is on the path of every API read, where building and keying a
    # statement per call costs more than running it.
    _FIND = (
        sa.select(_S, _T.c.hash.label("raw_template_hash"))
        .join_from(_S, _T, _T.c.id == _S.c.raw_template_id)
        .where(
            _S.c.deleted_at.is_(None),
            sa.or_(_S.c.id == sa.bindparam("key"), _S.c.name == sa.bindparam("key")),
        )
        .order_by(sa.case((_S.c.id == sa.bindparam("key"), 0), else_=1), _S.c.created_at.desc())
        .limit(1)
    )
    _FIND_IN_PROJECT = _FIND.where(_S.c.project_id == sa.bindparam("project_id"))

    def __init__(self, engine: sa.Engine, events: Events, crypter_factory):
        self._engine = engine
        self._events = events
        self._crypter_factory = crypter_factory
        self._decrypted: dict[str, str] = {}
        self._decrypted_lock = threading.Lock()

    # -- parameters ----------------------------------------------------------------------

    def _crypter(self) -> Crypter:
        return self._crypter_factory()

    def _pack_parameters(self, parameters: dict | None, secret: Iterable[str]) -> dict | None:
        if parameters is None:
            return None
        secret = sorted(set(secret) & set(parameters))
        values = dict(parameters)
        for name in secret:
            values[name] = self._crypter().encrypt(json.dumps(values[name]))
        return {"values": values, "encrypted": secret}

    def _unpack(self, row: dict | None) -> dict | None:
        if row is None:
            return None
        stored = row["parameters"]
        row["secret_parameters"] = list(stored["encrypted"]) if stored else []
        row["parameters"] = self._unpack_values(stored)
        if "previous_parameters" in row:
            row["previous_parameters"] = self._unpack_values(row["previous_parameters"])
        return row

    def _unpack_values(self, stored: dict | None) -> dict | None:
        if stored is None:
            return None
        values = dict(stored["values"])
        for name in stored["encrypted"]:
            values[name] = json.loads(self._decrypt(values[name]))
        return values

    def _decrypt(self, token: str) -> str:
        # Every read of a stack decrypts its NoEcho values; a token never changes its
        # plaintext, so the recent ones are kept (the engine holds those values anyway).
        found = self._decrypted.get(token)
        if found is None:
            found = self._crypter().decrypt(token)
            with self._decrypted_lock:
                if len(self._decrypted) >= _DECRYPTED_CACHE_SIZE:
                    self._decrypted.clear()
                self._decrypted[token] = found
        return found

    # -- rows ----------------------------------------------------------------------------

    def insert(self, values: dict, secret_parameters: Iterable[str] = ()) -> str:
        """Insert a stack row; return its id (values["id"], or a new uuid).

        Required: name, project_id, raw_template_id, action, status. Defaults:
        disable_rollback False, created_at now. `secret_parameters` names the entries of
        values["parameters"] to encrypt (the NoEcho ones).
        """
        row = dict(values)
        check_columns(_S, row)
        row.setdefault("id", str(uuid.uuid4()))
        row.setdefault("disable_rollback", False)
        row.setdefault("created_at", models.utcnow())
        row["parameters"] = self._pack_parameters(row.get("parameters"), secret_parameters)
        with self._engine.begin() as conn:
            conn.execute(_S.insert(), row)
        return row["id"]

    def get(self, stack_id: str) -> dict | None:
        """The stack (a dict of its columns, soft-deleted ones included), or None."""
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(_S).where(_S.c.id == stack_id)).first()
        return self._unpack(as_dict(row))

    def find(self, project_id: str | None, name_or_id: str) -> dict | None:
        """The live stack of `project_id` (None: any project) with this id or name, or None.

        An id wins over a name; among stacks of one name, the newest. The row also carries
        "raw_template_hash", its template's content hash, which the engine's template cache
        checks its entry against: one query where a stack lookup used to take up to three.
        """
        query = self._FIND if project_id is None else self._FIND_IN_PROJECT
        with self._engine.connect() as conn:
            row = conn.execute(query, {"key": name_or_id, "project_id": project_id}).first()
        return self._unpack(as_dict(row))

    def _filtered(self, query, project_id, filters, show_deleted, show_nested):
        if project_id is not None:
            query = query.where(_S.c.project_id == project_id)
        if not show_deleted:
            query = query.where(_S.c.deleted_at.is_(None))
        if not show_nested:
            query = query.where(_S.c.parent_id.is_(None))
        for key, wanted in (filters or {}).items():
            if key not in FILTER_KEYS:
                raise InvalidInput(f"cannot filter stacks by {key}")
            column = _S.c[key]
            if isinstance(wanted, (list, tuple, set, frozenset)):
                query = query.where(column.in_(list(wanted)))
            else:
                query = query.where(column == wanted)
        return query

    def list(
        self,
        project_id: str | None,
        filters: dict | None = None,
        sort_keys: Iterable[str] = ("created_at",),
        sort_dir: str = "desc",
        limit: int | None = None,
        marker: str | None = None,
        show_deleted: bool = False,
        show_nested: bool = False,
    ) -> list[dict]:
        """Stacks of `project_id` (None: all projects) as dicts, one page at a time.

        `filters` maps a column in FILTER_KEYS to a value or a list of accepted values.
        `sort_keys` are SORT_KEYS; the stack id breaks ties so pages never overlap.
        `marker` is the id of the last stack of the previous page.
        """
        if sort_dir not in ("asc", "desc"):
            raise InvalidInput(f'sort_dir must be "asc" or "desc", not "{sort_dir}"')
        keys = list(sort_keys) or ["created_at"]
        for key in keys:
            if key not in SORT_KEYS:
                raise InvalidInput(f"cannot sort stacks by {key}")
        columns = [SORT_KEYS[key] for key in keys] + [_S.c.id]
        query = self._filtered(sa.select(_S), project_id, filters, show_deleted, show_nested)
        with self._engine.connect() as conn:
            if marker is not None:
                marker_row = conn.execute(sa.select(*columns).where(_S.c.id == marker)).first()
                if marker_row is None:
                    raise InvalidInput(f"marker {marker} is not a stack")
                query = query.where(_after(columns, list(marker_row), sort_dir))
            order = [c.asc() if sort_dir == "asc" else c.desc() for c in columns]
            query = query.order_by(*order)
            if limit is not None:
                query = query.limit(limit)
            return [self._unpack(row) for row in as_dicts(conn.execute(query))]

    def count(
        self,
        project_id: str | None,
        filters: dict | None = None,
        show_deleted: bool = False,
        show_nested: bool = False,
    ) -> int:
        """How many stacks list() would return without paging."""
        query = sa.select(sa.func.count()).select_from(_S)
        query = self._filtered(query, project_id, filters, show_deleted, show_nested)
        with self._engine.connect() as conn:
            return conn.execute(query).scalar_one()

    def children(self, stack_id: str) -> list[dict]:
        """The live nested stacks whose parent is `stack_id`, oldest first."""
        query = (
            sa.select(_S)
            .where(_S.c.parent_id == stack_id, _S.c.deleted_at.is_(None))
            .order_by(_S.c.created_at, _S.c.id)
        )
        with self._engine.connect() as conn:
            return [self._unpack(row) for row in as_dicts(conn.execute(query))]

    # -- changes -------------------------------------------------------------------------

    def set_state(
        self,
        stack_id: str,
        action: str,
        status: str,
        reason: str = "",
        *,
        name: str | None = None,
        event: bool = True,
        event_type: str = STACK_RESOURCE_TYPE,
        **values,
    ) -> str | None:
        """Set the stack's action/status/reason and record a stack event, in one transaction.

        Extra `values` are set in the same UPDATE (e.g. updated_at, current_traversal).
        `name` (the stack name, shown in the event) saves a SELECT when given. Returns the
        event uuid, or None when event=False. StackNotFound if there is no such stack.
        """
        check_columns(_S, values, forbidden=("id", "parameters"))
        values.update(action=action, status=status, status_reason=reason, b_id=stack_id)
        with self._engine.begin() as conn:
            if conn.execute(self._UPDATE, values).rowcount != 1:
                raise StackNotFound(stack_id)
            if not event:
                return None
            if name is None:
                name = conn.execute(sa.select(_S.c.name).where(_S.c.id == stack_id)).scalar_one()
            row = event_row(stack_id, name, event_type, action, status, reason, stack_id)
            conn.execute(models.event.insert(), row)
        self._events.inserted(stack_id)
        return row["uuid"]

    def update(
        self, stack_id: str, secret_parameters: Iterable[str] | None = None, **values
    ) -> bool:
        """Set columns of a stack (parameters re-encrypted per `secret_parameters`).

        Returns False if there is no such stack.
        """
        check_columns(_S, values, forbidden=("id",))
        if "parameters" in values:
            values["parameters"] = self._pack_parameters(
                values["parameters"], secret_parameters or ()
            )
        if "previous_parameters" in values:
            # Everything is encrypted: which of them were NoEcho is not worth tracking here.
            previous = values["previous_parameters"]
            values["previous_parameters"] = self._pack_parameters(previous, previous or ())
        values["b_id"] = stack_id
        with self._engine.begin() as conn:
            return conn.execute(self._UPDATE, values).rowcount == 1

    def mark_deleted(self, stack_id: str) -> bool:
        """Soft-delete a stack: it disappears from find/list; purge_deleted removes it later."""
        with self._engine.begin() as conn:
            done = (
                conn.execute(
                    _S.update()
                    .where(_S.c.id == stack_id, _S.c.deleted_at.is_(None))
                    .values(deleted_at=models.utcnow())
                ).rowcount
                == 1
            )
        self._events.forget(stack_id)
        return done


def _after(columns: list, marker: list, sort_dir: str):
    """Keyset condition: rows strictly after `marker` in the (columns) order."""
    later = (lambda c, v: c > v) if sort_dir == "asc" else (lambda c, v: c < v)
    clauses = []
    for i, column in enumerate(columns):
        equal = [columns[j] == marker[j] for j in range(i)]
        clauses.append(sa.and_(*equal, later(column, marker[i])))
    return sa.or_(*clauses)
