"""A Cinder v3 block storage API subset: versions, microversions, volumes, snapshots, backups
(heat.localcloud.cinder_backups), volume types and availability zones.

Mounted at /volume; the catalog lists it as `volumev3` and `block-storage` at
/volume/v3/{project_id}. The app authenticates requests below /volume/v3/ and leaves the
token in `environ["localcloud.token"]`. Volumes, snapshots and backups take `volume_delay`
seconds to become available (and to go away); attachments are made through Nova.
"""

from __future__ import annotations

import re
import uuid

import webob

from heat.api.wsgi import json_response
from heat.localcloud import cinder_views
from heat.localcloud.cinder_backups import Backups
from heat.localcloud.routing import ApiError, Service, json_body
from heat.localcloud.volumes import Volumes, requested_failure

MIN_VERSION = (3, 0)
# The highest microversion whose response shapes this subset models.
MAX_VERSION = (3, 70)
_VERSION_HEADER = "OpenStack-API-Version"
_FAULT_NAMES = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    409: "conflictingRequest",
    413: "overLimit",
    501: "notImplemented",
}
_DELETE_REFUSED = (
    "Invalid volume: Volume status must be available or error or error_restoring or "
    "error_extending or error_managing and must not be migrating, attached, belong to a group, "
    "have snapshots, awaiting a transfer, or be disassociated from snapshots after volume "
    "transfer."
)


