"""Alarm evaluation: each alarm's state from its metric data, and the transitions it makes.

    transitions = evaluate_alarms(db, now)

is the whole periodic job, a plain function of the database and the time so that a
cluster-wide leader can run it (issue 7); until there is one, every engine runs it on its
own scheduler (EngineService's periodic tasks). Running it on several engines at once is
safe: a transition is recorded by compare-and-set on the alarm's previous state, so only
one evaluator records it and only that one fires its actions.

An alarm looks at its last EvaluationPeriods periods of Period seconds before `now`. Each
period's statistic is computed from the data the alarm sees (statistics.alarm_sees); a
period without data has no value, except for SampleCount, whose value is then 0 (a missed
heartbeat is what an alarm on SampleCount < 1 is for). With no value at all the alarm is
INSUFFICIENT_DATA; it is ALARM when every value breaches the threshold, OK otherwise.
"""

from __future__ import annotations

import datetime
import json
import operator
from dataclasses import dataclass

from heat.engine.watch import statistics

OK, ALARM, INSUFFICIENT_DATA = "OK", "ALARM", "INSUFFICIENT_DATA"
STATES = (OK, ALARM, INSUFFICIENT_DATA)

COMPARISONS = {
    "GreaterThanThreshold": (operator.gt, "greater than"),
    "GreaterThanOrEqualToThreshold": (operator.ge, "greater than or equal to"),
    "LessThanThreshold": (operator.lt, "less than"),
    "LessThanOrEqualToThreshold": (operator.le, "less than or equal to"),
}
REASON_TIME_FORMAT = "%d/%m/%y %H:%M:%S"


@dataclass(frozen=True)
class Transition:
    """An alarm's change of state, recorded; `alarm` is its row before the change."""

    alarm: dict
    old_state: str
    new_state: str
    reason: str


@dataclass(frozen=True)
class Verdict:
    state: str
    reason: str
    reason_data: str


def _number(value: float) -> str:
    return repr(float(value))


def judge(alarm: dict, points: list[dict], now: datetime.datetime) -> Verdict:
    """The state `alarm` should be in at `now`, given its metric's points (any dimensions)."""
    period = datetime.timedelta(seconds=alarm["period"])
    count = alarm["evaluation_periods"]
    start = now - period * count
    seen = [
        p
        for p in points
        if start <= p["timestamp"] < now
        and statistics.alarm_sees(alarm, p["dimensions"])
        and (not alarm["unit"] or p["unit"] == alarm["unit"])
    ]
    values = []  # (period start, value), most recent first
    for index in reversed(range(count)):
        begin = start + period * index
        stats = statistics.aggregate(p for p in seen if begin <= p["timestamp"] < begin + period)
        if stats is not None:
            values.append((begin, stats[alarm["statistic"]]))
        elif alarm["statistic"] == "SampleCount":
            values.append((begin, 0.0))
    data = {
        "version": "1.0",
        "queryDate": now.strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
        "statistic": alarm["statistic"],
        "period": alarm["period"],
        "recentDatapoints": [v for _, v in values],
        "threshold": alarm["threshold"],
    }
    if not values:
        reason = (
            f"Insufficient Data: no datapoints were received for {count} "
            f"period{'s' if count != 1 else ''} of {alarm['period']} seconds."
        )
        return Verdict(INSUFFICIENT_DATA, reason, json.dumps(data))
    compare, words = COMPARISONS[alarm["comparison"]]
    threshold = alarm["threshold"]
    breaching = [compare(value, threshold) for _, value in values]
    if all(breaching):
        state, shown = ALARM, values
    else:
        state, shown = OK, [v for v, b in zip(values, breaching, strict=True) if not b]
        words = f"not {words}"
    listed = ", ".join(f"{_number(v)} ({t.strftime(REASON_TIME_FORMAT)})" for t, v in shown)
    noun, verb = ("datapoint", "was") if len(shown) == 1 else ("datapoints", "were")
    reason = (
        f"Threshold Crossed: {len(shown)} {noun} [{listed}] {verb} {words} "
        f"the threshold ({_number(threshold)})."
    )
    return Verdict(state, reason, json.dumps(data))


def evaluate_alarms(db, now: datetime.datetime) -> list[Transition]:
    """Evaluate every alarm at `now` (naive UTC); record and return the transitions."""
    transitions = []
    for alarm in db.alarms.list():
        window = datetime.timedelta(seconds=alarm["period"] * alarm["evaluation_periods"])
        points = db.metrics.points(
            alarm["project_id"], alarm["namespace"], alarm["metric_name"], now - window, now
        )
        verdict = judge(alarm, points, now)
        if verdict.state == alarm["state"]:
            continue
        if db.alarms.set_state(
            alarm["id"], alarm["state"], verdict.state, verdict.reason, verdict.reason_data, now
        ):
            transitions.append(Transition(alarm, alarm["state"], verdict.state, verdict.reason))
    return transitions
