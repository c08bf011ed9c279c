"""AWS::AutoScaling::ScalingPolicy: a change of a group's size, triggered by URL or alarm.

The policy's Ref (and AlarmUrl attribute) is a pre-signed URL on the CFN port, shaped as
Heat's signal URLs are so that alarms recognise it:

    <metadata server>/v1/signal/<quoted arn:openstack:heat::<project>:stacks/<stack name>/
    <stack id>/resources/<policy name>>?Signature=...

The signature is an HMAC-SHA256 of exactly that stack id and policy name under a random key
kept as the policy's secret, so the URL is its own credential and fits this one policy only.
A POST to it (EngineService.signal_scaling_policy), an alarm action (alarm_action) or an
operator (EngineService.execute_scaling_policy) runs heat.engine.resources.aws.autoscaling.
scaling.execute.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
import secrets
from urllib.parse import quote, unquote, urlsplit

from heat.common.context import RequestContext
from heat.engine import attributes, properties
from heat.engine.resource import Resource
from heat.engine.resources import servers
from heat.engine.resources.aws.autoscaling.auto_scaling_group import AutoScalingGroup
from heat.engine.resources.property_schemas import stack_reference

CHANGE_IN_CAPACITY = "ChangeInCapacity"
EXACT_CAPACITY = "ExactCapacity"
PERCENT_CHANGE_IN_CAPACITY = "PercentChangeInCapacity"
ADJUSTMENT_TYPES = (CHANGE_IN_CAPACITY, EXACT_CAPACITY, PERCENT_CHANGE_IN_CAPACITY)
SIGNING_KEY = "signing_key"
SIGNAL_PATH = "/v1/signal/"
_ARN = re.compile(
    r"^arn:openstack:heat::(?P<project>[^:/]*):stacks/(?P<stack>[^/]+)/(?P<id>[^/]+)"
    r"/resources/(?P<resource>[^/]+)$"
)


def signature(key: str, stack_id: str, policy_name: str) -> str:
    """The URL-safe HMAC-SHA256 of one policy's identity under its key."""
    message = f"scalingpolicy\n{stack_id}\n{policy_name}".encode()
    digest = hmac.new(key.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def signed_url(base_url: str, context, policy_name: str, key: str) -> str:
    """The pre-signed URL of the policy `policy_name` of the stack `context` describes."""
    arn = (
        f"arn:openstack:heat::{context.project_id}:stacks/{context.stack_name}/"
        f"{context.stack_id}/resources/{policy_name}"
    )
    sig = signature(key, context.stack_id, policy_name)
    return f"{base_url.rstrip('/')}{SIGNAL_PATH}{quote(arn, safe='')}?Signature={sig}"


def parse_signal_path(path: str) -> tuple[str, str] | None:
    """(stack id, policy name) from the path of a policy URL, or None if it is not one."""
    if not path.startswith(SIGNAL_PATH):
        return None
    match = _ARN.match(unquote(path[len(SIGNAL_PATH) :]))
    return (match["id"], match["resource"]) if match else None


def url_target(url: str) -> tuple[str, str] | None:
    return parse_signal_path(urlsplit(url).path)


def new_capacity(current: int, kind: str, adjustment: int, minimum: int, maximum: int) -> int:
    """The group's size after an adjustment, within minimum..maximum.

    A percentage smaller than one member still moves the group by one (as AWS and Heat
    do); a larger one is truncated towards zero.
    """
    if kind == EXACT_CAPACITY:
        wanted = adjustment
    elif kind == PERCENT_CHANGE_IN_CAPACITY:
        delta = current * adjustment / 100.0
        if abs(delta) < 1.0:
            step = math.ceil(delta) if delta > 0 else math.floor(delta)
        else:
            step = math.floor(delta) if delta > 0 else math.ceil(delta)
        wanted = current + step
    else:
        wanted = current + adjustment
    return min(max(wanted, minimum), maximum)


class ScalingPolicy(Resource):
    """Resizes AutoScalingGroupName by ScalingAdjustment, at most once per Cooldown."""

    type_name = "AWS::AutoScaling::ScalingPolicy"
    description = "A resize of an auto scaling group; its Ref is a URL that triggers it."
    properties_schema = {
        "AutoScalingGroupName": stack_reference(AutoScalingGroup.type_name, update_allowed=True),
        "ScalingAdjustment": properties.Schema(
            properties.INTEGER, required=True, update_allowed=True
        ),
        "AdjustmentType": properties.Schema(
            properties.STRING,
            required=True,
            update_allowed=True,
            allowed_values=ADJUSTMENT_TYPES,
        ),
        "Cooldown": properties.Schema(
            properties.INTEGER,
            min=0,
            update_allowed=True,
            description="Seconds after the group's last scaling before this policy may act; "
            "the group's Cooldown when not given.",
        ),
    }
    attributes_schema = {
        "AlarmUrl": attributes.Attribute("The pre-signed URL that triggers the policy (POST)."),
    }

    def handle_create(self):
        key = secrets.token_urlsafe(32)
        self.secrets[SIGNING_KEY] = key
        settings = self.context.userdata_settings or servers._default_settings()
        url = signed_url(settings.metadata_server_url, self.context, self.name, key)
        self.data["url"] = url
        self.physical_id = url if len(url) <= 255 else self.name

    def reference_id(self):
        return self.data.get("url") or self.name

    def resolve_attribute(self, name):
        return self.data.get("url")

    @staticmethod
    def alarm_action(engine, stack: dict, resource: dict, details: dict) -> None:
        """An alarm's action: run the policy (heat.engine.watch.actions calls this)."""
        cause = f"Alarm {details.get('alarm')} went to {details.get('state')}"
        ctx = RequestContext(project_id=stack["project_id"], user_id="")
        engine.execute_scaling_policy(ctx, stack["id"], resource["name"], cause=cause)


RESOURCE_TYPES = (ScalingPolicy,)
