"""GraphRun: ordering, parallelism, failure, cancel, timeout, back-off, throughput."""

import itertools
import logging
import random
import threading
import time

import pytest

from heat.common.exception import ResourceFailure
from heat.engine.graph_run import (
    Backoff,
    DependencyCycle,
    Failure,
    GraphRun,
    Outcome,
    Status,
)
from heat.engine.scheduler import Scheduler

WAIT = 10  # seconds; only ever reached when something is broken


@pytest.fixture
def sched():
    scheduler = Scheduler(max_workers=8, name="test")
    yield scheduler
    scheduler.shutdown(wait=True)


class Journal:
    """Events ("start" | "check" | "done", node) in the order they happened, across threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self.events = []

    def add(self, event, node):
        with self._lock:
            self.events.append((event, node))

    def index(self, event, node):
        return self.events.index((event, node))

    def count(self, event, node):
        with self._lock:
            return self.events.count((event, node))


class FakeStep:
    """start() then `checks` calls of check() until done; either may be told to raise."""

    def __init__(self, journal, node, checks=1, start_result=None, done_when=None, error=None):
        self.journal = journal
        self.node = node
        self.checks_needed = checks
        self.start_result = start_result
        self.done_when = done_when  # callable() -> bool, instead of counting checks
        self.error = error  # (phase, exception)
        self.checks = 0

    def start(self):
        self.journal.add("start", self.node)
        if self.error and self.error[0] == "start":
            raise self.error[1]
        if self.start_result is True:
            self.journal.add("done", self.node)
        return self.start_result

    def check(self):
        self.checks += 1
        self.journal.add("check", self.node)
        if self.error and self.error[0] == "check":
            raise self.error[1]
        done = self.done_when() if self.done_when else self.checks >= self.checks_needed
        if done:
            self.journal.add("done", self.node)
        return done


def factory(journal, per_node=None, **by_name):
    """make_step for GraphRun; per_node[node] (or by_name) holds FakeStep keyword arguments."""
    per_node = {**(per_node or {}), **by_name}
    return lambda node: FakeStep(journal, node, **per_node.get(node, {}))


def wait_for(predicate):
    deadline = time.monotonic() + WAIT
    while not predicate():
        assert time.monotonic() < deadline, "condition never became true"
        time.sleep(0.005)


def assert_partition(outcome: Outcome, graph):
    """Every node is in exactly one of the outcome's sets."""
    failed = {failure.node for failure in outcome.failures}
    parts = [outcome.completed, failed, outcome.in_progress_at_end, outcome.not_started]
    assert sum(len(part) for part in parts) == len(graph)
    assert set().union(*parts) == set(graph)


def random_dag(count, seed):
    rng = random.Random(seed)
    names = [f"n{i:03d}" for i in range(count)]
    return {
        name: rng.sample(names[:i], k=min(i, rng.randint(0, 3))) for i, name in enumerate(names)
    }


# -- graph checks ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "graph, message",
    [
        ({"a": ["b"], "b": ["c"], "c": ["a"], "d": []}, "Dependency cycle: a -> b -> c -> a"),
        ({"a": ["a"]}, "Dependency cycle: a -> a"),
        ({"x": ["b"], "b": ["c"], "c": ["b"]}, "Dependency cycle: b -> c -> b"),
    ],
)
def test_cycle_is_refused_with_a_deterministic_path(sched, graph, message):
    with pytest.raises(DependencyCycle) as info:
        GraphRun(sched, graph, factory(Journal()))
    assert str(info.value) == message


def test_unknown_dependency_is_refused(sched):
    with pytest.raises(ValueError) as info:
        GraphRun(sched, {"a": ["x"]}, factory(Journal()))
    assert str(info.value) == "'a' depends on 'x', which is not in the graph"


# -- success -----------------------------------------------------------------------------------


def test_empty_graph_completes_at_once(sched):
    outcome = GraphRun(sched, {}, factory(Journal())).start().wait(WAIT)
    assert outcome == Outcome(
        status=Status.COMPLETE,
        root_cause=None,
        failures=(),
        completed=frozenset(),
        not_started=frozenset(),
        in_progress_at_end=frozenset(),
        reason="",
    )


