"""Random and malformed requests never produce a 500 or a traceback (fixed seed)."""

import logging
import random
from xml.etree import ElementTree

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from heat.api.cfn.app import ACTIONS
from heat_tests.api.cfn.conftest import REGION
from heat_tests.api.cfn.templates import WEB, make_resource, template

SEED = 20240715
CASES = 3000
KEYS = [
    "Action",
    "Version",
    "StackName",
    "TemplateBody",
    "TemplateURL",
    "NextToken",
    "LogicalResourceId",
    "PhysicalResourceId",
    "ChangeSetName",
    "ChangeSetType",
    "TimeoutInMinutes",
    "DisableRollback",
    "OnFailure",
    "UsePreviousTemplate",
    "ExportName",
    "Parameters.member.1.ParameterKey",
    "Parameters.member.1.ParameterValue",
    "Parameters.member.1.UsePreviousValue",
    "Parameters.member.x.ParameterKey",
    "Parameters.member.99999999.ParameterKey",
    "Tags.member.1.Key",
    "Tags.member.1.Value",
    "Capabilities.member.1",
    "NotificationARNs.member.1",
    "StackStatusFilter.member.1",
    "Signature",
    "AWSAccessKeyId",
    "X-Amz-Date",
    "X-Amz-Algorithm",
]
VALUES = [
    "",
    "web",
    "true",
    "FALSE",
    "0",
    "-1",
    "99999999999999999999",
    "1e9",
    "DELETE",
    "UPDATE",
    "CREATE",
    "arn:",
    "arn:openstack:heat::p:stacks/web/",
    "arn:x:y:z:w:stacks/",
    "%",
    "%zz",
    "\u00e9\u6f22\U0001f600",
    "%ED%A0%80",
    "\x01\x02\x1f",
    "<x>&amp;</x>",
    "]]>",
    "{",
    "[1,2",
    '{"Resources": 5}',
    "Resources: [",
    "file:///etc/passwd",
    "http://127.0.0.1:1/",
    "gopher://x",
    "a" * 3000,
    "AAAA====",
    "Zm9v",
    "../../",
    "R",
    "Db",
    WEB,
    template({"R": make_resource(value={"Fn::Join": [1]})}),
]


def _random_text(rng: random.Random) -> str:
    alphabet = "abc=&%+;:/?#[]@!$'()*,\x00\x7f\u00ff\u2028 \t\r\n<>\"\\"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))


def _params(rng: random.Random) -> dict:
    params = {"Action": rng.choice([*ACTIONS, "Nope", "", "listStacks"])}
    if rng.random() < 0.9:
        params["Version"] = rng.choice(["2010-05-15", "2010-05-15", "2099-01-01", ""])
    for _ in range(rng.randint(0, 6)):
        key = rng.choice(KEYS) if rng.random() < 0.85 else _random_text(rng)
        value = rng.choice(VALUES) if rng.random() < 0.7 else _random_text(rng)
        params[key] = value
    return params


def _check(answer: requests.Response, case) -> None:
    assert answer.status_code < 500 or answer.status_code == 501, (case, answer.text)
    assert b"Traceback" not in answer.content, case
    ElementTree.fromstring(answer.content)  # always a well-formed document


def test_fuzz(cfn, cfn_server, caplog):
    cfn.create_stack(StackName="web", TemplateBody=template({"R": make_resource()}))
    key = cfn_server.keys["a"]
    credentials = Credentials(key.access_key, key.secret)
    url = cfn_server.url + "/v1/"
    rng = random.Random(SEED)
    session = requests.Session()
    caplog.set_level(logging.ERROR)
    for case in range(CASES):
        kind = rng.random()
        if kind < 0.6:  # well signed, random parameters: reaches the handlers
            params = _params(rng)
            request = AWSRequest(method="POST", url=url, data=params)
            SigV4Auth(credentials, "cloudformation", REGION).add_auth(request)
            prepared = request.prepare()
            answer = session.post(url, data=prepared.body, headers=dict(prepared.headers))
        elif kind < 0.75:  # random bytes as the body
            body = bytes(rng.randrange(256) for _ in range(rng.randint(0, 200)))
            answer = session.post(url, data=body)
        elif kind < 0.9:  # random query strings
            query = _random_text(rng) + "&Action=" + rng.choice([*ACTIONS, "%ff", "%ED%A0%80"])
            answer = session.get(url + "?" + query)
        else:  # malformed signatures
            headers = {
                "Authorization": rng.choice(
                    [
                        "AWS4-HMAC-SHA256",
                        "AWS4-HMAC-SHA256 Credential=",
                        f"AWS4-HMAC-SHA256 Credential={key.access_key}/x/y/z/w, "
                        "SignedHeaders=host, Signature=00",
                        "AWS x:y",
                        "A" + "".join(rng.choice("AWS4-HMAC =,/;x") for _ in range(30)),
                    ]
                ),
                "X-Amz-Date": rng.choice(["20240101T000000Z", "garbage", ""]),
            }
            answer = session.post(url, data=_params(rng), headers=headers)
        _check(answer, case)
    errors = [r for r in caplog.records if r.name.startswith("heat.api")]
    assert errors == []
