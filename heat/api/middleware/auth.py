"""Authentication of native-API requests: X-Auth-Token -> RequestContext.

Two modes (`auth_mode`):

- local (default): the token is checked against Heat's identity store.
- keystone: keystonemiddleware's auth_token validates the token with a real Keystone
  (configured in [keystone_authtoken]) and passes the identity on in X-* headers.

Either way the context lands in environ["heat.context"]; a request without a valid token
never reaches the API.
"""

from __future__ import annotations

import threading
import time

from oslo_config import cfg

from heat.common.context import RequestContext
from heat.common.exception import AuthenticationFailed
from heat.identity.store import IdentityStore

CONTEXT_KEY = "heat.context"
AUTH_REQUIRED = "Authentication required"

OPTS = [
    cfg.StrOpt(
        "auth_mode",
        default="local",
        choices=[
            ("local", "tokens and EC2 keys from Heat's own identity store"),
            ("keystone", "keystonemiddleware auth_token and Keystone's ec2tokens"),
        ],
        help="Who authenticates API requests.",
    ),
]


class LocalAuth:
    """Authenticates against an IdentityStore.

    A valid token is remembered for `cache_seconds` (never past its expiry), as
    keystonemiddleware caches tokens (and as heat-api-cfn caches EC2 credentials): a
    revocation or a disabled user takes effect within that time. Invalid tokens are not
    remembered.
    """

    CACHE_SIZE = 1024

    def __init__(self, store: IdentityStore, region: str = "RegionOne", cache_seconds=5.0):
        self.store = store
        self.region = region
        self.cache_seconds = cache_seconds
        self._cache: dict = {}  # token id -> (Token, monotonic time it is good until)
        self._lock = threading.Lock()

    def context(self, environ) -> RequestContext:
        token = self._validate(environ.get("HTTP_X_AUTH_TOKEN"))
        if token is None or token.project is None:
            raise AuthenticationFailed(AUTH_REQUIRED)
        return token.context(self.region)

    def _validate(self, token_id):
        now = time.monotonic()
        hit = self._cache.get(token_id) if isinstance(token_id, str) else None
        if hit is not None and hit[1] > now:
            return hit[0]
        token = self.store.validate_token(token_id)
        if token is not None and self.cache_seconds > 0:
            life = min(self.cache_seconds, token.expires_at - self.store.clock())
            with self._lock:
                if len(self._cache) >= self.CACHE_SIZE:
                    self._cache.clear()
                self._cache[token_id] = (token, now + life)
        return token

    def wrap(self, app):
        return app


class KeystoneAuth:
    """Trusts the X-* headers keystonemiddleware's auth_token puts on a request.

    auth_token strips any such headers a client sent and sets X-Identity-Status; only a
    "Confirmed" identity is accepted.
    """

    def __init__(self, conf: dict | None = None, region: str = "RegionOne"):
        self.conf = dict(conf or {})
        self.region = region

    def wrap(self, app):
        from keystonemiddleware import auth_token

        # delay_auth_decision: we answer the 401 ourselves, in the API's error format.
        return auth_token.AuthProtocol(app, {**self.conf, "delay_auth_decision": True})

    def context(self, environ) -> RequestContext:
        if environ.get("HTTP_X_IDENTITY_STATUS") != "Confirmed":
            raise AuthenticationFailed(AUTH_REQUIRED)
        project_id = environ.get("HTTP_X_PROJECT_ID")
        if not project_id:
            raise AuthenticationFailed(AUTH_REQUIRED)
        roles = tuple(r.strip() for r in environ.get("HTTP_X_ROLES", "").split(",") if r.strip())
        return RequestContext(
            project_id=project_id,
            user_id=environ.get("HTTP_X_USER_ID", ""),
            roles=roles,
            auth_token=environ.get("HTTP_X_AUTH_TOKEN"),
            region=self.region,
        )
