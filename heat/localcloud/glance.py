"""A read-only Glance v2: the image list (with filters) and image details.

Images are stored documents seeded from the configured names on every start (idempotently:
a seeded image's id is derived from its name, so it is stable across restarts). An image can
carry `localcloud:fail` in its properties; Nova reads it to fail servers booted from it.
"""

from __future__ import annotations

import hashlib
import time
import uuid

from heat.api.wsgi import json_response
from heat.localcloud.routing import ApiError, Service
from heat.localcloud.store import Store
from heat.localcloud.timeutil import iso_seconds

FAIL_PROPERTY = "localcloud:fail"
_NAMESPACE = uuid.UUID("2b1d6d52-4a8e-4bb7-9f37-696d61676573")
# A fixed creation time for seeded images so that they look the same after every restart.
_SEEDED_AT = 1357002000.0


class Images:
    """The image documents: seeding, adding, lookup."""

    def __init__(self, store: Store, owner: str):
        self.store = store
        self.owner = owner

    def seed(self, names: list[str], fail_marker: str) -> None:
        """Make sure every configured image exists; images with `fail_marker` fail boots."""
        for name in names:
            image_id = str(uuid.uuid5(_NAMESPACE, name))
            if self.store.get("image", image_id) is None:
                properties = _guess_properties(name)
                if fail_marker and fail_marker in name:
                    properties[FAIL_PROPERTY] = "boot"
                self._put(image_id, name, properties, _SEEDED_AT)

    def add(self, name: str, properties: dict | None = None, image_id: str | None = None) -> dict:
        """Add an image (a random id unless given) and return its document."""
        return self._put(image_id or str(uuid.uuid4()), name, dict(properties or {}), time.time())

    def _put(self, image_id: str, name: str, properties: dict, created_at: float) -> dict:
        digest = hashlib.sha512(name.encode()).hexdigest()
        image = {
            "id": image_id,
            "name": name,
            "created_at": created_at,
            "size": 13287936 + len(name),
            "checksum": hashlib.md5(name.encode(), usedforsecurity=False).hexdigest(),
            "os_hash_value": digest,
            "owner": self.owner,
            "properties": properties,
        }
        return self.store.put("image", image_id, image)

    def get(self, image_id: str) -> dict | None:
        return self.store.get("image", image_id)

    def list(self) -> list[dict]:
        return self.store.list("image")


def _guess_properties(name: str) -> dict:
    # Image names in the demo templates encode distro and architecture; expose them the way
    # real images do so templates and tests can read them back.
    lowered = name.lower()
    properties = {"architecture": "i686" if "i386" in lowered else "x86_64"}
    for prefix, distro in (
        ("f1", "fedora"),
        ("u1", "ubuntu"),
        ("rhel", "rhel"),
        ("cirros", "cirros"),
    ):
        if lowered.startswith(prefix):
            properties["os_distro"] = distro
    return properties


class Glance(Service):
    """The Glance WSGI service, mounted at /image. Authentication is checked by the app."""

    def __init__(self, images: Images):
        super().__init__()
        self.images = images
        self.router.add("GET", "/", self.versions)
        self.router.add("GET", "/versions", self.versions)
        self.router.add("GET", "/v2/images", self.list_images)
        self.router.add("GET", "/v2/images/{image_id}", self.show_image)

    def versions(self, req):
        link = {"rel": "self", "href": f"{req.application_url}/v2/"}
        values = [
            {"id": version, "status": status, "links": [link]}
            for version, status in (("v2.16", "CURRENT"), ("v2.0", "SUPPORTED"))
        ]
        return json_response({"versions": values}, 300 if req.path_info == "/" else 200)

    def list_images(self, req):
        images = [self.view(i) for i in self.images.list()]
        for key in ("name", "status", "visibility", "id"):
            if key in req.GET:
                # Glance's `in:a,b` operator matches any of several values.
                value = req.GET[key]
                wanted = set(value[3:].split(",")) if value.startswith("in:") else {value}
                images = [i for i in images if i[key] in wanted]
        body = {"images": images, "first": "/v2/images", "schema": "/v2/schemas/images"}
        marker = req.GET.get("marker")
        if marker:
            ids = [i["id"] for i in images]
            if marker not in ids:
                raise ApiError(400, f"Invalid marker. Image {marker} could not be found.")
            images = images[ids.index(marker) + 1 :]
        limit = req.GET.get("limit")
        if limit is not None:
            if not limit.isdigit():
                raise ApiError(400, "limit param must be an integer")
            if len(images) > int(limit):
                images = images[: int(limit)]
                body["next"] = f"/v2/images?marker={images[-1]['id']}&limit={limit}"
        body["images"] = images
        return json_response(body)

    def show_image(self, req, image_id):
        image = self.images.get(image_id)
        if image is None:
            raise ApiError(404, f"No image found with ID {image_id}")
        return json_response(self.view(image))

    @staticmethod
    def view(image: dict) -> dict:
        """An image as Glance v2 shows it: fixed fields plus its properties at top level."""
        created = iso_seconds(image["created_at"])
        return {
            **image["properties"],
            "id": image["id"],
            "name": image["name"],
            "status": "active",
            "visibility": "public",
            "protected": False,
            "os_hidden": False,
            "container_format": "bare",
            "disk_format": "qcow2",
            "size": image["size"],
            "virtual_size": None,
            "min_disk": 0,
            "min_ram": 0,
            "checksum": image["checksum"],
            "os_hash_algo": "sha512",
            "os_hash_value": image["os_hash_value"],
            "owner": image["owner"],
            "created_at": created,
            "updated_at": created,
            "tags": [],
            "self": f"/v2/images/{image['id']}",
            "file": f"/v2/images/{image['id']}/file",
            "schema": "/v2/schemas/image",
        }
