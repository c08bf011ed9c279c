"""heat-api over HTTP with python-heatclient and raw requests: lifecycle, shapes, tenancy,
NoEcho masking and a fuzz test."""

from __future__ import annotations

import json
import random
import time

import pytest
import requests
from heatclient import client as heat_client
from heatclient import exc as heat_exc
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Parameters": {"DbPassword": {"Type": "String", "NoEcho": "true", "Default": "hunter2-x"}},
    "Resources": {
        "Random": {"Type": "OS::Heat::RandomString", "Properties": {"length": 12}},
        "Test": {"Type": "OS::Heat::TestResource", "Properties": {"value": "v"}},
    },
    "Outputs": {"Secret": {"Value": {"Ref": "Random"}, "Description": "the random string"}},
}


def _heat(api, account):
    auth = v3.Password(
        auth_url=api.auth_url,
        username=account.username,
        password=account.password,
        project_name=account.project_name,
        user_domain_name="Default",
        project_domain_name="Default",
    )
    return heat_client.Client("1", session=ks_session.Session(auth=auth))


def _wait(api, account, name, status):
    heat = _heat(api, account)
    for _ in range(200):
        stack = heat.stacks.get(name)
        if stack.stack_status == status:
            return stack
        time.sleep(0.05)
    raise AssertionError(f"{name} is {stack.stack_status}, not {status}")


def _create(api, account, name="web"):
    headers = {"X-Auth-Token": account.token}
    response = requests.post(
        f"{api.stack_url(account)}/stacks",
        json={"stack_name": name, "template": TEMPLATE, "disable_rollback": True},
        headers=headers,
        timeout=10,
    )
    assert response.status_code == 201, response.text
    _wait(api, account, name, "CREATE_COMPLETE")
    return response.json()["stack"]["id"]


def test_heatclient_create_list_show_delete(heat_api):
    heat = _heat(heat_api, heat_api.a)
    created = heat.stacks.create(
        stack_name="web", template=TEMPLATE, parameters={"DbPassword": "s3cr3t-pw"}
    )
    stack_id = created["stack"]["id"]
    stack = _wait(heat_api, heat_api.a, "web", "CREATE_COMPLETE")
    assert stack.id == stack_id
    assert stack.parameters["DbPassword"] == "******"
    assert [s.stack_name for s in heat.stacks.list()] == ["web"]
    assert sorted(r.resource_name for r in heat.resources.list("web")) == ["Random", "Test"]
    assert heat.resources.get("web", "Test").resource_status == "CREATE_COMPLETE"
    outputs = heat.stacks.output_list("web")["outputs"]
    assert outputs == [{"output_key": "Secret", "description": "the random string"}]
    value = heat.stacks.output_show("web", "Secret")["output"]["output_value"]
    assert len(value) == 12
    assert heat.stacks.template("web") == TEMPLATE
    events = heat.events.list("web")
    assert events[0].resource_status == "CREATE_IN_PROGRESS"
    heat.stacks.delete("web")
    for _ in range(200):
        if not list(heat.stacks.list()):
            break
        time.sleep(0.05)
    assert list(heat.stacks.list()) == []
    with pytest.raises(heat_exc.HTTPNotFound):
        heat.stacks.get("web")


def test_heatclient_validate_and_resource_types(heat_api):
    heat = _heat(heat_api, heat_api.a)
    result = heat.stacks.validate(template=TEMPLATE)
    assert result["Parameters"]["DbPassword"]["Default"] == "******"
    assert result["Parameters"]["DbPassword"]["NoEcho"] == "true"
    types = [t.resource_type for t in heat.resource_types.list()]
    assert "OS::Heat::RandomString" in types and "AWS::EC2::Instance" in types
    schema = heat.resource_types.get("OS::Heat::RandomString")
    assert schema["resource_type"] == "OS::Heat::RandomString"
    assert "length" in schema["properties"]


