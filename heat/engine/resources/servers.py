"""What AWS::EC2::Instance and OS::Nova::Server share: booting, watching and removing a server.

Both plugins translate their own properties into a `ServerRequest` and hand it to the
functions here; they do not inherit from one another. Nothing here waits: `start_create`
asks Nova for the server and returns, `create_complete` answers "is it ACTIVE now?" and the
engine's timers decide when to ask again.

Every server carries its owner in its metadata (`heat:stack_id`, `heat:resource_name`) so
that an engine that crashed between asking Nova and storing the server id can find it.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import secrets
import string
import threading
import time
import weakref
from collections.abc import Callable, Mapping

from keystoneauth1 import exceptions as ks_exc
from novaclient import exceptions as nova_exc
from oslo_config import cfg

from heat.common.exception import InvalidInput
from heat.engine.clients import errors
from heat.engine.userdata import Userdata, UserdataSettings, build_userdata, userdata_settings

# Nova allows 255 characters, but names also become host names (63 per label) and Heat
# has always kept them short enough for both, with room for a random suffix.
NAME_MAX = 53
SUFFIX_LENGTH = 8
_SUFFIX_ALPHABET = string.ascii_lowercase + string.digits

# A server is not asked about more often than this (seconds). The engine's first checks
# come milliseconds apart, which suits quick resources; a booting server only costs Nova
# requests that much sooner, and with many servers those requests slow the creates down.
POLL_INTERVAL = 0.2

ZONE_KEY = "OS-EXT-AZ:availability_zone"
STACK_ID_KEY = "heat:stack_id"
RESOURCE_NAME_KEY = "heat:resource_name"
# The resource row's uuid: finds the server of a create whose engine died before it could
# record the server's id, so that a retry adopts it and a delete does not leak it.
RESOURCE_UUID_KEY = "heat:resource_uuid"
IDENTITY_KEYS = (STACK_ID_KEY, RESOURCE_NAME_KEY)
# Nova's limit on each metadata key and value.
METADATA_MAX = 255


@dataclasses.dataclass(frozen=True)
class ServerRequest:
    """A server to boot, in Nova's terms: image and flavor are names or ids."""

    image: str
    flavor: str
    key_name: str | None = None
    availability_zone: str | None = None
    security_groups: tuple[str, ...] = ()
    metadata: Mapping[str, str] = dataclasses.field(default_factory=dict)
    scheduler_hints: Mapping[str, object] = dataclasses.field(default_factory=dict)
    user_data: str | None = None
    # (volume id, device), attached through Nova once the server is ACTIVE.
    volumes: tuple[tuple[str, str | None], ...] = ()


