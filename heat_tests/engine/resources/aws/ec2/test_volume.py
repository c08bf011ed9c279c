# ruff: noqa: F811 - tests take the imported fixtures as arguments
"""AWS::EC2::Volume and AWS::EC2::VolumeAttachment through the engine on localcloud (Cinder
over HTTP, attachments through Nova)."""

import re
import time

import pytest

from heat.common.exception import TemplateError
from heat_tests.engine.resources.aws.ec2.cloud import (  # noqa: F401 - conn is a fixture
    backups,
    conn,
    instance,
    outputs,
    resources,
    snapshots,
    template,
    volumes,
)
from heat_tests.engine.resources.localcloud_engine import (  # noqa: F401 - fixtures
    cloud_engine,
    create,
    delete,
    events,
    localcloud,
    nova,
)


def volume(**props):
    return {"Type": "AWS::EC2::Volume", "Properties": {"AvailabilityZone": "nova", **props}}


def attachment(**props):
    return {"Type": "AWS::EC2::VolumeAttachment", "Properties": props}


REF = {"Ref": {"Value": {"Ref": "Data"}}}


def test_a_volume_is_created_available_and_deleted(cloud_engine, ctx, conn):
    tags = [{"Key": "Usage", "Value": "data"}, {"Key": "tier", "Value": "1"}]
    stack = create(cloud_engine, ctx, "vol", template({"Data": volume(Size=2, Tags=tags)}, REF))
    assert (stack["stack_status"], stack["stack_status_reason"]) == (
        "CREATE_COMPLETE",
        "Stack CREATE completed successfully",
    )
    (found,) = volumes(conn)
    assert re.fullmatch(r"vol-Data-[a-z0-9]{8}", found.name)
    assert (found.status, found.size, found.availability_zone) == ("available", 2, "nova")
    assert found.metadata == {"Usage": "data", "tier": "1"}
    assert outputs(stack) == {"Ref": found.id}
    assert resources(cloud_engine, ctx, "vol") == {"Data": ("CREATE_COMPLETE", found.id)}

    assert delete(cloud_engine, ctx, stack["id"]) == ("DELETE", "COMPLETE")
    assert volumes(conn) == []


def test_a_volume_from_a_snapshot_takes_its_size(cloud_engine, ctx, conn):
    source = conn.block_storage.create_volume(size=3, name="source")
    conn.block_storage.wait_for_status(source, "available", wait=10, interval=0.05)
    snapshot = conn.block_storage.create_snapshot(volume_id=source.id, name="snap")
    conn.block_storage.wait_for_status(snapshot, "available", wait=10, interval=0.05)
    stack = create(
        cloud_engine, ctx, "copy", template({"Data": volume(SnapshotId=snapshot.id)}, REF)
    )
    assert stack["stack_status"] == "CREATE_COMPLETE"
    copy = conn.block_storage.get_volume(outputs(stack)["Ref"])
    assert (copy.size, copy.snapshot_id, copy.status) == (3, snapshot.id, "available")

    assert delete(cloud_engine, ctx, stack["id"]) == ("DELETE", "COMPLETE")
    assert [v.id for v in volumes(conn)] == [source.id]


def test_a_volume_failing_in_cinder_fails_the_stack_and_rolls_back(cloud_engine, ctx, conn):
    fail = [{"Key": "localcloud:fail", "Value": "create"}]
    stack = create(cloud_engine, ctx, "bad", template({"Data": volume(Size=1, Tags=fail)}))
    assert stack["stack_status"] == "ROLLBACK_COMPLETE"
    (volume_id,) = {
        e["physical_resource_id"]
        for e in cloud_engine.list_events(ctx, stack["id"], resource_name="Data")
        if e["physical_resource_id"]
    }
    reason = f"CREATE failed: Volume {volume_id} went to status error"
    assert events(cloud_engine, ctx, stack["id"]) == [
        ("bad", "CREATE", "IN_PROGRESS", "Stack CREATE started"),
        ("Data", "CREATE", "IN_PROGRESS", "state changed"),
        ("Data", "CREATE", "FAILED", reason),
        ("bad", "CREATE", "FAILED", f"Resource Data: {reason}"),
        ("bad", "ROLLBACK", "IN_PROGRESS", "Rollback started"),
        ("Data", "DELETE", "IN_PROGRESS", "state changed"),
        ("Data", "DELETE", "COMPLETE", "state changed"),
        ("bad", "ROLLBACK", "COMPLETE", "Stack ROLLBACK completed successfully"),
    ]
    assert volumes(conn) == []


