"""LocalAuth remembers valid tokens briefly (as keystonemiddleware does), never invalid ones."""

from __future__ import annotations

import pytest

from heat.api.middleware.auth import LocalAuth
from heat.common.exception import AuthenticationFailed
from heat.identity import IdentityStore


@pytest.fixture
def login(tmp_path):
    from cryptography.fernet import Fernet

    from heat.common import crypt
    from heat.db import migration
    from heat.db.api import Database

    url = f"sqlite:///{tmp_path}/heat.sqlite"
    migration.db_sync(url)
    db = Database(url, crypter=crypt.Crypter(Fernet.generate_key().decode()))
    store = IdentityStore.for_database(db)
    project = store.create_project("p")
    user = store.create_user("u", "pw-pw-pw-pw", project.id)
    store.grant(user.id, project.id, "member")
    yield store, store.issue_token(user, project).id, project
    db.dispose()


def test_a_valid_token_is_remembered_for_a_few_seconds(login):
    store, token, project = login
    auth = LocalAuth(store, cache_seconds=60)
    assert auth.context({"HTTP_X_AUTH_TOKEN": token}).project_id == project.id
    store.revoke_token(token)
    assert auth.context({"HTTP_X_AUTH_TOKEN": token}).project_id == project.id  # cached


def test_without_cache_a_revocation_is_seen_at_once(login):
    store, token, _ = login
    auth = LocalAuth(store, cache_seconds=0)
    auth.context({"HTTP_X_AUTH_TOKEN": token})
    store.revoke_token(token)
    with pytest.raises(AuthenticationFailed):
        auth.context({"HTTP_X_AUTH_TOKEN": token})


def test_invalid_tokens_are_not_remembered(login):
    store, token, _ = login
    auth = LocalAuth(store, cache_seconds=60)
    for _ in range(2):
        with pytest.raises(AuthenticationFailed):
            auth.context({"HTTP_X_AUTH_TOKEN": "nope"})
    with pytest.raises(AuthenticationFailed):
        auth.context({})
    assert auth._cache == {}
