"""The pseudo parameters of a stack (AWS::StackName, AWS::Region, ...) and AWS::NoValue.

Every stack has them without declaring them: `Ref` answers them from the stack's
`StackIdentity`, and a template may neither declare a parameter of their names nor be given
a value for one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PARTITION = "openstack"


class _NoValue:
    """The value of AWS::NoValue: a property or list item that resolves to it is dropped."""

    __slots__ = ()
    _instance: _NoValue | None = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NO_VALUE"

    def __reduce__(self):
        # Pickle and deepcopy by name, so that the sentinel stays the one object everywhere.
        return "NO_VALUE"


NO_VALUE: Any = _NoValue()


@dataclass(frozen=True)
class StackIdentity:
    """Who and where a stack is; the source of the pseudo parameters.

    `url_suffix` is the domain of the cloud's endpoints (AWS answers "amazonaws.com");
    a deployment sets its own, "openstack.local" is only a placeholder.
    """

    project_id: str
    stack_name: str
    stack_id: str
    region: str = "RegionOne"
    url_suffix: str = "openstack.local"
    notification_arns: tuple = ()

    def arn(self) -> str:
        """The stack's ARN, in the form Heat has always used (no region field)."""
        return f"arn:{PARTITION}:heat::{self.project_id}:stacks/{self.stack_name}/{self.stack_id}"


PSEUDO_PARAMETERS = frozenset(
    {
        "AWS::AccountId",
        "AWS::NotificationARNs",
        "AWS::NoValue",
        "AWS::Partition",
        "AWS::Region",
        "AWS::StackId",
        "AWS::StackName",
        "AWS::URLSuffix",
    }
)


def pseudo_value(name: str, identity: StackIdentity):
    """The value of the pseudo parameter `name` for the stack `identity` describes."""
    if name == "AWS::AccountId":
        return identity.project_id
    if name == "AWS::NotificationARNs":
        return list(identity.notification_arns)
    if name == "AWS::NoValue":
        return NO_VALUE
    if name == "AWS::Partition":
        return PARTITION
    if name == "AWS::Region":
        return identity.region
    if name == "AWS::StackId":
        return identity.arn()
    if name == "AWS::StackName":
        return identity.stack_name
    if name == "AWS::URLSuffix":
        return identity.url_suffix
    raise KeyError(name)
