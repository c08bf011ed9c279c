"""Helpers for localcloud tests: raw API calls through a real keystoneauth1 session, and the
recursive shape comparison against the upstream Nova API samples."""

from __future__ import annotations

import json
import os
import re
import time

SAMPLES = "/work/shared/nova-api-samples"


def call(session, service: str, method: str, path: str, version: str | None = None, body=None):
    """One request to `service` (a catalog type) through `session`; never raises on status."""
    headers = {}
    if version is not None:
        headers["OpenStack-API-Version"] = f"compute {version}"
    return session.request(
        path,
        method,
        endpoint_filter={"service_type": service, "interface": "public"},
        json=body,
        headers=headers,
        raise_exc=False,
    )


def wait_for_status(session, server_id: str, status: str, version: str = "2.1", timeout=5.0):
    """Poll GET /servers/{id} until it shows `status`; returns the server body."""
    deadline = time.monotonic() + timeout
    while True:
        server = call(session, "compute", "GET", f"/servers/{server_id}", version).json()
        if server["server"]["status"] == status or time.monotonic() > deadline:
            return server["server"]
        time.sleep(0.02)


def create_volume(session, size: int = 1, timeout=5.0) -> str:
    """Create a Cinder volume and wait until it is available; returns its id."""
    body = {"volume": {"size": size}}
    volume_id = call(session, "volumev3", "POST", "/volumes", body=body).json()["volume"]["id"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        volume = call(session, "volumev3", "GET", f"/volumes/{volume_id}").json()["volume"]
        if volume["status"] == "available":
            break
        time.sleep(0.02)
    return volume_id


def _version_key(name: str) -> tuple[int, int]:
    major, minor = name[1:].split(".")
    return int(major), int(minor)


# The servers/v2.69 samples show a server in a down cell, a partial answer localcloud never gives.
_SKIPPED = {"servers/v2.69"}


def sample(relative: str, version: str = "2.1") -> tuple[str, dict]:
    """The upstream sample `dir/file.json` for `version`: the one in the highest `v2.N`
    subdirectory not above `version`, else the unversioned one. Returns (path, body)."""
    directory, filename = os.path.split(relative)
    wanted = _version_key("v" + version)
    best = os.path.join(SAMPLES, relative)
    best_key = (2, 1)
    for entry in os.listdir(os.path.join(SAMPLES, directory)):
        if f"{directory}/{entry}" in _SKIPPED:
            continue
        if re.fullmatch(r"v2\.\d+", entry) and best_key < _version_key(entry) <= wanted:
            candidate = os.path.join(SAMPLES, directory, entry, filename)
            if os.path.exists(candidate):
                best, best_key = candidate, _version_key(entry)
    with open(best) as stream:
        return best, json.load(stream)


# Maps whose keys are data (metadata keys, network names, host names), not schema, and how
# many levels deep that goes (availability zone hosts map host -> service -> status).
FREE_FORM = {"metadata": 1, "meta": 1, "extra_specs": 1, "addresses": 1, "hosts": 2}


def shape_differences(
    actual, expected, path: str = "", optional: frozenset = frozenset(), free: int = 0
):
    """Where `actual` differs from `expected` in keys or value types, recursively.

    JSON null on either side matches any type (nullable fields). Lists compare each actual
    element with the sample's element at the same index (or its last). In FREE_FORM maps,
    keys are data: every actual value is compared with the sample's first value. Keys in
    `optional` may be absent from `actual`.
    """
    if actual is None or expected is None:
        return []
    if type(actual) is not type(expected):
        return [f"{path or '.'}: {type(actual).__name__} != {type(expected).__name__}"]
    if isinstance(actual, list):
        if not actual or not expected:
            return []
        found = []
        for index, item in enumerate(actual):
            model = expected[min(index, len(expected) - 1)]
            found += shape_differences(item, model, f"{path}[{index}]", optional)
        return found
    if not isinstance(actual, dict):
        return []
    name = path.rsplit(".", 1)[-1].split("[")[0]
    free = free or FREE_FORM.get(name, 0)
    if free:
        if not expected:
            return []
        model = next(iter(expected.values()))
        found = []
        for key, value in actual.items():
            found += shape_differences(value, model, f"{path}.{key}", optional, free - 1)
        return found
    found = []
    missing = set(expected) - set(actual) - optional
    extra = set(actual) - set(expected)
    for key in sorted(missing):
        found.append(f"{path}.{key}: missing")
    for key in sorted(extra):
        found.append(f"{path}.{key}: unexpected")
    for key in sorted(set(actual) & set(expected)):
        found += shape_differences(actual[key], expected[key], f"{path}.{key}", optional)
    return found
