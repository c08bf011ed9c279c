"""CinderClient: what volumes, snapshots, backups and volume attachments need from Cinder (and
Nova's os-volume_attachments), over openstacksdk on the stack's keystoneauth1 session.

Nothing here waits: `volume_status`, `is_available`, `is_backup_available`, `is_attached`,
`is_detached` and `is_deleted` answer "now" and the engine's scheduler decides when to ask
again.
"""

from __future__ import annotations

import dataclasses

from heat.engine.clients.errors import CloudNotFound, CloudRequestFailed
from heat.engine.clients.sdk import SdkService


@dataclasses.dataclass(frozen=True)
class Attachment:
    server_id: str
    device: str | None


@dataclasses.dataclass(frozen=True)
class VolumeStatus:
    """A volume as the engine needs to see it while polling."""

    id: str
    name: str | None
    status: str
    size: int
    availability_zone: str | None
    snapshot_id: str | None
    attachments: tuple[Attachment, ...]


@dataclasses.dataclass(frozen=True)
class SnapshotStatus:
    id: str
    name: str | None
    status: str
    volume_id: str
    size: int


@dataclasses.dataclass(frozen=True)
class BackupStatus:
    """A backup as the engine needs to see it; `fail_reason` is Cinder's when it failed."""

    id: str
    name: str | None
    status: str
    volume_id: str
    size: int | None
    fail_reason: str | None


def _volume(volume) -> VolumeStatus:
    attachments = tuple(
        Attachment(a.get("server_id"), a.get("device")) for a in volume.attachments or []
    )
    return VolumeStatus(
        id=volume.id,
        name=volume.name,
        status=volume.status,
        size=volume.size,
        availability_zone=volume.availability_zone,
        snapshot_id=volume.snapshot_id,
        attachments=attachments,
    )


