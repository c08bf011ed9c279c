"""Servers that really boot: python-novaclient against localcloud in container mode.

Each server's user data is what Heat builds (heat.engine.userdata.build_userdata) around a
UserData script; Debian's cloud-init runs it in the server's own namespaces over a
copy-on-write root of the cached base image. The module boots its servers once, in
parallel, then reads what they did; the last tests delete them and compare the host with
how it was before.
"""

from __future__ import annotations

import base64
import json
import os
import stat
import time

import pytest
from novaclient import exceptions as nova_exceptions

from heat.engine.userdata import UserdataSettings, build_userdata
from heat.localcloud.container import runner
from heat_tests.fixtures.host_state import host_state, mount_count
from heat_tests.localcloud.container.conftest import requires_boot

pytestmark = requires_boot

IMAGE = "F17-x86_64-cfntools"
SETTINGS = UserdataSettings(
    metadata_server_url="http://127.0.0.1:8000",
    waitcondition_server_url="http://127.0.0.1:8000/v1/waitcondition",
    watch_server_url="http://127.0.0.1:8003",
)
GOOD_SCRIPT = """\
#!/bin/bash
set -eu
printf 'hello from %s\\n' "$(hostname)" > /etc/userdata-written
chmod 0640 /etc/userdata-written
id -un > /root/userdata-ran-as
curl --version | head -n 1 > /root/curl-version
"""
FAILING_SCRIPT = """\
#!/bin/bash
echo "configuring the database"
echo "no database to configure" >&2
exit 3
"""
STAGE_BANNERS = ["init-local", "init", "modules:config", "modules:final"]


def _user_data(script: str) -> str:
    encoded = base64.b64encode(script.encode()).decode()
    return build_userdata(SETTINGS, encoded, None).mime


def _events(cloud, server_id: str) -> list[tuple[float, str, list[str]]]:
    return cloud.app.nova.machines.root(server_id).read_events()


def _wait_finished(nova, cloud, server_ids: list[str], timeout: float = 90.0) -> dict:
    """Poll until cloud-init finished on every server; the statuses each one went through."""
    seen = {server_id: [] for server_id in server_ids}
    deadline = time.monotonic() + timeout
    pending = set(server_ids)
    while pending:
        assert time.monotonic() < deadline, f"cloud-init did not finish on {sorted(pending)}"
        for server_id in list(pending):
            status = nova.servers.get(server_id).status
            if not seen[server_id] or seen[server_id][-1] != status:
                seen[server_id].append(status)
            if any(name == "finished" for _, name, _ in _events(cloud, server_id)):
                pending.discard(server_id)
        time.sleep(0.02)
    return seen


@pytest.fixture(scope="module")
def booted(container_cloud, nova):
    """Two servers booted in parallel: `good` (its UserData succeeds) and `bad` (fails)."""
    image = nova.glance.find_image(IMAGE)
    flavor = nova.flavors.find(name="m1.tiny")
    before = host_state("localcloud-")
    mounts_before = mount_count()
    good = nova.servers.create("web-one", image, flavor, userdata=_user_data(GOOD_SCRIPT))
    bad = nova.servers.create("web-two", image, flavor, userdata=_user_data(FAILING_SCRIPT))
    statuses = _wait_finished(nova, container_cloud, [good.id, bad.id])
    return {
        "good": good.id,
        "bad": bad.id,
        "statuses": statuses,
        "host before": before,
        "mounts before": mounts_before,
    }


def _guest(cloud, server_id: str):
    return cloud.app.nova.machines.root(server_id)


def test_server_is_build_until_cloud_init_starts_then_active(booted, container_cloud, nova):
    assert booted["statuses"][booted["good"]] == ["BUILD", "ACTIVE"]
    events = _events(container_cloud, booted["good"])
    assert [name for _, name, _ in events] == [
        "boot",
        *["stage", "stage-exit"] * 4,
        "finished",
    ]
    server = nova.servers.get(booted["good"])
    assert server.status == "ACTIVE"
    assert getattr(server, "OS-EXT-STS:power_state") == 1


def test_user_data_wrote_its_file_in_the_servers_root(booted, container_cloud):
    guest = _guest(container_cloud, booted["good"])
    path = guest.guest_path("/etc/userdata-written")

    # Written in the server's upper layer, under the server's own hostname.
    assert path == os.path.join(guest.upper, "etc/userdata-written")
    with open(path) as stream:
        assert stream.read() == "hello from web-one\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    with open(guest.guest_path("/root/userdata-ran-as")) as stream:
        assert stream.read() == "root\n"
    with open(guest.guest_path("/root/curl-version")) as stream:
        assert stream.read().startswith("curl ")
    # Heat's guest files did their part: the provision log and the finished marker.
    assert guest.guest_path("/var/lib/heat-cfntools/provision-finished") is not None
    assert not os.path.exists("/etc/userdata-written")
    # heat-cfntools where templates call them.
    assert os.readlink(guest.guest_path("/opt/aws/bin/cfn-init")) == "/usr/bin/cfn-init"


