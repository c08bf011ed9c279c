"""The identity store as localcloud's token authority (heat-all: one login for everything).

localcloud checks the X-Auth-Token of compute and image requests through an object with
`validate(token_id) -> {"user_id", "project_id", ...} | None`, `is_admin(token)` and
`admin_project_id`; this adapter answers those from the IdentityStore, so a token issued by
Heat's Keystone face works on localcloud's Nova and Glance.
"""

from __future__ import annotations

from heat.identity.store import ADMIN, IdentityStore


class LocalcloudIdentity:
    """localcloud's view of an IdentityStore."""

    def __init__(self, store: IdentityStore, admin_project_id: str):
        self.store = store
        self.admin_project_id = admin_project_id

    def validate(self, token_id: str | None) -> dict | None:
        token = self.store.validate_token(token_id)
        if token is None or token.project is None:
            return None
        return {
            "id": token_id,
            "user_id": token.user.id,
            "project_id": token.project.id,
            "roles": list(token.roles),
            "methods": list(token.methods),
            "issued_at": token.issued_at,
            "expires_at": token.expires_at,
        }

    def is_admin(self, token: dict) -> bool:
        return ADMIN in token.get("roles", ())
