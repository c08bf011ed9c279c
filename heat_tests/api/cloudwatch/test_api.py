"""heat-api-cloudwatch with boto3's cloudwatch client over HTTP: metric data, statistics,
alarms, their actions' switches, errors, signatures and project isolation."""

import datetime
import time

import botocore.exceptions
import pytest

from heat_tests.api.cloudwatch.conftest import EVALUATION_INTERVAL, client

UTC = datetime.timezone.utc
T0 = datetime.datetime.now(UTC).replace(second=0, microsecond=0) - datetime.timedelta(minutes=10)


def alarm_args(name="high", **overrides):
    args = {
        "AlarmName": name,
        "AlarmDescription": "too high",
        "MetricName": "Load",
        "Namespace": "test/app",
        "Statistic": "Average",
        "Period": 60,
        "EvaluationPeriods": 1,
        "Threshold": 5.0,
        "ComparisonOperator": "GreaterThanThreshold",
        "Dimensions": [{"Name": "Host", "Value": "web1"}],
        "AlarmActions": ["http://192.0.2.1:8000/v1/signal/x"],
        "Unit": "Count",
    }
    args.update(overrides)
    return args


def put(cw, value, when, host="web1", name="Load", unit="Count"):
    cw.put_metric_data(
        Namespace="test/app",
        MetricData=[
            {
                "MetricName": name,
                "Value": value,
                "Unit": unit,
                "Timestamp": when,
                "Dimensions": [{"Name": "Host", "Value": host}],
            }
        ],
    )


def error_of(call):
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call()
    response = caught.value.response
    return (
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Code"],
        response["Error"]["Message"],
    )


def test_put_metric_data_and_get_metric_statistics_exact_values(cw):
    for offset, value in ((0, 1.0), (10, 3.0), (70, 10.0), (80, 20.0), (90, 30.0)):
        put(cw, value, T0 + datetime.timedelta(seconds=offset))
    put(cw, 1000.0, T0 + datetime.timedelta(seconds=5), host="web2")  # another series
    cw.put_metric_data(
        Namespace="test/app",
        MetricData=[
            {
                "MetricName": "Load",
                "StatisticValues": {"SampleCount": 4, "Sum": 8, "Minimum": 0.5, "Maximum": 4},
                "Unit": "Count",
                "Timestamp": T0 + datetime.timedelta(seconds=150),
                "Dimensions": [{"Name": "Host", "Value": "web1"}],
            }
        ],
    )
    answer = cw.get_metric_statistics(
        Namespace="test/app",
        MetricName="Load",
        Dimensions=[{"Name": "Host", "Value": "web1"}],
        StartTime=T0,
        EndTime=T0 + datetime.timedelta(minutes=5),
        Period=60,
        Statistics=["SampleCount", "Average", "Sum", "Minimum", "Maximum"],
    )
    assert answer["Label"] == "Load"
    assert answer["Datapoints"] == [
        {
            "Timestamp": T0,
            "SampleCount": 2.0,
            "Average": 2.0,
            "Sum": 4.0,
            "Minimum": 1.0,
            "Maximum": 3.0,
            "Unit": "Count",
        },
        {
            "Timestamp": T0 + datetime.timedelta(minutes=1),
            "SampleCount": 3.0,
            "Average": 20.0,
            "Sum": 60.0,
            "Minimum": 10.0,
            "Maximum": 30.0,
            "Unit": "Count",
        },
        {
            "Timestamp": T0 + datetime.timedelta(minutes=2),
            "SampleCount": 4.0,
            "Average": 2.0,
            "Sum": 8.0,
            "Minimum": 0.5,
            "Maximum": 4.0,
            "Unit": "Count",
        },
    ]
    whole = cw.get_metric_statistics(
        Namespace="test/app",
        MetricName="Load",
        Dimensions=[{"Name": "Host", "Value": "web2"}],
        StartTime=T0,
        EndTime=T0 + datetime.timedelta(minutes=5),
        Period=300,
        Statistics=["Maximum"],
    )
    assert whole["Datapoints"] == [{"Timestamp": T0, "Maximum": 1000.0, "Unit": "Count"}]


def test_list_metrics(cw):
    put(cw, 1.0, T0)
    put(cw, 2.0, T0, host="web2")
    put(cw, 3.0, T0, name="Errors")
    metrics = cw.list_metrics(Namespace="test/app")["Metrics"]
    assert sorted(metrics, key=lambda m: (m["MetricName"], m["Dimensions"][0]["Value"])) == [
        {
            "Namespace": "test/app",
            "MetricName": "Errors",
            "Dimensions": [{"Name": "Host", "Value": "web1"}],
        },
        {
            "Namespace": "test/app",
            "MetricName": "Load",
            "Dimensions": [{"Name": "Host", "Value": "web1"}],
        },
        {
            "Namespace": "test/app",
            "MetricName": "Load",
            "Dimensions": [{"Name": "Host", "Value": "web2"}],
        },
    ]
    only = cw.list_metrics(MetricName="Load", Dimensions=[{"Name": "Host", "Value": "web2"}])
    assert only["Metrics"] == [
        {
            "Namespace": "test/app",
            "MetricName": "Load",
            "Dimensions": [{"Name": "Host", "Value": "web2"}],
        }
    ]


