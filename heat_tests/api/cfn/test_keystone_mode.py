"""heat-api-cfn with auth_mode = keystone: signatures are checked by Keystone's ec2tokens
(a stand-in computing them with Keystone's own Ec2Signer), not against the local store."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket

import pytest
import requests
from botocore.auth import SigV2Auth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from oslo_config import cfg

from heat.api.cfn import app as cfn_app
from heat.api.middleware import auth as auth_mw
from heat.api.server import HttpServer
from heat.engine.clients import stack_domain
from heat.identity import STACK_USER
from heat_tests.api.cfn.conftest import REGION, Key, client
from heat_tests.api.cfn.templates import WEB
from heat_tests.api.cfn.test_security import LIST, error_of, send
from heat_tests.api.cfn.test_signals import (
    CFN_GET_METADATA,
    CONFIG,
    USER_TEMPLATE,
    Guest,
    outputs,
    wait_for,
)
from heat_tests.fixtures.keystone_ec2 import keystone_ec2  # noqa: F401

ALICE = Key("a1ice0000000000000000000000000ac", "alice-secret-in-keystone", "keystone-project")
STACK_USER_KEY = Key("5tack0000000000000000000000000ac", "stack-user-secret", "keystone-project")


def keystone_conf(ec2_auth_url: str) -> cfg.ConfigOpts:
    conf = cfg.ConfigOpts()
    conf.register_opts(auth_mw.OPTS)
    conf.register_opts(cfn_app.OPTS, group=cfn_app.GROUP)
    conf(args=[], default_config_files=[])
    conf.set_override("auth_mode", "keystone")
    conf.set_override("ec2_auth_url", ec2_auth_url, group=cfn_app.GROUP)
    return conf


@pytest.fixture
def keystone_cfn(engine_client, store, database, keystone_ec2):  # noqa: F811
    """heat-api-cfn in keystone mode, as make_app builds it from the configuration."""
    keystone_ec2.add(ALICE.access_key, ALICE.secret, project_id=ALICE.project_id, user_id="alice")
    keystone_ec2.add(
        STACK_USER_KEY.access_key,
        STACK_USER_KEY.secret,
        project_id=STACK_USER_KEY.project_id,
        user_id="stack-user",
        roles=(STACK_USER,),
    )
    conf = keystone_conf(f"{keystone_ec2.url}/v3")
    app = cfn_app.make_app(engine_client, store, conf, database=database)
    server = HttpServer(app, "127.0.0.1", 0, name="cfn").start()
    yield server
    server.stop()


def _error(caught: pytest.ExceptionInfo) -> tuple[int, str]:
    response = caught.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"]


def test_keys_keystone_knows_work_with_sigv4(keystone_cfn, keystone_ec2):  # noqa: F811
    cfn = client(keystone_cfn, ALICE)
    stack_id = cfn.create_stack(
        StackName="ks",
        TemplateBody=WEB,
        Parameters=[{"ParameterKey": "DbPassword", "ParameterValue": "pw-1234"}],
    )["StackId"]
    # The stack belongs to the project of Keystone's token, not to any local one.
    assert stack_id.startswith(f"arn:openstack:heat::{ALICE.project_id}:stacks/ks/")
    (stack,) = cfn.describe_stacks(StackName="ks")["Stacks"]
    assert stack["StackId"] == stack_id
    sent = keystone_ec2.requests[-1]
    assert (sent["access"], sent["verb"], sent["path"]) == (ALICE.access_key, "POST", "/v1")
    assert sent["headers"]["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=")
    assert "secret" not in str(sent)


def test_a_wrong_secret_is_refused_by_keystone(keystone_cfn, keystone_ec2):  # noqa: F811
    cfn = client(keystone_cfn, ALICE, secret="not-alice-secret")
    with pytest.raises(ClientError) as caught:
        cfn.list_stacks()
    assert _error(caught) == (403, "SignatureDoesNotMatch")
    assert keystone_ec2.requests[-1]["access"] == ALICE.access_key


def test_local_keys_mean_nothing_in_keystone_mode(keystone_cfn, keys):
    # `keys` are EC2 credentials of the local identity store, which Keystone does not know.
    with pytest.raises(ClientError) as caught:
        client(keystone_cfn, keys["a"]).list_stacks()
    assert _error(caught) == (403, "SignatureDoesNotMatch")


def test_sigv2_and_any_sigv4_scope_are_checked_by_keystone(keystone_cfn):
    # botocore's SigV2 (HmacSHA256, as Keystone's signer computes it) ...
    request = AWSRequest(method="POST", url=keystone_cfn.url + "/v1/", data=dict(LIST))
    SigV2Auth(Credentials(ALICE.access_key, ALICE.secret)).add_auth(request)
    answer = send(request)
    assert answer.status_code == 200, answer.text
    request = AWSRequest(method="POST", url=keystone_cfn.url + "/v1/", data=dict(LIST))
    SigV2Auth(Credentials(ALICE.access_key, "wrong")).add_auth(request)
    assert error_of(send(request))[:3] == (403, "Sender", "SignatureDoesNotMatch")
    # ... and SigV4 scoped to the host's first label, as boto 2 in heat-cfntools signs.
    request = AWSRequest(method="POST", url=keystone_cfn.url + "/v1/", data=dict(LIST))
    SigV4Auth(Credentials(ALICE.access_key, ALICE.secret), "127", REGION).add_auth(request)
    answer = send(request)
    assert answer.status_code == 200, answer.text


def test_roles_come_from_keystone(keystone_cfn):
    # A stack user's key (role heat_stack_user in Keystone's answer) may read its stack's
    # resources only.
    with pytest.raises(ClientError) as caught:
        client(keystone_cfn, STACK_USER_KEY).list_stacks()
    assert _error(caught) == (403, "AccessDenied")
    assert caught.value.response["Error"]["Message"] == (
        "Stack user credentials may not perform ListStacks"
    )


def test_keystone_out_of_reach_is_a_503(engine_client, store, database, keystone_ec2):  # noqa: F811
    url = f"{keystone_ec2.url}/v3"
    keystone_ec2.stop()  # the port is closed now
    app = cfn_app.make_app(engine_client, store, keystone_conf(url), database=database)
    server = HttpServer(app, "127.0.0.1", 0, name="cfn").start()
    try:
        with pytest.raises(ClientError) as caught:
            client(server, ALICE).list_stacks()
    finally:
        server.stop()
    assert _error(caught) == (503, "ServiceUnavailable")
    assert caught.value.response["Error"]["Message"] == (
        "Keystone could not be reached: ConnectionError"
    )


def test_keystone_mode_needs_its_url(engine_client, store, database):
    conf = keystone_conf("http://unused.example/v3")
    conf.clear_override("ec2_auth_url", group=cfn_app.GROUP)
    with pytest.raises(cfg.RequiredOptError):
        cfn_app.make_app(engine_client, store, conf, database=database)


def test_presigned_urls_and_signed_gets_are_checked_by_keystone(keystone_cfn, keystone_ec2):  # noqa: F811
    alice = Credentials(ALICE.access_key, ALICE.secret)
    request = AWSRequest(method="GET", url=keystone_cfn.url + "/v1/", params=LIST)
    SigV4QueryAuth(alice, "cloudformation", REGION, expires=60).add_auth(request)
    answer = requests.get(request.prepare().url, timeout=10)
    assert answer.status_code == 200, answer.text
    # Keystone's signer builds the canonical query from the parameters it is sent: the
    # signature itself must not be among them.
    sent = keystone_ec2.requests[-1]
    assert sent["params"]["X-Amz-Credential"].startswith(f"{ALICE.access_key}/")
    assert "X-Amz-Signature" not in sent["params"]
    request = AWSRequest(method="GET", url=keystone_cfn.url + "/v1/", params=LIST)
    SigV4Auth(alice, "cloudformation", REGION).add_auth(request)
    answer = send(request)
    assert answer.status_code == 200, answer.text
    assert keystone_ec2.requests[-1]["params"] == LIST


@pytest.mark.skipif(
    not (os.path.exists(CFN_GET_METADATA) and shutil.which("unshare")),
    reason="needs heat-cfntools (tools/system-packages.txt) and unshare",
)
def test_the_real_cfn_get_metadata_signs_as_keystone_checks(keystone_cfn, tmp_path):
    # boto 2 inside heat-cfntools: SigV4 scoped to the host's first label ("127").
    template = {"Resources": {"Server": {"Type": "OS::Heat::None", "Metadata": CONFIG}}}
    client(keystone_cfn, ALICE).create_stack(StackName="meta", TemplateBody=json.dumps(template))
    guest = Guest(tmp_path / "guest", keystone_cfn.url)

    read = guest.run(
        CFN_GET_METADATA,
        *("-s", "meta", "-r", "Server", "--credential-file"),
        guest.credentials(ALICE.access_key, ALICE.secret),
    )
    refused = guest.run(
        CFN_GET_METADATA,
        *("-s", "meta", "-r", "Server", "--credential-file"),
        guest.credentials(ALICE.access_key, "not-alice-secret"),
    )

    assert read.returncode == 0, read.stderr
    assert json.loads(read.stdout) == CONFIG
    assert refused.returncode != 0
    assert "SignatureDoesNotMatch" in refused.stderr


# -- stack users: AWS::IAM::User and AccessKey in Keystone's stack domain ----------------

NEEDS_CFNTOOLS = pytest.mark.skipif(
    not (os.path.exists(CFN_GET_METADATA) and shutil.which("unshare")),
    reason="needs heat-cfntools (tools/system-packages.txt) and unshare",
)
USERS_TEMPLATE = {
    **USER_TEMPLATE,
    "Resources": {
        **USER_TEMPLATE["Resources"],
        "Idle": {
            "Type": "AWS::IAM::AccessKey",
            "Properties": {"UserName": {"Ref": "User"}, "Status": "Inactive"},
        },
    },
    "Outputs": {
        **USER_TEMPLATE["Outputs"],
        "IdleKey": {"Value": {"Ref": "Idle"}},
        "IdleSecret": {"Value": {"Fn::GetAtt": ["Idle", "SecretAccessKey"]}},
    },
}


def keystone_stack_users(auth_url: str, admin) -> stack_domain.KeystoneStackUsers:
    """Stack users in Keystone's domain of `admin`, as the operator configures them."""
    conf = cfg.ConfigOpts()
    conf.register_opts(stack_domain.OPTS)
    conf(args=[], default_config_files=[])
    conf.set_override("stack_user_domain_name", admin.domain_name)
    conf.set_override("stack_domain_admin", admin.name)
    conf.set_override("stack_domain_admin_password", admin.password)
    return stack_domain.KeystoneStackUsers.from_conf(conf, auth_url)


