"""heat-manage service-list: engines with their liveness and the leader."""

import datetime
import json
import os
import subprocess

import sqlalchemy as sa

from heat.cmd import service_list
from heat.db import migration, models
from heat.db.api import Database
from heat_tests.cmd.processes import BIN, clean_env


def _cluster(url):
    db = Database(url)
    db.engines.register("alive", "node1", 11, "engine")
    db.engines.register("silent", "node2", 22, "engine")
    db.engines.register("gone", "node3", 33, "engine")
    db.engines.stop("gone")
    old = models.utcnow() - datetime.timedelta(seconds=120)
    with db.engine.begin() as conn:
        conn.execute(
            sa.update(models.engine).where(models.engine.c.id == "silent").values(heartbeat_at=old)
        )
    db.leases.acquire("engine-leader", "alive", 30)
    return db


def test_rows_say_up_down_stopped_and_the_leader(tmp_path):
    url = f"sqlite:///{tmp_path}/heat.sqlite"
    migration.db_sync(url)
    db = _cluster(url)
    try:
        rows = {row["engine_id"]: row for row in service_list.rows(db, 30)}
    finally:
        db.dispose()
    assert {e: (r["host"], r["pid"], r["status"], r["leader"]) for e, r in rows.items()} == {
        "alive": ("node1", 11, "up", "yes"),
        "silent": ("node2", 22, "down", ""),
        "gone": ("node3", 33, "stopped", ""),
    }
    table = service_list.table(list(rows.values())).splitlines()
    assert table[0].split() == list(service_list.COLUMNS)
    assert table[1].split()[0] == "alive" and table[1].split()[-2:] == ["up", "yes"]


def test_the_command_prints_json_lines(tmp_path):
    url = f"sqlite:///{tmp_path}/heat.sqlite"
    migration.db_sync(url)
    _cluster(url).dispose()
    conf = tmp_path / "heat.conf"
    conf.write_text(f"[DEFAULT]\nstate_dir = {tmp_path}\n[database]\nconnection = {url}\n")
    done = subprocess.run(
        [os.path.join(BIN, "heat-manage"), "--config-file", str(conf), "service-list", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
    )
    assert done.returncode == 0, done.stderr
    statuses = {e["engine_id"]: e["status"] for e in map(json.loads, done.stdout.splitlines())}
    assert statuses == {"alive": "up", "silent": "down", "gone": "stopped"}
