"""NovaClient: what the server resources need from Nova, over python-novaclient.

The microversion is negotiated once per helper ("2.latest" against the server's maximum).
Nothing here waits: `server_status`, `is_active` and `is_deleted` answer "now", actions
such as `resize_server` return once Nova has taken them, and the engine's scheduler decides
when to ask again. Transient failures are retried with bounded back-off (see
errors.RetryPolicy); other failures become Heat exceptions carrying Nova's own message.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import TypeVar

from keystoneauth1 import exceptions as ks_exc
from novaclient import api_versions
from novaclient import client as nova_client
from novaclient import exceptions as nova_exc

from heat.engine.clients.errors import (
    AmbiguousName,
    CloudNotFound,
    CloudRequestFailed,
    RetryPolicy,
    http_status,
)

T = TypeVar("T")
# Statuses from which a server will not become ACTIVE by itself.
_FAILED_STATUSES = {"ERROR", "DELETED", "SOFT_DELETED", "SHELVED", "SHELVED_OFFLOADED"}


@dataclasses.dataclass(frozen=True)
class ServerStatus:
    """A server as the engine needs to see it while polling."""

    id: str
    name: str
    status: str
    task_state: str | None
    fault: str | None
    addresses: dict[str, list[str]]
    metadata: dict[str, str]
    # The flavor's name from microversion 2.47 (Nova shows no flavor id since), its id before.
    flavor: str | None = None

    @property
    def first_address(self) -> str | None:
        """The first IP of the first network, e.g. for a PublicIp attribute."""
        for ips in self.addresses.values():
            if ips:
                return ips[0]
        return None


class NovaClient:
    """Nova (and image lookups through Glance) for one session.

    `session` is a keystoneauth1 Session (see session.make_session). `retry` bounds the
    repetition of transient failures; tests pass one with a recording `sleep`.
    """

    def __init__(
        self,
        session,
        region_name: str | None = None,
        interface: str = "public",
        retry: RetryPolicy | None = None,
        version: str = "2.latest",
    ):
        self.session = session
        self.region_name = region_name
        self.interface = interface
        self.retry = retry or RetryPolicy()
        self._requested_version = api_versions.APIVersion(version)
        self._client = None
        self._lock = threading.Lock()

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def client(self):
        """The novaclient Client at the negotiated microversion (negotiated on first use)."""
        with self._lock:
            if self._client is None:
                probe = self._make_client(api_versions.APIVersion("2.1"))
                version = self._call(
                    "negotiate the compute API version",
                    lambda: api_versions.discover_version(probe, self._requested_version),
                )
                self._client = self._make_client(version)
            return self._client

    @property
    def api_version(self) -> str:
        """The negotiated microversion, e.g. "2.79"."""
        return self.client.api_version.get_string()

    def _make_client(self, version):
        return nova_client.Client(
            version,
            session=self.session,
            region_name=self.region_name,
            endpoint_type=self.interface,
        )

    def _call(self, what: str, fn: Callable[[], T], idempotent: bool = True, not_found=None) -> T:
        """Run one Nova operation with retries and exception translation.

        `not_found` is the (kind, name) a 404 refers to; without it a 404 is a failure.
        """
        try:
            return self.retry.call(fn, idempotent=idempotent)
        except (nova_exc.ClientException, ks_exc.ClientException) as exc:
            status = http_status(exc)
            if status == 404 and not_found is not None:
                raise CloudNotFound(*not_found) from exc
            raise CloudRequestFailed(f"Nova: failed to {what}: {_message(exc)}", status) from exc

    # -- lookups ----------------------------------------------------------------------------

    def find_image(self, name_or_id: str) -> dict:
        """The Glance image with this id or (unique) name: a dict with at least id and name."""

        def get(path, **params):
            return self.session.get(
                path,
                params=params,
                endpoint_filter={
                    "service_type": "image",
                    "interface": self.interface,
                    "region_name": self.region_name,
                },
            ).json()

        try:
            return self._call(
                "look up image",
                lambda: get(f"/v2/images/{name_or_id}"),
                not_found=("image", name_or_id),
            )
        except CloudNotFound:
            pass
        except CloudRequestFailed as exc:
            # Glance answers 400 for an id that is not a UUID; then it can only be a name.
            if exc.http_status != 400:
                raise
        images = self._call("list images", lambda: get("/v2/images", name=name_or_id))["images"]
        if not images:
            raise CloudNotFound("image", name_or_id)
        if len(images) > 1:
            raise AmbiguousName("image", name_or_id, [i["id"] for i in images])
        return images[0]

    def find_flavor(self, name_or_id: str):
        """The flavor with this id or (unique) name."""
        flavors = self._call("list flavors", lambda: self.client.flavors.list(is_public=None))
        by_id = [f for f in flavors if f.id == name_or_id]
        if by_id:
            return by_id[0]
        by_name = [f for f in flavors if f.name == name_or_id]
        if not by_name:
            raise CloudNotFound("flavor", name_or_id)
        if len(by_name) > 1:
            raise AmbiguousName("flavor", name_or_id, [f.id for f in by_name])
        return by_name[0]

    def keypair_exists(self, name: str) -> bool:
        """Whether the user has a keypair called `name`."""
        try:
            self._call(
                "look up keypair",
                lambda: self.client.keypairs.get(name),
                not_found=("keypair", name),
            )
        except CloudNotFound:
            return False
        return True

    def check_keypair(self, name: str) -> None:
        """Raise CloudNotFound unless the keypair `name` exists."""
        if not self.keypair_exists(name):
            raise CloudNotFound("keypair", name)

    def availability_zones(self) -> list[str]:
        """Names of the available availability zones."""
        zones = self._call(
            "list availability zones",
            lambda: self.client.availability_zones.list(detailed=False),
        )
        return [z.zoneName for z in zones if z.zoneState.get("available")]

    # -- servers ----------------------------------------------------------------------------

    def create_server(
        self,
        name: str,
        image: str,
        flavor: str,
        *,
        key_name: str | None = None,
        user_data: str | bytes | None = None,
        availability_zone: str | None = None,
        security_groups: list[str] | None = None,
        metadata: dict[str, str] | None = None,
        scheduler_hints: dict | None = None,
        networks: str | list[dict] = "auto",
    ) -> str:
        """Ask Nova for a server; returns its id at once (it is BUILD). `image` and
        `flavor` are names or ids; `user_data` is the raw text (encoded here)."""
        image_id = self.find_image(image)["id"]
        flavor_id = self.find_flavor(flavor).id
        if isinstance(user_data, str):
            user_data = user_data.encode()
        client = self.client
        kwargs = {
            "key_name": key_name,
            # novaclient base64-encodes userdata itself; it takes bytes or text.
            "userdata": user_data,
            "availability_zone": availability_zone,
            "security_groups": security_groups,
            "meta": metadata,
            "scheduler_hints": scheduler_hints or {},
        }
        if client.api_version >= api_versions.APIVersion("2.37"):
            kwargs["nics"] = networks
        server = self._call(
            "create server",
            lambda: client.servers.create(name, image_id, flavor_id, **kwargs),
            idempotent=False,
        )
        return server.id

    def find_servers_by_metadata(self, key: str, value: str) -> list[str]:
        """Ids of the project's servers whose metadata maps `key` to `value` (Nova has no
        such filter: the listing is read and filtered here), oldest first."""
        servers = self._call("list servers", lambda: self.client.servers.list(detailed=True))
        found = [s for s in servers if (getattr(s, "metadata", None) or {}).get(key) == value]
        found.sort(key=lambda s: getattr(s, "created", "") or "")
        return [s.id for s in found]

    def server_status(self, server_id: str) -> ServerStatus:
        """The server's current status; CloudNotFound if it does not exist (any more)."""
        server = self._call(
            "show server",
            lambda: self.client.servers.get(server_id),
            not_found=("server", server_id),
        )
        fault = getattr(server, "fault", None) or None
        addresses = {
            network: [entry["addr"] for entry in entries]
            for network, entries in (getattr(server, "addresses", None) or {}).items()
        }
        flavor = getattr(server, "flavor", None) or {}
        return ServerStatus(
            id=server.id,
            name=server.name,
            status=server.status,
            task_state=getattr(server, "OS-EXT-STS:task_state", None),
            fault=fault.get("message") if isinstance(fault, dict) else None,
            addresses=addresses,
            metadata=dict(getattr(server, "metadata", None) or {}),
            flavor=flavor.get("original_name") or flavor.get("id"),
        )

    def is_active(self, server_id: str) -> bool:
        """True once the server is ACTIVE, False while it builds; CloudRequestFailed with
        Nova's fault message if it failed."""
        status = self.server_status(server_id)
        if status.status == "ACTIVE":
            return True
        if status.status in _FAILED_STATUSES:
            raise CloudRequestFailed(_failure(status, "went to"))
        return False

    def delete_server(self, server_id: str) -> None:
        """Ask Nova to delete a server; CloudNotFound if it is already gone."""
        self._call(
            "delete server",
            lambda: self.client.servers.delete(server_id),
            not_found=("server", server_id),
        )

    def is_deleted(self, server_id: str) -> bool:
        """True once the server is gone; CloudRequestFailed if its deletion failed."""
        try:
            status = self.server_status(server_id)
        except CloudNotFound:
            return True
        if status.status == "ERROR" and status.task_state != "deleting":
            raise CloudRequestFailed(_failure(status, "could not be deleted and is"))
        return False

    def resize_server(self, server_id: str, flavor_id: str) -> None:
        """Ask Nova to move a server to another flavor: it is RESIZE, then VERIFY_RESIZE
        with the new flavor until confirm_resize (or revert_resize)."""
        self._call(
            "resize server",
            lambda: self.client.servers.resize(server_id, flavor_id),
            idempotent=False,
            not_found=("server", server_id),
        )

    def confirm_resize(self, server_id: str) -> None:
        """Keep the new flavor of a server in VERIFY_RESIZE (it becomes ACTIVE again)."""
        self._call(
            "confirm the resize of server",
            lambda: self.client.servers.confirm_resize(server_id),
            idempotent=False,
            not_found=("server", server_id),
        )

    def revert_resize(self, server_id: str) -> None:
        """Go back to the old flavor of a server in VERIFY_RESIZE (REVERT_RESIZE, then
        ACTIVE)."""
        self._call(
            "revert the resize of server",
            lambda: self.client.servers.revert_resize(server_id),
            idempotent=False,
            not_found=("server", server_id),
        )

    def rename_server(self, server_id: str, name: str) -> None:
        """Change a server's name."""
        self._call(
            "rename server",
            lambda: self.client.servers.update(server_id, name=name),
            not_found=("server", server_id),
        )

    def set_metadata(self, server_id: str, items: dict[str, str]) -> None:
        """Add or change metadata items (others stay)."""
        self._call(
            "set server metadata",
            lambda: self.client.servers.set_meta(server_id, items),
            not_found=("server", server_id),
        )

    def delete_metadata(self, server_id: str, keys: list[str]) -> None:
        """Remove metadata items; keys that are not set are ignored."""
        present = set(self.server_status(server_id).metadata)
        wanted = [k for k in keys if k in present]
        if wanted:
            self._call(
                "delete server metadata",
                lambda: self.client.servers.delete_meta(server_id, wanted),
                not_found=("server", server_id),
            )


def _message(exc: BaseException) -> str:
    if isinstance(exc, nova_exc.ClientException):
        return str(exc.message)
    return str(exc)


def _failure(status: ServerStatus, verb: str) -> str:
    detail = f": {status.fault}" if status.fault else ""
    return f"Server {status.name} ({status.id}) {verb} {status.status}{detail}"
