"""The members of a group (AutoScalingGroup, InstanceGroup): a nested stack of instances.

As in Heat, a group's servers are the AWS::EC2::Instance resources of a child stack whose
template the group writes: each member is the launch configuration's instance, with the
group's tags. Resizing rewrites that template (new members appended, the oldest removed
first) and updates the child; a new launch configuration replaces members in batches, new
ones created before the old ones of the batch are deleted.

The group keeps in its data the member list, oldest first, as [name, config key] pairs,
and the instance body of each config key still in use, so that members of an older launch
configuration keep exactly their definition until their batch comes.
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
from collections import deque

from heat.common.exception import InvalidInput, StackInProgress
from heat.engine.findings import format_path
from heat.engine.resources import child_stack
from heat.engine.template import Template

MEMBER_TYPE = "AWS::EC2::Instance"
LAUNCH_CONFIG_TYPE = "AWS::AutoScaling::LaunchConfiguration"
MEMBER_PREFIX = "Member"


# -- the stack around the group ---------------------------------------------------------------


def stack_rows(context) -> list[dict]:
    """The current resource rows of the group's own stack."""
    return context.stacks.engine.db.resources.list(context.stack_id)


def launch_config_body(context, ref: str, where: tuple) -> dict:
    """The member definition {"Properties", "Metadata"} of the launch configuration `ref`."""
    for row in stack_rows(context):
        if row["type"] == LAUNCH_CONFIG_TYPE and ref in (row["physical_resource_id"], row["name"]):
            body = (row["data"] or {}).get("member")
            if body is None:
                raise InvalidInput(
                    f'{format_path(where)}: launch configuration "{ref}" is not ready'
                )
            return copy.deepcopy(body)
    raise InvalidInput(f'{format_path(where)}: no {LAUNCH_CONFIG_TYPE} "{ref}" in this stack')


def config_key(body: dict) -> str:
    """What identifies a member definition: a change of it means replacing the member."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def check_sizes(path: tuple, minimum: int, maximum: int, desired: int | None) -> None:
    if minimum > maximum:
        raise InvalidInput(
            f"{format_path((*path, 'MinSize'))}: MinSize ({minimum}) is greater than "
            f"MaxSize ({maximum})"
        )
    if desired is not None and not minimum <= desired <= maximum:
        raise InvalidInput(
            f"{format_path((*path, 'DesiredCapacity'))}: DesiredCapacity ({desired}) must be "
            f"between MinSize ({minimum}) and MaxSize ({maximum})"
        )


# -- the member list -----------------------------------------------------------------------


class Members:
    """The group's member list and definitions, kept in the plugin's data."""

    def __init__(self, plugin):
        self.plugin = plugin
        data = plugin.data
        data.setdefault("members", [])
        data.setdefault("configs", {})
        data.setdefault("serial", 0)

    @property
    def data(self) -> dict:
        return self.plugin.data

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.data["members"]]

    def __len__(self) -> int:
        return len(self.data["members"])

    def outdated(self, key: str) -> list[str]:
        """Members (oldest first) whose definition is not `key`."""
        return [name for name, k in self.data["members"] if k != key]

    def _new_name(self) -> str:
        self.data["serial"] += 1
        return f"{MEMBER_PREFIX}{self.data['serial']}"

    def resize(self, capacity: int, body: dict) -> None:
        """Add members of `body` or remove the oldest until there are `capacity`."""
        members = self.data["members"]
        key = self._remember(body)
        while len(members) < capacity:
            members.append([self._new_name(), key])
        del members[: max(len(members) - capacity, 0)]
        self._forget_unused()

    def replace(self, names: list[str], body: dict) -> None:
        """Replace the named members with new members of `body` (appended: the newest)."""
        key = self._remember(body)
        members = self.data["members"]
        members[:] = [m for m in members if m[0] not in names]
        members.extend([self._new_name(), key] for _ in names)
        self._forget_unused()

    def _remember(self, body: dict) -> str:
        key = config_key(body)
        self.data["configs"][key] = body
        return key

    def _forget_unused(self) -> None:
        used = {k for _, k in self.data["members"]}
        for key in list(self.data["configs"]):
            if key not in used:
                del self.data["configs"][key]

    def template(self, tags: list[dict]) -> dict:
        """The child stack's template: one instance per member, and their ids and addresses."""
        resources = {}
        for name, key in self.data["members"]:
            body = copy.deepcopy(self.data["configs"][key])
            props = body.setdefault("Properties", {})
            props["Tags"] = list(props.get("Tags") or []) + list(tags)
            resources[name] = {"Type": MEMBER_TYPE, **body}
        names = self.names
        return {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": "The members of a group of instances.",
            "Resources": resources,
            "Outputs": {
                "InstanceIds": {"Value": [{"Ref": n} for n in names]},
                "PublicIps": {"Value": [{"Fn::GetAtt": [n, "PublicIp"]} for n in names]},
            },
        }


# -- the group's work, one action at a time from the check hooks -------------------------------


class Plan:
    """A queue of actions run one after the other; `run()` is True once all are done."""

    def __init__(self, actions=()):
        self.actions = deque(actions)
        self.current = None

    def add(self, action) -> Plan:
        self.actions.append(action)
        return self

    def run(self) -> bool:
        while True:
            if self.current is None:
                if not self.actions:
                    return True
                self.current = self.actions.popleft()
                self.current.start()
            if not self.current.done():
                return False
            self.current = None


class ApplyMembers:
    """Write the member list into the child stack (creating the child the first time).

    `change(members)` edits the member list just before the template is written, so a
    batch chooses its members when its turn comes, not when the plan is made.
    """

    def __init__(self, group, change):
        self.group = group
        self.change = change
        self.action = None

    def start(self) -> None:
        group = self.group
        members = Members(group.plugin)
        self.change(members)
        template = members.template(group.member_tags())
        stacks = group.plugin.context.stacks
        child = group.plugin.data.get("nested")
        if child is None:
            group.plugin.data["nested"] = stacks.create(group.plugin.name, Template(template), {})
            self.action = "CREATE"
        else:
            stacks.update(child, Template(template), {})
            self.action = "UPDATE"

    def done(self) -> bool:
        return child_stack.settled(
            self.group.plugin.context, self.group.plugin.data["nested"], self.action
        )


class NotifyLoadBalancers:
    """Give each load balancer of LoadBalancerNames the group's current members."""

    def __init__(self, group, names):
        self.group = group
        self.waiting = list(names)
        self.children: list[str] = []

    def start(self) -> None:
        self.ids = self.group.instance_ids()

    def done(self) -> bool:
        # A load balancer whose own stack is busy (its create, another group's change) is
        # asked again at the next check.
        from heat.engine.resources.aws.elb import load_balancer

        context = self.group.plugin.context
        for name in list(self.waiting):
            try:
                child = load_balancer.set_instances(context, name, self.ids)
            except StackInProgress:
                continue
            self.waiting.remove(name)
            if child is not None:
                self.children.append(child)
        if self.waiting:
            return False
        self.children = [c for c in self.children if not child_stack.settled(context, c, "UPDATE")]
        return not self.children


class Pause:
    """Wait `seconds` (UpdatePolicy PauseTime between batches) without holding a thread."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.until = 0.0

    def start(self) -> None:
        self.until = time.monotonic() + self.seconds

    def done(self) -> bool:
        return time.monotonic() >= self.until
