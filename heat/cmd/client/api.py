"""The `heat` CLI's connection to heat-api: a keystoneauth1 session from OS_* variables.

Credentials come from the environment as python-heatclient reads them (OS_AUTH_URL,
OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME or OS_PROJECT_ID, OS_USER_DOMAIN_NAME,
OS_PROJECT_DOMAIN_NAME, OS_REGION_NAME); the endpoint is the catalog's orchestration
service unless --heat-url (or HEAT_URL) names it. Every failure becomes an ApiError whose
message is one line for the user.
"""

from __future__ import annotations

import logging
import os
from urllib.parse import quote, unquote

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import generic

REQUIRED_ENV = ("OS_AUTH_URL", "OS_USERNAME", "OS_PASSWORD")
TIMEOUT = 60.0

# keystoneauth1 logs what it then raises (e.g. a failed version discovery); the raised error
# is reported once, as one line.
logging.getLogger("keystoneauth").setLevel(logging.CRITICAL)


class ApiError(Exception):
    """A request that failed; `status` is the HTTP status when the server answered."""

    def __init__(self, message: str, status: int | None = None, error_type: str | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.error_type = error_type


def _env(environ, *names, default=None):
    for name in names:
        if environ.get(name):
            return environ[name]
    return default


def make_session(environ=None) -> ks_session.Session:
    """A keystoneauth1 session authenticated with the OS_* variables of `environ`."""
    environ = os.environ if environ is None else environ
    missing = [n for n in REQUIRED_ENV if not environ.get(n)]
    if not (environ.get("OS_PROJECT_NAME") or environ.get("OS_PROJECT_ID")):
        missing.append("OS_PROJECT_NAME")
    if missing:
        raise ApiError(
            f"missing credentials: set {', '.join(missing)} "
            "(heat-all writes them to <state-dir>/heatrc: source it)"
        )
    auth = generic.Password(
        auth_url=environ["OS_AUTH_URL"],
        username=environ["OS_USERNAME"],
        password=environ["OS_PASSWORD"],
        project_name=environ.get("OS_PROJECT_NAME") or None,
        project_id=environ.get("OS_PROJECT_ID") or None,
        user_domain_name=_env(environ, "OS_USER_DOMAIN_NAME", default="Default"),
        project_domain_name=_env(environ, "OS_PROJECT_DOMAIN_NAME", default="Default"),
    )
    verify = not environ.get("OS_INSECURE") and (environ.get("OS_CACERT") or True)
    return ks_session.Session(auth=auth, verify=verify, timeout=TIMEOUT)


class HeatApi:
    """JSON requests to heat-api below /v1/{project_id}."""

    def __init__(self, session, endpoint: str | None = None, region: str | None = None):
        self.session = session
        self._endpoint = endpoint.rstrip("/") if endpoint else None
        self.region = region

    @classmethod
    def from_env(cls, heat_url: str | None = None, environ=None) -> HeatApi:
        environ = os.environ if environ is None else environ
        return cls(
            make_session(environ),
            heat_url or environ.get("HEAT_URL") or None,
            environ.get("OS_REGION_NAME") or None,
        )

    @property
    def endpoint(self) -> str:
        if self._endpoint is None:
            url = self._guard(
                lambda: self.session.get_endpoint(
                    service_type="orchestration", interface="public", region_name=self.region
                ),
                self._auth_url(),
            )
            if not url:
                raise ApiError("the service catalog has no orchestration endpoint")
            self._endpoint = url.rstrip("/")
        elif "/v1/" not in self._endpoint + "/":
            project_id = self._guard(self.session.get_project_id, self._auth_url())
            self._endpoint = f"{self._endpoint}/v1/{project_id}"
        return self._endpoint

    def _auth_url(self) -> str:
        return getattr(self.session.auth, "auth_url", "") or "the identity service"

    def _guard(self, call, where: str):
        """Run `call`, turning keystoneauth1's failures into one-line ApiErrors."""
        try:
            return call()
        except ks_exc.Unauthorized:
            raise ApiError(
                f"authentication failed at {where}: check OS_USERNAME, OS_PASSWORD and the project",
                401,
            ) from None
        except ks_exc.ConnectFailure as exc:
            if "refused" in str(exc).lower():
                raise ApiError(f"cannot connect to {where}: is the server running?") from None
            raise ApiError(f"cannot connect to {where}: {_reason(exc)}") from None
        except ks_exc.ConnectionError as exc:
            raise ApiError(f"cannot connect to {where}: {_first_line(exc)}") from None
        except ks_exc.HttpError as exc:
            raise ApiError(f"{where} answered {exc.http_status}: {_first_line(exc)}") from None
        except ks_exc.ClientException as exc:
            raise ApiError(f"{where}: {_first_line(exc)}") from None

    def request(self, method: str, path: str, body=None, params=None, redirect=True):
        """(status, JSON body or None, headers) of METHOD endpoint+path; ApiError on >= 400."""
        url = self.endpoint + path
        kwargs = {"raise_exc": False, "redirect": redirect, "params": params}
        if body is not None:
            kwargs["json"] = body
        response = self._guard(
            lambda: self.session.request(url, method, **kwargs), _server(self.endpoint)
        )
        data = None
        if response.content:
            try:
                data = response.json()
            except ValueError:
                data = None
        if response.status_code >= 400:
            raise _error(response.status_code, data, response.text)
        return response.status_code, data, response.headers

    def get(self, path, **params):
        return self.request("GET", path, params=params or None)[1]

    # -- stacks by name or id -----------------------------------------------------------------

    def find_stack(self, name_or_id: str) -> tuple[str, str]:
        """(name, id) of the caller's stack named or identified `name_or_id`."""
        status, data, headers = self.request(
            "GET", f"/stacks/{quote(name_or_id, safe='')}", redirect=False
        )
        location = headers.get("Location") or (data or {}).get("location", "")
        marker = f"{self.endpoint}/stacks/"
        if status not in (301, 302, 303) or not location.startswith(marker):
            raise ApiError(f"unexpected answer {status} looking up stack {name_or_id}", status)
        name, _, stack_id = location[len(marker) :].partition("/")
        return unquote(name), stack_id.split("/")[0].split("?")[0]

    @staticmethod
    def stack_path(name: str, stack_id: str) -> str:
        return f"/stacks/{quote(name, safe='')}/{stack_id}"


def _server(endpoint: str) -> str:
    parts = endpoint.split("/")
    return "/".join(parts[:3]) if len(parts) >= 3 else endpoint


def _reason(exc) -> str:
    """The innermost cause of a connection failure, e.g. "Connection reset by peer"."""
    text = _first_line(exc)
    return text.rsplit(": ", 1)[-1].strip(" ')\"") or text


def _first_line(exc) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def _error(status: int, data, text: str) -> ApiError:
    """The ApiError of an error answer: heat-api's message, or the status and body."""
    message = None
    error_type = None
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict):
            message = error.get("message")
            error_type = error.get("type")
        message = message or data.get("explanation") or data.get("message")
    if not message:
        snippet = " ".join((text or "").split())[:200]
        message = f"the server answered {status}" + (f": {snippet}" if snippet else "")
    return ApiError(str(message), status, error_type)
