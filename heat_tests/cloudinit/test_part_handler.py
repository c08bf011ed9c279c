"""part_handler.py, driven through cloud-init's part-handler protocol (version 2)."""

import os
import stat

import pytest


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_declares_its_protocol(part_handler):
    assert part_handler.list_types() == ["text/x-cfninitdata"]
    assert part_handler.handler_version == 2


def test_begin_creates_a_root_only_directory(part_handler):
    part_handler.handle_part(None, "__begin__", None, None, "once-per-instance")

    assert os.path.isdir(part_handler.HEAT_DIR)
    assert _mode(part_handler.HEAT_DIR) == 0o700


def test_parts_are_saved_by_filename_readable_by_root_only(part_handler):
    part_handler.handle_part(None, "__begin__", None, None, "once-per-instance")
    part_handler.handle_part(
        None, "text/x-cfninitdata", "cfn-metadata-server", "http://192.0.2.1:8000", "once"
    )
    part_handler.handle_part(None, "text/x-cfninitdata", "cfn-init-data", b'{"a": 1}', "once")
    part_handler.handle_part(None, "__end__", None, None, "once-per-instance")

    assert sorted(os.listdir(part_handler.HEAT_DIR)) == ["cfn-init-data", "cfn-metadata-server"]
    path = os.path.join(part_handler.HEAT_DIR, "cfn-metadata-server")
    with open(path) as f:
        assert f.read() == "http://192.0.2.1:8000"
    with open(os.path.join(part_handler.HEAT_DIR, "cfn-init-data")) as f:
        assert f.read() == '{"a": 1}'
    assert _mode(path) == 0o600


def test_a_part_replaces_an_older_file(part_handler):
    part_handler.handle_part(None, "__begin__", None, None, None)
    part_handler.handle_part(None, "text/x-cfninitdata", "cfn-boto-cfg", "old\nlonger", None)
    part_handler.handle_part(None, "text/x-cfninitdata", "cfn-boto-cfg", "new", None)

    with open(os.path.join(part_handler.HEAT_DIR, "cfn-boto-cfg")) as f:
        assert f.read() == "new"
    assert os.listdir(part_handler.HEAT_DIR) == ["cfn-boto-cfg"]  # no temporary files left


def test_user_data_is_also_copied_to_cloud_inits_data_directory(part_handler):
    part_handler.handle_part(None, "__begin__", None, None, None)
    part_handler.handle_part(None, "text/x-cfninitdata", "cfn-userdata", "#!/bin/sh\n", None)

    copy = os.path.join(part_handler.DEFAULT_CLOUD_DATA_DIR, "cfn-userdata")
    with open(copy) as f:
        assert f.read() == "#!/bin/sh\n"
    assert _mode(copy) == 0o600


def test_cloud_data_directory_comes_from_cloud_inits_paths(part_handler, tmp_path):
    class Paths:
        # The one method of cloud-init's helpers.Paths the handler uses.
        def get_cpath(self, name):
            return str(tmp_path / "custom-cloud-dir" / name)

    class Cloud:
        paths = Paths()

    part_handler.handle_part(Cloud(), "__begin__", None, None, None)
    part_handler.handle_part(Cloud(), "text/x-cfninitdata", "cfn-userdata", "#!/bin/sh\n", None)

    assert os.listdir(tmp_path / "custom-cloud-dir" / "data") == ["cfn-userdata"]
    assert not os.path.exists(part_handler.DEFAULT_CLOUD_DATA_DIR)


@pytest.mark.parametrize("filename", ["../passwd", "/etc/passwd", "a/b", ".hidden", "", None])
def test_filenames_that_leave_the_directory_are_refused(part_handler, filename, caplog):
    part_handler.handle_part(None, "__begin__", None, None, None)
    part_handler.handle_part(None, "text/x-cfninitdata", filename, "x", None)

    assert os.listdir(part_handler.HEAT_DIR) == []
    assert caplog.messages == [
        f"Ignoring text/x-cfninitdata part with unusable filename {filename!r}"
    ]


def test_other_content_types_are_ignored(part_handler):
    part_handler.handle_part(None, "__begin__", None, None, None)
    part_handler.handle_part(None, "text/x-shellscript", "script.sh", "#!/bin/sh\n", None)

    assert os.listdir(part_handler.HEAT_DIR) == []


def test_version_1_calls_without_frequency_work(part_handler):
    part_handler.handle_part(None, "__begin__", None, None)
    part_handler.handle_part(None, "text/x-cfninitdata", "cfn-watch-server", "http://w:8003")

    assert os.listdir(part_handler.HEAT_DIR) == ["cfn-watch-server"]
