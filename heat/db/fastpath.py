"""Statements on the engine's hot path, run straight on the DBAPI cursor.

A resource state change is one UPDATE and one INSERT in one transaction, done thousands of
times per large stack. Through a SQLAlchemy Connection each costs ~300 us of Python on top
of ~150 us of SQLite work; measured on the 2-core CI machine, 1,000 transitions took 450 ms
that way and 150-200 ms this way. The SQL is still SQLAlchemy's: each Core statement is
compiled once per dialect, its parameters converted by the column types' own bind
processors, and database errors are raised as SQLAlchemy's exception classes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import sqlalchemy as sa


class CompiledStatement:
    """A Core statement compiled once for a dialect; turns a values dict into DBAPI params."""

    def __init__(self, statement, dialect: sa.Dialect):
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        self._names = compiled.positiontup if compiled.positional else None
        self._processors = {}
        for name, bind in compiled.binds.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                self._processors[name] = processor

    def params(self, values: dict):
        """DBAPI parameters for `values` (bind name -> Python value)."""
        processors = self._processors
        if self._names is not None:
            return tuple(
                processors[name](values[name]) if name in processors else values[name]
                for name in self._names
            )
        return {
            name: processors[name](value) if name in processors else value
            for name, value in values.items()
        }


class FastPath:
    """Runs a few compiled statements as one transaction on a pooled DBAPI connection.

    `run_grouped` is the same with group commit: transactions submitted while another is
    being written are written together, as one transaction with one executemany per
    statement, and each caller returns once its own rows are committed. Concurrent state
    changes of a large stack then share commits (the cost that dominates on SQLite) and
    statements, while every caller still knows its change is durable before it acts on it.

    The writer is the one serial part, and under the GIL every time it lets go (each SQLite
    step and commit) it waits for whichever other thread took over. So callers convert
    their parameters before they queue, and the writer keeps one connection for as long as
    it finds work instead of a pool checkout and checkin per batch.
    """

    def __init__(self, engine: sa.Engine, count: Callable[[int], None]):
        self._engine = engine
        self._count = count
        self._cache: dict = {}
        self._queue: list[_Pending] = []
        self._queue_lock = threading.Lock()
        self._writing = False

    def compiled(self, key, build: Callable[[], object]) -> CompiledStatement:
        """The statement cached under `key`, compiled from build() on first use."""
        statement = self._cache.get(key)
        if statement is None:
            statement = self._cache[key] = CompiledStatement(build(), self._engine.dialect)
        return statement

    def run(self, steps: list[tuple[CompiledStatement, dict]]) -> list[int]:
        """Execute (statement, values) steps in one transaction; return their rowcounts."""
        return self._transaction(_prepared(steps))

    def run_grouped(self, steps: list[tuple[CompiledStatement, dict]]) -> None:
        """Run `steps` as one transaction, committed together with concurrent callers' steps.

        The first caller to find no writer at work becomes the writer: it writes what is
        queued (its own steps included) until the queue is empty, while later callers wait
        for their batch. A batch that fails is retried one caller at a time, so only the
        caller whose steps are at fault sees the error.
        """
        pending = _Pending(_prepared(steps))
        with self._queue_lock:
            self._queue.append(pending)
            if self._writing:
                writer = False
            else:
                self._writing = writer = True
        if writer:
            self._write_queue()
        pending.wait()
        if pending.error is not None:
            raise pending.error

    def _write_queue(self) -> None:
        """Write batches until the queue is empty, on one connection while batches succeed."""
        connection = None
        try:
            while True:
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                    if not batch:
                        self._writing = False
                        return
                if connection is None:
                    connection = self._connect_for(batch)
                    if connection is None:
                        continue  # no connection: the batch's callers have the error
                if not self._write_batch(connection, batch):
                    # The connection may be what failed: give it back, take a fresh one.
                    connection, failed = None, connection
                    failed.close()
        except BaseException as exc:
            # Only a bug (or a pool that cannot take a connection back) gets here: never
            # leave callers queued behind a writer that is gone.
            with self._queue_lock:
                stranded, self._queue = self._queue, []
                self._writing = False
            for one in stranded:
                one.finish(exc)
            raise
        finally:
            if connection is not None:
                connection.close()

    def _connect_for(self, batch: list[_Pending]):
        """A pooled DBAPI connection, or None with every caller of `batch` told why."""
        try:
            return self._engine.raw_connection()
        except BaseException as exc:
            for one in batch:
                one.finish(exc)
            return None

    def _write_batch(self, connection, batch: list[_Pending]) -> bool:
        """Write `batch` as one transaction; False if it failed (then each caller's steps
        were retried alone, on connections of their own, and each knows its outcome)."""
        try:
            self._transaction(_grouped(batch), connection)
        except BaseException:
            for one in batch:
                try:
                    self._transaction(one.groups)
                except BaseException as exc:  # handed to the caller whose steps failed
                    one.finish(exc)
                else:
                    one.finish()
            return False
        for one in batch:
            one.finish()
        return True

    def _transaction(self, groups, connection=None) -> list[int]:
        """Run (statement, [DBAPI params, ...]) groups in one transaction; their rowcounts.

        A group with several parameter sets is one executemany, counted as one statement.
        Without `connection`, one is checked out of the pool for this transaction.
        """
        own = connection is None
        if own:
            connection = self._engine.raw_connection()
        statement = params = None
        rowcounts: list[int] = []
        try:
            cursor = connection.cursor()
            for compiled, params_list in groups:
                statement = compiled.sql
                if len(params_list) == 1:
                    params = params_list[0]
                    cursor.execute(statement, params)
                else:
                    params = params_list
                    cursor.executemany(statement, params)
                rowcounts.append(cursor.rowcount)
            connection.commit()
            cursor.close()
        except self._engine.dialect.loaded_dbapi.Error as e:
            connection.rollback()
            raise sa.exc.DBAPIError.instance(
                statement, params, e, self._engine.dialect.loaded_dbapi.Error
            ) from e
        except BaseException:
            connection.rollback()
            raise
        finally:
            if own:
                connection.close()
            self._count(len(rowcounts))
        return rowcounts


class _Pending:
    """One caller's steps in the queue, and the lock it waits on until they are written."""

    __slots__ = ("groups", "error", "_done")

    def __init__(self, groups):
        self.groups = groups
        self.error: BaseException | None = None
        # Held until finish(): a bare lock is the cheapest thing for one thread to wait on.
        self._done = threading.Lock()
        self._done.acquire()

    def finish(self, error: BaseException | None = None) -> None:
        self.error = error
        self._done.release()

    def wait(self) -> None:
        self._done.acquire()


def _prepared(steps: list[tuple[CompiledStatement, dict]]) -> list[tuple[CompiledStatement, list]]:
    """Steps as (statement, [DBAPI params]) groups, one per step."""
    return [(compiled, [compiled.params(values)]) for compiled, values in steps]


def _grouped(batch: list[_Pending]) -> list[tuple[CompiledStatement, list]]:
    """The batch's steps as (statement, [params...]) in first-seen statement order."""
    groups: dict[int, tuple[CompiledStatement, list]] = {}
    for pending in batch:
        for compiled, params_list in pending.groups:
            groups.setdefault(id(compiled), (compiled, []))[1].extend(params_list)
    return list(groups.values())
