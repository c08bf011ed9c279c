"""Authentication and tenancy: what unsigned, mis-signed, stale or foreign requests get."""

import base64
import datetime
import hashlib
import hmac
import json
import time
from urllib.parse import quote, urlencode, urlsplit

import pytest
import requests
from botocore.auth import SigV2Auth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from heat.api.aws.signature import Verifier
from heat_tests.api.cfn.conftest import REGION, client, serve
from heat_tests.api.cfn.templates import SECRET, WEB

FAST = {"Delay": 0.1, "MaxAttempts": 300}
LIST = {"Action": "ListStacks", "Version": "2010-05-15"}


def error_of(answer: requests.Response):
    """(status, Type, Code, Message) of an AWS error document, checked for its shape."""
    from xml.etree import ElementTree

    ns = "{http://cloudformation.amazonaws.com/doc/2010-05-15/}"
    root = ElementTree.fromstring(answer.content)
    assert root.tag == f"{ns}ErrorResponse"
    assert root.find(f"{ns}RequestId").text == answer.headers["x-amzn-RequestId"]
    error = root.find(f"{ns}Error")
    return (
        answer.status_code,
        error.find(f"{ns}Type").text,
        error.find(f"{ns}Code").text,
        error.find(f"{ns}Message").text,
    )


def credentials(key, secret=None):
    return Credentials(key.access_key, secret or key.secret)


def send(request: AWSRequest) -> requests.Response:
    prepared = request.prepare()
    return requests.request(
        prepared.method, prepared.url, data=prepared.body, headers=dict(prepared.headers)
    )


def v4_request(server, params=LIST, secret=None) -> AWSRequest:
    key = server.keys["a"]
    request = AWSRequest(
        method="POST",
        url=server.url + "/v1/",
        data=params,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    SigV4Auth(credentials(key, secret), "cloudformation", REGION).add_auth(request)
    return request


def test_unsigned_request_is_refused(cfn_server):
    answer = requests.post(cfn_server.url + "/v1/", data=LIST)
    assert error_of(answer) == (
        403,
        "Sender",
        "MissingAuthenticationToken",
        "Request is missing Authentication Token",
    )


def test_unknown_key_is_refused(cfn_server):
    cfn = client(cfn_server, cfn_server.keys["a"], access_key="AKIANOBODY")
    with pytest.raises(ClientError) as caught:
        cfn.list_stacks()
    assert caught.value.response["Error"]["Code"] == "InvalidClientTokenId"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_wrong_secret_is_refused(cfn_server):
    cfn = client(cfn_server, cfn_server.keys["a"], secret="not-the-secret")
    with pytest.raises(ClientError) as caught:
        cfn.list_stacks()
    assert caught.value.response["Error"] == {
        "Type": "Sender",
        "Code": "SignatureDoesNotMatch",
        "Message": "The request signature we calculated does not match the signature you "
        "provided. Check your AWS Secret Access Key and signing method. Consult the service "
        "documentation for details.",
    }
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_a_request_changed_after_signing_is_refused(cfn_server):
    request = v4_request(cfn_server)
    request.data = {**LIST, "StackStatusFilter.member.1": "CREATE_COMPLETE"}
    assert error_of(send(request))[:3] == (403, "Sender", "SignatureDoesNotMatch")
    # A mangled signature, and a scope changed after signing (the scope is signed too).
    request = v4_request(cfn_server)
    request.headers["Authorization"] = request.headers["Authorization"][:-4] + "0000"
    assert error_of(send(request))[2] == "SignatureDoesNotMatch"
    request = v4_request(cfn_server)
    authorization = request.headers["Authorization"]
    request.headers.replace_header(
        "Authorization", authorization.replace("/cloudformation/", "/127/")
    )
    assert "/127/" in request.headers["Authorization"]
    assert error_of(send(request))[2] == "SignatureDoesNotMatch"


def test_any_service_scope_signed_with_the_secret_is_accepted(cfn_server):
    # boto 2 (heat-cfntools) names the service after the endpoint's first host label: a
    # server told http://127.0.0.1:8000 signs for service "127". Keystone's ec2tokens check
    # accepts it; so does local mode.
    for service in ("127", "cloudwatch"):
        request = AWSRequest(method="POST", url=cfn_server.url + "/v1/", data=LIST)
        SigV4Auth(credentials(cfn_server.keys["a"]), service, REGION).add_auth(request)
        answer = send(request)
        assert answer.status_code == 200, answer.text
        assert b"<ListStacksResponse" in answer.content


def test_a_correctly_signed_raw_request_is_accepted(cfn_server):
    answer = send(v4_request(cfn_server))
    assert answer.status_code == 200
    assert b"<ListStacksResponse" in answer.content


@pytest.fixture
def skewed_server(engine_client, store, database, keys):
    """The server's clock 20 minutes ahead: every request it gets is 20 minutes old."""
    verifier = Verifier(store, clock=lambda: time.time() + 20 * 60)
    server = serve(engine_client, store, database, verifier=verifier)
    server.keys = keys
    yield server
    server.stop()


def test_a_request_signed_too_long_ago_is_refused(skewed_server):
    with pytest.raises(ClientError) as caught:
        client(skewed_server, skewed_server.keys["a"]).list_stacks()
    error = caught.value.response["Error"]
    assert (error["Code"], caught.value.response["ResponseMetadata"]["HTTPStatusCode"]) == (
        "SignatureDoesNotMatch",
        403,
    )
    assert error["Message"].startswith("Signature expired: ")
    assert error["Message"].endswith(" - 15 min.)")
    # SigV2 requests carry their time in Timestamp: the same window applies.
    request = AWSRequest(method="POST", url=skewed_server.url + "/v1/", data=dict(LIST))
    SigV2Auth(credentials(skewed_server.keys["a"])).add_auth(request)
    assert error_of(send(request))[:3] == (403, "Sender", "SignatureDoesNotMatch")


def test_an_expired_presigned_url_is_refused(cfn_server):
    request = AWSRequest(method="GET", url=cfn_server.url + "/v1/", params=LIST)
    key = credentials(cfn_server.keys["a"])
    SigV4QueryAuth(key, "cloudformation", REGION, expires=60).add_auth(request)
    assert requests.get(request.prepare().url).status_code == 200
    request = AWSRequest(method="GET", url=cfn_server.url + "/v1/", params=LIST)
    request.context["timestamp"] = (
        datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=2)
    ).strftime("%Y%m%dT%H%M%SZ")
    signer = SigV4QueryAuth(key, "cloudformation", REGION, expires=60)
    signer._modify_request_before_signing(request)
    request.url += "&X-Amz-Signature=" + signer.signature(
        signer.string_to_sign(request, signer.canonical_request(request)), request
    )
    answer = requests.get(request.prepare().url)
    assert error_of(answer) == (400, "Sender", "RequestExpired", "Request has expired.")


