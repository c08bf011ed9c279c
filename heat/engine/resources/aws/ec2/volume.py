"""AWS::EC2::Volume and AWS::EC2::VolumeAttachment: Cinder volumes, attached through Nova.

Nothing here waits: each check asks Cinder once ("available yet?", "gone yet?") and the
engine's timers decide when to ask again.

DeletionPolicy Snapshot keeps the volume's data and deletes the volume, as EC2 does. The
copy is a Cinder backup, not a Cinder snapshot: a snapshot lives on its volume and Cinder
refuses to delete a volume that has one, while a backup is kept apart and outlives it. The
delete waits for the volume to be idle, backs it up (the backup's id goes into the resource's
data at once), waits for the backup to be available, then deletes the volume; the event that
ends the delete names the backup. A backup that fails fails the delete with Cinder's reason
and keeps the volume; deleting again makes a new backup. A volume in status error has no data
worth keeping and is deleted without one.
"""

from __future__ import annotations

import time

from heat.common.exception import InvalidInput
from heat.engine import properties
from heat.engine.clients.errors import CloudNotFound
from heat.engine.findings import format_path
from heat.engine.resource import Resource
from heat.engine.resources import servers

# Cinder refuses to delete (or back up) a volume in these; the delete waits for them to pass.
_BUSY = (
    "creating",
    "attaching",
    "detaching",
    "downloading",
    "uploading",
    "extending",
    "backing-up",
    "restoring-backup",
)


def _cinder(plugin):
    return plugin.context.clients.cinder()


def _poll():
    return servers.Poll(time.monotonic() + servers.POLL_INTERVAL)


def _due(token) -> bool:
    return token is None or token.due()


class Volume(Resource):
    """A Cinder volume of Size GB (or a copy of SnapshotId) in AvailabilityZone."""

    type_name = "AWS::EC2::Volume"
    description = "A Cinder volume; Ref is its id."
    properties_schema = {
        "Size": properties.Schema(
            properties.INTEGER, min=1, description="GB; optional with SnapshotId."
        ),
        "AvailabilityZone": properties.Schema(
            properties.STRING, required=True, description="The Cinder availability zone."
        ),
        "SnapshotId": properties.Schema(
            properties.STRING, description="A Cinder snapshot to copy."
        ),
        "Tags": properties.Schema(
            properties.LIST,
            description="Volume metadata, as a list of Key/Value.",
            item=properties.Schema(
                properties.MAP,
                keys={
                    "Key": properties.Schema(properties.STRING, required=True),
                    "Value": properties.Schema(properties.STRING, required=True),
                },
            ),
        ),
    }

    def handle_create(self):
        props = self.properties
        if props["Size"] is None and not props["SnapshotId"]:
            raise InvalidInput(f"{format_path(props.path)}: give Size, SnapshotId or both")
        name = servers.server_name(self.context.stack_name, self.name)
        self.physical_id = _cinder(self).create_volume(
            props["Size"],
            name=name,
            availability_zone=props["AvailabilityZone"],
            snapshot_id=props["SnapshotId"] or None,
            metadata=servers.key_value_pairs(props["Tags"]),
        )
        return _poll()

    def check_create_complete(self, token) -> bool:
        return _due(token) and _cinder(self).is_available(self.physical_id)

    def handle_delete(self):
        if self.physical_id is None:
            return None
        return {"phase": "delete"}

    def handle_snapshot_delete(self):
        """DeletionPolicy Snapshot: back the volume up, then delete it (see the module doc)."""
        if self.physical_id is None:
            return None
        return {"phase": "backup"}

    def check_delete_complete(self, token) -> bool:
        if token is None:
            return True
        # CloudNotFound (the volume is gone already) is a finished delete for the engine.
        cinder = _cinder(self)
        if token["phase"] == "backup" and not self._back_up(cinder, token):
            return False
        if token["phase"] == "backing-up":
            # Raises with Cinder's reason if the backup failed: the volume stays.
            if not cinder.is_backup_available(token["backup_id"]):
                return False
            self.completion_reason = (
                f"volume {self.physical_id} backed up to backup {token['backup_id']}, then deleted"
            )
            token["phase"] = "delete"
        if token["phase"] == "delete":
            if cinder.volume_status(self.physical_id).status in _BUSY:
                return False
            cinder.delete_volume(self.physical_id)
            token["phase"] = "wait"
            return False
        return cinder.is_deleted(self.physical_id)

    def _back_up(self, cinder, token) -> bool:
        """Start the backup once the volume is idle; False while it is not."""
        status = cinder.volume_status(self.physical_id).status
        if status in _BUSY:
            return False
        if status == "error":
            self.warn(
                f"volume {self.physical_id} is in status error: nothing to back up, deleting "
                "it without a backup"
            )
            token["phase"] = "delete"
            return True
        backup_id = self._backup_in_hand(cinder)
        if backup_id is None:
            backup_id = cinder.create_backup(
                self.physical_id,
                name=servers.server_name(self.context.stack_name, self.name),
                description=f"DeletionPolicy Snapshot of {self.name}",
            )
            self.data["backup_id"] = backup_id
        token.update(phase="backing-up", backup_id=backup_id)
        return True

    def _backup_in_hand(self, cinder) -> str | None:
        """The backup an earlier attempt of this delete made, if it is still good: an engine
        that died while waiting for it leaves its id in the resource's data."""
        backup_id = self.data.get("backup_id")
        if backup_id is None:
            return None
        try:
            status = cinder.backup_status(backup_id).status
        except CloudNotFound:
            return None
        return backup_id if status in ("creating", "available") else None


