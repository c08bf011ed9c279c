"""A Nova v2.1 compute API: versions, microversions, errors, flavors, availability zones and
limits here; servers, actions and keypairs in the nova_* modules it assembles.

Mounted at /compute. The app authenticates every request below /compute/v2.1 and leaves the
token document in `environ["localcloud.token"]`; this service adds the negotiated
microversion as `environ["localcloud.version"]` and stamps it on the response.
"""

from __future__ import annotations

import time

import webob

from heat.api.wsgi import json_response
from heat.identity.localcloud import LocalcloudIdentity
from heat.localcloud import microversion, nova_views
from heat.localcloud.glance import Images
from heat.localcloud.machines import RecordMachines
from heat.localcloud.networking import Networking
from heat.localcloud.nova_actions import Actions
from heat.localcloud.nova_keypairs import Keypairs
from heat.localcloud.nova_servers import Servers
from heat.localcloud.routing import ApiError, Service
from heat.localcloud.settings import Settings
from heat.localcloud.store import Store
from heat.localcloud.volumes import Volumes

# Nova's error body names per status (nova.api.openstack.wsgi.Fault); others: computeFault.
_FAULT_NAMES = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    409: "conflictingRequest",
    413: "overLimit",
    415: "badMediaType",
    429: "overLimit",
    501: "notImplemented",
    503: "serviceUnavailable",
}

_GB = 1024
FLAVORS = [
    # (id, name, ram MB, disk GB, vcpus): the classic devstack sizes.
    ("1", "m1.tiny", 512, 1, 1),
    ("2", "m1.small", 2 * _GB, 20, 1),
    ("3", "m1.medium", 4 * _GB, 40, 2),
    ("4", "m1.large", 8 * _GB, 80, 4),
    ("5", "m1.xlarge", 16 * _GB, 160, 8),
]

_ABSOLUTE_LIMITS = {
    "maxServerMeta": 128,
    "maxTotalCores": 64,
    "maxTotalInstances": 50,
    "maxTotalKeypairs": 100,
    "maxTotalRAMSize": 131072,
    "maxServerGroups": 10,
    "maxServerGroupMembers": 10,
}
# Limits that later microversions dropped: (last version showing them, {name: value}).
_DROPPED_LIMITS = [
    ((2, 35), {"maxSecurityGroups": 10, "maxSecurityGroupRules": 20, "maxTotalFloatingIps": 10}),
    ((2, 38), {"maxImageMeta": 128}),
    ((2, 56), {"maxPersonality": 5, "maxPersonalitySize": 10240}),
]


def _flavor(entry) -> dict:
    flavor_id, name, ram, disk, vcpus = entry
    return {
        "id": flavor_id,
        "name": name,
        "ram": ram,
        "disk": disk,
        "vcpus": vcpus,
        "ephemeral": 0,
        "swap": 0,
        "description": None,
        "extra_specs": {},
    }


