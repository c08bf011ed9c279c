"""heat-engine and heat-api as separate processes on RabbitMQ and SQLite, set up with
heat-manage bootstrap and driven by the heat CLI; then a second heat-api in
auth_mode = keystone (keystonemiddleware's auth_token) against the first one's Keystone v3,
and heat-api-cfn and heat-api-cloudwatch driven by boto3 with the bootstrapped EC2 key."""

from __future__ import annotations

import os
import socket
import subprocess
import uuid

import boto3
import pytest
import requests
from botocore.config import Config

from heat_tests.cmd.processes import BIN, Heat, clean_env, event_lines, start, stop

RABBIT = ("127.0.0.1", 5672)
TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Word: {Type: OS::Heat::RandomString, Properties: {length: 6}}
Outputs:
  Word: {Value: {"Fn::GetAtt": [Word, value]}}
"""


def _rabbit_reachable() -> bool:
    try:
        socket.create_connection(RABBIT, timeout=1).close()
        return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(
    not _rabbit_reachable(), reason="RabbitMQ is not reachable at 127.0.0.1:5672"
)


def _write_conf(path, state, auth_mode: str = "local", extra: str = "") -> str:
    # An engine topic of our own: other tests' engines may share this broker.
    path.write_text(
        f"""[DEFAULT]
state_dir = {state}
transport_url = rabbit://guest:guest@127.0.0.1:5672/
engine_topic = heat-engine-{state.name}
auth_mode = {auth_mode}
[database]
connection = sqlite:///{state}/heat.sqlite
[heat_api]
bind_host = 127.0.0.1
bind_port = 0
{extra}"""
    )
    return str(path)


def _manage(conf, *args):
    return subprocess.run(
        [os.path.join(BIN, "heat-manage"), "--config-file", conf, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
    )


def _fields(stdout: str) -> dict:
    return dict(line.split(": ", 1) for line in stdout.splitlines())


def _start_api(conf):
    proc = start([os.path.join(BIN, "heat-api"), "--config-file", conf], "heat-api serving at ")
    return proc, proc.ready_line.split()[3]  # heat-api serving at URL (auth_mode = ...)


@pytest.fixture(scope="module")
def split(tmp_path_factory):
    state = tmp_path_factory.mktemp(f"split-{uuid.uuid4().hex[:8]}")
    conf = _write_conf(state / "heat.conf", state)
    booted = _manage(conf, "bootstrap", "--project", "demo", "--user", "alice", "--password", "pw")
    assert (booted.returncode, booted.stderr) == (0, ""), booted.stderr
    running = []
    try:
        engine = start([os.path.join(BIN, "heat-engine"), "--config-file", conf], "heat-engine ")
        running.append((engine, "heat-engine stopped"))
        api, url = _start_api(conf)
        running.append((api, "heat-api stopped"))
        yield state, conf, booted.stdout, url
    finally:
        for proc, last in reversed(running):
            stop(proc, last)


def _heat(url, password="pw", **extra) -> Heat:
    return Heat(
        clean_env(
            OS_AUTH_URL=f"{url}/identity/v3",
            OS_USERNAME="alice",
            OS_PASSWORD=password,
            OS_PROJECT_NAME="demo",
            OS_USER_DOMAIN_NAME="Default",
            OS_PROJECT_DOMAIN_NAME="Default",
            **extra,
        )
    )


def test_bootstrap_prints_credentials_and_is_idempotent(split):
    _, conf, first_run, _ = split
    first = _fields(first_run)
    assert sorted(first) == ["ec2_access_key", "ec2_secret_key", "password", "project", "user"]
    assert first["password"] == "pw"
    assert first["project"].startswith("demo (") and first["user"].startswith("alice (")
    again = _manage(conf, "bootstrap", "--project", "demo", "--user", "alice")
    assert (again.returncode, again.stderr) == (0, "")
    assert _fields(again.stdout) == {
        **first,
        "password": "(unchanged: give --password to set it)",
    }


def test_engine_and_api_on_rabbitmq_create_and_delete_through_the_cli(split, tmp_path):
    _, _, _, url = split
    template = tmp_path / "word.yaml"
    template.write_text(TEMPLATE)
    heat = _heat(url)
    created = heat("stack-create", "split", "-f", str(template), "--wait")
    assert (created.returncode, created.stderr) == (0, ""), created.stderr
    assert [e[:2] for e in event_lines(created.stdout)] == [
        ("split", "CREATE_IN_PROGRESS"),
        ("Word", "CREATE_IN_PROGRESS"),
        ("Word", "CREATE_COMPLETE"),
        ("split", "CREATE_COMPLETE"),
    ]
    word = heat("output-show", "split", "Word")
    assert (word.returncode, len(word.stdout)) == (0, 7)
    listed = heat("stack-list").stdout.splitlines()
    assert [row.split()[1:3] for row in listed[2:]] == [["split", "CREATE_COMPLETE"]]
    deleted = heat("stack-delete", "-y", "--wait", "split")
    assert (deleted.returncode, deleted.stdout.splitlines()[-1]) == (
        0,
        "Stack split DELETE_COMPLETE",
    )
    assert heat("stack-list").stdout.splitlines()[2:] == []
    wrong = _heat(url, password="nope")("stack-list")
    assert (wrong.returncode, wrong.stderr) == (
        1,
        f"ERROR: authentication failed at {url}/identity/v3: check OS_USERNAME, OS_PASSWORD "
        "and the project\n",
    )


def test_keystone_auth_mode_with_keystonemiddleware(split, tmp_path):
    pytest.importorskip("keystonemiddleware")
    state, _, _, url = split
    conf = _write_conf(
        tmp_path / "keystone.conf",
        state,
        "keystone",
        f"""[keystone_authtoken]
