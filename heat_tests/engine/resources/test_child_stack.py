"""Tests for heat.engine.resources.child_stack: reading a child stack's state, on a real engine."""

import json
import time
from types import SimpleNamespace

import pytest

from heat.engine.nested import NestedStacks
from heat.engine.resources import child_stack
from heat.engine.resources.child_stack import ChildStackFailed
from heat.engine.template import Template


def template(**properties) -> Template:
    return Template(
        {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Resources": {"Thing": {"Type": "OS::Heat::TestResource", "Properties": properties}},
        }
    )


@pytest.fixture
def context(engine, ctx):
    """A parent stack's view of its children, as plugins get it (context.stacks)."""
    parent_id = engine.create_stack(ctx, "parent", json.dumps(template().data))["stack_id"]
    assert engine.wait(parent_id, 30)
    return SimpleNamespace(stacks=NestedStacks(engine, engine.db.stacks.get(parent_id)))


def wait_for(check, timeout=30):
    """Poll `check()` (a child_stack function) until it answers True."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_child_settles_once_its_action_completes(engine, context):
    child_id = context.stacks.create("Child", template(checks=5), {})
    wait_for(lambda: child_stack.settled(context, child_id, "CREATE"))
    assert engine.db.stacks.get(child_id)["status"] == "COMPLETE"


def test_a_failed_child_raises_its_root_cause(context):
    child_id = context.stacks.create("Child", template(fail=True), {})
    with pytest.raises(ChildStackFailed) as caught:
        wait_for(lambda: child_stack.settled(context, child_id, "CREATE"))
    assert str(caught.value) == (
        f"nested stack {child_id}: Resource Thing: CREATE failed: TestResourceFailure: "
        "Thing failed on create as told"
    )


def test_waiting_for_an_action_the_child_is_not_in_fails(context):
    child_id = context.stacks.create("Child", template(), {})
    wait_for(lambda: child_stack.settled(context, child_id, "CREATE"))
    with pytest.raises(ChildStackFailed, match=f"^nested stack {child_id}: "):
        child_stack.settled(context, child_id, "UPDATE")


def test_a_deleted_child_is_gone_for_a_wait_and_done_for_a_delete(context):
    child_id = context.stacks.create("Child", template(), {})
    wait_for(lambda: child_stack.settled(context, child_id, "CREATE"))
    child_stack.start_delete(context, child_id)
    wait_for(lambda: child_stack.delete_complete(context, child_id))
    with pytest.raises(ChildStackFailed) as caught:
        child_stack.settled(context, child_id, "CREATE")
    assert str(caught.value) == f"nested stack {child_id} is gone"


def test_a_child_that_fails_to_delete_raises_its_root_cause(context):
    child_id = context.stacks.create("Child", template(fail_on=["delete"]), {})
    wait_for(lambda: child_stack.settled(context, child_id, "CREATE"))
    child_stack.start_delete(context, child_id)
    with pytest.raises(ChildStackFailed) as caught:
        wait_for(lambda: child_stack.delete_complete(context, child_id))
    assert str(caught.value) == (
        f"nested stack {child_id}: Resource Thing: DELETE failed: TestResourceFailure: "
        "Thing failed on delete as told"
    )


def test_without_a_child_there_is_nothing_to_delete(context):
    child_stack.start_delete(context, None)
    assert child_stack.delete_complete(context, None)