class CinderClient(SdkService):
    """Cinder for one session; see SdkService for the arguments."""

    service_name = "Cinder"

    # -- volumes ----------------------------------------------------------------------------

    def create_volume(
        self,
        size: int | None,
        *,
        name: str | None = None,
        description: str | None = None,
        availability_zone: str | None = None,
        snapshot_id: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> str:
        """Ask for a volume (`size` GB; None with a snapshot: the snapshot's size); returns
        its id at once (it is `creating`)."""
        attrs = {
            "size": size,
            "name": name,
            "description": description,
            "availability_zone": availability_zone,
            "snapshot_id": snapshot_id,
            "metadata": metadata or {},
        }
        attrs = {k: v for k, v in attrs.items() if v is not None}
        volume = self._call(
            "create volume",
            lambda: self.conn.block_storage.create_volume(**attrs),
            idempotent=False,
        )
        return volume.id

    def volume_status(self, volume_id: str) -> VolumeStatus:
        """The volume now; CloudNotFound if it does not exist (any more)."""
        volume = self._call(
            "show volume",
            lambda: self.conn.block_storage.get_volume(volume_id),
            not_found=("volume", volume_id),
        )
        return _volume(volume)

    def is_available(self, volume_id: str) -> bool:
        """True once the volume is available, False while it is created; CloudRequestFailed
        if it went to error."""
        status = self.volume_status(volume_id)
        if status.status == "error":
            raise CloudRequestFailed(f"Volume {volume_id} went to status error")
        return status.status == "available"

    def delete_volume(self, volume_id: str) -> None:
        """Ask Cinder to delete a volume; CloudNotFound if it is gone, CloudRequestFailed with
        Cinder's message if it is in use or has snapshots."""
        self._call(
            "delete volume",
            lambda: self.conn.block_storage.delete_volume(volume_id, ignore_missing=False),
            not_found=("volume", volume_id),
        )

    def is_deleted(self, volume_id: str) -> bool:
        """True once the volume is gone; CloudRequestFailed if its deletion failed."""
        try:
            status = self.volume_status(volume_id)
        except CloudNotFound:
            return True
        if status.status == "error_deleting":
            raise CloudRequestFailed(f"Volume {volume_id} could not be deleted")
        return False

    # -- snapshots --------------------------------------------------------------------------

    def create_snapshot(
        self,
        volume_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        force: bool = False,
    ) -> str:
        """Ask for a snapshot of a volume (`force`: even while it is in use); returns its id."""
        attrs = {"volume_id": volume_id, "name": name, "description": description}
        attrs = {k: v for k, v in attrs.items() if v is not None}
        if force:
            attrs["is_forced"] = True
        snapshot = self._call(
            "create snapshot",
            lambda: self.conn.block_storage.create_snapshot(**attrs),
            idempotent=False,
        )
        return snapshot.id

    def snapshot_status(self, snapshot_id: str) -> SnapshotStatus:
        snapshot = self._call(
            "show snapshot",
            lambda: self.conn.block_storage.get_snapshot(snapshot_id),
            not_found=("snapshot", snapshot_id),
        )
        return SnapshotStatus(
            snapshot.id, snapshot.name, snapshot.status, snapshot.volume_id, snapshot.size
        )

    def is_snapshot_available(self, snapshot_id: str) -> bool:
        status = self.snapshot_status(snapshot_id)
        if status.status == "error":
            raise CloudRequestFailed(f"Snapshot {snapshot_id} went to status error")
        return status.status == "available"

    def delete_snapshot(self, snapshot_id: str) -> None:
        self._call(
            "delete snapshot",
            lambda: self.conn.block_storage.delete_snapshot(snapshot_id, ignore_missing=False),
            not_found=("snapshot", snapshot_id),
        )

    def is_snapshot_deleted(self, snapshot_id: str) -> bool:
        try:
            self.snapshot_status(snapshot_id)
        except CloudNotFound:
            return True
        return False

    # -- backups ----------------------------------------------------------------------------

    def create_backup(
        self, volume_id: str, *, name: str | None = None, description: str | None = None
    ) -> str:
        """Ask for a full backup of an available volume; returns its id at once (it is
        `creating`, and the volume `backing-up`). Unlike a snapshot, a backup does not keep
        the volume from being deleted once it is available."""
        attrs = {"volume_id": volume_id, "name": name, "description": description}
        attrs = {k: v for k, v in attrs.items() if v is not None}
        backup = self._call(
            "create backup",
            lambda: self.conn.block_storage.create_backup(**attrs),
            idempotent=False,
        )
        return backup.id

    def backup_status(self, backup_id: str) -> BackupStatus:
        """The backup now; CloudNotFound if it does not exist (any more)."""
        backup = self._call(
            "show backup",
            lambda: self.conn.block_storage.get_backup(backup_id),
            not_found=("backup", backup_id),
        )
        return BackupStatus(
            backup.id, backup.name, backup.status, backup.volume_id, backup.size, backup.fail_reason
        )

    def is_backup_available(self, backup_id: str) -> bool:
        """True once the backup is available, False while it is made; CloudRequestFailed with
        Cinder's reason if it went to error."""
        status = self.backup_status(backup_id)
        if status.status == "error":
            reason = status.fail_reason or "Cinder gave no reason"
            raise CloudRequestFailed(
                f"Backup {backup_id} of volume {status.volume_id} went to status error: {reason}"
            )
        return status.status == "available"

    def delete_backup(self, backup_id: str) -> None:
        """Ask Cinder to delete a backup; CloudNotFound if it is gone."""
        self._call(
            "delete backup",
            lambda: self.conn.block_storage.delete_backup(backup_id, ignore_missing=False),
            not_found=("backup", backup_id),
        )

    def is_backup_deleted(self, backup_id: str) -> bool:
        try:
            self.backup_status(backup_id)
        except CloudNotFound:
            return True
        return False

    # -- attachments (through Nova) ---------------------------------------------------------

    def attach_volume(self, server_id: str, volume_id: str, device: str | None = None) -> str:
        """Attach a volume to a server through Nova; returns the device Nova chose."""
        attrs = {"volume_id": volume_id}
        if device:
            attrs["device"] = device
        attachment = self._call(
            "attach volume",
            lambda: self.conn.compute.create_volume_attachment(server_id, **attrs),
            idempotent=False,
            service="Nova",
        )
        return attachment.device

    def is_attached(self, server_id: str, volume_id: str) -> bool:
        """True once the volume is in-use and attached to the server."""
        status = self.volume_status(volume_id)
        attached = any(a.server_id == server_id for a in status.attachments)
        return status.status == "in-use" and attached

    def detach_volume(self, server_id: str, volume_id: str) -> None:
        """Detach a volume from a server through Nova; CloudNotFound if it is not attached
        (or the server is gone)."""
        self._call(
            "detach volume",
            lambda: self.conn.compute.delete_volume_attachment(
                server_id, volume_id, ignore_missing=False
            ),
            not_found=("volume attachment", f"{server_id}/{volume_id}"),
            service="Nova",
        )

    def is_detached(self, server_id: str, volume_id: str) -> bool:
        """True once the volume is no longer attached to the server (or is gone)."""
        try:
            status = self.volume_status(volume_id)
        except CloudNotFound:
            return True
        return not any(a.server_id == server_id for a in status.attachments)
