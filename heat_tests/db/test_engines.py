"""Engine registration and liveness."""

import datetime

import sqlalchemy as sa

from heat.db import models


def _age_heartbeat(heat_db, engine_id, seconds):
    past = models.utcnow() - datetime.timedelta(seconds=seconds)
    with heat_db.engine.begin() as conn:
        conn.execute(
            models.engine.update().where(models.engine.c.id == engine_id).values(heartbeat_at=past)
        )


def test_register_and_list(heat_db):
    heat_db.engines.register("e1", "host-a", 101, "engine")
    heat_db.engines.register("e2", "host-b", 202, "engine")

    engines = heat_db.engines.list()

    assert [(e["id"], e["host"], e["pid"], e["topic"]) for e in engines] == [
        ("e1", "host-a", 101, "engine"),
        ("e2", "host-b", 202, "engine"),
    ]
    assert engines[0]["stopped_at"] is None
    assert engines[0]["heartbeat_at"] == engines[0]["started_at"]


def test_heartbeat_moves_forward(heat_db):
    heat_db.engines.register("e1", "h", 1, "engine")
    _age_heartbeat(heat_db, "e1", 60)
    before = heat_db.engines.list()[0]["heartbeat_at"]
    assert heat_db.engines.heartbeat("e1") is True
    assert heat_db.engines.list()[0]["heartbeat_at"] > before
    assert heat_db.engines.heartbeat("unknown") is False


def test_dead_engines_are_silent_or_stopped(heat_db):
    for engine_id in ("alive", "silent", "stopped"):
        heat_db.engines.register(engine_id, "h", 1, "engine")
    _age_heartbeat(heat_db, "silent", 120)
    assert heat_db.engines.stop("stopped") is True

    assert heat_db.engines.dead(60) == ["silent", "stopped"]
    assert [e["id"] for e in heat_db.engines.list()] == ["alive", "silent"]
    assert len(heat_db.engines.list(include_stopped=True)) == 3


def test_register_again_revives(heat_db):
    heat_db.engines.register("e1", "h", 1, "engine")
    heat_db.engines.stop("e1")
    heat_db.engines.register("e1", "h2", 2, "engine")
    [engine] = heat_db.engines.list()
    assert (engine["host"], engine["pid"], engine["stopped_at"]) == ("h2", 2, None)


def test_delete(heat_db):
    heat_db.engines.register("e1", "h", 1, "engine")
    assert heat_db.engines.delete("e1") is True
    assert heat_db.engines.delete("e1") is False
    with heat_db.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(models.engine)).scalar() == 0
