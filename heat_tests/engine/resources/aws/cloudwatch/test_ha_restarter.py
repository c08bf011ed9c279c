# ruff: noqa: F811 - tests take the imported fixtures as arguments
"""OS::Heat::HARestarter on a real localcloud: an alarm that fires replaces the server."""

import json

from heat.engine.watch.actions import parse_signal_url
from heat_tests.engine.resources.localcloud_engine import (  # noqa: F401 - fixtures
    cloud_engine,
    create,
    delete,
    localcloud,
    nova,
)

TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Resources": {
        "WikiDatabase": {
            "Type": "AWS::EC2::Instance",
            "Properties": {"ImageId": "F17-x86_64-cfntools", "InstanceType": "m1.tiny"},
        },
        "WebServerRestartPolicy": {
            "Type": "OS::Heat::HARestarter",
            "Properties": {"InstanceId": {"Ref": "WikiDatabase"}},
        },
        "HeartbeatFailureAlarm": {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {
                "AlarmDescription": "Restart the WikiDatabase if we miss a heartbeat",
                "MetricName": "Heartbeat",
                "Namespace": "system/linux",
                "Statistic": "SampleCount",
                "Period": "60",
                "EvaluationPeriods": "1",
                "Threshold": "1",
                "AlarmActions": [{"Ref": "WebServerRestartPolicy"}],
                "ComparisonOperator": "LessThanThreshold",
            },
        },
    },
    "Outputs": {
        "Url": {"Value": {"Fn::GetAtt": ["WebServerRestartPolicy", "AlarmUrl"]}},
        "Server": {"Value": {"Ref": "WikiDatabase"}},
    },
}


def _outputs(stack):
    return {o["output_key"]: o["output_value"] for o in stack["outputs"]}


def test_alarm_url_names_the_restarter(cloud_engine, ctx):
    stack = create(cloud_engine, ctx, "ha", json.dumps(TEMPLATE))
    assert stack["stack_status"] == "CREATE_COMPLETE"
    url = _outputs(stack)["Url"]
    assert url.startswith("http://192.0.2.1:8000/v1/signal/arn%3Aopenstack%3Aheat%3A%3A")
    assert parse_signal_url(url) == ("project-a", stack["id"], "WebServerRestartPolicy")


def test_alarm_replaces_the_server(cloud_engine, ctx, nova):
    engine = cloud_engine
    stack = create(engine, ctx, "ha", json.dumps(TEMPLATE))
    old_id = _outputs(stack)["Server"]
    assert [s.id for s in nova.servers.list()] == [old_id]

    # No heartbeat was pushed: SampleCount 0 < 1, the alarm fires, the restarter acts.
    [transition] = engine.run_alarm_evaluation()
    assert (transition.old_state, transition.new_state) == ("INSUFFICIENT_DATA", "ALARM")
    assert engine.wait(stack["id"], 60)
    after = engine.show_stack(ctx, stack["id"])
    assert (after["stack_status"], after["stack_status_reason"]) == (
        "UPDATE_COMPLETE",
        "Stack UPDATE completed successfully",
    )
    new_id = _outputs(after)["Server"]
    assert new_id != old_id
    assert [s.id for s in nova.servers.list()] == [new_id]  # the old server is gone
    alarm_name = transition.alarm["name"]
    reason = f"Alarm {alarm_name} went to ALARM: WebServerRestartPolicy replaces WikiDatabase"
    events = [
        (e["resource_name"], e["action"], e["status"], e["reason"])
        for e in engine.list_events(ctx, stack["id"])
    ]
    assert ("WebServerRestartPolicy", "CREATE", "COMPLETE", reason) in events
    assert ("WikiDatabase", "CREATE", "FAILED", reason) in events
    restarter = engine.db.resources.get_by_name(stack["id"], "WebServerRestartPolicy")
    assert restarter["properties_data"]["InstanceId"] == new_id  # follows the new server

    # The alarm stays ALARM: no second restart until it has been OK again.
    assert engine.run_alarm_evaluation() == []
    assert delete(engine, ctx, stack["id"]) == ("DELETE", "COMPLETE")
    assert nova.servers.list() == []
    assert engine.describe_alarms(ctx) == []
