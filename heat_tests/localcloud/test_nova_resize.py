"""localcloud's Nova resize, confirmResize and revertResize: through python-novaclient and
the upstream request samples; statuses, flavors, Nova's refusals and failed resizes."""

from __future__ import annotations

import time

import pytest
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from novaclient import client as nova_client
from novaclient import exceptions as nova_exc

from heat.localcloud import LocalCloud
from heat_tests.localcloud.helpers import call, sample

IMAGE = "F17-x86_64-cfntools"


@pytest.fixture
def nova(localcloud_session):
    return nova_client.Client("2.79", session=localcloud_session)


def novaclient_for(cloud):
    session = ks_session.Session(auth=v3.Password(**cloud.credentials()))
    return nova_client.Client("2.79", session=session)


def boot(nova, flavor="m1.tiny", **kwargs):
    image = nova.glance.find_image(IMAGE)
    flavor = nova.flavors.find(name=flavor)
    server = nova.servers.create("resized", image, flavor, nics="auto", **kwargs)
    return wait(nova, server.id, "ACTIVE")


def wait(nova, server_id, status, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        server = nova.servers.get(server_id)
        if server.status == status:
            return server
        assert time.monotonic() < deadline, f"server is {server.status}, not {status}"
        time.sleep(0.02)


def flavor_name(server) -> str:
    return server.flavor["original_name"]


def task_state(server):
    return getattr(server, "OS-EXT-STS:task_state")


def vm_state(server):
    return getattr(server, "OS-EXT-STS:vm_state")


def test_resize_then_confirm(localcloud, nova):
    server = boot(nova)
    localcloud.settings.boot_delay = 2.0  # long enough to see RESIZE on a loaded machine
    nova.servers.resize(server, nova.flavors.find(name="m1.small"))
    resizing = nova.servers.get(server.id)
    # The old flavor until the server is on its new host.
    assert (resizing.status, task_state(resizing), flavor_name(resizing)) == (
        "RESIZE",
        "resize_migrating",
        "m1.tiny",
    )
    with pytest.raises(nova_exc.Conflict) as refused:
        nova.servers.resize(server, nova.flavors.find(name="m1.medium"))
    assert refused.value.message == (
        f"Cannot 'resize' instance {server.id} while it is in task_state resize_migrating"
    )

    verify = wait(nova, server.id, "VERIFY_RESIZE")
    assert (vm_state(verify), task_state(verify), flavor_name(verify)) == (
        "resized",
        None,
        "m1.small",
    )
    assert [s.id for s in nova.servers.list(search_opts={"flavor": "2"})] == [server.id]
    with pytest.raises(nova_exc.Conflict) as refused:
        nova.servers.reboot(server)
    assert refused.value.message == (
        f"Cannot 'reboot' instance {server.id} while it is in vm_state resized"
    )
    nova.servers.confirm_resize(server)
    confirmed = nova.servers.get(server.id)
    assert (confirmed.id, confirmed.status, vm_state(confirmed)) == (server.id, "ACTIVE", "active")
    assert flavor_name(confirmed) == "m1.small"
    old = nova_client.Client("2.1", session=nova.client.session).servers.get(server.id)
    assert old.flavor["id"] == "2"
    with pytest.raises(nova_exc.Conflict) as refused:
        nova.servers.confirm_resize(server)
    assert refused.value.message == (
        f"Cannot 'confirmResize' instance {server.id} while it is in vm_state active"
    )


def test_revert_goes_back_to_the_old_flavor(localcloud, nova):
    server = boot(nova)
    nova.servers.resize(server, nova.flavors.find(name="m1.small"))
    wait(nova, server.id, "VERIFY_RESIZE")
    localcloud.settings.boot_delay = 2.0
    nova.servers.revert_resize(server)
    reverting = nova.servers.get(server.id)
    assert (reverting.status, task_state(reverting), flavor_name(reverting)) == (
        "REVERT_RESIZE",
        "resize_reverting",
        "m1.tiny",
    )
    # Only a resize waiting in VERIFY_RESIZE can be confirmed (or reverted).
    with pytest.raises(nova_exc.BadRequest) as refused:
        nova.servers.confirm_resize(server)
    assert refused.value.message == "Instance has not been resized."
    reverted = wait(nova, server.id, "ACTIVE")
    assert (reverted.id, flavor_name(reverted)) == (server.id, "m1.tiny")


def test_the_upstream_request_samples(localcloud_session, nova):
    server = boot(nova)
    path = f"/servers/{server.id}/action"
    _, body = sample("servers/server-action-resize.json")
    assert body["resize"]["flavorRef"] == "2"
    resize = call(localcloud_session, "compute", "POST", path, "2.79", body)
    assert (resize.status_code, resize.text) == (202, "")
    assert nova.servers.get(server.id).to_dict()["OS-DCF:diskConfig"] == "AUTO"
    wait(nova, server.id, "VERIFY_RESIZE")
    _, body = sample("servers/server-action-revert-resize.json")
    assert call(localcloud_session, "compute", "POST", path, "2.79", body).status_code == 202
    wait(nova, server.id, "ACTIVE")

    call(localcloud_session, "compute", "POST", path, "2.79", {"resize": {"flavorRef": "3"}})
    wait(nova, server.id, "VERIFY_RESIZE")
    _, body = sample("servers/server-action-confirm-resize.json")
    confirm = call(localcloud_session, "compute", "POST", path, "2.79", body)
    assert confirm.status_code == 204
    assert flavor_name(nova.servers.get(server.id)) == "m1.medium"


@pytest.mark.parametrize(
    "body, message",
    [
        ({"resize": {}}, "Invalid input for field/attribute resize. Value: {}. 'flavorRef' is a "
         "required property"),
        ({"resize": {"flavorRef": "1"}}, "Resize requires a flavor change."),
        ({"resize": {"flavorRef": "42"}}, "Unable to locate requested flavor."),
        ({"resize": {"flavorRef": "2", "OS-DCF:diskConfig": "SOME"}},
         "Invalid input for field/attribute OS-DCF:diskConfig. Value: SOME. 'SOME' is not one "
         "of ['AUTO', 'MANUAL']"),
        ({"confirmResize": None}, "Cannot 'confirmResize' instance {id} while it is in "
         "vm_state active"),
        ({"revertResize": None}, "Cannot 'revertResize' instance {id} while it is in "
         "vm_state active"),
    ],
)  # fmt: skip
def test_refusals(localcloud_session, nova, body, message):
    server = boot(nova)
    answer = call(
        localcloud_session, "compute", "POST", f"/servers/{server.id}/action", "2.1", body
    )
    ((name, fault),) = answer.json().items()
    status = 409 if "Cannot" in message else 400
    assert (answer.status_code, name, fault["message"]) == (
        status,
        "conflictingRequest" if status == 409 else "badRequest",
        message.replace("{id}", server.id),
    )


def test_a_resize_can_be_told_to_fail(nova):
    server = boot(nova, meta={"localcloud:fail": "resize"})
    nova.servers.resize(server, nova.flavors.find(name="m1.small"))
    failed = wait(nova, server.id, "ERROR")
    assert failed.fault["message"] == (
        "Resize error: failure requested by server metadata localcloud:fail=resize"
    )
    assert flavor_name(failed) == "m1.tiny"


def test_shrinking_a_disk_is_rolled_back(localcloud, nova):
    # libvirt cannot make a disk smaller: Nova puts the server back as it was.
    server = boot(nova, flavor="m1.small")
    localcloud.settings.boot_delay = 2.0
    nova.servers.resize(server, nova.flavors.find(name="m1.tiny"))
    assert nova.servers.get(server.id).status == "RESIZE"
    back = wait(nova, server.id, "ACTIVE")
    assert (flavor_name(back), task_state(back), getattr(back, "fault", None)) == (
        "m1.small",
        None,
        None,
    )


def test_a_stopped_server_stays_stopped(nova):
    server = boot(nova)
    nova.servers.stop(server)
    wait(nova, server.id, "SHUTOFF")
    nova.servers.resize(server, nova.flavors.find(name="m1.small"))
    verify = wait(nova, server.id, "VERIFY_RESIZE")
    assert getattr(verify, "OS-EXT-STS:power_state") == 4
    nova.servers.confirm_resize(server)
    stopped = nova.servers.get(server.id)
    assert (stopped.status, flavor_name(stopped)) == ("SHUTOFF", "m1.small")


def test_a_pending_resize_survives_a_restart(tmp_path):
    state = str(tmp_path / "state")
    with LocalCloud(state, boot_delay=0) as cloud:
        nova = novaclient_for(cloud)
        server = boot(nova)
        nova.servers.resize(server, nova.flavors.find(name="m1.small"))
        wait(nova, server.id, "VERIFY_RESIZE")
    with LocalCloud(state, boot_delay=0) as cloud:
        nova = novaclient_for(cloud)
        assert flavor_name(wait(nova, server.id, "VERIFY_RESIZE")) == "m1.small"
        nova.servers.confirm_resize(server)
        assert flavor_name(wait(nova, server.id, "ACTIVE")) == "m1.small"
