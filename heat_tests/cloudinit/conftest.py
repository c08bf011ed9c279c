"""Helpers for testing the files Heat injects into servers."""

import importlib.resources
import importlib.util
import itertools

import pytest

_counter = itertools.count()


def load_guest_module(filename):
    """A fresh module object from heat.cloudinit's `filename`, loaded the way cloud-init does.

    cloud-init imports these files by path under its own names, never as part of a package,
    so each test gets its own copy and may redirect the module's path constants.
    """
    path = importlib.resources.files("heat.cloudinit").joinpath(filename)
    spec = importlib.util.spec_from_file_location(f"heat_guest_{next(_counter)}", str(path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def part_handler(tmp_path):
    """part_handler.py with its guest paths moved under tmp_path."""
    module = load_guest_module("part_handler.py")
    module.HEAT_DIR = str(tmp_path / "var/lib/heat-cfntools")
    module.DEFAULT_CLOUD_DATA_DIR = str(tmp_path / "var/lib/cloud/data")
    return module
