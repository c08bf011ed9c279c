"""AWS::IAM::User and AWS::IAM::AccessKey: credentials for the servers of one stack.

A User is a user with only the heat_stack_user role on the stack's project (in Heat's
identity store, or in Keystone's stack domain with auth_mode = keystone: see stack_users),
recorded as belonging to this stack (heat.engine.signals.check_stack_access): its keys
reach this stack's resources through DescribeStackResource and SignalResource, and nothing
else. Policies naming OS::Heat::AccessPolicy resources narrow that to the resources they
allow. Deleting the User removes the user and every key it still has.
"""

from __future__ import annotations

import secrets

from heat.common.exception import InvalidInput
from heat.engine import attributes, properties
from heat.engine.resource import Resource
from heat.engine.resources.aws.iam.stack_users import StackUsers

ACCESS_POLICY = "OS::Heat::AccessPolicy"
NAME_MAX = 64  # IAM's limit on user names


def _stack_users(plugin) -> StackUsers:
    users = getattr(plugin.context, "stack_users", None)
    if users is None:
        raise InvalidInput(f"{plugin.type_name} needs an identity service, which is not set up")
    return users


def user_name(stack_name: str, resource_name: str) -> str:
    suffix = secrets.token_hex(4)
    room = NAME_MAX - len(suffix) - 2
    head = f"{stack_name}-{resource_name}"[:room]
    return f"{head}-{suffix}"


class User(Resource):
    """A user whose keys reach only this stack."""

    type_name = "AWS::IAM::User"
    description = "A user (heat_stack_user) whose credentials reach only this stack."
    properties_schema = {
        "Path": properties.Schema(properties.STRING, description="Accepted; not used."),
        "Groups": properties.Schema(
            properties.LIST, item=properties.Schema(properties.STRING), description="Not used."
        ),
        "LoginProfile": properties.Schema(
            properties.MAP,
            keys={"Password": properties.Schema(properties.STRING)},
            description="The user's password; a random one when not given.",
        ),
        "Policies": properties.Schema(
            properties.LIST,
            description="Names (Ref) of OS::Heat::AccessPolicy resources of this stack.",
        ),
    }

    def _policy_names(self) -> list[str]:
        names = []
        for position, policy in enumerate(self.properties["Policies"] or ()):
            where = f"Resources.{self.name}.Properties.Policies.{position}"
            if isinstance(policy, dict):
                self.warn(f"{where}: inline IAM policies are not enforced; use {ACCESS_POLICY}")
                continue
            row = self.context.signals.resource(str(policy))
            if row is None or row["type"] != ACCESS_POLICY:
                raise InvalidInput(f'{where}: "{policy}" is not an {ACCESS_POLICY} of this stack')
            names.append(str(policy))
        return names

    def handle_create(self):
        users = _stack_users(self)
        policies = self._policy_names()
        if self.properties["Groups"]:
            self.warn("Groups are not supported; the user is in no group")
        password = (self.properties["LoginProfile"] or {}).get("Password")
        name = user_name(self.context.stack_name, self.name)
        user_id = users.create_user(
            name, password or secrets.token_urlsafe(24), self.context.project_id
        )
        self.physical_id = name
        self.data["user_id"] = user_id
        self.context.signals.add_stack_user(user_id, self.name, policies)

    def handle_delete(self):
        user_id = self.data.get("user_id")
        if user_id is None:
            return None
        _stack_users(self).delete_user(user_id)
        self.context.signals.remove_stack_user(user_id)
        return None


class AccessKey(Resource):
    """An EC2-style key pair of a User of this stack: Ref is the access key id."""

    type_name = "AWS::IAM::AccessKey"
    description = "An access key of an AWS::IAM::User of this stack."
    properties_schema = {
        "UserName": properties.Schema(
            properties.STRING, required=True, description="The Ref of an AWS::IAM::User."
        ),
        "Serial": properties.Schema(properties.INTEGER, description="Change it to rotate."),
        "Status": properties.Schema(
            properties.STRING,
            default="Active",
            allowed_values=("Active", "Inactive"),
            description="An Inactive key is made but authenticates nothing.",
        ),
    }
    attributes_schema = {
        "UserName": attributes.Attribute("The user the key belongs to."),
        "SecretAccessKey": attributes.Attribute("The secret key.", secret=True),
    }

    def handle_create(self):
        users = _stack_users(self)
        name = self.properties["UserName"]
        user_id = users.find_user(name)
        entry = self.context.signals.stack_user(user_id) if user_id is not None else None
        if entry is None or entry["stack_id"] != self.context.stack_id:
            raise InvalidInput(
                f'Resources.{self.name}.Properties.UserName: "{name}" is not a user of this stack'
            )
        if self.properties["Status"] == "Inactive":
            # Shaped as real keys are (hex: see IdentityStore.create_ec2_credentials), known
            # to no identity service.
            access, secret = secrets.token_hex(16), secrets.token_hex(20)
        else:
            access, secret = users.create_ec2_credentials(user_id, self.context.project_id)
        self.physical_id = access
        self.data["user_id"] = user_id
        self.data["user_name"] = name
        self.secrets["secret_key"] = secret

    def handle_delete(self):
        users = getattr(self.context, "stack_users", None)
        if self.physical_id is not None and users is not None:
            # Keys made before user ids were kept here have none; the local store, the only
            # one they can be in, finds them by access key alone.
            users.delete_ec2_credentials(self.data.get("user_id", ""), self.physical_id)

    def resolve_attribute(self, name):
        if name == "SecretAccessKey":
            return self.secrets.get("secret_key")
        return self.data.get("user_name")


RESOURCE_TYPES = (User, AccessKey)
