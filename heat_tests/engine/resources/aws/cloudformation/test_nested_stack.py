"""AWS::CloudFormation::Stack through the engine, child templates served over local HTTP."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from heat.common.exception import StackNotFound

CHILD = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Parameters": {"Greeting": {"Type": "String", "Default": "hello"}},
    "Resources": {
        "Inner": {"Type": "OS::Heat::TestResource", "Properties": {"value": {"Ref": "Greeting"}}}
    },
    "Outputs": {"Said": {"Value": {"Fn::GetAtt": ["Inner", "output"]}}},
}
FAILING_CHILD = {
    "Resources": {"Broken": {"Type": "OS::Heat::TestResource", "Properties": {"fail": True}}}
}


@pytest.fixture
def templates():
    """An HTTP server on loopback serving {path: template}; yields (dict, base URL)."""
    served: dict = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = served.get(self.path)
            if body is None:
                self.send_response(404)
                self.end_headers()
                return
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def parent(url, parameters=None, outputs=True):
    nested = {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": url}}
    if parameters:
        nested["Properties"]["Parameters"] = parameters
    data = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"Child": nested}}
    if outputs:
        data["Outputs"] = {"FromChild": {"Value": {"Fn::GetAtt": ["Child", "Outputs.Said"]}}}
    return json.dumps(data)


def settle(engine, ctx, stack_id):
    assert engine.wait(stack_id, 30)
    return engine.show_stack(ctx, stack_id)


def child_row(engine, stack_id):
    (child,) = engine.db.stacks.children(stack_id)
    return child


def test_create_reads_outputs_and_shows_nested_resources_and_events(engine, ctx, templates):
    served, base = templates
    served["/child.json"] = CHILD
    stack_id = engine.create_stack(
        ctx, "outer", parent(f"{base}/child.json", {"Greeting": "bonjour"})
    )["stack_id"]
    stack = settle(engine, ctx, stack_id)
    assert stack["stack_status"] == "CREATE_COMPLETE"
    assert stack["outputs"][0]["output_value"] == "bonjour"
    child = child_row(engine, stack_id)
    assert (child["parent_id"], child["owner_resource"]) == (stack_id, "Child")
    assert child["name"].startswith("outer-Child-")
    assert [s["stack_name"] for s in engine.list_stacks(ctx)] == ["outer"]
    resources = engine.list_resources(ctx, stack_id, nested_depth=1)
    assert [(r["stack_name"], r["resource_name"], r["resource_status"]) for r in resources] == [
        ("outer", "Child", "CREATE_COMPLETE"),
        (child["name"], "Inner", "CREATE_COMPLETE"),
    ]
    assert resources[0]["physical_resource_id"] == child["id"]
    events = [
        (e["stack_name"], e["resource_name"], e["status"])
        for e in engine.list_events(ctx, stack_id, nested_depth=1)
    ]
    assert (
        events.index(("outer", "Child", "IN_PROGRESS"))
        < events.index((child["name"], "Inner", "COMPLETE"))
        < events.index(("outer", "Child", "COMPLETE"))
    )


def test_a_failing_child_fails_the_parent_with_its_root_cause_and_is_rolled_back(
    engine, ctx, templates
):
    served, base = templates
    served["/broken.json"] = FAILING_CHILD
    stack_id = engine.create_stack(ctx, "outer", parent(f"{base}/broken.json", outputs=False))[
        "stack_id"
    ]
    stack = settle(engine, ctx, stack_id)
    assert stack["stack_status"] == "ROLLBACK_COMPLETE"
    failed = [
        e["reason"]
        for e in engine.list_events(ctx, stack_id)
        if e["resource_name"] == "Child" and e["status"] == "FAILED"
    ]
    assert len(failed) == 1
    child_id = failed[0].removeprefix("CREATE failed: nested stack ").split(":")[0]
    assert failed[0] == (
        f"CREATE failed: nested stack {child_id}: "
        "Resource Broken: CREATE failed: TestResourceFailure: Broken failed on create as told"
    )
    assert engine.db.stacks.children(stack_id) == []


def test_parent_update_updates_the_child_in_place(engine, ctx, templates):
    served, base = templates
    served["/child.json"] = CHILD
    stack_id = engine.create_stack(ctx, "outer", parent(f"{base}/child.json"))["stack_id"]
    settle(engine, ctx, stack_id)
    before = child_row(engine, stack_id)
    engine.update_stack(ctx, stack_id, parent(f"{base}/child.json", {"Greeting": "hej"}))
    stack = settle(engine, ctx, stack_id)
    assert stack["stack_status"] == "UPDATE_COMPLETE"
    assert stack["outputs"][0]["output_value"] == "hej"
    after = child_row(engine, stack_id)
    assert after["id"] == before["id"]
    assert (after["action"], after["status"]) == ("UPDATE", "COMPLETE")


def test_deleting_the_parent_deletes_the_child(engine, ctx, templates):
    served, base = templates
    served["/child.json"] = CHILD
    stack_id = engine.create_stack(ctx, "outer", parent(f"{base}/child.json"))["stack_id"]
    settle(engine, ctx, stack_id)
    child_id = child_row(engine, stack_id)["id"]
    engine.delete_stack(ctx, stack_id)
    assert engine.wait(stack_id, 30)
    deadline = time.monotonic() + 10
    while engine.db.stacks.get(child_id)["deleted_at"] is None:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    with pytest.raises(StackNotFound):
        engine.show_stack(ctx, child_id)


def test_nesting_is_limited(engine, ctx, templates):
    served, base = templates
    served["/self.json"] = json.loads(parent(f"{base}/self.json", outputs=False))
    engine.max_nested_depth = 2
    stack_id = engine.create_stack(ctx, "outer", parent(f"{base}/self.json", outputs=False))[
        "stack_id"
    ]
    stack = settle(engine, ctx, stack_id)
    assert stack["stack_status"] == "ROLLBACK_COMPLETE"
    reasons = [
        e["reason"]
        for e in engine.list_events(ctx, stack_id, nested_depth=3)
        if e["status"] == "FAILED" and e["resource_name"] == "Child"
    ]
    assert any("Child: nested stacks may be at most 2 deep" in r for r in reasons), reasons


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "file:///etc/passwd",
            "TemplateURL must be an http or https URL, not 'file:///etc/passwd'",
        ),
        (
            "http://127.0.0.1:9/none.json",
            "TemplateURL http://127.0.0.1:9/none.json could not be retrieved: ConnectionError",
        ),
    ],
)
def test_bad_template_urls_fail_clearly(engine, ctx, url, message):
    stack_id = engine.create_stack(ctx, "outer", parent(url, outputs=False), disable_rollback=True)[
        "stack_id"
    ]
    stack = settle(engine, ctx, stack_id)
    assert stack["stack_status"] == "CREATE_FAILED"
    assert stack["stack_status_reason"] == f"Resource Child: CREATE failed: {message}"
