"""Container servers across a localcloud restart, and images that do not map to the base image."""

from __future__ import annotations

import os
import time

from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from novaclient import client as nova_client

from heat.localcloud import LocalCloud
from heat_tests.localcloud.container.conftest import container_settings, requires_boot

pytestmark = requires_boot


def _nova(cloud):
    session = ks_session.Session(auth=v3.Password(**cloud.credentials()))
    return nova_client.Client("2.1", session=session)


def _wait_event(cloud, server_id: str, event: str, timeout: float = 60.0) -> None:
    root = cloud.app.nova.machines.root(server_id)
    deadline = time.monotonic() + timeout
    while not any(name == event for _, name, _ in root.read_events()):
        assert time.monotonic() < deadline, f"no {event} event from {server_id}"
        time.sleep(0.02)


def test_a_restarted_localcloud_shows_its_servers_shutoff_until_started(base_image, tmp_path):
    state_dir = str(tmp_path / "localcloud")
    cloud = LocalCloud(state_dir, settings=container_settings()).start()
    try:
        nova = _nova(cloud)
        server = nova.servers.create("db", nova.glance.find_image("F17-x86_64-cfntools"), "1")
        _wait_event(cloud, server.id, "finished")
        init = cloud.app.nova.machines.running_boot(server.id).init
    finally:
        cloud.stop()
    # Stopping localcloud shut the server down.
    assert not init.alive()

    cloud = LocalCloud(state_dir, settings=container_settings()).start()
    try:
        nova = _nova(cloud)
        machines = cloud.app.nova.machines
        assert nova.servers.get(server.id).status == "SHUTOFF"
        assert machines.running_boot(server.id) is None
        assert "the server is SHUTOFF (os-start boots it again)" in (
            nova.servers.get(server.id).get_console_output(length=1)
        )

        nova.servers.start(server.id)
        machines.wait_idle(server.id)
        _wait_event(cloud, server.id, "finished")
        assert nova.servers.get(server.id).status == "ACTIVE"
        assert machines.running_boot(server.id) is not None

        nova.servers.delete(server.id)
        machines.wait_idle(server.id)
        assert not os.path.exists(machines.root(server.id).directory)
    finally:
        cloud.stop()


def test_an_image_that_does_not_map_to_the_base_image_fails_the_boot(base_image, tmp_path):
    settings = container_settings()
    settings.container_images = ["F17-*", "F18-*"]
    cloud = LocalCloud(str(tmp_path / "localcloud"), settings=settings).start()
    try:
        nova = _nova(cloud)
        server = nova.servers.create(
            "tiny", nova.glance.find_image("cirros-0.6.2-x86_64-disk"), "1"
        )
        # As in record mode, the failure shows after the boot delay.
        deadline = time.monotonic() + 5
        while nova.servers.get(server.id).status == "BUILD" and time.monotonic() < deadline:
            time.sleep(0.02)
        server = nova.servers.get(server.id)
        assert server.status == "ERROR"
        assert server.fault["message"] == (
            f"Build of instance {server.id} aborted: image cirros-0.6.2-x86_64-disk does not "
            "map to the container base image (localcloud_container_images: F17-*, F18-*)"
        )
        assert not os.path.exists(cloud.app.nova.machines.root(server.id).directory)
    finally:
        cloud.stop()


def test_a_boot_that_fails_before_cloud_init_puts_the_server_in_error(base_image, tmp_path):
    cloud = LocalCloud(str(tmp_path / "localcloud"), settings=container_settings()).start()
    try:
        nova = _nova(cloud)
        # A base image that is not there: the overlay mount fails in the boot script.
        cloud.app.nova.machines.base = str(tmp_path / "no-such-image")
        server = nova.servers.create("broken", nova.glance.find_image("F17-x86_64-cfntools"), "1")
        cloud.app.nova.machines.wait_idle(server.id)
        deadline = time.monotonic() + 10
        while nova.servers.get(server.id).status == "BUILD" and time.monotonic() < deadline:
            time.sleep(0.02)
        server = nova.servers.get(server.id)
        assert server.status == "ERROR"
        assert server.fault["message"].startswith(
            f"Build of instance {server.id} aborted: the server's init did not start (console: "
        )
        assert "mount" in server.fault["message"]
        assert "localcloud: the server's init did not start" in server.get_console_output()
    finally:
        cloud.stop()
