"""Every Compute endpoint localcloud implements answers with the keys and value types of the
upstream Nova API sample for the requested microversion."""

from __future__ import annotations

import base64

import pytest

from heat_tests.localcloud.helpers import (
    call,
    create_volume,
    sample,
    shape_differences,
    wait_for_status,
)

# Versions with a server sample of their own, and the maximum (compared with 2.73's sample).
SERVER_VERSIONS = ["2.1", "2.3", "2.9", "2.16", "2.19", "2.47", "2.52", "2.63", "2.71", "2.73"]
SERVER_VERSIONS += ["2.79"]
PUBLIC_KEY = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDx8nkQv/zgGgB4rMYmIf+6A4l6Rr+o/6lHBQdW5aYd44bd8JttDCE"
    "/F/pNRr0lRE+PiqSPO8nDPHw0010JeMH9gYgnnFlyY3/OcJ02RhIPyyxYpv9FhY+2YiUkpwFOcLImyrxEsYXpD/0d3a"
    "c30bNH6Sw9JD9UZHYcpSxsIbECHw== Generated-by-Nova"
)


def assert_shape(response, sample_name, version="2.1", status=200, optional=frozenset()):
    assert response.status_code == status, response.text
    path, expected = sample(sample_name, version)
    assert shape_differences(response.json(), expected, optional=optional) == [], path


def _image_id(session):
    images = call(session, "image", "GET", "/v2/images?name=F17-x86_64-cfntools").json()
    return images["images"][0]["id"]


@pytest.fixture
def server(localcloud, localcloud_session):
    """An ACTIVE server with metadata, user_data, a keypair and one attached volume."""
    session = localcloud_session
    call(session, "compute", "POST", "/os-keypairs", "2.1", {"keypair": {"name": "shape"}})
    body = {
        "server": {
            "name": "shape-test",
            "imageRef": _image_id(session),
            "flavorRef": "1",
            "key_name": "shape",
            "metadata": {"My Server Name": "Apache1"},
            "user_data": base64.b64encode(b"#!/bin/sh\necho hi\n").decode(),
        }
    }
    created = call(session, "compute", "POST", "/servers", "2.1", body).json()["server"]
    wait_for_status(session, created["id"], "ACTIVE")
    attach = {"volumeAttachment": {"volumeId": create_volume(session)}}
    response = call(
        session, "compute", "POST", f"/servers/{created['id']}/os-volume_attachments", "2.1", attach
    )
    assert response.status_code == 200
    return created["id"]


def test_versions(localcloud, localcloud_session):
    response = localcloud_session.get(f"{localcloud.url}/compute/")
    assert_shape(response, "versions/versions-get-resp.json")
    response = call(localcloud_session, "compute", "GET", "/")
    assert_shape(response, "versions/v21-version-get-resp.json")


@pytest.mark.parametrize("version", ["2.1", "2.19", "2.37", "2.47", "2.79"])
def test_server_create(localcloud_session, version):
    body = {
        "server": {
            "name": "new-server-test",
            "imageRef": _image_id(localcloud_session),
            "flavorRef": "1",
            "networks": "auto",
        }
    }
    response = call(localcloud_session, "compute", "POST", "/servers", version, body)
    assert_shape(response, "servers/server-create-resp.json", version, status=202)


@pytest.mark.parametrize("version", SERVER_VERSIONS)
def test_server_show_and_details(localcloud_session, server, version):
    response = call(localcloud_session, "compute", "GET", f"/servers/{server}", version)
    assert_shape(response, "servers/server-get-resp.json", version)
    response = call(localcloud_session, "compute", "GET", "/servers/detail", version)
    # The details samples of some versions are missing; the show sample is the same shape.
    assert response.status_code == 200
    _, expected = sample("servers/server-get-resp.json", version)
    listed = response.json()["servers"]
    assert len(listed) == 1
    assert shape_differences(listed[0], expected["server"]) == []


@pytest.mark.parametrize("version", ["2.1", "2.79"])
def test_server_list(localcloud_session, server, version):
    response = call(localcloud_session, "compute", "GET", "/servers", version)
    assert_shape(
        response, "servers/servers-list-resp.json", version, optional=frozenset({"servers_links"})
    )


@pytest.mark.parametrize(
    "version, sample_name",
    [
        ("2.1", "servers/server-update-resp.json"),
        # 2.19's update sample has its own name.
        ("2.19", "servers/server-put-resp.json"),
        ("2.47", "servers/server-update-resp.json"),
        ("2.63", "servers/server-update-resp.json"),
        ("2.71", "servers/server-update-resp.json"),
        ("2.73", "servers/server-update-resp.json"),
        ("2.75", "servers/server-update-resp.json"),
        ("2.79", "servers/server-update-resp.json"),
    ],
)
def test_server_update(localcloud_session, server, version, sample_name):
    body = {"server": {"name": "renamed"}}
    response = call(localcloud_session, "compute", "PUT", f"/servers/{server}", version, body)
    assert_shape(response, sample_name, version)
    assert response.json()["server"]["name"] == "renamed"


