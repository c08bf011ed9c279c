"""What an alarm's actions do when it changes state.

An action is a URL or a resource reference:
  - a URL that names a stack resource the way Heat's signal URLs do
    (.../arn:openstack:heat::<project>:stacks/<name>/<id>/resources/<resource>...,
    quoted or not): the pre-signed URL of an AWS::AutoScaling::ScalingPolicy or the
    AlarmUrl of an OS::Heat::HARestarter;
  - the name or Ref of a resource in the alarm's own stack (old templates write
    {"Ref": "WebServerRestartPolicy"} in AlarmActions).
Either way the target is found in the database and acted on inside the engine; the engine
never calls itself over HTTP. What the target does is up to its plugin class:

    class ScalingPolicy(Resource):
        @staticmethod
        def alarm_action(engine, stack: dict, resource: dict, details: dict) -> None: ...

`details` holds the alarm's name, its previous and new state and the reason. A type whose
plugin has no alarm_action cannot be an alarm's action (the failure is logged).

Each action of a transition runs once; a failing action is logged and does not stop the
others (nor is it retried: the next transition fires again).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from urllib.parse import unquote, urlsplit

from heat.common.exception import NotFound, NotSupported, StackInProgress
from heat.engine.watch.evaluation import ALARM, INSUFFICIENT_DATA, OK, Transition

LOG = logging.getLogger(__name__)

ACTION_COLUMNS = {
    ALARM: "alarm_actions",
    OK: "ok_actions",
    INSUFFICIENT_DATA: "insufficient_data_actions",
}
_SIGNAL_TARGET = re.compile(
    r"arn:[^:/]+:heat::(?P<project>[^:/]*):stacks/(?P<stack>[^/]+)/(?P<id>[^/]+)"
    r"/resources/(?P<resource>[^/?&]+)"
)

# (engine, stack row, resource row, details) -> None; overrides a plugin's alarm_action.
Handler = Callable[[object, dict, dict, dict], None]


class ActionTargetNotFound(NotFound):
    pass


def parse_signal_url(url: str) -> tuple[str, str, str] | None:
    """(project id, stack id, resource name) named by a signal URL, or None."""
    parts = urlsplit(url)
    for text in (parts.path, parts.query):
        match = _SIGNAL_TARGET.search(unquote(text))
        if match:
            return match["project"], match["id"], unquote(match["resource"])
    return None


def resolve(db, alarm: dict, action: str) -> tuple[dict, dict]:
    """(stack row, resource row) an action of `alarm` points at, in the alarm's project."""
    if "://" in action:
        target = parse_signal_url(action)
        if target is None:
            raise ActionTargetNotFound(f"{action[:200]} is not the URL of a stack resource")
        project, stack_id, resource_name = target
        stack = db.stacks.get(stack_id)
        if (
            project != alarm["project_id"]
            or stack is None
            or stack["project_id"] != alarm["project_id"]
            or stack["deleted_at"] is not None
        ):
            raise ActionTargetNotFound(f"no stack {stack_id} for the action {action[:200]}")
        resource = db.resources.get_by_name(stack_id, resource_name)
        if resource is None:
            raise ActionTargetNotFound(f"no resource {resource_name} in stack {stack['name']}")
        return stack, resource
    if not alarm["stack_id"]:
        raise ActionTargetNotFound(f"{action[:200]} is neither a URL nor a resource of a stack")
    stack = db.stacks.get(alarm["stack_id"])
    for resource in db.resources.list(alarm["stack_id"]):
        if action in (resource["name"], resource["physical_resource_id"]):
            return stack, resource
    raise ActionTargetNotFound(f"no resource {action[:200]} in stack {stack['name']}")


class AlarmActions:
    """Runs the actions of alarm transitions for one engine."""

    def __init__(self, engine, handlers: dict[str, Handler] | None = None):
        self.engine = engine
        self.handlers: dict[str, Handler] = dict(handlers or {})
        # Actions refused because their stack was busy (a resize in progress): retried at
        # each evaluation while the alarm stays in the state that fired them, as AWS repeats
        # Auto Scaling actions. Kept in memory: an engine restart forgets them.
        self.busy: dict[tuple, Transition] = {}

    def fire(self, transition: Transition) -> int:
        """Run the actions of the state the alarm entered; returns how many succeeded."""
        alarm = transition.alarm
        if not alarm["actions_enabled"]:
            return 0
        done = 0
        for action in alarm[ACTION_COLUMNS[transition.new_state]] or ():
            if self._attempt(alarm, action, transition):
                done += 1
        return done

    def retry_busy(self) -> int:
        """Run again the actions a busy stack refused, where their alarm's state still holds."""
        done = 0
        for key, transition in list(self.busy.items()):
            alarm = transition.alarm
            current = self.engine.db.alarms.get(alarm["project_id"], alarm["name"])
            del self.busy[key]
            if current is None or current["state"] != transition.new_state:
                continue
            if not current["actions_enabled"]:
                continue
            if self._attempt(current, key[1], transition):
                done += 1
        return done

    def _attempt(self, alarm: dict, action: str, transition: Transition) -> bool:
        try:
            self.execute(alarm, action, transition)
            return True
        except StackInProgress:
            LOG.info("alarm %s: action %s waits: its stack is busy", alarm["name"], action[:200])
            self.busy[(alarm["id"], action)] = transition
            return False
        except Exception:  # one failing action must not stop the others, nor evaluation
            LOG.exception(
                "alarm %s (project %s): action %s for %s failed",
                alarm["name"],
                alarm["project_id"],
                action[:200],
                transition.new_state,
            )
            return False

    def execute(self, alarm: dict, action: str, transition: Transition) -> None:
        stack, resource = resolve(self.engine.db, alarm, action)
        details = {
            "alarm": alarm["name"],
            "previous": transition.old_state,
            "state": transition.new_state,
            "reason": transition.reason,
        }
        handler = self.handlers.get(resource["type"])
        if handler is None:
            plugin = self.engine.registry.get(resource["type"])
            handler = getattr(plugin, "alarm_action", None)
        if handler is None:
            raise NotSupported(
                f"{resource['name']} ({resource['type']}) cannot be the action of an alarm"
            )
        handler(self.engine, stack, resource, details)
