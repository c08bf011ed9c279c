"""The `heat` console script against one heat-all subprocess: a stack's whole life with --wait,
failing stacks and their root cause, cancelled updates, and errors as one line."""

from __future__ import annotations

import json
import pathlib

import pytest
import yaml
from keystoneauth1 import session
from keystoneauth1.identity import v3
from novaclient import client as novaclient

from heat_tests.cmd.processes import Heat, clean_env, event_lines, start_heat_all, stop

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Description: Two chained resources.
Parameters:
  Greeting:
    Type: String
    Default: Hello
  Secret:
    Type: String
    NoEcho: true
    Default: hush
Resources:
  Name:
    Type: OS::Heat::RandomString
    Metadata: {role: name, size: 8}
    Properties: {length: 8}
  Greeter:
    Type: OS::Heat::TestResource
    Properties:
      value: {"Fn::Join": [" ", [{Ref: Greeting}, {"Fn::GetAtt": [Name, value]}]]}
Outputs:
  Message:
    Description: The greeting.
    Value: {"Fn::GetAtt": [Greeter, output]}
  Length:
    Value: {"Fn::Select": [1, ["x", "8"]]}
"""
UPDATED = TEMPLATE.replace("value: {", "update_replace: false\n      value: {")
FAILING = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  First: {Type: OS::Heat::RandomString}
  Broken:
    Type: OS::Heat::TestResource
    Properties:
      fail: true
      value: {"Fn::GetAtt": [First, value]}
  Never:
    Type: OS::Heat::None
    DependsOn: Broken
"""
SLOW = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Wait: {Type: Number, Default: 0}
Resources:
  Slow:
    Type: OS::Heat::TestResource
    Properties: {value: x, wait_secs: {Ref: Wait}}
"""
INVALID = """\
Resources:
  A:
    Type: OS::Heat::Nope
  B:
    Type: OS::Heat::None
    DependsOn: C
