"""Running a scaling policy: the engine operation behind its URL and alarm actions.

A policy runs under its stack's lock, like any stack operation: while the stack is being
created, updated or deleted (or another policy is resizing a group of it) the policy is
refused with StackInProgress rather than racing that operation. Within the lock, the
group's cooldown is checked, the new size computed and the group resized on the engine's
timers; the group goes UPDATE_IN_PROGRESS -> UPDATE_COMPLETE with events saying why.
"""

from __future__ import annotations

import hmac
import time

from heat.common.exception import (
    Conflict,
    Forbidden,
    InvalidInput,
    ResourceNotFound,
    StackInProgress,
)
from heat.engine.graph_run import GraphRun
from heat.engine.resource import COMPLETE, CREATE, IN_PROGRESS, UPDATE
from heat.engine.resources.aws.autoscaling import scaling_policy
from heat.engine.resources.aws.autoscaling.auto_scaling_group import AutoScalingGroup
from heat.engine.resources.aws.autoscaling.scaling_policy import ScalingPolicy

BAD_URL = "The scaling policy URL is not valid (signature or policy)"


def check_signature(db, stack_id: str, policy_name: str, signature: str) -> dict:
    """The stack row, if `signature` is the policy URL's; else Forbidden (the same answer
    for a missing stack, a missing policy and a wrong signature: it reveals nothing)."""
    row = db.stacks.get(stack_id) if stack_id else None
    resource = None
    if row is not None and row.get("deleted_at") is None:
        resource = db.resources.get_by_name(stack_id, policy_name)
    if resource is None or resource["type"] != ScalingPolicy.type_name:
        raise Forbidden(BAD_URL)
    key = db.resources.get_secrets(resource["id"]).get(scaling_policy.SIGNING_KEY)
    expected = scaling_policy.signature(key, stack_id, policy_name) if key else ""
    if not key or not hmac.compare_digest(expected, str(signature or "")):
        raise Forbidden(BAD_URL)
    return row


def execute(engine, row: dict, policy_name: str, cause: str, load, mark_busy) -> dict:
    """Run the policy `policy_name` of the stack `row`; returns what it did.

    {"result": "scaling", "capacity": new, "previous": old} when the group is being resized
    (engine.wait(stack id) waits for it), "cooldown" or "unchanged" when it is not.
    `load` makes a Stack of a row; `mark_busy()` returns the callback ending the operation.
    """
    stack_id = row["id"]
    if not engine.db.locks.acquire(stack_id, engine.engine_id):
        raise StackInProgress(row["name"], f"{row['action']}_{row['status']}")
    try:
        stack = load(engine.db.stacks.get(stack_id))
        policy_record, policy = _policy(stack, policy_name)
        group_record, group = _group(stack, policy_name, policy.properties["AutoScalingGroupName"])
        current = group.group.capacity()
        cooldown = policy.properties["Cooldown"]
        cooldown = group.cooldown() if cooldown is None else int(cooldown)
        last = group.data.get("last_scaled")
        waited = time.time() - last if last is not None else None
        if waited is not None and waited < cooldown:
            _event(
                stack,
                policy_record,
                f"{cause}: not scaling: the group is cooling down "
                f"({cooldown - waited:.0f} of {cooldown} s left)",
            )
            stack.release(None)
            return {"result": "cooldown", "capacity": current}
        minimum, maximum = group.size_limits()
        target = scaling_policy.new_capacity(
            current,
            policy.properties["AdjustmentType"],
            int(policy.properties["ScalingAdjustment"]),
            minimum,
            maximum,
        )
        if target == current:
            _event(
                stack,
                policy_record,
                f"{cause}: not scaling: the group stays at {current} "
                f"(MinSize {minimum}, MaxSize {maximum})",
            )
            stack.release(None)
            return {"result": "unchanged", "capacity": current}
        reason = f"{cause}: {policy_name} resizes the group from {current} to {target}"
        _event(stack, policy_record, reason)
    except Exception:
        engine.db.locks.release(stack_id, engine.engine_id)
        raise
    done = mark_busy()
    run = GraphRun(
        engine.scheduler,
        {group_record.name: ()},
        lambda name: _Resize(stack, group_record, target, reason),
        timeout=stack.timeout_seconds(),
        backoff=engine.backoff,
    )
    run.on_done(lambda outcome: stack.release(done))
    run.start()
    return {"result": "scaling", "capacity": target, "previous": current}


def _policy(stack, name: str):
    record = stack.records.get(name)
    if record is None or record.type != ScalingPolicy.type_name:
        raise ResourceNotFound(stack.name, name)
    if record.status != COMPLETE or record.action not in (CREATE, UPDATE):
        raise Conflict(f"Scaling policy {name} is {record.state}; it cannot run")
    return record, stack.steps.stored_plugin(record)


def _group(stack, policy_name: str, ref: str):
    for record in stack.records.values():
        if record.type == AutoScalingGroup.type_name and ref in (record.physical_id, record.name):
            if record.status != COMPLETE or record.action not in (CREATE, UPDATE):
                raise Conflict(
                    f"Auto scaling group {record.name} is {record.state}; "
                    f"{policy_name} cannot resize it"
                )
            return record, stack.steps.stored_plugin(record)
    raise InvalidInput(
        f"Resources.{policy_name}.Properties.AutoScalingGroupName: no "
        f'{AutoScalingGroup.type_name} "{ref}" in this stack'
    )


def _event(stack, record, reason: str) -> None:
    stack.db.resources.add_event(
        stack_id=stack.id,
        name=record.name,
        type=record.type,
        action=record.action,
        status=record.status,
        reason=stack.mask(reason),
        physical_resource_id=record.physical_id,
    )


class _Resize:
    """The group's resize as a GraphRun step: UPDATE_IN_PROGRESS until its plan has run."""

    def __init__(self, stack, record, capacity: int, reason: str):
        self.stack = stack
        self.record = record
        self.capacity = capacity
        self.reason = reason
        self.plan = None

    def start(self):
        steps, record = self.stack.steps, self.record
        try:
            steps.transition(record, UPDATE, IN_PROGRESS, self.stack.mask(self.reason))
            self.plan = record.plugin.resize_plan(self.capacity)
            steps.save_progress(record)
        except Exception as exc:
            raise steps.fail(record, UPDATE, exc) from exc
        return None

    def check(self) -> bool:
        steps, record = self.stack.steps, self.record
        try:
            if not self.plan.run():
                return False
            record.plugin.data["last_scaled"] = time.time()
            steps.transition(record, UPDATE, COMPLETE, "state changed")
        except Exception as exc:
            raise steps.fail(record, UPDATE, exc) from exc
        return True
