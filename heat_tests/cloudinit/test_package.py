"""heat.cloudinit is package data, and never cloud-init's own `cloudinit` package."""

import importlib.resources
import pathlib
import subprocess
import sys

import heat

REPO_ROOT = pathlib.Path(heat.__file__).resolve().parent.parent


def test_guest_files_ship_in_the_package():
    names = {p.name for p in importlib.resources.files("heat.cloudinit").iterdir()}
    assert {"config", "boothook.sh", "part_handler.py", "loguserdata.py"} <= names


def test_importing_it_as_cloudinit_fails_loudly():
    # From the repository root the directory is first on sys.path, where it would shadow
    # cloud-init's package.
    result = subprocess.run(
        [sys.executable, "-c", "import cloudinit"], cwd=REPO_ROOT, capture_output=True, text=True
    )

    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        f"ImportError: {REPO_ROOT / 'cloudinit' / '__init__.py'} is Heat's package data "
        "(import it as heat.cloudinit), not cloud-init's cloudinit package"
    )
