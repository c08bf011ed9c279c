"""WaitConditionHandle / WaitCondition and CreationPolicy on the engine, signalled directly."""

import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from heat.common.exception import Forbidden, InvalidInput
from heat.engine import creation_policy, signals
from heat.engine.graph_run import Backoff
from heat.engine.service import EngineService


def template(count=1, timeout="30"):
    return json.dumps(
        {
            "Resources": {
                "Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"},
                "Wait": {
                    "Type": "AWS::CloudFormation::WaitCondition",
                    "Properties": {"Handle": {"Ref": "Handle"}, "Timeout": timeout, "Count": count},
                },
            },
            "Outputs": {"Data": {"Value": {"Fn::GetAtt": ["Wait", "Data"]}}},
        }
    )


def url_parts(engine, ctx, stack):
    deadline = time.monotonic() + 10
    while True:  # the handle is made in the background, right after the stack starts
        handle = engine.show_resource(ctx, stack, "Handle")
        if handle["resource_status"] == "CREATE_COMPLETE" or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    url = handle["physical_resource_id"]
    stack_id, handle = signals.parse_handle_url(url)
    return stack_id, handle, parse_qs(urlsplit(url).query)["Signature"][0]


def signal(engine, parts, unique_id, status="SUCCESS", data=None, reason="r"):
    engine.signal_wait_condition(None, *parts, status, reason, unique_id, data)


def test_count_signals_with_distinct_ids_complete_it_and_data_keeps_their_order(engine, ctx):
    created = engine.create_stack(ctx, "s", template(count=2))
    parts = url_parts(engine, ctx, "s")

    signal(engine, parts, "b", data="first")
    signal(engine, parts, "b", data="again")  # the same id counts once; its data is replaced
    assert not engine.wait(created["stack_id"], 0.3)
    signal(engine, parts, "a", data={"k": 1})

    assert engine.wait(created["stack_id"], 10)
    assert engine.show_stack(ctx, "s")["stack_status"] == "CREATE_COMPLETE"
    assert (
        engine.stack_outputs(ctx, "s")[0]["output_value"] == '{"b": "again", "a": "{\\"k\\": 1}"}'
    )


def test_timeout_fails_the_wait_condition(engine, ctx):
    created = engine.create_stack(
        ctx, "late", template(count=2, timeout="1"), disable_rollback=True
    )
    signal(engine, url_parts(engine, ctx, "late"), "only")

    assert engine.wait(created["stack_id"], 10)
    stack = engine.show_stack(ctx, "late")
    assert stack["stack_status"] == "CREATE_FAILED"
    assert stack["stack_status_reason"] == (
        "Resource Wait: CREATE failed: timed out after 1 s waiting for signals: "
        "1 of 2 SUCCESS signals received"
    )


def test_signals_survive_an_engine_restart(database, ctx):
    first = EngineService(database, backoff=Backoff(0.005, 2.0, 0.05)).start()
    created = first.create_stack(ctx, "kept", template(count=1))
    parts = url_parts(first, ctx, "kept")
    signal(first, parts, "id1", data="payload")
    assert first.wait(created["stack_id"], 10)
    first.stop()

    second = EngineService(database, backoff=Backoff(0.005, 2.0, 0.05)).start()
    try:
        assert second.stack_outputs(ctx, "kept")[0]["output_value"] == '{"id1": "payload"}'
    finally:
        second.stop()


def test_a_signature_for_one_handle_is_refused_for_another(engine, ctx):
    engine.create_stack(ctx, "s", template())
    stack_id, handle, signature = url_parts(engine, ctx, "s")

    with pytest.raises(Forbidden, match="The wait condition URL is not valid"):
        engine.signal_wait_condition(None, stack_id, "Wait", signature, "SUCCESS", "", "u")
    with pytest.raises(InvalidInput, match="Status must be SUCCESS or FAILURE, not 'OK'"):
        engine.signal_wait_condition(None, stack_id, handle, signature, "OK", "", "u")


@pytest.mark.parametrize(
    "text, seconds",
    [("PT15M", 900), ("PT1H30M", 5400), ("PT45S", 45), ("P1D", 86400 // 2 * 2)],
)
def test_creation_policy_durations(text, seconds):
    if seconds > creation_policy.MAX_TIMEOUT:
        with pytest.raises(InvalidInput, match="must be between 1 second and 12 hours"):
            creation_policy.parse_duration(text, "T")
    else:
        assert creation_policy.parse_duration(text, "T") == seconds


def test_creation_policy_rejects_what_is_not_a_duration():
    with pytest.raises(InvalidInput, match='T: "15 minutes" is not an ISO 8601 duration'):
        creation_policy.parse_duration("15 minutes", "T")
    assert creation_policy.resource_signal({"ResourceSignal": {"Count": "3"}}, "R") == (3, 300)
