"""What AutoScalingGroup and InstanceGroup share: their members, resizing, rolling updates.

Both plugins derive from `MemberGroup`, which declares what they have in common (the
launch configuration, load balancers and tags properties, the InstanceList attribute) and
implements the lifecycle hooks by running the plans of the `Group` it owns. A plugin turns
its own sizing properties into `create_members(capacity)` and `update_members(...)`; the
Group (composed, not inherited) makes the plans, run from the check hooks (members.Plan) one
child stack operation at a time.
"""

from __future__ import annotations

import math
import re
from typing import ClassVar

from heat.common.exception import InvalidInput
from heat.engine import attributes, properties
from heat.engine.findings import format_path
from heat.engine.resource import Resource
from heat.engine.resources import child_stack, servers
from heat.engine.resources.aws.autoscaling import members as members_mod
from heat.engine.resources.aws.autoscaling.members import (
    ApplyMembers,
    Members,
    NotifyLoadBalancers,
    Pause,
    Plan,
)
from heat.engine.resources.property_schemas import STRINGS, key_value_list, stack_reference

# The properties both group types declare, and read here.
LAUNCH_CONFIGURATION_NAME = stack_reference(members_mod.LAUNCH_CONFIG_TYPE, update_allowed=True)
AVAILABILITY_ZONES = properties.Schema(properties.LIST, item=STRINGS)
LOAD_BALANCER_NAMES = properties.Schema(
    properties.LIST,
    item=STRINGS,
    update_allowed=True,
    description="AWS::ElasticLoadBalancing::LoadBalancer resources of this stack.",
)


def tags_schema(extra_keys=None) -> properties.Schema:
    """Tags: Key/Value items (and `extra_keys`) that every member gets as server metadata."""
    return key_value_list(
        "Tags, given to every member as server metadata.",
        update_allowed=True,
        extra_keys=extra_keys,
    )


_DURATION = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$")


def pause_seconds(text: str, where: tuple) -> int:
    """An ISO 8601 duration as UpdatePolicy PauseTime gives it (PT1M30S) in seconds."""
    match = _DURATION.match(str(text or "PT0S"))
    if not match or str(text) == "PT":
        raise InvalidInput(f'{format_path(where)}: "{text}" is not a duration like PT1M30S')
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


class RollingPolicy:
    """MaxBatchSize, MinInstancesInService and PauseTime of a rolling update."""

    def __init__(self, batch: int, min_in_service: int, pause: int):
        self.batch = batch
        self.min_in_service = min_in_service
        self.pause = pause

    @classmethod
    def from_update_policy(cls, policy: dict | None, key: str, name: str) -> RollingPolicy | None:
        """The policy under UpdatePolicy[key], or None (then all members are replaced at once)."""
        section = (policy or {}).get(key)
        if section is None:
            return None
        where = ("Resources", name, "UpdatePolicy", key)
        if not isinstance(section, dict):
            raise InvalidInput(f"{format_path(where)}: must be a mapping")
        unknown = sorted(set(section) - {"MaxBatchSize", "MinInstancesInService", "PauseTime"})
        if unknown:
            raise InvalidInput(f'{format_path((*where, unknown[0]))}: unknown key "{unknown[0]}"')
        numbers = {}
        for field, default, least in (("MaxBatchSize", 1, 1), ("MinInstancesInService", 0, 0)):
            value = section.get(field, default)
            try:
                numbers[field] = int(value)
            except (TypeError, ValueError):
                numbers[field] = None
            if numbers[field] is None or numbers[field] < least:
                raise InvalidInput(
                    f"{format_path((*where, field))}: must be an integer of at least {least}"
                )
        pause = pause_seconds(section.get("PauseTime", "PT0S"), (*where, "PauseTime"))
        return cls(numbers["MaxBatchSize"], numbers["MinInstancesInService"], pause)