class Nova(Service):
    """The compute WSGI service."""

    def __init__(
        self, store: Store, settings: Settings, identity: LocalcloudIdentity, images: Images
    ):
        super().__init__()
        self.store = store
        self.settings = settings
        self.identity = identity
        self.images = images
        self.clock = time.time
        self.flavors = {f["id"]: f for f in map(_flavor, FLAVORS)}
        # What stands behind each server; LocalCloud swaps in containers (boot_mode).
        self.machines = RecordMachines()
        # Neutron's and Cinder's state, for security groups, floating IPs and attachments.
        self.networking = Networking(
            store, lambda: self.clock(), settings.floating_range, identity.admin_project_id
        )
        self.volumes = Volumes(store, lambda: self.clock())
        r = self.router
        r.add("GET", "/", self.version)
        r.add("GET", "/flavors", self.list_flavors)
        r.add("GET", "/flavors/detail", self.list_flavor_details)
        r.add("GET", "/flavors/{flavor_id}", self.show_flavor)
        r.add("GET", "/os-availability-zone", self.list_zones)
        r.add("GET", "/os-availability-zone/detail", self.list_zone_details)
        r.add("GET", "/limits", self.limits)
        self.servers = Servers(self)
        self.actions = Actions(self, self.servers)
        self.keypairs = Keypairs(self)

    # -- plumbing ---------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        # The unversioned root lists versions; everything else is below /v2.1.
        if path in ("", "/"):
            return self.versions(webob.Request(environ))(environ, start_response)
        if path == "/v2.1" or path.startswith("/v2.1/"):
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + "/v2.1"
            environ["PATH_INFO"] = path[len("/v2.1") :] or "/"
            return super().__call__(environ, start_response)
        return self._not_found(environ, start_response)

    def _not_found(self, environ, start_response):
        body = {"itemNotFound": {"code": 404, "message": "The resource could not be found."}}
        return json_response(body, 404)(environ, start_response)

    def handle(self, req, handler, params):
        version = microversion.requested(req.headers)
        req.environ["localcloud.version"] = version
        response = handler(req, **params)
        response.headers.update(microversion.response_headers(version))
        return response

    def error_response(self, req, exc: ApiError):
        name = _FAULT_NAMES.get(exc.status, "computeFault")
        response = json_response({name: {"code": exc.status, "message": exc.message}}, exc.status)
        version = req.environ.get("localcloud.version")
        if version is not None:
            response.headers.update(microversion.response_headers(version))
        return response

    def view_context(self, req) -> nova_views.ViewContext:
        """Microversion, URLs and time for rendering one response."""
        compute_url = req.application_url[: -len("/v2.1")]
        return nova_views.ViewContext(req.environ["localcloud.version"], compute_url, self.clock())

    def flavor(self, flavor_id: str) -> dict | None:
        return self.flavors.get(flavor_id)

    def is_admin(self, token: dict) -> bool:
        """Whether the token's user holds the admin role."""
        return self.identity.is_admin(token)

    # -- versions ---------------------------------------------------------------------------

    def _version_doc(self, base: str) -> dict:
        return {
            "id": "v2.1",
            "links": [{"href": f"{base}/v2.1/", "rel": "self"}],
            "status": "CURRENT",
            "version": microversion.as_string(microversion.MAX_VERSION),
            "min_version": microversion.as_string(microversion.MIN_VERSION),
            "updated": "2013-07-23T11:33:21Z",
        }

    def versions(self, req):
        return json_response({"versions": [self._version_doc(req.application_url)]})

    def version(self, req):
        base = req.application_url[: -len("/v2.1")]
        doc = self._version_doc(base)
        doc["links"].append(
            {"href": "http://docs.openstack.org/", "rel": "describedby", "type": "text/html"}
        )
        doc["media-types"] = [
            {
                "base": "application/json",
                "type": "application/vnd.openstack.compute+json;version=2.1",
            }
        ]
        return json_response({"version": doc})

    # -- flavors ----------------------------------------------------------------------------

    def _sorted_flavors(self, req) -> list[dict]:
        flavors = list(self.flavors.values())
        min_ram = req.GET.get("minRam")
        min_disk = req.GET.get("minDisk")
        if min_ram and min_ram.isdigit():
            flavors = [f for f in flavors if f["ram"] >= int(min_ram)]
        if min_disk and min_disk.isdigit():
            flavors = [f for f in flavors if f["disk"] >= int(min_disk)]
        return flavors

    def list_flavors(self, req):
        ctx = self.view_context(req)
        flavors = [nova_views.flavor_summary(f, ctx) for f in self._sorted_flavors(req)]
        return json_response({"flavors": flavors})

    def list_flavor_details(self, req):
        ctx = self.view_context(req)
        flavors = [nova_views.flavor_detail(f, ctx) for f in self._sorted_flavors(req)]
        return json_response({"flavors": flavors})

    def show_flavor(self, req, flavor_id):
        flavor = self.flavor(flavor_id)
        if flavor is None:
            raise ApiError(404, f"Flavor {flavor_id} could not be found.")
        return json_response({"flavor": nova_views.flavor_detail(flavor, self.view_context(req))})

    # -- availability zones and limits ------------------------------------------------------

    def list_zones(self, req):
        zones = [
            {"zoneName": zone, "zoneState": {"available": True}, "hosts": None}
            for zone in self.settings.availability_zones
        ]
        return json_response({"availabilityZoneInfo": zones})

    def list_zone_details(self, req):
        def service(name):
            return {name: {"available": True, "active": True, "updated_at": None}}

        internal = {
            "zoneName": "internal",
            "zoneState": {"available": True},
            "hosts": {
                "conductor": service("nova-conductor"),
                "scheduler": service("nova-scheduler"),
            },
        }
        zones = [
            {
                "zoneName": zone,
                "zoneState": {"available": True},
                "hosts": {"localcloud": service("nova-compute")},
            }
            for zone in self.settings.availability_zones
        ]
        return json_response({"availabilityZoneInfo": [internal, *zones]})

    def limits(self, req):
        version = req.environ["localcloud.version"]
        servers = [s for s, _ in self.servers.load_all(req)]
        absolute = dict(_ABSOLUTE_LIMITS)
        for last_version, dropped in _DROPPED_LIMITS:
            if version <= last_version:
                absolute.update(dropped)
        absolute.update(
            {
                "totalCoresUsed": sum(s["flavor"]["vcpus"] for s in servers),
                "totalInstancesUsed": len(servers),
                "totalRAMUsed": sum(s["flavor"]["ram"] for s in servers),
                "totalServerGroupsUsed": 0,
            }
        )
        if version <= (2, 35):
            absolute.update({"totalSecurityGroupsUsed": 1, "totalFloatingIpsUsed": 0})
        return json_response({"limits": {"absolute": absolute, "rate": []}})