@pytest.mark.parametrize("reverse", [False, True])
def test_a_node_starts_only_after_the_nodes_it_waits_for_are_done(sched, reverse):
    graph = random_dag(60, seed=7)
    journal = Journal()
    rng = random.Random(3)
    per_node = {node: {"checks": rng.randint(1, 3)} for node in graph}
    outcome = GraphRun(sched, graph, factory(journal, per_node), reverse=reverse)
    outcome = outcome.start().wait(WAIT)
    assert outcome.status is Status.COMPLETE
    assert outcome.completed == set(graph)
    assert_partition(outcome, graph)
    for node, deps in graph.items():
        for dep in deps:
            first, then = (node, dep) if reverse else (dep, node)
            assert journal.index("done", first) < journal.index("start", then), (first, then)


def test_independent_nodes_run_in_parallel(sched):
    # Every start() waits until all eight are inside start() at once: only true parallelism
    # gets past the barrier.
    barrier = threading.Barrier(8, timeout=WAIT)

    class Meet:
        def start(self):
            barrier.wait()
            return True

        def check(self):
            raise AssertionError("not called")

    outcome = GraphRun(sched, {i: [] for i in range(8)}, lambda node: Meet()).start().wait(WAIT)
    assert outcome.status is Status.COMPLETE
    assert outcome.completed == set(range(8))


def test_a_ready_node_does_not_wait_for_an_unrelated_slow_one(sched):
    journal = Journal()
    release = threading.Event()
    graph = {"slow": [], "a": [], "b": ["a"]}
    make = factory(journal, slow={"done_when": release.is_set})
    run = GraphRun(sched, graph, make).start()
    wait_for(lambda: ("done", "b") in journal.events)
    assert ("done", "slow") not in journal.events
    release.set()
    assert run.wait(WAIT).status is Status.COMPLETE


def test_start_returning_true_skips_checks_and_other_values_do_not(sched):
    journal = Journal()
    make = factory(journal, done={"start_result": True}, token={"start_result": "token-1"})
    outcome = GraphRun(sched, {"done": [], "token": []}, make).start().wait(WAIT)
    assert outcome.completed == {"done", "token"}
    assert journal.count("check", "done") == 0
    assert journal.count("check", "token") == 1


def test_two_runs_share_one_scheduler(sched):
    journal_a, journal_b = Journal(), Journal()
    graph = random_dag(30, seed=1)
    run_a = GraphRun(sched, graph, factory(journal_a)).start()
    run_b = GraphRun(sched, graph, factory(journal_b), reverse=True).start()
    assert run_a.wait(WAIT).completed == set(graph)
    assert run_b.wait(WAIT).completed == set(graph)


# -- failure -----------------------------------------------------------------------------------


def test_failure_reports_root_cause_skips_dependents_and_lets_siblings_finish(sched):
    journal = Journal()
    failed, c_in_flight = threading.Event(), threading.Event()
    error = RuntimeError("boom")

    def fail_start():
        assert c_in_flight.wait(WAIT)
        failed.set()
        raise error

    def c_done():
        c_in_flight.set()
        return failed.is_set()

    graph = {"a": [], "b": ["a"], "c": [], "d": ["c"]}
    # c is in flight when a fails and only finishes afterwards: it must be let finish.
    make = factory(journal, c={"done_when": c_done})

    def make_step(node):
        step = make(node)
        if node == "a":
            step.start = fail_start
        return step

    outcome = GraphRun(sched, graph, make_step).start().wait(WAIT)
    assert outcome.status is Status.FAILED
    assert outcome.root_cause == Failure("a", error)
    assert outcome.root_cause.exception is error
    assert outcome.failures == (Failure("a", error),)
    assert outcome.completed == {"c"}
    # d was unblocked by c, but only after the run was failing.
    assert outcome.not_started == {"b", "d"}
    assert outcome.in_progress_at_end == frozenset()
    assert outcome.reason == "a: RuntimeError: boom"
    assert journal.count("start", "b") == journal.count("start", "d") == 0
    assert_partition(outcome, graph)


