"""Heat's local identity store (the default auth mode) and its Keystone v3 face."""

from heat.identity.store import (
    ADMIN,
    MEMBER,
    ROLES,
    STACK_USER,
    Bootstrap,
    Ec2Credential,
    IdentityStore,
    Project,
    Token,
    User,
)

__all__ = [
    "ADMIN",
    "MEMBER",
    "ROLES",
    "STACK_USER",
    "Bootstrap",
    "Ec2Credential",
    "IdentityStore",
    "Project",
    "Token",
    "User",
]
