"""The real cfn-push-stats (heat-cfntools, boto 2, Query protocol) against heat-api-cloudwatch.

cfn-push-stats is what servers run (often from cron): it reads the keys from a credential
file, adds the server's Nova metadata as dimensions and `--watch <alarm>` as the AlarmName
dimension, and sends PutMetricData to port 8003 of the host in the boto config. Its paths
are fixed, so a small launcher points boto at a test config (by importing boto first), logs
to a temporary file, and stands in for the Nova metadata service (169.254.169.254); the
tool's code itself runs unchanged. The port is fixed too (8003): the API listens on a
random loopback address, so parallel runs do not collide.
"""

import contextlib
import os
import random
import subprocess
import time

import pytest

from heat.api.cloudwatch.app import make_app
from heat.api.server import HttpServer
from heat_tests.api.cloudwatch.conftest import EVALUATION_INTERVAL

CFN_PUSH_STATS = "/usr/bin/cfn-push-stats"
SYSTEM_PYTHON = "/usr/bin/python3"
INSTANCE_ID = "4d5c5f6b-3a3c-4c43-9d7e-1ad4a3c5e001"

LAUNCHER = """
import logging, os, runpy, sys
tool, boto_config, log_file, instance_id = sys.argv[1:5]
os.environ["BOTO_CONFIG"] = boto_config
import boto  # noqa: reads BOTO_CONFIG now; the tool's own override comes too late
logging.basicConfig(filename=log_file, level=logging.DEBUG)  # the tool's becomes a no-op
from heat_cfntools.cfntools import cfn_helper
cfn_helper.Metadata.get_nova_meta = lambda self, cache_path=None: {
    "uuid": instance_id, "meta": {"metering.stack": "web"}}
sys.argv = [tool] + sys.argv[5:]
runpy.run_path(tool, run_name="__main__")
"""

pytestmark = pytest.mark.skipif(
    not os.path.exists(CFN_PUSH_STATS), reason="heat-cfntools is not installed"
)


@contextlib.contextmanager
def served_on_8003(app):
    """`app` on port 8003 of a random loopback address; yields the address."""
    for _ in range(20):
        host = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(2, 254)}"
        try:
            server = HttpServer(app, host, 8003, name="cloudwatch").start()
        except OSError:
            continue
        try:
            yield host
        finally:
            server.stop()
        return
    pytest.skip("no loopback address with port 8003 free")


@pytest.fixture
def server_on_8003(engine_client, store):
    with served_on_8003(make_app(engine_client, store)) as host:
        yield host


def push_stats(tmp_path, host, key, *args):
    boto_config = tmp_path / "cfn-boto-cfg"
    boto_config.write_text(
        "[Boto]\ndebug = 0\nis_secure = False\nnum_retries = 0\n"
        f"cloudwatch_region_name = heat\ncloudwatch_region_endpoint = {host}\n"
    )
    credentials = tmp_path / "cfn-credentials"
    credentials.write_text(f"AWSAccessKeyId={key.access_key}\nAWSSecretKey={key.secret}\n")
    launcher = tmp_path / "launch.py"
    launcher.write_text(LAUNCHER)
    log = tmp_path / "cfn-push-stats.log"
    done = subprocess.run(
        [SYSTEM_PYTHON, str(launcher), CFN_PUSH_STATS, str(boto_config), str(log), INSTANCE_ID]
        + ["--credential-file", str(credentials), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)},
    )
    return done, log.read_text() if log.exists() else ""


def test_put_metric_data_with_the_real_tool(tmp_path, server_on_8003, keys, engine):
    done, log = push_stats(
        tmp_path,
        server_on_8003,
        keys["a"],
        "--metric",
        "Load",
        "--units",
        "Count",
        "--value",
        "7.5",
    )
    assert (done.returncode, done.stderr) == (0, ""), log
    [series] = engine.list_metrics(_ctx(keys["a"]), namespace="system/linux")
    assert series == {
        "Namespace": "system/linux",
        "MetricName": "Load",
        "Dimensions": [
            {"Name": "InstanceId", "Value": INSTANCE_ID},
            {"Name": "metering.stack", "Value": "web"},
        ],
    }
    [point] = engine.db.metrics.points(keys["a"].project_id, "system/linux", "Load", *_window())
    assert (point["sample_count"], point["sum"], point["unit"]) == (1.0, 7.5, "Count")


def test_a_bad_key_is_refused(tmp_path, server_on_8003, keys, engine):
    wrong = type(keys["a"])(keys["a"].access_key, "wrong-secret", keys["a"].project_id)
    done, log = push_stats(tmp_path, server_on_8003, wrong, "--heartbeat")
    assert done.returncode != 0
    assert "SignatureDoesNotMatch" in done.stderr + log
    assert engine.list_metrics(_ctx(keys["a"])) == []


@pytest.mark.parametrize("evaluation_interval", [EVALUATION_INTERVAL])
def test_pushed_failures_drive_an_alarm_from_ok_to_alarm(tmp_path, server_on_8003, keys, engine):
    ctx = _ctx(keys["a"])
    engine.put_metric_alarm(
        ctx,
        {
            "AlarmName": "web-HttpFailureAlarm-1",
            "AlarmDescription": "Restart the server if httpd fails > 2 times in 5 minutes",
            "MetricName": "ServiceFailure",
            "Namespace": "system/linux",
            "Statistic": "SampleCount",
            "Period": 300,
            "EvaluationPeriods": 1,
            "Threshold": 2,
            "ComparisonOperator": "GreaterThanThreshold",
        },
    )
    assert _wait_state(engine, ctx, "OK")["StateReason"].startswith(
        "Threshold Crossed: 1 datapoint [0.0 ("
    )
    for _ in range(3):
        done, log = push_stats(
            tmp_path,
            server_on_8003,
            keys["a"],
            "--watch",
            "web-HttpFailureAlarm-1",
            "--service-failure",
        )
        assert (done.returncode, done.stderr) == (0, ""), log
    alarm = _wait_state(engine, ctx, "ALARM")
    assert alarm["StateReason"].startswith("Threshold Crossed: 1 datapoint [3.0 (")
    assert alarm["StateReason"].endswith(")] was greater than the threshold (2.0).")


def _ctx(key):
    from heat.common.context import RequestContext

    return RequestContext(key.project_id, "user")


def _window():
    import datetime

    from heat.db.models import utcnow

    now = utcnow()
    return now - datetime.timedelta(minutes=5), now + datetime.timedelta(minutes=1)


def _wait_state(engine, ctx, state, timeout=15.0):
    deadline = time.monotonic() + timeout
    while True:
        [alarm] = engine.describe_alarms(ctx)
        if alarm["StateValue"] == state or time.monotonic() > deadline:
            assert alarm["StateValue"] == state, alarm
            return alarm
        time.sleep(0.05)
