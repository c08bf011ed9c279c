"""localcloud's Glance v2 image listing."""

from __future__ import annotations

import requests

from heat.localcloud.settings import DEFAULT_IMAGES
from heat_tests.localcloud.helpers import call


def test_seeded_images_and_name_filter(localcloud_session):
    images = call(localcloud_session, "image", "GET", "/v2/images").json()["images"]
    assert [i["name"] for i in images] == DEFAULT_IMAGES
    found = call(localcloud_session, "image", "GET", "/v2/images?name=U10-i386-cfntools").json()
    assert [(i["name"], i["architecture"], i["os_distro"]) for i in found["images"]] == [
        ("U10-i386-cfntools", "i686", "ubuntu")
    ]
    image = found["images"][0]
    shown = call(localcloud_session, "image", "GET", f"/v2/images/{image['id']}").json()
    assert shown == image
    assert (shown["status"], shown["visibility"], shown["self"]) == (
        "active",
        "public",
        f"/v2/images/{image['id']}",
    )


def test_failing_marker_image_carries_the_fail_property(localcloud_session):
    found = call(localcloud_session, "image", "GET", "/v2/images?name=localcloud-fail-boot")
    assert found.json()["images"][0]["localcloud:fail"] == "boot"


def test_pagination(localcloud_session):
    page = call(localcloud_session, "image", "GET", "/v2/images?limit=2").json()
    assert len(page["images"]) == 2
    assert page["next"] == f"/v2/images?marker={page['images'][1]['id']}&limit=2"


def test_unknown_image_and_missing_token(localcloud, localcloud_session):
    response = call(localcloud_session, "image", "GET", "/v2/images/nope")
    assert (response.status_code, response.text) == (404, "No image found with ID nope\n")
    response = requests.get(f"{localcloud.url}/image/v2/images", timeout=5)
    assert response.status_code == 401
