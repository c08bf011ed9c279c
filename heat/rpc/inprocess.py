"""An oslo.messaging driver for RPC between threads of one process: `heat-inprocess:///`.

heat-all runs the APIs and the engine in one process and still talks to the engine through
EngineClient and EngineServer, exactly as separate processes do over RabbitMQ. oslo's own
in-process driver (`fake://`) is meant for unit tests: its listener sleeps 50 ms between
looks at its queues, so every call costs about 50 ms. This driver does the same job with
condition variables: a listener wakes as soon as a message is delivered, a caller as soon
as its reply is.

Semantics follow the AMQP driver where they matter to callers:

- messages are JSON round-tripped on the way in and out, so nothing shared by reference
  crosses, and what cannot be serialized fails at the sender as it would on the wire;
- a topic message goes to exactly one listener of the topic (competing consumers), a
  server message to that server, a fanout to every server of the topic;
- exceptions an endpoint lets escape are serialized and rebuilt on the caller's side with
  oslo's own helpers (allowed_remote_exmods, RemoteError otherwise);
- a call nobody answers in `timeout` seconds raises MessagingTimeout.

The broker is one per process and virtual host (the URL's path), shared by every
transport created for it. Registered under the `oslo.messaging.drivers` entry point.
"""

from __future__ import annotations

import collections
import threading
import time

import oslo_messaging
from oslo_messaging._drivers import base
from oslo_messaging._drivers import common as rpc_common
from oslo_serialization import jsonutils

SCHEME = "heat-inprocess"


def _copy(value):
    """What the receiver gets: a JSON round trip (as a real transport would do)."""
    return jsonutils.loads(jsonutils.dumps(value))


class _Reply:
    """The slot a caller waits on for the one answer to its call."""

    __slots__ = ("_event", "value")

    def __init__(self):
        self._event = threading.Event()
        self.value = None

    def put(self, value) -> None:
        if not self._event.is_set():
            self.value = value
            self._event.set()

    def wait(self, timeout):
        return self._event.wait(timeout)


class _Queue:
    __slots__ = ("items",)

    def __init__(self):
        self.items: collections.deque = collections.deque()


class _Exchange:
    """Named queues and the condition every listener of the exchange waits on."""

    def __init__(self):
        self.cond = threading.Condition(threading.Lock())
        self.topic_queues: dict[tuple[str, str | None], _Queue] = {}
        self.server_queues: dict[tuple[str, str], _Queue] = {}

    def queue_for(self, topic, server=None, pool=None) -> _Queue:
        # Callers hold self.cond.
        if server:
            return self.server_queues.setdefault((topic, server), _Queue())
        if pool is not None and (topic, pool) not in self.topic_queues:
            # A new pool starts with what the default pool has not consumed (as fake://).
            fresh = _Queue()
            fresh.items.extend(self.queue_for(topic).items)
            self.topic_queues[(topic, pool)] = fresh
        return self.topic_queues.setdefault((topic, pool), _Queue())

    def deliver(self, target, envelope) -> None:
        with self.cond:
            if target.fanout:
                queues = [q for (t, _), q in self.server_queues.items() if t == target.topic]
            elif target.server:
                queues = [self.queue_for(target.topic, target.server)]
            else:
                self.queue_for(target.topic)
                queues = [q for (t, _), q in self.topic_queues.items() if t == target.topic]
            for q in queues:
                q.items.append(envelope)
            self.cond.notify_all()


class _Broker:
    """Exchanges of one virtual host; one broker per host per process."""

    _lock = threading.Lock()
    _brokers: dict[str, _Broker] = {}

    def __init__(self):
        self._exchanges: dict[str, _Exchange] = {}
        self._exchanges_lock = threading.Lock()

    @classmethod
    def for_host(cls, virtual_host: str) -> _Broker:
        with cls._lock:
            return cls._brokers.setdefault(virtual_host, cls())

    def exchange(self, name: str) -> _Exchange:
        with self._exchanges_lock:
            return self._exchanges.setdefault(name, _Exchange())


