"""How Nova shows servers and flavors at each microversion (2.1 to 2.79).

Each `if version >= (2, N)` adds what microversion 2.N added, in the order of Nova's API
history, so a response has exactly the keys of the upstream sample for its version.
"""

from __future__ import annotations

import dataclasses

from heat.localcloud import lifecycle
from heat.localcloud.timeutil import iso_micro, iso_seconds

# Keys of the PUT /servers/{id} answer before 2.75 made it the full server.
_UPDATE_KEYS = {
    "OS-DCF:diskConfig",
    "accessIPv4",
    "accessIPv6",
    "addresses",
    "created",
    "description",
    "fault",
    "flavor",
    "hostId",
    "id",
    "image",
    "links",
    "locked",
    "locked_reason",
    "metadata",
    "name",
    "progress",
    "server_groups",
    "status",
    "tags",
    "tenant_id",
    "trusted_image_certificates",
    "updated",
    "user_id",
}


@dataclasses.dataclass(frozen=True)
class ViewContext:
    """What a view needs besides the object: microversion, URLs, the clock."""

    version: tuple[int, int]
    compute_url: str
    now: float

    def links(self, collection: str, id: str) -> list[dict]:
        return [
            {"href": f"{self.compute_url}/v2.1/{collection}/{id}", "rel": "self"},
            {"href": f"{self.compute_url}/{collection}/{id}", "rel": "bookmark"},
        ]

    def bookmark(self, collection: str, id: str) -> list[dict]:
        return [{"href": f"{self.compute_url}/{collection}/{id}", "rel": "bookmark"}]


def addresses(
    server: dict, state: lifecycle.State, basic: bool = False, floating: list[str] = ()
) -> dict:
    """The server's addresses by network, the fixed IP first, then `floating` ones on its
    port; a server that failed to boot has none."""
    if state.status == "ERROR" and not state.launched:
        return {}
    entries = []
    for address, kind in [(server["fixed_ip"], "fixed"), *((f, "floating") for f in floating)]:
        entry = {"addr": address, "version": 4}
        if not basic:
            entry["OS-EXT-IPS:type"] = kind
            entry["OS-EXT-IPS-MAC:mac_addr"] = server["mac"]
        entries.append(entry)
    return {lifecycle.NETWORK: entries}


def server_summary(server: dict, ctx: ViewContext) -> dict:
    """A server in GET /servers."""
    return {"id": server["id"], "links": ctx.links("servers", server["id"]), "name": server["name"]}


def server_detail(
    server: dict,
    state: lifecycle.State,
    attachments: list[dict],
    ctx: ViewContext,
    floating: list[str] = (),
) -> dict:
    """A server in GET /servers/{id} and GET /servers/detail."""
    v = ctx.version
    view = {
        "id": server["id"],
        "name": server["name"],
        "status": state.status,
        "tenant_id": server["project_id"],
        "user_id": server["user_id"],
        "metadata": dict(server["metadata"]),
        "hostId": lifecycle.host_id(server["project_id"], "localcloud"),
        "image": _image(server, ctx),
        "flavor": _flavor(server, ctx),
        "created": iso_seconds(server["created_at"]),
        "updated": iso_seconds(_updated(server, ctx.now)),
        "addresses": addresses(server, state, floating=floating),
        "accessIPv4": server["access_ipv4"],
        "accessIPv6": server["access_ipv6"],
        "links": ctx.links("servers", server["id"]),
        "OS-DCF:diskConfig": server["disk_config"],
        "progress": _progress(server, state, ctx.now),
        "OS-EXT-AZ:availability_zone": server["availability_zone"],
        "config_drive": server["config_drive"],
        "key_name": server["key_name"],
        "OS-SRV-USG:launched_at": iso_micro(server["active_at"]) if state.launched else None,
        "OS-SRV-USG:terminated_at": None,
        "security_groups": [{"name": name} for name in server["security_groups"]],
        "OS-EXT-SRV-ATTR:host": "localcloud",
        "OS-EXT-SRV-ATTR:instance_name": f"instance-{server['seq']:08x}",
        "OS-EXT-SRV-ATTR:hypervisor_hostname": "localcloud",
        "OS-EXT-STS:task_state": state.task_state,
        "OS-EXT-STS:vm_state": state.vm_state,
        "OS-EXT-STS:power_state": state.power_state,
        "os-extended-volumes:volumes_attached": [_volume_attached(a, v) for a in attachments],
    }
    if state.fault is not None:
        view["fault"] = state.fault
    if v >= (2, 3):
        view.update(
            {
                "OS-EXT-SRV-ATTR:reservation_id": server["reservation_id"],
                "OS-EXT-SRV-ATTR:launch_index": 0,
                "OS-EXT-SRV-ATTR:kernel_id": "",
                "OS-EXT-SRV-ATTR:ramdisk_id": "",
                "OS-EXT-SRV-ATTR:hostname": server["hostname"],
                "OS-EXT-SRV-ATTR:root_device_name": "/dev/vda",
                "OS-EXT-SRV-ATTR:user_data": server["user_data"],
            }
        )
    if v >= (2, 9):
        view["locked"] = False
    if v >= (2, 16):
        view["host_status"] = "UP"
    if v >= (2, 19):
        view["description"] = server["description"]
    if v >= (2, 26):
        view["tags"] = list(server["tags"])
    if v >= (2, 63):
        view["trusted_image_certificates"] = None
    if v >= (2, 71):
        view["server_groups"] = []
    if v >= (2, 73):
        view["locked_reason"] = None
    return view


