"""AWS::CloudWatch::Alarm through the engine: the alarm row, evaluation, actions."""

import datetime
import json
import time

import pytest

from heat.common.context import RequestContext
from heat.common.exception import StackInProgress
from heat.engine.watch import evaluation
from heat_tests.engine.resources.localcloud_engine import create, delete

NOW = datetime.datetime(2026, 11, 22, 10, 0, 0)


def alarm(**props):
    base = {
        "MetricName": "ServiceFailure",
        "Namespace": "system/linux",
        "Statistic": "SampleCount",
        "Period": "300",
        "EvaluationPeriods": "1",
        "Threshold": "2",
        "ComparisonOperator": "GreaterThanThreshold",
    }
    return {"Type": "AWS::CloudWatch::Alarm", "Properties": {**base, **props}}


def template(resources, outputs=None):
    data = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}
    if outputs:
        data["Outputs"] = outputs
    return json.dumps(data)


def point(ctx_engine, ctx, when, value=1.0, name="ServiceFailure", **dims):
    ctx_engine.put_metric_data(
        ctx,
        "system/linux",
        [
            {
                "MetricName": name,
                "Value": value,
                "Unit": "Count",
                "Timestamp": when,
                "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
            }
        ],
    )


@pytest.fixture
def calls(engine):
    """Actions run on OS::Heat::None targets, recorded: (target, alarm state)."""
    seen = []
    engine._alarm_actions().handlers["OS::Heat::None"] = lambda _engine, stack, res, details: (
        seen.append((res["name"], details["previous"], details["state"]))
    )
    return seen


def test_create_makes_the_alarm_and_ref_is_its_name(engine, ctx):
    text = template(
        {
            "Alarm": alarm(
                AlarmDescription="too many failures",
                Dimensions=[{"Name": "InstanceId", "Value": "i-1"}],
            )
        },
        {"Name": {"Value": {"Ref": "Alarm"}}, "Arn": {"Value": {"Fn::GetAtt": ["Alarm", "Arn"]}}},
    )
    stack = create(engine, ctx, "web", text)
    assert stack["stack_status"] == "CREATE_COMPLETE"
    outputs = {o["output_key"]: o["output_value"] for o in stack["outputs"]}
    name = outputs["Name"]
    assert name.startswith("web-Alarm-") and len(name) == len("web-Alarm-") + 12
    assert outputs["Arn"] == f"arn:openstack:cloudwatch:RegionOne:project-a:alarm:{name}"
    [shown] = engine.describe_alarms(ctx)
    assert {k: shown[k] for k in shown if "Timestamp" not in k} == {
        "AlarmName": name,
        "AlarmArn": outputs["Arn"],
        "AlarmDescription": "too many failures",
        "ActionsEnabled": True,
        "OKActions": [],
        "AlarmActions": [],
        "InsufficientDataActions": [],
        "StateValue": "INSUFFICIENT_DATA",
        "StateReason": "Unchecked: Initial alarm creation",
        "StateReasonData": None,
        "MetricName": "ServiceFailure",
        "Namespace": "system/linux",
        "Statistic": "SampleCount",
        "Dimensions": [{"Name": "InstanceId", "Value": "i-1"}],
        "Period": 300,
        "Unit": None,
        "EvaluationPeriods": 1,
        "Threshold": 2.0,
        "ComparisonOperator": "GreaterThanThreshold",
    }
    row = engine.db.alarms.get("project-a", name)
    assert (row["stack_id"], row["resource_name"]) == (stack["id"], "Alarm")
    assert engine.describe_alarms(RequestContext("project-b", "user-b")) == []

    assert delete(engine, ctx, stack["id"]) == ("DELETE", "COMPLETE")
    assert engine.describe_alarms(ctx) == []


