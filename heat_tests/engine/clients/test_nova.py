"""NovaClient against a real localcloud over HTTP: python-novaclient, no mocks."""

from __future__ import annotations

import base64
import time

import pytest

from heat.common.exception import CloudError, InvalidInput, NotFound
from heat.engine.clients.errors import AmbiguousName, CloudNotFound, CloudRequestFailed, RetryPolicy
from heat.engine.clients.nova import NovaClient
from heat.engine.clients.session import CloudCredentials, make_session


class Sleeps:
    """A RetryPolicy sleep that records the delays instead of waiting them out."""

    def __init__(self):
        self.delays = []

    def __call__(self, seconds):
        self.delays.append(seconds)


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def nova(localcloud, sleeps):
    session = make_session(CloudCredentials.from_dict(localcloud.credentials()))
    return NovaClient(session, retry=RetryPolicy(attempts=3, base_delay=0.25, sleep=sleeps))


def poll(check, timeout=5.0):
    """Call `check` until it returns True, as the engine's timers would."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_negotiates_the_servers_maximum_microversion(nova):
    assert nova.api_version == "2.79"


def test_create_poll_active_and_delete(localcloud, nova):
    # Long enough that a loaded machine still sees the server building on its first look.
    localcloud.settings.boot_delay = 1.5
    nova.session.post(
        "/v2.0/security-groups",
        json={"security_group": {"name": "web"}},
        endpoint_filter={"service_type": "network"},
    )
    server_id = nova.create_server(
        "web",
        "F17-x86_64-cfntools",
        "m1.small",
        user_data="#!/bin/sh\necho hello\n",
        metadata={"role": "web"},
        security_groups=["default", "web"],
    )
    first = nova.server_status(server_id)
    assert (first.status, first.task_state, first.fault) == ("BUILD", "spawning", None)
    assert nova.is_active(server_id) is False
    poll(lambda: nova.is_active(server_id))
    status = nova.server_status(server_id)
    assert status.status == "ACTIVE"
    assert status.addresses == {"private": ["10.0.0.3"]}
    assert status.first_address == "10.0.0.3"
    assert status.metadata == {"role": "web"}
    server = nova.client.servers.get(server_id)
    user_data = getattr(server, "OS-EXT-SRV-ATTR:user_data")
    assert base64.b64decode(user_data) == b"#!/bin/sh\necho hello\n"
    assert server.security_groups == [{"name": "default"}, {"name": "web"}]
    assert server.flavor["original_name"] == "m1.small"

    nova.delete_server(server_id)
    assert nova.is_deleted(server_id) is True
    with pytest.raises(CloudNotFound) as raised:
        nova.delete_server(server_id)
    assert isinstance(raised.value, NotFound)
    assert raised.value.message == f'unknown server "{server_id}"'


def test_boot_failure_surfaces_novas_fault(nova):
    server_id = nova.create_server(
        "doomed", "F17-x86_64-cfntools", "m1.tiny", metadata={"localcloud:fail": "boot"}
    )
    with pytest.raises(CloudRequestFailed) as raised:
        poll(lambda: nova.is_active(server_id))
    assert raised.value.message == (
        f"Server doomed ({server_id}) went to ERROR: Build of instance {server_id} aborted: "
        "failure requested by server metadata localcloud:fail=boot"
    )
    assert isinstance(raised.value, CloudError)


def test_image_marked_as_failing_fails_the_boot(nova):
    server_id = nova.create_server("doomed", "localcloud-fail-boot", "m1.tiny")
    with pytest.raises(CloudRequestFailed) as raised:
        poll(lambda: nova.is_active(server_id))
    assert raised.value.message.endswith(
        "failure requested by image localcloud-fail-boot property localcloud:fail=boot"
    )


def test_delete_failure_is_reported(nova):
    server_id = nova.create_server(
        "sticky", "F17-x86_64-cfntools", "m1.tiny", metadata={"localcloud:fail": "delete"}
    )
    poll(lambda: nova.is_active(server_id))
    nova.delete_server(server_id)
    with pytest.raises(CloudRequestFailed) as raised:
        nova.is_deleted(server_id)
    assert raised.value.message == (
        f"Server sticky ({server_id}) could not be deleted and is ERROR: Failed to delete "
        f"instance {server_id}: failure requested by server metadata localcloud:fail=delete"
    )
    # Clearing the request lets the next delete succeed.
    nova.delete_metadata(server_id, ["localcloud:fail", "not-set"])
    nova.delete_server(server_id)
    assert nova.is_deleted(server_id) is True


def test_update_name_and_metadata(nova):
    server_id = nova.create_server("a", "F17-x86_64-cfntools", "m1.tiny", metadata={"k": "v"})
    nova.rename_server(server_id, "b")
    nova.set_metadata(server_id, {"x": "1", "k": "w"})
    status = nova.server_status(server_id)
    assert (status.name, status.metadata) == ("b", {"k": "w", "x": "1"})
    nova.delete_metadata(server_id, ["k"])
    assert nova.server_status(server_id).metadata == {"x": "1"}


def test_resize_confirm_and_revert(nova):
    server_id = nova.create_server("grow", "F17-x86_64-cfntools", "m1.tiny")
    poll(lambda: nova.is_active(server_id))
    assert nova.server_status(server_id).flavor == "m1.tiny"
    nova.resize_server(server_id, "2")
    poll(lambda: nova.server_status(server_id).status == "VERIFY_RESIZE")
    assert nova.server_status(server_id).flavor == "m1.small"
    nova.confirm_resize(server_id)
    status = nova.server_status(server_id)
    assert (status.id, status.status, status.flavor) == (server_id, "ACTIVE", "m1.small")

    nova.resize_server(server_id, "3")
    poll(lambda: nova.server_status(server_id).status == "VERIFY_RESIZE")
    nova.revert_resize(server_id)
    poll(lambda: nova.server_status(server_id).status == "ACTIVE")
    assert nova.server_status(server_id).flavor == "m1.small"

    with pytest.raises(CloudRequestFailed) as raised:
        nova.resize_server(server_id, "2")
    assert (raised.value.http_status, raised.value.message) == (
        400,
        "Nova: failed to resize server: Resize requires a flavor change.",
    )
    with pytest.raises(CloudRequestFailed) as raised:
        nova.confirm_resize(server_id)
    assert raised.value.message == (
        "Nova: failed to confirm the resize of server: Cannot 'confirmResize' instance "
        f"{server_id} while it is in vm_state active"
    )
    with pytest.raises(CloudNotFound):
        nova.resize_server("0e0c7d5a-0000-4000-8000-000000000000", "2")


def test_a_flavor_before_2_47_is_its_id(localcloud):
    session = make_session(CloudCredentials.from_dict(localcloud.credentials()))
    old = NovaClient(session, version="2.46")
    server_id = old.create_server("old", "F17-x86_64-cfntools", "m1.small")
    assert old.server_status(server_id).flavor == "2"


def test_a_resize_refused_for_a_moment_is_asked_again(localcloud, nova, sleeps):
    server_id = nova.create_server("r", "F17-x86_64-cfntools", "m1.tiny")
    poll(lambda: nova.is_active(server_id))
    fault = localcloud.inject_fault(f"/servers/{server_id}/action$", method="POST", status=503)
    nova.resize_server(server_id, "2")
    assert (fault.hits, sleeps.delays) == (1, [0.25])
    assert nova.server_status(server_id).status in ("RESIZE", "VERIFY_RESIZE")


def test_keypairs(nova):
    assert nova.keypair_exists("mine") is False
    with pytest.raises(CloudNotFound) as raised:
        nova.check_keypair("mine")
    assert raised.value.message == 'unknown keypair "mine"'
    nova.client.keypairs.create("mine")
    assert nova.keypair_exists("mine") is True
    nova.check_keypair("mine")


def test_image_lookup(localcloud, nova):
    image = nova.find_image("F18-x86_64-cfntools")
    assert image["name"] == "F18-x86_64-cfntools"
    assert nova.find_image(image["id"])["name"] == "F18-x86_64-cfntools"
    with pytest.raises(CloudNotFound) as raised:
        nova.find_image("F17-x86_64")
    assert raised.value.message == 'unknown image "F17-x86_64"'
    first = localcloud.add_image("twin")["id"]
    second = localcloud.add_image("twin")["id"]
    with pytest.raises(AmbiguousName) as raised:
        nova.find_image("twin")
    ids = ", ".join(sorted([first, second]))
    assert (
        raised.value.message == f'image name "twin" is ambiguous: 2 images match ({ids}); use an ID'
    )
    assert isinstance(raised.value, InvalidInput)


def test_flavor_lookup(nova):
    assert nova.find_flavor("m1.large").id == "4"
    assert nova.find_flavor("4").name == "m1.large"
    with pytest.raises(CloudNotFound) as raised:
        nova.find_flavor("m1.huge")
    assert raised.value.message == 'unknown flavor "m1.huge"'


def test_availability_zones(nova):
    assert nova.availability_zones() == ["nova"]


def test_create_errors_carry_novas_message(nova):
    with pytest.raises(CloudRequestFailed) as raised:
        nova.create_server("x", "F17-x86_64-cfntools", "m1.tiny", key_name="missing")
    assert raised.value.message == "Nova: failed to create server: Invalid key_name provided."
    assert raised.value.http_status == 400
    with pytest.raises(CloudRequestFailed) as raised:
        nova.create_server("x", "F17-x86_64-cfntools", "m1.tiny", availability_zone="mars")
    assert raised.value.message == (
        "Nova: failed to create server: The requested availability zone is not available"
    )


def test_503_is_retried_with_backoff(localcloud, nova, sleeps):
    server_id = nova.create_server("r", "F17-x86_64-cfntools", "m1.tiny")
    fault = localcloud.inject_fault(f"^/compute/v2.1/servers/{server_id}$", method="GET", times=2)
    assert nova.server_status(server_id).id == server_id
    assert fault.hits == 2
    assert sleeps.delays == [0.25, 0.5]


def test_429_waits_for_retry_after(localcloud, nova, sleeps):
    assert nova.api_version == "2.79"  # negotiated first, so the fault hits the create
    fault = localcloud.inject_fault(
        "^/compute/v2.1/servers$",
        method="POST",
        status=429,
        headers={"Retry-After": "2"},
        body={"overLimit": {"code": 429, "message": "slow down"}},
    )
    server_id = nova.create_server("r", "F17-x86_64-cfntools", "m1.tiny")
    assert nova.server_status(server_id).name == "r"
    assert (fault.hits, sleeps.delays) == (1, [2.0])


def test_dropped_connection_is_retried_for_reads_only(localcloud, nova, sleeps):
    server_id = nova.create_server("r", "F17-x86_64-cfntools", "m1.tiny")
    read = localcloud.inject_fault(f"/servers/{server_id}$", method="GET", drop=True)
    assert nova.server_status(server_id).id == server_id
    assert (read.hits, sleeps.delays) == (1, [0.25])
    # A dropped create may have created the server: repeating it could make a second one.
    create = localcloud.inject_fault("/servers$", method="POST", drop=True)
    with pytest.raises(CloudRequestFailed) as raised:
        nova.create_server("r2", "F17-x86_64-cfntools", "m1.tiny")
    assert raised.value.message.startswith("Nova: failed to create server: ")
    assert (create.hits, sleeps.delays) == (1, [0.25])


def test_persistent_503_gives_up_after_the_attempts(localcloud, nova, sleeps):
    server_id = nova.create_server("r", "F17-x86_64-cfntools", "m1.tiny")
    localcloud.inject_fault(
        f"/servers/{server_id}$",
        method="GET",
        times=10,
        body={"serviceUnavailable": {"code": 503, "message": "Nova is down"}},
    )
    with pytest.raises(CloudRequestFailed) as raised:
        nova.server_status(server_id)
    assert raised.value.message == "Nova: failed to show server: Nova is down"
    assert raised.value.http_status == 503
    assert sleeps.delays == [0.25, 0.5]
