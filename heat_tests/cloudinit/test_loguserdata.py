"""loguserdata.py: runs cfn-userdata, logs it, and marks a finished provision."""

import importlib.resources
import os
import re
import stat
import subprocess

import pytest

from heat_tests.cloudinit.conftest import load_guest_module

# "2026-01-02 03:04:05 " at the start of every log line.
_STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ", re.MULTILINE)


@pytest.fixture
def loguserdata():
    return load_guest_module("loguserdata.py")


@pytest.fixture
def paths(tmp_path):
    return {
        "userdata_path": str(tmp_path / "cfn-userdata"),
        "log_path": str(tmp_path / "heat-provision.log"),
        "finished_path": str(tmp_path / "provision-finished"),
    }


def _write(path, text):
    # As the part handler leaves it: not executable.
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)


def _log(paths):
    with open(paths["log_path"]) as f:
        text = f.read()
    assert len(_STAMP.findall(text)) == text.count("\n")  # every line is timestamped
    return _STAMP.sub("", text)


def test_success_runs_the_script_logs_and_marks_finished(loguserdata, paths, capsys):
    _write(paths["userdata_path"], "#!/bin/sh\necho out\necho err >&2\necho more\n")

    assert loguserdata.provision(**paths) == 0

    assert _log(paths) == "Provision began\nout\nerr\nmore\nProvision done\n"
    assert os.path.exists(paths["finished_path"])
    assert stat.S_IMODE(os.stat(paths["userdata_path"]).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(paths["log_path"]).st_mode) == 0o600
    # Only the summary reaches stderr (cloud-init's console log); the output may hold secrets.
    assert (
        capsys.readouterr().err
        == "heat-provision: Provision began\nheat-provision: Provision done\n"
    )


def test_failure_returns_the_scripts_exit_code_and_is_not_finished(loguserdata, paths):
    _write(paths["userdata_path"], "#!/bin/sh\necho trying\nexit 3\n")

    assert loguserdata.provision(**paths) == 3

    assert _log(paths) == "Provision began\ntrying\nProvision failed with exit code 3\n"
    assert not os.path.exists(paths["finished_path"])


def test_killed_script_reports_128_plus_signal(loguserdata, paths):
    _write(paths["userdata_path"], "#!/bin/sh\nkill -TERM $$\n")

    assert loguserdata.provision(**paths) == 128 + 15
    assert _log(paths).endswith("Provision failed with exit code 143\n")


@pytest.mark.parametrize("text", ["", "packages: [httpd]\n"])
def test_empty_or_non_script_user_data_is_nothing_to_run(loguserdata, paths, text):
    _write(paths["userdata_path"], text)

    assert loguserdata.provision(**paths) == 0

    assert _log(paths) == (
        "Provision began\n"
        f"{paths['userdata_path']} is empty or not a script; nothing to run\n"
        "Provision done\n"
    )
    assert os.path.exists(paths["finished_path"])


def test_missing_user_data_is_an_error(loguserdata, paths):
    assert loguserdata.provision(**paths) == os.EX_NOINPUT

    assert _log(paths) == f"{paths['userdata_path']} is missing; did the Heat part handler run?\n"
    assert not os.path.exists(paths["finished_path"])


def test_log_is_appended_across_runs(loguserdata, paths):
    _write(paths["userdata_path"], "#!/bin/sh\necho run\n")
    loguserdata.provision(**paths)
    loguserdata.provision(**paths)

    assert _log(paths) == "Provision began\nrun\nProvision done\n" * 2


def test_runs_as_a_script_with_python3(tmp_path):
    """cloud-init executes the saved file directly: its #! line must find Python 3."""
    source = importlib.resources.files("heat.cloudinit").joinpath("loguserdata.py").read_text()
    assert source.startswith("#!/usr/bin/env python3\n")
    # Point the constants at tmp_path by rewriting them in a copy, then run the copy.
    script = tmp_path / "loguserdata.py"
    heat_dir = tmp_path / "heat-cfntools"
    heat_dir.mkdir()
    script.write_text(
        source.replace('"/var/lib/heat-cfntools"', repr(str(heat_dir))).replace(
            '"/var/log/heat-provision.log"', repr(str(tmp_path / "heat-provision.log"))
        )
    )
    script.chmod(0o700)
    _write(str(heat_dir / "cfn-userdata"), "#!/bin/sh\necho from-script\nexit 7\n")

    result = subprocess.run(
        [str(script)], capture_output=True, text=True, env={"PATH": os.environ["PATH"]}
    )

    assert result.returncode == 7
    assert "from-script\n" in (tmp_path / "heat-provision.log").read_text()
