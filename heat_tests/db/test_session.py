"""Engines are configured for their database."""

import os

import sqlalchemy as sa
from oslo_config import cfg

from heat import opts
from heat.common import paths
from heat.db import session


def _pragma(engine, name):
    with engine.connect() as conn:
        return conn.exec_driver_sql(f"PRAGMA {name}").scalar()


def test_sqlite_file_is_tuned_and_its_directory_created(tmp_path):
    path = tmp_path / "state" / "heat.sqlite"
    engine = session.make_engine(f"sqlite:///{path}", sqlite_busy_timeout=2.5)
    try:
        assert _pragma(engine, "journal_mode") == "wal"
        assert _pragma(engine, "synchronous") == 1  # NORMAL
        assert _pragma(engine, "foreign_keys") == 1
        assert _pragma(engine, "busy_timeout") == 2500
    finally:
        engine.dispose()
    assert os.path.exists(path)
    assert oct(os.stat(tmp_path / "state").st_mode & 0o777) == "0o700"


def test_sqlite_foreign_keys_are_enforced(tmp_path):
    engine = session.make_engine(f"sqlite:///{tmp_path}/fk.sqlite")
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE a (id INTEGER PRIMARY KEY)")
            conn.exec_driver_sql("CREATE TABLE b (a_id INTEGER REFERENCES a(id))")
        with engine.begin() as conn:
            try:
                conn.exec_driver_sql("INSERT INTO b VALUES (1)")
                raised = False
            except sa.exc.IntegrityError:
                raised = True
        assert raised
    finally:
        engine.dispose()


def test_mysql_urls_get_utf8mb4():
    engine = session.make_engine("mysql+pymysql://u@127.0.0.1:1/x")
    try:
        assert engine.url.query["charset"] == "utf8mb4"
        assert engine.pool.size() == 10
    finally:
        engine.dispose()


def test_default_connection_is_a_sqlite_file_in_state_dir(tmp_path):
    conf = cfg.ConfigOpts()
    opts.register_all(conf)
    conf(args=[], default_config_files=[])
    conf.set_override("state_dir", str(tmp_path))

    assert conf.database.connection == f"sqlite:///{tmp_path}/heat.sqlite"
    assert conf.database.max_events_per_stack == 1000
    assert conf.database.event_purge_batch_size == 200
    engine = session.engine_from_conf(conf)
    try:
        with engine.connect():
            pass
    finally:
        engine.dispose()
    assert os.path.exists(tmp_path / "heat.sqlite")


def test_state_dir_defaults_to_xdg_data_home(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert paths.default_state_dir() == f"{tmp_path}/heat"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert paths.default_state_dir() == f"{tmp_path}/.local/share/heat"