def test_shapes_match_the_api_reference_samples(heat_api):
    account = heat_api.a
    stack_id = _create(heat_api, account)
    base = f"{heat_api.stack_url(account)}/stacks/web/{stack_id}"
    headers = {"X-Auth-Token": account.token}

    def get(path):
        response = requests.get(base + path, headers=headers, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    listed = requests.get(f"{heat_api.stack_url(account)}/stacks", headers=headers).json()
    assert set(listed["stacks"][0]) == {
        "creation_time", "deletion_time", "description", "id", "links", "parent",
        "stack_name", "stack_owner", "stack_status", "stack_status_reason",
        "stack_user_project_id", "tags", "updated_time",
    }  # fmt: skip
    shown = get("")["stack"]
    assert set(shown) >= {
        "capabilities", "creation_time", "description", "disable_rollback", "id", "links",
        "notification_topics", "outputs", "parameters", "stack_name", "stack_status",
        "stack_status_reason", "template_description", "timeout_mins", "updated_time",
    }  # fmt: skip
    resource = get("/resources/Test")["resource"]
    assert set(resource) >= {
        "attributes", "creation_time", "description", "links", "logical_resource_id",
        "physical_resource_id", "required_by", "resource_name", "resource_status",
        "resource_status_reason", "resource_type", "updated_time",
    }  # fmt: skip
    assert get("/resources/Test/metadata") == {"metadata": {}}
    events = get("/resources/Test/events")["events"]
    assert [e["resource_status"] for e in events] == ["CREATE_IN_PROGRESS", "CREATE_COMPLETE"]
    event = get(f"/resources/Test/events/{events[0]['id']}")["event"]
    assert set(event) >= {
        "event_time", "id", "links", "logical_resource_id", "physical_resource_id",
        "resource_name", "resource_properties", "resource_status", "resource_status_reason",
        "resource_type",
    }  # fmt: skip
    env = get("/environment")
    assert env["parameters"] == {"DbPassword": "******"}
    assert set(env) >= {"encrypted_param_names", "event_sinks", "parameters"}
    info = requests.get(f"{heat_api.stack_url(account)}/build_info", headers=headers).json()
    assert set(info) == {"api", "engine"}


def test_lookup_redirects_to_the_canonical_url(heat_api):
    account = heat_api.a
    stack_id = _create(heat_api, account)
    response = requests.get(
        f"{heat_api.stack_url(account)}/stacks/web/resources?x=1",
        headers={"X-Auth-Token": account.token},
        allow_redirects=False,
    )
    assert response.status_code == 302
    assert response.headers["Location"] == (
        f"{heat_api.stack_url(account)}/stacks/web/{stack_id}/resources?x=1"
    )


def test_update_and_patch_reach_the_engine(heat_api):
    account = heat_api.a
    stack_id = _create(heat_api, account)
    url = f"{heat_api.stack_url(account)}/stacks/web/{stack_id}"
    headers = {"X-Auth-Token": account.token}
    template = json.loads(json.dumps(TEMPLATE))
    template["Resources"]["Test"]["Properties"]["value"] = "w"
    preview = requests.put(url + "/preview", json={"template": template}, headers=headers)
    assert preview.status_code == 200, preview.text
    assert [c["resource_name"] for c in preview.json()["resource_changes"]["updated"]] == ["Test"]
    response = requests.put(url, json={"template": template}, headers=headers)
    assert response.status_code == 202, response.text
    _wait(heat_api, account, "web", "UPDATE_COMPLETE")
    response = requests.patch(url, json={"parameters": {"DbPassword": "x2"}}, headers=headers)
    assert response.status_code == 202, response.text


def test_unauthenticated_requests_get_401(heat_api):
    url = f"{heat_api.stack_url(heat_api.a)}/stacks"
    for headers in ({}, {"X-Auth-Token": "nope"}):
        response = requests.get(url, headers=headers, timeout=10)
        assert response.status_code == 401
        assert response.json()["error"] == {
            "message": "Authentication required",
            "type": "AuthenticationFailed",
            "traceback": None,
        }


def test_tenancy_project_a_cannot_see_or_touch_project_b(heat_api):
    a, b = heat_api.a, heat_api.b
    stack_id = _create(heat_api, b, "secret-stack")
    headers = {"X-Auth-Token": a.token}
    # With B's project in the URL: 403 for everything.
    b_base = heat_api.stack_url(b)
    for method, path in [
        ("GET", "/stacks"),
        ("GET", f"/stacks/secret-stack/{stack_id}"),
        ("DELETE", f"/stacks/secret-stack/{stack_id}"),
        ("GET", f"/stacks/secret-stack/{stack_id}/resources"),
        ("GET", "/stacks/secret-stack"),
    ]:
        response = requests.request(method, b_base + path, headers=headers, timeout=10)
        assert response.status_code == 403, (method, path)
        assert response.json()["error"]["type"] == "Forbidden"
    # With A's own project in the URL and B's stack id: 404, nothing revealed.
    a_base = heat_api.stack_url(a)
    for method, path in [
        ("GET", f"/stacks/secret-stack/{stack_id}"),
        ("GET", f"/stacks/{stack_id}"),
        ("DELETE", f"/stacks/secret-stack/{stack_id}"),
        ("DELETE", f"/stacks/{stack_id}"),
        ("GET", f"/stacks/secret-stack/{stack_id}/events"),
        ("GET", f"/stacks/secret-stack/{stack_id}/template"),
        ("PUT", f"/stacks/secret-stack/{stack_id}"),
    ]:
        response = requests.request(method, a_base + path, headers=headers, json={}, timeout=10)
        assert response.status_code == 404, (method, path, response.text)
    assert requests.get(a_base + "/stacks", headers=headers).json() == {"stacks": []}
    assert _heat(heat_api, b).stacks.get("secret-stack").stack_status == "CREATE_COMPLETE"


def test_no_echo_values_never_appear(heat_api):
    account = heat_api.a
    headers = {"X-Auth-Token": account.token}
    secret = "very-secret-value-42"
    response = requests.post(
        f"{heat_api.stack_url(account)}/stacks",
        json={"stack_name": "s", "template": TEMPLATE, "parameters": {"DbPassword": secret}},
        headers=headers,
    )
    stack_id = response.json()["stack"]["id"]
    _wait(heat_api, account, "s", "CREATE_COMPLETE")
    base = f"{heat_api.stack_url(account)}/stacks/s/{stack_id}"
    for path in ("", "/environment", "/events", "/resources", "/outputs", "/template"):
        body = requests.get(base + path, headers=headers).text
        assert secret not in body, path


def test_fuzz_never_500(heat_api):
    account = heat_api.a
    stack_id = _create(heat_api, account)
    rng = random.Random(20240601)
    session = requests.Session()
    session.headers["X-Auth-Token"] = account.token
    base = heat_api.stack_url(account)
    paths = [
        "/stacks", f"/stacks/web/{stack_id}", "/stacks/web", f"/stacks/web/{stack_id}/actions",
        f"/stacks/web/{stack_id}/preview", "/validate", f"/stacks/web/{stack_id}/events",
        f"/stacks/web/{stack_id}/resources/Test/events", "/resource_types/OS::Nope",
        f"/stacks/web/{stack_id}/outputs/x", "/stacks/%00", "/stacks/a/b/c/d/e",
    ]  # fmt: skip
    keys = ["stack_name", "template", "parameters", "timeout_mins", "disable_rollback", "tags",
            "template_url", "environment", "limit", "marker", "sort_dir", "sort_keys",
            "cancel_update", "status"]  # fmt: skip
    values = [None, True, 0, -1, 1e308, "", "x" * 300, [], {}, [1, {}], {"a": [None]},
              "CREATE_COMPLETE", "asc", "ftp://x", "http://127.0.0.1:1/x", "Resources: [",
              {"Resources": {"R": {"Type": "OS::Nope"}}}, "\u0000\ud7ff", "1" * 40]  # fmt: skip
    for _ in range(2500):
        method = rng.choice(["GET", "POST", "PUT", "PATCH", "DELETE"])
        path = rng.choice(paths)
        if method == "DELETE" and "web" in path and rng.random() < 0.9:
            method = "GET"  # keep the stack around for most of the run
        query = {rng.choice(keys): str(rng.choice(values)) for _ in range(rng.randint(0, 3))}
        kind = rng.random()
        if kind < 0.4:
            data = json.dumps({rng.choice(keys): rng.choice(values) for _ in range(3)})
        elif kind < 0.6:
            data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 64)))
        elif kind < 0.8:
            data = json.dumps(rng.choice(values))
        else:
            data = None
        response = session.request(method, base + path, params=query, data=data, timeout=30)
        assert response.status_code < 500 or response.status_code == 501, (
            method, path, query, data, response.text,
        )  # fmt: skip
        assert "Traceback" not in response.text


