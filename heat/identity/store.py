"""IdentityStore: Heat's own identity (projects, users, roles, tokens, EC2 credentials).

It lives in Heat's database (the identity_* tables) and is the default authority for both
APIs: heat-api checks X-Auth-Token here, heat-api-cfn looks up EC2 access keys here, and
heat.identity.keystone serves it as a Keystone v3 token API so keystoneauth1 clients log in.

Secrets never rest in clear text: passwords are scrypt hashes, tokens are stored as their
SHA-256 (the id is only ever known to the client), EC2 secrets are encrypted with the
deployment's key (heat.common.crypt), since signatures need the secret itself.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import secrets
import time
import uuid

import sqlalchemy as sa

from heat.common.context import RequestContext
from heat.common.crypt import Crypter
from heat.common.exception import AuthenticationFailed, Conflict, InvalidInput
from heat.db import models
from heat.identity import passwords

ADMIN, MEMBER, READER, STACK_USER = "admin", "member", "reader", "heat_stack_user"
ROLES = (ADMIN, MEMBER, READER, STACK_USER)
DOMAIN_ID, DOMAIN_NAME = "default", "Default"
DEFAULT_TOKEN_LIFETIME = 12 * 3600.0

_P = models.identity_project
_U = models.identity_user
_A = models.identity_assignment
_T = models.identity_token
_C = models.identity_ec2_credential


@dataclasses.dataclass(frozen=True)
class Project:
    id: str
    name: str
    description: str = ""
    enabled: bool = True


@dataclasses.dataclass(frozen=True)
class User:
    id: str
    name: str
    default_project_id: str | None = None
    enabled: bool = True


@dataclasses.dataclass(frozen=True)
class Token:
    """A live token; `project` is None for an unscoped one."""

    id: str = dataclasses.field(repr=False)
    user: User
    project: Project | None
    roles: tuple[str, ...]
    methods: tuple[str, ...]
    audit_id: str
    issued_at: float
    expires_at: float

    def context(self, region: str = "RegionOne") -> RequestContext:
        """The RequestContext of a request made with this token."""
        return RequestContext(
            project_id=self.project.id if self.project else "",
            user_id=self.user.id,
            roles=self.roles,
            auth_token=self.id,
            region=region,
        )


@dataclasses.dataclass(frozen=True)
class Ec2Credential:
    """An EC2-style key pair and whom it authenticates."""

    access_key: str
    secret: str = dataclasses.field(repr=False)
    project_id: str
    user_id: str
    roles: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class Bootstrap:
    """What `bootstrap()` created (or found)."""

    project: Project
    user: User
    password: str = dataclasses.field(repr=False)
    access_key: str
    secret_key: str = dataclasses.field(repr=False)


def _now() -> datetime.datetime:
    return models.utcnow()


def _to_ts(value: datetime.datetime) -> float:
    return value.replace(tzinfo=datetime.timezone.utc).timestamp()


def _from_ts(value: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(value, datetime.timezone.utc).replace(tzinfo=None)


def _token_hash(token_id: str) -> str:
    return hashlib.sha256(token_id.encode("utf-8")).hexdigest()


def _project(row) -> Project | None:
    if row is None:
        return None
    m = row._mapping
    return Project(m["id"], m["name"], m["description"] or "", bool(m["enabled"]))


def _user(row) -> User | None:
    if row is None:
        return None
    m = row._mapping
    return User(m["id"], m["name"], m["default_project_id"], bool(m["enabled"]))


class IdentityStore:
    """Projects, users, role assignments, tokens and EC2 credentials in Heat's database."""

    def __init__(
        self,
        engine: sa.Engine,
        crypter: Crypter,
        *,
        token_lifetime: float = DEFAULT_TOKEN_LIFETIME,
        clock=time.time,
    ):
        self.engine = engine
        self.crypter = crypter
        self.token_lifetime = token_lifetime
        self.clock = clock

    @classmethod
    def for_database(cls, db, **kwargs) -> IdentityStore:
        """The store on a heat.db.api.Database (its engine and encryption key)."""
        return cls(db.engine, db.crypter(), **kwargs)

    # -- projects ---------------------------------------------------------------------------

    def create_project(
        self, name: str, description: str = "", *, project_id: str | None = None
    ) -> Project:
        """A new project; its id is `project_id` if given (a seeded one), else a random one."""
        _check_name("project", name)
        project = Project(project_id or uuid.uuid4().hex, name, description)
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    _P.insert().values(
                        id=project.id,
                        name=name,
                        description=description,
                        enabled=True,
                        created_at=_now(),
                    )
                )
        except sa.exc.IntegrityError:
            raise Conflict(f"Project {name} already exists")
        return project

    def get_project(self, project_id: str) -> Project | None:
        with self.engine.connect() as conn:
            return _project(conn.execute(sa.select(_P).where(_P.c.id == project_id)).first())

    def find_project(self, name_or_id: str) -> Project | None:
        """The project with this id, else with this name, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(_P).where(_P.c.id == name_or_id)).first()
            if row is None:
                row = conn.execute(sa.select(_P).where(_P.c.name == name_or_id)).first()
        return _project(row)

    def list_projects(self) -> list[Project]:
        with self.engine.connect() as conn:
            return [_project(r) for r in conn.execute(sa.select(_P).order_by(_P.c.name))]

    # -- users ------------------------------------------------------------------------------

    def create_user(
        self,
        name: str,
        password: str,
        default_project_id: str | None = None,
        *,
        user_id: str | None = None,
    ) -> User:
        """A new user; its id is `user_id` if given (a seeded one), else a random one."""
        _check_name("user", name)
        _check_password(password)
        user = User(user_id or uuid.uuid4().hex, name, default_project_id)
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    _U.insert().values(
                        id=user.id,
                        name=name,
                        password_hash=passwords.hash_password(password),
                        default_project_id=default_project_id,
                        enabled=True,
                        created_at=_now(),
                    )
                )
        except sa.exc.IntegrityError:
            raise Conflict(f"User {name} already exists")
        return user

    def set_password(self, user_id: str, password: str) -> None:
        _check_password(password)
        with self.engine.begin() as conn:
            conn.execute(
                _U.update()
                .where(_U.c.id == user_id)
                .values(password_hash=passwords.hash_password(password))
            )

    def get_user(self, user_id: str) -> User | None:
        with self.engine.connect() as conn:
            return _user(conn.execute(sa.select(_U).where(_U.c.id == user_id)).first())

    def find_user(self, name_or_id: str) -> User | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(_U).where(_U.c.id == name_or_id)).first()
            if row is None:
                row = conn.execute(sa.select(_U).where(_U.c.name == name_or_id)).first()
        return _user(row)

    def list_users(self) -> list[User]:
        with self.engine.connect() as conn:
            return [_user(r) for r in conn.execute(sa.select(_U).order_by(_U.c.name))]

    def delete_user(self, user_id: str) -> bool:
        """Delete a user with its EC2 credentials, tokens and role assignments; False if
        there was no such user."""
        with self.engine.begin() as conn:
            for table in (_C, _T, _A):
                conn.execute(table.delete().where(table.c.user_id == user_id))
            return bool(conn.execute(_U.delete().where(_U.c.id == user_id)).rowcount)

    def authenticate(self, password: str, *, name: str | None = None, user_id: str | None = None):
        """The enabled user with this name (or id) and password, else None.

        An unknown user costs the same KDF time as a wrong password: no user enumeration.
        """
        column, value = (_U.c.id, user_id) if user_id is not None else (_U.c.name, name)
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(_U).where(column == value)).first()
        stored = row._mapping["password_hash"] if row is not None else passwords.DUMMY_HASH
        ok = passwords.verify_password(str(password), stored)
        if row is None or not ok or not row._mapping["enabled"]:
            return None
        return _user(row)

    # -- roles ------------------------------------------------------------------------------

    def grant(self, user_id: str, project_id: str, role: str) -> None:
        """Give `user_id` the `role` on `project_id` (idempotent)."""
        if role not in ROLES:
            raise InvalidInput(f"unknown role {role}: use one of {', '.join(ROLES)}")
        if role in self.roles(user_id, project_id):
            return
        with self.engine.begin() as conn:
            conn.execute(_A.insert().values(user_id=user_id, project_id=project_id, role=role))

    def roles(self, user_id: str, project_id: str) -> tuple[str, ...]:
        """The user's roles on the project, sorted; empty if it has none."""
        query = sa.select(_A.c.role).where(_A.c.user_id == user_id, _A.c.project_id == project_id)
        with self.engine.connect() as conn:
            return tuple(sorted(r[0] for r in conn.execute(query)))

    def projects_for_user(self, user_id: str) -> list[Project]:
        query = (
            sa.select(_P)
            .where(_P.c.id.in_(sa.select(_A.c.project_id).where(_A.c.user_id == user_id)))
            .order_by(_P.c.name)
        )
        with self.engine.connect() as conn:
            return [_project(r) for r in conn.execute(query)]

    # -- tokens -----------------------------------------------------------------------------

    def issue_token(self, user: User, project: Project | None, methods=("password",)) -> Token:
        """A new token for `user`, scoped to `project` (which the user must have a role on)."""
        roles: tuple[str, ...] = ()
        if project is not None:
            roles = self.roles(user.id, project.id)
            if not roles:
                raise AuthenticationFailed(f"User {user.id} has no access to project {project.id}.")
        token_id = secrets.token_urlsafe(32)
        now = self.clock()
        token = Token(
            token_id,
            user,
            project,
            roles,
            tuple(methods),
            secrets.token_urlsafe(16)[:22],
            now,
            now + self.token_lifetime,
        )
        with self.engine.begin() as conn:
            conn.execute(
                _T.insert().values(
                    id_hash=_token_hash(token_id),
                    user_id=user.id,
                    project_id=project.id if project else None,
                    methods=list(methods),
                    audit_id=token.audit_id,
                    issued_at=_from_ts(now),
                    expires_at=_from_ts(token.expires_at),
                )
            )
        return token

    def validate_token(self, token_id: str | None) -> Token | None:
        """The live token with this id, or None (unknown, revoked, expired, user disabled)."""
        if not token_id or not isinstance(token_id, str) or len(token_id) > 512:
            return None
        query = (
            sa.select(_T, _U.c.name, _U.c.default_project_id, _U.c.enabled)
            .join(_U, _U.c.id == _T.c.user_id)
            .where(_T.c.id_hash == _token_hash(token_id))
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
            if row is None:
                return None
            m = row._mapping
            if not m["enabled"] or _to_ts(m["expires_at"]) <= self.clock():
                return None
            project, roles = None, ()
            if m["project_id"] is not None:
                project = _project(
                    conn.execute(sa.select(_P).where(_P.c.id == m["project_id"])).first()
                )
                roles = tuple(
                    sorted(
                        r[0]
                        for r in conn.execute(
                            sa.select(_A.c.role).where(
                                _A.c.user_id == m["user_id"], _A.c.project_id == m["project_id"]
                            )
                        )
                    )
                )
                if project is None or not project.enabled or not roles:
                    return None
        user = User(m["user_id"], m["name"], m["default_project_id"], True)
        return Token(
            token_id,
            user,
            project,
            roles,
            tuple(m["methods"]),
            m["audit_id"],
            _to_ts(m["issued_at"]),
            _to_ts(m["expires_at"]),
        )

    def revoke_token(self, token_id: str) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(_T.delete().where(_T.c.id_hash == _token_hash(token_id)))
        return bool(result.rowcount)

    def purge_expired_tokens(self) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(_T.delete().where(_T.c.expires_at <= _from_ts(self.clock())))
        return result.rowcount

    # -- EC2 credentials --------------------------------------------------------------------

    def create_ec2_credentials(self, user_id: str, project_id: str) -> tuple[str, str]:
        """A new (access key, secret key) for the user on the project."""
        if not self.roles(user_id, project_id):
            raise InvalidInput(f"user {user_id} has no role on project {project_id}")
        access = secrets.token_hex(16)
        # Hex (160 bits), as Keystone's are: a key is a plain word on a command line, where
        # URL-safe base64 could start with "-" and be taken for an option (cfn-init's).
        secret = secrets.token_hex(20)
        with self.engine.begin() as conn:
            conn.execute(
                _C.insert().values(
                    access=access,
                    secret=self.crypter.encrypt(secret),
                    user_id=user_id,
                    project_id=project_id,
                    created_at=_now(),
                )
            )
        return access, secret

    def ec2_credentials(self, access_key: str) -> Ec2Credential | None:
        """The credential with this access key, with the user's current roles, or None."""
        if not isinstance(access_key, str) or not access_key or len(access_key) > 64:
            return None
        query = (
            sa.select(_C, _U.c.enabled)
            .join(_U, _U.c.id == _C.c.user_id)
            .where(_C.c.access == access_key)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None or not row._mapping["enabled"]:
            return None
        m = row._mapping
        roles = self.roles(m["user_id"], m["project_id"])
        if not roles:
            return None
        return Ec2Credential(
            m["access"], self.crypter.decrypt(m["secret"]), m["project_id"], m["user_id"], roles
        )

    def list_ec2_credentials(self, user_id: str) -> list[str]:
        """The access keys of a user."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(_C.c.access).where(_C.c.user_id == user_id).order_by(_C.c.created_at)
            )
            return [r[0] for r in rows]

    def delete_ec2_credentials(self, access_key: str) -> bool:
        with self.engine.begin() as conn:
            return bool(conn.execute(_C.delete().where(_C.c.access == access_key)).rowcount)

    # -- first start ------------------------------------------------------------------------

    def bootstrap(
        self, project_name: str = "admin", user_name: str = "admin", password: str | None = None
    ) -> Bootstrap:
        """Create the first project and admin user (with admin and member roles), a password
        (generated unless given) and an EC2 key. An existing project or user is reused; an
        existing user gets the new password."""
        password = password or secrets.token_urlsafe(18)
        project = self.find_project(project_name) or self.create_project(
            project_name, "Created by heat-manage bootstrap"
        )
        user = self.find_user(user_name)
        if user is None:
            user = self.create_user(user_name, password, project.id)
        else:
            self.set_password(user.id, password)
        for role in (ADMIN, MEMBER):
            self.grant(user.id, project.id, role)
        access, secret = self.create_ec2_credentials(user.id, project.id)
        return Bootstrap(project, user, password, access, secret)


def _check_name(kind: str, name) -> None:
    if not isinstance(name, str) or not name.strip() or len(name) > models.NAME_LEN:
        raise InvalidInput(f"a {kind} name must be 1 to {models.NAME_LEN} characters")


def _check_password(password) -> None:
    if not isinstance(password, str) or not password:
        raise InvalidInput("a password must not be empty")
