"""The request context: who is asking, on behalf of which project."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RequestContext:
    """The caller of an engine operation, as authenticated by an API."""

    project_id: str
    user_id: str = ""
    roles: tuple[str, ...] = field(default_factory=tuple)
    auth_token: str | None = None
    region: str = "RegionOne"

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles
