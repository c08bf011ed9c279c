"""Stacks in REVIEW_IN_PROGRESS: made by a change set of type CREATE, created by executing one.

Such a stack has a row (so that DescribeStacks, ListStacks and DeleteStack know it), an
empty template, no parameters, no resources and no engine holding it. Only change sets
change it: UpdateStack and its preview refuse it, and executing one of its CREATE change
sets turns it into a stack being created from that change set's template.
"""

from __future__ import annotations

from heat.common.exception import InvalidInput
from heat.engine.resource import IN_PROGRESS

# The action of a stack that only CREATE change sets have made so far.
REVIEW = "REVIEW"
REVIEW_REASON = "User Initiated"  # what AWS says of a stack waiting for review
EMPTY_TEMPLATE = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}}


def refuse_in_review(row: dict, identity) -> None:
    """Refuse to update (or preview an update of) a stack that only a change set may create.

    `identity(project_id, name, stack_id)` gives the stack's StackIdentity.
    """
    if row["action"] == REVIEW:
        arn = identity(row["project_id"], row["name"], row["id"]).arn()
        raise InvalidInput(
            f"Stack:{arn} is in {REVIEW}_{IN_PROGRESS} state and can not be updated."
        )


def make_review_stack(db, ctx, name: str, stack_id: str) -> dict:
    """Store a stack waiting for review (with its first event, as AWS shows it); its row."""
    db.stacks.insert(
        {
            "id": stack_id,
            "name": name,
            "project_id": ctx.project_id,
            "user_id": ctx.user_id,
            "raw_template_id": db.templates.store(EMPTY_TEMPLATE),
            "parameters": {},
            "action": REVIEW,
            "status": IN_PROGRESS,
            "status_reason": REVIEW_REASON,
            "tags": [],
        }
    )
    db.stacks.set_state(stack_id, REVIEW, IN_PROGRESS, REVIEW_REASON, name=name)
    return db.stacks.get(stack_id)


def store_creation(db, row: dict, definition, tags, on_failure: str) -> None:
    """Give the reviewed stack of `row` the template, parameters and options it is to be
    created with (`on_failure`: DO_NOTHING, ROLLBACK or DELETE, as CreateStack's)."""
    parameters = definition.parameters
    db.stacks.update(
        row["id"],
        secret_parameters=parameters.no_echo_names(),
        raw_template_id=db.templates.store(definition.template.data),
        parameters=parameters.values(),
        disable_rollback=on_failure == "DO_NOTHING",
        on_failure=on_failure,
        tags=list(tags or ()),
    )
