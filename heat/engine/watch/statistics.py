"""Statistics over metric data points, as CloudWatch computes them.

A point is a statistic set (sample_count, sum, minimum, maximum); a single value is the set
(1, v, v, v). Statistics over several points combine the sets, so points put as values and
points put as StatisticValues mix correctly.
"""

from __future__ import annotations

import datetime

STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")


def aggregate(points) -> dict | None:
    """{statistic: value} over `points`, or None when there are none."""
    points = list(points)
    if not points:
        return None
    count = sum(p["sample_count"] for p in points)
    total = sum(p["sum"] for p in points)
    return {
        "SampleCount": count,
        "Sum": total,
        "Minimum": min(p["minimum"] for p in points),
        "Maximum": max(p["maximum"] for p in points),
        "Average": total / count if count else 0.0,
    }


def buckets(points, start: datetime.datetime, period: int) -> list[tuple[datetime.datetime, list]]:
    """Points grouped into periods of `period` seconds counted from `start`, earliest first;
    only periods that hold points appear."""
    grouped: dict[int, list] = {}
    for point in points:
        index = int((point["timestamp"] - start).total_seconds() // period)
        grouped.setdefault(index, []).append(point)
    return [
        (start + datetime.timedelta(seconds=index * period), grouped[index])
        for index in sorted(grouped)
    ]


def alarm_sees(alarm: dict, point_dimensions) -> bool:
    """Whether a data point of the alarm's metric counts for the alarm.

    heat-cfntools' cfn-push-stats addresses its data to one alarm with an AlarmName
    dimension (as Heat's watch rules took it): such data counts for that alarm only.
    Otherwise each of the alarm's dimensions must be among the point's.
    """
    dims = {d["Name"]: d["Value"] for d in point_dimensions or ()}
    target = dims.get("AlarmName")
    if target is not None:
        return target == alarm["name"]
    return all(dims.get(d["Name"]) == d["Value"] for d in alarm["dimensions"] or ())