class Group:
    """The member machinery of one group plugin."""

    def __init__(self, plugin, tag_key: str):
        self.plugin = plugin
        self.tag_key = tag_key  # the metering tag naming the group (for alarms and meters)

    # -- what the members are --

    def member_body(self, props) -> dict:
        ref = props["LaunchConfigurationName"]
        where = (*props.path, "LaunchConfigurationName")
        return members_mod.launch_config_body(self.plugin.context, ref, where)

    def member_tags(self, props=None) -> list[dict]:
        """The group's tags as members' Tags, with the metering tag unless the user set one."""
        props = props if props is not None else self.plugin.properties
        tags = [
            {"Key": str(t["Key"]), "Value": str(t["Value"])}
            for t in props.get("Tags") or ()
            if str(t.get("PropagateAtLaunch", "true")).lower() != "false"
        ]
        if not any(t["Key"].startswith("metering.") for t in tags):
            tags.append({"Key": self.tag_key, "Value": self.plugin.reference_id()})
        return tags

    def outputs(self) -> dict:
        child = self.plugin.data.get("nested")
        return self.plugin.context.stacks.outputs(child) if child else {}

    def instance_ids(self) -> list[str]:
        return list(self.outputs().get("InstanceIds") or [])

    def instance_list(self) -> str:
        """InstanceList: the members' addresses, comma-separated, oldest member first."""
        return ",".join(ip or "" for ip in self.outputs().get("PublicIps") or [])

    def capacity(self) -> int:
        return len(Members(self.plugin))

    # -- plans --

    def create_plan(self, props, capacity: int, load_balancers) -> Plan:
        body = self.member_body(props)
        plan = Plan([ApplyMembers(self, lambda m: m.resize(capacity, body))])
        if load_balancers:
            plan.add(NotifyLoadBalancers(self, load_balancers))
        return plan

    def resize_plan(self, capacity: int, load_balancers) -> Plan:
        """Resize with the definition of the newest members (a policy's adjustment)."""
        members = Members(self.plugin)
        newest = self.plugin.data["members"][-1][1] if len(members) else None
        body = self.plugin.data["configs"].get(newest) if newest else None
        if body is None:
            body = self.member_body(self.plugin.properties)
        plan = Plan([ApplyMembers(self, lambda m: m.resize(capacity, body))])
        if load_balancers:
            plan.add(NotifyLoadBalancers(self, load_balancers))
        return plan

    def update_plan(self, props, capacity: int, max_size: int, load_balancers, rolling):
        """Resize to `capacity`, then replace members of an older definition in batches.

        Without a rolling policy every outdated member is replaced in one batch (as Heat
        did). Within a batch the new members are created before the old ones are deleted, so
        the group never has fewer than `capacity` members in service during an update.
        """
        body = self.member_body(props)
        key = members_mod.config_key(body)
        members = Members(self.plugin)
        plan = Plan([ApplyMembers(self, lambda m: m.resize(capacity, body))])
        if load_balancers:
            plan.add(NotifyLoadBalancers(self, load_balancers))
        # The oldest go first when shrinking, and the outdated ones are the oldest.
        removed = max(len(members) - capacity, 0)
        outdated = max(len(members.outdated(key)) - removed, 0)
        if not outdated:
            return plan
        if rolling is not None and rolling.min_in_service >= max_size:
            raise InvalidInput(
                f"{format_path(('Resources', self.plugin.name, 'UpdatePolicy'))}: "
                f"MinInstancesInService ({rolling.min_in_service}) must be less than the "
                f"group's maximum size ({max_size})"
            )
        batch = rolling.batch if rolling else outdated
        for number in range(math.ceil(outdated / batch)):
            if number and rolling.pause:
                plan.add(Pause(rolling.pause))
            plan.add(ApplyMembers(self, lambda m, n=batch: m.replace(m.outdated(key)[:n], body)))
            if load_balancers:
                plan.add(NotifyLoadBalancers(self, load_balancers))
        return plan

    # -- delete --

    def start_delete(self) -> None:
        child_stack.start_delete(self.plugin.context, self.plugin.data.get("nested"))

    def delete_complete(self) -> bool:
        return child_stack.delete_complete(self.plugin.context, self.plugin.data.get("nested"))


def _load_balancers(props) -> list[str]:
    return props["LoadBalancerNames"] or []


class MemberGroup(Resource):
    """The base of the group plugins: lifecycle hooks that run their Group's plans.

    A subclass declares its properties (LaunchConfigurationName, LoadBalancerNames and Tags
    among them: the Group reads those), the `metering_tag` naming the group on its members
    and the UpdatePolicy key of its rolling updates, and implements handle_create and
    handle_update by sizing the group from its own properties.
    """

    attributes_schema = {
        "InstanceList": attributes.Attribute("The members' IP addresses, comma-separated."),
    }
    metering_tag: ClassVar[str]
    rolling_update_key: ClassVar[str]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.group = Group(self, self.metering_tag)

    def create_members(self, capacity: int) -> Plan:
        """handle_create's plan: the first `capacity` members."""
        props = self.properties
        self.physical_id = servers.server_name(self.context.stack_name, self.name)
        return self.group.create_plan(props, capacity, _load_balancers(props))

    def update_members(self, new_properties, capacity: int, max_size: int) -> Plan:
        """handle_update's plan: resize to `capacity`, then roll members onto a new launch
        configuration per the UpdatePolicy (`max_size` bounds MinInstancesInService)."""
        rolling = RollingPolicy.from_update_policy(
            getattr(self, "update_policy", None), self.rolling_update_key, self.name
        )
        plan = self.group.update_plan(
            new_properties, capacity, max_size, _load_balancers(new_properties), rolling
        )
        self.properties = new_properties
        return plan

    def check_create_complete(self, plan) -> bool:
        return plan.run()

    def check_update_complete(self, plan) -> bool:
        return plan.run()

    def handle_delete(self):
        self.group.start_delete()

    def check_delete_complete(self, token) -> bool:
        return self.group.delete_complete()

    def resolve_attribute(self, name):
        return self.group.instance_list()
