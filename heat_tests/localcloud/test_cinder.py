"""localcloud's Cinder: versions, volumes and snapshots with their timed statuses, errors,
attachments through Nova; through raw HTTP, openstacksdk and the `openstack` CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import openstack
import pytest
import requests
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

from heat.localcloud import LocalCloud
from heat_tests.localcloud.helpers import call, create_volume, wait_for_status

VOLUME_KEYS = {
    "id", "name", "description", "status", "size", "availability_zone", "created_at",
    "updated_at", "attachments", "bootable", "encrypted", "multiattach", "metadata",
    "snapshot_id", "source_volid", "consistencygroup_id", "replication_status", "volume_type",
    "user_id", "links", "os-vol-tenant-attr:tenant_id",
}  # fmt: skip


def vol(session, method, path, body=None, version=None):
    headers = {"OpenStack-API-Version": f"volume {version}"} if version else {}
    return session.request(
        path,
        method,
        endpoint_filter={"service_type": "block-storage", "interface": "public"},
        json=body,
        headers=headers,
        raise_exc=False,
    )


def wait_volume(session, volume_id, status, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        volume = vol(session, "GET", f"/volumes/{volume_id}").json()["volume"]
        if volume["status"] == status or time.monotonic() > deadline:
            return volume
        time.sleep(0.02)


def test_versions_and_catalog(localcloud, localcloud_session):
    answer = requests.get(f"{localcloud.url}/volume/", timeout=5)
    assert answer.status_code == 300
    (version,) = answer.json()["versions"]
    assert (version["id"], version["version"], version["min_version"]) == ("v3.0", "3.70", "3.0")
    project_id = localcloud_session.get_project_id()
    for service in ("volumev3", "block-storage"):
        url = localcloud_session.get_endpoint(service_type=service, interface="public")
        assert url == f"{localcloud.url}/volume/v3/{project_id}"
    assert requests.get(f"{url}/volumes", timeout=5).status_code == 401
    other = vol(localcloud_session, "GET", f"{localcloud.url}/volume/v3/someone-else/volumes")
    assert (other.status_code, other.json()) == (
        400,
        {"badRequest": {"code": 400, "message": "Malformed request url"}},
    )


@pytest.mark.parametrize(
    "version, extra",
    [
        (None, set()),
        ("3.13", {"group_id"}),
        ("3.48", {"group_id", "service_uuid", "shared_targets"}),
        ("3.70", {"group_id", "service_uuid", "shared_targets", "volume_type_id",
                  "encryption_key_id", "consumes_quota"}),
    ],
)  # fmt: skip
def test_volume_shapes(localcloud_session, version, extra):
    body = {"volume": {"size": 1, "name": "data", "metadata": {"a": "b"}}}
    created = vol(localcloud_session, "POST", "/volumes", body, version)
    assert created.status_code == 202
    assert created.headers["OpenStack-API-Version"] == f"volume {version or '3.0'}"
    volume = created.json()["volume"]
    assert set(volume) == VOLUME_KEYS | extra
    assert (volume["status"], volume["size"], volume["bootable"], volume["metadata"]) == (
        "creating",
        1,
        "false",
        {"a": "b"},
    )
    shown = wait_volume(localcloud_session, volume["id"], "available")
    assert shown["created_at"] == volume["created_at"]
    summary = vol(localcloud_session, "GET", "/volumes", version=version).json()["volumes"]
    assert [(v["id"], v["name"], set(v)) for v in summary] == [
        (volume["id"], "data", {"id", "links", "name"})
    ]
    details = vol(localcloud_session, "GET", "/volumes/detail", version=version).json()
    assert [set(v) for v in details["volumes"]] == [VOLUME_KEYS | extra]


def test_admin_sees_the_host(localcloud):
    admin = ks_session.Session(auth=v3.Password(**localcloud.credentials(admin=True)))
    volume = vol(admin, "POST", "/volumes", {"volume": {"size": 1}}).json()["volume"]
    assert volume["os-vol-host-attr:host"] == "localcloud@lvmdriver-1#lvmdriver-1"
    assert volume["migration_status"] is None


@pytest.mark.parametrize(
    "spec, status, message",
    [
        ({"size": 0}, 400, "Invalid input for field/attribute size. Value: 0. 0 is less than the "
         "minimum of 1"),
        ({"size": "big"}, 400, "Invalid input for field/attribute size. Value: big. 'big' is not "
         "of type 'integer', 'string'"),
        ({"size": 1, "availability_zone": "mars"}, 400,
         "Invalid input received: Availability zone 'mars' is invalid."),
        ({"size": 1, "snapshot_id": "nope"}, 404, "Snapshot nope could not be found."),
    ],
)  # fmt: skip
def test_create_errors(localcloud_session, spec, status, message):
    response = vol(localcloud_session, "POST", "/volumes", {"volume": spec})
    name = {400: "badRequest", 404: "itemNotFound"}[status]
    assert (response.status_code, response.json()) == (
        status,
        {name: {"code": status, "message": message}},
    )


def test_delete_is_timed_and_refused_while_creating(localcloud, localcloud_session):
    localcloud.settings.volume_delay = 0.2
    volume = vol(localcloud_session, "POST", "/volumes", {"volume": {"size": 1}}).json()["volume"]
    refused = vol(localcloud_session, "DELETE", f"/volumes/{volume['id']}")
    assert refused.status_code == 400
    assert refused.json()["badRequest"]["message"].startswith(
        "Invalid volume: Volume status must be available or error"
    )
    wait_volume(localcloud_session, volume["id"], "available")
    assert vol(localcloud_session, "DELETE", f"/volumes/{volume['id']}").status_code == 202
    shown = vol(localcloud_session, "GET", f"/volumes/{volume['id']}").json()["volume"]
    assert shown["status"] == "deleting"
    deadline = time.monotonic() + 5
    while vol(localcloud_session, "GET", f"/volumes/{volume['id']}").status_code != 404:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    gone = vol(localcloud_session, "GET", f"/volumes/{volume['id']}").json()
    assert gone == {
        "itemNotFound": {"code": 404, "message": f"Volume {volume['id']} could not be found."}
    }


def test_a_volume_can_be_told_to_fail(localcloud_session):
    body = {"volume": {"size": 1, "metadata": {"localcloud:fail": "create"}}}
    volume = vol(localcloud_session, "POST", "/volumes", body).json()["volume"]
    assert wait_volume(localcloud_session, volume["id"], "error")["status"] == "error"
    assert vol(localcloud_session, "DELETE", f"/volumes/{volume['id']}").status_code == 202


def test_attachments_through_nova(localcloud_session):
    volume_id = create_volume(localcloud_session, size=2)
    images = call(localcloud_session, "image", "GET", "/v2/images?name=F17-x86_64-cfntools")
    spec = {"name": "db", "imageRef": images.json()["images"][0]["id"], "flavorRef": "1"}
    server_id = call(localcloud_session, "compute", "POST", "/servers", "2.1", {"server": spec})
    server_id = server_id.json()["server"]["id"]
    wait_for_status(localcloud_session, server_id, "ACTIVE")
    base = f"/servers/{server_id}/os-volume_attachments"
    body = {"volumeAttachment": {"volumeId": volume_id}}
    assert call(localcloud_session, "compute", "POST", base, "2.1", body).status_code == 200
    volume = vol(localcloud_session, "GET", f"/volumes/{volume_id}").json()["volume"]
    assert volume["status"] == "in-use"
    (attachment,) = volume["attachments"]
    assert {k: v for k, v in attachment.items() if k not in ("attachment_id", "attached_at")} == {
        "id": volume_id,
        "volume_id": volume_id,
        "server_id": server_id,
        "host_name": None,
        "device": "/dev/vdb",
    }
    assert attachment["attached_at"] is not None

    in_use = vol(localcloud_session, "DELETE", f"/volumes/{volume_id}")
    assert in_use.status_code == 400
    other = call(localcloud_session, "compute", "POST", "/servers", "2.1", {"server": spec})
    other_id = other.json()["server"]["id"]
    wait_for_status(localcloud_session, other_id, "ACTIVE")
    taken = call(
        localcloud_session, "compute", "POST", f"/servers/{other_id}/os-volume_attachments",
        "2.1", body,
    )  # fmt: skip
    assert (taken.status_code, taken.json()["badRequest"]["message"]) == (
        400,
        f"Invalid volume: Volume {volume_id} status must be available or downloading to reserve, "
        "but the current status is in-use.",
    )
    missing = {"volumeAttachment": {"volumeId": "0e0c7d5a-0000-4000-8000-000000000000"}}
    unknown = call(localcloud_session, "compute", "POST", base, "2.1", missing)
    assert unknown.json() == {
        "itemNotFound": {
            "code": 404,
            "message": "Volume 0e0c7d5a-0000-4000-8000-000000000000 could not be found.",
        }
    }

    assert call(localcloud_session, "compute", "DELETE", f"{base}/{volume_id}").status_code == 202
    volume = vol(localcloud_session, "GET", f"/volumes/{volume_id}").json()["volume"]
    assert (volume["status"], volume["attachments"]) == ("available", [])

    # Deleting the server frees its volumes.
    call(localcloud_session, "compute", "POST", base, "2.1", body)
    call(localcloud_session, "compute", "DELETE", f"/servers/{server_id}")
    volume = vol(localcloud_session, "GET", f"/volumes/{volume_id}").json()["volume"]
    assert (volume["status"], volume["attachments"]) == ("available", [])


def test_snapshots(localcloud_session):
    volume_id = create_volume(localcloud_session, size=2)
    body = {"snapshot": {"volume_id": volume_id, "name": "snap", "description": "d"}}
    created = vol(localcloud_session, "POST", "/snapshots", body)
    assert created.status_code == 202
    snapshot = created.json()["snapshot"]
    assert set(snapshot) == {
        "id", "name", "description", "status", "size", "volume_id", "metadata", "created_at",
        "updated_at", "os-extended-snapshot-attributes:progress",
        "os-extended-snapshot-attributes:project_id",
    }  # fmt: skip
    assert (snapshot["status"], snapshot["size"], snapshot["volume_id"]) == (
        "creating",
        2,
        volume_id,
    )
    listed = vol(localcloud_session, "GET", f"/snapshots?volume_id={volume_id}").json()
    assert [s["id"] for s in listed["snapshots"]] == [snapshot["id"]]
    assert "os-extended-snapshot-attributes:progress" not in listed["snapshots"][0]
    deadline = time.monotonic() + 5
    while True:
        shown = vol(localcloud_session, "GET", f"/snapshots/{snapshot['id']}").json()["snapshot"]
        if shown["status"] == "available":
            break
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert shown["os-extended-snapshot-attributes:progress"] == "100%"

    has_snapshots = vol(localcloud_session, "DELETE", f"/volumes/{volume_id}")
    assert has_snapshots.status_code == 400
    small = {"volume": {"size": 1, "snapshot_id": snapshot["id"]}}
    assert vol(localcloud_session, "POST", "/volumes", small).json()["badRequest"]["message"] == (
        "Invalid input received: Volume size '1'GB cannot be smaller than the snapshot size "
        "2GB. They must be >= original snapshot size."
    )
    restored = vol(
        localcloud_session, "POST", "/volumes", {"volume": {"snapshot_id": snapshot["id"]}}
    )
    assert (restored.json()["volume"]["size"], restored.json()["volume"]["snapshot_id"]) == (
        2,
        snapshot["id"],
    )
    assert vol(localcloud_session, "DELETE", f"/snapshots/{snapshot['id']}").status_code == 202
    missing = vol(localcloud_session, "POST", "/snapshots", {"snapshot": {"volume_id": "nope"}})
    assert missing.json() == {
        "itemNotFound": {"code": 404, "message": "Volume nope could not be found."}
    }


def test_openstacksdk(localcloud, monkeypatch):
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", localcloud.clouds_yaml)
    conn = openstack.connect(cloud="localcloud")
    volume = conn.block_storage.create_volume(size=1, name="sdk")
    volume = conn.block_storage.wait_for_status(volume, "available", interval=0.05, wait=5)
    assert (volume.name, volume.size, volume.is_bootable, volume.attachments) == (
        "sdk",
        1,
        False,
        [],
    )
    snapshot = conn.block_storage.create_snapshot(volume_id=volume.id, name="sdk-snap")
    snapshot = conn.block_storage.wait_for_status(snapshot, "available", interval=0.05, wait=5)
    assert snapshot.volume_id == volume.id
    assert [v.name for v in conn.block_storage.volumes()] == ["sdk"]
    conn.block_storage.delete_snapshot(snapshot)
    conn.block_storage.wait_for_delete(snapshot, interval=0.05, wait=5)
    conn.block_storage.delete_volume(volume)
    conn.block_storage.wait_for_delete(volume, interval=0.05, wait=5)
    assert list(conn.block_storage.volumes()) == []


def test_openstack_cli_volume_create(localcloud):
    env = dict(os.environ, OS_CLIENT_CONFIG_FILE=localcloud.clouds_yaml)
    openstack_cli = os.path.join(os.path.dirname(sys.executable), "openstack")

    def cli(*args):
        result = subprocess.run(
            [openstack_cli, "--os-cloud", "localcloud", *args, "-f", "json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    created = cli("volume", "create", "--size", "1", "cli-volume")
    assert (created["name"], created["size"]) == ("cli-volume", 1)
    # Each CLI run takes far longer than the fixture's 0.05 s volume delay.
    rows = cli("volume", "list")
    assert [(r["Name"], r["Status"], r["Size"]) for r in rows] == [("cli-volume", "available", 1)]


def test_state_survives_a_restart(tmp_path):
    state = str(tmp_path / "state")
    with LocalCloud(state, boot_delay=0) as cloud:
        cloud.settings.volume_delay = 0
        session = ks_session.Session(auth=v3.Password(**cloud.credentials()))
        volume = vol(session, "POST", "/volumes", {"volume": {"size": 3, "name": "kept"}})
        volume_id = volume.json()["volume"]["id"]
        body = {"snapshot": {"volume_id": volume_id}}
        snapshot_id = vol(session, "POST", "/snapshots", body).json()["snapshot"]["id"]
    with LocalCloud(state) as cloud:
        session = ks_session.Session(auth=v3.Password(**cloud.credentials()))
        shown = vol(session, "GET", f"/volumes/{volume_id}").json()["volume"]
        assert (shown["name"], shown["size"], shown["status"]) == ("kept", 3, "available")
        snapshot = vol(session, "GET", f"/snapshots/{snapshot_id}").json()["snapshot"]
        assert (snapshot["volume_id"], snapshot["status"]) == (volume_id, "available")
