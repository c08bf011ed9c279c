"""How Cinder shows volumes, snapshots, backups and volume types at each microversion (3.0 to
3.70).

Each `if version >= (3, N)` adds what microversion 3.N added; admin-only attributes are
shown to admins only, as Cinder's default policy does.
"""

from __future__ import annotations

import dataclasses
import uuid

from heat.localcloud.timeutil import iso_micro
from heat.localcloud.volumes import VOLUME_TYPE

VOLUME_TYPE_ID = str(uuid.uuid5(uuid.UUID("0d7b1a4e-8f7e-4c55-9a3e-766f6c756d65"), VOLUME_TYPE))


@dataclasses.dataclass(frozen=True)
class ViewContext:
    """Microversion, the project's base URL and whether the caller is an admin."""

    version: tuple[int, int]
    base_url: str
    admin: bool

    def links(self, collection: str, id: str) -> list[dict]:
        bookmark = self.base_url.replace("/v3/", "/", 1)
        return [
            {"href": f"{self.base_url}/{collection}/{id}", "rel": "self"},
            {"href": f"{bookmark}/{collection}/{id}", "rel": "bookmark"},
        ]


def summary(doc: dict, collection: str, ctx: ViewContext) -> dict:
    """A volume in GET /volumes."""
    return {"id": doc["id"], "links": ctx.links(collection, doc["id"]), "name": doc["name"]}


def _attachment(attachment: dict) -> dict:
    attached_at = attachment.get("attached_at")
    return {
        "id": attachment["volume_id"],
        "attachment_id": str(uuid.uuid5(uuid.NAMESPACE_OID, attachment["id"])),
        "volume_id": attachment["volume_id"],
        "server_id": attachment["server_id"],
        "host_name": None,
        "device": attachment["device"],
        "attached_at": iso_micro(attached_at) if attached_at else None,
    }


def volume_detail(volume: dict, status: str, attachments: list[dict], ctx: ViewContext) -> dict:
    """A volume in GET /volumes/{id}, GET /volumes/detail and the create answer."""
    v = ctx.version
    view = {
        "id": volume["id"],
        "name": volume["name"],
        "description": volume["description"],
        "status": status,
        "size": volume["size"],
        "availability_zone": volume["availability_zone"],
        "created_at": iso_micro(volume["created_at"]),
        "updated_at": iso_micro(volume["updated_at"]),
        "attachments": [_attachment(a) for a in attachments],
        "bootable": "true" if volume["bootable"] else "false",
        "encrypted": False,
        "multiattach": False,
        "metadata": dict(volume["metadata"]),
        "snapshot_id": volume["snapshot_id"],
        "source_volid": None,
        "consistencygroup_id": None,
        "replication_status": None,
        "volume_type": VOLUME_TYPE,
        "user_id": volume["user_id"],
        "links": ctx.links("volumes", volume["id"]),
        "os-vol-tenant-attr:tenant_id": volume["project_id"],
    }
    if ctx.admin:
        view["os-vol-host-attr:host"] = "localcloud@lvmdriver-1#lvmdriver-1"
        view["os-vol-mig-status-attr:migstat"] = None
        view["os-vol-mig-status-attr:name_id"] = None
        view["migration_status"] = None
    if v >= (3, 13):
        view["group_id"] = None
    if v >= (3, 21) and ctx.admin:
        view["provider_id"] = None
    if v >= (3, 48):
        view["service_uuid"] = str(uuid.uuid5(uuid.NAMESPACE_DNS, "cinder-volume.localcloud"))
        view["shared_targets"] = False
    if v >= (3, 61) and ctx.admin:
        view["cluster_name"] = None
    if v >= (3, 63):
        view["volume_type_id"] = VOLUME_TYPE_ID
    if v >= (3, 64):
        view["encryption_key_id"] = None
    if v >= (3, 65):
        view["consumes_quota"] = True
    return view


def snapshot_detail(snapshot: dict, status: str, ctx: ViewContext) -> dict:
    """A snapshot in GET /snapshots/{id}, GET /snapshots/detail and the create answer."""
    v = ctx.version
    view = {
        "id": snapshot["id"],
        "name": snapshot["name"],
        "description": snapshot["description"],
        "status": status,
        "size": snapshot["size"],
        "volume_id": snapshot["volume_id"],
        "metadata": dict(snapshot["metadata"]),
        "created_at": iso_micro(snapshot["created_at"]),
        "updated_at": iso_micro(snapshot["updated_at"]),
        "os-extended-snapshot-attributes:progress": "100%" if status == "available" else "0%",
        "os-extended-snapshot-attributes:project_id": snapshot["project_id"],
    }
    if v >= (3, 14):
        view["group_snapshot_id"] = None
    if v >= (3, 41):
        view["user_id"] = snapshot["user_id"]
    if v >= (3, 65):
        view["consumes_quota"] = True
    return view


def backup_detail(backup: dict, status: str, has_dependents: bool, ctx: ViewContext) -> dict:
    """A backup in GET /backups/{id} and GET /backups/detail."""
    v = ctx.version
    view = {
        "id": backup["id"],
        "name": backup["name"],
        "description": backup["description"],
        "status": status,
        "size": backup["size"],
        "object_count": backup["object_count"] if status == "available" else 0,
        "availability_zone": backup["availability_zone"],
        "container": backup["container"],
        "created_at": iso_micro(backup["created_at"]),
        "updated_at": iso_micro(backup["updated_at"]),
        "data_timestamp": iso_micro(backup["data_timestamp"]),
        "fail_reason": backup["fail_reason"] if status == "error" else None,
        "volume_id": backup["volume_id"],
        "snapshot_id": backup["snapshot_id"],
        "is_incremental": backup["parent_id"] is not None,
        "has_dependent_backups": has_dependents,
        "links": ctx.links("backups", backup["id"]),
    }
    if v >= (3, 18) and ctx.admin:
        view["os-backup-project-attr:project_id"] = backup["project_id"]
    if v >= (3, 43):
        view["metadata"] = dict(backup["metadata"])
    if v >= (3, 56) and ctx.admin:
        view["user_id"] = backup["user_id"]
    return view


def volume_type() -> dict:
    """The one volume type, devstack's LVM backend."""
    return {
        "id": VOLUME_TYPE_ID,
        "name": VOLUME_TYPE,
        "description": None,
        "is_public": True,
        "os-volume-type-access:is_public": True,
        "qos_specs_id": None,
        "extra_specs": {"volume_backend_name": VOLUME_TYPE},
    }