def test_update_changes_the_alarm_in_place(engine, ctx):
    stack = create(engine, ctx, "web", template({"Alarm": alarm()}))
    [before] = engine.describe_alarms(ctx)
    engine.update_stack(ctx, stack["id"], template({"Alarm": alarm(Threshold="5")}))
    assert engine.wait(stack["id"], 30)
    assert engine.show_stack(ctx, stack["id"])["stack_status"] == "UPDATE_COMPLETE"
    [after] = engine.describe_alarms(ctx)
    assert (after["AlarmName"], after["Threshold"]) == (before["AlarmName"], 5.0)


def test_invalid_statistic_fails_validation(engine, ctx):
    with pytest.raises(Exception) as caught:
        engine.create_stack(ctx, "web", template({"Alarm": alarm(Statistic="Median")}))
    assert "Resources.Alarm.Properties.Statistic" in str(caught.value)


def test_evaluation_transitions_with_exact_states_and_reasons(engine, ctx):
    stack = create(engine, ctx, "web", template({"Alarm": alarm(Statistic="Average")}))
    name = engine.db.resources.get_by_name(stack["id"], "Alarm")["physical_resource_id"]

    def state():
        row = engine.db.alarms.get("project-a", name)
        return row["state"], row["state_reason"]

    # No data: an Average has no value; the state does not change, nor its reason.
    assert engine.run_alarm_evaluation(NOW) == []
    assert state() == ("INSUFFICIENT_DATA", "Unchecked: Initial alarm creation")
    point(engine, ctx, NOW - datetime.timedelta(seconds=100), 1.0)
    point(engine, ctx, NOW - datetime.timedelta(seconds=50), 2.0)
    [t] = engine.run_alarm_evaluation(NOW)
    assert (t.old_state, t.new_state) == ("INSUFFICIENT_DATA", "OK")
    assert state() == (
        "OK",
        "Threshold Crossed: 1 datapoint [1.5 (22/11/26 09:55:00)] was not greater than "
        "the threshold (2.0).",
    )
    point(engine, ctx, NOW + datetime.timedelta(seconds=10), 9.0)
    later = NOW + datetime.timedelta(seconds=60)
    [t] = engine.run_alarm_evaluation(later)
    assert (t.old_state, t.new_state) == ("OK", "ALARM")
    assert state() == (
        "ALARM",
        "Threshold Crossed: 1 datapoint [4.0 (22/11/26 09:56:00)] was greater than "
        "the threshold (2.0).",
    )
    assert engine.run_alarm_evaluation(later) == []  # no change, no transition
    data = json.loads(engine.db.alarms.get("project-a", name)["state_reason_data"])
    assert data == {
        "version": "1.0",
        "queryDate": "2026-11-22T10:01:00.000+0000",
        "statistic": "Average",
        "period": 300,
        "recentDatapoints": [4.0],
        "threshold": 2.0,
    }
    # Long after the data: nothing left in the window.
    [t] = engine.run_alarm_evaluation(NOW + datetime.timedelta(hours=1))
    assert (t.old_state, t.new_state) == ("ALARM", "INSUFFICIENT_DATA")
    assert state() == (
        "INSUFFICIENT_DATA",
        "Insufficient Data: no datapoints were received for 1 period of 300 seconds.",
    )


def test_sample_count_of_nothing_is_zero_and_several_periods_must_all_breach(engine, ctx):
    props = {"Threshold": "1", "ComparisonOperator": "LessThanThreshold", "Period": "60"}
    props["EvaluationPeriods"] = "2"
    stack = create(engine, ctx, "web", template({"Heartbeat": alarm(**props)}))
    name = engine.db.resources.get_by_name(stack["id"], "Heartbeat")["physical_resource_id"]
    point(engine, ctx, NOW - datetime.timedelta(seconds=30))  # only the latest period has one
    [t] = engine.run_alarm_evaluation(NOW)
    assert (t.new_state, t.reason) == (
        "OK",
        "Threshold Crossed: 1 datapoint [1.0 (22/11/26 09:59:00)] was not less than "
        "the threshold (1.0).",
    )
    # The earlier of the two periods still has the heartbeat: still OK.
    assert engine.run_alarm_evaluation(NOW + datetime.timedelta(seconds=60)) == []
    [t] = engine.run_alarm_evaluation(NOW + datetime.timedelta(seconds=120))
    assert (t.old_state, t.new_state, t.reason) == (
        "OK",
        "ALARM",
        "Threshold Crossed: 2 datapoints [0.0 (22/11/26 10:01:00), 0.0 (22/11/26 10:00:00)] "
        "were less than the threshold (1.0).",
    )
    assert engine.db.alarms.get("project-a", name)["state"] == "ALARM"


