"""Scaling from alarms end to end, on the catalogue's heat-all: examples/autoscaling_alarms.yaml
created with the `heat` CLI; the real cfn-push-stats, with the stack user's keys from the
launch configuration's metadata (what cfn-init writes to /etc/cfn/cfn-credentials in each
server), reports high memory use to the high alarm: it goes to ALARM, its scale-up policy
runs and localcloud has one more server in the group; low values to the low alarm remove
one again. Alarms are evaluated every 0.2 s (conftest.py), so this takes seconds."""

from __future__ import annotations

import json
import os
import pathlib
import time

from heat_tests.api.cloudwatch.test_push_stats import CFN_PUSH_STATS, push_stats
from heat_tests.catalogue.conftest import KEY_NAME
from heat_tests.catalogue.test_templates import cloud_state
from heat_tests.cmd.processes import event_lines
from heat_tests.fixtures.ec2_keys import Key

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "autoscaling_alarms.yaml"
GROUP_TAG = "metering.AutoScalingGroupName"
STACK = "scaling"


def _out(done) -> str:
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    return done.stdout


def members(deployment, group: str) -> list:
    return [s for s in deployment.nova.servers.list() if s.metadata.get(GROUP_TAG) == group]


def wait_members(deployment, group: str, count: int, timeout: float = 30.0) -> list:
    deadline = time.monotonic() + timeout
    while True:
        found = members(deployment, group)
        if len(found) == count or time.monotonic() > deadline:
            assert len(found) == count, [s.name for s in found]
            return found
        time.sleep(0.2)


def settled(deployment, timeout: float = 30.0) -> None:
    """Wait until the group's resize is over (UPDATE_COMPLETE)."""
    deadline = time.monotonic() + timeout
    while True:
        status = deployment.api.resources.get(STACK, "WebServerGroup").resource_status
        if status == "UPDATE_COMPLETE" or time.monotonic() > deadline:
            assert status == "UPDATE_COMPLETE"
            return
        time.sleep(0.1)


def credentials(metadata: dict) -> Key:
    """The keys cfn-init would write to /etc/cfn/cfn-credentials."""
    files = metadata["AWS::CloudFormation::Init"]["config"]["files"]
    content = files["/etc/cfn/cfn-credentials"]["content"]
    values = dict(line.split("=", 1) for line in content.splitlines())
    return Key(values["AWSAccessKeyId"], values["AWSSecretKey"], "")


def test_alarms_scale_the_group_out_and_in(deployment, tmp_path):
    assert os.path.exists(CFN_PUSH_STATS), "heat-cfntools is not installed"
    heat = deployment.heat
    before, identity_before = cloud_state(deployment), deployment.identity()
    parameters = f"KeyName={KEY_NAME};Cooldown=0;Period=60"
    out = _out(heat("stack-create", STACK, "-f", str(EXAMPLE), "-P", parameters, "--wait"))
    assert out.splitlines()[-1] == f"Stack {STACK} CREATE_COMPLETE"

    group = deployment.api.resources.get(STACK, "WebServerGroup").physical_resource_id
    (first,) = wait_members(deployment, group, 1)
    high = _out(heat("output-show", STACK, "AlarmHigh")).strip()
    low = _out(heat("output-show", STACK, "AlarmLow")).strip()
    assert high.startswith(f"{STACK}-MEMAlarmHigh-") and low.startswith(f"{STACK}-MEMAlarmLow-")
    key = credentials(json.loads(_out(heat("resource-metadata", STACK, "LaunchConfig"))))

    def report(alarm: str, value: str) -> None:
        done, log = push_stats(
            tmp_path, deployment.host, key, "--watch", alarm,
            "--metric", "MemoryUtilization", "--units", "Percent", "--value", value,
        )  # fmt: skip
        assert (done.returncode, done.stderr) == (0, ""), log

    report(high, "80")
    grown = wait_members(deployment, group, 2)
    settled(deployment)
    assert first.id in {s.id for s in grown}
    # The scale-up is over before the load drops: a policy run while the group still resizes
    # is refused (StackInProgress), and the alarm, already in ALARM, does not run it again
    # (actions run on state changes only; AWS repeats Auto Scaling actions every minute).
    settled(deployment)
    report(low, "5")
    (last,) = wait_members(deployment, group, 1)

    events = event_lines(_out(heat("event-list", STACK)))
    assert [name for name, status, _ in events if status == "UPDATE_COMPLETE"] == [
        "WebServerGroup",
        "WebServerGroup",
    ]
    addresses = _out(heat("output-show", STACK, "ServerAddresses")).strip()
    assert addresses == next(iter(last.addresses.values()))[0]["addr"]

    out = _out(heat("stack-delete", "-y", "--wait", STACK))
    assert out.splitlines()[-1] == f"Stack {STACK} DELETE_COMPLETE"
    assert cloud_state(deployment) == before
    assert deployment.identity() == identity_before
