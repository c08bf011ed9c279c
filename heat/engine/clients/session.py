"""Credentials for a cloud and the keystoneauth1 Session built from them.

`CloudCredentials` is plain data: the engine keeps one per stack (encrypting the secrets at
rest elsewhere) and builds a Session from it whenever it talks to the cloud. Password or
token authentication, Keystone v3 only.
"""

from __future__ import annotations

import dataclasses

from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

from heat.common.exception import InvalidInput


@dataclasses.dataclass(frozen=True)
class CloudCredentials:
    """Where a cloud is and who we are on it. `password` or `token` must be set."""

    auth_url: str
    username: str | None = None
    password: str | None = dataclasses.field(default=None, repr=False)
    token: str | None = dataclasses.field(default=None, repr=False)
    project_name: str | None = None
    project_id: str | None = None
    user_domain_name: str = "Default"
    project_domain_name: str = "Default"
    region_name: str | None = None
    interface: str = "public"
    cacert: str | None = None
    insecure: bool = False

    @classmethod
    def from_dict(cls, values: dict) -> CloudCredentials:
        """Credentials from a mapping such as LocalCloud.credentials() or a clouds.yaml auth
        block; unknown keys are an error, so a typo does not silently drop a setting."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise InvalidInput(f"unknown credential fields: {', '.join(unknown)}")
        return cls(**values)


def make_auth(creds: CloudCredentials):
    """The keystoneauth1 v3 plugin for `creds`: token auth if a token is given, else password."""
    scope = {
        "project_id": creds.project_id,
        "project_name": None if creds.project_id else creds.project_name,
        "project_domain_name": None if creds.project_id else creds.project_domain_name,
    }
    if creds.token:
        return v3.Token(auth_url=creds.auth_url, token=creds.token, **scope)
    if creds.password is None or not creds.username:
        raise InvalidInput("cloud credentials need a token, or a username and password")
    return v3.Password(
        auth_url=creds.auth_url,
        username=creds.username,
        password=creds.password,
        user_domain_name=creds.user_domain_name,
        **scope,
    )


def make_session(creds: CloudCredentials) -> ks_session.Session:
    """A Session for `creds`. TLS: `cacert` is the CA bundle; `insecure` skips verification."""
    verify: bool | str = True
    if creds.insecure:
        verify = False
    elif creds.cacert:
        verify = creds.cacert
    return ks_session.Session(auth=make_auth(creds), verify=verify)