def test_sigv2_from_botocore_is_accepted(cfn_server):
    request = AWSRequest(method="POST", url=cfn_server.url + "/v1/", data=dict(LIST))
    SigV2Auth(credentials(cfn_server.keys["a"])).add_auth(request)
    assert send(request).status_code == 200
    request = AWSRequest(method="POST", url=cfn_server.url + "/v1/", data=dict(LIST))
    SigV2Auth(credentials(cfn_server.keys["a"], secret="wrong")).add_auth(request)
    assert error_of(send(request))[:3] == (403, "Sender", "SignatureDoesNotMatch")


def _sigv2_get(server, params, method="HmacSHA1", host=None):
    """A GET signed as boto2 (heat-cfntools) does it, built by hand from the SigV2 spec."""
    key = server.keys["a"]
    digest = {"HmacSHA1": hashlib.sha1, "HmacSHA256": hashlib.sha256}[method]
    signed = {
        **params,
        "AWSAccessKeyId": key.access_key,
        "SignatureVersion": "2",
        "SignatureMethod": method,
        "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(signed.items())
    )
    netloc = host or urlsplit(server.url).netloc
    message = f"GET\n{netloc}\n/v1/\n{query}".encode()
    signature = base64.b64encode(hmac.new(key.secret.encode(), message, digest).digest())
    signed["Signature"] = signature.decode()
    return requests.get(server.url + "/v1/?" + urlencode(signed))


