"""How a localcloud server's status follows from its stored document and the clock.

No thread drives a server from BUILD to ACTIVE: the document records *when* things happen
(`active_at`, `error_at`, `deleting_until`, `gone_at`, ...) and every read computes the
state for "now". A restart therefore neither loses nor stalls a transition.

A resize is a `resize` entry: the server is RESIZE until `until`, then VERIFY_RESIZE with
the new flavor until confirmResize makes that its own flavor (revertResize drops it: the
server is REVERT_RESIZE for a while, with its old flavor). A resize that Nova rolls back
(libvirt cannot shrink a disk) leaves the server as it was once RESIZE is over.
"""

from __future__ import annotations

import dataclasses
import hashlib
import ipaddress

from heat.localcloud.timeutil import iso_seconds

FAIL_KEY = "localcloud:fail"
# The fault of a resize that server metadata localcloud:fail=resize makes fail.
RESIZE_FAILURE = f"Resize error: failure requested by server metadata {FAIL_KEY}=resize"
NETWORK = "private"
SUBNET = ipaddress.ip_network("10.0.0.0/24")
# .1 is the router and .2 the DHCP server on a devstack-like private network.
_FIRST_HOST = 3

# Nova's power_state codes.
NOSTATE, RUNNING, SHUTDOWN = 0, 1, 4


@dataclasses.dataclass(frozen=True)
class State:
    """A server's status as Nova reports it at one instant."""

    status: str
    vm_state: str
    task_state: str | None
    power_state: int
    fault: dict | None = None
    launched: bool = False


def state_of(server: dict, now: float) -> State | None:
    """The state of `server` at `now`; None once a deleted server is gone."""
    if server.get("gone_at") is not None and now >= server["gone_at"]:
        return None
    if server.get("deleting_until") is not None and now < server["deleting_until"]:
        return State("DELETED", "deleted", "deleting", NOSTATE)
    if server.get("error_at") is not None and now >= server["error_at"]:
        fault = dict(server["fault"], created=iso_seconds(server["error_at"]))
        # A server that failed at boot never launched; one that failed later (delete) did.
        launched = server["error_at"] > server["active_at"]
        return State("ERROR", "error", None, NOSTATE, fault, launched)
    if now < server["active_at"]:
        return State("BUILD", "building", "spawning", NOSTATE)
    resizing = _resize_state(server, now)
    if resizing is not None:
        return resizing
    if server.get("stopped"):
        return State("SHUTOFF", "stopped", None, SHUTDOWN, launched=True)
    if server.get("reboot_until") is not None and now < server["reboot_until"]:
        hard = server.get("reboot_type") == "HARD"
        status, task = ("HARD_REBOOT", "rebooting_hard") if hard else ("REBOOT", "rebooting")
        return State(status, "active", task, RUNNING, launched=True)
    return State("ACTIVE", "active", None, RUNNING, launched=True)


def _resize_state(server: dict, now: float) -> State | None:
    """RESIZE, VERIFY_RESIZE or REVERT_RESIZE while the server is in one; else None."""
    stopped = bool(server.get("stopped"))
    power = SHUTDOWN if stopped else RUNNING
    resize = server.get("resize")
    if resize is not None and now < resize["until"]:
        vm_state = "stopped" if stopped else "active"
        return State("RESIZE", vm_state, "resize_migrating", power, launched=True)
    if resize is not None and resize["outcome"] == "verify":
        return State("VERIFY_RESIZE", "resized", None, power, launched=True)
    if server.get("revert_until") is not None and now < server["revert_until"]:
        return State("REVERT_RESIZE", "resized", "resize_reverting", power, launched=True)
    return None


def flavor_of(server: dict, now: float) -> dict:
    """The flavor Nova shows for the server at `now`: the new one from VERIFY_RESIZE on."""
    resize = server.get("resize")
    if resize is not None and resize["outcome"] == "verify" and now >= resize["until"]:
        return resize["flavor"]
    return server["flavor"]


def resize_outcome(metadata: dict, old_flavor: dict, new_flavor: dict, image_backed: bool) -> str:
    """How a resize ends: "error" when the server's metadata asks for it, "rollback" when it
    would shrink an image-backed disk (libvirt refuses: Nova puts the server back as it
    was), otherwise "verify" (VERIFY_RESIZE, waiting for confirmResize or revertResize)."""
    if metadata.get(FAIL_KEY) == "resize":
        return "error"
    if image_backed and new_flavor["disk"] < old_flavor["disk"]:
        return "rollback"
    return "verify"


def boot_failure(metadata: dict, image: dict | None) -> str | None:
    """Why a server with this metadata and image fails to boot, or None if it boots."""
    if metadata.get(FAIL_KEY) == "boot":
        return f"failure requested by server metadata {FAIL_KEY}=boot"
    if image is not None and image["properties"].get(FAIL_KEY) == "boot":
        return f"failure requested by image {image['name']} property {FAIL_KEY}=boot"
    return None


def delete_failure(metadata: dict) -> str | None:
    """Why deleting a server with this metadata fails, or None if it goes away."""
    if metadata.get(FAIL_KEY) == "delete":
        return f"failure requested by server metadata {FAIL_KEY}=delete"
    return None


def allocate_ip(servers: list[dict]) -> str:
    """The lowest free fixed IP of the private network, given the existing servers."""
    used = {s["fixed_ip"] for s in servers}
    for host in list(SUBNET.hosts())[_FIRST_HOST - 1 :]:
        if str(host) not in used:
            return str(host)
    raise LookupError(f"No more IP addresses available on network {NETWORK}.")


def mac_for(server_id: str) -> str:
    """A stable OpenStack-style MAC (fa:16:3e prefix) for a server."""
    digest = hashlib.sha256(server_id.encode()).digest()
    return "fa:16:3e:" + ":".join(f"{b:02x}" for b in digest[:3])


def host_id(project_id: str, host: str) -> str:
    """Nova's hostId: a per-project hash of the compute host's name."""
    return hashlib.sha224((project_id + host).encode()).hexdigest()
