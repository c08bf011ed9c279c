"""localcloud's block storage model, shared by Cinder (which serves it) and Nova (which
attaches volumes to servers).

As with servers, no thread moves a volume along: documents record when things happen
(`available_at`, `error_at`, `deleting_until`, `gone_at`) and the status is computed for
"now". Whether a volume is `in-use` follows from Nova's attachment documents of servers that
still exist, so deleting a server frees its volumes without either service telling the other;
likewise a volume (or snapshot) is `backing-up` while one of its backups is `creating`, and
returns to its own status when the backup is done, as Cinder restores its previous status.
A backup is a document of its own: it outlives its volume.
"""

from __future__ import annotations

from heat.localcloud import lifecycle
from heat.localcloud.store import Store

FAIL_KEY = "localcloud:fail"
VOLUME_TYPE = "lvmdriver-1"


def timed_status(doc: dict, now: float) -> str | None:
    """The status a volume or snapshot document implies at `now` before attachments count:
    creating, available, error or deleting; None once it is gone."""
    if doc.get("gone_at") is not None and now >= doc["gone_at"]:
        return None
    if doc.get("deleting_until") is not None and now < doc["deleting_until"]:
        return "deleting"
    if doc.get("error_at") is not None and now >= doc["error_at"]:
        return "error"
    if now < doc["available_at"]:
        return "creating"
    return "available"


def requested_failure(metadata: dict, stage: str) -> str | None:
    """Why `stage` ("create": the volume, "backup": its backups) fails for a volume with this
    metadata, or None."""
    if metadata.get(FAIL_KEY) == stage:
        return f"failure requested by volume metadata {FAIL_KEY}={stage}"
    return None


class Volumes:
    """Volume, snapshot and backup documents (kinds "volume", "snapshot", "backup") and their
    statuses."""

    def __init__(self, store: Store, clock):
        self.store = store
        self.clock = clock

    # -- lookups ----------------------------------------------------------------------------

    def _live(self, kind: str, doc: dict | None) -> dict | None:
        if doc is None:
            return None
        if timed_status(doc, self.clock()) is None:
            self.store.delete(kind, doc["id"])
            return None
        return doc

    def volume(self, project_id: str | None, volume_id: str) -> dict | None:
        """The live volume `volume_id` of `project_id` (None: of any project), or None."""
        volume = self._live("volume", self.store.get("volume", volume_id))
        if volume is None or project_id not in (None, volume["project_id"]):
            return None
        return volume

    def volumes(self, project_id: str | None) -> list[dict]:
        """The live volumes of a project (None: of all), oldest first."""
        found = []
        for volume in self.store.list("volume"):
            if project_id in (None, volume["project_id"]) and self._live("volume", volume):
                found.append(volume)
        return found

    def snapshot(self, project_id: str | None, snapshot_id: str) -> dict | None:
        snapshot = self._live("snapshot", self.store.get("snapshot", snapshot_id))
        if snapshot is None or project_id not in (None, snapshot["project_id"]):
            return None
        return snapshot

    def snapshots(self, project_id: str | None, volume_id: str | None = None) -> list[dict]:
        found = []
        for snapshot in self.store.list("snapshot"):
            if project_id not in (None, snapshot["project_id"]):
                continue
            if volume_id is not None and snapshot["volume_id"] != volume_id:
                continue
            if self._live("snapshot", snapshot):
                found.append(snapshot)
        return found

    def backup(self, project_id: str | None, backup_id: str) -> dict | None:
        backup = self._live("backup", self.store.get("backup", backup_id))
        if backup is None or project_id not in (None, backup["project_id"]):
            return None
        return backup

    def backups(self, project_id: str | None, volume_id: str | None = None) -> list[dict]:
        """The live backups of a project (None: of all), of one volume if given, oldest
        first."""
        found = []
        for backup in self.store.list("backup"):
            if project_id not in (None, backup["project_id"]):
                continue
            if volume_id is not None and backup["volume_id"] != volume_id:
                continue
            if self._live("backup", backup):
                found.append(backup)
        return found

    # -- status -----------------------------------------------------------------------------

    def attachments(self, volume_id: str) -> list[dict]:
        """Nova's attachments of the volume to servers that still exist."""
        now = self.clock()
        found = []
        for attachment in self.store.list("volume_attachment"):
            if attachment["volume_id"] != volume_id:
                continue
            server = self.store.get("server", attachment["server_id"])
            if server is not None and lifecycle.state_of(server, now) is not None:
                found.append(attachment)
        return found

    def status(self, volume: dict) -> str:
        """The volume's status now: creating, available, in-use, backing-up, error or
        deleting."""
        status = timed_status(volume, self.clock()) or "deleted"
        if status == "available" and self.attachments(volume["id"]):
            status = "in-use"
        if status in ("available", "in-use") and self._backing_up("volume_id", volume["id"]):
            return "backing-up"
        return status

    def snapshot_status(self, snapshot: dict) -> str:
        status = timed_status(snapshot, self.clock()) or "deleted"
        if status == "available" and self._backing_up("snapshot_id", snapshot["id"]):
            return "backing-up"
        return status

    def backup_status(self, backup: dict) -> str:
        """creating, available, error or deleting."""
        return timed_status(backup, self.clock()) or "deleted"

    def _backing_up(self, source_key: str, source_id: str) -> bool:
        """Whether a backup taken from this volume (or snapshot) is still being made. A backup
        of a snapshot is taken from the snapshot alone: it leaves its volume's status be."""
        now = self.clock()
        for backup in self.store.list("backup"):
            if backup[source_key] != source_id:
                continue
            if source_key == "volume_id" and backup["snapshot_id"] is not None:
                continue
            if timed_status(backup, now) == "creating":
                return True
        return False
