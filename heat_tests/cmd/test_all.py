"""heat-all as a subprocess: starts, writes heatrc, serves python-heatclient's shell, stops on
SIGINT, and keeps its state across a restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from heat.cmd.all import read_rc

TEMPLATE = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  R: {Type: OS::Heat::RandomString}
"""


def _start(state_dir):
    proc = subprocess.Popen(
        [sys.executable, "-m", "heat.cmd.all", "--state-dir", str(state_dir), "--api-port", "0",
         "--cfn-port", "0", "--cloudwatch-port", "0", "--localcloud-port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    line = ""
    deadline = time.time() + 60
    while time.time() < deadline:
        line = proc.stdout.readline()
        if line.startswith("credentials: source") or not line:
            break
    if not line.startswith("credentials: source"):
        proc.kill()
        pytest.fail(f"heat-all did not start: {proc.stderr.read()[-2000:]}")
    return proc


def _stop(proc):
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert out.strip().endswith("heat-all stopped")


def _heat(state_dir, *args):
    env = {**os.environ, **read_rc(str(state_dir / "heatrc"))}
    return subprocess.run(
        [sys.executable, "-m", "heatclient.shell", *args],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_heat_all_serves_stops_and_restarts_with_state(tmp_path):
    state = tmp_path / "state"
    template = tmp_path / "t.yaml"
    template.write_text(TEMPLATE)
    proc = _start(state)
    try:
        rc = read_rc(str(state / "heatrc"))
        assert sorted(rc) == sorted([
            "OS_AUTH_URL", "OS_USERNAME", "OS_PASSWORD", "OS_PROJECT_NAME",
            "OS_USER_DOMAIN_NAME", "OS_PROJECT_DOMAIN_NAME", "OS_IDENTITY_API_VERSION",
            "OS_REGION_NAME", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
            "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL_CLOUDFORMATION", "AWS_ENDPOINT_URL_CLOUDWATCH",
        ])  # fmt: skip
        assert oct(os.stat(state / "heatrc").st_mode & 0o777) == "0o600"
        created = _heat(state, "stack-create", "-f", str(template), "demo")
        assert created.returncode == 0, created.stderr
        for _ in range(100):
            listed = _heat(state, "stack-list")
            if "CREATE_COMPLETE" in listed.stdout:
                break
            time.sleep(0.1)
        assert "demo" in listed.stdout and "CREATE_COMPLETE" in listed.stdout
    finally:
        _stop(proc)
    proc = _start(state)
    try:
        assert read_rc(str(state / "heatrc"))["OS_PASSWORD"] == rc["OS_PASSWORD"]
        listed = _heat(state, "stack-list")
        assert "demo" in listed.stdout and "CREATE_COMPLETE" in listed.stdout
        deleted = _heat(state, "stack-delete", "-y", "demo")
        assert deleted.returncode == 0, deleted.stderr
    finally:
        _stop(proc)


def test_container_mode_without_a_base_image_says_why(tmp_path, monkeypatch, capsys):
    from heat.cmd import all as heat_all
    from heat.localcloud.container import image

    def cannot_build(self, spec, progress=None):
        raise image.ImageError("building the base image needs root (run heat-all as root)")

    monkeypatch.setattr(image.ImageCache, "ensure", cannot_build)
    monkeypatch.setattr(signal, "signal", lambda *args: None)  # pytest keeps its own
    status = heat_all.main(
        ["--state-dir", str(tmp_path / "state"), "--boot-mode", "container", "--api-port", "0",
         "--cfn-port", "0", "--cloudwatch-port", "0", "--localcloud-port", "0",
         "--image-cache-dir", str(tmp_path / "images")]
    )  # fmt: skip

    assert status == 1
    assert capsys.readouterr().err == (
        "heat-all: cannot start localcloud's container mode: building the base image needs "
        "root (run heat-all as root)\n"
    )