def server_name(stack_name: str, resource_name: str, suffix: str | None = None) -> str:
    """`<stack>-<resource>-<random>`, at most NAME_MAX characters.

    When the two names are too long, each keeps at least half of the room, and the resource
    name keeps more where the stack name needs less: the suffix alone makes it unique.
    """
    suffix = suffix or "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(SUFFIX_LENGTH))
    room = NAME_MAX - len(suffix) - 2
    if len(stack_name) + len(resource_name) > room:
        resource_name = resource_name[: max(room // 2, room - len(stack_name))]
        stack_name = stack_name[: room - len(resource_name)]
    return f"{stack_name}-{resource_name}-{suffix}"


def key_value_pairs(items) -> dict[str, str]:
    """[{"Key": k, "Value": v}, ...] (Tags, NovaSchedulerHints) as a mapping."""
    return {str(item["Key"]): _text(item["Value"]) for item in items or ()}


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def check_metadata(metadata: Mapping[str, str], where: str) -> dict[str, str]:
    """Metadata as Nova takes it: text keys and values of at most METADATA_MAX characters."""
    out = {}
    for key, value in metadata.items():
        key, value = str(key), _text(value)
        if key in IDENTITY_KEYS:
            raise InvalidInput(f'{where}: the key "{key}" is reserved for Heat')
        if not key or len(key) > METADATA_MAX or len(value) > METADATA_MAX:
            raise InvalidInput(
                f'{where}: key "{key[:40]}": keys must have 1 to {METADATA_MAX} characters and '
                f"values at most {METADATA_MAX}"
            )
        out[key] = value
    return out


# -- user data ---------------------------------------------------------------------------


@functools.cache
def _default_settings() -> UserdataSettings:
    # An engine built without settings (tests, tools) gets the options' defaults.
    return userdata_settings(cfg.ConfigOpts())


def cfntools_userdata(context, user_data: str | None, metadata) -> Userdata:
    """The multipart cloud-init user data for a server of this stack.

    `user_data` is as the template gives it (base64 from Fn::Base64, or plain text);
    `metadata` is the resource's Metadata, which cfn-init reads (omitted when empty).
    """
    settings = getattr(context, "userdata_settings", None) or _default_settings()
    return build_userdata(settings, user_data, metadata or None)


def plain_text(text: str | None) -> str:
    """`text` in the form build_userdata reads back exactly as it is (no guessing)."""
    return base64.b64encode((text or "").encode("utf-8")).decode("ascii")


# -- talking to Nova -----------------------------------------------------------------------


def _nova(plugin):
    return plugin.context.clients.nova()


def _call(nova, what: str, fn: Callable, server_id: str):
    """A novaclient call not wrapped by NovaClient, with its retries and translation."""
    try:
        return nova.retry.call(fn)
    except (nova_exc.ClientException, ks_exc.ClientException) as exc:
        status = errors.http_status(exc)
        if status == 404:
            raise errors.CloudNotFound("server", server_id) from exc
        message = getattr(exc, "message", None) or str(exc)
        raise errors.CloudRequestFailed(f"Nova: failed to {what}: {message}", status) from exc


@dataclasses.dataclass
class Poll:
    """The token of a create: when Nova is next worth asking."""

    next_at: float

    def due(self) -> bool:
        now = time.monotonic()
        if now < self.next_at:
            return False
        self.next_at = now + POLL_INTERVAL
        return True


# Image and flavor names resolved to ids, per stack operation (its context): fifty servers
# of one image cost one name lookup, and an image renamed later is seen by the next one.
_lookups: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_lookups_lock = threading.Lock()


def _resolved(context, kind: str, name: str, lookup: Callable[[str], str]) -> str:
    with _lookups_lock:
        lock, known = _lookups.setdefault(context, (threading.Lock(), {}))
    # Held during the lookup so that servers starting together wait for the first answer.
    with lock:
        if (kind, name) not in known:
            known[(kind, name)] = lookup(name)
        return known[(kind, name)]


def start_create(plugin, name: str, request: ServerRequest) -> Poll:
    """Ask Nova for the server; sets the plugin's physical_id. The token for create_complete."""
    context = plugin.context
    nova = _nova(plugin)
    metadata = dict(request.metadata)
    metadata[STACK_ID_KEY] = context.stack_id
    metadata[RESOURCE_NAME_KEY] = plugin.name
    resource_uuid = getattr(plugin, "resource_uuid", None)
    if resource_uuid:
        metadata[RESOURCE_UUID_KEY] = resource_uuid
    adopted = _tagged_server(plugin) if getattr(plugin, "previous_attempt", False) else None
    if adopted is not None:
        plugin.physical_id = adopted  # booted by an attempt whose engine died: no second one
        plugin.warn(f"adopted server {adopted}, created by an earlier attempt")
    else:
        plugin.physical_id = nova.create_server(
            name,
            _resolved(context, "image", request.image, lambda n: nova.find_image(n)["id"]),
            _resolved(context, "flavor", request.flavor, lambda n: nova.find_flavor(n).id),
            key_name=request.key_name or None,
            user_data=request.user_data,
            availability_zone=request.availability_zone or None,
            security_groups=list(request.security_groups) or None,
            metadata=metadata,
            scheduler_hints=dict(request.scheduler_hints) or None,
        )
    if request.volumes:
        plugin.data["pending_volumes"] = [list(v) for v in request.volumes]
    return Poll(time.monotonic() + POLL_INTERVAL)


def create_complete(plugin, token: Poll | None) -> bool:
    """True once the server is ACTIVE with its volumes attached; raises with Nova's fault
    if it went to ERROR. Records what the attributes need in the plugin's data."""
    if token is not None and not token.due():
        return False
    nova = _nova(plugin)
    server_id = plugin.physical_id
    status = nova.server_status(server_id)
    if status.status != "ACTIVE":
        # is_active() raises with Nova's fault for a failed server (rarely: finds it ACTIVE).
        if status.status == "BUILD" or not nova.is_active(server_id):
            return False
        status = nova.server_status(server_id)
    if not _volumes_attached(plugin):
        return False
    plugin.data["server"] = {"name": status.name, "networks": status.addresses}
    return True


def _volumes_attached(plugin) -> bool:
    """Attach the pending volumes (once each, through Nova) and say whether Cinder shows
    them all in use by the server."""
    cinder = plugin.context.clients.cinder()
    server_id = plugin.physical_id
    pending = plugin.data.get("pending_volumes") or []
    while pending:
        volume_id, device = pending[0]
        cinder.attach_volume(server_id, volume_id, device or None)
        plugin.data.setdefault("attaching", []).append(volume_id)
        pending.pop(0)  # asked for: a later check must not attach it again
    plugin.data.pop("pending_volumes", None)
    attaching = plugin.data.get("attaching", [])
    if not all(cinder.is_attached(server_id, volume_id) for volume_id in attaching):
        return False
    plugin.data.pop("attaching", None)
    return True


def show(plugin) -> dict:
    """The server as Nova shows it now, without its user data (which may hold secrets)."""
    nova = _nova(plugin)
    server_id = plugin.physical_id
    server = _call(
        nova, "show server", lambda: nova.client.servers.get(server_id).to_dict(), server_id
    )
    server.pop("OS-EXT-SRV-ATTR:user_data", None)
    return server


def first_address(plugin) -> str | None:
    """The first IPv4 address of the first network (an IPv6 one if there is no IPv4)."""
    networks = plugin.data.get("server", {}).get("networks", {})
    addresses = [ip for ips in networks.values() for ip in ips]
    return next((ip for ip in addresses if ":" not in ip), addresses[0] if addresses else None)


def _tagged_server(plugin) -> str | None:
    """The id of the server tagged with the plugin's resource uuid, if Nova has one."""
    resource_uuid = getattr(plugin, "resource_uuid", None)
    if not resource_uuid:
        return None
    found = _nova(plugin).find_servers_by_metadata(RESOURCE_UUID_KEY, resource_uuid)
    return found[0] if found else None


def start_delete(plugin):
    """Ask Nova to delete the server; CloudNotFound (deleted already) propagates.

    A resource with no server id may still have a server: its create was cut short by an
    engine's death after Nova was asked; it is found by its uuid tag and deleted.
    """
    if plugin.physical_id is None:
        plugin.physical_id = _tagged_server(plugin)
        if plugin.physical_id is None:
            return None
    _nova(plugin).delete_server(plugin.physical_id)
    return plugin.physical_id


def delete_complete(plugin, server_id) -> bool:
    return server_id is None or _nova(plugin).is_deleted(server_id)


def update_metadata(plugin, old: Mapping[str, str], new: Mapping[str, str]) -> None:
    """Make the server's own metadata go from `old` to `new`; Heat's keys stay untouched."""
    nova = _nova(plugin)
    changed = {k: v for k, v in new.items() if old.get(k) != v}
    removed = sorted(set(old) - set(new))
    if changed:
        nova.set_metadata(plugin.physical_id, changed)
    if removed:
        nova.delete_metadata(plugin.physical_id, removed)


def rename(plugin, name: str) -> None:
    _nova(plugin).rename_server(plugin.physical_id, name)
    plugin.data.setdefault("server", {})["name"] = name