class VolumeAttachment(Resource):
    """Attaches VolumeId to InstanceId at Device through Nova."""

    type_name = "AWS::EC2::VolumeAttachment"
    description = "A volume attached to a server; done once Cinder shows it in-use."
    # Changes move the volume in place (detach, then attach): a replacement would attach
    # the volume a second time before detaching it, which Nova refuses.
    properties_schema = {
        "InstanceId": properties.Schema(properties.STRING, required=True, update_allowed=True),
        "VolumeId": properties.Schema(properties.STRING, required=True, update_allowed=True),
        "Device": properties.Schema(
            properties.STRING,
            required=True,
            update_allowed=True,
            description="The device, e.g. /dev/vdc.",
        ),
    }
    cloud_properties = {"InstanceId": "server"}

    def _attach(self, props):
        server_id, volume_id = props["InstanceId"], props["VolumeId"]
        self.data["device"] = _cinder(self).attach_volume(server_id, volume_id, props["Device"])
        self.data["server_id"] = server_id
        self.physical_id = volume_id
        return _poll()

    def _attached(self, token) -> bool:
        if not _due(token):
            return False
        return _cinder(self).is_attached(self.data["server_id"], self.physical_id)

    def _detach(self):
        server_id = self.data.get("server_id")
        if self.physical_id is None or server_id is None:
            return None
        _cinder(self).detach_volume(server_id, self.physical_id)
        return _poll()

    def _detached(self, token) -> bool:
        if token is None or not token.due():
            return token is None
        status = _cinder(self).volume_status(self.physical_id)
        attached = any(a.server_id == self.data["server_id"] for a in status.attachments)
        return not attached and status.status not in _BUSY

    def handle_create(self):
        return self._attach(self.properties)

    def check_create_complete(self, token) -> bool:
        return self._attached(token)

    def handle_update(self, new_properties, changed):
        try:
            detaching = self._detach()
        except CloudNotFound:
            detaching = None  # not attached any more (its server is gone): just attach
        return {"new": new_properties, "detaching": detaching, "attaching": None}

    def check_update_complete(self, token) -> bool:
        if token["attaching"] is None:
            try:
                if not self._detached(token["detaching"]):
                    return False
            except CloudNotFound:
                pass  # the old volume is gone
            token["attaching"] = self._attach(token["new"])
        return self._attached(token["attaching"])

    def handle_delete(self):
        return self._detach()

    def check_delete_complete(self, token) -> bool:
        # CloudNotFound (the volume is gone) is a finished delete for the engine.
        return self._detached(token)


RESOURCE_TYPES = (Volume, VolumeAttachment)
