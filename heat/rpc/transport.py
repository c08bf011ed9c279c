"""RPC transports: RabbitMQ (or any oslo.messaging URL) between processes, in-process for
heat-all.

`transport_url` is oslo.messaging's own option ([DEFAULT] transport_url). The in-process
transport is our own oslo.messaging driver, `heat-inprocess://` (heat.rpc.inprocess): it
works between threads of one process, through exactly the same client and server code as
RabbitMQ, and wakes on delivery where oslo's `fake://` polls every 50 ms.
"""

from __future__ import annotations

import importlib
import logging

import oslo_messaging as messaging
from oslo_config import cfg

TOPIC = "heat-engine"
IN_PROCESS_URL = "heat-inprocess:///"

OPTS = [
    cfg.StrOpt("engine_topic", default=TOPIC, help="The RPC topic heat-engine listens on."),
    cfg.IntOpt(
        "rpc_response_timeout_engine",
        default=60,
        min=1,
        help="Seconds an API waits for the engine to answer a call.",
    ),
]

# oslo.messaging logs every expected exception of an endpoint with its traceback; ours are
# user errors already reported to the caller.
logging.getLogger("oslo_messaging.rpc.server").setLevel(logging.WARNING)


def get_transport(conf: cfg.ConfigOpts | None = None, url: str | None = None):
    """The RPC transport for `url` (default: conf.transport_url, which oslo registers)."""
    conf = conf if conf is not None else cfg.ConfigOpts()
    _register_global_only_opts(conf)
    return messaging.get_rpc_transport(conf, url=url)


def _register_global_only_opts(conf: cfg.ConfigOpts) -> None:
    # oslo.messaging 18 registers its tracing and metrics options on the global cfg.CONF
    # only, but its clients read them from the ConfigOpts they were given.
    for module_name, attr in (
        ("oslo_messaging._tracing.client", "oslo_messaging_tracing"),
        ("oslo_messaging._metrics.client", "oslo_messaging_metrics"),
    ):
        try:
            opts = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError):
            continue
        if attr not in conf:
            conf.register_opts(opts, group=attr)


def in_process_transport(conf: cfg.ConfigOpts | None = None):
    """A transport whose messages never leave this process (heat-all, tests)."""
    return get_transport(conf, IN_PROCESS_URL)
