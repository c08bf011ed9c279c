"""AWS::CloudFormation::WaitConditionHandle and AWS::CloudFormation::WaitCondition.

A handle's Ref is a pre-signed URL (heat.engine.signals) that a server PUTs its signal to
with cfn-signal; the wait condition names the handle and is created once Count SUCCESS
signals have arrived. Waiting is a check on the engine's timers that counts the handle's
stored signals, so it holds no thread and survives nothing it should not: a FAILURE signal
or the Timeout fails the wait condition, and with it (rollback) the stack.
"""

from __future__ import annotations

import json
import secrets
import time

from heat.common.exception import InvalidInput
from heat.engine import attributes, properties, signals
from heat.engine.resource import Resource
from heat.engine.resources import servers
from heat.engine.resources.property_schemas import stack_reference

MAX_TIMEOUT = 43200  # 12 hours, as CloudFormation


def _base_url(context) -> str:
    settings = getattr(context, "userdata_settings", None) or servers._default_settings()
    return settings.waitcondition_server_url


class WaitConditionHandle(Resource):
    """A URL to signal; the URL is the only credential needed, and it fits this handle only."""

    type_name = signals.HANDLE_TYPE
    description = "A pre-signed URL that servers signal (cfn-signal) to complete a WaitCondition."

    def handle_create(self):
        key = secrets.token_urlsafe(32)
        self.secrets[signals.SIGNING_KEY] = key
        url = signals.handle_url(_base_url(self.context), self.context.stack_id, self.name, key)
        self.data["url"] = url
        self.physical_id = url if len(url) <= 255 else self.name

    def reference_id(self):
        return self.data.get("url") or self.name

    def handle_delete(self):
        self.context.signals.clear(self.name)


class WaitCondition(Resource):
    """Waits for Count SUCCESS signals on its Handle, for at most Timeout seconds."""

    type_name = "AWS::CloudFormation::WaitCondition"
    description = "Created once its handle has received Count SUCCESS signals."
    properties_schema = {
        "Handle": stack_reference(signals.HANDLE_TYPE),
        "Timeout": properties.Schema(
            properties.INTEGER,
            required=True,
            min=1,
            max=MAX_TIMEOUT,
            description="Seconds to wait for the signals.",
        ),
        "Count": properties.Schema(
            properties.INTEGER, default=1, min=1, description="SUCCESS signals needed."
        ),
    }
    attributes_schema = {
        "Data": attributes.Attribute(
            "A JSON object of the Data of each SUCCESS signal, keyed by its UniqueId."
        ),
    }

    def _handle_name(self) -> str:
        stack_id, handle = signals.parse_handle_url(self.properties["Handle"])
        if stack_id != self.context.stack_id:
            raise InvalidInput(
                f"Resources.{self.name}.Properties.Handle: not a handle of this stack"
            )
        return handle

    def handle_create(self):
        self.data["handle"] = self._handle_name()
        self.data["deadline"] = time.time() + int(self.properties["Timeout"])

    def check_create_complete(self, token) -> bool:
        count = int(self.properties["Count"] or 1)
        received = self.context.signals.received(self.data["handle"])
        if signals.tally(received, count):
            return True
        if time.time() > self.data["deadline"]:
            successes = sum(1 for r in received if r["status"] == signals.SUCCESS)
            raise signals.SignalFailure(
                f"timed out after {self.properties['Timeout']} s waiting for signals: "
                f"{successes} of {count} SUCCESS signals received"
            )
        return False

    def resolve_attribute(self, name):
        handle = self.data.get("handle")
        if name != "Data" or handle is None:
            return None
        received = self.context.signals.received(handle)
        return json.dumps(
            {r["unique_id"]: r["data"] for r in received if r["status"] == signals.SUCCESS}
        )


RESOURCE_TYPES = (WaitConditionHandle, WaitCondition)
