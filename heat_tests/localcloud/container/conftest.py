"""Fixtures for localcloud's container mode: the cached base image and a container localcloud.

The base image (about 270 MB, a minute or so to build) is cached for every test run on this
machine in IMAGE_CACHE (override with HEAT_LOCALCLOUD_IMAGE_CACHE), so CI builds it at most
once per machine. Tests that boot need root, overlayfs and either the cached image or
debootstrap (and Debian's mirror) to build it; without them they skip and say why.
"""

from __future__ import annotations

import os
import shutil
import sys

import pytest
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from novaclient import client as nova_client

from heat.localcloud import LocalCloud
from heat.localcloud.container.image import ImageCache, ImageError, ImageSpec, TerminalProgress
from heat.localcloud.settings import Settings

IMAGE_CACHE = os.environ.get("HEAT_LOCALCLOUD_IMAGE_CACHE", "/var/cache/heat-localcloud-image")


def _why_not_bootable() -> str | None:
    if os.geteuid() != 0:
        return "container servers need root (mount, PID, UTS and IPC namespaces; overlayfs)"
    with open("/proc/filesystems", encoding="ascii") as stream:
        if "overlay" not in stream.read():
            return "the kernel has no overlayfs"
    if shutil.which("unshare") is None:
        return "util-linux's unshare is not installed"
    if not ImageCache(IMAGE_CACHE).exists(ImageSpec()) and shutil.which("debootstrap") is None:
        return (
            f"no cached base image in {IMAGE_CACHE} and debootstrap is not installed to build "
            "it (tools/setup.sh test installs it as root)"
        )
    return None


requires_boot = pytest.mark.skipif(_why_not_bootable() is not None, reason=str(_why_not_bootable()))


@pytest.fixture(scope="session")
def base_image() -> str:
    """The base image's root filesystem, built on first use (with progress on stderr)."""
    reason = _why_not_bootable()
    if reason:
        pytest.skip(reason)
    try:
        return ImageCache(IMAGE_CACHE).ensure(ImageSpec(), TerminalProgress(sys.stderr))
    except ImageError as exc:
        pytest.fail(f"cannot build the base image: {exc}")


def container_settings() -> Settings:
    return Settings(boot_mode="container", image_cache_dir=IMAGE_CACHE, boot_delay=0.05)


@pytest.fixture(scope="module")
def container_cloud(base_image, tmp_path_factory):
    """A LocalCloud in container mode, shared by a module's tests."""
    cloud = LocalCloud(
        str(tmp_path_factory.mktemp("container-localcloud")), settings=container_settings()
    ).start()
    try:
        yield cloud
    finally:
        cloud.stop()


@pytest.fixture(scope="module")
def nova(container_cloud):
    """python-novaclient for the demo user of `container_cloud`."""
    session = ks_session.Session(auth=v3.Password(**container_cloud.credentials()))
    return nova_client.Client("2.1", session=session)
