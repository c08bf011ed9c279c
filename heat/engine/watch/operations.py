"""The engine operations behind the CloudWatch API, and the periodic alarm evaluation.

EngineService includes them (AlarmOperations); each takes the caller's RequestContext and
sees only the caller's project. Alarms made by AWS::CloudWatch::Alarm resources are the
same rows as alarms made by PutMetricAlarm, so the API shows and can change them too.
Datetimes are taken and given as naive UTC (over RPC: ISO 8601 strings).
"""

from __future__ import annotations

import datetime
import logging

from oslo_config import cfg

from heat.common.exception import InvalidInput, NotFound
from heat.db.models import utcnow
from heat.engine.watch import evaluation, statistics
from heat.engine.watch.actions import AlarmActions

LOG = logging.getLogger(__name__)

OPTS = [
    cfg.FloatOpt(
        "alarm_evaluation_interval",
        default=60.0,
        min=0.01,
        help="Seconds between two evaluations of every alarm by an engine.",
    ),
    cfg.IntOpt(
        "metric_data_retention",
        default=14 * 24 * 3600,
        min=60,
        help="Seconds metric data (PutMetricData) is kept before it is purged.",
    ),
]

MAX_ACTIONS = 5
MAX_DIMENSIONS = 30
MAX_DATAPOINTS = 1440
STATISTIC_VALUES = (
    ("SampleCount", "sample_count"),
    ("Sum", "sum"),
    ("Minimum", "minimum"),
    ("Maximum", "maximum"),
)  # what one GetMetricStatistics answer may hold, as in AWS


class AlarmNotFound(NotFound):
    def __init__(self, names):
        super().__init__(f"Could not find alarm(s): {', '.join(names)}")


def _text(spec: dict, key: str, required: bool = False, limit: int = 255) -> str | None:
    value = spec.get(key)
    if value is None or value == "":
        if required:
            raise InvalidInput(f"{key} is required")
        return None
    value = str(value)
    if len(value) > limit:
        raise InvalidInput(f"{key} must be at most {limit} characters long")
    return value


def _integer(spec: dict, key: str) -> int:
    try:
        value = int(str(spec.get(key)).strip())
    except (TypeError, ValueError):
        raise InvalidInput(f"{key} must be a whole number of at least 1") from None
    if value < 1:
        raise InvalidInput(f"{key} must be a whole number of at least 1")
    return value


def dimensions(values, key: str = "Dimensions") -> list[dict]:
    out = []
    for item in values or ():
        if not isinstance(item, dict) or not item.get("Name") or item.get("Value") is None:
            raise InvalidInput(f"{key}: each dimension needs a Name and a Value")
        out.append({"Name": str(item["Name"]), "Value": str(item["Value"])})
    if len(out) > MAX_DIMENSIONS:
        raise InvalidInput(f"{key}: at most {MAX_DIMENSIONS} dimensions are allowed")
    return out


def alarm_values(spec: dict) -> dict:
    """The alarm columns for a PutMetricAlarm (or AWS::CloudWatch::Alarm) specification."""
    statistic = _text(spec, "Statistic", required=True)
    if statistic not in statistics.STATISTICS:
        raise InvalidInput(f"Statistic must be one of {', '.join(statistics.STATISTICS)}")
    comparison = _text(spec, "ComparisonOperator", required=True)
    if comparison not in evaluation.COMPARISONS:
        raise InvalidInput(f"ComparisonOperator must be one of {', '.join(evaluation.COMPARISONS)}")
    try:
        threshold = float(spec.get("Threshold"))
    except (TypeError, ValueError):
        raise InvalidInput("Threshold must be a number") from None
    values = {
        "description": _text(spec, "AlarmDescription", limit=1024),
        "namespace": _text(spec, "Namespace", required=True),
        "metric_name": _text(spec, "MetricName", required=True),
        "dimensions": dimensions(spec.get("Dimensions")),
        "statistic": statistic,
        "unit": _text(spec, "Unit", limit=64),
        "period": _integer(spec, "Period"),
        "evaluation_periods": _integer(spec, "EvaluationPeriods"),
        "threshold": threshold,
        "comparison": comparison,
        "actions_enabled": spec.get("ActionsEnabled", True) not in (False, "false", "False"),
    }
    for key, column in (
        ("AlarmActions", "alarm_actions"),
        ("OKActions", "ok_actions"),
        ("InsufficientDataActions", "insufficient_data_actions"),
    ):
        actions = [str(a) for a in spec.get(key) or ()]
        if len(actions) > MAX_ACTIONS:
            raise InvalidInput(f"{key}: at most {MAX_ACTIONS} actions are allowed")
        values[column] = actions
    return values