def test_a_volume_needs_a_size_or_a_snapshot(cloud_engine, ctx, conn):
    stack = create(cloud_engine, ctx, "nosize", template({"Data": volume()}))
    assert stack["stack_status"] == "ROLLBACK_COMPLETE"
    failed = [e[3] for e in events(cloud_engine, ctx, stack["id"]) if e[2] == "FAILED"]
    assert failed[0] == "CREATE failed: Resources.Data.Properties: give Size, SnapshotId or both"
    assert volumes(conn) == []


def test_a_new_size_replaces_the_volume(cloud_engine, ctx, conn):
    stack = create(cloud_engine, ctx, "grow", template({"Data": volume(Size=1)}, REF))
    old = outputs(stack)["Ref"]
    cloud_engine.update_stack(ctx, "grow", template({"Data": volume(Size=2)}, REF))
    assert cloud_engine.wait(stack["id"], 30)
    updated = cloud_engine.show_stack(ctx, "grow")
    assert updated["stack_status"] == "UPDATE_COMPLETE"
    (found,) = volumes(conn)
    assert (found.size, found.status) == (2, "available")
    assert outputs(updated) == {"Ref": found.id}
    assert found.id != old

    assert delete(cloud_engine, ctx, stack["id"]) == ("DELETE", "COMPLETE")
    assert volumes(conn) == []


def test_deletion_policy_snapshot_backs_the_volume_up_then_deletes_it(cloud_engine, ctx, conn):
    data = {**volume(Size=2), "DeletionPolicy": "Snapshot"}
    stack = create(cloud_engine, ctx, "keep", template({"Data": data}, REF))
    volume_id = outputs(stack)["Ref"]

    assert delete(cloud_engine, ctx, stack["id"]) == ("DELETE", "COMPLETE")
    # As in EC2, the volume is gone and its data is kept: in a backup, which (unlike a
    # Cinder snapshot) does not keep its volume alive.
    assert volumes(conn) == []
    assert snapshots(conn) == []
    (backup,) = backups(conn)
    assert (backup.volume_id, backup.status, backup.size) == (volume_id, "available", 2)
    assert re.fullmatch(r"keep-Data-[a-z0-9]{8}", backup.name)
    assert backup.description == "DeletionPolicy Snapshot of Data"
    assert events(cloud_engine, ctx, stack["id"])[-4:] == [
        ("keep", "DELETE", "IN_PROGRESS", "Stack DELETE started"),
        ("Data", "DELETE", "IN_PROGRESS", "state changed"),
        ("Data", "DELETE", "COMPLETE", f"volume {volume_id} backed up to backup {backup.id}, "
         "then deleted"),
        ("keep", "DELETE", "COMPLETE", "Stack DELETE completed successfully"),
    ]  # fmt: skip


def test_the_backup_id_is_stored_while_the_backup_is_made(cloud_engine, ctx, conn, localcloud):
    data = {**volume(Size=1), "DeletionPolicy": "Snapshot"}
    stack = create(cloud_engine, ctx, "slow", template({"Data": data}))
    localcloud.settings.volume_delay = 2.0  # the backup is still `creating` when looked at
    cloud_engine.delete_stack(ctx, stack["id"])
    # An engine that dies now leaves the backup's id where the next attempt finds it.
    deadline = time.monotonic() + 10
    while True:
        row = cloud_engine.db.resources.get_by_name(stack["id"], "Data")
        if row["data"] and "backup_id" in row["data"]:
            break
        assert time.monotonic() < deadline, row
        time.sleep(0.01)
    assert (row["action"], row["status"]) == ("DELETE", "IN_PROGRESS")
    (backup,) = backups(conn)
    assert (backup.id, backup.status) == (row["data"]["backup_id"], "creating")
    assert cloud_engine.wait(stack["id"], 30)
    assert volumes(conn) == []


