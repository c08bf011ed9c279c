"""The base image cache without building anything: mirrors, keys, checks, locking, progress."""

from __future__ import annotations

import io
import json
import os

import pytest

from heat.localcloud.container import image
from heat.localcloud.container.image import ImageCache, ImageError, ImageSpec, Progress


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {
                "sources.list.d/debian.sources": (
                    "Types: deb\n"
                    "URIs: http://mirror.example/debian/\n"
                    "Suites: bookworm bookworm-updates\n"
                    "Components: main\n\n"
                    "Types: deb\n"
                    "URIs: http://mirror.example/debian-security\n"
                    "Suites: bookworm-security\n"
                    "Components: main\n"
                )
            },
            "http://mirror.example/debian",
        ),
        (
            {
                "sources.list": (
                    "# deb http://commented.example/debian bookworm main\n"
                    "deb-src http://src.example/debian bookworm main\n"
                    "deb [arch=amd64] http://one.example/debian bookworm main contrib\n"
                )
            },
            "http://one.example/debian",
        ),
        (
            {
                "sources.list.d/other.sources": (
                    "Types: deb\nURIs: https://deb.nodesource.com/node_20.x\nSuites: nodistro\n"
                    "Components: main\n"
                ),
                "sources.list.d/disabled.sources": (
                    "Types: deb\nURIs: http://off.example/debian\nSuites: bookworm\n"
                    "Components: main\nEnabled: no\n"
                ),
            },
            "http://deb.debian.org/debian",
        ),
        ({}, "http://deb.debian.org/debian"),
    ],
    ids=["deb822", "one-line", "no-match", "nothing"],
)
def test_host_mirror_is_the_one_apt_uses_for_the_suite(tmp_path, files, expected):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    assert image.host_mirror("bookworm", str(tmp_path)) == expected


def test_the_image_key_follows_what_goes_in_not_the_mirror():
    default = ImageSpec()

    assert default.key == ImageSpec(mirror="http://elsewhere.example/debian").key
    assert default.key == ImageSpec(packages=tuple(reversed(image.PACKAGES))).key
    assert default.key != ImageSpec(packages=(*image.PACKAGES, "vim-tiny")).key
    assert default.key.startswith("debian-bookworm-")


@pytest.mark.parametrize(
    ("euid", "debootstrap", "message"),
    [
        (1000, "/usr/sbin/debootstrap", "building the container base image needs root"),
        (0, None, "debootstrap is not installed; install it with: apt-get install -y debootstrap"),
    ],
)
def test_building_needs_root_and_debootstrap(monkeypatch, tmp_path, euid, debootstrap, message):
    monkeypatch.setattr(os, "geteuid", lambda: euid)
    monkeypatch.setattr(image.shutil, "which", lambda name: debootstrap)

    with pytest.raises(ImageError, match=message):
        ImageCache(str(tmp_path)).ensure(ImageSpec())
    assert os.listdir(tmp_path) == []


def test_a_cached_image_is_used_without_building(monkeypatch, tmp_path):
    spec = ImageSpec()
    entry = tmp_path / spec.key
    (entry / "rootfs").mkdir(parents=True)
    (entry / "image.json").write_text("{}")
    # Not root and no debootstrap: a cached image needs neither.
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setattr(image.shutil, "which", lambda name: None)

    assert ImageCache(str(tmp_path)).ensure(spec) == str(entry / "rootfs")


def test_a_failed_build_leaves_no_image_behind(monkeypatch, tmp_path):
    monkeypatch.setattr(image, "check_can_build", lambda: None)

    def fail(self, spec, mirror):
        os.makedirs(os.path.join(self.root, "etc"))
        raise ImageError("debootstrap bookworm failed")

    monkeypatch.setattr(image._Builder, "run", fail)
    spec = ImageSpec(mirror="http://mirror.example/debian")

    with pytest.raises(ImageError, match="debootstrap bookworm failed"):
        ImageCache(str(tmp_path)).ensure(spec)
    assert sorted(os.listdir(tmp_path)) == [f"{spec.key}.lock", f"{spec.key}.log"]


def test_a_build_is_renamed_into_place_with_its_description(monkeypatch, tmp_path):
    monkeypatch.setattr(image, "check_can_build", lambda: None)
    monkeypatch.setattr(image._Builder, "run", lambda self, spec, mirror: os.makedirs(self.root))
    seen = []
    spec = ImageSpec(mirror="http://mirror.example/debian")

    path = ImageCache(str(tmp_path)).ensure(spec, seen.append)

    assert path == str(tmp_path / spec.key / "rootfs")
    info = json.loads((tmp_path / spec.key / "image.json").read_text())
    assert info["mirror"] == "http://mirror.example/debian"
    assert info["packages"] == list(image.PACKAGES)
    assert [p.phase for p in seen] == ["ready"]
    assert not [name for name in os.listdir(tmp_path) if ".build-" in name]


def test_progress_on_a_log_is_one_line_per_phase():
    stream = io.StringIO()
    show = image.TerminalProgress(stream)
    for progress in [
        Progress("downloading packages", 1, None, 0.5),
        Progress("downloading packages", 2, None, 1.0),
        Progress("installing packages", 10, 180, 40.0),
        Progress("installing packages", 11, 180, 56.0),
        Progress("ready", elapsed=70.0),
    ]:
        show(progress)

    assert stream.getvalue().splitlines() == [
        "base image: downloading packages 1 (0s)",
        "base image: installing packages 10/180 (40s)",
        "base image: installing packages 11/180 (56s)",
        "base image: ready (70s)",
    ]
