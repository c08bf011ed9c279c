"""The persistence API the engine calls: one Database object holding the repositories.

    db = Database("sqlite:////var/lib/heat/heat.sqlite")   # or Database.from_conf(conf)
    template_id = db.templates.store(template_data, files)
    stack_id = db.stacks.insert({...})
    ids = db.resources.insert_many(stack_id, [{"name": "Server", "type": "OS::Nova::Server"}])
    db.resources.set_state(ids["Server"], stack_id=stack_id, name="Server", ...)

Repositories: templates, stacks, locks, resources, events, engines, leases, steps,
exports, change_sets, signals, stack_users; plus purge_deleted(). They return plain dicts
(column name -> value) or lists of them, and None for a missing row. Hot paths use
SQLAlchemy Core statements, never the ORM unit of work.
"""

from __future__ import annotations

import threading

import sqlalchemy as sa
from oslo_config import cfg

from heat.common import crypt
from heat.db import purge, session
from heat.db.alarms import Alarms, Metrics
from heat.db.change_sets import ChangeSets
from heat.db.engines import Engines
from heat.db.events import Events
from heat.db.exports import Exports
from heat.db.fastpath import FastPath
from heat.db.leases import Leases
from heat.db.locks import StackLocks
from heat.db.resources import Resources
from heat.db.signals import Signals, StackUsers
from heat.db.stacks import Stacks
from heat.db.steps import Steps
from heat.db.templates import Templates


class Database:
    """A database and the repositories over it.

    `statement_count` counts the SQL statements sent (an executemany counts as one), for
    benchmarks and for tests asserting how many statements an operation costs.
    """

    def __init__(
        self,
        url_or_engine: str | sa.URL | sa.Engine,
        *,
        crypter: crypt.Crypter | None = None,
        max_events_per_stack: int = 1000,
        event_purge_batch_size: int = 200,
    ):
        if isinstance(url_or_engine, sa.Engine):
            self.engine = url_or_engine
        else:
            self.engine = session.make_engine(url_or_engine)
        self._crypter = crypter
        self._count = 0
        self._count_lock = threading.Lock()
        sa.event.listen(self.engine, "before_cursor_execute", self._on_execute)

        self.templates = Templates(self.engine)
        self.events = Events(self.engine, max_events_per_stack, event_purge_batch_size)
        self.stacks = Stacks(self.engine, self.events, self.crypter)
        self.locks = StackLocks(self.engine)
        fastpath = FastPath(self.engine, self._add_statements)
        self.resources = Resources(self.engine, self.events, self.crypter, fastpath)
        self.engines = Engines(self.engine)
        self.leases = Leases(self.engine)
        self.steps = Steps(self.engine)
        self.exports = Exports(self.engine)
        self.change_sets = ChangeSets(self.engine, self.crypter)
        self.alarms = Alarms(self.engine)
        self.metrics = Metrics(self.engine)
        self.signals = Signals(self.engine)
        self.stack_users = StackUsers(self.engine)

    @classmethod
    def from_conf(cls, conf: cfg.ConfigOpts) -> Database:
        """The Database configured by `conf` ([database] options, auth_encryption_key)."""
        return cls(
            session.engine_from_conf(conf),
            crypter=crypt.Crypter.from_conf(conf),
            max_events_per_stack=conf.database.max_events_per_stack,
            event_purge_batch_size=conf.database.event_purge_batch_size,
        )

    def crypter(self) -> crypt.Crypter:
        """The Crypter for secrets: the one given, else the process-wide one (cfg.CONF)."""
        if self._crypter is None:
            self._crypter = crypt.default_crypter()
        return self._crypter

    def _on_execute(self, *_args):
        self._add_statements(1)

    def _add_statements(self, count: int) -> None:
        with self._count_lock:
            self._count += count

    @property
    def statement_count(self) -> int:
        """SQL statements sent since creation or the last reset_statement_count()."""
        return self._count

    def reset_statement_count(self) -> None:
        """Start counting statements from zero."""
        with self._count_lock:
            self._count = 0

    def purge_deleted(self, age_seconds: float) -> dict[str, int]:
        """See heat.db.purge.purge_deleted."""
        return purge.purge_deleted(self.engine, age_seconds)

    def dispose(self) -> None:
        """Close the pooled connections and stop counting statements."""
        sa.event.remove(self.engine, "before_cursor_execute", self._on_execute)
        self.engine.dispose()