def test_dimensions_and_alarm_name_choose_the_data(engine, ctx):
    resources = {
        "Mine": alarm(Dimensions=[{"Name": "Group", "Value": "g1"}], Threshold="0"),
        "Other": alarm(Threshold="0"),
    }
    stack = create(engine, ctx, "web", template(resources))
    names = {
        r: engine.db.resources.get_by_name(stack["id"], r)["physical_resource_id"]
        for r in resources
    }
    when = NOW - datetime.timedelta(seconds=10)
    point(engine, ctx, when, Group="g2")  # not Mine's group; Other has no dimensions
    point(engine, ctx, when, AlarmName=names["Other"], Group="g1")  # addressed to Other only
    engine.run_alarm_evaluation(NOW)
    states = {r: engine.db.alarms.get("project-a", n)["state"] for r, n in names.items()}
    assert states == {"Mine": "OK", "Other": "ALARM"}
    reason = engine.db.alarms.get("project-a", names["Other"])["state_reason"]
    assert reason.startswith("Threshold Crossed: 1 datapoint [2.0 ")


def test_actions_fire_once_per_transition(engine, ctx, calls):
    resources = {
        "OnAlarm": {"Type": "OS::Heat::None"},
        "OnOk": {"Type": "OS::Heat::None"},
        "Alarm": alarm(
            Threshold="0",
            AlarmActions=[{"Ref": "OnAlarm"}],
            OKActions=[{"Ref": "OnOk"}],
        ),
    }
    create(engine, ctx, "web", template(resources))
    point(engine, ctx, NOW - datetime.timedelta(seconds=10))
    engine.run_alarm_evaluation(NOW)
    engine.run_alarm_evaluation(NOW + datetime.timedelta(seconds=1))
    assert calls == [("OnAlarm", "INSUFFICIENT_DATA", "ALARM")]
    [row] = engine.db.alarms.list("project-a")
    engine.set_alarm_state(ctx, row["name"], "OK", "testing")
    # set_alarm_state fires the actions on the scheduler's pool: wait for them, up to 5 s.
    deadline = time.monotonic() + 5
    while len(calls) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert calls == [("OnAlarm", "INSUFFICIENT_DATA", "ALARM"), ("OnOk", "ALARM", "OK")]
    engine.disable_alarm_actions(ctx, [row["name"]])
    engine.run_alarm_evaluation(NOW + datetime.timedelta(seconds=2))  # back to ALARM, muted
    assert engine.db.alarms.get("project-a", row["name"])["state"] == "ALARM"
    assert len(calls) == 2


def test_an_action_refused_by_a_busy_stack_runs_at_a_later_evaluation(engine, ctx):
    seen = []
    busy = [True]

    def handler(_engine, stack, res, details):
        if busy[0]:
            raise StackInProgress(stack["name"], "UPDATE_IN_PROGRESS")
        seen.append((res["name"], details["state"]))

    engine._alarm_actions().handlers["OS::Heat::None"] = handler
    resources = {
        "Target": {"Type": "OS::Heat::None"},
        "Alarm": alarm(Threshold="0", AlarmActions=[{"Ref": "Target"}]),
    }
    create(engine, ctx, "web", template(resources))
    point(engine, ctx, NOW - datetime.timedelta(seconds=10))
    engine.run_alarm_evaluation(NOW)  # ALARM: the action is refused, the stack is busy
    assert seen == []
    engine.run_alarm_evaluation(NOW + datetime.timedelta(seconds=1))  # still busy
    assert seen == []
    busy[0] = False
    engine.run_alarm_evaluation(NOW + datetime.timedelta(seconds=2))  # still ALARM: it runs
    engine.run_alarm_evaluation(NOW + datetime.timedelta(seconds=3))  # and only once
    assert seen == [("Target", "ALARM")]


