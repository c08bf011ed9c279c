"""OS::Heat::HARestarter: replaces a server when an alarm fires (Heat's HA for instances).

Ref (and the AlarmUrl attribute) is a URL naming this resource, for an alarm's AlarmActions;
an alarm whose action it is runs alarm_action() inside the engine when it goes to ALARM.
The restart is a stack update with the stack's own template in which the instance is
marked for replacement: a new server is created, what refers to the instance follows it,
and the old server is deleted, as any replacement during an update.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from heat.common.context import RequestContext
from heat.common.exception import NotFound
from heat.engine import attributes, properties
from heat.engine.resource import Resource
from heat.engine.watch.evaluation import ALARM

LOG = logging.getLogger(__name__)
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def alarm_url(base_url: str, stack_arn: str, resource_name: str) -> str:
    """The URL by which alarms name a resource of a stack (heat.engine.watch.actions)."""
    target = quote(f"{stack_arn}/resources/{resource_name}", safe="")
    return f"{base_url.rstrip('/')}/v1/signal/{target}"


class HARestarter(Resource):
    """Replaces the instance InstanceId when one of its alarms goes to ALARM."""

    type_name = "OS::Heat::HARestarter"
    description = "Replaces an instance of this stack when an alarm naming it goes to ALARM."
    properties_schema = {
        "InstanceId": properties.Schema(
            properties.STRING,
            required=True,
            update_allowed=True,  # follows the instance when it is replaced
            description="The instance (Ref of an AWS::EC2::Instance of this stack).",
        ),
    }
    attributes_schema = {"AlarmUrl": attributes.Attribute("The URL for an alarm's actions.")}

    def handle_create(self):
        settings = self.context.userdata_settings
        base = settings.metadata_server_url if settings is not None else DEFAULT_BASE_URL
        self.physical_id = alarm_url(base, self.context.identity.arn(), self.name)
        return None

    def resolve_attribute(self, name: str):
        return self.physical_id

    @staticmethod
    def alarm_action(engine, stack: dict, resource: dict, details: dict) -> None:
        """Replace the instance (an alarm's action; only ALARM restarts)."""
        if details["state"] != ALARM:
            LOG.info(
                "%s: alarm %s is %s: nothing to do",
                resource["name"],
                details["alarm"],
                details["state"],
            )
            return
        instance_id = (resource["properties_data"] or {}).get("InstanceId")
        victim = next(
            (
                row
                for row in engine.db.resources.list(stack["id"])
                if instance_id and row["physical_resource_id"] == instance_id
            ),
            None,
        )
        if victim is None:
            raise NotFound(
                f"{resource['name']}: no instance {instance_id} in stack {stack['name']}"
            )
        reason = (
            f"Alarm {details['alarm']} went to ALARM: {resource['name']} replaces {victim['name']}"
        )
        engine.db.resources.add_event(
            stack_id=stack["id"],
            name=resource["name"],
            type=resource["type"],
            action=resource["action"],
            status=resource["status"],
            reason=reason,
            physical_resource_id=resource["physical_resource_id"],
        )
        ctx = RequestContext(stack["project_id"], stack.get("user_id") or "")
        engine.update_stack(ctx, stack["id"], replace=(victim["name"],), replace_reason=reason)


RESOURCE_TYPES = (HARestarter,)
