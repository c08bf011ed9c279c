"""The in-server side on the CFN port, driven by the real heat-cfntools (Debian package).

cfn-signal PUTs to wait condition handle URLs; cfn-get-metadata reads a resource's metadata
with a stack user's keys (boto 2, SigV2). The tools write to /var/lib/heat-cfntools,
/var/log and /var/cache as they would in a server, so each runs in a private mount namespace
where those directories are the test's own.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.error
import urllib.request

import pytest

from heat.engine.userdata import UserdataSettings
from heat_tests.api.cfn.conftest import Key, client

CFN_SIGNAL = "/usr/bin/cfn-signal"
CFN_GET_METADATA = "/usr/bin/cfn-get-metadata"
# As a localcloud server reaches it: by address. boto 2 then scopes its SigV4 credential to
# service "127" (the host's first label), which the CFN API accepts (see heat.api.cfn.app).
CFN_HOST = "127.0.0.1"

pytestmark = pytest.mark.skipif(
    not (os.path.exists(CFN_SIGNAL) and shutil.which("unshare") and shutil.which("curl")),
    reason="needs heat-cfntools (tools/system-packages.txt), unshare and curl",
)

WAIT_TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Resources": {
        "Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"},
        "Wait": {
            "Type": "AWS::CloudFormation::WaitCondition",
            "Properties": {"Handle": {"Ref": "Handle"}, "Timeout": "60"},
        },
    },
    "Outputs": {"Data": {"Value": {"Fn::GetAtt": ["Wait", "Data"]}}},
}

CONFIG = {
    "AWS::CloudFormation::Init": {
        "config": {"files": {"/etc/motd": {"content": "hello", "mode": "000644"}}}
    }
}

USER_TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Resources": {
        "Keys": {"Type": "AWS::IAM::AccessKey", "Properties": {"UserName": {"Ref": "User"}}},
        "User": {"Type": "AWS::IAM::User"},
        "Server": {"Type": "OS::Heat::None", "Metadata": CONFIG},
        "Other": {"Type": "OS::Heat::None", "Metadata": {"other": True}},
    },
    "Outputs": {
        "AccessKey": {"Value": {"Ref": "Keys"}},
        "SecretKey": {"Value": {"Fn::GetAtt": ["Keys", "SecretAccessKey"]}},
        "UserName": {"Value": {"Ref": "User"}},
    },
}


@pytest.fixture
def server(cfn_server, engine):
    """The CFN server, with the engine giving out handle URLs on its real port."""
    engine.userdata_settings = UserdataSettings(
        metadata_server_url=cfn_server.url,
        waitcondition_server_url=f"{cfn_server.url}/v1/waitcondition",
        watch_server_url="http://127.0.0.1:8003",
    )
    return cfn_server


class Guest:
    """Runs heat-cfntools as a server would, with /var/lib, /var/log, /var/cache private."""

    def __init__(self, root, cfn_url: str):
        self.root = root
        port = cfn_url.rsplit(":", 1)[1]
        for sub in ("lib/heat-cfntools", "log", "cache"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        heat = root / "lib/heat-cfntools"
        # As Heat's user data writes it: heat-cfntools take the port from its end.
        (heat / "cfn-metadata-server").write_text(f"http://127.0.0.1:{port}\n")
        (heat / "cfn-boto-cfg").write_text(
            "[Boto]\ndebug = 0\nis_secure = False\ncfn_region_name = heat\n"
            f"cfn_region_endpoint = {CFN_HOST}\n"
        )

    def credentials(self, access: str, secret: str) -> str:
        path = self.root / "cfn-credentials"
        path.write_text(f"AWSAccessKeyId={access}\nAWSSecretKey={secret}\n")
        return str(path)

    def run(self, *argv: str) -> subprocess.CompletedProcess:
        script = (
            "set -e; mount --make-rprivate /; "
            'for d in lib log cache; do mount --bind "$0/$d" "/var/$d"; done; exec "$@"'
        )
        unshare = ["unshare", "--mount"] if os.geteuid() == 0 else ["unshare", "-rm"]
        return subprocess.run(
            [*unshare, "sh", "-c", script, str(self.root), *argv],
            capture_output=True,
            text=True,
            timeout=15,
        )


@pytest.fixture
def guest(tmp_path, server):
    return Guest(tmp_path / "guest", server.url)


def wait_for(engine, cfn, name: str) -> dict:
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    assert engine.wait(stack["StackId"].rsplit("/", 1)[-1], 60)
    return cfn.describe_stacks(StackName=name)["Stacks"][0]


def outputs(stack: dict) -> dict:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def handle_url(cfn, stack: str, name: str = "Handle") -> str:
    return cfn.describe_stack_resource(StackName=stack, LogicalResourceId=name)[
        "StackResourceDetail"
    ]["PhysicalResourceId"]


def put(url: str, body: dict) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="PUT")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def reasons(cfn, stack: str, resource: str) -> list[str]:
    events = cfn.describe_stack_events(StackName=stack)["StackEvents"]
    return [
        e.get("ResourceStatusReason")
        for e in reversed(events)
        if e["LogicalResourceId"] == resource
    ]


def test_cfn_signal_completes_a_wait_condition(server, cfn, engine, guest):
    cfn.create_stack(StackName="waiting", TemplateBody=json.dumps(WAIT_TEMPLATE))
    url = handle_url(cfn, "waiting")
    assert url.startswith(f"{server.url}/v1/waitcondition/")

    done = guest.run(CFN_SIGNAL, "-s", "true", "-r", "done", "-i", "id1", "-d", "payload", url)

    assert done.returncode == 0, done.stderr
    stack = wait_for(engine, cfn, "waiting")
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert outputs(stack) == {"Data": '{"id1": "payload"}'}
    assert "Signal received: SUCCESS (UniqueId id1): done" in reasons(cfn, "waiting", "Handle")


def test_cfn_signal_failure_fails_the_wait_condition_and_rolls_back(server, cfn, engine, guest):
    cfn.create_stack(StackName="broken", TemplateBody=json.dumps(WAIT_TEMPLATE))
    url = handle_url(cfn, "broken")

    failed = guest.run(CFN_SIGNAL, "-e", "1", "-r", "broken", "-i", "id9", url)

    assert failed.returncode == 0, failed.stderr
    stack = wait_for(engine, cfn, "broken")
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    wait_reasons = reasons(cfn, "broken", "Wait")
    assert "CREATE failed: FAILURE signal received (UniqueId id9): broken" in wait_reasons


def test_a_handle_url_is_good_for_its_own_handle_only(server, cfn, engine):
    template = json.loads(json.dumps(WAIT_TEMPLATE))
    template["Resources"]["Other"] = {"Type": "AWS::CloudFormation::WaitConditionHandle"}
    cfn.create_stack(StackName="one", TemplateBody=json.dumps(template))
    cfn.create_stack(StackName="two", TemplateBody=json.dumps(template))
    url = handle_url(cfn, "one")
    other_stack_url = handle_url(cfn, "two")
    signal = {"Status": "SUCCESS", "Reason": "r", "UniqueId": "u", "Data": "d"}

    to_other_handle = url.replace("/Handle?", "/Other?")
    status, body = put(to_other_handle, signal)
    assert status == 403
    assert b"<Code>AccessDenied</Code>" in body
    one_id, two_id = url.split("/")[-2], other_stack_url.split("/")[-2]
    assert put(url.replace(one_id, two_id), signal)[0] == 403
    assert put(url[:-4] + "AAAA", signal)[0] == 403
    assert put(url.split("?")[0], signal)[0] == 403
    assert put(url, {"Status": "MAYBE", "UniqueId": "u"})[0] == 400

    assert put(url, signal) == (200, b"")
    assert wait_for(engine, cfn, "one")["StackStatus"] == "CREATE_COMPLETE"
    two = cfn.describe_stacks(StackName="two")["Stacks"][0]
    assert two["StackStatus"] == "CREATE_IN_PROGRESS"  # none of the forged signals counted


def stack_user_keys(engine, cfn, name: str) -> dict:
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(USER_TEMPLATE))
    stack = wait_for(engine, cfn, name)
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    return outputs(stack)


def test_cfn_get_metadata_reads_metadata_with_the_stack_users_keys(server, cfn, engine, guest):
    keys = stack_user_keys(engine, cfn, "metadata")
    stack_user_keys(engine, cfn, "neighbour")
    creds = guest.credentials(keys["AccessKey"], keys["SecretKey"])

    mine = guest.run(CFN_GET_METADATA, "-s", "metadata", "-r", "Server", "--credential-file", creds)
    theirs = guest.run(
        CFN_GET_METADATA, "-s", "neighbour", "-r", "Server", "--credential-file", creds
    )

    assert mine.returncode == 0, mine.stderr
    assert json.loads(mine.stdout) == CONFIG
    assert theirs.returncode != 0
    assert "AccessDenied" in theirs.stderr
    assert "These credentials may not access stack neighbour" in theirs.stderr


def test_stack_user_keys_do_nothing_else(server, cfn, engine):
    keys = stack_user_keys(engine, cfn, "limited")
    user = client(server, Key(keys["AccessKey"], keys["SecretKey"], ""))

    with pytest.raises(Exception) as denied:
        user.delete_stack(StackName="limited")
    assert denied.value.response["Error"] == {
        "Type": "Sender",
        "Code": "AccessDenied",
        "Message": "Stack user credentials may not perform DeleteStack",
    }
    with pytest.raises(Exception) as listing:
        user.list_stacks()
    assert listing.value.response["Error"]["Code"] == "AccessDenied"


def test_signal_resource_completes_a_creation_policy(server, cfn, engine):
    template = json.loads(json.dumps(USER_TEMPLATE))
    template["Resources"]["Waiting"] = {
        "Type": "OS::Heat::None",
        "CreationPolicy": {"ResourceSignal": {"Count": 2, "Timeout": "PT1M"}},
    }
    cfn.create_stack(StackName="policy", TemplateBody=json.dumps(template))
    stack = cfn.describe_stacks(StackName="policy")["Stacks"][0]
    engine.wait(stack["StackId"].rsplit("/", 1)[-1], 2)  # still waiting for its signals
    status = cfn.describe_stack_resource(StackName="policy", LogicalResourceId="Waiting")
    assert status["StackResourceDetail"]["ResourceStatus"] == "CREATE_IN_PROGRESS"
    keys = {
        r["LogicalResourceId"]: r.get("PhysicalResourceId")
        for r in cfn.describe_stack_resources(StackName="policy")["StackResources"]
    }
    secret = engine.db.resources.get_secrets(
        engine.db.resources.get_by_name(stack["StackId"].rsplit("/", 1)[-1], "Keys")["id"]
    )["secret_key"]
    user = client(server, Key(keys["Keys"], secret, ""))

    for unique_id in ("i-1", "i-1", "i-2"):
        user.signal_resource(
            StackName="policy", LogicalResourceId="Waiting", UniqueId=unique_id, Status="SUCCESS"
        )

    stack = wait_for(engine, cfn, "policy")
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert reasons(cfn, "policy", "Waiting").count("Signal received: SUCCESS (UniqueId i-1)") == 2


def test_deleting_the_stack_removes_its_user_and_keys(server, cfn, engine, store):
    keys = stack_user_keys(engine, cfn, "doomed")
    user = store.find_user(keys["UserName"])
    assert store.list_ec2_credentials(user.id) == [keys["AccessKey"]]
    assert store.roles(user.id, server.keys["a"].project_id) == ("heat_stack_user",)

    stack_id = cfn.describe_stacks(StackName="doomed")["Stacks"][0]["StackId"].rsplit("/", 1)[-1]
    cfn.delete_stack(StackName="doomed")
    assert engine.wait(stack_id, 30)
    assert engine.db.stacks.get(stack_id)["status"] == "COMPLETE"

    assert store.find_user(keys["UserName"]) is None
    assert store.list_ec2_credentials(user.id) == []
    assert store.ec2_credentials(keys["AccessKey"]) is None
    assert engine.db.stack_users.get(user.id) is None
