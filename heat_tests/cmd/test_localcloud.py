"""heat-localcloud as a process: serves, writes clouds.yaml, stops cleanly on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import requests


def test_serves_until_interrupted(tmp_path):
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "heat.cmd.localcloud",
            "--state-dir",
            str(tmp_path),
            "--port",
            "0",
            "--boot-delay",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = process.stdout.readline()
        url = re.match(r"localcloud serving at (http://127\.0\.0\.1:\d+) ", first).group(1)
        clouds = os.path.join(tmp_path, "localcloud", "clouds.yaml")
        assert process.stdout.readline() == "servers: record mode\n"
        assert process.stdout.readline() == (
            f"export OS_CLIENT_CONFIG_FILE={clouds} OS_CLOUD=localcloud\n"
        )
        assert requests.get(f"{url}/identity/v3", timeout=5).json()["version"]["id"] == "v3.14"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        process.kill()
    assert (process.returncode, out, err) == (0, "localcloud stopped\n", "")
