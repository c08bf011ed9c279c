"""CloudWatch in the engine: alarms, the metric data they watch, their evaluation and actions.

statistics: statistics over metric data points, by period.
evaluation: evaluate_alarms(db, now), the periodic state computation; one function, so that
    a cluster-wide leader can run it (for now every engine does).
actions: what a transition's actions (URLs, resource references) do inside the engine.
operations: the engine operations of the CloudWatch API (PutMetricData, ...).
stack_alarms: the alarms a stack's AWS::CloudWatch::Alarm resources own.
"""