def test_exception_from_check_fails_the_node_with_its_message(sched):
    cause = ResourceFailure("Server", "CREATE", RuntimeError("no valid host"))
    make = factory(Journal(), server={"error": ("check", cause)})
    outcome = GraphRun(sched, {"server": [], "ip": ["server"]}, make).start().wait(WAIT)
    assert outcome.status is Status.FAILED
    assert outcome.root_cause == Failure("server", cause)
    assert outcome.reason == "server: Server: CREATE failed: RuntimeError: no valid host"
    assert outcome.not_started == {"ip"}


def test_make_step_raising_fails_that_node(sched):
    error = KeyError("no plugin")

    def make_step(node):
        raise error

    outcome = GraphRun(sched, {"a": []}, make_step).start().wait(WAIT)
    assert outcome.failures == (Failure("a", error),)
    assert outcome.reason == "a: KeyError: 'no plugin'"


def test_later_failures_are_kept_after_the_root_cause(sched):
    first_failed, second_started = threading.Event(), threading.Event()
    first, second = RuntimeError("first"), RuntimeError("second")

    class First:
        def start(self):
            assert second_started.wait(WAIT)  # so "two" is in flight, not skipped
            first_failed.set()
            raise first

    class Second:
        def start(self):
            second_started.set()

        def check(self):
            if first_failed.is_set():
                raise second
            return False

    steps = {"one": First, "two": Second}
    outcome = GraphRun(sched, {"one": [], "two": []}, lambda n: steps[n]()).start().wait(WAIT)
    assert outcome.status is Status.FAILED
    assert outcome.root_cause == Failure("one", first)
    assert outcome.failures == (Failure("one", first), Failure("two", second))
    assert outcome.reason == "one: RuntimeError: first"


def test_ready_nodes_queued_behind_a_failure_never_start():
    journal = Journal()
    with Scheduler(max_workers=1) as one_worker:
        make = factory(journal, a={"error": ("start", RuntimeError("x"))})
        graph = {"a": [], "b": [], "c": []}
        outcome = GraphRun(one_worker, graph, make).start().wait(WAIT)
    assert outcome.not_started == {"b", "c"}
    assert journal.events == [("start", "a")]


# -- cancel, abort, timeout --------------------------------------------------------------------


def test_cancel_lets_in_flight_work_finish_and_starts_nothing_new(sched):
    journal = Journal()
    release = threading.Event()
    make = factory(journal, a={"done_when": release.is_set})
    run = GraphRun(sched, {"a": [], "b": ["a"]}, make).start()
    wait_for(lambda: journal.count("check", "a") > 0)
    assert run.cancel("User cancelled") is True
    assert run.cancel("again") is False
    time.sleep(0.05)
    assert run.done is False  # a is still in flight
    release.set()
    outcome = run.wait(WAIT)
    assert outcome.status is Status.CANCELLED
    assert outcome.reason == "User cancelled"
    assert outcome.completed == {"a"}
    assert outcome.not_started == {"b"}
    assert journal.count("start", "b") == 0


def test_cancel_before_start_runs_nothing(sched):
    journal = Journal()
    run = GraphRun(sched, {"a": []}, factory(journal))
    assert run.cancel() is True
    outcome = run.start().wait(WAIT)
    assert outcome.status is Status.CANCELLED
    assert outcome.reason == "Cancelled"
    assert outcome.not_started == {"a"}
    assert journal.events == []


def test_a_failure_after_cancel_keeps_cancelled_and_is_recorded(sched):
    cancelled = threading.Event()
    error = RuntimeError("late")

    def done_when():
        if cancelled.is_set():
            raise error
        return False

    journal = Journal()
    run = GraphRun(sched, {"a": []}, factory(journal, a={"done_when": done_when})).start()
    wait_for(lambda: journal.count("check", "a") > 0)
    run.cancel("stop")
    cancelled.set()
    outcome = run.wait(WAIT)
    assert outcome.status is Status.CANCELLED
    assert outcome.failures == (Failure("a", error),)
    assert outcome.reason == "stop"


