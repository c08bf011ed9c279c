"""AWS::CloudWatch::Alarm: an alarm on a metric, evaluated by the engine.

The alarm is the same row PutMetricAlarm makes (heat.engine.watch), owned by the resource:
Ref gives its name ("<stack>-<resource>-<random>"), which cfn-push-stats --watch addresses
its data to. Every property changes in place; the alarm keeps its state across updates.
"""

from __future__ import annotations

import uuid

from heat.engine import attributes, properties
from heat.engine.resource import Resource
from heat.engine.watch import evaluation, statistics

_ACTIONS = properties.Schema(
    properties.LIST,
    update_allowed=True,
    item=properties.Schema(properties.STRING),
    description="URLs (a ScalingPolicy's, a HARestarter's AlarmUrl) or resource references.",
)


def _schema(kind, description, required=False, **extra) -> properties.Schema:
    return properties.Schema(
        kind, description=description, required=required, update_allowed=True, **extra
    )


class CloudWatchAlarm(Resource):
    """An alarm whose state the engine computes from the metric data it is sent."""

    type_name = "AWS::CloudWatch::Alarm"
    description = "An alarm on a metric; its actions run when its state changes."
    properties_schema = {
        "AlarmDescription": _schema(properties.STRING, "What the alarm is for."),
        "MetricName": _schema(properties.STRING, "The metric watched.", required=True),
        "Namespace": _schema(properties.STRING, "The metric's namespace.", required=True),
        "Statistic": _schema(
            properties.STRING,
            "The statistic compared with the threshold.",
            required=True,
            allowed_values=statistics.STATISTICS,
        ),
        "Period": _schema(properties.INTEGER, "Seconds per period.", required=True, min=1),
        "EvaluationPeriods": _schema(
            properties.INTEGER, "Periods evaluated.", required=True, min=1
        ),
        "ComparisonOperator": _schema(
            properties.STRING,
            "How the statistic is compared with the threshold.",
            required=True,
            allowed_values=tuple(evaluation.COMPARISONS),
        ),
        "Threshold": _schema(properties.NUMBER, "The threshold.", required=True),
        "Dimensions": _schema(
            properties.LIST,
            "The dimensions of the data the alarm sees.",
            item=properties.Schema(
                properties.MAP,
                keys={
                    "Name": properties.Schema(properties.STRING, required=True),
                    "Value": properties.Schema(properties.STRING, required=True),
                },
            ),
        ),
        "Units": _schema(properties.STRING, "Only data in this unit counts."),
        "ActionsEnabled": _schema(properties.BOOLEAN, "Whether actions run.", default=True),
        "AlarmActions": _ACTIONS,
        "OKActions": _ACTIONS,
        "InsufficientDataActions": _ACTIONS,
    }
    attributes_schema = {"Arn": attributes.Attribute("The alarm's ARN.")}

    def _spec(self) -> dict:
        props = self.properties
        enabled = props["ActionsEnabled"]
        return {
            "AlarmDescription": props["AlarmDescription"],
            "MetricName": props["MetricName"],
            "Namespace": props["Namespace"],
            "Statistic": props["Statistic"],
            "Period": props["Period"],
            "EvaluationPeriods": props["EvaluationPeriods"],
            "ComparisonOperator": props["ComparisonOperator"],
            "Threshold": props["Threshold"],
            "Dimensions": props["Dimensions"] or [],
            "Unit": props["Units"],
            "ActionsEnabled": True if enabled is None else enabled,
            "AlarmActions": props["AlarmActions"] or [],
            "OKActions": props["OKActions"] or [],
            "InsufficientDataActions": props["InsufficientDataActions"] or [],
        }

    def handle_create(self):
        name = f"{self.context.stack_name}-{self.name}-{uuid.uuid4().hex[:12]}"
        self.context.alarms.create(name, self.name, self._spec())
        self.physical_id = name
        return None

    def handle_update(self, new_properties, changed):
        self.properties = new_properties
        self.context.alarms.configure(self.physical_id, self._spec())
        return None

    def handle_delete(self):
        if self.physical_id:
            self.context.alarms.delete(self.physical_id)
        return None

    def resolve_attribute(self, name: str):
        identity = self.context.identity
        return (
            f"arn:openstack:cloudwatch:{identity.region}:{identity.project_id}"
            f":alarm:{self.physical_id}"
        )


RESOURCE_TYPES = (CloudWatchAlarm,)
