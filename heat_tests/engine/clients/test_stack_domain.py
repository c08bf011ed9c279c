"""KeystoneStackUsers over HTTP against the Keystone stand-in (heat_tests.fixtures.keystone_ec2):
users in the stack domain, their role on the stack's project, their OS-EC2 keys, and
Keystone's errors as Heat's."""

from __future__ import annotations

import pytest
from keystoneclient.contrib.ec2.utils import Ec2Signer
from oslo_config import cfg

from heat.engine.clients.errors import CloudRequestFailed
from heat.engine.clients.session import CloudCredentials
from heat.engine.clients.stack_domain import OPTS, KeystoneStackUsers, stack_users_for_auth_mode
from heat_tests.fixtures.keystone_ec2 import keystone_ec2  # noqa: F401

PROJECT = "stack-project"


def stack_domain_conf(**values) -> cfg.ConfigOpts:
    conf = cfg.ConfigOpts()
    conf.register_opts(OPTS)
    conf(args=[], default_config_files=[])
    for name, value in values.items():
        conf.set_override(name, value)
    return conf


@pytest.fixture
def admin(keystone_ec2):  # noqa: F811
    return keystone_ec2.add_domain_admin("heat", "heat_domain_admin", "domain-admin-pw")


def users_for(keystone, admin, *, by_id: bool = False, password: str | None = None):
    domain = {"stack_user_domain_id": admin.domain_id} if by_id else {}
    conf = stack_domain_conf(
        stack_user_domain_name=admin.domain_name,
        stack_domain_admin=admin.name,
        stack_domain_admin_password=password or admin.password,
        **domain,
    )
    return KeystoneStackUsers.from_conf(conf, f"{keystone.url}/v3")


def signed(access: str, secret: str) -> dict:
    """An ec2tokens credentials document for a SigV2 GET, as heat.api.aws sends one."""
    params = {"Action": "ListStacks", "SignatureVersion": "2", "SignatureMethod": "HmacSHA256"}
    params["AWSAccessKeyId"] = access
    credentials = {"access": access, "host": "cfn:8000", "verb": "GET", "path": "/v1/"}
    credentials["params"] = params
    credentials["signature"] = Ec2Signer(secret).generate(dict(credentials, params=dict(params)))
    return credentials


@pytest.mark.parametrize("by_id", [False, True], ids=["domain-name", "domain-id"])
def test_a_stack_user_lives_in_the_stack_domain_with_only_heat_stack_user(
    keystone_ec2,  # noqa: F811
    admin,
    by_id,
):
    users = users_for(keystone_ec2, admin, by_id=by_id)

    user_id = users.create_user("st-User-1a2b3c4d", "user-pw", PROJECT)

    assert keystone_ec2.users[user_id] == {
        "id": user_id,
        "name": "st-User-1a2b3c4d",
        "domain_id": admin.domain_id,
    }
    assert keystone_ec2.roles_of(user_id, PROJECT) == {"heat_stack_user"}
    assert users.find_user("st-User-1a2b3c4d") == user_id
    assert users.find_user("no-such-user") is None


def test_its_ec2_keys_are_keystones_until_deleted(keystone_ec2, admin):  # noqa: F811
    users = users_for(keystone_ec2, admin)
    user_id = users.create_user("st-User-1a2b3c4d", "user-pw", PROJECT)

    access, secret = users.create_ec2_credentials(user_id, PROJECT)
    kept = users.create_ec2_credentials(user_id, PROJECT)

    found = keystone_ec2.credentials[access]
    assert (found.secret, found.user_id, found.project_id) == (secret, user_id, PROJECT)
    assert found.roles == ("heat_stack_user",)
    users.delete_ec2_credentials(user_id, access)
    assert access not in keystone_ec2.credentials
    users.delete_ec2_credentials(user_id, access)  # already gone: done
    users.delete_user(user_id)
    assert user_id not in keystone_ec2.users
    assert kept[0] not in keystone_ec2.credentials  # Keystone deletes them with the user
    users.delete_user(user_id)  # already gone: done


