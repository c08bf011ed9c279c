"""Scheduler: bounded pool, one timer thread, cancelable delayed calls, shutdown."""

import threading
import time

import pytest
from oslo_config import cfg

from heat import opts
from heat.engine import scheduler as scheduler_mod
from heat.engine.scheduler import Scheduler


@pytest.fixture
def baseline_threads():
    return threading.active_count()


def test_submit_runs_on_a_pool_thread_and_returns_a_future():
    with Scheduler(max_workers=2, name="t") as sched:
        future = sched.submit(lambda a, b: (a + b, threading.current_thread().name), 2, 3)
        total, thread_name = future.result(timeout=5)
    assert total == 5
    assert thread_name.startswith("t-worker")


def test_max_workers_must_be_positive():
    with pytest.raises(ValueError, match="^max_workers must be at least 1, not 0$"):
        Scheduler(max_workers=0)


def test_from_conf_uses_engine_workers():
    conf = cfg.ConfigOpts()
    opts.register_all(conf)
    conf([], default_config_files=[])
    conf.set_override("engine_workers", 3)
    sched = Scheduler.from_conf(conf)
    try:
        assert sched.max_workers == 3
    finally:
        sched.shutdown()


def test_scheduler_options_are_listed_for_the_config_generator():
    names = {opt.name for group, group_opts in opts.list_opts() for opt in group_opts}
    assert {"engine_workers", "check_initial_delay", "check_backoff_factor"} <= names
    assert "check_max_delay" in names


def test_timers_fire_in_due_order_never_early():
    fired = []
    with Scheduler(max_workers=1) as sched:  # one worker: execution order == hand-over order
        start = time.monotonic()
        for delay in (0.09, 0.03, 0.06, 0.0):
            sched.call_later(delay, lambda d: fired.append((d, time.monotonic() - start)), delay)
        deadline = time.monotonic() + 5
        while len(fired) < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
    assert [delay for delay, _ in fired] == [0.0, 0.03, 0.06, 0.09]
    for delay, elapsed in fired:
        assert elapsed >= delay


def test_timers_with_the_same_due_time_fire_in_registration_order():
    fired = []
    with Scheduler(max_workers=1) as sched:
        when = 0.05
        for i in range(20):
            sched.call_later(when, fired.append, i)
        time.sleep(when)
        deadline = time.monotonic() + 5
        while len(fired) < 20 and time.monotonic() < deadline:
            time.sleep(0.01)
    assert fired == list(range(20))


def test_cancelled_timer_never_runs():
    fired = []
    with Scheduler(max_workers=2) as sched:
        handle = sched.call_later(0.05, fired.append, "cancelled")
        sched.call_later(0.1, fired.append, "kept")
        assert handle.cancel() is True
        assert handle.cancel() is False
        assert handle.cancelled is True
        time.sleep(0.1)
        deadline = time.monotonic() + 5
        while not fired and time.monotonic() < deadline:
            time.sleep(0.01)
    assert fired == ["kept"]


def test_cancel_after_firing_reports_false():
    ran = threading.Event()
    with Scheduler(max_workers=1) as sched:
        handle = sched.call_later(0, ran.set)
        assert ran.wait(5)
        assert handle.cancel() is False
        assert handle.cancelled is False


def test_many_cancelled_timers_are_compacted_out_of_the_heap():
    # An hour-long deadline timer cancelled by every finished stack must not pile up.
    with Scheduler(max_workers=1) as sched:
        handles = [sched.call_later(3600, print) for _ in range(200)]
        for handle in handles[:150]:
            handle.cancel()
        in_heap = {entry[2] for entry in sched._heap}
        assert len(in_heap) <= 100
        assert in_heap >= set(handles[150:])


def test_timer_callbacks_run_on_the_pool_so_a_slow_one_does_not_delay_others():
    slow_started = threading.Event()
    fast_fired_at = []
    release = threading.Event()
    with Scheduler(max_workers=2, name="t") as sched:
        start = time.monotonic()
        sched.call_later(0, lambda: (slow_started.set(), release.wait(5)))
        assert slow_started.wait(5)
        names = []
        sched.call_later(
            0.05,
            lambda: (
                fast_fired_at.append(time.monotonic() - start),
                names.append(threading.current_thread().name),
            ),
        )
        deadline = time.monotonic() + 5
        while not fast_fired_at and time.monotonic() < deadline:
            time.sleep(0.01)
        release.set()
    assert fast_fired_at and fast_fired_at[0] < 2.0
    assert names[0].startswith("t-worker")


def test_thread_count_is_bounded_by_max_workers_plus_timer(baseline_threads):
    release = threading.Event()
    with Scheduler(max_workers=4) as sched:
        for _ in range(50):
            sched.submit(release.wait, 5)
            sched.call_later(0.001, release.wait, 5)
        time.sleep(0.1)
        assert threading.active_count() <= baseline_threads + 4 + 1
        release.set()
    assert threading.active_count() <= baseline_threads


def test_shutdown_drops_pending_timers_and_refuses_new_work(baseline_threads):
    fired = []
    sched = Scheduler(max_workers=2)
    sched.call_later(0.2, fired.append, "late")
    sched.shutdown(wait=True)
    assert sched.closed is True
    with pytest.raises(RuntimeError, match="^Scheduler is shut down$"):
        sched.submit(print)
    with pytest.raises(RuntimeError, match="^Scheduler is shut down$"):
        sched.call_later(0, print)
    sched.shutdown()  # idempotent
    time.sleep(0.3)
    assert fired == []
    assert threading.active_count() <= baseline_threads


def test_shutdown_waits_for_running_work():
    finished = []
    started = threading.Event()
    sched = Scheduler(max_workers=1)

    def work():
        started.set()
        time.sleep(0.1)
        finished.append(True)

    sched.submit(work)
    assert started.wait(5)
    sched.shutdown(wait=True)
    assert finished == [True]


def test_default_worker_count_is_the_option_default():
    (opt,) = [o for o in scheduler_mod.OPTS if o.name == "engine_workers"]
    with Scheduler() as sched:
        assert opt.default == scheduler_mod.DEFAULT_WORKERS == sched.max_workers == 16