def test_abort_abandons_in_flight_steps_and_stops_checking_them(sched):
    journal = Journal()
    run = GraphRun(sched, {"a": [], "b": ["a"]}, factory(journal, a={"done_when": lambda: False}))
    run.start()
    wait_for(lambda: journal.count("check", "a") >= 2)
    assert run.abort("engine going away") is True
    outcome = run.wait(WAIT)
    assert outcome.status is Status.CANCELLED
    assert outcome.in_progress_at_end == {"a"}
    assert outcome.not_started == {"b"}
    checks = journal.count("check", "a")
    time.sleep(0.2)
    assert journal.count("check", "a") <= checks + 1  # at most one already in flight
    assert run.abort() is False


def test_timeout_abandons_and_lists_steps_in_progress(sched):
    journal = Journal()
    graph = {"slow": [], "after": ["slow"], "quick": []}
    make = factory(journal, slow={"done_when": lambda: False})
    started = time.monotonic()
    outcome = GraphRun(sched, graph, make, timeout=0.3).start().wait(WAIT)
    elapsed = time.monotonic() - started
    assert 0.3 <= elapsed < 3
    assert outcome.status is Status.TIMED_OUT
    assert outcome.in_progress_at_end == {"slow"}
    assert outcome.completed == {"quick"}
    assert outcome.not_started == {"after"}
    assert outcome.reason == "Timed out after 0.3 s waiting for slow"
    assert_partition(outcome, graph)
    checks = journal.count("check", "slow")
    time.sleep(0.3)
    assert journal.count("check", "slow") <= checks + 1


def test_deadline_while_failing_keeps_the_root_cause(sched):
    error = RuntimeError("boom")
    stuck_in_flight = threading.Event()

    class Bad:
        def start(self):
            assert stuck_in_flight.wait(WAIT)  # so "stuck" is in flight, not skipped
            raise error

    class Stuck:
        def start(self):
            stuck_in_flight.set()

        def check(self):
            return False

    steps = {"bad": Bad, "stuck": Stuck}
    run = GraphRun(sched, {"bad": [], "stuck": []}, lambda n: steps[n](), timeout=0.2)
    outcome = run.start().wait(WAIT)
    assert outcome.status is Status.FAILED
    assert outcome.root_cause == Failure("bad", error)
    assert outcome.in_progress_at_end == {"stuck"}
    assert outcome.reason == "bad: RuntimeError: boom"


def test_scheduler_shutdown_aborts_runs_in_flight():
    scheduler = Scheduler(max_workers=2)
    journal = Journal()
    run = GraphRun(scheduler, {"a": []}, factory(journal, a={"done_when": lambda: False}))
    run.start()
    wait_for(lambda: journal.count("check", "a") > 0)
    scheduler.shutdown(wait=True)
    outcome = run.wait(WAIT)
    assert outcome.status is Status.CANCELLED
    assert outcome.reason == "Engine scheduler shut down"
    assert outcome.in_progress_at_end == {"a"}


def test_start_on_a_shut_down_scheduler_is_refused():
    scheduler = Scheduler(max_workers=1)
    scheduler.shutdown()
    with pytest.raises(RuntimeError, match="^Scheduler is shut down$"):
        GraphRun(scheduler, {"a": []}, factory(Journal())).start()


# -- waiting -----------------------------------------------------------------------------------


def test_on_done_and_wait(sched, caplog):
    release = threading.Event()
    run = GraphRun(sched, {"a": []}, factory(Journal(), a={"done_when": release.is_set}))
    seen = []

    def broken(outcome):
        raise ValueError("callback bug")

    run.on_done(seen.append)
    run.on_done(broken)
    run.start()
    with pytest.raises(TimeoutError):
        run.wait(0.05)
    assert run.outcome is None
    with pytest.raises(RuntimeError, match="^GraphRun already started$"):
        run.start()
    release.set()
    with caplog.at_level(logging.ERROR, logger="heat.engine.graph_run"):
        outcome = run.wait(WAIT)
    assert seen == [outcome]
    assert run.outcome is outcome
    assert any("callback" in record.getMessage() for record in caplog.records)
    late = []
    run.on_done(late.append)  # already finished: called at once
    assert late == [outcome]


# -- back-off ----------------------------------------------------------------------------------


