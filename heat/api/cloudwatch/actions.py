"""The CloudWatch actions: Query parameters in, the engine called, result structures out.

Each handler is `(engine, ctx, params) -> result dict or None`; `params` is a QueryParams
(lists arrive flattened: AlarmNames.member.1, MetricData.member.1.Dimensions.member.1.Name).
"""

from __future__ import annotations

import datetime

from heat.api.aws.errors import ValidationError
from heat.api.cfn.params import QueryParams

MAX_RECORDS = 100


def _time(value):
    """A datetime from the engine (in-process) or an ISO 8601 string (over RPC)."""
    if isinstance(value, str):
        return datetime.datetime.fromisoformat(value)
    return value


def _dimensions(params: QueryParams, prefix: str = "Dimensions") -> list[dict]:
    out = []
    for member in params.structures(prefix):
        if "Name" not in member:
            raise ValidationError(f"Every member of {prefix} must have a Name")
        out.append({"Name": member["Name"], "Value": member.get("Value")})
    return out


def _number(params: QueryParams, name: str, required: bool = False) -> float | None:
    value = params.required(name) if required else params.get(name)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        raise ValidationError(f"The parameter {name} must be a number.") from None


def put_metric_data(engine, ctx, params: QueryParams):
    data = []
    for member in params.structures("MetricData"):
        fields = QueryParams(member)
        datum = {
            "MetricName": fields.get("MetricName"),
            "Unit": fields.get("Unit"),
            "Timestamp": fields.get("Timestamp"),
            "Dimensions": _dimensions(fields),
        }
        if any(k.startswith("StatisticValues.") for k in member):
            datum["StatisticValues"] = {
                key: fields.get(f"StatisticValues.{key}")
                for key in ("SampleCount", "Sum", "Minimum", "Maximum")
            }
        else:
            datum["Value"] = fields.get("Value")
        data.append(datum)
    engine.put_metric_data(ctx, params.required("Namespace"), data)


def put_metric_alarm(engine, ctx, params: QueryParams):
    alarm = {
        "AlarmName": params.required("AlarmName"),
        "AlarmDescription": params.get("AlarmDescription"),
        "ActionsEnabled": params.boolean("ActionsEnabled") is not False,
        "OKActions": params.members("OKActions"),
        "AlarmActions": params.members("AlarmActions"),
        "InsufficientDataActions": params.members("InsufficientDataActions"),
        "MetricName": params.required("MetricName"),
        "Namespace": params.required("Namespace"),
        "Statistic": params.required("Statistic"),
        "Dimensions": _dimensions(params),
        "Period": params.required("Period"),
        "Unit": params.get("Unit"),
        "EvaluationPeriods": params.required("EvaluationPeriods"),
        "Threshold": _number(params, "Threshold", required=True),
        "ComparisonOperator": params.required("ComparisonOperator"),
    }
    engine.put_metric_alarm(ctx, alarm)


def describe_alarms(engine, ctx, params: QueryParams):
    limit = params.integer("MaxRecords", minimum=1, maximum=MAX_RECORDS) or 50
    alarms = engine.describe_alarms(
        ctx,
        names=params.members("AlarmNames") or None,
        state=params.get("StateValue"),
        prefix=params.get("AlarmNamePrefix"),
    )
    token = params.get("NextToken")
    if token is not None:
        alarms = [a for a in alarms if a["AlarmName"] > token]
    page = alarms[:limit]
    for alarm in page:
        for key in ("AlarmConfigurationUpdatedTimestamp", "StateUpdatedTimestamp"):
            alarm[key] = _time(alarm[key])
    result = {"MetricAlarms": page}
    if len(alarms) > limit:
        result["NextToken"] = page[-1]["AlarmName"]
    return result


def delete_alarms(engine, ctx, params: QueryParams):
    engine.delete_alarms(ctx, params.members("AlarmNames"))


def enable_alarm_actions(engine, ctx, params: QueryParams):
    engine.enable_alarm_actions(ctx, params.members("AlarmNames"))


def disable_alarm_actions(engine, ctx, params: QueryParams):
    engine.disable_alarm_actions(ctx, params.members("AlarmNames"))


def set_alarm_state(engine, ctx, params: QueryParams):
    engine.set_alarm_state(
        ctx,
        params.required("AlarmName"),
        params.required("StateValue"),
        params.required("StateReason"),
        params.get("StateReasonData"),
    )


def list_metrics(engine, ctx, params: QueryParams):
    metrics = engine.list_metrics(
        ctx,
        namespace=params.get("Namespace"),
        metric_name=params.get("MetricName"),
        dimensions_filter=_dimensions(params),
    )
    return {"Metrics": metrics}


def get_metric_statistics(engine, ctx, params: QueryParams):
    answer = engine.get_metric_statistics(
        ctx,
        params.required("Namespace"),
        params.required("MetricName"),
        params.required("StartTime"),
        params.required("EndTime"),
        params.required("Period"),
        params.members("Statistics"),
        dimensions_filter=_dimensions(params),  # exactly these: none means none
        unit=params.get("Unit"),
    )
    for point in answer["Datapoints"]:
        point["Timestamp"] = _time(point["Timestamp"])
    return answer


ACTIONS = {
    "PutMetricData": put_metric_data,
    "PutMetricAlarm": put_metric_alarm,
    "DescribeAlarms": describe_alarms,
    "DeleteAlarms": delete_alarms,
    "EnableAlarmActions": enable_alarm_actions,
    "DisableAlarmActions": disable_alarm_actions,
    "SetAlarmState": set_alarm_state,
    "ListMetrics": list_metrics,
    "GetMetricStatistics": get_metric_statistics,
}