def test_a_failing_backup_fails_the_delete_and_keeps_the_volume(cloud_engine, ctx, conn):
    fail = [{"Key": "localcloud:fail", "Value": "backup"}]
    data = {**volume(Size=1, Tags=fail), "DeletionPolicy": "Snapshot"}
    stack = create(cloud_engine, ctx, "bad", template({"Data": data}, REF))
    volume_id = outputs(stack)["Ref"]

    assert delete(cloud_engine, ctx, stack["id"]) == ("DELETE", "FAILED")
    (failed,) = backups(conn)
    assert (failed.volume_id, failed.status) == (volume_id, "error")
    reason = (
        f"DELETE failed: Backup {failed.id} of volume {volume_id} went to status error: failure "
        "requested by volume metadata localcloud:fail=backup"
    )
    assert events(cloud_engine, ctx, stack["id"])[-2:] == [
        ("Data", "DELETE", "FAILED", reason),
        ("bad", "DELETE", "FAILED", f"Resource Data: {reason}"),
    ]
    assert [(v.id, v.status) for v in volumes(conn)] == [(volume_id, "available")]
    row = cloud_engine.db.resources.get_by_name(stack["id"], "Data")
    assert (row["status"], row["data"]) == ("FAILED", {"backup_id": failed.id})

    # Once the cause is gone, deleting again takes a new backup and deletes the volume.
    conn.block_storage.put(f"/volumes/{volume_id}", json={"volume": {"metadata": {}}})
    assert delete(cloud_engine, ctx, stack["id"]) == ("DELETE", "COMPLETE")
    assert volumes(conn) == []
    kept = {b.id: b.status for b in backups(conn)}
    (new_id,) = set(kept) - {failed.id}
    assert kept == {failed.id: "error", new_id: "available"}
    assert events(cloud_engine, ctx, stack["id"])[-2] == (
        "Data",
        "DELETE",
        "COMPLETE",
        f"volume {volume_id} backed up to backup {new_id}, then deleted",
    )


def test_a_volume_in_error_is_deleted_without_a_backup(cloud_engine, ctx, conn):
    fail = [{"Key": "localcloud:fail", "Value": "create"}]
    data = {**volume(Size=1, Tags=fail), "DeletionPolicy": "Snapshot"}
    stack = create(cloud_engine, ctx, "err", template({"Data": data}), disable_rollback=True)
    assert stack["stack_status"] == "CREATE_FAILED"
    (volume_id,) = [v.id for v in volumes(conn)]

    assert delete(cloud_engine, ctx, stack["id"]) == ("DELETE", "COMPLETE")
    assert (volumes(conn), backups(conn)) == ([], [])
    warning = (
        f"Warning: volume {volume_id} is in status error: nothing to back up, deleting it "
        "without a backup"
    )
    assert events(cloud_engine, ctx, stack["id"])[-3:-1] == [
        ("Data", "DELETE", "IN_PROGRESS", warning),
        ("Data", "DELETE", "COMPLETE", "state changed"),
    ]


def test_an_attachment_attaches_through_nova_and_detaches_on_delete(cloud_engine, ctx, conn, nova):
    resources_ = {
        "Server": instance(),
        "Data": volume(Size=1, AvailabilityZone={"Fn::GetAtt": ["Server", "AvailabilityZone"]}),
        "Mount": attachment(
            InstanceId={"Ref": "Server"}, VolumeId={"Ref": "Data"}, Device="/dev/vdc"
        ),
    }
    stack = create(cloud_engine, ctx, "att", template(resources_, REF))
    assert stack["stack_status"] == "CREATE_COMPLETE"
    (server,) = nova.servers.list()
    volume_id = outputs(stack)["Ref"]
    found = conn.block_storage.get_volume(volume_id)
    assert found.status == "in-use"
    assert [(a["server_id"], a["device"]) for a in found.attachments] == [(server.id, "/dev/vdc")]
    (mounted,) = nova.volumes.get_server_volumes(server.id)
    assert (mounted.volumeId, mounted.device) == (volume_id, "/dev/vdc")
    assert resources(cloud_engine, ctx, "att")["Mount"] == ("CREATE_COMPLETE", volume_id)

    # Dropping the attachment detaches the volume and leaves it available.
    del resources_["Mount"]
    cloud_engine.update_stack(ctx, "att", template(resources_, REF))
    assert cloud_engine.wait(stack["id"], 30)
    assert cloud_engine.show_stack(ctx, "att")["stack_status"] == "UPDATE_COMPLETE"
    detached = conn.block_storage.get_volume(volume_id)
    assert (detached.status, detached.attachments) == ("available", [])
    assert nova.volumes.get_server_volumes(server.id) == []

    assert delete(cloud_engine, ctx, stack["id"]) == ("DELETE", "COMPLETE")
    assert volumes(conn) == []
    assert nova.servers.list() == []