@pytest.mark.parametrize(
    "method, path, status, message",
    [
        ("POST", r"/v3/users", 409, "Duplicate entry found with name st-User-1a2b3c4d."),
        ("GET", r"/v3/roles", 403, "You are not authorized to perform the requested action."),
        ("PUT", r"/v3/projects/.*", 404, "Could not find project: stack-project."),
        ("POST", r"/v3/users", 500, "An unexpected error prevented the server from working."),
    ],
)
def test_keystones_errors_carry_its_message(keystone_ec2, admin, method, path, status, message):  # noqa: F811
    users = users_for(keystone_ec2, admin)
    keystone_ec2.fail_next(method, path, status, message)

    with pytest.raises(CloudRequestFailed) as caught:
        users.create_user("st-User-1a2b3c4d", "user-pw", PROJECT)

    assert str(caught.value) == f"Keystone: {message} (HTTP {status})"
    assert caught.value.http_status == status
    assert keystone_ec2.users == {}  # none half made


def test_a_wrong_domain_admin_password_is_keystones_401(keystone_ec2, admin):  # noqa: F811
    users = users_for(keystone_ec2, admin, password="not-the-password")

    with pytest.raises(CloudRequestFailed) as caught:
        users.create_user("st-User-1a2b3c4d", "user-pw", PROJECT)

    assert str(caught.value) == (
        "Keystone: The request you have made requires authentication. (HTTP 401)"
    )
    assert keystone_ec2.users == {}


def test_deleting_a_key_fails_with_keystones_error(keystone_ec2, admin):  # noqa: F811
    users = users_for(keystone_ec2, admin)
    user_id = users.create_user("st-User-1a2b3c4d", "user-pw", PROJECT)
    access, _ = users.create_ec2_credentials(user_id, PROJECT)
    keystone_ec2.fail_next("DELETE", r"/v3/users/.*/OS-EC2/.*", 503, "Service Unavailable")

    with pytest.raises(CloudRequestFailed) as caught:
        users.delete_ec2_credentials(user_id, access)

    assert str(caught.value) == "Keystone: Service Unavailable (HTTP 503)"
    assert access in keystone_ec2.credentials


def test_keystone_out_of_reach(keystone_ec2, admin):  # noqa: F811
    users = users_for(keystone_ec2, admin)
    keystone_ec2.stop()

    with pytest.raises(CloudRequestFailed) as caught:
        users.create_user("st-User-1a2b3c4d", "user-pw", PROJECT)

    assert str(caught.value) == "Keystone could not be reached: ConnectFailure"


@pytest.mark.parametrize(
    "values, missing",
    [
        ({"stack_domain_admin": "a", "stack_domain_admin_password": "p"}, "stack_user_domain_id"),
        (
            {"stack_user_domain_name": "heat", "stack_domain_admin_password": "p"},
            "stack_domain_admin",
        ),
        ({"stack_user_domain_id": "d", "stack_domain_admin": "a"}, "stack_domain_admin_password"),
    ],
)
def test_the_stack_domain_must_be_configured(values, missing):
    with pytest.raises(cfg.RequiredOptError) as caught:
        KeystoneStackUsers.from_conf(stack_domain_conf(**values), "http://keystone.example/v3")
    assert caught.value.opt_name == missing


def test_keystone_mode_makes_the_engines_stack_users_keystones(keystone_ec2, admin):  # noqa: F811
    conf = stack_domain_conf(
        stack_user_domain_name=admin.domain_name,
        stack_domain_admin=admin.name,
        stack_domain_admin_password=admin.password,
    )
    cloud = CloudCredentials(auth_url=f"{keystone_ec2.url}/v3", username="heat", password="pw")
    assert stack_users_for_auth_mode(conf, cloud) is None  # auth_mode = local

    conf.set_override("auth_mode", "keystone")
    users = stack_users_for_auth_mode(conf, cloud)

    assert isinstance(users, KeystoneStackUsers)
    user_id = users.create_user("st-User-1a2b3c4d", "user-pw", PROJECT)
    assert keystone_ec2.users[user_id]["domain_id"] == admin.domain_id
    with pytest.raises(cfg.RequiredOptError) as caught:
        stack_users_for_auth_mode(conf, None)
    assert (caught.value.group.name, caught.value.opt_name) == ("cloud", "auth_url")