www_authenticate_uri = {url}/identity/v3
auth_url = {url}/identity/v3
auth_type = password
username = alice
password = pw
project_name = demo
user_domain_name = Default
project_domain_name = Default
""",
    )
    api, keystone_url = _start_api(conf)
    try:
        assert api.ready_line.endswith("(auth_mode = keystone)")
        template = tmp_path / "word.yaml"
        template.write_text(TEMPLATE)
        heat = _heat(url, HEAT_URL=keystone_url)  # tokens from the first heat-api's Keystone
        created = heat("stack-create", "viaks", "-f", str(template), "--wait")
        assert (created.returncode, created.stderr) == (0, ""), created.stderr
        listed = heat("stack-list").stdout.splitlines()
        assert [row.split()[1:3] for row in listed[2:]] == [["viaks", "CREATE_COMPLETE"]]
        # The same stack through the local-mode API: one engine, one database.
        assert _heat(url)("stack-list").stdout == heat("stack-list").stdout
        project_id = _fields(_manage(conf, "bootstrap", "--project", "demo", "--user", "alice")
                             .stdout)["project"].split("(")[1].rstrip(")")  # fmt: skip
        refused = requests.get(
            f"{keystone_url}/v1/{project_id}/stacks", headers={"X-Auth-Token": "bogus"}, timeout=10
        )
        assert refused.status_code == 401
        assert refused.json()["error"] == {
            "message": "Authentication required",
            "type": "AuthenticationFailed",
            "traceback": None,
        }
        deleted = heat("stack-delete", "-y", "--wait", "viaks")
        assert (deleted.returncode, deleted.stderr) == (0, "")
    finally:
        stop(api, "heat-api stopped")


def _boto3(service: str, url: str, bootstrapped: str):
    key = _fields(bootstrapped)
    return boto3.client(
        service,
        endpoint_url=url,
        region_name="RegionOne",
        aws_access_key_id=key["ec2_access_key"],
        aws_secret_access_key=key["ec2_secret_key"],
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )


def _start_query_api(prog: str, conf: str):
    """`prog` on an ephemeral port of 127.0.0.1 (--host, --port); (process, its /v1 URL)."""
    argv = [os.path.join(BIN, prog), "--config-file", conf, "--host", "127.0.0.1", "--port", "0"]
    proc = start(argv, f"{prog} serving at http://127.0.0.1:")
    return proc, proc.ready_line.split()[-1]


def test_cfn_api_on_rabbitmq_creates_and_deletes_with_an_ec2_key(split):
    _, conf, bootstrapped, _ = split
    proc, url = _start_query_api("heat-api-cfn", conf)
    try:
        assert url.endswith("/v1")
        cfn = _boto3("cloudformation", url, bootstrapped)
        stack_id = cfn.create_stack(StackName="viacfn", TemplateBody=TEMPLATE)["StackId"]
        cfn.get_waiter("stack_create_complete").wait(
            StackName=stack_id, WaiterConfig={"Delay": 0.2, "MaxAttempts": 300}
        )
        (stack,) = cfn.describe_stacks(StackName="viacfn")["Stacks"]
        assert (stack["StackId"], stack["StackStatus"]) == (stack_id, "CREATE_COMPLETE")
        assert len(stack["Outputs"][0]["OutputValue"]) == 6
        cfn.delete_stack(StackName=stack_id)
        cfn.get_waiter("stack_delete_complete").wait(
            StackName=stack_id, WaiterConfig={"Delay": 0.2, "MaxAttempts": 300}
        )
    finally:
        stop(proc, None)  # heat-api-cfn has never said anything as it stops


def test_cloudwatch_api_on_rabbitmq_stores_metric_data_with_an_ec2_key(split):
    _, conf, bootstrapped, _ = split
    proc, url = _start_query_api("heat-api-cloudwatch", conf)
    try:
        assert url.endswith("/v1")
        cloudwatch = _boto3("cloudwatch", url, bootstrapped)
        cloudwatch.put_metric_data(
            Namespace="system/linux", MetricData=[{"MetricName": "MemoryUtilization", "Value": 42}]
        )
        metrics = cloudwatch.list_metrics(Namespace="system/linux")["Metrics"]
        assert [m["MetricName"] for m in metrics] == ["MemoryUtilization"]
        assert cloudwatch.describe_alarms()["MetricAlarms"] == []
    finally:
        stop(proc, None)