def test_server_metadata_and_ips(localcloud_session, server):
    base = f"/servers/{server}"
    response = call(localcloud_session, "compute", "GET", f"{base}/metadata")
    assert_shape(response, "server-metadata/server-metadata-all-resp.json")
    response = call(
        localcloud_session,
        "compute",
        "PUT",
        f"{base}/metadata/foo",
        "2.1",
        {"meta": {"foo": "Bar"}},
    )
    assert_shape(response, "server-metadata/server-metadata-resp.json")
    response = call(localcloud_session, "compute", "GET", f"{base}/ips")
    assert_shape(response, "server-ips/server-ips-resp.json")
    response = call(localcloud_session, "compute", "GET", f"{base}/ips/private")
    assert response.status_code == 200
    _, expected = sample("server-ips/server-ips-network-resp.json")
    assert shape_differences(response.json()["private"], expected["private"]) == []


def test_console_output(localcloud_session, server):
    body = {"os-getConsoleOutput": {"length": 50}}
    response = call(localcloud_session, "compute", "POST", f"/servers/{server}/action", "2.1", body)
    assert_shape(response, "os-console-output/console-output-post-resp.json")


@pytest.mark.parametrize("version", ["2.1", "2.55", "2.61", "2.75", "2.79"])
def test_flavors(localcloud_session, version):
    response = call(localcloud_session, "compute", "GET", "/flavors", version)
    assert_shape(response, "flavors/flavors-list-resp.json", version)
    response = call(localcloud_session, "compute", "GET", "/flavors/detail", version)
    assert_shape(response, "flavors/flavors-detail-resp.json", version)
    response = call(localcloud_session, "compute", "GET", "/flavors/1", version)
    assert_shape(response, "flavors/flavor-get-resp.json", version)


@pytest.mark.parametrize("version", ["2.1", "2.2", "2.10", "2.35", "2.79"])
def test_keypairs(localcloud_session, version):
    response = call(
        localcloud_session,
        "compute",
        "POST",
        "/os-keypairs",
        version,
        {"keypair": {"name": "generated"}},
    )
    status = 200 if version == "2.1" else 201
    assert_shape(response, "os-keypairs/keypairs-post-resp.json", version, status=status)
    response = call(
        localcloud_session,
        "compute",
        "POST",
        "/os-keypairs",
        version,
        {"keypair": {"name": "imported", "public_key": PUBLIC_KEY}},
    )
    assert_shape(response, "os-keypairs/keypairs-import-post-resp.json", version, status=status)
    response = call(localcloud_session, "compute", "GET", "/os-keypairs", version)
    assert_shape(
        response,
        "os-keypairs/keypairs-list-resp.json",
        version,
        optional=frozenset({"keypairs_links"}),
    )
    response = call(localcloud_session, "compute", "GET", "/os-keypairs/imported", version)
    assert_shape(response, "os-keypairs/keypairs-get-resp.json", version)


def test_availability_zones(localcloud_session):
    response = call(localcloud_session, "compute", "GET", "/os-availability-zone")
    assert_shape(response, "os-availability-zone/availability-zone-list-resp.json")
    response = call(localcloud_session, "compute", "GET", "/os-availability-zone/detail")
    assert_shape(response, "os-availability-zone/availability-zone-detail-resp.json")


@pytest.mark.parametrize("version", ["2.1", "2.36", "2.39", "2.57", "2.79"])
def test_limits(localcloud_session, version):
    response = call(localcloud_session, "compute", "GET", "/limits", version)
    assert_shape(response, "limits/limit-get-resp.json", version)


@pytest.mark.parametrize("version", ["2.1", "2.49", "2.70", "2.79"])
def test_volume_attachments(localcloud_session, server, version):
    base = f"/servers/{server}/os-volume_attachments"
    volume_id = create_volume(localcloud_session)
    body = {"volumeAttachment": {"volumeId": volume_id}}
    if version != "2.1":
        body["volumeAttachment"]["tag"] = "foo"
    if version == "2.79":
        body["volumeAttachment"]["delete_on_termination"] = True
    response = call(localcloud_session, "compute", "POST", base, version, body)
    assert_shape(response, "os-volume_attachments/attach-volume-to-server-resp.json", version)
    response = call(localcloud_session, "compute", "GET", base, version)
    assert_shape(response, "os-volume_attachments/list-volume-attachments-resp.json", version)
    response = call(localcloud_session, "compute", "GET", f"{base}/{volume_id}", version)
    assert_shape(response, "os-volume_attachments/volume-attachment-detail-resp.json", version)