def _check_times(sched, step_cls, backoff):
    times = []
    step = step_cls(times)
    outcome = GraphRun(sched, {"a": []}, lambda node: step, backoff=backoff).start().wait(WAIT)
    assert outcome.status is Status.COMPLETE
    return times


def test_checks_follow_the_backoff_and_the_first_one_is_immediate(sched):
    class Timed:
        def __init__(self, times):
            self.times = times

        def start(self):
            self.times.append(time.monotonic())

        def check(self):
            self.times.append(time.monotonic())
            return len(self.times) == 6

    times = _check_times(sched, Timed, Backoff(initial=0.02, factor=2.0, maximum=0.08))
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert gaps[0] < 0.5  # first check right after start, no back-off
    for gap, nominal in zip(gaps[1:], [0.02, 0.04, 0.08, 0.08], strict=True):
        assert nominal <= gap < nominal + 1.0


def test_step_hint_overrides_the_backoff(sched):
    class Hinted:
        def __init__(self, times):
            self.times = times

        def start(self):
            pass

        def check(self):
            self.times.append(time.monotonic())
            return len(self.times) == 3

        def next_check_delay(self):
            return 0.1

    times = _check_times(sched, Hinted, Backoff(initial=0.001, factor=1.0, maximum=0.001))
    assert all(0.1 <= later - earlier for earlier, later in itertools.pairwise(times))


# -- performance -------------------------------------------------------------------------------


def test_chain_of_twenty_with_one_backoff_each_is_fast(sched):
    graph = {i: [i - 1] if i else [] for i in range(20)}
    timings = []
    # Best of three: one run can lose 100 ms to a busy machine's CPU scheduler, three in a
    # row cannot; what this guards against (a thread sleeping a polling interval) fails all.
    for _ in range(3):
        journal = Journal()
        make = factory(journal, {i: {"checks": 2} for i in range(20)})
        started = time.monotonic()
        outcome = GraphRun(sched, graph, make).start().wait(WAIT)
        timings.append(time.monotonic() - started)
        assert outcome.status is Status.COMPLETE
        assert [node for event, node in journal.events if event == "start"] == list(range(20))
        assert journal.count("check", 19) == 2
        if timings[-1] < 0.2:
            break
    print("20-node chain, 2 checks each:", ", ".join(f"{t * 1000:.0f} ms" for t in timings))
    # The floor is 20 back-off delays of 5 ms = 100 ms.
    assert 0.1 <= min(timings) < 0.2


def test_fifty_slow_nodes_wait_concurrently_on_few_threads():
    baseline = threading.active_count()
    peak = baseline

    class OneSecond:
        def start(self):
            self.ready_at = time.monotonic() + 1.0

        def check(self):
            return time.monotonic() >= self.ready_at

    with Scheduler(max_workers=4) as scheduler:
        started = time.monotonic()
        run = GraphRun(scheduler, {i: [] for i in range(50)}, lambda node: OneSecond()).start()
        while not run.done and time.monotonic() - started < WAIT:
            peak = max(peak, threading.active_count())
            time.sleep(0.01)
        outcome = run.wait(WAIT)
        elapsed = time.monotonic() - started
    print(f"50 nodes of 1 s on 4 workers: {elapsed:.2f} s, peak {peak - baseline} threads")
    assert outcome.completed == set(range(50))
    assert 1.0 <= elapsed < 3.0
    assert peak <= baseline + 4 + 1


class Instant:
    def start(self):
        return True

    def check(self):
        raise AssertionError("not called")


@pytest.mark.parametrize("shape", ["independent", "chain"])
def test_ten_thousand_trivial_nodes(sched, shape):
    if shape == "chain":  # also proves there is no recursion per node
        graph = {i: [i - 1] if i else [] for i in range(10_000)}
    else:
        graph = {i: [] for i in range(10_000)}
    started = time.monotonic()
    outcome = GraphRun(sched, graph, lambda node: Instant()).start().wait(WAIT)
    elapsed = time.monotonic() - started
    print(f"10,000 trivial nodes ({shape}): {elapsed:.3f} s")
    assert len(outcome.completed) == 10_000
    assert elapsed < 5.0
