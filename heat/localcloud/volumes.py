"""localcloud's block storage model, shared by Cinder (which serves it) and Nova (which
attaches volumes to servers).

As with servers, no thread moves a volume along: documents record when things happen
(`available_at`, `error_at`, `deleting_until`, `gone_at`) and the status is computed for
"now". Whether a volume is `in-use` follows from Nova's attachment documents of servers that
still exist, so deleting a server frees its volumes without either service telling the other.
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


def create_failure(metadata: dict) -> str | None:
    """Why a volume with this metadata fails to create, or None."""
    if metadata.get(FAIL_KEY) == "create":
        return f"failure requested by volume metadata {FAIL_KEY}=create"
    return None


class Volumes:
    """Volume and snapshot documents (kinds "volume", "snapshot") and their statuses."""

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
        """The volume's status now: creating, available, in-use, error or deleting."""
        status = timed_status(volume, self.clock()) or "deleted"
        if status == "available" and self.attachments(volume["id"]):
            return "in-use"
        return status

    def snapshot_status(self, snapshot: dict) -> str:
        return timed_status(snapshot, self.clock()) or "deleted"
