"""Scaling policy URLs on the CFN port: POST runs the policy; a bad signature is 403."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from heat.common.context import RequestContext

TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Resources": {
        "Config": {
            "Type": "AWS::AutoScaling::LaunchConfiguration",
            "Properties": {"ImageId": "F17-x86_64-cfntools", "InstanceType": "m1.tiny"},
        },
        # An empty group: the policy runs without a cloud behind the engine.
        "Group": {
            "Type": "AWS::AutoScaling::AutoScalingGroup",
            "Properties": {
                "LaunchConfigurationName": {"Ref": "Config"},
                "MinSize": "0",
                "MaxSize": "0",
            },
        },
        "Up": {
            "Type": "AWS::AutoScaling::ScalingPolicy",
            "Properties": {
                "AutoScalingGroupName": {"Ref": "Group"},
                "AdjustmentType": "ChangeInCapacity",
                "ScalingAdjustment": "1",
            },
        },
    },
    "Outputs": {"Url": {"Value": {"Ref": "Up"}}},
}


def request(url: str, method: str = "POST") -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=b"" if method == "POST" else None, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_post_to_the_policy_url_runs_it(cfn_server, engine, keys):
    ctx = RequestContext(keys["a"].project_id, "user-a")
    stack_id = engine.create_stack(ctx, "scaled", json.dumps(TEMPLATE))["stack_id"]
    assert engine.wait(stack_id, 30)
    stack = engine.show_stack(ctx, stack_id)
    assert stack["stack_status"] == "CREATE_COMPLETE", stack["stack_status_reason"]
    policy_url = stack["outputs"][0]["output_value"]
    parts = urlsplit(policy_url)
    url = f"{cfn_server.url}{parts.path}?{parts.query}"

    assert request(url) == (200, b"")
    assert engine.wait(stack_id, 30)
    (event,) = [
        e for e in engine.list_events(ctx, stack_id, resource_name="Up") if "Signal" in e["reason"]
    ]
    assert event["reason"] == (
        "Signal received on the policy URL: not scaling: the group stays at 0 "
        "(MinSize 0, MaxSize 0)"
    )

    status, body = request(url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB"))
    assert status == 403
    assert b"<Code>AccessDenied</Code>" in body
    assert request(url.replace("%2FUp?", "%2FGroup?"))[0] == 403
    assert request(url.replace(stack_id, "0" * 36))[0] == 403
    assert request(url.split("?")[0])[0] == 403
    assert request(f"{cfn_server.url}/v1/signal/not-an-arn?Signature=x")[0] == 403
    assert request(url, "GET")[0] == 405
