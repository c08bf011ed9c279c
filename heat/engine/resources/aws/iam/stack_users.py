"""Where AWS::IAM::User and AWS::IAM::AccessKey keep their users and keys.

The keys a stack hands its servers must be accepted by whatever checks the signatures of
heat-api-cfn and heat-api-cloudwatch: Heat's own identity store with auth_mode = local
(`LocalStackUsers`, the default), Keystone's ec2tokens with auth_mode = keystone
(heat.engine.clients.stack_domain.KeystoneStackUsers). Both give the user only the
heat_stack_user role on the stack's project.
"""

from __future__ import annotations

from typing import Protocol

from heat.identity import STACK_USER


class StackUsers(Protocol):
    """Users of one stack and their EC2 keys."""

    def create_user(self, name: str, password: str, project_id: str) -> str:
        """A new user with the heat_stack_user role on `project_id`; its id."""

    def find_user(self, name: str) -> str | None:
        """The id of the stack user called `name`, None if there is none."""

    def delete_user(self, user_id: str) -> None:
        """Delete a user with every key it still has; a user already gone is no error."""

    def create_ec2_credentials(self, user_id: str, project_id: str) -> tuple[str, str]:
        """A new (access key, secret key) of `user_id` on `project_id`."""

    def delete_ec2_credentials(self, user_id: str, access_key: str) -> None:
        """Delete one key; a key already gone is no error."""


class LocalStackUsers:
    """Stack users in Heat's identity store (heat.identity.IdentityStore)."""

    def __init__(self, store):
        self.store = store

    def create_user(self, name: str, password: str, project_id: str) -> str:
        # No default project: the role on the stack's project is all the user has.
        user = self.store.create_user(name, password, None)
        self.store.grant(user.id, project_id, STACK_USER)
        return user.id

    def find_user(self, name: str) -> str | None:
        user = self.store.find_user(name)
        return None if user is None else user.id

    def delete_user(self, user_id: str) -> None:
        self.store.delete_user(user_id)

    def create_ec2_credentials(self, user_id: str, project_id: str) -> tuple[str, str]:
        return self.store.create_ec2_credentials(user_id, project_id)

    def delete_ec2_credentials(self, user_id: str, access_key: str) -> None:
        self.store.delete_ec2_credentials(access_key)


def stack_users_of(engine) -> StackUsers | None:
    """The engine's stack users: its `stack_users` when it was given one (a
    KeystoneStackUsers in keystone mode), else its identity store's, else None."""
    configured = getattr(engine, "stack_users", None)
    if configured is not None:
        return configured
    store = getattr(engine, "identity_store", None)
    return None if store is None else LocalStackUsers(store)