def server_updated(
    server: dict,
    state: lifecycle.State,
    attachments: list[dict],
    ctx: ViewContext,
    floating: list[str] = (),
) -> dict:
    """A server in the answer to PUT /servers/{id}: the full view from 2.75, a subset before."""
    view = server_detail(server, state, attachments, ctx, floating)
    if ctx.version >= (2, 75):
        return view
    view = {k: value for k, value in view.items() if k in _UPDATE_KEYS}
    view["addresses"] = addresses(server, state, basic=True, floating=floating)
    return view


def _image(server: dict, ctx: ViewContext):
    if not server["image_id"]:
        # Volume-backed servers show an empty string, as Nova does.
        return ""
    return {"id": server["image_id"], "links": ctx.bookmark("images", server["image_id"])}


def _flavor(server: dict, ctx: ViewContext) -> dict:
    flavor = lifecycle.flavor_of(server, ctx.now)
    if ctx.version < (2, 47):
        return {"id": flavor["id"], "links": ctx.bookmark("flavors", flavor["id"])}
    return {
        "vcpus": flavor["vcpus"],
        "ram": flavor["ram"],
        "disk": flavor["disk"],
        "ephemeral": flavor["ephemeral"],
        "swap": flavor["swap"],
        "original_name": flavor["name"],
        "extra_specs": dict(flavor["extra_specs"]),
    }


def _volume_attached(attachment: dict, version: tuple[int, int]) -> dict:
    entry = {"id": attachment["volume_id"]}
    if version >= (2, 3):
        entry["delete_on_termination"] = attachment["delete_on_termination"]
    return entry


def _updated(server: dict, now: float) -> float:
    # A computed transition (BUILD -> ACTIVE/ERROR, RESIZE -> VERIFY_RESIZE) is a change too.
    resize = server.get("resize") or {}
    moments = [
        server["updated_at"],
        server["active_at"],
        server.get("error_at") or 0.0,
        resize.get("until") or 0.0,
        server.get("revert_until") or 0.0,
    ]
    return max((m for m in moments if m <= now), default=server["updated_at"])


def _progress(server: dict, state: lifecycle.State, now: float) -> int:
    if state.status != "BUILD":
        return 0
    span = server["active_at"] - server["created_at"]
    return int(100 * (now - server["created_at"]) / span) if span > 0 else 0


def flavor_summary(flavor: dict, ctx: ViewContext) -> dict:
    """A flavor in GET /flavors."""
    view = {"id": flavor["id"], "links": ctx.links("flavors", flavor["id"]), "name": flavor["name"]}
    if ctx.version >= (2, 55):
        view["description"] = flavor["description"]
    return view


def flavor_detail(flavor: dict, ctx: ViewContext) -> dict:
    """A flavor in GET /flavors/{id} and GET /flavors/detail."""
    v = ctx.version
    view = flavor_summary(flavor, ctx)
    swap = flavor["swap"]
    view.update(
        {
            "ram": flavor["ram"],
            "disk": flavor["disk"],
            "vcpus": flavor["vcpus"],
            "OS-FLV-EXT-DATA:ephemeral": flavor["ephemeral"],
            "OS-FLV-DISABLED:disabled": False,
            "os-flavor-access:is_public": True,
            "rxtx_factor": 1.0,
            # Before 2.75 Nova shows a swap of 0 as "".
            "swap": swap if swap or v >= (2, 75) else "",
        }
    )
    if v >= (2, 61):
        view["extra_specs"] = dict(flavor["extra_specs"])
    return view
