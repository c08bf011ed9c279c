"""Cinder's volume backups: create (from a volume or one of its snapshots, full or
incremental), list, show and delete, at /v3/{project_id}/backups.

A backup is a copy of the volume's data kept apart from it (in a real cloud, in Swift), so
unlike a snapshot it does not pin its volume: once the backup is `available` the volume can
be deleted and the backup stays. A backup is `creating` for `volume_delay` seconds, then
`available`, or `error` with a `fail_reason` when its volume's metadata carries
`localcloud:fail=backup`; meanwhile its volume (or snapshot) is `backing-up`.
"""

from __future__ import annotations

import math
import uuid

from heat.api.wsgi import json_response
from heat.localcloud import cinder_views
from heat.localcloud.routing import ApiError, json_body
from heat.localcloud.volumes import requested_failure

# What cinder-backup's Swift driver uses unless told otherwise: its container, and the size
# of the objects it cuts a volume into (so a 1 GB backup is 21 objects, as devstack shows).
SWIFT_CONTAINER = "volumebackups"
_OBJECT_MB = 50
_TRUE = ("true", "1", "yes", "on", "t", "y")


def _flag(value) -> bool:
    return str(value).lower() in _TRUE


class Backups:
    """Backup documents (kind "backup") and their routes on the Cinder service."""

    def __init__(self, cinder):
        self.cinder = cinder
        self.store = cinder.store
        self.volumes = cinder.volumes
        r = cinder.router
        r.add("GET", "/backups", self.list_backups)
        r.add("GET", "/backups/detail", self.list_backup_details)
        r.add("POST", "/backups", self.create)
        r.add("GET", "/backups/{backup_id}", self.show)
        r.add("DELETE", "/backups/{backup_id}", self.delete)

    # -- reading ----------------------------------------------------------------------------

    def load(self, req, backup_id: str) -> dict:
        backup = self.volumes.backup(self.cinder.project_of(req), backup_id)
        if backup is None:
            raise ApiError(404, f"Backup {backup_id} could not be found.")
        return backup

    def _dependents(self, backup: dict) -> list[dict]:
        """The live incremental backups taken on top of this one."""
        siblings = self.volumes.backups(backup["project_id"], backup["volume_id"])
        return [b for b in siblings if b["parent_id"] == backup["id"]]

    def _detail(self, req, backup: dict) -> dict:
        return cinder_views.backup_detail(
            backup,
            self.volumes.backup_status(backup),
            bool(self._dependents(backup)),
            self.cinder.context(req),
        )

    def _filtered(self, req) -> list[dict]:
        """The project's backups as Cinder lists them by default: newest first."""
        backups = self.volumes.backups(self.cinder.project_of(req), req.GET.get("volume_id"))
        if req.GET.get("name"):
            backups = [b for b in backups if b["name"] == req.GET["name"]]
        if req.GET.get("status"):
            wanted = req.GET["status"]
            backups = [b for b in backups if self.volumes.backup_status(b) == wanted]
        return backups[::-1]

    def list_backups(self, req):
        ctx = self.cinder.context(req)
        views = [cinder_views.summary(b, "backups", ctx) for b in self._filtered(req)]
        return json_response({"backups": views})

    def list_backup_details(self, req):
        return json_response({"backups": [self._detail(req, b) for b in self._filtered(req)]})

    def show(self, req, backup_id):
        return json_response({"backup": self._detail(req, self.load(req, backup_id))})

    # -- creating ---------------------------------------------------------------------------

    def create(self, req):
        spec = json_body(req, "backup")
        token = req.environ["localcloud.token"]
        version = req.environ["localcloud.version"]
        if not spec.get("volume_id"):
            raise ApiError(
                400,
                f"Invalid input for field/attribute backup. Value: {spec}. 'volume_id' is a "
                "required property",
            )
        volume_id = str(spec["volume_id"])
        with self.store.locked():
            volume = self.volumes.volume(token["project_id"], volume_id)
            if volume is None:
                raise ApiError(404, f"Volume {volume_id} could not be found.")
            snapshot = self._source_snapshot(token["project_id"], volume, spec.get("snapshot_id"))
            if snapshot is None:
                self._check_volume(volume, _flag(spec.get("force", False)))
            parent = None
            if _flag(spec.get("incremental", False)):
                parent = self._parent(token["project_id"], volume_id, snapshot)
            zone = volume["availability_zone"]
            if version >= (3, 51) and spec.get("availability_zone"):
                zone = spec["availability_zone"]
                if zone not in self.cinder.settings.availability_zones:
                    raise ApiError(
                        400, f"Invalid input received: Availability zone '{zone}' is invalid."
                    )
            now = self.cinder.clock()
            available_at = now + self.cinder.settings.volume_delay
            failure = requested_failure(volume["metadata"], "backup")
            backup = {
                "id": str(uuid.uuid4()),
                "project_id": token["project_id"],
                "user_id": token["user_id"],
                "volume_id": volume_id,
                "snapshot_id": snapshot["id"] if snapshot else None,
                "parent_id": parent["id"] if parent else None,
                "name": spec.get("name"),
                "description": spec.get("description"),
                "container": spec.get("container") or SWIFT_CONTAINER,
                "availability_zone": zone,
                "size": volume["size"],
                "object_count": math.ceil(volume["size"] * 1024 / _OBJECT_MB),
                "metadata": dict(spec.get("metadata") or {}) if version >= (3, 43) else {},
                # When the backed-up data was written: the snapshot's time for a snapshot's.
                "data_timestamp": snapshot["created_at"] if snapshot else now,
                "created_at": now,
                "updated_at": now,
                "available_at": available_at,
                "error_at": available_at if failure else None,
                "fail_reason": failure,
            }
            self.store.put("backup", backup["id"], backup)
        ctx = self.cinder.context(req)
        return json_response({"backup": cinder_views.summary(backup, "backups", ctx)}, 202)

    def _source_snapshot(self, project_id: str, volume: dict, snapshot_id) -> dict | None:
        """The snapshot to back up instead of the volume, if one was named; Cinder's checks."""
        if not snapshot_id:
            return None
        snapshot = self.volumes.snapshot(project_id, str(snapshot_id))
        if snapshot is None:
            raise ApiError(404, f"Snapshot {snapshot_id} could not be found.")
        if snapshot["volume_id"] != volume["id"]:
            raise ApiError(
                400,
                f"Invalid volume: Volume {volume['id']} does not match with snapshot.volume_id "
                f"{snapshot['volume_id']}.",
            )
        status = self.volumes.snapshot_status(snapshot)
        if status != "available":
            raise ApiError(
                400,
                "Invalid snapshot: Snapshot to be backed up must be available, but the current "
                f'status is "{status}".',
            )
        return snapshot

    def _check_volume(self, volume: dict, force: bool) -> None:
        status = self.volumes.status(volume)
        if status not in ("available", "in-use"):
            raise ApiError(
                400,
                "Invalid volume: Volume to be backed up must be available or in-use, but the "
                f'current status is "{status}".',
            )
        if status == "in-use" and not force:
            raise ApiError(
                400, "Invalid volume: Backing up an in-use volume must use the force flag."
            )

    def _parent(self, project_id: str, volume_id: str, snapshot: dict | None) -> dict:
        """The backup an incremental one builds on: the volume's one with the newest data (for
        a snapshot's, the newest older than the snapshot), which must be available."""
        candidates = self.volumes.backups(project_id, volume_id)
        if not candidates:
            raise ApiError(400, "Invalid backup: No backups available to do an incremental backup.")

        def data_age(backup: dict) -> float:
            if snapshot is None or backup["data_timestamp"] < snapshot["created_at"]:
                return backup["data_timestamp"]
            return -math.inf  # newer than the snapshot: the last choice, as in Cinder

        parent = max(candidates, key=data_age)
        if self.volumes.backup_status(parent) != "available":
            raise ApiError(
                400, "Invalid backup: The parent backup must be available for incremental backup."
            )
        return parent

    # -- deleting ---------------------------------------------------------------------------

    def delete(self, req, backup_id):
        with self.store.locked():
            backup = self.load(req, backup_id)
            if self.volumes.backup_status(backup) not in ("available", "error"):
                raise ApiError(400, "Invalid backup: Backup status must be available or error")
            if self._dependents(backup):
                raise ApiError(400, "Invalid backup: Incremental backups exist for this backup.")
            self.cinder.start_deleting(backup)
            self.store.put("backup", backup_id, backup)
        return json_response(None, 202)