def test_url_actions_name_a_resource_of_the_same_project(engine, ctx, calls):
    create(engine, ctx, "targets", template({"Target": {"Type": "OS::Heat::None"}}))
    target = engine.show_stack(ctx, "targets")
    arn = f"arn:openstack:heat::project-a:stacks/targets/{target['id']}/resources/Target"
    from urllib.parse import quote

    url = f"http://192.0.2.1:8000/v1/signal/{quote(arn, safe='')}?Signature=x"
    engine.put_metric_alarm(
        ctx,
        {
            "AlarmName": "api-alarm",
            "MetricName": "m",
            "Namespace": "n",
            "Statistic": "SampleCount",
            "Period": 60,
            "EvaluationPeriods": 1,
            "Threshold": 1,
            "ComparisonOperator": "LessThanThreshold",
            "AlarmActions": [url],
        },
    )
    other = RequestContext("project-b", "user-b")
    engine.put_metric_alarm(
        other,
        {
            "AlarmName": "intruder",
            "MetricName": "m",
            "Namespace": "n",
            "Statistic": "SampleCount",
            "Period": 60,
            "EvaluationPeriods": 1,
            "Threshold": 1,
            "ComparisonOperator": "LessThanThreshold",
            "AlarmActions": [url],
        },
    )
    transitions = engine.run_alarm_evaluation(NOW)
    assert sorted((t.alarm["name"], t.new_state) for t in transitions) == [
        ("api-alarm", "ALARM"),
        ("intruder", "ALARM"),
    ]
    assert calls == [("Target", "INSUFFICIENT_DATA", "ALARM")]  # not the other project's


def test_periodic_task_evaluates_on_its_own(database, ctx):
    from heat.engine.graph_run import Backoff
    from heat.engine.service import EngineService

    service = EngineService(
        database, backoff=Backoff(0.005, 2.0, 0.05), alarm_evaluation_interval=0.05
    ).start()
    try:
        service.put_metric_alarm(
            ctx,
            {
                "AlarmName": "heartbeat",
                "MetricName": "Heartbeat",
                "Namespace": "system/linux",
                "Statistic": "SampleCount",
                "Period": 60,
                "EvaluationPeriods": 1,
                "Threshold": 1,
                "ComparisonOperator": "LessThanThreshold",
            },
        )
        for _ in range(200):
            if database.alarms.get("project-a", "heartbeat")["state"] == "ALARM":
                break
            service.wait("nothing", 0.01)
            import time

            time.sleep(0.01)
        assert database.alarms.get("project-a", "heartbeat")["state"] == "ALARM"
    finally:
        service.stop()


def test_evaluate_alarms_is_a_function_of_the_database_and_the_time(engine, ctx):
    engine.put_metric_alarm(
        ctx,
        {
            "AlarmName": "a",
            "MetricName": "m",
            "Namespace": "n",
            "Statistic": "Maximum",
            "Period": 60,
            "EvaluationPeriods": 1,
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        },
    )
    first = evaluation.evaluate_alarms(engine.db, NOW)
    assert [(t.alarm["name"], t.new_state) for t in first] == []  # INSUFFICIENT_DATA still
    engine.put_metric_data(ctx, "n", [{"MetricName": "m", "Value": 1, "Timestamp": NOW}])
    later = NOW + datetime.timedelta(seconds=1)
    # Two evaluators at once: only one records the transition.
    assert len(evaluation.evaluate_alarms(engine.db, later)) == 1
    assert evaluation.evaluate_alarms(engine.db, later) == []
