"""Child stacks, as a parent stack's resources see them.

AWS::CloudFormation::Stack (and later the resources Heat builds as nested stacks: groups,
load balancers, databases) create, update, watch and delete a child stack through this
facade; the child is an ordinary stack row with parent_id and owner_resource set, run by
the same engine.
"""

from __future__ import annotations

import uuid

from heat.common import urlfetch
from heat.common.context import RequestContext
from heat.common.exception import StackNotFound
from heat.engine import template_format
from heat.engine.template import Template


class NestedStacks:
    """The child stacks of one parent stack."""

    def __init__(self, engine, parent_row: dict):
        self.engine = engine
        self.parent = parent_row
        self.ctx = RequestContext(parent_row["project_id"], parent_row.get("user_id") or "")

    def fetch(self, url: str) -> str:
        """A child template from TemplateURL (http/https, size and time limited)."""
        return urlfetch.fetch(
            url, template_format.DEFAULT_MAX_SIZE, self.engine.template_fetch_timeout
        )

    def create(
        self, resource_name: str, template_text, parameters: dict, timeout_mins: int | None = None
    ) -> str:
        """Start creating the child of `resource_name`; returns its stack id.

        The child does not roll itself back: when it fails it stays CREATE_FAILED with its
        root cause, and the parent's own rollback deletes it.
        """
        name = f"{self.parent['name']}-{resource_name}-{uuid.uuid4().hex[:12]}"
        created = self.engine.create_stack(
            self.ctx,
            name,
            _template(template_text),
            parameters,
            timeout_mins=timeout_mins,
            disable_rollback=True,
            parent=self.parent,
            owner_resource=resource_name,
        )
        return created["stack_id"]

    def update(
        self, child_id: str, template_text, parameters: dict, timeout_mins: int | None = None
    ) -> None:
        self.engine.update_stack(
            self.ctx,
            child_id,
            _template(template_text),
            parameters,
            timeout_mins=timeout_mins,
            disable_rollback=True,
        )

    def delete(self, child_id: str) -> bool:
        """Start deleting the child; False if it is already gone."""
        row = self.engine.db.stacks.get(child_id)
        if row is None or row["deleted_at"] is not None:
            return False
        self.engine.delete_stack(self.ctx, child_id)
        return True

    def state(self, child_id: str) -> tuple[str, str, str] | None:
        """(action, status, reason) of the child, or None once it is deleted."""
        row = self.engine.db.stacks.get(child_id)
        if row is None or row["deleted_at"] is not None:
            return None
        return row["action"], row["status"], row["status_reason"] or ""

    def outputs(self, child_id: str) -> dict:
        try:
            entries = self.engine.stack_outputs(self.ctx, child_id)
        except StackNotFound:
            return {}
        return {e["output_key"]: e["output_value"] for e in entries}


def _template(text) -> Template | str:
    return text if isinstance(text, Template) else Template.parse(text)