class _IncomingMessage(base.RpcIncomingMessage):
    def __init__(self, ctxt, message, reply, redeliver):
        super().__init__(ctxt, message)
        self._reply = reply
        self._redeliver = redeliver

    def reply(self, reply=None, failure=None):
        if self._reply is None:
            return
        if failure:
            self._reply.put((None, rpc_common.serialize_remote_exception(failure)))
        else:
            self._reply.put((_copy(reply), None))

    def acknowledge(self):
        pass

    def requeue(self):
        self._redeliver()

    def heartbeat(self):
        """Nothing to keep alive: the caller's timeout stands as given."""


class _Listener(base.PollStyleListener):
    """Takes messages off its queues, waking when something is delivered or it is stopped."""

    def __init__(self, exchange: _Exchange, queue_keys):
        super().__init__()
        self._exchange = exchange
        self._stopped = False
        with exchange.cond:
            self._queues = [exchange.queue_for(*key) for key in queue_keys]

    def _take(self):
        for q in self._queues:
            if q.items:
                return q.items.popleft()
        return None

    @base.batch_poll_helper
    def poll(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        cond = self._exchange.cond
        with cond:
            while True:
                envelope = self._take()
                if envelope is not None:
                    return _IncomingMessage(*envelope)
                if self._stopped:
                    return None
                if deadline is None:
                    cond.wait()
                else:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return None
                    cond.wait(left)

    def stop(self):
        with self._exchange.cond:
            self._stopped = True
            self._exchange.cond.notify_all()


class InProcessDriver(base.BaseDriver):
    """oslo.messaging driver for `heat-inprocess:///` (see the module docstring)."""

    def __init__(self, conf, url, default_exchange=None, allowed_remote_exmods=None):
        super().__init__(conf, url, default_exchange, allowed_remote_exmods)
        self._broker = _Broker.for_host(url.virtual_host or "")

    def require_features(self, requeue=True):
        pass

    def _exchange(self, target) -> _Exchange:
        return self._broker.exchange(target.exchange or self._default_exchange or "")

    def _deliver(self, target, ctxt, message, reply=None) -> None:
        exchange = self._exchange(target)
        ctxt, message = _copy(ctxt), _copy(message)

        def redeliver():
            exchange.deliver(target, (ctxt, message, reply, redeliver))

        redeliver()

    def send(
        self,
        target,
        ctxt,
        message,
        wait_for_reply=None,
        timeout=None,
        call_monitor_timeout=None,
        retry=None,
        transport_options=None,
    ):
        reply = _Reply() if wait_for_reply else None
        self._deliver(target, ctxt, message, reply)
        if reply is None:
            return None
        if not reply.wait(timeout):
            raise oslo_messaging.MessagingTimeout(
                f"No reply on topic {target.topic} within {timeout} seconds"
            )
        result, failure = reply.value
        if failure is not None:
            raise rpc_common.deserialize_remote_exception(failure, self._allowed_remote_exmods)
        return result

    def send_notification(self, target, ctxt, message, version, retry=None):
        self._deliver(target, ctxt, message)

    def listen(self, target, batch_size, batch_timeout):
        keys = [(target.topic, target.server), (target.topic, None)]
        listener = _Listener(self._exchange(target), keys)
        return base.PollStyleListenerAdapter(listener, batch_size, batch_timeout)

    def listen_for_notifications(self, targets_and_priorities, pool, batch_size, batch_timeout):
        exchanges = {self._exchange(t) for t, _ in targets_and_priorities}
        if len(exchanges) != 1:
            raise NotImplementedError("heat-inprocess listens to one exchange per listener")
        keys = [(f"{t.topic}.{priority}", None, pool) for t, priority in targets_and_priorities]
        listener = _Listener(exchanges.pop(), keys)
        return base.PollStyleListenerAdapter(listener, batch_size, batch_timeout)

    def cleanup(self):
        """The broker outlives a transport: other transports of the process may use it."""