def test_cloud_init_ran_every_stage_without_errors(booted, container_cloud):
    guest = _guest(container_cloud, booted["good"])
    with open(guest.guest_path("/var/lib/cloud/data/result.json")) as stream:
        result = json.load(stream)["v1"]
    with open(guest.guest_path("/var/lib/cloud/data/status.json")) as stream:
        status = json.load(stream)["v1"]

    assert result["errors"] == []
    assert result["datasource"].startswith("DataSourceNoCloud [seed=/var/lib/cloud/seed/nocloud]")
    for stage in ["init-local", "init", "modules-config", "modules-final"]:
        assert status[stage]["errors"] == [], stage
    assert os.readlink(guest.guest_path("/var/lib/cloud/instance")) == (
        f"/var/lib/cloud/instances/{booted['good']}"
    )
    # cloud-init created Heat's instance user from Heat's cloud-config.
    with open(guest.guest_path("/etc/passwd")) as stream:
        assert any(line.startswith("ec2-user:") for line in stream)


def test_console_output_shows_cloud_init_stages(booted, nova):
    output = nova.servers.get(booted["good"]).get_console_output()

    for banner in STAGE_BANNERS:
        assert f"running '{banner}'" in output, banner
    assert "heat-provision: Provision began" in output
    assert "heat-provision: Provision done" in output
    assert output.rstrip().endswith("localcloud: cloud-init finished")
    # Nova's `length`: the last lines only.
    assert nova.servers.get(booted["good"]).get_console_output(length=1) == (
        "localcloud: cloud-init finished"
    )


def test_failing_user_data_leaves_the_server_active_and_says_why(booted, container_cloud, nova):
    server = nova.servers.get(booted["bad"])
    output = server.get_console_output()

    assert server.status == "ACTIVE"
    assert booted["statuses"][booted["bad"]] == ["BUILD", "ACTIVE"]
    assert "heat-provision: Provision failed with exit code 3" in output
    assert "Failed to run module scripts-user" in output
    assert "localcloud: cloud-init modules --mode final exited with status 1" in output
    assert "localcloud: cloud-init finished with errors in modules-final" in output
    guest = _guest(container_cloud, booted["bad"])
    with open(guest.guest_path("/var/log/heat-provision.log")) as stream:
        log = stream.read()
    assert "no database to configure" in log


def test_stop_start_and_reboot_act_on_the_processes(booted, container_cloud, nova):
    machines = container_cloud.app.nova.machines
    server_id = booted["bad"]
    first = machines.running_boot(server_id).init

    nova.servers.stop(server_id)
    machines.wait_idle(server_id)
    assert nova.servers.get(server_id).status == "SHUTOFF"
    assert machines.running_boot(server_id) is None
    assert not first.alive()

    nova.servers.start(server_id)
    machines.wait_idle(server_id)
    _wait_finished(nova, container_cloud, [server_id])
    assert nova.servers.get(server_id).status == "ACTIVE"
    second = machines.running_boot(server_id).init
    assert second.pid != first.pid

    nova.servers.reboot(server_id, reboot_type="HARD")
    machines.wait_idle(server_id)
    _wait_finished(nova, container_cloud, [server_id])
    third = machines.running_boot(server_id).init
    assert not second.alive() and third.alive()
    output = nova.servers.get(server_id).get_console_output()
    assert "localcloud: server stopped (stop)" in output
    assert "localcloud: server stopped (hard reboot)" in output
    # A new boot of the same instance: cloud-init runs its stages again.
    assert output.count("localcloud: running cloud-init init --local") == 3


def test_a_resize_restarts_the_guest_on_its_new_flavor(booted, container_cloud, nova):
    machines = container_cloud.app.nova.machines
    server_id = booted["bad"]
    before = machines.running_boot(server_id).init
    nova.servers.resize(server_id, nova.flavors.find(name="m1.small"))
    machines.wait_idle(server_id)
    after = machines.running_boot(server_id).init
    assert not before.alive() and after.alive()
    deadline = time.monotonic() + 10
    while nova.servers.get(server_id).status != "VERIFY_RESIZE":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    nova.servers.confirm_resize(server_id)
    server = nova.servers.get(server_id)
    assert (server.status, server.flavor["id"]) == ("ACTIVE", "2")
    assert machines.running_boot(server_id).init.pid == after.pid


def test_delete_leaves_no_process_mount_or_directory(booted, container_cloud, nova):
    machines = container_cloud.app.nova.machines
    for server_id in (booted["good"], booted["bad"]):
        boot = machines.running_boot(server_id)
        pids = runner.processes_in_namespace_of(boot.init)
        assert boot.init.pid in pids
        directory = machines.root(server_id).directory

        nova.servers.delete(server_id)
        machines.wait_idle(server_id)

        assert [pid for pid in pids if os.path.exists(f"/proc/{pid}")] == []
        assert not os.path.exists(directory)
        with pytest.raises(nova_exceptions.NotFound):
            nova.servers.get(server_id)


def test_the_host_is_untouched(booted):
    after = host_state("localcloud-")

    assert after == booted["host before"]
    assert after["marked mounts"] == []
    assert mount_count() == booted["mounts before"]
    assert after["kernel hostname"] not in ("web-one\n", "web-two\n")
