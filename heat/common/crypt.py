"""Symmetric encryption of secrets at rest (NoEcho parameters, generated keys, credentials).

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256, with a timestamp) under a key
derived from the `auth_encryption_key` option. When the option is unset, a random key is
generated once and kept in `<state_dir>/auth_encryption_key` (mode 0600), so an all-in-one
deployment is secure without configuration and keeps working across restarts.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets

from cryptography.fernet import Fernet, InvalidToken
from oslo_config import cfg

from heat.common import paths
from heat.common.exception import HeatError

OPTS = [
    cfg.StrOpt(
        "auth_encryption_key",
        secret=True,
        help="Key used to encrypt secrets stored in the database (at least 16 characters). "
        "When unset, a random key is generated and kept in <state_dir>/auth_encryption_key. "
        "Every engine sharing a database must use the same key.",
    ),
]

KEY_FILE_NAME = "auth_encryption_key"
MIN_KEY_LENGTH = 16


class CryptError(HeatError):
    """A secret cannot be encrypted or decrypted (wrong key, corrupt value, bad key)."""


class Crypter:
    """Encrypts and decrypts strings with one key."""

    def __init__(self, key: str):
        if len(key) < MIN_KEY_LENGTH:
            raise CryptError(
                f"auth_encryption_key must be at least {MIN_KEY_LENGTH} characters long"
            )
        # Any operator-chosen string becomes a valid 32-byte Fernet key; the input is
        # expected to carry enough entropy itself, so a plain hash is sufficient here.
        digest = hashlib.sha256(key.encode("utf-8")).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    @classmethod
    def from_conf(cls, conf: cfg.ConfigOpts) -> Crypter:
        """The Crypter for `conf`: its auth_encryption_key, else the key in state_dir."""
        if conf.auth_encryption_key:
            return cls(conf.auth_encryption_key)
        return cls(load_or_create_key(conf.state_dir))

    def encrypt(self, value: str) -> str:
        """`value` encrypted, as an ASCII token."""
        return self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """The plain text of `token`; CryptError if the key is wrong or the token corrupt."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise CryptError(
                "cannot decrypt a stored secret: it was encrypted with a different "
                "auth_encryption_key, or the stored value is corrupt"
            )


def load_or_create_key(state_dir: str) -> str:
    """The key kept in `state_dir`, generated (mode 0600) on first use."""
    path = os.path.join(paths.ensure_state_dir(state_dir), KEY_FILE_NAME)
    if not os.path.exists(path):
        # Written in full to a private temporary file, then linked into place: when two
        # processes start at once, exactly one link succeeds and both read the same,
        # complete key.
        tmp = f"{path}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(32) + "\n")
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return _read_key(path)


def _read_key(path: str) -> str:
    try:
        with open(path) as f:
            key = f.read().strip()
    except OSError as e:
        raise CryptError(f"cannot read the encryption key {path}: {e.strerror}")
    if not key:
        raise CryptError(f"the encryption key file {path} is empty")
    return key


_default: Crypter | None = None


def default_crypter() -> Crypter:
    """The process-wide Crypter, configured from cfg.CONF on first use."""
    global _default
    if _default is None:
        conf = cfg.CONF
        for opts in (paths.OPTS, OPTS):
            for opt in opts:
                if opt.dest not in conf:
                    conf.register_opt(opt)
        _default = Crypter.from_conf(conf)
    return _default


def encrypt(value: str) -> str:
    """`value` encrypted with the process-wide key (from cfg.CONF)."""
    return default_crypter().encrypt(value)


def decrypt(token: str) -> str:
    """`token` decrypted with the process-wide key (from cfg.CONF)."""
    return default_crypter().decrypt(token)
