"""Resources of stacks, their state changes (each with its event) and their secrets.

A state change is the hot path of the engine: exactly one UPDATE and one INSERT, in one
short transaction, through statements built once so SQLAlchemy's compiled cache applies.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

import sqlalchemy as sa

from heat.db import models
from heat.db.common import UNSET, as_dict, as_dicts, check_columns, chunks
from heat.db.events import Events, event_row, insert_statement
from heat.db.fastpath import FastPath

_R = models.resource
_SECRET = models.resource_secret

IN_PROGRESS = "IN_PROGRESS"
_OPTIONAL_STATE_COLUMNS = ("data", "properties_data", "rsrc_metadata", "engine_id")


def _state_update(columns: tuple[str, ...]):
    return (
        _R.update()
        .where(_R.c.id == sa.bindparam("b_id"))
        .values({name: sa.bindparam(name) for name in columns})
    )


def _secret_delete():
    return _SECRET.delete().where(
        _SECRET.c.resource_id == sa.bindparam("b_resource_id"),
        _SECRET.c.key == sa.bindparam("b_key"),
    )


def _secret_insert():
    return _SECRET.insert().values({c.name: sa.bindparam(c.name) for c in _SECRET.c})


class Resources:
    """Repository of resources and resource secrets.

    Resource dicts hold the resource columns: id, uuid, stack_id, name, type,
    physical_resource_id, action, status, status_reason, rsrc_metadata, data,
    properties_data, needed_by, requires, replaces, replaced_by, engine_id, created_at,
    updated_at.
    """

    _UPDATE = _R.update().where(_R.c.id == sa.bindparam("b_id"))

    def __init__(self, engine: sa.Engine, events: Events, crypter_factory, fastpath: FastPath):
        self._engine = engine
        self._events = events
        self._crypter_factory = crypter_factory
        self._fastpath = fastpath

    @staticmethod
    def _new_row(stack_id: str, values: dict, now) -> dict:
        row = dict(values)
        row.setdefault("uuid", str(uuid.uuid4()))
        row.setdefault("action", "INIT")
        row.setdefault("status", "COMPLETE")
        row.setdefault("created_at", now)
        row["stack_id"] = stack_id
        return row

    def insert_many(self, stack_id: str, rows: list[dict]) -> dict[str, int]:
        """Insert resources (each needs name and type; names distinct) in one statement.

        Defaults: action INIT, status COMPLETE, a new uuid. Returns {name: id}.
        """
        if not rows:
            return {}
        now = models.utcnow()
        rows = [self._new_row(stack_id, values, now) for values in rows]
        for row in rows:
            check_columns(_R, row, forbidden=("id",))
        # Every row gets every key, so that a single executemany covers them all.
        keys = set().union(*rows)
        rows = [{key: row.get(key) for key in keys} for row in rows]
        with self._engine.begin() as conn:
            if self._engine.dialect.insert_executemany_returning:
                # Names identify the rows, so RETURNING needs no particular row order; that
                # lets SQLAlchemy batch all rows into one INSERT ... VALUES (...), (...).
                result = conn.execute(_R.insert().returning(_R.c.name, _R.c.id), rows)
                return {name: rid for name, rid in result}
            # MySQL (unlike MariaDB) cannot RETURNING: find the new ids by their uuids.
            conn.execute(_R.insert(), rows)
            uuids = [row["uuid"] for row in rows]
            result = conn.execute(sa.select(_R.c.name, _R.c.id).where(_R.c.uuid.in_(uuids)))
            return {name: rid for name, rid in result}

    def insert(self, stack_id: str, values: dict) -> int:
        """Insert one resource (e.g. the replacement of another); return its id."""
        row = self._new_row(stack_id, values, models.utcnow())
        check_columns(_R, row, forbidden=("id",))
        with self._engine.begin() as conn:
            return conn.execute(_R.insert(), row).inserted_primary_key[0]

    def get(self, resource_id: int) -> dict | None:
        """The resource with this id, or None."""
        with self._engine.connect() as conn:
            return as_dict(conn.execute(sa.select(_R).where(_R.c.id == resource_id)).first())

    def get_by_name(self, stack_id: str, name: str) -> dict | None:
        """The current resource of this name in the stack (not one that was replaced)."""
        query = (
            sa.select(_R)
            .where(_R.c.stack_id == stack_id, _R.c.name == name, _R.c.replaced_by.is_(None))
            .order_by(_R.c.id.desc())
            .limit(1)
        )
        with self._engine.connect() as conn:
            return as_dict(conn.execute(query).first())

    def get_by_physical_id(self, physical_resource_id: str) -> list[dict]:
        """Resources with this physical id, in stacks that are not deleted; oldest first."""
        stack = models.stack
        query = (
            sa.select(_R)
            .join(stack, stack.c.id == _R.c.stack_id)
            .where(_R.c.physical_resource_id == physical_resource_id)
            .where(stack.c.deleted_at.is_(None))
            .order_by(_R.c.id)
        )
        with self._engine.connect() as conn:
            return as_dicts(conn.execute(query))

    # Built once: showing a stack lists its resources for the outputs on every API read.
    _LIST_ALL = sa.select(_R).where(_R.c.stack_id == sa.bindparam("stack_id")).order_by(_R.c.id)
    _LIST_CURRENT = _LIST_ALL.where(_R.c.replaced_by.is_(None))

    def list(self, stack_id: str, include_replaced: bool = False) -> list[dict]:
        """Resources of a stack in insertion order; by default only current ones."""
        query = self._LIST_ALL if include_replaced else self._LIST_CURRENT
        with self._engine.connect() as conn:
            return as_dicts(conn.execute(query, {"stack_id": stack_id}))

    def in_progress(self, stack_id: str) -> list[dict]:
        """Resources of a stack whose status is IN_PROGRESS (e.g. left by a dead engine)."""
        query = (
            sa.select(_R)
            .where(_R.c.stack_id == stack_id, _R.c.status == IN_PROGRESS)
            .order_by(_R.c.id)
        )
        with self._engine.connect() as conn:
            return as_dicts(conn.execute(query))

    def set_state(
        self,
        resource_id: int,
        *,
        stack_id: str,
        name: str,
        type: str,
        action: str,
        status: str,
        reason: str = "",
        physical_resource_id: str | None = None,
        data=UNSET,
        properties_data=UNSET,
        rsrc_metadata=UNSET,
        engine_id=UNSET,
        event_properties: dict | None = None,
        secrets: Mapping[str, str] | None = None,
    ) -> str:
        """Record a state change: 1 UPDATE of the resource + 1 INSERT of its event, 1 transaction.

        Pass the resource's current `physical_resource_id`: it is stored and shown in the
        event. `data`, `properties_data`, `rsrc_metadata` and `engine_id` are stored when
        given; `secrets` (key -> value) are stored encrypted, replacing those keys' values,
        in the same transaction. Returns the event uuid.
        """
        now = models.utcnow()
        values = {
            "b_id": resource_id,
            "action": action,
            "status": status,
            "status_reason": reason,
            "physical_resource_id": physical_resource_id,
            "updated_at": now,
        }
        for key, value in zip(
            _OPTIONAL_STATE_COLUMNS, (data, properties_data, rsrc_metadata, engine_id), strict=True
        ):
            if value is not UNSET:
                values[key] = value
        columns = tuple(key for key in values if key != "b_id")
        update = self._fastpath.compiled(
            ("resource-state", columns), lambda: _state_update(columns)
        )
        insert = self._fastpath.compiled("event-insert", insert_statement)
        event = event_row(
            stack_id, name, type, action, status, reason, physical_resource_id, event_properties
        )
        event["created_at"] = now
        steps = [(update, values), (insert, event)]
        if secrets:
            steps += self._secret_steps(resource_id, secrets)
        self._fastpath.run_grouped(steps)
        self._events.inserted(stack_id)
        return event["uuid"]

    def add_event(
        self,
        *,
        stack_id: str,
        name: str,
        type: str,
        action: str,
        status: str,
        reason: str,
        physical_resource_id: str | None = None,
    ) -> str:
        """Record an event of a resource that is not a state change (e.g. a warning)."""
        insert = self._fastpath.compiled("event-insert", insert_statement)
        event = event_row(stack_id, name, type, action, status, reason, physical_resource_id)
        self._fastpath.run_grouped([(insert, event)])
        self._events.inserted(stack_id)
        return event["uuid"]

    def update(self, resource_id: int, **values) -> bool:
        """Set columns of a resource (updated_at defaults to now); False if it does not exist."""
        check_columns(_R, values, forbidden=("id", "stack_id"))
        values.setdefault("updated_at", models.utcnow())
        values["b_id"] = resource_id
        with self._engine.begin() as conn:
            return conn.execute(self._UPDATE, values).rowcount == 1

    def delete(self, resource_id: int) -> bool:
        """Delete a resource row and its secrets; False if it did not exist."""
        with self._engine.begin() as conn:
            conn.execute(_SECRET.delete().where(_SECRET.c.resource_id == resource_id))
            return conn.execute(_R.delete().where(_R.c.id == resource_id)).rowcount == 1

    def delete_many(self, resource_ids: list[int]) -> int:
        """Delete resource rows and their secrets in one transaction; return rows deleted."""
        deleted = 0
        with self._engine.begin() as conn:
            for ids in chunks(list(resource_ids), 500):
                conn.execute(_SECRET.delete().where(_SECRET.c.resource_id.in_(ids)))
                deleted += conn.execute(_R.delete().where(_R.c.id.in_(ids))).rowcount
        return deleted

    # -- secrets -------------------------------------------------------------------------

    def set_secret(self, resource_id: int, key: str, value: str) -> None:
        """Store (or replace) a secret of the resource, encrypted."""
        self._fastpath.run(self._secret_steps(resource_id, {key: value}))

    def _secret_steps(self, resource_id: int, secrets: Mapping[str, str]) -> list:
        """FastPath steps storing `secrets` encrypted: DELETE then INSERT of each key.

        The same SQL on every database (no dialect's upsert), and in a group commit each is
        one executemany however many resources store secrets together; the deletes of a
        batch all run before its inserts. Encrypting here keeps it off the writer's path.
        """
        delete = self._fastpath.compiled("secret-delete", _secret_delete)
        insert = self._fastpath.compiled("secret-insert", _secret_insert)
        crypter = self._crypter_factory()
        steps = [(delete, {"b_resource_id": resource_id, "b_key": key}) for key in secrets]
        steps += [
            (insert, {"resource_id": resource_id, "key": key, "value": crypter.encrypt(value)})
            for key, value in secrets.items()
        ]
        return steps

    def get_secrets(self, resource_id: int) -> dict[str, str]:
        """The secrets of the resource, decrypted: {key: value}."""
        query = sa.select(_SECRET.c.key, _SECRET.c.value).where(
            _SECRET.c.resource_id == resource_id
        )
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        crypter = self._crypter_factory()
        return {key: crypter.decrypt(token) for key, token in rows}

    def delete_secret(self, resource_id: int, key: str) -> bool:
        """Delete one secret; False if there was none."""
        where = (_SECRET.c.resource_id == resource_id) & (_SECRET.c.key == key)
        with self._engine.begin() as conn:
            return conn.execute(_SECRET.delete().where(where)).rowcount == 1
