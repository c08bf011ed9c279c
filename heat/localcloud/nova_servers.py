"""Nova's servers: create, list, show, update, delete, metadata and addresses.

Server actions and volume attachments live in nova_actions; both work on the documents
this module creates (kind "server"), through the `Servers` object.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
import uuid

from heat.api.wsgi import json_response
from heat.localcloud import lifecycle, nova_views
from heat.localcloud.routing import ApiError, json_body

_MAX_USER_DATA = 65535
_MAX_METADATA_ITEMS = 128


class Servers:
    """Server documents and the /servers routes. `nova` is the Nova service (see nova.py)."""

    def __init__(self, nova):
        self.nova = nova
        self.store = nova.store
        r = nova.router
        r.add("GET", "/servers", self.list_servers)
        r.add("GET", "/servers/detail", self.list_details)
        r.add("POST", "/servers", self.create)
        r.add("GET", "/servers/{server_id}", self.show)
        r.add("PUT", "/servers/{server_id}", self.update)
        r.add("DELETE", "/servers/{server_id}", self.delete)
        r.add("GET", "/servers/{server_id}/metadata", self.show_metadata)
        r.add("POST", "/servers/{server_id}/metadata", self.update_metadata)
        r.add("PUT", "/servers/{server_id}/metadata", self.replace_metadata)
        r.add("GET", "/servers/{server_id}/metadata/{key}", self.show_meta)
        r.add("PUT", "/servers/{server_id}/metadata/{key}", self.set_meta)
        r.add("DELETE", "/servers/{server_id}/metadata/{key}", self.delete_meta)
        r.add("GET", "/servers/{server_id}/ips", self.show_ips)
        r.add("GET", "/servers/{server_id}/ips/{network}", self.show_network_ips)

    # -- loading ----------------------------------------------------------------------------

    def load(self, req, server_id: str) -> tuple[dict, lifecycle.State]:
        """The caller's server and its current state; 404 if unknown or gone."""
        server = self.store.get("server", server_id)
        token = req.environ["localcloud.token"]
        if server is not None and server["project_id"] == token["project_id"]:
            server = self.nova.machines.observe(server)
            state = lifecycle.state_of(server, self.nova.clock())
            if state is not None:
                return server, state
            self.purge(server)
        raise ApiError(404, f"Instance {server_id} could not be found.")

    def load_all(self, req) -> list[tuple[dict, lifecycle.State]]:
        """Every live server of the caller's project, oldest first."""
        token = req.environ["localcloud.token"]
        all_projects = req.GET.get("all_tenants") in ("1", "True", "true") and self.nova.is_admin(
            token
        )
        now = self.nova.clock()
        found = []
        for server in self.store.list("server"):
            if not all_projects and server["project_id"] != token["project_id"]:
                continue
            server = self.nova.machines.observe(server)
            state = lifecycle.state_of(server, now)
            if state is None:
                self.purge(server)
            else:
                found.append((server, state))
        return found

    def purge(self, server: dict) -> None:
        """Forget a deleted server and its volume attachments."""
        with self.store.locked():
            for attachment in self.attachments(server["id"]):
                self.store.delete("volume_attachment", attachment["id"])
            self.store.delete("server", server["id"])

    def attachments(self, server_id: str) -> list[dict]:
        return [a for a in self.store.list("volume_attachment") if a["server_id"] == server_id]

    def save(self, server: dict) -> dict:
        server["updated_at"] = self.nova.clock()
        return self.store.put("server", server["id"], server)

    def detail_view(self, req, server: dict, state: lifecycle.State) -> dict:
        return nova_views.server_detail(
            server,
            state,
            self.attachments(server["id"]),
            self.nova.view_context(req),
            self.floating_ips(server),
        )

    def floating_ips(self, server: dict) -> list[str]:
        """The floating IPs Neutron has associated with the server's port."""
        return self.nova.networking.floating_ips_of_server(server["id"])

    def security_group_names(self, project_id: str, names: list[str]) -> list[str]:
        """The names of the project's groups `names` refers to (by name or id), as Nova
        resolves them through Neutron: 400 for an unknown one, 409 for an ambiguous one."""
        resolved = []
        for name in names:
            found = self.nova.networking.find_groups(project_id, name)
            if not found:
                raise ApiError(400, f"Security group {name} not found.")
            if len(found) > 1:
                raise ApiError(
                    409,
                    f"Multiple security_group matches found for name '{name}', use an ID to be "
                    "more specific.",
                )
            resolved.append(found[0]["name"])
        return _unique(resolved)

    @staticmethod
    def require_not_deleting(server: dict, state: lifecycle.State, action: str) -> None:
        if state.task_state == "deleting":
            raise ApiError(
                409,
                f"Cannot '{action}' instance {server['id']} while it is in task_state deleting",
            )

    # -- collection -------------------------------------------------------------------------

    def _filtered(self, req) -> list[tuple[dict, lifecycle.State]]:
        servers = self.load_all(req)
        name = req.GET.get("name")
        if name:
            # Nova treats the name filter as a regular expression.
            try:
                pattern = re.compile(name)
            except re.error:
                pattern = re.compile(re.escape(name))
            servers = [(s, st) for s, st in servers if pattern.search(s["name"])]
        status = req.GET.get("status")
        if status:
            servers = [(s, st) for s, st in servers if st.status == status.upper()]
        if req.GET.get("image"):
            servers = [(s, st) for s, st in servers if s["image_id"] == req.GET["image"]]
        if req.GET.get("flavor"):
            now = self.nova.clock()
            wanted = req.GET["flavor"]
            servers = [(s, st) for s, st in servers if lifecycle.flavor_of(s, now)["id"] == wanted]
        marker = req.GET.get("marker")
        if marker:
            ids = [s["id"] for s, _ in servers]
            if marker not in ids:
                raise ApiError(400, f"marker [{marker}] not found")
            servers = servers[ids.index(marker) + 1 :]
        limit = req.GET.get("limit")
        if limit is not None:
            if not limit.isdigit():
                raise ApiError(400, "limit param must be an integer")
            servers = servers[: int(limit)]
        return servers

    def list_servers(self, req):
        ctx = self.nova.view_context(req)
        servers = self._filtered(req)
        return json_response({"servers": [nova_views.server_summary(s, ctx) for s, _ in servers]})

    def list_details(self, req):
        servers = self._filtered(req)
        return json_response({"servers": [self.detail_view(req, s, st) for s, st in servers]})

    def create(self, req):
        body = json_body(req)
        spec = json_body(req, "server")
        token = req.environ["localcloud.token"]
        version = req.environ["localcloud.version"]
        name = spec.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 255:
            raise ApiError(
                400,
                f"Invalid input for field/attribute name. Value: {name!r}. 'name' must be a "
                "non-empty string of at most 255 characters.",
            )
        image = self._image(spec)
        flavor = self.nova.flavor(ref_id(spec.get("flavorRef")))
        if flavor is None:
            raise ApiError(400, f"Flavor {spec.get('flavorRef')} could not be found.")
        key_name = spec.get("key_name")
        if key_name is not None and self.nova.keypairs.get(token["user_id"], key_name) is None:
            raise ApiError(400, "Invalid key_name provided.")
        zone = spec.get("availability_zone") or self.nova.settings.availability_zones[0]
        if zone not in self.nova.settings.availability_zones:
            raise ApiError(400, "The requested availability zone is not available")
        metadata = _metadata(spec.get("metadata", {}), "metadata")
        user_data = _user_data(spec.get("user_data"))
        groups = spec.get("security_groups") or [{"name": "default"}]
        if not isinstance(groups, list) or not all(
            isinstance(g, dict) and isinstance(g.get("name"), str) for g in groups
        ):
            raise ApiError(400, "Invalid input for field/attribute security_groups.")
        if version >= (2, 37) and "networks" not in spec:
            raise ApiError(
                400, "Invalid input for field/attribute server. 'networks' is a required property"
            )
        group_names = self.security_group_names(token["project_id"], [g["name"] for g in groups])
        hints = body.get("OS-SCH-HNT:scheduler_hints") or body.get("os:scheduler_hints") or {}
        now = self.nova.clock()
        server_id = str(uuid.uuid4())
        failure = lifecycle.boot_failure(metadata, image)
        active_at = now + self.nova.settings.boot_delay
        with self.store.locked():
            server = {
                "id": server_id,
                "seq": self.store.next_seq("server"),
                "project_id": token["project_id"],
                "user_id": token["user_id"],
                "name": name,
                "hostname": _hostname(name),
                "description": spec.get("description"),
                "image_id": image["id"] if image else "",
                "flavor_id": flavor["id"],
                "flavor": flavor,
                "key_name": key_name,
                "availability_zone": zone,
                "security_groups": group_names,
                "metadata": metadata,
                "user_data": user_data,
                "scheduler_hints": hints,
                "networks": spec.get("networks", "auto"),
                "block_device_mapping_v2": spec.get("block_device_mapping_v2", []),
                "tags": list(spec.get("tags", [])),
                "access_ipv4": spec.get("accessIPv4", ""),
                "access_ipv6": spec.get("accessIPv6", ""),
                "disk_config": spec.get("OS-DCF:diskConfig", "MANUAL"),
                "config_drive": "True" if spec.get("config_drive") else "",
                "reservation_id": "r-" + secrets.token_hex(4),
                "fixed_ip": self._allocate_ip(),
                "mac": lifecycle.mac_for(server_id),
                "created_at": now,
                "updated_at": now,
                "active_at": active_at,
                "error_at": active_at if failure else None,
                "fault": server_fault(f"Build of instance {server_id} aborted: {failure}")
                if failure
                else None,
            }
            self.nova.machines.boot(server)
            self.store.put("server", server_id, server)
        ctx = self.nova.view_context(req)
        view = {
            "id": server_id,
            "links": ctx.links("servers", server_id),
            "OS-DCF:diskConfig": server["disk_config"],
            "security_groups": [{"name": n} for n in server["security_groups"]],
            "adminPass": secrets.token_urlsafe(9),
        }
        location = ctx.links("servers", server_id)[0]["href"]
        return json_response({"server": view}, 202, {"Location": location})

    def _image(self, spec: dict) -> dict | None:
        ref = spec.get("imageRef")
        if not ref:
            if spec.get("block_device_mapping_v2"):
                return None
            raise ApiError(400, "Invalid input for field/attribute imageRef. Value: None.")
        image = self.nova.images.get(ref_id(ref))
        if image is None:
            raise ApiError(400, f"Image {ref} could not be found.")
        return image

    def _allocate_ip(self) -> str:
        now = self.nova.clock()
        live = [s for s in self.store.list("server") if lifecycle.state_of(s, now) is not None]
        try:
            return lifecycle.allocate_ip(live)
        except LookupError as exc:
            raise ApiError(409, str(exc)) from None

    # -- one server -------------------------------------------------------------------------

    def show(self, req, server_id):
        server, state = self.load(req, server_id)
        return json_response({"server": self.detail_view(req, server, state)})

    def update(self, req, server_id):
        server, state = self.load(req, server_id)
        spec = json_body(req, "server")
        self.require_not_deleting(server, state, "update")
        allowed = {"name", "accessIPv4", "accessIPv6", "OS-DCF:diskConfig"}
        if req.environ["localcloud.version"] >= (2, 19):
            allowed.add("description")
        unknown = sorted(set(spec) - allowed)
        if unknown:
            raise ApiError(
                400,
                f"Invalid input for field/attribute server. Additional properties are "
                f"not allowed ({', '.join(repr(k) for k in unknown)} were unexpected)",
            )
        if "name" in spec:
            if not isinstance(spec["name"], str) or not spec["name"].strip():
                raise ApiError(400, "Invalid input for field/attribute name.")
            server["name"] = spec["name"]
            server["hostname"] = _hostname(spec["name"])
        for key, field in (
            ("accessIPv4", "access_ipv4"),
            ("accessIPv6", "access_ipv6"),
            ("OS-DCF:diskConfig", "disk_config"),
            ("description", "description"),
        ):
            if key in spec:
                server[field] = spec[key]
        self.save(server)
        view = nova_views.server_updated(
            server,
            state,
            self.attachments(server_id),
            self.nova.view_context(req),
            self.floating_ips(server),
        )
        return json_response({"server": view})

    def delete(self, req, server_id):
        server, state = self.load(req, server_id)
        now = self.nova.clock()
        until = now + self.nova.settings.delete_delay
        failure = lifecycle.delete_failure(server["metadata"])
        server["deleting_until"] = until
        if failure:
            server["error_at"] = until
            server["fault"] = server_fault(f"Failed to delete instance {server_id}: {failure}")
            server["gone_at"] = None
        else:
            server["gone_at"] = until
            self.nova.machines.delete(server)
        self.save(server)
        return json_response(None, 204)

    # -- metadata ---------------------------------------------------------------------------

    def show_metadata(self, req, server_id):
        server, _ = self.load(req, server_id)
        return json_response({"metadata": server["metadata"]})

    def _change_metadata(self, req, server_id, replace: bool):
        server, state = self.load(req, server_id)
        self.require_not_deleting(server, state, "update_metadata")
        items = _metadata(json_body(req).get("metadata"), "metadata")
        with self.store.locked():
            server, _ = self.load(req, server_id)
            merged = items if replace else {**server["metadata"], **items}
            if len(merged) > _MAX_METADATA_ITEMS:
                raise ApiError(
                    403,
                    "Quota exceeded for metadata_items: Requested 1, but "
                    f"already used {_MAX_METADATA_ITEMS} of {_MAX_METADATA_ITEMS}",
                )
            server["metadata"] = merged
            self.save(server)
        return json_response({"metadata": merged})

    def update_metadata(self, req, server_id):
        return self._change_metadata(req, server_id, replace=False)

    def replace_metadata(self, req, server_id):
        return self._change_metadata(req, server_id, replace=True)

    def show_meta(self, req, server_id, key):
        server, _ = self.load(req, server_id)
        if key not in server["metadata"]:
            raise ApiError(404, "Metadata item was not found")
        return json_response({"meta": {key: server["metadata"][key]}})

    def set_meta(self, req, server_id, key):
        server, state = self.load(req, server_id)
        self.require_not_deleting(server, state, "update_metadata")
        meta = _metadata(json_body(req).get("meta"), "meta")
        if list(meta) != [key]:
            raise ApiError(400, "Request body and URI mismatch")
        with self.store.locked():
            server, _ = self.load(req, server_id)
            server["metadata"][key] = meta[key]
            self.save(server)
        return json_response({"meta": meta})

    def delete_meta(self, req, server_id, key):
        with self.store.locked():
            server, state = self.load(req, server_id)
            self.require_not_deleting(server, state, "delete_metadata")
            if key not in server["metadata"]:
                raise ApiError(404, "Metadata item was not found")
            del server["metadata"][key]
            self.save(server)
        return json_response(None, 204)

    # -- addresses --------------------------------------------------------------------------

    def show_ips(self, req, server_id):
        server, state = self.load(req, server_id)
        networks = nova_views.addresses(server, state, True, self.floating_ips(server))
        return json_response({"addresses": networks})

    def show_network_ips(self, req, server_id, network):
        server, state = self.load(req, server_id)
        networks = nova_views.addresses(server, state, True, self.floating_ips(server))
        if network not in networks:
            raise ApiError(404, "Instance is not a member of specified network")
        return json_response({network: networks[network]})


def ref_id(ref) -> str:
    """The id an imageRef or flavorRef names: they may be ids or (legacy) bookmark URLs
    ending in the id."""
    return str(ref or "").rstrip("/").rsplit("/", 1)[-1]


def _hostname(name: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")[:63] or "server"


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))


def server_fault(message: str) -> dict:
    """A server's fault as Nova records it for a failure on the compute host."""
    return {"code": 500, "message": message}


def _metadata(items, field: str) -> dict:
    if not isinstance(items, dict):
        raise ApiError(400, f"Invalid input for field/attribute {field}. Value: {items!r}.")
    for key, value in items.items():
        if not isinstance(value, str) or not key or len(key) > 255 or len(value) > 255:
            raise ApiError(
                400,
                f"Invalid input for field/attribute {field}. Value: {items!r}. Keys and values "
                "must be strings of 1 to 255 characters.",
            )
    return dict(items)


def _user_data(value) -> str | None:
    if value is None:
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise ApiError(400, "User data needs to be valid base 64.") from None
    if len(raw) > _MAX_USER_DATA:
        raise ApiError(
            400,
            f"User data too large. User data must be no larger than "
            f"{_MAX_USER_DATA} bytes once base64 encoded.",
        )
    return value
