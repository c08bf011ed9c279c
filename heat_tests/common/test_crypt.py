"""Encryption of secrets at rest."""

import os
import stat
import threading

import pytest
from oslo_config import cfg

from heat import opts
from heat.common import crypt
from heat.common.crypt import Crypter, CryptError
from heat.common.exception import HeatError

KEY = "0123456789abcdef-test-key"


def test_round_trip_with_unicode():
    crypter = Crypter(KEY)
    token = crypter.encrypt("pässwörd ✓")
    assert token.isascii() and "pässwörd" not in token
    assert crypter.decrypt(token) == "pässwörd ✓"


def test_tokens_differ_for_the_same_value():
    crypter = Crypter(KEY)
    assert crypter.encrypt("x") != crypter.encrypt("x")


def test_wrong_key_is_a_clear_heat_error():
    token = Crypter(KEY).encrypt("secret")
    with pytest.raises(CryptError) as raised:
        Crypter("another-key-that-is-long").decrypt(token)
    assert isinstance(raised.value, HeatError)
    assert raised.value.message == (
        "cannot decrypt a stored secret: it was encrypted with a different "
        "auth_encryption_key, or the stored value is corrupt"
    )


@pytest.mark.parametrize("token", ["", "not-a-token", "gAAAAA-ünïcode"])
def test_corrupt_tokens_are_a_clear_error(token):
    with pytest.raises(CryptError, match="cannot decrypt a stored secret"):
        Crypter(KEY).decrypt(token)


def test_short_keys_are_refused():
    with pytest.raises(CryptError) as raised:
        Crypter("short")
    assert raised.value.message == "auth_encryption_key must be at least 16 characters long"


def _conf(tmp_path, key=None):
    conf = cfg.ConfigOpts()
    opts.register_all(conf)
    conf(args=[], default_config_files=[])
    conf.set_override("state_dir", str(tmp_path / "state"))
    if key:
        conf.set_override("auth_encryption_key", key)
    return conf


def test_configured_key_is_used(tmp_path):
    token = Crypter.from_conf(_conf(tmp_path, KEY)).encrypt("v")
    assert Crypter(KEY).decrypt(token) == "v"
    assert not os.path.exists(tmp_path / "state" / "auth_encryption_key")


def test_generated_key_is_kept_private_and_reused(tmp_path):
    token = Crypter.from_conf(_conf(tmp_path)).encrypt("v")

    path = tmp_path / "state" / "auth_encryption_key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert Crypter.from_conf(_conf(tmp_path)).decrypt(token) == "v"
    assert Crypter(path.read_text().strip()).decrypt(token) == "v"


def test_concurrent_first_use_yields_one_key(tmp_path):
    keys = []
    threads = [
        threading.Thread(target=lambda: keys.append(crypt.load_or_create_key(str(tmp_path))))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(keys)) == 1
    assert os.listdir(tmp_path) == ["auth_encryption_key"]


def test_empty_key_file_is_an_error(tmp_path):
    (tmp_path / "auth_encryption_key").write_text("")
    with pytest.raises(CryptError, match="is empty"):
        crypt.load_or_create_key(str(tmp_path))
