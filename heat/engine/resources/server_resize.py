"""Resizing a server in place, as AWS::EC2::Instance (InstanceType) and OS::Nova::Server
(flavor) do: Nova's resize, then confirmResize once it is VERIFY_RESIZE.

The server keeps its id, addresses and volumes. Each check asks Nova once: RESIZE (or any
task under way) is waited for, VERIFY_RESIZE with the new flavor is confirmed, and the
resize is done when the server is ACTIVE (or SHUTOFF, if it was stopped) with the new flavor.
A server that went to ERROR fails the update with Nova's fault; one that Nova put back on
its old flavor (a scheduling failure, a disk that cannot shrink) fails it too.

A VERIFY_RESIZE found before asking (left by an engine that died mid-update) is confirmed if
it already has the wanted flavor and reverted otherwise, so the update can go on from there.
"""

from __future__ import annotations

import time

from heat.engine.clients.errors import CloudRequestFailed
from heat.engine.resources import servers

# Statuses in which the server takes no resize and has none pending: a resize starts here.
_SETTLED = ("ACTIVE", "SHUTOFF")


def start_resize(plugin, flavor: str) -> dict:
    """Ask Nova to resize the plugin's server to `flavor` (a name or id); the token for
    resize_complete."""
    target = plugin.context.clients.nova().find_flavor(flavor)
    token = {
        "flavor": flavor,
        "target": (target.id, target.name),
        "phase": "start",
        "poll": servers.Poll(time.monotonic()),
    }
    _step(plugin, token)
    return token


def resize_complete(plugin, token: dict | None) -> bool:
    """True once the server runs on the new flavor; raises CloudRequestFailed if the resize
    failed."""
    if token is None:
        return True
    if not token["poll"].due():
        return False
    return _step(plugin, token)


def _step(plugin, token: dict) -> bool:
    """Look at the server once and do what its status calls for; True when done."""
    nova = plugin.context.clients.nova()
    server_id = plugin.physical_id
    status = nova.server_status(server_id)
    phase = token["phase"]
    wanted = status.flavor in token["target"]
    if status.status == "ERROR":
        fault = status.fault or "Nova gave no reason"
        raise CloudRequestFailed(
            f"Server {status.name} ({server_id}) went to ERROR while resizing to flavor "
            f"{token['flavor']}: {fault}"
        )
    # After a confirmation or a revert was asked, Nova may show VERIFY_RESIZE a while longer.
    if status.status == "VERIFY_RESIZE" and phase not in ("confirming", "reverting"):
        if wanted:
            nova.confirm_resize(server_id)
            token["phase"] = "confirming"
        else:
            nova.revert_resize(server_id)
            token["phase"] = "reverting"
        return False
    if status.status not in _SETTLED or status.task_state is not None:
        return False  # Nova is at it: RESIZE, REVERT_RESIZE, a confirmation under way
    if wanted:
        return True
    if phase in ("resizing", "confirming"):
        raise CloudRequestFailed(
            f"Nova did not resize server {status.name} ({server_id}) to flavor "
            f"{token['flavor']}: it is {status.status} with flavor {status.flavor}"
        )
    nova.resize_server(server_id, token["target"][0])
    token["phase"] = "resizing"
    token["poll"] = servers.Poll(time.monotonic() + servers.POLL_INTERVAL)
    return False