def test_a_nested_stack_is_reached_by_its_id_but_not_listed(heat_api):
    """The physical id of an AWS::CloudFormation::Stack is the nested stack's id: heat-api
    shows that stack and its resources by id, while stack-list hides it."""
    import http.server
    import threading

    child = json.dumps({"Resources": {"Inner": {"Type": "OS::Heat::None"}}}).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(len(child)))
            self.end_headers()
            self.wfile.write(child)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/child.json"
        template = {"Resources": {"Child": {"Type": "AWS::CloudFormation::Stack",
                                            "Properties": {"TemplateURL": url}}}}  # fmt: skip
        heat = _heat(heat_api, heat_api.a)
        heat.stacks.create(stack_name="outer", template=template)
        _wait(heat_api, heat_api.a, "outer", "CREATE_COMPLETE")
        (child_resource,) = heat.resources.list("outer")
        nested_id = child_resource.physical_resource_id

        nested = heat.stacks.get(nested_id)
        assert (nested.id, nested.stack_status) == (nested_id, "CREATE_COMPLETE")
        assert nested.stack_name.startswith("outer-Child-")
        assert [r.resource_name for r in heat.resources.list(nested_id)] == ["Inner"]
        assert heat.resources.get(nested_id, "Inner").resource_status == "CREATE_COMPLETE"
        assert [s.stack_name for s in heat.stacks.list()] == ["outer"]
        other = _heat(heat_api, heat_api.b)
        with pytest.raises(heat_exc.HTTPNotFound):
            other.stacks.get(nested_id)
    finally:
        server.shutdown()
        server.server_close()
