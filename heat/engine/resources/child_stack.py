"""What the resources built as a nested stack share: waiting for their child, deleting it.

AWS::CloudFormation::Stack, the load balancer, the database and the groups each own one
child stack, made and run through the parent's heat.engine.nested.NestedStacks
(`context.stacks`). They differ in the template they give the child; how the child's state
is read is the same for all: the functions here take the child's id, wherever the plugin
keeps it. `ChildStackResource` is the base of the plugins whose physical id is that id.
"""

from __future__ import annotations

from heat.common.exception import InvalidInput
from heat.engine.resource import Resource


class ChildStackFailed(InvalidInput):
    """The child stack did not reach the state its parent's resource waited for."""


def settled(context, child_id: str, action: str) -> bool:
    """True once the child's `action` is COMPLETE, False while it is in progress.

    ChildStackFailed when it failed (with its root cause) or is gone.
    """
    state = context.stacks.state(child_id)
    if state is None:
        raise ChildStackFailed(f"nested stack {child_id} is gone")
    if state[:2] == (action, "COMPLETE"):
        return True
    if state[1] == "IN_PROGRESS":
        return False
    raise ChildStackFailed(f"nested stack {child_id}: {state[2]}")


def start_delete(context, child_id: str | None) -> None:
    """Start deleting the child, if there is one (a create may have failed before it)."""
    if child_id:
        context.stacks.delete(child_id)


def delete_complete(context, child_id: str | None) -> bool:
    """True once the child is deleted (or there never was one); ChildStackFailed if the
    delete failed."""
    if not child_id:
        return True
    state = context.stacks.state(child_id)
    if state is None or state[:2] == ("DELETE", "COMPLETE"):
        return True
    if state[1] == "FAILED":
        raise ChildStackFailed(f"nested stack {child_id}: {state[2]}")
    return False


class ChildStackResource(Resource):
    """A resource that is one child stack: its physical id is the child's stack id.

    A subclass makes the child in handle_create (`create_child`) and, if it has properties
    that change in place, updates it in handle_update (`update_child`); the check hooks wait
    for that, and deleting the resource deletes the child.
    """

    def create_child(self, template, parameters: dict, timeout_mins: int | None = None) -> None:
        """Start creating the child from `template` (a Template or template text)."""
        self.physical_id = self.context.stacks.create(self.name, template, parameters, timeout_mins)

    def update_child(self, template, parameters: dict, timeout_mins: int | None = None) -> None:
        """Start updating the child to `template` (a Template or template text)."""
        self.context.stacks.update(self.physical_id, template, parameters, timeout_mins)

    def child_outputs(self) -> dict:
        """The child's outputs, by name ({} once it is gone)."""
        return self.context.stacks.outputs(self.physical_id)

    def check_create_complete(self, token) -> bool:
        return settled(self.context, self.physical_id, "CREATE")

    def check_update_complete(self, token) -> bool:
        return settled(self.context, self.physical_id, "UPDATE")

    def handle_delete(self):
        start_delete(self.context, self.physical_id)

    def check_delete_complete(self, token) -> bool:
        return delete_complete(self.context, self.physical_id)
