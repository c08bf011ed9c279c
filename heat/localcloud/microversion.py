"""Compute API microversions: which one a request asked for, and how to answer with it.

Clients ask with `OpenStack-API-Version: compute 2.60` or the legacy
`X-OpenStack-Nova-API-Version: 2.60`; no header means 2.1 and `latest` means the maximum.
Versions are (major, minor) tuples so handlers compare them with `>=`.
"""

from __future__ import annotations

import re

from heat.localcloud.routing import ApiError

MIN_VERSION = (2, 1)
# 2.79 is the highest version whose response shapes this Nova implements exactly (volume
# attachment delete_on_termination); later versions change shapes we do not model.
MAX_VERSION = (2, 79)

_HEADER = "OpenStack-API-Version"
_LEGACY_HEADER = "X-OpenStack-Nova-API-Version"
_VERSION_RE = re.compile(r"^([1-9]\d*)\.([1-9]\d*|0)$")


def as_string(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


def requested(headers) -> tuple[int, int]:
    """The microversion a request asked for; ApiError 400/406 if malformed or unsupported."""
    text = None
    for item in headers.get(_HEADER, "").split(","):
        service, _, value = item.strip().partition(" ")
        if service.lower() == "compute":
            text = value.strip()
    if text is None:
        text = headers.get(_LEGACY_HEADER, "").strip() or None
    if text is None:
        return MIN_VERSION
    if text.lower() == "latest":
        return MAX_VERSION
    found = _VERSION_RE.match(text)
    if found is None:
        raise ApiError(
            400,
            f"API Version String {text} is of invalid format. Must be of format MajorNum.MinorNum.",
        )
    version = (int(found.group(1)), int(found.group(2)))
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise ApiError(
            406,
            f"Version {text} is not supported by the API. Minimum is "
            f"{as_string(MIN_VERSION)} and maximum is {as_string(MAX_VERSION)}.",
        )
    return version


def response_headers(version: tuple[int, int]) -> dict:
    """The headers that tell the client which microversion answered."""
    text = as_string(version)
    return {
        _HEADER: f"compute {text}",
        _LEGACY_HEADER: text,
        "Vary": f"{_HEADER}, {_LEGACY_HEADER}",
    }