def test_sigv2_as_heat_cfntools_sends_it_is_accepted(cfn, cfn_server):
    cfn.create_stack(
        StackName="web",
        TemplateBody=WEB,
        Parameters=[{"ParameterKey": "DbPassword", "ParameterValue": SECRET}],
    )
    cfn.get_waiter("stack_create_complete").wait(StackName="web", WaiterConfig=FAST)
    params = {"Action": "DescribeStackResource", "StackName": "web", "LogicalResourceId": "Db"}
    answer = _sigv2_get(cfn_server, params)
    assert answer.status_code == 200, answer.text
    assert b"<PhysicalResourceId>test-Db</PhysicalResourceId>" in answer.content
    assert _sigv2_get(cfn_server, params, method="HmacSHA256").status_code == 200
    # boto2 leaves the port out of the signed host when it is the scheme's default.
    assert _sigv2_get(cfn_server, params, host="127.0.0.1").status_code == 200
    assert error_of(_sigv2_get(cfn_server, params, host="evil.example"))[2] == (
        "SignatureDoesNotMatch"
    )


def test_one_project_never_sees_anothers_stacks(cfn, cfn_b):
    stack_id = cfn.create_stack(
        StackName="web",
        TemplateBody=WEB,
        Parameters=[{"ParameterKey": "DbPassword", "ParameterValue": SECRET}],
    )["StackId"]
    cfn.get_waiter("stack_create_complete").wait(StackName="web", WaiterConfig=FAST)
    uuid = stack_id.rsplit("/", 1)[1]
    for ref in ("web", uuid, stack_id):
        calls = [
            lambda r: cfn_b.describe_stacks(StackName=r),
            lambda r: cfn_b.describe_stack_events(StackName=r),
            lambda r: cfn_b.list_stack_resources(StackName=r),
            lambda r: cfn_b.describe_stack_resource(StackName=r, LogicalResourceId="Db"),
            lambda r: cfn_b.describe_stack_resources(StackName=r),
            lambda r: cfn_b.get_template(StackName=r),
            lambda r: cfn_b.get_template_summary(StackName=r),
            lambda r: cfn_b.update_stack(StackName=r, UsePreviousTemplate=True),
            lambda r: cfn_b.cancel_update_stack(StackName=r),
            lambda r: cfn_b.list_change_sets(StackName=r),
            lambda r: cfn_b.create_change_set(
                StackName=r, ChangeSetName="x", UsePreviousTemplate=True
            ),
        ]
        for call in calls:
            with pytest.raises(ClientError) as caught:
                call(ref)
            assert caught.value.response["Error"]["Code"] == "ValidationError"
            assert caught.value.response["Error"]["Message"] == (
                f"Stack with id {uuid if ref == stack_id else ref} does not exist"
            )
        cfn_b.delete_stack(StackName=ref)  # "succeeds" as for any unknown stack, and does nothing
    assert cfn_b.list_stacks()["StackSummaries"] == []
    assert cfn_b.describe_stacks()["Stacks"] == []
    assert cfn.describe_stacks(StackName="web")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"


def test_no_echo_values_never_appear_in_answers(cfn, cfn_server):
    failing = json.loads(WEB)
    failing["Resources"]["App"]["Properties"] = {"value": {"Ref": "DbPassword"}, "fail": True}
    for name, body in (("ok", WEB), ("bad", json.dumps(failing))):
        cfn.create_stack(
            StackName=name,
            TemplateBody=body,
            DisableRollback=True,
            Parameters=[{"ParameterKey": "DbPassword", "ParameterValue": SECRET}],
        )
    for name in ("ok", "bad"):
        while cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"].endswith(
            "IN_PROGRESS"
        ):
            time.sleep(0.05)
    cfn.create_change_set(
        StackName="ok",
        ChangeSetName="c",
        UsePreviousTemplate=True,
        Parameters=[
            {"ParameterKey": "DbPassword", "ParameterValue": SECRET + "2"},
            {"ParameterKey": "DbName", "ParameterValue": "x"},
        ],
    )
    actions = []
    for name in ("ok", "bad"):
        actions += [
            {"Action": "DescribeStacks", "StackName": name},
            {"Action": "DescribeStackEvents", "StackName": name},
            {"Action": "DescribeStackResources", "StackName": name},
            {"Action": "ListStackResources", "StackName": name},
            {"Action": "GetTemplateSummary", "StackName": name},
        ]
    actions += [
        {"Action": "DescribeChangeSet", "StackName": "ok", "ChangeSetName": "c"},
        {"Action": "ListStacks"},
        {"Action": "DescribeStacks"},
    ]
    seen = b""
    for params in actions:
        answer = send(v4_request(cfn_server, {**params, "Version": "2010-05-15"}))
        assert answer.status_code == 200, answer.text
        seen += answer.content
    assert b"******" in seen
    assert SECRET.encode() not in seen
