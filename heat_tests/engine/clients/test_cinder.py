"""CinderClient against a real localcloud over HTTP: openstacksdk, no mocks."""

from __future__ import annotations

import time

import pytest

from heat.common.exception import NotFound
from heat.engine.clients.cinder import (
    Attachment,
    BackupStatus,
    CinderClient,
    SnapshotStatus,
    VolumeStatus,
)
from heat.engine.clients.errors import CloudNotFound, CloudRequestFailed, RetryPolicy
from heat.engine.clients.nova import NovaClient
from heat.engine.clients.session import CloudCredentials, make_session


class Sleeps:
    def __init__(self):
        self.delays = []

    def __call__(self, seconds):
        self.delays.append(seconds)


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def session(localcloud):
    return make_session(CloudCredentials.from_dict(localcloud.credentials()))


@pytest.fixture
def cinder(session, sleeps):
    return CinderClient(session, retry=RetryPolicy(attempts=3, base_delay=0.25, sleep=sleeps))


def poll(check, timeout=5.0):
    """Call `check` until it returns True, as the engine's timers would."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture
def server_id(session):
    nova = NovaClient(session)
    server_id = nova.create_server("db", "F17-x86_64-cfntools", "m1.tiny")
    poll(lambda: nova.is_active(server_id))
    return server_id


def test_create_poll_available_and_delete(localcloud, cinder):
    localcloud.settings.volume_delay = 1.0  # `creating` and `deleting` seen under load
    volume_id = cinder.create_volume(2, name="data", availability_zone="nova")
    assert cinder.volume_status(volume_id) == VolumeStatus(
        volume_id, "data", "creating", 2, "nova", None, ()
    )
    assert cinder.is_available(volume_id) is False
    poll(lambda: cinder.is_available(volume_id))
    assert cinder.volume_status(volume_id).status == "available"
    cinder.delete_volume(volume_id)
    assert cinder.volume_status(volume_id).status == "deleting"
    assert cinder.is_deleted(volume_id) is False
    poll(lambda: cinder.is_deleted(volume_id))
    with pytest.raises(CloudNotFound) as raised:
        cinder.delete_volume(volume_id)
    assert isinstance(raised.value, NotFound)
    assert raised.value.message == f'unknown volume "{volume_id}"'


def test_a_failed_volume(cinder):
    volume_id = cinder.create_volume(1, metadata={"localcloud:fail": "create"})
    with pytest.raises(CloudRequestFailed) as raised:
        poll(lambda: cinder.is_available(volume_id))
    assert raised.value.message == f"Volume {volume_id} went to status error"
    cinder.delete_volume(volume_id)
    poll(lambda: cinder.is_deleted(volume_id))


def test_create_errors_carry_cinders_message(cinder):
    with pytest.raises(CloudRequestFailed) as raised:
        cinder.create_volume(1, availability_zone="mars")
    assert raised.value.message == (
        "Cinder: failed to create volume: Invalid input received: Availability zone 'mars' is "
        "invalid."
    )
    assert raised.value.http_status == 400


def test_attach_detach_through_nova(cinder, server_id):
    volume_id = cinder.create_volume(1)
    poll(lambda: cinder.is_available(volume_id))
    assert cinder.attach_volume(server_id, volume_id) == "/dev/vdb"
    poll(lambda: cinder.is_attached(server_id, volume_id))
    status = cinder.volume_status(volume_id)
    assert (status.status, status.attachments) == ("in-use", (Attachment(server_id, "/dev/vdb"),))

    with pytest.raises(CloudRequestFailed) as raised:
        cinder.delete_volume(volume_id)
    assert raised.value.http_status == 400
    assert raised.value.message.startswith(
        "Cinder: failed to delete volume: Invalid volume: Volume status must be available or error"
    )
    with pytest.raises(CloudRequestFailed) as raised:
        cinder.attach_volume(server_id, volume_id)
    assert raised.value.message.startswith("Nova: failed to attach volume: ")

    cinder.detach_volume(server_id, volume_id)
    poll(lambda: cinder.is_detached(server_id, volume_id))
    assert cinder.volume_status(volume_id).status == "available"
    with pytest.raises(CloudNotFound):
        cinder.detach_volume(server_id, volume_id)
    cinder.delete_volume(volume_id)


def test_attach_an_unknown_volume(cinder, server_id):
    missing = "5f2b3c4d-0000-4000-8000-000000000000"
    with pytest.raises(CloudRequestFailed) as raised:
        cinder.attach_volume(server_id, missing)
    assert raised.value.http_status == 404
    assert raised.value.message == (
        f"Nova: failed to attach volume: Volume {missing} could not be found."
    )


def test_snapshots_and_volumes_from_them(cinder):
    volume_id = cinder.create_volume(3, name="source")
    poll(lambda: cinder.is_available(volume_id))
    snapshot_id = cinder.create_snapshot(volume_id, name="backup")
    assert cinder.snapshot_status(snapshot_id) in (
        SnapshotStatus(snapshot_id, "backup", "creating", volume_id, 3),
        SnapshotStatus(snapshot_id, "backup", "available", volume_id, 3),
    )
    poll(lambda: cinder.is_snapshot_available(snapshot_id))
    with pytest.raises(CloudRequestFailed) as raised:
        cinder.delete_volume(volume_id)
    assert raised.value.http_status == 400

    restored = cinder.create_volume(None, snapshot_id=snapshot_id)
    status = cinder.volume_status(restored)
    assert (status.size, status.snapshot_id) == (3, snapshot_id)
    poll(lambda: cinder.is_available(restored))

    cinder.delete_snapshot(snapshot_id)
    poll(lambda: cinder.is_snapshot_deleted(snapshot_id))
    with pytest.raises(CloudNotFound):
        cinder.delete_snapshot(snapshot_id)
    cinder.delete_volume(volume_id)
    poll(lambda: cinder.is_deleted(volume_id))


def test_a_backup_outlives_its_volume(localcloud, cinder):
    localcloud.settings.volume_delay = 1.0  # long enough to see it `creating` under load
    volume_id = cinder.create_volume(2, name="data")
    poll(lambda: cinder.is_available(volume_id))
    backup_id = cinder.create_backup(volume_id, name="last", description="before deletion")
    assert cinder.backup_status(backup_id) == BackupStatus(
        backup_id, "last", "creating", volume_id, 2, None
    )
    assert cinder.is_backup_available(backup_id) is False
    assert cinder.volume_status(volume_id).status == "backing-up"
    poll(lambda: cinder.is_backup_available(backup_id))

    cinder.delete_volume(volume_id)
    poll(lambda: cinder.is_deleted(volume_id))
    assert cinder.backup_status(backup_id).status == "available"
    cinder.delete_backup(backup_id)
    poll(lambda: cinder.is_backup_deleted(backup_id))
    with pytest.raises(CloudNotFound) as raised:
        cinder.backup_status(backup_id)
    assert raised.value.message == f'unknown backup "{backup_id}"'


def test_a_failed_backup_carries_cinders_reason(cinder):
    volume_id = cinder.create_volume(1, metadata={"localcloud:fail": "backup"})
    poll(lambda: cinder.is_available(volume_id))
    backup_id = cinder.create_backup(volume_id)
    with pytest.raises(CloudRequestFailed) as raised:
        poll(lambda: cinder.is_backup_available(backup_id))
    assert raised.value.message == (
        f"Backup {backup_id} of volume {volume_id} went to status error: failure requested by "
        "volume metadata localcloud:fail=backup"
    )
    with pytest.raises(CloudRequestFailed) as raised:
        cinder.create_backup("0e0c7d5a-0000-4000-8000-000000000000")
    assert (raised.value.http_status, raised.value.message) == (
        404,
        "Cinder: failed to create backup: Volume 0e0c7d5a-0000-4000-8000-000000000000 could not "
        "be found.",
    )


def test_transient_failures_are_retried(localcloud, cinder, sleeps):
    localcloud.inject_fault(r"/volume/v3/[^/]+/volumes$", method="POST", status=503)
    volume_id = cinder.create_volume(1)
    assert sleeps.delays == [0.25]
    localcloud.inject_fault(r"/volume/v3/[^/]+/volumes/", method="GET", status=502, times=3)
    with pytest.raises(CloudRequestFailed) as raised:
        cinder.volume_status(volume_id)
    assert raised.value.http_status == 502
    assert sleeps.delays == [0.25, 0.25, 0.5]


def test_transient_backup_failures_are_retried(localcloud, cinder, sleeps):
    volume_id = cinder.create_volume(1)
    poll(lambda: cinder.is_available(volume_id))
    # A 503 says Cinder did not take the request: repeating even a create is safe.
    localcloud.inject_fault(r"/volume/v3/[^/]+/backups$", method="POST", status=503)
    backup_id = cinder.create_backup(volume_id)
    assert sleeps.delays == [0.25]
    localcloud.inject_fault(r"/volume/v3/[^/]+/backups/", method="GET", status=502, times=2)
    poll(lambda: cinder.is_backup_available(backup_id))
    assert sleeps.delays == [0.25, 0.25, 0.5]
    assert len(list(cinder.conn.block_storage.backups())) == 1
