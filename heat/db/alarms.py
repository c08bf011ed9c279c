"""CloudWatch alarms and metric data: the repositories behind heat.engine.watch.

Alarm dicts hold the columns of the `alarm` table; metric data points hold those of
`metric_datum`. Dimensions are lists of {"Name", "Value"}; a point's dimensions are also
stored as a hash of their canonical (sorted) form, so that one metric's series is an
indexed lookup.
"""

from __future__ import annotations

import datetime
import hashlib
import json

import sqlalchemy as sa

from heat.common.exception import Conflict
from heat.db import models
from heat.db.common import as_dict, as_dicts, check_columns

_A = models.alarm
_M = models.metric_datum

# Columns an alarm's owner may change; state changes go through set_state().
CONFIG_COLUMNS = (
    "description",
    "namespace",
    "metric_name",
    "dimensions",
    "statistic",
    "unit",
    "period",
    "evaluation_periods",
    "threshold",
    "comparison",
    "actions_enabled",
    "alarm_actions",
    "ok_actions",
    "insufficient_data_actions",
)
INITIAL_STATE = "INSUFFICIENT_DATA"
INITIAL_REASON = "Unchecked: Initial alarm creation"


class AlarmExists(Conflict):
    def __init__(self, name: str):
        super().__init__(f"An alarm named {name} already exists")
        self.name = name


def canonical_dimensions(dimensions) -> list[dict]:
    """Dimensions as a list of {"Name", "Value"} sorted by name (a dict is accepted too)."""
    if isinstance(dimensions, dict):
        dimensions = [{"Name": k, "Value": v} for k, v in dimensions.items()]
    return sorted(
        ({"Name": str(d["Name"]), "Value": str(d["Value"])} for d in dimensions or ()),
        key=lambda d: (d["Name"], d["Value"]),
    )