@pytest.fixture
def stack_users_domain(engine, keystone_ec2):  # noqa: F811
    """The engine's stack users in the stand-in Keystone's domain "heat"."""
    admin = keystone_ec2.add_domain_admin("heat", "heat_domain_admin", "domain-admin-pw")
    engine.stack_users = keystone_stack_users(f"{keystone_ec2.url}/v3", admin)
    return admin


def _create(engine, cfn, name: str, template: dict) -> dict:
    # No rollback: a failed resource keeps its status reason for the test to read.
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(template), DisableRollback=True)
    return wait_for(engine, cfn, name)


def _delete(engine, cfn, stack: dict) -> None:
    cfn.delete_stack(StackName=stack["StackId"])
    assert engine.wait(stack["StackId"].rsplit("/", 1)[-1], 60)


def _server_metadata(cfn, stack: str) -> dict:
    detail = cfn.describe_stack_resource(StackName=stack, LogicalResourceId="Server")
    return json.loads(detail["StackResourceDetail"]["Metadata"])


def test_a_stacks_keys_are_keystones_until_the_stack_is_deleted(
    engine,
    keystone_cfn,
    keystone_ec2,  # noqa: F811
    stack_users_domain,
):
    alice = client(keystone_cfn, ALICE)
    stack = _create(engine, alice, "users", USERS_TEMPLATE)
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    out = outputs(stack)
    (user,) = keystone_ec2.users.values()
    assert (user["name"], user["domain_id"]) == (out["UserName"], stack_users_domain.domain_id)
    assert keystone_ec2.roles_of(user["id"], ALICE.project_id) == {STACK_USER}
    key = Key(out["AccessKey"], out["SecretKey"], ALICE.project_id)
    assert keystone_ec2.credentials[key.access_key].user_id == user["id"]

    # Keystone accepts the key; Heat lets it read its own stack's resources, nothing else.
    assert _server_metadata(client(keystone_cfn, key), "users") == CONFIG
    assert keystone_ec2.requests[-1]["access"] == key.access_key
    with pytest.raises(ClientError) as caught:
        client(keystone_cfn, key).list_stacks()
    assert _error(caught) == (403, "AccessDenied")
    # An Inactive key is shaped as Keystone's are (hex) and known to nobody.
    assert re.fullmatch(r"[0-9a-f]{40}", out["IdleSecret"])
    assert out["IdleKey"] not in keystone_ec2.credentials
    with pytest.raises(ClientError) as caught:
        _server_metadata(client(keystone_cfn, Key(out["IdleKey"], out["IdleSecret"], "")), "users")
    assert _error(caught) == (403, "SignatureDoesNotMatch")

    _delete(engine, alice, stack)

    with pytest.raises(ClientError) as caught:
        _server_metadata(client(keystone_cfn, key), "users")
    assert _error(caught) == (403, "SignatureDoesNotMatch")
    assert keystone_ec2.users == {}
    assert keystone_ec2.credentials.keys() == {ALICE.access_key, STACK_USER_KEY.access_key}
    path = f"/v3/users/{user['id']}/credentials/OS-EC2/{key.access_key}"
    assert ("DELETE", path) in keystone_ec2.calls  # the key went first, then its user


