"""A minimal Keystone v3: password and token authentication, scoped tokens with a catalog,
token validation, and read access to the seeded domain, projects and users.

The identities are fixed (domain Default; projects demo and admin; users demo and admin) with
passwords from the settings. Tokens are stored documents, so a token issued before a restart
still works after it, as with a real Keystone's persistent tokens.
"""

from __future__ import annotations

import dataclasses
import hmac
import secrets
import time
import uuid

import webob

from heat.api.wsgi import json_response
from heat.localcloud.catalog import Catalog
from heat.localcloud.routing import ApiError, Service, json_body
from heat.localcloud.store import Store
from heat.localcloud.timeutil import iso_micro_z

TOKEN_LIFETIME = 12 * 3600.0
DOMAIN = {"id": "default", "name": "Default"}
_NAMESPACE = uuid.UUID("9a5cf2b4-7d1e-4d0c-8a31-6b657973746e")
_TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}


def _stable_id(kind: str, name: str) -> str:
    # Derived ids stay the same across restarts, so clouds.yaml and stored servers agree.
    return uuid.uuid5(_NAMESPACE, f"{kind}/{name}").hex


@dataclasses.dataclass(frozen=True)
class User:
    """A seeded user: its password and the roles it holds on each project (by project name)."""

    name: str
    password: str
    default_project: str
    roles: dict[str, tuple[str, ...]]

    @property
    def id(self) -> str:
        return _stable_id("user", self.name)


@dataclasses.dataclass(frozen=True)
class Project:
    """A seeded project."""

    name: str

    @property
    def id(self) -> str:
        return _stable_id("project", self.name)


class Identity:
    """The seeded domain, projects and users, and the tokens issued to them."""

    def __init__(self, store: Store, password: str, admin_password: str):
        self.store = store
        self.projects = {p.name: p for p in (Project("demo"), Project("admin"))}
        self.users = {
            u.name: u
            for u in (
                User("demo", password, "demo", {"demo": ("member", "reader")}),
                User(
                    "admin",
                    admin_password,
                    "admin",
                    {"admin": ("admin", "member", "reader"), "demo": ("admin", "member", "reader")},
                ),
            )
        }

    def user_by_id(self, user_id: str) -> User | None:
        return next((u for u in self.users.values() if u.id == user_id), None)

    def project_by_id(self, project_id: str) -> Project | None:
        return next((p for p in self.projects.values() if p.id == project_id), None)

    def issue(self, user: User, project: Project | None, methods: list[str]) -> dict:
        """Store and return a new token for `user`, scoped to `project` (None: unscoped)."""
        if project is not None and project.name not in user.roles:
            raise ApiError(401, f"User {user.id} has no access to project {project.id}.")
        now = time.time()
        token = {
            "id": secrets.token_urlsafe(32),
            "user_id": user.id,
            "project_id": project.id if project else None,
            "methods": methods,
            "issued_at": now,
            "expires_at": now + TOKEN_LIFETIME,
            "audit_id": secrets.token_urlsafe(16)[:22],
        }
        return self.store.put("token", token["id"], token)

    def validate(self, token_id: str | None) -> dict | None:
        """The live token document for `token_id`, or None if unknown, revoked or expired."""
        if not token_id:
            return None
        token = self.store.get("token", token_id)
        if token is None or token["expires_at"] <= time.time():
            return None
        return token

    def revoke(self, token_id: str) -> bool:
        return self.store.delete("token", token_id)

    @property
    def admin_project_id(self) -> str:
        return self.projects["admin"].id

    def is_admin(self, token: dict) -> bool:
        """Whether the token's user holds the admin role."""
        return self.user_by_id(token["user_id"]).name == "admin"


