"""AWS::EC2::Volume and AWS::EC2::VolumeAttachment: Cinder volumes, attached through Nova.

Nothing here waits: each check asks Cinder once ("available yet?", "gone yet?") and the
engine's timers decide when to ask again.

DeletionPolicy Snapshot takes a Cinder snapshot and keeps it. Cinder refuses to delete a
volume that has snapshots (a snapshot lives on its volume, unlike an EBS one), so the volume
is kept with it; both ids are in the resource's data and in a warning event. Deleting the
snapshot and then the volume is the operator's call.
"""

from __future__ import annotations

import time

from heat.common.exception import InvalidInput
from heat.engine import properties
from heat.engine.clients.errors import CloudNotFound
from heat.engine.findings import format_path
from heat.engine.resource import Resource
from heat.engine.resources import servers

# Cinder refuses to delete a volume in these; the delete waits for them to pass.
_BUSY = ("creating", "attaching", "detaching", "downloading", "uploading", "extending")


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
        if self.physical_id is None:
            return None
        name = servers.server_name(self.context.stack_name, self.name)
        snapshot_id = _cinder(self).create_snapshot(
            self.physical_id, name=name, description=f"DeletionPolicy Snapshot of {self.name}"
        )
        self.data["snapshot_id"] = snapshot_id
        return {"phase": "snapshot", "snapshot_id": snapshot_id}

    def check_delete_complete(self, token) -> bool:
        if token is None:
            return True
        cinder = _cinder(self)
        if token["phase"] == "snapshot":
            if not cinder.is_snapshot_available(token["snapshot_id"]):
                return False
            self.warn(
                f"snapshot {token['snapshot_id']} of volume {self.physical_id} taken; Cinder "
                "keeps a volume while it has snapshots, so the volume is kept too"
            )
            return True
        if token["phase"] == "delete":
            # CloudNotFound (gone already) is a finished delete for the engine.
            if cinder.volume_status(self.physical_id).status in _BUSY:
                return False
            cinder.delete_volume(self.physical_id)
            token["phase"] = "wait"
            return False
        return cinder.is_deleted(self.physical_id)


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
