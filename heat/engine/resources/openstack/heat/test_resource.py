"""OS::Heat::TestResource: a resource whose timing and failures a template controls.

The engine's tests and benchmarks use it to create slow, failing or replacing resources
without any cloud.
"""

from __future__ import annotations

import time

from heat.engine import attributes, properties
from heat.engine.resource import Resource, UpdateReplace

ACTIONS = ("create", "update", "delete")


class TestResourceFailure(Exception):
    """The failure a TestResource was told to have."""


class TestResource(Resource):
    """Waits `wait_secs` (and/or `checks` polls) per action and fails where told to."""

    type_name = "OS::Heat::TestResource"
    description = "A test resource with controllable duration, failures and update behaviour."
    properties_schema = {
        "value": properties.Schema(properties.STRING, default="", update_allowed=True),
        "wait_secs": properties.Schema(
            properties.NUMBER,
            default=0,
            min=0,
            update_allowed=True,
            description="Seconds each action takes before its check reports it complete.",
        ),
        "checks": properties.Schema(
            properties.INTEGER,
            default=1,
            min=1,
            update_allowed=True,
            description="The check that reports completion (1 = the first, immediate one).",
        ),
        "fail": properties.Schema(
            properties.BOOLEAN,
            default=False,
            update_allowed=True,
            description="Fail create and update.",
        ),
        "fail_on": properties.Schema(
            properties.LIST,
            update_allowed=True,
            item=properties.Schema(properties.STRING, allowed_values=ACTIONS),
            description="The actions that fail (create, update, delete).",
        ),
        "update_replace": properties.Schema(
            properties.BOOLEAN,
            default=False,
            update_allowed=True,
            description="Replace the resource on update instead of updating it in place.",
        ),
    }
    attributes_schema = {
        "output": attributes.Attribute("The value property."),
        "value": attributes.Attribute("The value property."),
    }

    def _start(self, action: str, props) -> dict:
        return {
            "action": action,
            "deadline": time.monotonic() + props["wait_secs"],
            "checks": 0,
            "wanted": props["checks"],
            "props": props,
        }

    def _fails(self, action: str, props) -> bool:
        return action in (props["fail_on"] or ()) or (props["fail"] and action != "delete")

    def _check(self, token: dict) -> bool:
        token["checks"] += 1
        if token["checks"] < token["wanted"] or time.monotonic() < token["deadline"]:
            return False
        if self._fails(token["action"], token["props"]):
            raise TestResourceFailure(f"{self.name} failed on {token['action']} as told")
        return True

    def handle_create(self):
        self.physical_id = f"test-{self.name}"
        self.data["value"] = self.properties["value"]
        return self._start("create", self.properties)

    def check_create_complete(self, token) -> bool:
        return self._check(token)

    def handle_update(self, new_properties, changed):
        if new_properties["update_replace"]:
            raise UpdateReplace(self.name)
        self.properties = new_properties
        self.data["value"] = new_properties["value"]
        return self._start("update", new_properties)

    def check_update_complete(self, token) -> bool:
        return self._check(token)

    def handle_delete(self):
        return self._start("delete", self.properties)

    def check_delete_complete(self, token) -> bool:
        return self._check(token)

    def resolve_attribute(self, name):
        return self.data.get("value", self.properties["value"])


RESOURCE_TYPES = (TestResource,)
