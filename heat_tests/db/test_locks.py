"""Stack locks are atomic compare-and-set operations."""

import threading

from heat_tests.db.factories import create_stack


def test_acquire_release(heat_db):
    stack_id = create_stack(heat_db)
    assert heat_db.locks.acquire(stack_id, "e1") is True
    assert heat_db.locks.holder(stack_id) == "e1"
    assert heat_db.locks.acquire(stack_id, "e2") is False
    assert heat_db.locks.acquire(stack_id, "e1") is False
    assert heat_db.locks.release(stack_id, "e2") is False
    assert heat_db.locks.release(stack_id, "e1") is True
    assert heat_db.locks.holder(stack_id) is None
    assert heat_db.locks.acquire(stack_id, "e2") is True


def test_steal_only_from_the_expected_holder(heat_db):
    stack_id = create_stack(heat_db)
    heat_db.locks.acquire(stack_id, "dead")
    assert heat_db.locks.steal(stack_id, "other", "e2") is False
    assert heat_db.locks.steal(stack_id, "dead", "e2") is True
    assert heat_db.locks.holder(stack_id) == "e2"
    assert heat_db.locks.steal(stack_id, "dead", "e3") is False


def test_held_by(heat_db):
    first = create_stack(heat_db, name="a")
    second = create_stack(heat_db, name="b")
    create_stack(heat_db, name="c")
    heat_db.locks.acquire(first, "e1")
    heat_db.locks.acquire(second, "e2")

    held = heat_db.locks.held_by(["e1", "e2", "e3"])

    assert sorted((row["name"], row["engine_id"]) for row in held) == [("a", "e1"), ("b", "e2")]
    assert set(held[0]) == {
        "id",
        "name",
        "project_id",
        "parent_id",
        "action",
        "status",
        "engine_id",
        "current_traversal",
    }
    assert heat_db.locks.held_by([]) == []


def _race(heat_db, attempt, contenders=8):
    barrier = threading.Barrier(contenders)
    results = {}

    def run(engine_id):
        barrier.wait()
        results[engine_id] = attempt(engine_id)

    threads = [threading.Thread(target=run, args=(f"e{i}",)) for i in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_racing_acquires_have_exactly_one_winner(heat_db):
    for _ in range(5):
        stack_id = create_stack(heat_db)
        results = _race(heat_db, lambda engine_id, s=stack_id: heat_db.locks.acquire(s, engine_id))
        winners = [engine_id for engine_id, won in results.items() if won]
        assert len(winners) == 1
        assert heat_db.locks.holder(stack_id) == winners[0]


def test_racing_steals_have_exactly_one_winner(heat_db):
    stack_id = create_stack(heat_db)
    heat_db.locks.acquire(stack_id, "dead")
    results = _race(heat_db, lambda engine_id: heat_db.locks.steal(stack_id, "dead", engine_id))
    winners = [engine_id for engine_id, won in results.items() if won]
    assert len(winners) == 1
    assert heat_db.locks.holder(stack_id) == winners[0]
