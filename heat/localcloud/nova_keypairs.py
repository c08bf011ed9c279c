"""Nova's os-keypairs: generate or import, list, show, delete.

Keypairs belong to a user (not a project), as in Nova. Generated keys are real RSA keys, so
a demo can ssh with them into a real cloud's servers if it is ever pointed at one.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from heat.api.wsgi import json_response
from heat.localcloud.routing import ApiError, json_body
from heat.localcloud.timeutil import iso_micro

_NAME_RE = re.compile(r"^[\w\-. @]{1,255}$")


def fingerprint(public_key: str) -> str:
    """The MD5 colon-hex fingerprint of an OpenSSH public key; ValueError if malformed."""
    parts = public_key.split()
    if len(parts) < 2:
        raise ValueError("not an OpenSSH public key")
    serialization.load_ssh_public_key(f"{parts[0]} {parts[1]}".encode())
    digest = hashlib.md5(base64.b64decode(parts[1]), usedforsecurity=False).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def generate() -> tuple[str, str]:
    """A new RSA key pair: (private key PEM, OpenSSH public key)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )
    return private, f"{public} Generated-by-Nova\n"


class Keypairs:
    """Keypair documents (kind "keypair", id "<user_id>/<name>") and their routes."""

    def __init__(self, nova):
        self.nova = nova
        self.store = nova.store
        r = nova.router
        r.add("GET", "/os-keypairs", self.list_keypairs)
        r.add("POST", "/os-keypairs", self.create)
        r.add("GET", "/os-keypairs/{name}", self.show)
        r.add("DELETE", "/os-keypairs/{name}", self.delete)

    def get(self, user_id: str, name: str) -> dict | None:
        """The keypair `name` of `user_id`, or None."""
        return self.store.get("keypair", f"{user_id}/{name}")

    def _owner(self, req) -> str:
        token = req.environ["localcloud.token"]
        wanted = req.GET.get("user_id")
        if wanted and wanted != token["user_id"]:
            if req.environ["localcloud.version"] < (2, 10) or not self.nova.is_admin(token):
                raise ApiError(
                    403, "Policy doesn't allow os_compute_api:os-keypairs to be performed."
                )
            return wanted
        return token["user_id"]

    def _view(self, req, keypair: dict, detail: bool = False) -> dict:
        view = {
            "name": keypair["name"],
            "public_key": keypair["public_key"],
            "fingerprint": keypair["fingerprint"],
        }
        if req.environ["localcloud.version"] >= (2, 2):
            view["type"] = keypair["type"]
        if detail:
            view.update(
                {
                    "user_id": keypair["user_id"],
                    "deleted": False,
                    "created_at": iso_micro(keypair["created_at"]),
                    "updated_at": None,
                    "deleted_at": None,
                    "id": keypair["seq"],
                }
            )
        return view

    def list_keypairs(self, req):
        user_id = self._owner(req)
        keypairs = [k for k in self.store.list("keypair") if k["user_id"] == user_id]
        return json_response({"keypairs": [{"keypair": self._view(req, k)} for k in keypairs]})

    def create(self, req):
        spec = json_body(req, "keypair")
        version = req.environ["localcloud.version"]
        name = spec.get("name")
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise ApiError(
                400,
                "Keypair data is invalid: Keypair name contains unsafe "
                "characters or is not 1 to 255 characters long",
            )
        key_type = spec.get("type", "ssh") if version >= (2, 2) else "ssh"
        if key_type not in ("ssh", "x509"):
            raise ApiError(400, f"Invalid input for field/attribute type. Value: {key_type}.")
        token = req.environ["localcloud.token"]
        user_id = spec.get("user_id") if version >= (2, 10) and spec.get("user_id") else None
        if user_id and user_id != token["user_id"] and not self.nova.is_admin(token):
            raise ApiError(
                403, "Policy doesn't allow os_compute_api:os-keypairs:create to be performed."
            )
        user_id = user_id or token["user_id"]
        public_key = spec.get("public_key")
        private_key = None
        if public_key is None:
            private_key, public_key = generate()
        try:
            print_ = fingerprint(public_key)
        except ValueError:
            raise ApiError(400, "Keypair data is invalid: failed to generate fingerprint") from None
        with self.store.locked():
            if self.get(user_id, name) is not None:
                raise ApiError(409, f"Key pair '{name}' already exists.")
            keypair = {
                "seq": self.store.next_seq("keypair"),
                "name": name,
                "user_id": user_id,
                "type": key_type,
                "public_key": public_key,
                "fingerprint": print_,
                "created_at": time.time(),
            }
            self.store.put("keypair", f"{user_id}/{name}", keypair)
        view = self._view(req, keypair)
        view["user_id"] = user_id
        if private_key is not None:
            view["private_key"] = private_key
        # 2.2 changed the success code of create from 200 to 201.
        return json_response({"keypair": view}, 201 if version >= (2, 2) else 200)

    def show(self, req, name):
        keypair = self.get(self._owner(req), name)
        if keypair is None:
            raise ApiError(404, f"Keypair {name} not found for user {self._owner(req)}")
        return json_response({"keypair": self._view(req, keypair, detail=True)})

    def delete(self, req, name):
        user_id = self._owner(req)
        if not self.store.delete("keypair", f"{user_id}/{name}"):
            raise ApiError(404, f"Keypair {name} not found for user {user_id}")
        # 2.2 changed the success code of delete from 202 to 204.
        status = 204 if req.environ["localcloud.version"] >= (2, 2) else 202
        return json_response(None, status)