"""
WORDPRESS = str(
    pathlib.Path(__file__).resolve().parents[2] / "examples" / "WordPress_Single_Instance.template"
)
LIST_HEADER = "id stack_name stack_status creation_time updated_time"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    state = tmp_path_factory.mktemp("heat-all")
    proc, rc = start_heat_all(state)
    files = tmp_path_factory.mktemp("templates")
    for name, text in (
        ("stack.yaml", TEMPLATE),
        ("updated.yaml", UPDATED),
        ("failing.yaml", FAILING),
        ("slow.yaml", SLOW),
        ("invalid.yaml", INVALID),
    ):
        (files / name).write_text(text)
    try:
        yield Heat(clean_env(**rc)), rc, files
    finally:
        stop(proc, "heat-all stopped")


@pytest.fixture
def heat(deployment):
    return deployment[0]


@pytest.fixture
def files(deployment):
    return deployment[2]


def _ok(done) -> str:
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    return done.stdout


def _squeeze(line: str) -> str:
    return " ".join(line.split())


def test_a_stack_from_create_to_delete(heat, files):
    out = _ok(heat("stack-create", "life", "-f", str(files / "stack.yaml"), "--wait"))
    assert event_lines(out) == [
        ("life", "CREATE_IN_PROGRESS", "Stack CREATE started"),
        ("Name", "CREATE_IN_PROGRESS", "state changed"),
        ("Name", "CREATE_COMPLETE", "state changed"),
        ("Greeter", "CREATE_IN_PROGRESS", "state changed"),
        ("Greeter", "CREATE_COMPLETE", "state changed"),
        ("life", "CREATE_COMPLETE", "Stack CREATE completed successfully"),
    ]
    assert out.splitlines()[-1] == "Stack life CREATE_COMPLETE"

    listed = _ok(heat("stack-list")).splitlines()
    assert _squeeze(listed[0]) == LIST_HEADER
    assert set(listed[1]) <= {"-", " "}
    (row,) = [line.split() for line in listed[2:] if line.split()[1] == "life"]
    stack_id = row[0]
    assert row[2] == "CREATE_COMPLETE"

    shown = {
        line.split()[0]: line.split(maxsplit=1)[1] if len(line.split()) > 1 else ""
        for line in _ok(heat("stack-show", "life")).splitlines()
        if not line.startswith(" ")
    }
    assert shown["id"] == stack_id
    assert shown["stack_status"] == "CREATE_COMPLETE"
    assert shown["stack_status_reason"] == "Stack CREATE completed successfully"
    assert shown["description"] == "Two chained resources."
    assert shown["disable_rollback"] == "false"
    show_text = _ok(heat("stack-show", stack_id))  # by id as well
    assert "Secret=******" in show_text and "hush" not in show_text

    events = _ok(heat("event-list", "life")).splitlines()
    assert _squeeze(events[0]) == "event_time resource_name resource_status resource_status_reason"
    assert [tuple(e.split(maxsplit=3)[1:3]) for e in events[2:]] == [
        (name, status) for name, status, _ in event_lines(out)
    ]
    one = _ok(heat("event-list", "life", "-r", "Greeter")).splitlines()[2:]
    assert [e.split()[1:3] for e in one] == [
        ["Greeter", "CREATE_IN_PROGRESS"],
        ["Greeter", "CREATE_COMPLETE"],
    ]

    resources = _ok(heat("resource-list", "life")).splitlines()
    assert _squeeze(resources[0]) == (
        "resource_name physical_resource_id resource_type resource_status updated_time"
    )
    rows = sorted(line.split()[:4] for line in resources[2:])
    assert [r[0] for r in rows] == ["Greeter", "Name"]
    assert rows[0][1:] == ["test-Greeter", "OS::Heat::TestResource", "CREATE_COMPLETE"]

    resource = _ok(heat("resource-show", "life", "Greeter")).splitlines()
    assert _squeeze(resource[0]) == "resource_name Greeter"
    assert _squeeze(resource[1]) == "physical_resource_id test-Greeter"
    assert _squeeze(resource[2]) == "resource_type OS::Heat::TestResource"
    assert _squeeze(resource[3]) == "resource_status CREATE_COMPLETE"

    assert json.loads(_ok(heat("resource-metadata", "life", "Name"))) == {
        "role": "name",
        "size": 8,
    }

    message = _ok(heat("output-show", "life", "Message")).rstrip("\n")
    assert message.startswith("Hello ") and len(message) == len("Hello ") + 8
    outputs = _ok(heat("output-list", "life")).splitlines()
    assert _squeeze(outputs[0]) == "output_key output_value description"
    assert sorted(_squeeze(line) for line in outputs[2:]) == [
        "Length 8",
        f"Message {message} The greeting.",
    ]
    assert json.loads(_ok(heat("output-show", "life", "Length", "--format", "json"))) == {
        "description": "",
        "output_key": "Length",
        "output_value": "8",
    }

    assert json.loads(_ok(heat("template-show", "life"))) == yaml.safe_load(TEMPLATE)

    preview = _ok(
        heat("stack-update", "life", "-f", str(files / "updated.yaml"), "-P", "Greeting=Hi",
             "--preview")
    ).splitlines()  # fmt: skip
    assert [_squeeze(line) for line in preview] == [
        "change resource_name resource_type",
        "--------- ------------- ----------------------",
        "updated Greeter OS::Heat::TestResource",
        "unchanged Name OS::Heat::RandomString",
    ]
    assert _ok(heat("output-show", "life", "Message")).rstrip("\n") == message  # unchanged

    out = _ok(
        heat("stack-update", "life", "-f", str(files / "updated.yaml"), "-P", "Greeting=Hi",
             "--wait")
    )  # fmt: skip
    assert event_lines(out) == [
        ("life", "UPDATE_IN_PROGRESS", "Stack UPDATE started"),
        ("Greeter", "UPDATE_IN_PROGRESS", "state changed"),
        ("Greeter", "UPDATE_COMPLETE", "state changed"),
        ("life", "UPDATE_COMPLETE", "Stack UPDATE completed successfully"),
    ]
    assert out.splitlines()[-1] == "Stack life UPDATE_COMPLETE"
    assert _ok(heat("output-show", "life", "Message")).rstrip("\n") == "Hi" + message[5:]

    # -x keeps the template and the other parameters; only Greeting changes.
    out = _ok(heat("stack-update", "life", "-x", "-P", "Greeting=Hey", "--wait"))
    assert out.splitlines()[-1] == "Stack life UPDATE_COMPLETE"
    assert _ok(heat("output-show", "life", "Message")).rstrip("\n") == "Hey" + message[5:]

    out = _ok(heat("stack-delete", "life", "-y", "--wait"))
    assert event_lines(out)[0] == ("life", "DELETE_IN_PROGRESS", "Stack DELETE started")
    assert event_lines(out)[-1] == (
        "life",
        "DELETE_COMPLETE",
        "Stack DELETE completed successfully",
    )
    assert sorted(e[:2] for e in event_lines(out)[1:-1]) == [
        ("Greeter", "DELETE_COMPLETE"),
        ("Greeter", "DELETE_IN_PROGRESS"),
        ("Name", "DELETE_COMPLETE"),
        ("Name", "DELETE_IN_PROGRESS"),
    ]
    assert out.splitlines()[-1] == "Stack life DELETE_COMPLETE"
    assert " life " not in _ok(heat("stack-list"))
    deleted = [line.split() for line in _ok(heat("stack-list", "--show-deleted")).splitlines()]
    assert [stack_id, "life", "DELETE_COMPLETE"] in [row[:3] for row in deleted]


@pytest.mark.parametrize(
    "flags, status, tail",
    [
        ([], "ROLLBACK_COMPLETE", "Stack ROLLBACK completed successfully"),
        (["--disable-rollback"], "CREATE_FAILED", None),
    ],
)
def test_a_failing_stack_exits_non_zero_with_the_root_cause(heat, files, flags, status, tail):
    name = f"broken{len(flags)}"
    done = heat("stack-create", name, "-f", str(files / "failing.yaml"), *flags, "--wait")
    assert done.returncode == 1
    cause = "Resource Broken: CREATE failed: TestResourceFailure: Broken failed on create as told"
    assert done.stderr == f"ERROR: stack {name} {status}: {cause}\n"
    streamed = event_lines(done.stdout)
    assert ("Broken", "CREATE_FAILED", cause[len("Resource Broken: ") :]) in streamed
    assert (name, "CREATE_FAILED", cause) in streamed
    assert "Never" not in {row[0] for row in streamed}  # skipped, not failed
    assert streamed[-1] == (name, status, tail or cause)
    assert "Traceback" not in done.stderr + done.stdout
    _ok(heat("stack-delete", "-y", "--wait", name))


def test_cancel_update_rolls_back(heat, files):
    _ok(heat("stack-create", "slow", "-f", str(files / "slow.yaml"), "--wait"))
    started = _ok(heat("stack-update", "slow", "-x", "-P", "Wait=30"))
    assert started.splitlines()[2].split()[1:3] == ["slow", "UPDATE_IN_PROGRESS"]
    out = _ok(heat("stack-cancel-update", "slow", "--wait"))
    assert ("slow", "UPDATE_FAILED", "Stack UPDATE cancelled") in event_lines(out)
    assert out.splitlines()[-1] == "Stack slow ROLLBACK_COMPLETE"
    stack_id = started.splitlines()[2].split()[0]
    assert _ok(heat("stack-delete", "-y", "slow")) == f"Stack slow ({stack_id}) is being deleted\n"


def test_event_list_follow_ends_with_the_operation(heat, files):
    _ok(heat("stack-create", "followed", "-f", str(files / "slow.yaml"), "-P", "Wait=1"))
    out = _ok(heat("event-list", "followed", "--follow"))
    assert event_lines(out)[-1] == (
        "followed",
        "CREATE_COMPLETE",
        "Stack CREATE completed successfully",
    )
    _ok(heat("stack-delete", "-y", "--wait", "followed"))


def test_validate_online_and_resource_types(heat, files):
    out = _ok(heat("template-validate", "-f", str(files / "stack.yaml")))
    assert out.splitlines()[:3] == [
        "Description: Two chained resources.",
        "Parameters:",
        "  Greeting:",
    ]
    summary = json.loads(
        _ok(heat("template-validate", "-f", str(files / "stack.yaml"), "--format", "json"))
    )
    assert summary["Parameters"]["Secret"]["Default"] == "******"
    types = _ok(heat("resource-type-list")).splitlines()
    assert types[0] == "resource_type"
    assert {"OS::Heat::None", "OS::Heat::RandomString", "AWS::EC2::Instance"} <= set(types[2:])
    assert _ok(heat("resource-type-list", "--filter", "random")).splitlines()[2:] == [
        "OS::Heat::RandomString"
    ]
    schema = json.loads(_ok(heat("resource-type-show", "OS::Heat::None")))
    assert schema["resource_type"] == "OS::Heat::None"


FINDINGS = (
    'ERROR: Resources.A.Type: unsupported resource type "OS::Heat::Nope" '
    '(did you mean "OS::Heat::None"?) (line 3:5)\n'
    'ERROR: Resources.B.DependsOn: DependsOn names unknown resource "C" (line 6:5)\n'
)


@pytest.mark.parametrize(
    "argv, env, stderr",
    [
        (["stack-show", "nope"], {}, "ERROR: Stack with id nope does not exist\n"),
        (
            ["resource-show", "errors", "Nope"],
            {},
            "ERROR: Resource Nope does not exist in stack errors\n",
        ),
        (["output-show", "errors", "Nope"], {}, "ERROR: Specified output key Nope not found.\n"),
        (
            ["stack-create", "errors", "-f", "{files}/slow.yaml"],
            {},
            "ERROR: Stack [errors] already exists\n",
        ),
        (["stack-create", "x", "-f", "{files}/invalid.yaml"], {}, FINDINGS),
        (["template-validate", "-f", "{files}/invalid.yaml"], {}, FINDINGS),
        (
            ["stack-create", "x", "-f", "{files}/missing.yaml"],
            {},
            "ERROR: cannot read template {files}/missing.yaml: No such file or directory\n",
        ),
        (
            ["stack-update", "errors", "-P", "Wait=1"],
            {},
            "ERROR: give the new template with -f/-u, or -x to keep the current one\n",
        ),
        (
            ["stack-delete", "errors"],
            {},
            "ERROR: refusing to delete without confirmation: add -y\n",
        ),
        (
            ["stack-list"],
            {"OS_PASSWORD": "wrong"},
            "ERROR: authentication failed at {auth_url}: check OS_USERNAME, OS_PASSWORD and "
            "the project\n",
        ),
        (
            ["stack-list"],
            {"OS_AUTH_URL": "http://127.0.0.1:9/v3"},
            "ERROR: cannot connect to http://127.0.0.1:9/v3: is the server running?\n",
        ),
        (
            ["--heat-url", "http://127.0.0.1:9", "stack-list"],
            {},
            "ERROR: cannot connect to http://127.0.0.1:9: is the server running?\n",
        ),
        (
            ["stack-list"],
            {"OS_AUTH_URL": ""},
            "ERROR: missing credentials: set OS_AUTH_URL (heat-all writes them to "
            "<state-dir>/heatrc: source it)\n",
        ),
    ],
)
def test_errors_are_one_line(deployment, argv, env, stderr):
    heat, rc, files = deployment
    if not _exists(heat, "errors"):
        _ok(heat("stack-create", "errors", "-f", str(files / "slow.yaml"), "--wait"))
    argv = [a.format(files=files) for a in argv]
    done = heat(*argv, env=env)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == stderr.format(files=files, auth_url=rc["OS_AUTH_URL"])


def _exists(heat, name) -> bool:
    return heat("stack-show", name).returncode == 0


def test_heat_url_may_name_the_server_or_the_endpoint(deployment):
    heat, rc, _ = deployment
    done = heat("stack-list")
    assert done.returncode == 0
    endpoint = _endpoint(rc)
    server = endpoint.split("/v1/")[0]
    for url in (server, f"{server}/", endpoint):
        assert heat("--heat-url", url, "stack-list").stdout == done.stdout
    assert heat("stack-list", env={"HEAT_URL": server}).stdout == done.stdout


def _endpoint(rc) -> str:
    """The orchestration endpoint of the catalog, as keystoneauth1 finds it."""
    auth = v3.Password(
        auth_url=rc["OS_AUTH_URL"],
        username=rc["OS_USERNAME"],
        password=rc["OS_PASSWORD"],
        project_name=rc["OS_PROJECT_NAME"],
        user_domain_name="Default",
        project_domain_name="Default",
    )
    return session.Session(auth=auth).get_endpoint(service_type="orchestration")


def test_wordpress_single_instance_with_wait(deployment):
    heat, rc, _ = deployment
    auth = v3.Password(
        auth_url=rc["OS_AUTH_URL"],
        username=rc["OS_USERNAME"],
        password=rc["OS_PASSWORD"],
        project_name=rc["OS_PROJECT_NAME"],
        user_domain_name="Default",
        project_domain_name="Default",
    )
    nova = novaclient.Client("2.1", session=session.Session(auth=auth))
    nova.keypairs.create("cli-demo")
    params = "KeyName=cli-demo;DBUsername=wpuser;DBPassword=wpsecret;DBRootPassword=rootsecret"
    out = _ok(heat("stack-create", "wp", "-f", WORDPRESS, "-P", params, "--wait"))
    assert [e[:2] for e in event_lines(out)] == [
        ("wp", "CREATE_IN_PROGRESS"),
        ("WikiDatabase", "CREATE_IN_PROGRESS"),
        ("WikiDatabase", "CREATE_COMPLETE"),
        ("wp", "CREATE_COMPLETE"),
    ]
    (server,) = [s for s in nova.servers.list() if s.name.startswith("wp-WikiDatabase-")]
    address = next(iter(server.addresses.values()))[0]["addr"]
    url = _ok(heat("output-show", "wp", "WebsiteURL"))
    assert url == f"http://{address}/wordpress\n"
    resources = _ok(heat("resource-list", "wp")).splitlines()[2:]
    assert [r.split()[:4] for r in resources] == [
        ["WikiDatabase", server.id, "AWS::EC2::Instance", "CREATE_COMPLETE"]
    ]
    shown = _ok(heat("stack-show", "wp"))
    assert "DBPassword=******" in shown and "wpsecret" not in shown
    out = _ok(heat("stack-delete", "-y", "--wait", "wp"))
    assert out.splitlines()[-1] == "Stack wp DELETE_COMPLETE"
    assert [s for s in nova.servers.list() if s.id == server.id] == []
