"""Stack users in Keystone: the "stack domain" of auth_mode = keystone.

With auth_mode = keystone the CFN and CloudWatch APIs ask Keystone's ec2tokens to check
signatures, so the keys AWS::IAM::AccessKey hands a stack's servers must be Keystone's. As
OpenStack Heat does, each stack user is made in a domain of its own (stack_user_domain_*)
by that domain's admin (stack_domain_admin), gets the heat_stack_user role on the stack's
project and EC2 credentials there (OS-EC2). Keeping them out of the operators' domains
means a stack user can never be mistaken for, or collide with, a person's account.
"""

from __future__ import annotations

from urllib.parse import quote

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from oslo_config import cfg

from heat.api.middleware import auth as auth_mw
from heat.engine.clients.errors import CloudRequestFailed
from heat.identity import STACK_USER

OPTS = [
    cfg.StrOpt(
        "stack_user_domain_id",
        help="Keystone domain (id) that holds the users of AWS::IAM::User resources when "
        "auth_mode = keystone. Takes precedence over stack_user_domain_name.",
    ),
    cfg.StrOpt(
        "stack_user_domain_name",
        help="Keystone domain (name) that holds the users of AWS::IAM::User resources when "
        "auth_mode = keystone.",
    ),
    cfg.StrOpt(
        "stack_domain_admin",
        help="A user of the stack user domain with the admin role on it: it creates and "
        "deletes stack users and their EC2 credentials.",
    ),
    cfg.StrOpt("stack_domain_admin_password", secret=True, help="stack_domain_admin's password."),
]


class KeystoneStackUsers:
    """heat.engine.resources.aws.iam.stack_users.StackUsers over Keystone v3's API.

    `session` is authenticated as the stack domain's admin, scoped to that domain: the
    domain's id comes from its token, so the domain may be configured by name.
    """

    def __init__(self, session: ks_session.Session, auth_url: str):
        self.session = session
        self.auth_url = auth_url.rstrip("/")

    @classmethod
    def from_conf(cls, conf: cfg.ConfigOpts, auth_url: str, *, verify=True) -> KeystoneStackUsers:
        """From the [DEFAULT] stack domain options (registered here if need be) and the
        Keystone v3 URL of the cloud."""
        conf.register_opts(OPTS)
        domain_id, domain_name = conf.stack_user_domain_id, conf.stack_user_domain_name
        if not (domain_id or domain_name):
            raise cfg.RequiredOptError("stack_user_domain_id")
        for name in ("stack_domain_admin", "stack_domain_admin_password"):
            if not conf[name]:
                raise cfg.RequiredOptError(name)
        domain = {"domain_id": domain_id} if domain_id else {"domain_name": domain_name}
        user_domain = (
            {"user_domain_id": domain_id} if domain_id else {"user_domain_name": domain_name}
        )
        auth = v3.Password(
            auth_url=auth_url,
            username=conf.stack_domain_admin,
            password=conf.stack_domain_admin_password,
            **user_domain,
            **domain,
        )
        return cls(ks_session.Session(auth=auth, verify=verify), auth_url)

    # -- StackUsers ----------------------------------------------------------------------

    def create_user(self, name: str, password: str, project_id: str) -> str:
        body = {"user": {"name": name, "password": password, "domain_id": self._domain_id()}}
        user_id = self._call("POST", "/users", json=body).json()["user"]["id"]
        try:
            role_id = self._role_id(STACK_USER)
            path = f"/projects/{_q(project_id)}/users/{_q(user_id)}/roles/{_q(role_id)}"
            self._call("PUT", path)
        except CloudRequestFailed:
            # The resource fails without an id to delete later: the user must not outlive it.
            self.delete_user(user_id)
            raise
        return user_id

    def find_user(self, name: str) -> str | None:
        params = {"name": name, "domain_id": self._domain_id()}
        users = self._call("GET", "/users", params=params).json()["users"]
        return users[0]["id"] if users else None

    def delete_user(self, user_id: str) -> None:
        # Keystone deletes a user's credentials with it.
        self._call("DELETE", f"/users/{_q(user_id)}", missing_ok=True)

    def create_ec2_credentials(self, user_id: str, project_id: str) -> tuple[str, str]:
        path = f"/users/{_q(user_id)}/credentials/OS-EC2"
        credential = self._call("POST", path, json={"tenant_id": project_id}).json()["credential"]
        return credential["access"], credential["secret"]

    def delete_ec2_credentials(self, user_id: str, access_key: str) -> None:
        path = f"/users/{_q(user_id)}/credentials/OS-EC2/{_q(access_key)}"
        self._call("DELETE", path, missing_ok=True)

    # -- Keystone ------------------------------------------------------------------------

    def _domain_id(self) -> str:
        try:
            domain_id = self.session.auth.get_access(self.session).domain_id
        except ks_exc.ClientException as exc:
            raise _failure(exc) from exc
        if not domain_id:
            raise CloudRequestFailed("Keystone: the stack domain admin's token has no domain")
        return domain_id

    def _role_id(self, name: str) -> str:
        roles = self._call("GET", "/roles", params={"name": name}).json()["roles"]
        if not roles:
            raise CloudRequestFailed(f'Keystone: no role "{name}"', 404)
        return roles[0]["id"]

    def _call(self, method: str, path: str, *, missing_ok: bool = False, **kwargs):
        try:
            return self.session.request(self.auth_url + path, method, **kwargs)
        except ks_exc.ClientException as exc:
            if missing_ok and isinstance(exc, ks_exc.NotFound):
                return None
            raise _failure(exc) from exc


def stack_users_for_auth_mode(conf: cfg.ConfigOpts, cloud) -> KeystoneStackUsers | None:
    """What an engine's stack users should be for `conf`: Keystone's stack domain on the
    cloud's Keystone (`cloud`: its CloudCredentials) with auth_mode = keystone; None (the
    local identity store, heat.engine.resources.aws.iam.stack_users) otherwise. An engine
    takes the result as its `stack_users`."""
    conf.register_opts(auth_mw.OPTS)
    if conf.auth_mode != "keystone":
        return None
    if cloud is None:
        # Keys made in Heat's own store would be refused by Keystone's ec2tokens.
        raise cfg.RequiredOptError("auth_url", cfg.OptGroup("cloud"))
    verify = False if cloud.insecure else (cloud.cacert or True)
    return KeystoneStackUsers.from_conf(conf, cloud.auth_url, verify=verify)


def _failure(exc: ks_exc.ClientException) -> CloudRequestFailed:
    """Keystone's own message (keystoneauth1 adds the status to the error body's)."""
    status = getattr(exc, "http_status", None)
    if status is None:
        return CloudRequestFailed(f"Keystone could not be reached: {type(exc).__name__}")
    return CloudRequestFailed(f"Keystone: {exc}", status)


def _q(part: str) -> str:
    return quote(part, safe="")
