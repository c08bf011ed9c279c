"""The heat-inprocess:// oslo.messaging driver: calls, casts, errors, fanout, concurrency."""

from __future__ import annotations

import threading
import time
import uuid
import warnings

import pytest

warnings.filterwarnings("ignore", category=DeprecationWarning)

import oslo_messaging as messaging  # noqa: E402

from heat.rpc import transport as rpc_transport  # noqa: E402
from heat.rpc.inprocess import InProcessDriver  # noqa: E402


class LocalError(Exception):
    pass


class Endpoint:
    target = messaging.Target(version="1.0")

    def __init__(self, name="server"):
        self.name = name
        self.casts = []
        self.cast_seen = threading.Event()
        self.seen = []

    def echo(self, ctxt, value):
        self.seen.append(value)
        return {"ctxt": ctxt, "value": value, "server": self.name}

    def record(self, ctxt, value):
        self.casts.append(value)
        self.cast_seen.set()

    def boom(self, ctxt):
        raise LocalError("broken on purpose")

    def bad_value(self, ctxt):
        raise ValueError("not a number")

    def slow(self, ctxt, seconds):
        time.sleep(seconds)
        return self.name

    def mutate(self, ctxt, data):
        data["added"] = True
        return data


@pytest.fixture
def topic():
    return f"t-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def transport():
    transport = rpc_transport.in_process_transport()
    yield transport
    transport.cleanup()


def _server(transport, topic, endpoint, server="host-a"):
    target = messaging.Target(topic=topic, server=server)
    return messaging.get_rpc_server(
        transport, target, [endpoint], access_policy=messaging.DefaultRPCAccessPolicy
    )


@pytest.fixture
def served(transport, topic):
    endpoint = Endpoint()
    server = _server(transport, topic, endpoint)
    server.start()
    yield (
        endpoint,
        messaging.get_rpc_client(
            transport, messaging.Target(topic=topic, version="1.0"), timeout=5
        ),
    )
    server.stop()
    server.wait()


def test_transport_is_ours():
    transport = rpc_transport.in_process_transport()
    assert isinstance(transport._driver, InProcessDriver)
    assert rpc_transport.IN_PROCESS_URL.startswith("heat-inprocess:")


def test_call_returns_json_data(served):
    endpoint, client = served
    answer = client.call({"user": "u"}, "echo", value=[1, "two", {"three": 3}])
    assert answer == {"ctxt": {"user": "u"}, "value": [1, "two", {"three": 3}], "server": "server"}


def test_nothing_crosses_by_reference(served):
    _, client = served
    data = {"k": [1]}
    answer = client.call({}, "mutate", data=data)
    assert answer == {"k": [1], "added": True}
    assert data == {"k": [1]}  # the server changed its own copy


def test_unserializable_arguments_fail_at_the_caller(served):
    _, client = served
    with pytest.raises(ValueError, match="Cannot convert"):
        client.call({}, "echo", value=object())


def test_cast_is_delivered_without_waiting(served):
    endpoint, client = served
    assert client.cast({}, "record", value=7) is None
    assert endpoint.cast_seen.wait(5)
    assert endpoint.casts == [7]


def test_escaped_exceptions_cross_as_remote_errors(served):
    _, client = served
    with pytest.raises(messaging.RemoteError) as info:
        client.call({}, "boom")
    assert info.value.exc_type == "LocalError"  # not in allowed_remote_exmods
    assert "broken on purpose" in info.value.value


def test_builtin_exceptions_keep_their_class(served):
    # As over RabbitMQ: oslo rebuilds builtins and allowed_remote_exmods classes.
    _, client = served
    with pytest.raises(ValueError, match="not a number"):
        client.call({}, "bad_value")


def test_unknown_method_is_an_error_at_the_caller(served):
    _, client = served
    with pytest.raises(messaging.RemoteError) as info:
        client.call({}, "no_such_method")
    assert info.value.exc_type == "NoSuchMethod"


def test_no_listener_times_out(transport, topic):
    client = messaging.get_rpc_client(transport, messaging.Target(topic=topic), timeout=0.2)
    started = time.monotonic()
    with pytest.raises(messaging.MessagingTimeout):
        client.call({}, "echo", value=1)
    assert 0.15 < time.monotonic() - started < 2


def test_calls_are_fast(served):
    # oslo's fake:// costs ~50 ms a call (its listener sleeps); this one wakes on delivery.
    _, client = served
    client.call({}, "echo", value=0)
    started = time.perf_counter()
    for i in range(200):
        assert client.call({}, "echo", value=i)["value"] == i
    assert (time.perf_counter() - started) / 200 < 0.01


def test_concurrent_calls_each_get_their_own_answer(served):
    endpoint, client = served
    results, errors = {}, []

    def worker(n):
        try:
            for i in range(25):
                value = f"{n}-{i}"
                results[value] = client.call({}, "echo", value=value)["value"]
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(results) == 200 and all(k == v for k, v in results.items())


def test_slow_calls_run_in_parallel(served):
    _, client = served
    answers = []
    threads = [
        threading.Thread(target=lambda: answers.append(client.call({}, "slow", seconds=0.3)))
        for _ in range(4)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == ["server"] * 4
    assert time.monotonic() - started < 1.0


def test_topic_messages_go_to_one_server_fanout_to_all(transport, topic):
    a, b = Endpoint("a"), Endpoint("b")
    servers = [_server(transport, topic, a, "host-a"), _server(transport, topic, b, "host-b")]
    for server in servers:
        server.start()
    try:
        client = messaging.get_rpc_client(transport, messaging.Target(topic=topic), timeout=5)
        for i in range(20):
            client.call({}, "echo", value=i)
        assert sorted(a.seen + b.seen) == list(range(20))  # each message handled once
        assert client.prepare(server="host-b").call({}, "echo", value="x")["server"] == "b"
        client.prepare(fanout=True).cast({}, "record", value="all")
        assert a.cast_seen.wait(5) and b.cast_seen.wait(5)
        assert a.casts == b.casts == ["all"]
    finally:
        for server in servers:
            server.stop()
            server.wait()


def test_transports_of_one_process_share_the_broker(topic):
    one, two = rpc_transport.in_process_transport(), rpc_transport.in_process_transport()
    server = _server(one, topic, Endpoint())
    server.start()
    try:
        client = messaging.get_rpc_client(two, messaging.Target(topic=topic), timeout=5)
        assert client.call({}, "echo", value=1)["value"] == 1
    finally:
        server.stop()
        server.wait()


def test_stop_returns_promptly(transport, topic):
    server = _server(transport, topic, Endpoint())
    server.start()
    started = time.monotonic()
    server.stop()
    server.wait()
    assert time.monotonic() - started < 1.0


def test_notifications_reach_a_listener(transport, topic):
    received = threading.Event()
    got = []

    class NotificationEndpoint:
        def info(self, ctxt, publisher_id, event_type, payload, metadata):
            got.append((publisher_id, event_type, payload))
            received.set()

    notify_transport = messaging.get_notification_transport(
        transport.conf, url=rpc_transport.IN_PROCESS_URL
    )
    listener = messaging.get_notification_listener(
        notify_transport, [messaging.Target(topic=topic)], [NotificationEndpoint()]
    )
    listener.start()
    try:
        notifier = messaging.Notifier(
            notify_transport, publisher_id="heat.test", driver="messaging", topics=[topic]
        )
        notifier.info({}, "stack.create", {"id": "s"})
        assert received.wait(5)
        assert got == [("heat.test", "stack.create", {"id": "s"})]
    finally:
        listener.stop()
        listener.wait()
