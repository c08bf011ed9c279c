"""The identity store on every database backend: users, roles, tokens, EC2 credentials."""

import hashlib
import re

import pytest
import sqlalchemy as sa

from heat.common.exception import AuthenticationFailed, Conflict, InvalidInput
from heat.db import models
from heat.identity import IdentityStore, passwords


def test_password_hash_is_scrypt_and_verifies():
    stored = passwords.hash_password("s3cret")
    scheme, n, r, p, salt, digest = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert passwords.verify_password("s3cret", stored)
    assert not passwords.verify_password("s3cret ", stored)
    assert not passwords.verify_password("s3cret", "md5$abc")
    assert passwords.hash_password("s3cret") != stored  # salted


def test_users_authenticate_by_name_or_id(store):
    project = store.create_project("demo")
    user = store.create_user("alice", "wonderland", project.id)
    assert store.authenticate("wonderland", name="alice") == user
    assert store.authenticate("wonderland", user_id=user.id) == user
    assert store.authenticate("wrong", name="alice") is None
    assert store.authenticate("wonderland", name="bob") is None
    with store.engine.connect() as conn:
        stored = conn.execute(sa.select(models.identity_user.c.password_hash)).scalar_one()
    assert "wonderland" not in stored and stored.startswith("scrypt$")


def test_duplicate_names_conflict(store):
    store.create_project("demo")
    store.create_user("alice", "pw")
    with pytest.raises(Conflict, match="^Project demo already exists$"):
        store.create_project("demo")
    with pytest.raises(Conflict, match="^User alice already exists$"):
        store.create_user("alice", "pw")


def test_roles_are_per_project_and_known(store):
    a, b = store.create_project("a"), store.create_project("b")
    user = store.create_user("u", "pw")
    store.grant(user.id, a.id, "member")
    store.grant(user.id, a.id, "member")
    store.grant(user.id, a.id, "heat_stack_user")
    assert store.roles(user.id, a.id) == ("heat_stack_user", "member")
    assert store.roles(user.id, b.id) == ()
    assert store.projects_for_user(user.id) == [a]
    with pytest.raises(InvalidInput, match="^unknown role root: use one of admin, member"):
        store.grant(user.id, a.id, "root")


def test_tokens_are_stored_hashed_and_expire(heat_db):
    now = [1_700_000_000.0]
    store = IdentityStore.for_database(heat_db, token_lifetime=60, clock=lambda: now[0])
    project = store.create_project("demo")
    user = store.create_user("alice", "pw", project.id)
    store.grant(user.id, project.id, "member")
    token = store.issue_token(user, project)
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(models.identity_token)).one()._mapping
    assert row["id_hash"] == hashlib.sha256(token.id.encode()).hexdigest()
    valid = store.validate_token(token.id)
    assert (valid.user, valid.project, valid.roles) == (user, project, ("member",))
    assert valid.context().project_id == project.id
    assert valid.context().roles == ("member",)
    now[0] += 59
    assert store.validate_token(token.id) is not None
    now[0] += 1
    assert store.validate_token(token.id) is None
    assert store.purge_expired_tokens() == 1


def test_revoked_and_unknown_tokens_are_invalid(store):
    project = store.create_project("demo")
    user = store.create_user("alice", "pw", project.id)
    store.grant(user.id, project.id, "member")
    token = store.issue_token(user, project)
    assert store.revoke_token(token.id)
    assert store.validate_token(token.id) is None
    assert store.validate_token("") is None
    assert store.validate_token("x" * 10_000) is None
    assert not store.revoke_token(token.id)


def test_no_token_for_a_project_without_a_role(store):
    project = store.create_project("demo")
    user = store.create_user("alice", "pw")
    with pytest.raises(AuthenticationFailed) as info:
        store.issue_token(user, project)
    assert info.value.message == f"User {user.id} has no access to project {project.id}."


def test_ec2_credentials_encrypt_the_secret(store):
    project = store.create_project("demo")
    user = store.create_user("alice", "pw")
    store.grant(user.id, project.id, "member")
    access, secret = store.create_ec2_credentials(user.id, project.id)
    with store.engine.connect() as conn:
        stored = conn.execute(sa.select(models.identity_ec2_credential.c.secret)).scalar_one()
    assert secret not in stored
    assert store.crypter.decrypt(stored) == secret
    cred = store.ec2_credentials(access)
    assert (cred.access_key, cred.secret, cred.project_id, cred.user_id, cred.roles) == (
        access,
        secret,
        project.id,
        user.id,
        ("member",),
    )
    assert secret not in repr(cred)
    assert store.ec2_credentials("nope") is None
    assert store.list_ec2_credentials(user.id) == [access]
    assert store.delete_ec2_credentials(access)
    assert store.ec2_credentials(access) is None


def test_ec2_keys_are_plain_words_on_a_command_line(store):
    # Servers pass them as `cfn-init --access-key KEY --secret-key SECRET`: one starting
    # with "-" would be taken for an option (argparse exits 2), one with shell characters
    # would need quoting that user data rarely has.
    project = store.create_project("demo")
    user = store.create_user("alice", "pw")
    store.grant(user.id, project.id, "member")
    for _ in range(20):
        access, secret = store.create_ec2_credentials(user.id, project.id)
        assert re.fullmatch(r"[0-9a-f]{32}", access)
        assert re.fullmatch(r"[0-9a-f]{40}", secret)


def test_bootstrap_creates_admin_and_is_repeatable(store):
    first = store.bootstrap("admin", "admin", "pw1")
    assert store.roles(first.user.id, first.project.id) == ("admin", "member")
    assert store.authenticate("pw1", name="admin") == first.user
    assert store.ec2_credentials(first.access_key).secret == first.secret_key
    again = store.bootstrap("admin", "admin")
    assert (again.project, again.user) == (first.project, first.user)
    assert len(again.password) >= 20
    assert store.authenticate("pw1", name="admin") is None
    assert store.authenticate(again.password, name="admin") == first.user