def alarm_arn(region: str, project_id: str, name: str) -> str:
    return f"arn:openstack:cloudwatch:{region}:{project_id}:alarm:{name}"


def describe(alarm: dict, region: str = "RegionOne") -> dict:
    """An alarm as DescribeAlarms shows it (a MetricAlarm)."""
    return {
        "AlarmName": alarm["name"],
        "AlarmArn": alarm_arn(region, alarm["project_id"], alarm["name"]),
        "AlarmDescription": alarm["description"],
        "AlarmConfigurationUpdatedTimestamp": alarm["updated_at"],
        "ActionsEnabled": bool(alarm["actions_enabled"]),
        "OKActions": alarm["ok_actions"] or [],
        "AlarmActions": alarm["alarm_actions"] or [],
        "InsufficientDataActions": alarm["insufficient_data_actions"] or [],
        "StateValue": alarm["state"],
        "StateReason": alarm["state_reason"] or "",
        "StateReasonData": alarm["state_reason_data"],
        "StateUpdatedTimestamp": alarm["state_updated_at"],
        "MetricName": alarm["metric_name"],
        "Namespace": alarm["namespace"],
        "Statistic": alarm["statistic"],
        "Dimensions": alarm["dimensions"] or [],
        "Period": alarm["period"],
        "Unit": alarm["unit"],
        "EvaluationPeriods": alarm["evaluation_periods"],
        "Threshold": alarm["threshold"],
        "ComparisonOperator": alarm["comparison"],
    }