def dimensions_hash(dimensions) -> str:
    text = json.dumps(canonical_dimensions(dimensions), separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class Alarms:
    """Repository of alarms."""

    def __init__(self, engine: sa.Engine):
        self._engine = engine

    def create(
        self, project_id: str, name: str, values: dict, *, stack_id=None, resource_name=None
    ):
        """Insert a new alarm (state INSUFFICIENT_DATA); AlarmExists if the name is taken."""
        check_columns(_A, values)
        now = models.utcnow()
        row = {
            **values,
            "dimensions": canonical_dimensions(values.get("dimensions")),
            "project_id": project_id,
            "name": name,
            "stack_id": stack_id,
            "resource_name": resource_name,
            "state": INITIAL_STATE,
            "state_reason": INITIAL_REASON,
            "state_updated_at": now,
            "updated_at": now,
            "created_at": now,
        }
        try:
            with self._engine.begin() as conn:
                conn.execute(_A.insert().values(**row))
        except sa.exc.IntegrityError:
            raise AlarmExists(name) from None
        return self.get(project_id, name)

    def configure(self, project_id: str, name: str, values: dict) -> bool:
        """Change an alarm's configuration; False if there is no such alarm."""
        check_columns(_A, values)
        unknown = set(values) - set(CONFIG_COLUMNS)
        if unknown:
            raise ValueError(f"cannot configure {', '.join(sorted(unknown))}")
        if "dimensions" in values:
            values = {**values, "dimensions": canonical_dimensions(values["dimensions"])}
        where = (_A.c.project_id == project_id) & (_A.c.name == name)
        with self._engine.begin() as conn:
            result = conn.execute(
                _A.update().where(where).values(updated_at=models.utcnow(), **values)
            )
            return result.rowcount == 1

    def get(self, project_id: str, name: str) -> dict | None:
        query = sa.select(_A).where(_A.c.project_id == project_id, _A.c.name == name)
        with self._engine.connect() as conn:
            return as_dict(conn.execute(query).first())

    def list(self, project_id: str | None = None, *, names=None, state=None, prefix=None):
        """Alarms by name: of one project (None: of every project, for evaluation)."""
        query = sa.select(_A)
        if project_id is not None:
            query = query.where(_A.c.project_id == project_id)
        if names:
            query = query.where(_A.c.name.in_(list(names)))
        if state:
            query = query.where(_A.c.state == state)
        if prefix:
            query = query.where(_A.c.name.startswith(prefix, autoescape=True))
        with self._engine.connect() as conn:
            return as_dicts(conn.execute(query.order_by(_A.c.project_id, _A.c.name)))

    def for_stack(self, stack_id: str) -> list[dict]:
        query = sa.select(_A).where(_A.c.stack_id == stack_id).order_by(_A.c.name)
        with self._engine.connect() as conn:
            return as_dicts(conn.execute(query))

    def delete(self, project_id: str, names) -> int:
        where = (_A.c.project_id == project_id) & _A.c.name.in_(list(names))
        with self._engine.begin() as conn:
            return conn.execute(_A.delete().where(where)).rowcount

    def set_actions_enabled(self, project_id: str, names, enabled: bool) -> int:
        where = (_A.c.project_id == project_id) & _A.c.name.in_(list(names))
        with self._engine.begin() as conn:
            return conn.execute(
                _A.update().where(where).values(actions_enabled=bool(enabled))
            ).rowcount

    def set_state(
        self,
        alarm_id: int,
        expected: str,
        state: str,
        reason: str,
        reason_data: str | None = None,
        when: datetime.datetime | None = None,
    ) -> bool:
        """Move an alarm from `expected` to `state`; False if its state was not `expected`.

        The compare-and-set is what makes a transition happen (and its actions fire) once,
        however many evaluators race.
        """
        where = (_A.c.id == alarm_id) & (_A.c.state == expected)
        values = {
            "state": state,
            "state_reason": reason,
            "state_reason_data": reason_data,
            "state_updated_at": when or models.utcnow(),
        }
        with self._engine.begin() as conn:
            return conn.execute(_A.update().where(where).values(**values)).rowcount == 1


class Metrics:
    """Repository of metric data points."""

    def __init__(self, engine: sa.Engine):
        self._engine = engine

    def put(self, project_id: str, points: list[dict]) -> None:
        """Store points: dicts of namespace, metric_name, dimensions, unit, timestamp and
        either value or sample_count/sum/minimum/maximum."""
        rows = []
        for point in points:
            dims = canonical_dimensions(point.get("dimensions"))
            if point.get("value") is not None:
                value = float(point["value"])
                stats = (1.0, value, value, value)
            else:
                stats = (
                    float(point["sample_count"]),
                    float(point["sum"]),
                    float(point["minimum"]),
                    float(point["maximum"]),
                )
            rows.append(
                {
                    "project_id": project_id,
                    "namespace": point["namespace"],
                    "metric_name": point["metric_name"],
                    "dimensions_hash": dimensions_hash(dims),
                    "dimensions": dims,
                    "unit": point.get("unit"),
                    "sample_count": stats[0],
                    "sum": stats[1],
                    "minimum": stats[2],
                    "maximum": stats[3],
                    "timestamp": point.get("timestamp") or models.utcnow(),
                }
            )
        if rows:
            with self._engine.begin() as conn:
                conn.execute(_M.insert(), rows)

    def points(
        self,
        project_id: str,
        namespace: str,
        metric_name: str,
        start: datetime.datetime,
        end: datetime.datetime,
        dimensions=None,
    ) -> list[dict]:
        """The metric's points with start <= timestamp < end, oldest first; with
        `dimensions`, only the series with exactly those dimensions."""
        query = sa.select(_M).where(
            _M.c.project_id == project_id,
            _M.c.namespace == namespace,
            _M.c.metric_name == metric_name,
            _M.c.timestamp >= start,
            _M.c.timestamp < end,
        )
        if dimensions is not None:
            query = query.where(_M.c.dimensions_hash == dimensions_hash(dimensions))
        with self._engine.connect() as conn:
            return as_dicts(conn.execute(query.order_by(_M.c.timestamp, _M.c.id)))

    def list_metrics(self, project_id: str, namespace=None, metric_name=None) -> list[dict]:
        """The distinct (namespace, metric_name, dimensions) of the project's stored data."""
        query = sa.select(_M.c.namespace, _M.c.metric_name, _M.c.dimensions_hash).where(
            _M.c.project_id == project_id
        )
        if namespace is not None:
            query = query.where(_M.c.namespace == namespace)
        if metric_name is not None:
            query = query.where(_M.c.metric_name == metric_name)
        query = query.distinct().order_by(_M.c.namespace, _M.c.metric_name, _M.c.dimensions_hash)
        with self._engine.connect() as conn:
            series = conn.execute(query).all()
            out = []
            for namespace_, name, digest in series:
                dims = conn.execute(
                    sa.select(_M.c.dimensions)
                    .where(
                        _M.c.project_id == project_id,
                        _M.c.namespace == namespace_,
                        _M.c.metric_name == name,
                        _M.c.dimensions_hash == digest,
                    )
                    .limit(1)
                ).scalar()
                out.append({"namespace": namespace_, "metric_name": name, "dimensions": dims})
        return out

    def purge(self, older_than: datetime.datetime) -> int:
        """Delete every point older than `older_than`; return how many."""
        with self._engine.begin() as conn:
            return conn.execute(_M.delete().where(_M.c.timestamp < older_than)).rowcount
