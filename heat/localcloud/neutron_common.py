"""What the Neutron modules share: its error type, list filtering, standard attributes."""

from __future__ import annotations

from heat.localcloud.routing import ApiError
from heat.localcloud.timeutil import iso_seconds

ERROR_TYPES = {
    400: "HTTPBadRequest",
    403: "HTTPForbidden",
    404: "HTTPNotFound",
    405: "HTTPMethodNotAllowed",
    409: "HTTPConflict",
}
# Query parameters that are not attribute filters.
_NOT_FILTERS = {"fields", "limit", "marker", "sort_key", "sort_dir", "page_reverse"}


class NeutronError(ApiError):
    """An ApiError with Neutron's exception type name (e.g. SecurityGroupNotFound)."""

    def __init__(self, status: int, error_type: str, message: str):
        super().__init__(status, message)
        self.error_type = error_type


def filtered(req, items: list[dict]) -> list[dict]:
    """Neutron's list filtering: `?name=a&name=b` keeps items whose name is a or b; `fields`
    keeps only the named keys."""
    for key in set(req.GET) - _NOT_FILTERS:
        wanted = req.GET.getall(key)
        items = [i for i in items if key in i and _text(i[key]) in wanted]
    fields = req.GET.getall("fields")
    if fields:
        items = [{k: v for k, v in i.items() if k in fields} for i in items]
    return items


def _text(value) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return "" if value is None else str(value)


def timestamps(doc: dict) -> dict:
    """Neutron's standard attributes of a stored document."""
    return {
        "created_at": iso_seconds(doc["created_at"]),
        "updated_at": iso_seconds(doc["updated_at"]),
        "revision_number": doc["revision_number"],
        "tags": [],
    }
