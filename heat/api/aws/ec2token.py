"""Keystone mode: let Keystone check an AWS signature (POST /v3/ec2tokens).

Keystone holds the EC2 credentials then; it recomputes the signature from what the request
carried and answers with a token whose project, user and roles become the request context.
Freshness (the 15-minute window) is checked here first, so that a stale request is refused
without a round trip and with the same answer as in local mode.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests

from heat.api.aws.errors import (
    InvalidClientTokenId,
    ServiceUnavailable,
    SignatureDoesNotMatch,
)
from heat.api.aws.signature import SignedRequest, Verifier


@dataclass(frozen=True)
class KeystoneCredential:
    """The caller as Keystone identified it."""

    access_key: str
    project_id: str
    user_id: str
    roles: tuple
    token: str | None = None


class KeystoneEc2Verifier:
    """A Verifier whose secrets stay in Keystone."""

    def __init__(
        self,
        auth_url: str,
        service: str = "cloudformation",
        timeout: float = 10.0,
        session: requests.Session | None = None,
        clock=None,
    ):
        self.url = auth_url.rstrip("/") + "/ec2tokens"
        if not auth_url.rstrip("/").endswith("/v3"):
            self.url = auth_url.rstrip("/") + "/v3/ec2tokens"
        self.timeout = timeout
        self.session = session or requests.Session()
        kwargs = {"clock": clock} if clock is not None else {}
        # Only parse() is used from it: the lookup is never consulted.
        self._parser = Verifier(None, service=service, **kwargs)

    def verify(self, request: SignedRequest) -> KeystoneCredential:
        claim = self._parser.parse(request)  # format and freshness; raises as local mode does
        body = {
            "credentials": {
                "access": claim.access_key,
                "signature": claim.signature,
                "host": request.host,
                "verb": request.method,
                "path": request.path or "/",
                "params": _signed_params(request, claim.version),
                # Keystone's signer looks headers up by their usual spelling.
                "headers": {_title(k): v for k, v in request.headers.items()},
                "body_hash": request.body_hash(),
            }
        }
        try:
            answer = self.session.post(self.url, json=body, timeout=self.timeout)
        except requests.RequestException as exc:
            raise ServiceUnavailable(f"Keystone could not be reached: {type(exc).__name__}")
        if answer.status_code in (401, 403):
            # Keystone does not say whether the key or the signature was wrong.
            raise SignatureDoesNotMatch()
        if answer.status_code == 404:
            raise InvalidClientTokenId()
        if answer.status_code >= 300:
            raise ServiceUnavailable(f"Keystone answered HTTP {answer.status_code}")
        try:
            token = answer.json()["token"]
            project_id = token["project"]["id"]
            user_id = token["user"]["id"]
            roles = tuple(role["name"] for role in token.get("roles", []))
        except (ValueError, KeyError, TypeError):
            raise ServiceUnavailable("Keystone's ec2tokens answer has no scoped token")
        return KeystoneCredential(
            claim.access_key, project_id, user_id, roles, answer.headers.get("X-Subject-Token")
        )


def _signed_params(request: SignedRequest, version: int) -> dict:
    """The parameters Keystone's signer puts in the canonical query: every request parameter
    for SigV2, the URL's query for SigV4; never the signature itself, which it does not
    leave out (a presigned SigV4 URL carries it as X-Amz-Signature)."""
    if version == 2:
        return {k: v for k, v in request.params.items() if k != "Signature"}
    return {k: v for k, v in request.query if k != "X-Amz-Signature"}


def _title(name: str) -> str:
    return "-".join(part.capitalize() for part in name.split("-"))
