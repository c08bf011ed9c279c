"""The service catalog handed out with every scoped token.

URLs are templates: `{base}` is the root URL the identity service was reached at and
`{project_id}` the token's project (Keystone writes this `%(project_id)s`). localcloud's
Catalog has the same `render(base, project_id)`, so heat-all hands that one to the identity
service instead, and one catalog lists the cloud's services and Heat's.
"""

from __future__ import annotations

import threading
import uuid

INTERFACES = ("public", "internal", "admin")
_NAMESPACE = uuid.UUID("3f0b7a43-1c52-4b8e-9d1e-686561746361")


class Catalog:
    """Registered services in registration order; registering a type again replaces it."""

    def __init__(self, region: str = "RegionOne"):
        self.region = region
        self._lock = threading.Lock()
        self._services: dict[str, tuple[str, str]] = {}

    def register(self, service_type: str, name: str, url: str) -> None:
        with self._lock:
            self._services[service_type] = (name, url)

    def render(self, base: str, project_id: str) -> list[dict]:
        """The catalog in Keystone v3 token form."""
        with self._lock:
            services = list(self._services.items())
        catalog = []
        for service_type, (name, url) in services:
            url = url.format(base=base, project_id=project_id)
            catalog.append(
                {
                    "id": uuid.uuid5(_NAMESPACE, service_type).hex,
                    "type": service_type,
                    "name": name,
                    "endpoints": [
                        {
                            "id": uuid.uuid5(_NAMESPACE, f"{service_type}/{interface}").hex,
                            "interface": interface,
                            "region": self.region,
                            "region_id": self.region,
                            "url": url,
                        }
                        for interface in INTERFACES
                    ],
                }
            )
        return catalog
