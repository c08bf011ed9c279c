"""localcloud's Nova behaviour: microversions, errors, lifecycle, actions, metadata."""

from __future__ import annotations

import base64
import time

import pytest

from heat.localcloud import LocalCloud
from heat_tests.localcloud.helpers import call, create_volume, wait_for_status

USER_DATA = base64.b64encode(b"#!/bin/sh\n").decode()


def _create(session, version="2.1", **extra):
    images = call(session, "image", "GET", "/v2/images?name=F17-x86_64-cfntools").json()
    spec = {"name": "s", "imageRef": images["images"][0]["id"], "flavorRef": "1", **extra}
    response = call(session, "compute", "POST", "/servers", version, {"server": spec})
    assert response.status_code == 202, response.text
    return response.json()["server"]["id"]


@pytest.mark.parametrize(
    "header, answered",
    [
        ({}, "2.1"),
        ({"OpenStack-API-Version": "compute 2.60"}, "2.60"),
        ({"X-OpenStack-Nova-API-Version": "2.42"}, "2.42"),
        ({"OpenStack-API-Version": "compute latest"}, "2.79"),
    ],
)
def test_microversion_negotiation(localcloud_session, header, answered):
    response = localcloud_session.get(
        "/flavors", endpoint_filter={"service_type": "compute"}, headers=header
    )
    assert response.headers["OpenStack-API-Version"] == f"compute {answered}"
    assert response.headers["X-OpenStack-Nova-API-Version"] == answered


def test_unsupported_microversion(localcloud_session):
    response = call(localcloud_session, "compute", "GET", "/flavors", "2.80")
    assert response.status_code == 406
    assert response.json() == {
        "computeFault": {
            "code": 406,
            "message": "Version 2.80 is not supported by the API. Minimum is 2.1 and maximum "
            "is 2.79.",
        }
    }


def test_error_formats(localcloud_session):
    response = call(localcloud_session, "compute", "GET", "/servers/nope")
    assert (response.status_code, response.json()) == (
        404,
        {"itemNotFound": {"code": 404, "message": "Instance nope could not be found."}},
    )
    response = call(
        localcloud_session,
        "compute",
        "POST",
        "/servers",
        "2.1",
        {"server": {"name": "x", "imageRef": "nope", "flavorRef": "1"}},
    )
    assert response.json() == {
        "badRequest": {"code": 400, "message": "Image nope could not be found."}
    }
    response = call(
        localcloud_session,
        "compute",
        "POST",
        "/servers",
        "2.37",
        {"server": {"name": "x", "imageRef": "nope", "flavorRef": "1"}},
    )
    assert response.status_code == 400


def test_user_data_only_from_2_3(localcloud_session):
    server_id = _create(localcloud_session, user_data=USER_DATA)
    old = call(localcloud_session, "compute", "GET", f"/servers/{server_id}", "2.1").json()
    assert "OS-EXT-SRV-ATTR:user_data" not in old["server"]
    new = call(localcloud_session, "compute", "GET", f"/servers/{server_id}", "2.3").json()
    assert new["server"]["OS-EXT-SRV-ATTR:user_data"] == USER_DATA


def test_invalid_user_data(localcloud_session):
    images = call(localcloud_session, "image", "GET", "/v2/images").json()["images"]
    spec = {"name": "x", "imageRef": images[0]["id"], "flavorRef": "1", "user_data": "!!"}
    response = call(localcloud_session, "compute", "POST", "/servers", "2.1", {"server": spec})
    assert response.json() == {
        "badRequest": {"code": 400, "message": "User data needs to be valid base 64."}
    }


def _session(cloud):
    from keystoneauth1 import session as ks_session
    from keystoneauth1.identity import v3

    return ks_session.Session(auth=v3.Password(**cloud.credentials()))


def test_build_then_active_with_fixed_ips(tmp_path):
    # A boot delay long enough that the first server is still building when a loaded
    # machine gets round to looking (the shared fixture's 0.05 s is not).
    with LocalCloud(str(tmp_path), boot_delay=2) as cloud:
        session = _session(cloud)
        first = _create(session)
        second = _create(session)
        server = call(session, "compute", "GET", f"/servers/{first}").json()["server"]
        assert (server["status"], server["OS-EXT-STS:task_state"]) == ("BUILD", "spawning")
        server = wait_for_status(session, second, "ACTIVE")
        assert server["addresses"]["private"][0]["addr"] == "10.0.0.4"
        assert server["OS-EXT-STS:vm_state"] == "active"


def test_boot_failure_shows_fault(localcloud_session):
    server_id = _create(localcloud_session, metadata={"localcloud:fail": "boot"})
    server = wait_for_status(localcloud_session, server_id, "ERROR")
    assert server["fault"]["code"] == 500
    assert server["fault"]["message"] == (
        f"Build of instance {server_id} aborted: failure requested by server metadata "
        "localcloud:fail=boot"
    )
    assert server["addresses"] == {}


def test_delete_delay_shows_deleted_then_gone(tmp_path):
    with LocalCloud(str(tmp_path), boot_delay=0, delete_delay=0.3) as cloud:
        session = _session(cloud)
        server_id = _create(session)
        assert call(session, "compute", "DELETE", f"/servers/{server_id}").status_code == 204
        server = call(session, "compute", "GET", f"/servers/{server_id}").json()["server"]
        assert (server["status"], server["OS-EXT-STS:task_state"]) == ("DELETED", "deleting")
        rename = call(
            session, "compute", "PUT", f"/servers/{server_id}", "2.1", {"server": {"name": "late"}}
        )
        assert rename.json()["conflictingRequest"]["message"] == (
            f"Cannot 'update' instance {server_id} while it is in task_state deleting"
        )
        time.sleep(0.35)
        assert call(session, "compute", "GET", f"/servers/{server_id}").status_code == 404
        assert call(session, "compute", "GET", "/servers").json() == {"servers": []}


