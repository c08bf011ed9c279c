"""The service catalog Keystone hands out with every scoped token.

It starts with the services localcloud serves itself; other parts of Heat add theirs
(orchestration, cloudformation) with `Catalog.register`, pointing at their own servers or at
an application mounted inside localcloud. URLs are templates: `{base}` is localcloud's own
root URL and `{project_id}` the token's project, as Keystone's `$(project_id)s` does.
"""

from __future__ import annotations

import dataclasses
import threading
import uuid

INTERFACES = ("public", "internal", "admin")
_NAMESPACE = uuid.UUID("6c1c2c6e-0c4f-4f5e-9f0e-6c6f63616c63")


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """One service in the catalog."""

    service_type: str
    name: str
    url: str


class Catalog:
    """The registered services, in registration order; registering a type again replaces it."""

    def __init__(self, region: str):
        self.region = region
        self._lock = threading.Lock()
        self._services: dict[str, Endpoint] = {}
        self.register("identity", "keystone", "{base}/identity")
        self.register("compute", "nova", "{base}/compute/v2.1")
        self.register("image", "glance", "{base}/image")

    def register(self, service_type: str, name: str, url: str) -> None:
        """Add (or replace) the service `service_type` at `url` (a template, see module doc)."""
        with self._lock:
            self._services[service_type] = Endpoint(service_type, name, url)

    def unregister(self, service_type: str) -> None:
        """Remove a service from the catalog, if present."""
        with self._lock:
            self._services.pop(service_type, None)

    def url_for(self, service_type: str, base: str, project_id: str = "") -> str:
        """The URL of a registered service."""
        with self._lock:
            endpoint = self._services[service_type]
        return endpoint.url.format(base=base, project_id=project_id)

    def render(self, base: str, project_id: str) -> list[dict]:
        """The catalog in Keystone v3 token form."""
        with self._lock:
            services = list(self._services.values())
        catalog = []
        for service in services:
            url = service.url.format(base=base, project_id=project_id)
            service_id = uuid.uuid5(_NAMESPACE, service.service_type).hex
            endpoints = [
                {
                    "id": uuid.uuid5(_NAMESPACE, f"{service.service_type}/{interface}").hex,
                    "interface": interface,
                    "region": self.region,
                    "region_id": self.region,
                    "url": url,
                }
                for interface in INTERFACES
            ]
            catalog.append(
                {
                    "endpoints": endpoints,
                    "id": service_id,
                    "type": service.service_type,
                    "name": service.name,
                }
            )
        return catalog