def test_alarm_lifecycle(cw, keys):
    cw.put_metric_alarm(**alarm_args())
    cw.put_metric_alarm(**alarm_args("low", ComparisonOperator="LessThanThreshold"))
    [shown] = cw.describe_alarms(AlarmNames=["high"])["MetricAlarms"]
    assert {k: v for k, v in shown.items() if "Timestamp" not in k} == {
        "AlarmName": "high",
        "AlarmArn": f"arn:openstack:cloudwatch:RegionOne:{keys['a'].project_id}:alarm:high",
        "AlarmDescription": "too high",
        "ActionsEnabled": True,
        "OKActions": [],
        "AlarmActions": ["http://192.0.2.1:8000/v1/signal/x"],
        "InsufficientDataActions": [],
        "StateValue": "INSUFFICIENT_DATA",
        "StateReason": "Unchecked: Initial alarm creation",
        "MetricName": "Load",
        "Namespace": "test/app",
        "Statistic": "Average",
        "Dimensions": [{"Name": "Host", "Value": "web1"}],
        "Period": 60,
        "Unit": "Count",
        "EvaluationPeriods": 1,
        "Threshold": 5.0,
        "ComparisonOperator": "GreaterThanThreshold",
    }
    assert isinstance(shown["StateUpdatedTimestamp"], datetime.datetime)

    cw.set_alarm_state(AlarmName="high", StateValue="ALARM", StateReason="by hand")
    alarms = cw.describe_alarms(StateValue="ALARM")["MetricAlarms"]
    assert [(a["AlarmName"], a["StateValue"], a["StateReason"]) for a in alarms] == [
        ("high", "ALARM", "by hand")
    ]
    names = [a["AlarmName"] for a in cw.describe_alarms()["MetricAlarms"]]
    assert names == ["high", "low"]

    cw.disable_alarm_actions(AlarmNames=["high"])
    assert cw.describe_alarms(AlarmNames=["high"])["MetricAlarms"][0]["ActionsEnabled"] is False
    cw.enable_alarm_actions(AlarmNames=["high"])
    assert cw.describe_alarms(AlarmNames=["high"])["MetricAlarms"][0]["ActionsEnabled"] is True

    cw.put_metric_alarm(**alarm_args(Threshold=7.5))  # the same name: reconfigured
    [again] = cw.describe_alarms(AlarmNames=["high"])["MetricAlarms"]
    assert (again["Threshold"], again["StateValue"]) == (7.5, "ALARM")

    cw.delete_alarms(AlarmNames=["high", "low"])
    assert cw.describe_alarms()["MetricAlarms"] == []


@pytest.mark.parametrize("evaluation_interval", [EVALUATION_INTERVAL])
def test_evaluation_from_pushed_data(cw, engine):
    cw.put_metric_alarm(**alarm_args(Period=300))
    now = datetime.datetime.now(UTC)
    put(cw, 9.0, now - datetime.timedelta(seconds=5))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        [alarm] = cw.describe_alarms(AlarmNames=["high"])["MetricAlarms"]
        if alarm["StateValue"] == "ALARM":
            break
        time.sleep(0.05)
    assert alarm["StateValue"] == "ALARM"
    assert alarm["StateReason"].startswith("Threshold Crossed: 1 datapoint [9.0 (")
    assert alarm["StateReason"].endswith(")] was greater than the threshold (5.0).")


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (
            lambda cw: cw.delete_alarms(AlarmNames=["nope"]),
            (404, "ResourceNotFound", "Could not find alarm(s): nope"),
        ),
        (
            lambda cw: cw.set_alarm_state(AlarmName="nope", StateValue="OK", StateReason="x"),
            (404, "ResourceNotFound", "Could not find alarm(s): nope"),
        ),
        (
            lambda cw: cw.put_metric_alarm(**alarm_args(Statistic="Median")),
            (
                400,
                "ValidationError",
                "Statistic must be one of SampleCount, Average, Sum, Minimum, Maximum",
            ),
        ),
        (
            lambda cw: cw.put_metric_alarm(**alarm_args(ComparisonOperator="Differs")),
            (
                400,
                "ValidationError",
                "ComparisonOperator must be one of GreaterThanThreshold, "
                "GreaterThanOrEqualToThreshold, LessThanThreshold, LessThanOrEqualToThreshold",
            ),
        ),
        (
            lambda cw: cw.get_metric_statistics(
                Namespace="n",
                MetricName="m",
                StartTime=T0,
                EndTime=T0,
                Period=60,
                Statistics=["Sum"],
            ),
            (
                400,
                "ValidationError",
                "The parameter StartTime must be less than the parameter EndTime.",
            ),
        ),
        (
            lambda cw: cw.describe_alarms(StateValue="BROKEN"),
            (400, "ValidationError", "StateValue must be one of OK, ALARM, INSUFFICIENT_DATA"),
        ),
    ],
)
def test_errors(cw, call, expected):
    assert error_of(lambda: call(cw)) == expected


def test_bad_signature_is_refused(cw_server, keys):
    forged = client(cw_server, keys["a"], secret="not-the-secret")
    status, code, _ = error_of(lambda: forged.describe_alarms())
    assert (status, code) == (403, "SignatureDoesNotMatch")
    unknown = client(cw_server, keys["a"], access_key="AKIDUNKNOWN")
    status, code, _ = error_of(lambda: unknown.describe_alarms())
    assert (status, code) == (403, "InvalidClientTokenId")


def test_projects_do_not_see_each_other(cw, cw_b):
    cw.put_metric_alarm(**alarm_args())
    put(cw, 1.0, T0)
    assert cw_b.describe_alarms()["MetricAlarms"] == []
    assert cw_b.list_metrics()["Metrics"] == []
    assert error_of(lambda: cw_b.delete_alarms(AlarmNames=["high"]))[:2] == (
        404,
        "ResourceNotFound",
    )
    cw_b.put_metric_alarm(**alarm_args(Threshold=1.0))  # the same name in another project
    assert cw.describe_alarms()["MetricAlarms"][0]["Threshold"] == 5.0
    assert cw_b.describe_alarms()["MetricAlarms"][0]["Threshold"] == 1.0
