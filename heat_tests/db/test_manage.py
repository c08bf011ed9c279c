"""heat-manage (heat.cmd.manage), run as a real process against every backend."""

import subprocess
import sys

import pytest

from heat.cmd.manage import parse_age
from heat.common.crypt import Crypter
from heat.db import migration, models
from heat.db.api import Database
from heat_tests.db.factories import create_stack
from heat_tests.fixtures.databases import TEST_KEY


def _manage(tmp_path, url, *args):
    config = tmp_path / "heat.conf"
    config.write_text(f"[DEFAULT]\nstate_dir = {tmp_path}\n[database]\nconnection = {url}\n")
    return subprocess.run(
        [sys.executable, "-m", "heat.cmd.manage", "--config-file", str(config), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "text, seconds", [("3600", 3600), ("90m", 5400), ("12h", 43200), ("30d", 2592000)]
)
def test_parse_age(text, seconds):
    assert parse_age(text) == seconds


@pytest.mark.parametrize("text", ["", "3x", "-1d", "1.5h"])
def test_parse_age_rejects(text):
    with pytest.raises(ValueError, match="invalid age"):
        parse_age(text)


def test_db_sync_and_version(tmp_path, empty_db_url):
    assert _manage(tmp_path, empty_db_url, "db_version").stdout == "None (no schema)\n"

    synced = _manage(tmp_path, empty_db_url, "db_sync", "--version", "0001")
    assert (synced.returncode, synced.stdout) == (0, "database at revision 0001\n")
    synced = _manage(tmp_path, empty_db_url, "db_sync")
    assert (synced.returncode, synced.stdout, synced.stderr) == (
        0,
        f"database at revision {migration.head_revision()}\n",
        "",
    )
    assert _manage(tmp_path, empty_db_url, "db_version").stdout == f"{migration.head_revision()}\n"


def test_purge_deleted(tmp_path, empty_db_url):
    assert _manage(tmp_path, empty_db_url, "db_sync").returncode == 0
    db = Database(empty_db_url, crypter=Crypter(TEST_KEY))
    try:
        stack_id = create_stack(db)
        db.stacks.update(stack_id, deleted_at=models.utcnow().replace(year=2000))
        done = _manage(tmp_path, empty_db_url, "purge_deleted", "30d")
        assert (done.returncode, done.stdout) == (
            0,
            "purged 1 stacks, 0 resources, 0 events, 1 templates\n",
        )
        assert db.stacks.get(stack_id) is None
    finally:
        db.dispose()


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["purge_deleted", "soon"],
            'heat-manage: error: invalid age "soon": use a number of '
            "seconds or e.g. 30d, 12h, 90m\n",
        ),
        (
            ["db_sync", "--version", "nope"],
            "heat-manage: error: CommandError: Can't locate revision identified by 'nope'\n",
        ),
    ],
)
def test_errors_are_one_line(tmp_path, args, message):
    done = _manage(tmp_path, f"sqlite:///{tmp_path}/h.sqlite", *args)
    assert (done.returncode, done.stdout, done.stderr) == (1, "", message)


def test_unreachable_database(tmp_path):
    done = _manage(tmp_path, "postgresql+psycopg2://nobody@127.0.0.1:1/x", "db_version")
    assert done.returncode == 1
    assert done.stderr.startswith("heat-manage: database error: connection to server at")
    assert len(done.stderr.splitlines()) == 1