def test_deleting_a_stack_with_an_attachment_leaves_nothing(cloud_engine, ctx, conn, nova):
    resources_ = {
        "Server": instance(),
        "Data": volume(Size=1),
        "Mount": attachment(
            InstanceId={"Ref": "Server"}, VolumeId={"Ref": "Data"}, Device="/dev/vdb"
        ),
    }
    stack = create(cloud_engine, ctx, "att", template(resources_))
    assert stack["stack_status"] == "CREATE_COMPLETE"
    assert [v.status for v in volumes(conn)] == ["in-use"]

    assert delete(cloud_engine, ctx, stack["id"]) == ("DELETE", "COMPLETE")
    deleting = [e[:3] for e in events(cloud_engine, ctx, stack["id"])][8:]
    # The attachment goes first; the volume and the server, independent, then go together.
    assert deleting[:3] == [
        ("att", "DELETE", "IN_PROGRESS"),
        ("Mount", "DELETE", "IN_PROGRESS"),
        ("Mount", "DELETE", "COMPLETE"),
    ]
    assert sorted(deleting[3:7]) == [
        ("Data", "DELETE", "COMPLETE"),
        ("Data", "DELETE", "IN_PROGRESS"),
        ("Server", "DELETE", "COMPLETE"),
        ("Server", "DELETE", "IN_PROGRESS"),
    ]
    assert deleting[7:] == [("att", "DELETE", "COMPLETE")]
    assert volumes(conn) == []
    assert nova.servers.list() == []


def test_an_unknown_server_is_a_finding_and_nothing_is_created(cloud_engine, ctx, conn):
    resources_ = {
        "Data": volume(Size=1),
        "Mount": attachment(InstanceId="nope", VolumeId={"Ref": "Data"}, Device="/dev/vdb"),
    }
    with pytest.raises(TemplateError) as caught:
        cloud_engine.create_stack(ctx, "lost", template(resources_))
    assert [str(f) for f in caught.value.findings] == [
        'Resources.Mount.Properties.InstanceId: server "nope" does not exist (line 1:214)'
    ]
    assert cloud_engine.list_stacks(ctx) == []
    assert volumes(conn) == []


def test_an_attachment_moves_to_another_server_in_place(cloud_engine, ctx, conn, nova):
    def text(server, device):
        return template(
            {
                "One": instance(),
                "Two": instance(),
                "Data": volume(Size=1),
                "Mount": attachment(
                    InstanceId={"Ref": server}, VolumeId={"Ref": "Data"}, Device=device
                ),
            },
            REF,
        )

    stack = create(cloud_engine, ctx, "move", text("One", "/dev/vdb"))
    assert stack["stack_status"] == "CREATE_COMPLETE"
    servers = {s.metadata["heat:resource_name"]: s for s in nova.servers.list()}
    volume_id = outputs(stack)["Ref"]

    cloud_engine.update_stack(ctx, "move", text("Two", "/dev/vdd"))
    assert cloud_engine.wait(stack["id"], 30)
    assert cloud_engine.show_stack(ctx, "move")["stack_status"] == "UPDATE_COMPLETE"
    moved = conn.block_storage.get_volume(volume_id)
    assert moved.status == "in-use"
    assert [(a["server_id"], a["device"]) for a in moved.attachments] == [
        (servers["Two"].id, "/dev/vdd")
    ]
    assert nova.volumes.get_server_volumes(servers["One"].id) == []
    assert [e[:3] for e in events(cloud_engine, ctx, stack["id"]) if e[0] == "Mount"][-2:] == [
        ("Mount", "UPDATE", "IN_PROGRESS"),
        ("Mount", "UPDATE", "COMPLETE"),
    ]

    assert delete(cloud_engine, ctx, stack["id"]) == ("DELETE", "COMPLETE")
    assert volumes(conn) == []
    assert nova.servers.list() == []
