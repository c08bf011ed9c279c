"""localcloud's Cinder backups: shapes per microversion, timed statuses (and the volume's
`backing-up`), Cinder's refusals, failures, incremental backups, backups of snapshots, a backup
outliving its volume and a restart; through raw HTTP and openstacksdk."""

from __future__ import annotations

import time

import openstack
import pytest
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

from heat.localcloud import LocalCloud
from heat_tests.localcloud.helpers import create_volume

DETAIL_KEYS = {
    "id", "name", "description", "status", "size", "object_count", "availability_zone",
    "container", "created_at", "updated_at", "data_timestamp", "fail_reason", "volume_id",
    "snapshot_id", "is_incremental", "has_dependent_backups", "links",
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


def wait_for(session, kind, id, status, timeout=5.0) -> dict:
    """GET /{kind}s/{id} until it shows `status`; the last body."""
    deadline = time.monotonic() + timeout
    while True:
        shown = vol(session, "GET", f"/{kind}s/{id}").json()[kind]
        if shown["status"] == status:
            return shown
        assert time.monotonic() < deadline, f"{kind} {id} is {shown['status']}, not {status}"
        time.sleep(0.02)


def backup(session, volume_id, version=None, **spec) -> dict:
    answer = vol(session, "POST", "/backups", {"backup": {"volume_id": volume_id, **spec}}, version)
    assert answer.status_code == 202, answer.text
    return answer.json()["backup"]


def fault(answer) -> tuple[int, str]:
    (body,) = answer.json().values()
    return answer.status_code, body["message"]


@pytest.fixture
def slow(localcloud):
    """Backups (and volumes) take long enough to be seen `creating` on a loaded machine."""
    localcloud.settings.volume_delay = 2.0
    return localcloud


@pytest.mark.parametrize(
    "version, admin, extra",
    [
        (None, False, set()),
        ("3.18", False, set()),
        ("3.18", True, {"os-backup-project-attr:project_id"}),
        ("3.43", False, {"metadata"}),
        ("3.56", True, {"os-backup-project-attr:project_id", "metadata", "user_id"}),
        ("3.70", False, {"metadata"}),
    ],
)
def test_backup_shapes(localcloud, version, admin, extra):
    session = ks_session.Session(auth=v3.Password(**localcloud.credentials(admin=admin)))
    volume_id = create_volume(session, size=2)
    created = backup(session, volume_id, version, name="nightly", metadata={"k": "v"})
    assert set(created) == {"id", "name", "links"}
    assert created["name"] == "nightly"
    assert created["links"][0]["href"].endswith(f"/backups/{created['id']}")

    shown = wait_for(session, "backup", created["id"], "available")
    shown = vol(session, "GET", f"/backups/{created['id']}", version=version).json()["backup"]
    assert set(shown) == DETAIL_KEYS | extra
    assert {k: shown[k] for k in ("name", "size", "volume_id", "container")} == {
        "name": "nightly",
        "size": 2,
        "volume_id": volume_id,
        "container": "volumebackups",
    }
    assert (shown["status"], shown["fail_reason"], shown["object_count"]) == ("available", None, 41)
    assert (shown["is_incremental"], shown["has_dependent_backups"]) == (False, False)
    assert (shown["snapshot_id"], shown["availability_zone"]) == (None, "nova")
    assert shown["data_timestamp"] == shown["created_at"]
    if "metadata" in extra:
        assert shown["metadata"] == {"k": "v"}
    if "user_id" in extra:
        assert shown["user_id"] == session.get_user_id()
        assert shown["os-backup-project-attr:project_id"] == session.get_project_id()

    summary = vol(session, "GET", "/backups", version=version).json()["backups"]
    assert [(b["id"], set(b)) for b in summary] == [(created["id"], {"id", "name", "links"})]
    details = vol(session, "GET", "/backups/detail", version=version).json()["backups"]
    assert [set(b) for b in details] == [DETAIL_KEYS | extra]


def test_a_volume_is_backing_up_until_its_backup_is_available(slow, localcloud_session):
    session = localcloud_session
    volume_id = create_volume(session)
    created = backup(session, volume_id)
    assert vol(session, "GET", f"/backups/{created['id']}").json()["backup"]["status"] == (
        "creating"
    )
    assert vol(session, "GET", f"/volumes/{volume_id}").json()["volume"]["status"] == "backing-up"
    # Cinder refuses to delete a volume (or the backup) while the backup is being made.
    assert fault(vol(session, "DELETE", f"/volumes/{volume_id}"))[0] == 400
    assert fault(vol(session, "DELETE", f"/backups/{created['id']}")) == (
        400,
        "Invalid backup: Backup status must be available or error",
    )
    assert fault(vol(session, "POST", "/backups", {"backup": {"volume_id": volume_id}})) == (
        400,
        "Invalid volume: Volume to be backed up must be available or in-use, but the current "
        'status is "backing-up".',
    )
    wait_for(session, "backup", created["id"], "available")
    assert vol(session, "GET", f"/volumes/{volume_id}").json()["volume"]["status"] == "available"


def test_a_backup_outlives_its_volume(localcloud, localcloud_session):
    session = localcloud_session
    volume_id = create_volume(session, size=3)
    created = backup(session, volume_id, name="kept")
    wait_for(session, "backup", created["id"], "available")
    # A backup does not pin its volume, unlike a snapshot.
    assert vol(session, "DELETE", f"/volumes/{volume_id}").status_code == 202
    deadline = time.monotonic() + 5
    while vol(session, "GET", f"/volumes/{volume_id}").status_code != 404:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    kept = vol(session, "GET", f"/backups/{created['id']}").json()["backup"]
    assert (kept["status"], kept["volume_id"], kept["size"]) == ("available", volume_id, 3)

    localcloud.settings.volume_delay = 1.0  # long enough to see it `deleting`
    assert vol(session, "DELETE", f"/backups/{created['id']}").status_code == 202
    assert vol(session, "GET", f"/backups/{created['id']}").json()["backup"]["status"] == (
        "deleting"
    )
    deadline = time.monotonic() + 5
    while (gone := vol(session, "GET", f"/backups/{created['id']}")).status_code != 404:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert fault(gone) == (404, f"Backup {created['id']} could not be found.")
    assert vol(session, "GET", "/backups").json() == {"backups": []}


def test_create_errors(slow, localcloud_session):
    session = localcloud_session
    assert fault(vol(session, "POST", "/backups", {"backup": {"name": "x"}})) == (
        400,
        "Invalid input for field/attribute backup. Value: {'name': 'x'}. 'volume_id' is a "
        "required property",
    )
    missing = "0e0c7d5a-0000-4000-8000-000000000000"
    assert fault(vol(session, "POST", "/backups", {"backup": {"volume_id": missing}})) == (
        404,
        f"Volume {missing} could not be found.",
    )
    creating = vol(session, "POST", "/volumes", {"volume": {"size": 1}}).json()["volume"]
    assert fault(vol(session, "POST", "/backups", {"backup": {"volume_id": creating["id"]}})) == (
        400,
        "Invalid volume: Volume to be backed up must be available or in-use, but the current "
        'status is "creating".',
    )
    incremental = {"backup": {"volume_id": creating["id"], "incremental": True}}
    wait_for(session, "volume", creating["id"], "available")
    assert fault(vol(session, "POST", "/backups", incremental)) == (
        400,
        "Invalid backup: No backups available to do an incremental backup.",
    )
    unknown = {"backup": {"volume_id": creating["id"], "snapshot_id": missing}}
    assert fault(vol(session, "POST", "/backups", unknown)) == (
        404,
        f"Snapshot {missing} could not be found.",
    )
    assert fault(vol(session, "GET", f"/backups/{missing}")) == (
        404,
        f"Backup {missing} could not be found.",
    )
    assert fault(vol(session, "DELETE", f"/backups/{missing}"))[0] == 404


def test_an_in_use_volume_needs_force(localcloud, localcloud_session):
    session = localcloud_session
    volume_id = create_volume(session)
    images = session.get(
        "/v2/images?name=F17-x86_64-cfntools",
        endpoint_filter={"service_type": "image", "interface": "public"},
    ).json()["images"]
    spec = {"server": {"name": "db", "imageRef": images[0]["id"], "flavorRef": "1"}}
    compute = {"service_type": "compute", "interface": "public"}
    server_id = session.post("/servers", json=spec, endpoint_filter=compute).json()["server"]["id"]
    deadline = time.monotonic() + 5
    while (
        session.get(f"/servers/{server_id}", endpoint_filter=compute).json()["server"]["status"]
        != "ACTIVE"
    ):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    attach = {"volumeAttachment": {"volumeId": volume_id}}
    session.post(
        f"/servers/{server_id}/os-volume_attachments", json=attach, endpoint_filter=compute
    )
    assert fault(vol(session, "POST", "/backups", {"backup": {"volume_id": volume_id}})) == (
        400,
        "Invalid volume: Backing up an in-use volume must use the force flag.",
    )
    forced = backup(session, volume_id, force=True)
    wait_for(session, "backup", forced["id"], "available")
    assert vol(session, "GET", f"/volumes/{volume_id}").json()["volume"]["status"] == "in-use"


def test_a_backup_can_be_told_to_fail(localcloud_session):
    session = localcloud_session
    body = {"volume": {"size": 1, "metadata": {"localcloud:fail": "backup"}}}
    volume_id = vol(session, "POST", "/volumes", body).json()["volume"]["id"]
    wait_for(session, "volume", volume_id, "available")
    created = backup(session, volume_id)
    failed = wait_for(session, "backup", created["id"], "error")
    assert failed["fail_reason"] == "failure requested by volume metadata localcloud:fail=backup"
    assert failed["object_count"] == 0
    # The volume is as it was, and a failed backup can be deleted.
    assert vol(session, "GET", f"/volumes/{volume_id}").json()["volume"]["status"] == "available"
    assert vol(session, "DELETE", f"/backups/{created['id']}").status_code == 202


def test_incremental_backups_depend_on_their_parent(localcloud_session):
    session = localcloud_session
    volume_id = create_volume(session)
    full = backup(session, volume_id, name="full")
    wait_for(session, "backup", full["id"], "available")
    delta = backup(session, volume_id, name="delta", incremental=True)
    delta = wait_for(session, "backup", delta["id"], "available")
    assert delta["is_incremental"] is True
    parent = vol(session, "GET", f"/backups/{full['id']}").json()["backup"]
    assert (parent["is_incremental"], parent["has_dependent_backups"]) == (False, True)
    assert fault(vol(session, "DELETE", f"/backups/{full['id']}")) == (
        400,
        "Invalid backup: Incremental backups exist for this backup.",
    )
    # Newest first, as Cinder lists them; the filters narrow the list.
    listed = vol(session, "GET", "/backups").json()["backups"]
    assert [b["name"] for b in listed] == ["delta", "full"]
    named = vol(session, "GET", "/backups/detail?name=full").json()["backups"]
    assert [b["id"] for b in named] == [full["id"]]
    assert vol(session, "GET", "/backups?volume_id=other").json() == {"backups": []}
    assert vol(session, "DELETE", f"/backups/{delta['id']}").status_code == 202


def test_a_backup_of_a_snapshot(slow, localcloud_session):
    session = localcloud_session
    volume_id = create_volume(session)
    other_id = create_volume(session)
    body = {"snapshot": {"volume_id": volume_id}}
    snapshot = vol(session, "POST", "/snapshots", body).json()["snapshot"]
    busy = {"backup": {"volume_id": volume_id, "snapshot_id": snapshot["id"]}}
    assert fault(vol(session, "POST", "/backups", busy)) == (
        400,
        "Invalid snapshot: Snapshot to be backed up must be available, but the current status "
        'is "creating".',
    )
    snapshot = wait_for(session, "snapshot", snapshot["id"], "available")
    mismatch = {"backup": {"volume_id": other_id, "snapshot_id": snapshot["id"]}}
    assert fault(vol(session, "POST", "/backups", mismatch)) == (
        400,
        f"Invalid volume: Volume {other_id} does not match with snapshot.volume_id {volume_id}.",
    )
    created = backup(session, volume_id, snapshot_id=snapshot["id"])
    # The snapshot is being read, not the volume.
    shown = vol(session, "GET", f"/snapshots/{snapshot['id']}").json()["snapshot"]
    assert shown["status"] == "backing-up"
    assert vol(session, "GET", f"/volumes/{volume_id}").json()["volume"]["status"] == "available"
    done = wait_for(session, "backup", created["id"], "available")
    assert (done["snapshot_id"], done["data_timestamp"]) == (snapshot["id"], snapshot["created_at"])
    assert wait_for(session, "snapshot", snapshot["id"], "available")


def test_openstacksdk(localcloud, monkeypatch):
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", localcloud.clouds_yaml)
    conn = openstack.connect(cloud="localcloud")
    volume = conn.block_storage.create_volume(size=1, name="sdk")
    conn.block_storage.wait_for_status(volume, "available", interval=0.05, wait=5)
    created = conn.block_storage.create_backup(volume_id=volume.id, name="sdk-backup")
    found = conn.block_storage.wait_for_status(
        conn.block_storage.get_backup(created.id), "available", interval=0.05, wait=5
    )
    assert (found.name, found.volume_id, found.size, found.is_incremental) == (
        "sdk-backup",
        volume.id,
        1,
        False,
    )
    assert [b.id for b in conn.block_storage.backups()] == [created.id]
    conn.block_storage.delete_volume(volume)
    conn.block_storage.wait_for_delete(volume, interval=0.05, wait=5)
    assert conn.block_storage.get_backup(created.id).status == "available"
    conn.block_storage.delete_backup(created.id)
    conn.block_storage.wait_for_delete(found, interval=0.05, wait=5)
    assert list(conn.block_storage.backups()) == []


def test_backups_survive_a_restart(tmp_path):
    state = str(tmp_path / "state")
    with LocalCloud(state, boot_delay=0) as cloud:
        cloud.settings.volume_delay = 0
        session = ks_session.Session(auth=v3.Password(**cloud.credentials()))
        volume_id = create_volume(session, size=2)
        backup_id = backup(session, volume_id, name="kept")["id"]
        assert vol(session, "DELETE", f"/volumes/{volume_id}").status_code == 202
    with LocalCloud(state) as cloud:
        session = ks_session.Session(auth=v3.Password(**cloud.credentials()))
        shown = vol(session, "GET", f"/backups/{backup_id}").json()["backup"]
        assert (shown["name"], shown["size"], shown["status"], shown["volume_id"]) == (
            "kept",
            2,
            "available",
            volume_id,
        )
        assert vol(session, "GET", f"/volumes/{volume_id}").status_code == 404
