"""heat-api-cfn with auth_mode = keystone: signatures are checked by Keystone's ec2tokens
(a stand-in computing them with Keystone's own Ec2Signer), not against the local store."""

from __future__ import annotations

import json
import os
import shutil

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
from heat.identity import STACK_USER
from heat_tests.api.cfn.conftest import REGION, Key, client
from heat_tests.api.cfn.templates import WEB
from heat_tests.api.cfn.test_security import LIST, error_of, send
from heat_tests.api.cfn.test_signals import CFN_GET_METADATA, CONFIG, Guest
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