class Keystone(Service):
    """The Keystone WSGI service, mounted at /identity."""

    def __init__(self, identity: Identity, catalog: Catalog):
        super().__init__()
        self.identity = identity
        self.catalog = catalog
        r = self.router
        r.add("GET", "/", self.versions)
        r.add("GET", "/v3", self.version)
        r.add("POST", "/v3/auth/tokens", self.create_token)
        r.add("GET", "/v3/auth/tokens", self.check_token)
        r.add("DELETE", "/v3/auth/tokens", self.revoke_token)
        r.add("GET", "/v3/auth/projects", self.auth_projects)
        r.add("GET", "/v3/auth/catalog", self.auth_catalog)
        r.add("GET", "/v3/projects", self.list_projects)
        r.add("GET", "/v3/projects/{project_id}", self.show_project)
        r.add("GET", "/v3/users", self.list_users)
        r.add("GET", "/v3/users/{user_id}", self.show_user)
        r.add("GET", "/v3/domains", self.list_domains)
        r.add("GET", "/v3/domains/{domain_id}", self.show_domain)

    def error_response(self, req, exc):
        title = _TITLES.get(exc.status, "Error")
        headers = {}
        if exc.status == 401:
            headers["WWW-Authenticate"] = f'Keystone uri="{req.application_url}"'
        return json_response(
            {"error": {"code": exc.status, "message": exc.message, "title": title}},
            exc.status,
            headers,
        )

    # -- versions ---------------------------------------------------------------------------

    def _version_doc(self, req) -> dict:
        return {
            "id": "v3.14",
            "status": "stable",
            "updated": "2020-04-07T00:00:00Z",
            "links": [{"rel": "self", "href": f"{req.application_url}/v3/"}],
            "media-types": [
                {"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}
            ],
        }

    def versions(self, req):
        return json_response({"versions": {"values": [self._version_doc(req)]}}, 300)

    def version(self, req):
        return json_response({"version": self._version_doc(req)})

    # -- tokens -----------------------------------------------------------------------------

    def _caller(self, req) -> dict:
        token = self.identity.validate(req.headers.get("X-Auth-Token"))
        if token is None:
            raise ApiError(401, "The request you have made requires authentication.")
        return token

    def create_token(self, req):
        auth = json_body(req, "auth")
        identity = auth.get("identity")
        if not isinstance(identity, dict) or not isinstance(identity.get("methods"), list):
            raise ApiError(400, "Invalid input: 'identity' with 'methods' is required.")
        methods = identity["methods"]
        if "password" in methods:
            user = self._password_user(identity.get("password"))
        elif "token" in methods:
            user, methods = self._token_user(identity.get("token"))
        else:
            raise ApiError(401, f"Unsupported authentication methods: {methods}.")
        project = self._scope(auth.get("scope"), user)
        token = self.identity.issue(user, project, methods)
        return json_response(self._token_body(req, token), 201, {"X-Subject-Token": token["id"]})

    def _password_user(self, password: dict | None) -> User:
        user_ref = (password or {}).get("user")
        if not isinstance(user_ref, dict) or "password" not in user_ref:
            raise ApiError(400, "Invalid input: 'password.user' with 'password' is required.")
        user = None
        if "id" in user_ref:
            user = self.identity.user_by_id(user_ref["id"])
        elif "name" in user_ref:
            self._check_domain(user_ref.get("domain"))
            user = self.identity.users.get(user_ref["name"])
        # Same message for unknown user and wrong password: no user enumeration.
        if user is None or not hmac.compare_digest(user.password, str(user_ref["password"])):
            raise ApiError(401, "The request you have made requires authentication.")
        return user

    def _token_user(self, token_ref: dict | None) -> tuple[User, list[str]]:
        token = self.identity.validate((token_ref or {}).get("id"))
        if token is None:
            raise ApiError(401, "The request you have made requires authentication.")
        return self.identity.user_by_id(token["user_id"]), ["token", *token["methods"]]

    def _check_domain(self, domain: dict | None) -> None:
        if not isinstance(domain, dict):
            raise ApiError(400, "Invalid input: a user or project name needs a domain.")
        if (
            domain.get("id", DOMAIN["id"]) != DOMAIN["id"]
            or domain.get("name", DOMAIN["name"]) != DOMAIN["name"]
        ):
            raise ApiError(401, f"Could not find domain: {domain}.")

    def _scope(self, scope: dict | None, user: User) -> Project | None:
        if not scope:
            return self.identity.projects[user.default_project]
        project_ref = scope.get("project")
        if not isinstance(project_ref, dict):
            # Domain and system scopes carry no project; localcloud has nothing to offer them.
            raise ApiError(401, "localcloud only issues project-scoped tokens.")
        if "id" in project_ref:
            project = self.identity.project_by_id(project_ref["id"])
        else:
            self._check_domain(project_ref.get("domain"))
            project = self.identity.projects.get(project_ref.get("name", ""))
        if project is None:
            raise ApiError(401, f"Could not find project: {project_ref}.")
        return project

    def _token_body(self, req, token: dict) -> dict:
        user = self.identity.user_by_id(token["user_id"])
        body = {
            "methods": token["methods"],
            "user": {
                "domain": dict(DOMAIN),
                "id": user.id,
                "name": user.name,
                "password_expires_at": None,
            },
            "audit_ids": [token["audit_id"]],
            "expires_at": iso_micro_z(token["expires_at"]),
            "issued_at": iso_micro_z(token["issued_at"]),
        }
        project = self.identity.project_by_id(token["project_id"] or "")
        if project is not None:
            body["project"] = {"domain": dict(DOMAIN), "id": project.id, "name": project.name}
            body["is_domain"] = False
            body["roles"] = [
                {"id": _stable_id("role", role), "name": role} for role in user.roles[project.name]
            ]
            body["catalog"] = self.catalog.render(req.host_url, project.id)
        return {"token": body}

    def check_token(self, req):
        self._caller(req)
        token = self.identity.validate(req.headers.get("X-Subject-Token"))
        if token is None:
            subject = req.headers.get("X-Subject-Token")
            raise ApiError(404, f"Could not find token: {subject}.")
        return json_response(self._token_body(req, token), 200, {"X-Subject-Token": token["id"]})

    def revoke_token(self, req):
        self._caller(req)
        if not self.identity.revoke(req.headers.get("X-Subject-Token", "")):
            raise ApiError(404, f"Could not find token: {req.headers.get('X-Subject-Token')}.")
        return json_response(None, 204)

    def auth_projects(self, req):
        user = self.identity.user_by_id(self._caller(req)["user_id"])
        projects = [self.identity.projects[name] for name in user.roles]
        return json_response({"projects": [self._project(req, p) for p in projects]})

    def auth_catalog(self, req):
        token = self._caller(req)
        return json_response({"catalog": self.catalog.render(req.host_url, token["project_id"])})

    # -- projects, users, domains -----------------------------------------------------------

    def _project(self, req, project: Project) -> dict:
        return {
            "id": project.id,
            "name": project.name,
            "domain_id": DOMAIN["id"],
            "description": f"localcloud project {project.name}",
            "enabled": True,
            "is_domain": False,
            "parent_id": DOMAIN["id"],
            "tags": [],
            "options": {},
            "links": {"self": f"{req.application_url}/v3/projects/{project.id}"},
        }

    def _user(self, req, user: User) -> dict:
        return {
            "id": user.id,
            "name": user.name,
            "domain_id": DOMAIN["id"],
            "default_project_id": self.identity.projects[user.default_project].id,
            "enabled": True,
            "password_expires_at": None,
            "options": {},
            "links": {"self": f"{req.application_url}/v3/users/{user.id}"},
        }

    def _links(self, req) -> dict:
        return {"self": req.path_url, "previous": None, "next": None}

    def list_projects(self, req):
        self._caller(req)
        projects = [p for p in self.identity.projects.values() if _name_matches(req, p.name)]
        return json_response(
            {"projects": [self._project(req, p) for p in projects], "links": self._links(req)}
        )

    def show_project(self, req, project_id):
        self._caller(req)
        project = self.identity.project_by_id(project_id) or self.identity.projects.get(project_id)
        if project is None:
            raise ApiError(404, f"Could not find project: {project_id}.")
        return json_response({"project": self._project(req, project)})

    def list_users(self, req):
        self._caller(req)
        users = [u for u in self.identity.users.values() if _name_matches(req, u.name)]
        return json_response(
            {"users": [self._user(req, u) for u in users], "links": self._links(req)}
        )

    def show_user(self, req, user_id):
        self._caller(req)
        user = self.identity.user_by_id(user_id) or self.identity.users.get(user_id)
        if user is None:
            raise ApiError(404, f"Could not find user: {user_id}.")
        return json_response({"user": self._user(req, user)})

    def _domain(self, req) -> dict:
        return {
            **DOMAIN,
            "description": "The default domain",
            "enabled": True,
            "tags": [],
            "options": {},
            "links": {"self": f"{req.application_url}/v3/domains/{DOMAIN['id']}"},
        }

    def list_domains(self, req):
        self._caller(req)
        return json_response({"domains": [self._domain(req)], "links": self._links(req)})

    def show_domain(self, req, domain_id):
        self._caller(req)
        if domain_id not in (DOMAIN["id"], DOMAIN["name"]):
            raise ApiError(404, f"Could not find domain: {domain_id}.")
        return json_response({"domain": self._domain(req)})


def _name_matches(req: webob.Request, name: str) -> bool:
    wanted = req.GET.get("name")
    return wanted is None or wanted == name