@pytest.mark.parametrize(
    "method, path, status, message",
    [
        ("POST", r"/v3/users", 403, "You are not authorized to perform the requested action."),
        ("POST", r"/v3/users/.*/OS-EC2", 409, "Conflict occurred attempting to store credential."),
        ("PUT", r"/v3/projects/.*", 503, "Service Unavailable"),
    ],
)
def test_keystone_refusing_fails_the_resource_with_its_message(
    engine,
    keystone_cfn,
    keystone_ec2,  # noqa: F811
    stack_users_domain,
    method,
    path,
    status,
    message,
):
    keystone_ec2.fail_next(method, path, status, message)
    alice = client(keystone_cfn, ALICE)

    stack = _create(engine, alice, "refused", USER_TEMPLATE)

    assert stack["StackStatus"] == "CREATE_FAILED"
    failed = [
        r
        for r in alice.describe_stack_resources(StackName="refused")["StackResources"]
        if r["ResourceStatus"] == "CREATE_FAILED"
    ]
    assert [r["ResourceStatusReason"] for r in failed] == [
        f"CREATE failed: Keystone: {message} (HTTP {status})"
    ]
    _delete(engine, alice, stack)
    assert keystone_ec2.users == {}


def test_keystone_out_of_reach_fails_the_user(
    engine,
    keystone_cfn,
    keystone_ec2,  # noqa: F811
    stack_users_domain,
):
    # heat-api-cfn asks ec2tokens, which answers; the stack domain's Keystone is a closed port.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    engine.stack_users = keystone_stack_users(f"http://127.0.0.1:{closed}/v3", stack_users_domain)
    alice = client(keystone_cfn, ALICE)

    stack = _create(engine, alice, "unreachable", USER_TEMPLATE)

    assert stack["StackStatus"] == "CREATE_FAILED"
    detail = alice.describe_stack_resource(StackName="unreachable", LogicalResourceId="User")
    assert detail["StackResourceDetail"]["ResourceStatusReason"] == (
        "CREATE failed: Keystone could not be reached: ConnectFailure"
    )


@NEEDS_CFNTOOLS
def test_the_real_cfn_get_metadata_reads_with_a_stack_users_key(
    engine,
    keystone_cfn,
    keystone_ec2,  # noqa: F811
    stack_users_domain,
    tmp_path,
):
    stack = _create(engine, client(keystone_cfn, ALICE), "tools", USER_TEMPLATE)
    out = outputs(stack)
    guest = Guest(tmp_path / "guest", keystone_cfn.url)
    credentials = guest.credentials(out["AccessKey"], out["SecretKey"])

    read = guest.run(
        CFN_GET_METADATA, "-s", "tools", "-r", "Server", "--credential-file", credentials
    )

    assert read.returncode == 0, read.stderr
    assert json.loads(read.stdout) == CONFIG