def _as_string(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


class Cinder(Service):
    """The block storage WSGI service. `clock` is shared with Nova (tests move both)."""

    def __init__(self, store, settings, identity, clock):
        super().__init__()
        self.store = store
        self.settings = settings
        self.identity = identity
        self.clock = clock
        self.volumes = Volumes(store, clock)
        r = self.router
        r.add("GET", "/volumes", self.list_volumes)
        r.add("GET", "/volumes/detail", self.list_volume_details)
        r.add("POST", "/volumes", self.create_volume)
        r.add("GET", "/volumes/{volume_id}", self.show_volume)
        r.add("PUT", "/volumes/{volume_id}", self.update_volume)
        r.add("DELETE", "/volumes/{volume_id}", self.delete_volume)
        r.add("GET", "/snapshots", self.list_snapshots)
        r.add("GET", "/snapshots/detail", self.list_snapshot_details)
        r.add("POST", "/snapshots", self.create_snapshot)
        r.add("GET", "/snapshots/{snapshot_id}", self.show_snapshot)
        r.add("DELETE", "/snapshots/{snapshot_id}", self.delete_snapshot)
        self.backups = Backups(self)
        r.add("GET", "/types", self.list_types)
        r.add("GET", "/types/{type_id}", self.show_type)
        r.add("GET", "/os-availability-zone", self.list_zones)

    # -- plumbing ---------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        req = webob.Request(environ)
        path = req.path_info
        if path in ("", "/"):
            body = {"versions": [self._version_doc(req.application_url)]}
            return json_response(body, 300)(environ, start_response)
        if path in ("/v3", "/v3/"):
            body = {"versions": [self._version_doc(req.application_url)]}
            return json_response(body)(environ, start_response)
        found = re.match(r"^/v3/([^/]+)(/.*)?$", path)
        if found is None:
            return self._fault(404, "The resource could not be found.")(environ, start_response)
        token = environ["localcloud.token"]
        if found.group(1) != token["project_id"]:
            return self._fault(400, "Malformed request url")(environ, start_response)
        environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + f"/v3/{found.group(1)}"
        environ["PATH_INFO"] = found.group(2) or "/"
        return super().__call__(environ, start_response)

    def _version_doc(self, base: str) -> dict:
        return {
            "id": "v3.0",
            "status": "CURRENT",
            "version": _as_string(MAX_VERSION),
            "min_version": _as_string(MIN_VERSION),
            "updated": "2023-08-31T00:00:00Z",
            "links": [{"href": f"{base}/v3/", "rel": "self"}],
            "media-types": [
                {
                    "base": "application/json",
                    "type": "application/vnd.openstack.volume+json;version=3",
                }
            ],
        }

    def handle(self, req, handler, params):
        version = _requested_version(req.headers)
        req.environ["localcloud.version"] = version
        response = handler(req, **params)
        response.headers.update(_version_headers(version))
        return response

    def _fault(self, status: int, message: str) -> webob.Response:
        name = _FAULT_NAMES.get(status, "computeFault")
        return json_response({name: {"code": status, "message": message}}, status)

    def error_response(self, req, exc: ApiError):
        response = self._fault(exc.status, exc.message)
        version = req.environ.get("localcloud.version")
        if version is not None:
            response.headers.update(_version_headers(version))
        return response

    def context(self, req) -> cinder_views.ViewContext:
        token = req.environ["localcloud.token"]
        return cinder_views.ViewContext(
            req.environ["localcloud.version"], req.application_url, self.identity.is_admin(token)
        )

    def project_of(self, req) -> str:
        return req.environ["localcloud.token"]["project_id"]

    # -- volumes ----------------------------------------------------------------------------

    def load_volume(self, req, volume_id: str) -> dict:
        volume = self.volumes.volume(self.project_of(req), volume_id)
        if volume is None:
            raise ApiError(404, f"Volume {volume_id} could not be found.")
        return volume

    def _volume_detail(self, req, volume: dict) -> dict:
        return cinder_views.volume_detail(
            volume,
            self.volumes.status(volume),
            self.volumes.attachments(volume["id"]),
            self.context(req),
        )

    def _filtered_volumes(self, req) -> list[dict]:
        volumes = self.volumes.volumes(self.project_of(req))
        if req.GET.get("name"):
            volumes = [v for v in volumes if v["name"] == req.GET["name"]]
        if req.GET.get("status"):
            volumes = [v for v in volumes if self.volumes.status(v) == req.GET["status"]]
        return volumes

    def list_volumes(self, req):
        ctx = self.context(req)
        views = [cinder_views.summary(v, "volumes", ctx) for v in self._filtered_volumes(req)]
        return json_response({"volumes": views})

    def list_volume_details(self, req):
        views = [self._volume_detail(req, v) for v in self._filtered_volumes(req)]
        return json_response({"volumes": views})

    def show_volume(self, req, volume_id):
        volume = self.load_volume(req, volume_id)
        return json_response({"volume": self._volume_detail(req, volume)})

    def create_volume(self, req):
        spec = json_body(req, "volume")
        token = req.environ["localcloud.token"]
        snapshot = None
        if spec.get("snapshot_id"):
            snapshot = self.volumes.snapshot(token["project_id"], spec["snapshot_id"])
            if snapshot is None:
                raise ApiError(404, f"Snapshot {spec['snapshot_id']} could not be found.")
            if self.volumes.snapshot_status(snapshot) != "available":
                raise ApiError(
                    400,
                    "Invalid snapshot: Originating snapshot status must be 'available' to "
                    "create a volume from it.",
                )
        size = _size(spec.get("size"), snapshot)
        zone = spec.get("availability_zone") or self.settings.availability_zones[0]
        if zone not in self.settings.availability_zones:
            raise ApiError(400, f"Invalid input received: Availability zone '{zone}' is invalid.")
        metadata = spec.get("metadata") or {}
        if not isinstance(metadata, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
        ):
            raise ApiError(400, "Invalid input for field/attribute metadata.")
        now = self.clock()
        available_at = now + self.settings.volume_delay
        volume = {
            "id": str(uuid.uuid4()),
            "project_id": token["project_id"],
            "user_id": token["user_id"],
            "name": spec.get("name"),
            "description": spec.get("description"),
            "size": size,
            "availability_zone": zone,
            "snapshot_id": snapshot["id"] if snapshot else None,
            "metadata": dict(metadata),
            "bootable": False,
            "created_at": now,
            "updated_at": now,
            "available_at": available_at,
            "error_at": available_at if requested_failure(metadata, "create") else None,
        }
        self.store.put("volume", volume["id"], volume)
        return json_response({"volume": self._volume_detail(req, volume)}, 202)

    def update_volume(self, req, volume_id):
        spec = json_body(req, "volume")
        with self.store.locked():
            volume = self.load_volume(req, volume_id)
            for key in ("name", "description"):
                if key in spec:
                    volume[key] = spec[key]
            if "metadata" in spec and isinstance(spec["metadata"], dict):
                volume["metadata"] = dict(spec["metadata"])
            volume["updated_at"] = self.clock()
            self.store.put("volume", volume_id, volume)
        return json_response({"volume": self._volume_detail(req, volume)})

    def delete_volume(self, req, volume_id):
        with self.store.locked():
            volume = self.load_volume(req, volume_id)
            status = self.volumes.status(volume)
            if status not in ("available", "error") or self.volumes.snapshots(None, volume_id):
                raise ApiError(400, _DELETE_REFUSED)
            self.start_deleting(volume)
            self.store.put("volume", volume_id, volume)
        return json_response(None, 202)

    def start_deleting(self, doc: dict) -> None:
        """Mark a volume, snapshot or backup document `deleting` until it goes away."""
        now = self.clock()
        doc["deleting_until"] = doc["gone_at"] = now + self.settings.volume_delay
        doc["error_at"] = None
        doc["updated_at"] = now

    # -- snapshots --------------------------------------------------------------------------

    def load_snapshot(self, req, snapshot_id: str) -> dict:
        snapshot = self.volumes.snapshot(self.project_of(req), snapshot_id)
        if snapshot is None:
            raise ApiError(404, f"Snapshot {snapshot_id} could not be found.")
        return snapshot

    def _snapshot_detail(self, req, snapshot: dict) -> dict:
        status = self.volumes.snapshot_status(snapshot)
        return cinder_views.snapshot_detail(snapshot, status, self.context(req))

    def _filtered_snapshots(self, req) -> list[dict]:
        snapshots = self.volumes.snapshots(self.project_of(req), req.GET.get("volume_id"))
        if req.GET.get("name"):
            snapshots = [s for s in snapshots if s["name"] == req.GET["name"]]
        return snapshots

    def list_snapshots(self, req):
        views = [self._snapshot_detail(req, s) for s in self._filtered_snapshots(req)]
        # Cinder's snapshot summary is the detail without the extended attributes.
        for view in views:
            view.pop("os-extended-snapshot-attributes:progress")
            view.pop("os-extended-snapshot-attributes:project_id")
        return json_response({"snapshots": views})

    def list_snapshot_details(self, req):
        views = [self._snapshot_detail(req, s) for s in self._filtered_snapshots(req)]
        return json_response({"snapshots": views})

    def show_snapshot(self, req, snapshot_id):
        snapshot = self.load_snapshot(req, snapshot_id)
        return json_response({"snapshot": self._snapshot_detail(req, snapshot)})

    def create_snapshot(self, req):
        spec = json_body(req, "snapshot")
        token = req.environ["localcloud.token"]
        volume_id = spec.get("volume_id")
        force = str(spec.get("force", False)).lower() == "true"
        if req.environ["localcloud.version"] >= (3, 66):
            force = True
        with self.store.locked():
            volume = self.volumes.volume(token["project_id"], str(volume_id))
            if volume is None:
                raise ApiError(404, f"Volume {volume_id} could not be found.")
            status = self.volumes.status(volume)
            if status != "available" and not (force and status == "in-use"):
                raise ApiError(
                    400,
                    f"Invalid volume: Volume {volume_id} status must be available, but current "
                    f"status is: {status}.",
                )
            now = self.clock()
            snapshot = {
                "id": str(uuid.uuid4()),
                "project_id": token["project_id"],
                "user_id": token["user_id"],
                "volume_id": volume["id"],
                "name": spec.get("name"),
                "description": spec.get("description"),
                "size": volume["size"],
                "metadata": dict(spec.get("metadata") or {}),
                "created_at": now,
                "updated_at": now,
                "available_at": now + self.settings.volume_delay,
            }
            self.store.put("snapshot", snapshot["id"], snapshot)
        return json_response({"snapshot": self._snapshot_detail(req, snapshot)}, 202)

    def delete_snapshot(self, req, snapshot_id):
        with self.store.locked():
            snapshot = self.load_snapshot(req, snapshot_id)
            if self.volumes.snapshot_status(snapshot) not in ("available", "error"):
                raise ApiError(
                    400,
                    "Invalid snapshot: Volume Snapshot status must be available or error and "
                    "must not be part of a group.",
                )
            self.start_deleting(snapshot)
            self.store.put("snapshot", snapshot_id, snapshot)
        return json_response(None, 202)

    # -- types and zones --------------------------------------------------------------------

    def list_types(self, req):
        return json_response({"volume_types": [cinder_views.volume_type()]})

    def show_type(self, req, type_id):
        volume_type = cinder_views.volume_type()
        if type_id not in (volume_type["id"], volume_type["name"], "default"):
            raise ApiError(404, f"Volume type {type_id} could not be found.")
        return json_response({"volume_type": volume_type})

    def list_zones(self, req):
        zones = [
            {"zoneName": zone, "zoneState": {"available": True}}
            for zone in self.settings.availability_zones
        ]
        return json_response({"availabilityZoneInfo": zones})


def _size(value, snapshot: dict | None) -> int:
    if value is None and snapshot is not None:
        return snapshot["size"]
    try:
        size = int(value)
    except (TypeError, ValueError):
        raise ApiError(
            400,
            f"Invalid input for field/attribute size. Value: {value}. {value!r} is not of type "
            "'integer', 'string'",
        ) from None
    if size < 1:
        raise ApiError(
            400,
            f"Invalid input for field/attribute size. Value: {value}. {value} is less than the "
            "minimum of 1",
        )
    if snapshot is not None and size < snapshot["size"]:
        raise ApiError(
            400,
            f"Invalid input received: Volume size '{size}'GB cannot be smaller than the "
            f"snapshot size {snapshot['size']}GB. They must be >= original snapshot size.",
        )
    return size


def _requested_version(headers) -> tuple[int, int]:
    text = None
    for item in headers.get(_VERSION_HEADER, "").split(","):
        service, _, value = item.strip().partition(" ")
        if service.lower() in ("volume", "block-storage"):
            text = value.strip()
    if text is None:
        return MIN_VERSION
    if text.lower() == "latest":
        return MAX_VERSION
    found = re.match(r"^([1-9]\d*)\.([1-9]\d*|0)$", text)
    if found is None:
        raise ApiError(400, f"Invalid API version request string {text}.")
    version = (int(found.group(1)), int(found.group(2)))
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise ApiError(
            404,
            f"Version {text} is not supported by the API. Minimum is "
            f"{_as_string(MIN_VERSION)} and maximum is {_as_string(MAX_VERSION)}.",
        )
    return version


def _version_headers(version: tuple[int, int]) -> dict:
    return {_VERSION_HEADER: f"volume {_as_string(version)}", "Vary": _VERSION_HEADER}
