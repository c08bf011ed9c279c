"""Heat's commands as subprocesses for the CLI tests: start, wait until serving, stop cleanly,
and run the real `heat` console script with an environment."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time

import pytest

from heat.cmd.all import read_rc

BIN = os.path.dirname(sys.executable)
HEAT = os.path.join(BIN, "heat")
OS_VARS = ("OS_AUTH_URL", "OS_USERNAME", "OS_PASSWORD", "OS_PROJECT_NAME", "OS_PROJECT_ID")


@dataclasses.dataclass
class Heat:
    """The `heat` CLI with a fixed environment."""

    env: dict

    def __call__(self, *args, env: dict | None = None, timeout: float = 120, stdin=None):
        return subprocess.run(
            [HEAT, *args],
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL if stdin is None else stdin,
        )


def clean_env(**extra) -> dict:
    """This process's environment without any OS_* or HEAT_URL, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_") and k != "HEAT_URL"}
    env["HEAT_CLIENT_POLL_INTERVAL"] = "0.1"
    env.update(extra)
    return env


def start(argv: list[str], ready: str, timeout: float = 90) -> subprocess.Popen:
    """Start `argv`; return once a stdout line starts with `ready` (fail with its stderr).
    That line is kept as `ready_line`."""
    proc = subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(),
    )
    deadline = time.time() + timeout
    line = ""
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line or line.startswith(ready):
            break
    if not line.startswith(ready):
        proc.kill()
        pytest.fail(f"{argv[0]} did not start: {proc.stderr.read()[-3000:]}")
    proc.ready_line = line.strip()
    return proc


def stop(proc: subprocess.Popen, last_line: str | None, timeout: float = 60) -> None:
    """SIGTERM; the process must exit 0 and say `last_line` last (None: nothing more)."""
    proc.send_signal(signal.SIGTERM)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"did not stop within {timeout} s: {err[-2000:]}")
    assert proc.returncode == 0, err[-2000:]
    if last_line is None:
        assert out == ""
    else:
        assert out.strip().splitlines()[-1] == last_line


def start_heat_all(state_dir) -> tuple[subprocess.Popen, dict]:
    """heat-all on ephemeral ports in `state_dir`; (process, the heatrc variables)."""
    proc = start(
        [os.path.join(BIN, "heat-all"), "--state-dir", str(state_dir), "--api-port", "0",
         "--cfn-port", "0", "--cloudwatch-port", "0", "--localcloud-port", "0"],
        "credentials: source",
    )  # fmt: skip
    return proc, read_rc(os.path.join(str(state_dir), "heatrc"))


def event_lines(stdout: str) -> list[tuple[str, str, str]]:
    """(resource_name, resource_status, reason) of each streamed event line (time dropped)."""
    rows = []
    for line in stdout.splitlines():
        if line[:4].isdigit() and line[4:5] == "-":
            _, name, status, *reason = line.split(maxsplit=3)
            rows.append((name, status, reason[0] if reason else ""))
    return rows
