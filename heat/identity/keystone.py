"""The identity store served as a Keystone v3 token API, for keystoneauth1 clients.

    app = KeystoneApp(store, catalog)     # mounted at /identity: /identity/v3/auth/tokens

Password and token authentication, project-scoped tokens with roles and a catalog, token
validation and revocation, the caller's projects, projects, users and the one domain, and EC2
credentials (/v3/users/{id}/credentials/OS-EC2) so `openstack ec2 credentials create` works.

It is Heat's identity API (heat-api, heat-all) and localcloud's Keystone (heat.localcloud,
over a store of its own when it runs alone). Who may see what follows Keystone's default
policy: anyone their own projects, user and domain; admins every project and user.
"""

from __future__ import annotations

import datetime

import webob

from heat.api.wsgi import Router, json_body, json_response
from heat.common.exception import AuthenticationFailed, HeatError, InvalidInput, NotFound
from heat.identity.store import (
    ADMIN,
    DOMAIN_ID,
    DOMAIN_NAME,
    IdentityStore,
    Project,
    Token,
    User,
)

_TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}
_AUTH_REQUIRED = "The request you have made requires authentication."


def iso(ts: float) -> str:
    moment = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Forbidden403(HeatError):
    status = 403
    code = "AccessDenied"


class KeystoneApp:
    """WSGI application: a minimal Keystone v3 over an IdentityStore."""

    def __init__(self, store: IdentityStore, catalog):
        self.store = store
        self.catalog = catalog
        r = self.router = Router()
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
        r.add("GET", "/v3/users/{user_id}/projects", self.user_projects)
        r.add("GET", "/v3/users/{user_id}/credentials/OS-EC2", self.list_ec2)
        r.add("POST", "/v3/users/{user_id}/credentials/OS-EC2", self.create_ec2)
        r.add("GET", "/v3/users/{user_id}/credentials/OS-EC2/{access}", self.show_ec2)
        r.add("DELETE", "/v3/users/{user_id}/credentials/OS-EC2/{access}", self.delete_ec2)

    def __call__(self, environ, start_response):
        req = webob.Request(environ)
        try:
            handler, params = self.router.match(req.method, req.path_info)
            response = handler(req, **params)
        except HeatError as exc:
            response = self._error(req, exc.status, exc.message)
        return response(environ, start_response)

    def _error(self, req, status: int, message: str) -> webob.Response:
        headers = {}
        if status == 401:
            headers["WWW-Authenticate"] = f'Keystone uri="{req.application_url}"'
        body = {"error": {"code": status, "message": message, "title": _TITLES.get(status, "")}}
        return json_response(body, status, headers)

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

    def _caller(self, req) -> Token:
        token = self.store.validate_token(req.headers.get("X-Auth-Token"))
        if token is None:
            raise AuthenticationFailed(_AUTH_REQUIRED)
        return token

    def create_token(self, req):
        auth = json_body(req, "auth")
        identity = auth.get("identity")
        if not isinstance(identity, dict) or not isinstance(identity.get("methods"), list):
            raise InvalidInput("Invalid input: 'identity' with 'methods' is required.")
        methods = [m for m in identity["methods"] if isinstance(m, str)]
        if "password" in methods:
            user = self._password_user(identity.get("password"))
            methods = ["password"]
        elif "token" in methods:
            previous = self._token_ref(identity.get("token"))
            user, methods = previous.user, ["token", *previous.methods]
        else:
            raise AuthenticationFailed(f"Unsupported authentication methods: {methods}.")
        project = self._scope(auth.get("scope"), user)
        token = self.store.issue_token(user, project, methods)
        return json_response(self._token_body(req, token), 201, {"X-Subject-Token": token.id})

    def _password_user(self, password) -> User:
        user_ref = password.get("user") if isinstance(password, dict) else None
        if not isinstance(user_ref, dict) or "password" not in user_ref:
            raise InvalidInput("Invalid input: 'password.user' with 'password' is required.")
        if "id" in user_ref:
            user = self.store.authenticate(user_ref["password"], user_id=str(user_ref["id"]))
        elif "name" in user_ref:
            self._check_domain(user_ref.get("domain"))
            user = self.store.authenticate(user_ref["password"], name=str(user_ref["name"]))
        else:
            raise InvalidInput("Invalid input: 'password.user' needs an 'id' or a 'name'.")
        if user is None:  # one message for unknown users and wrong passwords
            raise AuthenticationFailed(_AUTH_REQUIRED)
        return user

    def _token_ref(self, token_ref) -> Token:
        token_id = token_ref.get("id") if isinstance(token_ref, dict) else None
        token = self.store.validate_token(token_id if isinstance(token_id, str) else None)
        if token is None:
            raise AuthenticationFailed(_AUTH_REQUIRED)
        return token

    @staticmethod
    def _check_domain(domain) -> None:
        if not isinstance(domain, dict):
            raise InvalidInput("Invalid input: a user or project name needs a domain.")
        if domain.get("id", DOMAIN_ID) != DOMAIN_ID or (
            domain.get("name", DOMAIN_NAME) != DOMAIN_NAME
        ):
            raise AuthenticationFailed(f"Could not find domain: {domain}.")

    def _scope(self, scope, user: User) -> Project | None:
        if not scope:
            if user.default_project_id is None:
                return None
            project = self.store.get_project(user.default_project_id)
            # Keystone falls back to an unscoped token when the default project is unusable.
            if project is None or not self.store.roles(user.id, project.id):
                return None
            return project
        project_ref = scope.get("project") if isinstance(scope, dict) else None
        if not isinstance(project_ref, dict):
            raise AuthenticationFailed("Only project-scoped tokens are issued here.")
        if "id" in project_ref:
            project = self.store.get_project(str(project_ref["id"]))
        else:
            self._check_domain(project_ref.get("domain"))
            project = self.store.find_project(str(project_ref.get("name", "")))
            if project is not None and project.name != project_ref.get("name"):
                project = None
        if project is None or not project.enabled:
            raise AuthenticationFailed(f"Could not find project: {project_ref}.")
        return project

    def _project_ref(self, project: Project) -> dict:
        return {
            "domain": {"id": DOMAIN_ID, "name": DOMAIN_NAME},
            "id": project.id,
            "name": project.name,
        }

    def _token_body(self, req, token: Token) -> dict:
        body = {
            "methods": list(token.methods),
            "user": {
                "domain": {"id": DOMAIN_ID, "name": DOMAIN_NAME},
                "id": token.user.id,
                "name": token.user.name,
                "password_expires_at": None,
            },
            "audit_ids": [token.audit_id],
            "expires_at": iso(token.expires_at),
            "issued_at": iso(token.issued_at),
        }
        if token.project is not None:
            body["project"] = self._project_ref(token.project)
            body["is_domain"] = False
            body["roles"] = [{"id": role, "name": role} for role in token.roles]
            body["catalog"] = self.catalog.render(req.host_url, token.project.id)
        return {"token": body}

    def check_token(self, req):
        self._caller(req)
        subject = req.headers.get("X-Subject-Token")
        token = self.store.validate_token(subject)
        if token is None:
            raise NotFound(f"Could not find token: {subject}.")
        return json_response(self._token_body(req, token), 200, {"X-Subject-Token": token.id})

    def revoke_token(self, req):
        self._caller(req)
        subject = req.headers.get("X-Subject-Token", "")
        if not self.store.revoke_token(subject):
            raise NotFound(f"Could not find token: {subject}.")
        return json_response(None, 204)

    # -- projects, users, domains -----------------------------------------------------------

    def _admin(self, req, action: str) -> Token:
        token = self._caller(req)
        if ADMIN not in token.roles:
            raise Forbidden403(
                f"You are not authorized to perform the requested action: identity:{action}."
            )
        return token

    @staticmethod
    def _list_links(req) -> dict:
        return {"self": req.path_url, "previous": None, "next": None}

    def _project(self, req, project: Project) -> dict:
        return {
            "id": project.id,
            "name": project.name,
            "domain_id": DOMAIN_ID,
            "description": project.description,
            "enabled": project.enabled,
            "is_domain": False,
            "parent_id": DOMAIN_ID,
            "tags": [],
            "options": {},
            "links": {"self": f"{req.application_url}/v3/projects/{project.id}"},
        }

    def list_projects(self, req):
        self._admin(req, "list_projects")
        projects = [p for p in self.store.list_projects() if _name_matches(req, p.name)]
        return json_response(
            {"projects": [self._project(req, p) for p in projects], "links": self._list_links(req)}
        )

    def auth_projects(self, req):
        token = self._caller(req)
        projects = self.store.projects_for_user(token.user.id)
        return json_response({"projects": [self._project(req, p) for p in projects]})

    def user_projects(self, req, user_id):
        self._self_or_admin(req, user_id)
        projects = self.store.projects_for_user(user_id)
        return json_response({"projects": [self._project(req, p) for p in projects]})

    def auth_catalog(self, req):
        token = self._caller(req)
        project_id = token.project.id if token.project else ""
        return json_response({"catalog": self.catalog.render(req.host_url, project_id)})

    def show_project(self, req, project_id):
        token = self._caller(req)
        project = self.store.get_project(project_id)
        visible = project is not None and (
            ADMIN in token.roles or self.store.roles(token.user.id, project.id)
        )
        if not visible:
            raise NotFound(f"Could not find project: {project_id}.")
        return json_response({"project": self._project(req, project)})

    def _self_or_admin(self, req, user_id) -> Token:
        token = self._caller(req)
        if token.user.id != user_id and ADMIN not in token.roles:
            raise Forbidden403("You are not authorized to perform the requested action.")
        return token

    def _user(self, req, user: User) -> dict:
        return {
            "id": user.id,
            "name": user.name,
            "domain_id": DOMAIN_ID,
            "default_project_id": user.default_project_id,
            "enabled": user.enabled,
            "password_expires_at": None,
            "options": {},
            "links": {"self": f"{req.application_url}/v3/users/{user.id}"},
        }

    def list_users(self, req):
        self._admin(req, "list_users")
        users = [u for u in self.store.list_users() if _name_matches(req, u.name)]
        return json_response(
            {"users": [self._user(req, u) for u in users], "links": self._list_links(req)}
        )

    def show_user(self, req, user_id):
        self._self_or_admin(req, user_id)
        user = self.store.get_user(user_id)
        if user is None:
            raise NotFound(f"Could not find user: {user_id}.")
        return json_response({"user": self._user(req, user)})

    def _domain(self, req) -> dict:
        return {
            "id": DOMAIN_ID,
            "name": DOMAIN_NAME,
            "description": "The default domain",
            "enabled": True,
            "tags": [],
            "options": {},
            "links": {"self": f"{req.application_url}/v3/domains/{DOMAIN_ID}"},
        }

    def list_domains(self, req):
        self._admin(req, "list_domains")
        return json_response({"domains": [self._domain(req)], "links": self._list_links(req)})

    def show_domain(self, req, domain_id):
        # Every project is in the one domain, and Keystone shows a token's own domain.
        self._caller(req)
        if domain_id != DOMAIN_ID:
            raise NotFound(f"Could not find domain: {domain_id}.")
        return json_response({"domain": self._domain(req)})

    # -- EC2 credentials --------------------------------------------------------------------

    def _ec2(self, req, user_id, access) -> dict:
        cred = self.store.ec2_credentials(access)
        if cred is None or cred.user_id != user_id:
            raise NotFound(f"Could not find credential: {access}.")
        return {
            "access": cred.access_key,
            "secret": cred.secret,
            "user_id": cred.user_id,
            "tenant_id": cred.project_id,
            "trust_id": None,
            "links": {
                "self": f"{req.application_url}/v3/users/{user_id}/credentials/OS-EC2/{access}"
            },
        }

    def create_ec2(self, req, user_id):
        token = self._self_or_admin(req, user_id)
        body = json_body(req, required=False)
        project_id = body.get("tenant_id") or (token.project.id if token.project else None)
        if not isinstance(project_id, str) or not self.store.roles(user_id, project_id):
            raise InvalidInput("Invalid input: 'tenant_id' must be a project of the user.")
        access, _ = self.store.create_ec2_credentials(user_id, project_id)
        return json_response({"credential": self._ec2(req, user_id, access)}, 201)

    def list_ec2(self, req, user_id):
        self._self_or_admin(req, user_id)
        creds = [self._ec2(req, user_id, a) for a in self.store.list_ec2_credentials(user_id)]
        return json_response({"credentials": creds})

    def show_ec2(self, req, user_id, access):
        self._self_or_admin(req, user_id)
        return json_response({"credential": self._ec2(req, user_id, access)})

    def delete_ec2(self, req, user_id, access):
        self._self_or_admin(req, user_id)
        self._ec2(req, user_id, access)
        self.store.delete_ec2_credentials(access)
        return json_response(None, 204)


def _name_matches(req, name: str) -> bool:
    wanted = req.GET.get("name")
    return wanted is None or wanted == name