def _when(value, key: str) -> datetime.datetime | None:
    """A naive UTC datetime from a datetime or an ISO 8601 string."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        parsed = value
    else:
        text = str(value).strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.datetime.fromisoformat(text)
        except ValueError:
            raise InvalidInput(f"{key} must be an ISO 8601 date and time") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return parsed


class AlarmOperations:
    """CloudWatch operations of EngineService (which provides db, region, scheduler)."""

    alarm_evaluation_interval: float = 60.0
    metric_data_retention: int = 14 * 24 * 3600

    def _alarm_actions(self) -> AlarmActions:
        actions = self.__dict__.get("alarm_actions")
        if actions is None:
            actions = self.__dict__["alarm_actions"] = AlarmActions(self)
        return actions

    # -- metric data --

    def put_metric_data(self, ctx, namespace: str, metric_data: list[dict]) -> None:
        if not namespace:
            raise InvalidInput("Namespace is required")
        points = []
        for index, datum in enumerate(metric_data or (), 1):
            where = f"MetricData.member.{index}"
            name = _text(datum, "MetricName")
            if not name:
                raise InvalidInput(f"{where}.MetricName is required")
            point = {
                "namespace": namespace,
                "metric_name": name,
                "dimensions": dimensions(datum.get("Dimensions"), f"{where}.Dimensions"),
                "unit": _text(datum, "Unit", limit=64),
                "timestamp": _when(datum.get("Timestamp"), f"{where}.Timestamp") or utcnow(),
            }
            stats = datum.get("StatisticValues")
            try:
                if stats:
                    for key, column in STATISTIC_VALUES:
                        point[column] = float(stats[key])
                else:
                    point["value"] = float(datum["Value"])
            except (KeyError, TypeError, ValueError):
                raise InvalidInput(
                    f"{where}: a Value or StatisticValues (SampleCount, Sum, Minimum, Maximum) "
                    "of numbers is required"
                ) from None
            points.append(point)
        if not points:
            raise InvalidInput("MetricData must hold at least one data point")
        self.db.metrics.put(ctx.project_id, points)

    def list_metrics(self, ctx, namespace=None, metric_name=None, dimensions_filter=None):
        wanted = {d["Name"]: d.get("Value") for d in dimensions_filter or ()}
        out = []
        for series in self.db.metrics.list_metrics(ctx.project_id, namespace, metric_name):
            dims = {d["Name"]: d["Value"] for d in series["dimensions"] or ()}
            if all(n in dims and (v is None or dims[n] == v) for n, v in wanted.items()):
                out.append(
                    {
                        "Namespace": series["namespace"],
                        "MetricName": series["metric_name"],
                        "Dimensions": series["dimensions"] or [],
                    }
                )
        return out

    def get_metric_statistics(
        self,
        ctx,
        namespace,
        metric_name,
        start_time,
        end_time,
        period,
        statistics_wanted,
        dimensions_filter=None,
        unit=None,
    ) -> dict:
        start = _when(start_time, "StartTime")
        end = _when(end_time, "EndTime")
        if start is None or end is None:
            raise InvalidInput("StartTime and EndTime are required")
        if end <= start:
            raise InvalidInput("The parameter StartTime must be less than the parameter EndTime.")
        period = _integer({"Period": period}, "Period")
        wanted = list(statistics_wanted or ())
        if not wanted or any(s not in statistics.STATISTICS for s in wanted):
            raise InvalidInput(f"Statistics must be some of {', '.join(statistics.STATISTICS)}")
        if (end - start).total_seconds() / period > MAX_DATAPOINTS:
            raise InvalidInput(
                f"You have requested up to {MAX_DATAPOINTS + 1} datapoints, which exceeds the "
                f"limit of {MAX_DATAPOINTS}. You may reduce the datapoints requested by "
                "increasing Period, or decreasing the time range."
            )
        points = self.db.metrics.points(
            ctx.project_id,
            namespace,
            metric_name,
            start,
            end,
            dimensions=dimensions(dimensions_filter) if dimensions_filter is not None else None,
        )
        if unit:
            points = [p for p in points if p["unit"] == unit]
        datapoints = []
        for begin, group in statistics.buckets(points, start, period):
            stats = statistics.aggregate(group)
            datapoint = {"Timestamp": begin, "Unit": unit or group[0]["unit"] or "None"}
            datapoint.update({s: stats[s] for s in wanted})
            datapoints.append(datapoint)
        return {"Label": metric_name, "Datapoints": datapoints}

    # -- alarms --

    def put_metric_alarm(self, ctx, alarm: dict) -> None:
        name = _text(alarm, "AlarmName", required=True)
        values = alarm_values(alarm)
        if not self.db.alarms.configure(ctx.project_id, name, values):
            self.db.alarms.create(ctx.project_id, name, values)

    def describe_alarms(self, ctx, names=None, state=None, prefix=None) -> list[dict]:
        if state is not None and state not in evaluation.STATES:
            raise InvalidInput(f"StateValue must be one of {', '.join(evaluation.STATES)}")
        rows = self.db.alarms.list(ctx.project_id, names=names, state=state, prefix=prefix)
        return [describe(row, self.region) for row in rows]

    def _existing(self, ctx, names) -> list[str]:
        names = list(names or ())
        if not names:
            raise InvalidInput("AlarmNames is required")
        found = {a["name"] for a in self.db.alarms.list(ctx.project_id, names=names)}
        missing = [n for n in names if n not in found]
        if missing:
            raise AlarmNotFound(missing)
        return names

    def delete_alarms(self, ctx, names) -> None:
        self.db.alarms.delete(ctx.project_id, self._existing(ctx, names))

    def enable_alarm_actions(self, ctx, names) -> None:
        self.db.alarms.set_actions_enabled(ctx.project_id, self._existing(ctx, names), True)

    def disable_alarm_actions(self, ctx, names) -> None:
        self.db.alarms.set_actions_enabled(ctx.project_id, self._existing(ctx, names), False)

    def set_alarm_state(self, ctx, name, state, reason, reason_data=None) -> None:
        """Set an alarm's state until its next evaluation; a change fires its actions."""
        if state not in evaluation.STATES:
            raise InvalidInput(f"StateValue must be one of {', '.join(evaluation.STATES)}")
        if not reason:
            raise InvalidInput("StateReason is required")
        alarm = self.db.alarms.get(ctx.project_id, name)
        if alarm is None:
            raise AlarmNotFound([name])
        if alarm["state"] == state:
            self.db.alarms.set_state(alarm["id"], state, state, reason, reason_data)
            return
        if self.db.alarms.set_state(alarm["id"], alarm["state"], state, reason, reason_data):
            transition = evaluation.Transition(alarm, alarm["state"], state, reason)
            self.scheduler.submit(self._alarm_actions().fire, transition)

    # -- the periodic job --

    def run_alarm_evaluation(self, now: datetime.datetime | None = None) -> list:
        """One evaluation of every alarm, its transitions' actions, and the data purge."""
        now = now or utcnow()
        transitions = evaluation.evaluate_alarms(self.db, now)
        actions = self._alarm_actions()
        actions.retry_busy()
        for transition in transitions:
            actions.fire(transition)
        self.db.metrics.purge(now - datetime.timedelta(seconds=self.metric_data_retention))
        return transitions