def test_actions(localcloud, localcloud_session):
    # A reboot lasts the boot delay: long enough to be seen rebooting on a loaded machine.
    localcloud.settings.boot_delay = 1
    server_id = _create(localcloud_session)
    wait_for_status(localcloud_session, server_id, "ACTIVE")

    def act(body):
        return call(
            localcloud_session, "compute", "POST", f"/servers/{server_id}/action", "2.1", body
        )

    assert act({"os-start": None}).json()["conflictingRequest"]["message"] == (
        f"Cannot 'start' instance {server_id} while it is in vm_state active"
    )
    assert act({"os-stop": None}).status_code == 202
    assert wait_for_status(localcloud_session, server_id, "SHUTOFF")["OS-EXT-STS:power_state"] == 4
    assert act({"os-start": None}).status_code == 202
    assert act({"reboot": {"type": "HARD"}}).status_code == 202
    server = call(localcloud_session, "compute", "GET", f"/servers/{server_id}").json()["server"]
    assert server["status"] == "HARD_REBOOT"
    wait_for_status(localcloud_session, server_id, "ACTIVE")
    web = {"security_group": {"name": "web"}}
    call(localcloud_session, "network", "POST", "/v2.0/security-groups", body=web)
    assert act({"addSecurityGroup": {"name": "web"}}).status_code == 202
    assert act({"removeSecurityGroup": {"name": "default"}}).status_code == 202
    server = call(localcloud_session, "compute", "GET", f"/servers/{server_id}").json()["server"]
    assert server["security_groups"] == [{"name": "web"}]
    assert act({"removeSecurityGroup": {"name": "default"}}).json()["badRequest"]["message"] == (
        f"Security group default not associated with the instance {server_id}"
    )
    output = act({"os-getConsoleOutput": {"length": 1}}).json()["output"]
    assert output == "localcloud: server is ACTIVE"
    assert act({"shelve": None}).json() == {
        "badRequest": {"code": 400, "message": "There is no such action: shelve"}
    }


def test_metadata_api(localcloud_session):
    server_id = _create(localcloud_session, metadata={"a": "1"})
    base = f"/servers/{server_id}/metadata"
    merged = call(localcloud_session, "compute", "POST", base, "2.1", {"metadata": {"b": "2"}})
    assert merged.json() == {"metadata": {"a": "1", "b": "2"}}
    replaced = call(localcloud_session, "compute", "PUT", base, "2.1", {"metadata": {"c": "3"}})
    assert replaced.json() == {"metadata": {"c": "3"}}
    mismatch = call(localcloud_session, "compute", "PUT", f"{base}/c", "2.1", {"meta": {"d": "4"}})
    assert mismatch.json()["badRequest"]["message"] == "Request body and URI mismatch"
    assert call(localcloud_session, "compute", "DELETE", f"{base}/c").status_code == 204
    missing = call(localcloud_session, "compute", "GET", f"{base}/c")
    assert missing.json()["itemNotFound"]["message"] == "Metadata item was not found"


def test_volume_attachments_lifecycle(localcloud_session):
    volume = create_volume(localcloud_session)
    server_id = _create(localcloud_session)
    base = f"/servers/{server_id}/os-volume_attachments"
    body = {"volumeAttachment": {"volumeId": volume}}
    building = call(localcloud_session, "compute", "POST", base, "2.1", body)
    assert building.status_code == 409
    wait_for_status(localcloud_session, server_id, "ACTIVE")
    attached = call(localcloud_session, "compute", "POST", base, "2.1", body).json()
    assert attached["volumeAttachment"]["device"] == "/dev/vdb"
    server = call(localcloud_session, "compute", "GET", f"/servers/{server_id}").json()["server"]
    assert server["os-extended-volumes:volumes_attached"] == [{"id": volume}]
    again = call(localcloud_session, "compute", "POST", base, "2.1", body)
    assert again.status_code == 400
    assert call(localcloud_session, "compute", "DELETE", f"{base}/{volume}").status_code == 202
    assert call(localcloud_session, "compute", "GET", base).json() == {"volumeAttachments": []}


def test_keypair_errors(localcloud_session):
    body = {"keypair": {"name": "k", "public_key": "ssh-rsa garbage"}}
    bad = call(localcloud_session, "compute", "POST", "/os-keypairs", "2.2", body)
    assert bad.json()["badRequest"]["message"] == (
        "Keypair data is invalid: failed to generate fingerprint"
    )
    call(localcloud_session, "compute", "POST", "/os-keypairs", "2.2", {"keypair": {"name": "k"}})
    dup = call(
        localcloud_session, "compute", "POST", "/os-keypairs", "2.2", {"keypair": {"name": "k"}}
    )
    assert dup.json()["conflictingRequest"]["message"] == "Key pair 'k' already exists."
    assert call(localcloud_session, "compute", "DELETE", "/os-keypairs/k", "2.2").status_code == 204


def test_token_required(localcloud):
    import requests

    response = requests.get(f"{localcloud.url}/compute/v2.1/servers", timeout=5)
    assert response.status_code == 401
    assert requests.get(f"{localcloud.url}/compute/v2.1/", timeout=5).status_code == 200
