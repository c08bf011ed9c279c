"""Leases (the periodic-work leader) and step claims are compare-and-sets on every backend."""

import datetime
import time

import sqlalchemy as sa

from heat.db import models
from heat_tests.db.factories import create_stack


def test_a_lease_is_held_by_one_engine_until_it_stops_renewing(heat_db):
    assert heat_db.leases.acquire("leader", "e1", 0.5) is True
    assert heat_db.leases.acquire("leader", "e2", 0.5) is False
    assert heat_db.leases.acquire("leader", "e1", 0.5) is True  # a renewal
    assert heat_db.leases.holder("leader")["holder"] == "e1"
    time.sleep(0.6)
    assert heat_db.leases.acquire("leader", "e2", 0.5) is True  # e1 went quiet
    assert heat_db.leases.acquire("leader", "e1", 0.5) is False
    assert heat_db.leases.release("leader", "e1") is False
    assert heat_db.leases.release("leader", "e2") is True
    assert heat_db.leases.holder("leader") is None
    assert heat_db.leases.acquire("leader", "e1", 30) is True


def _resource(heat_db, stack_id):
    return heat_db.resources.insert_many(stack_id, [{"name": "R", "type": "OS::Heat::None"}])["R"]


def test_a_step_is_claimed_once_per_traversal_and_only_for_the_lock_holder(heat_db):
    stack_id = create_stack(heat_db)
    heat_db.locks.acquire(stack_id, "owner")
    rid = _resource(heat_db, stack_id)

    assert heat_db.steps.claim(rid, stack_id, "someone-else", "t1", "w1") is False
    assert heat_db.steps.claim(rid, stack_id, "owner", "t1", "w1") is True
    assert heat_db.steps.claim(rid, stack_id, "owner", "t1", "w2") is False  # a duplicate cast
    state = heat_db.steps.states([rid])[rid]
    assert (state["status"], state["engine_id"], state["traversal_id"]) == (
        "IN_PROGRESS",
        "w1",
        "t1",
    )
    assert heat_db.steps.running_elsewhere(stack_id, ["w1"]) == [state]
    assert heat_db.steps.running_elsewhere(stack_id, ["w2"]) == []

    # w1 died: the owner makes the step claimable again, and only while w1 still has it.
    assert heat_db.steps.unclaim(rid, "t1", "w2") is False
    assert heat_db.steps.unclaim(rid, "t1", "w1") is True
    assert heat_db.steps.claim(rid, stack_id, "owner", "t1", "w2") is True

    heat_db.locks.steal(stack_id, "owner", "taker")
    assert heat_db.steps.claim(rid, stack_id, "owner", "t2", "w1") is False


def test_engines_live_and_dead(heat_db):
    heat_db.engines.register("a", "host", 1, "engine")
    heat_db.engines.register("b", "host", 2, "engine")
    heat_db.engines.register("c", "host", 3, "engine")
    heat_db.engines.stop("c")
    old = models.utcnow() - datetime.timedelta(seconds=60)
    with heat_db.engine.begin() as conn:
        conn.execute(
            sa.update(models.engine).where(models.engine.c.id == "b").values(heartbeat_at=old)
        )
    assert heat_db.engines.live(30) == ["a"]
    assert heat_db.engines.dead(30) == ["b", "c"]
