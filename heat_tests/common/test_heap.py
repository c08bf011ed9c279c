"""Freezing the startup heap: garbage is collected first, what lives is frozen."""

import gc
import weakref

from heat.common.heap import freeze_startup_heap


class _Node:
    def __init__(self):
        self.peer = self  # a reference cycle: only the collector frees it


def test_garbage_is_collected_and_the_living_heap_frozen():
    garbage = _Node()
    gone = weakref.ref(garbage)
    del garbage
    kept = _Node()
    try:
        frozen = freeze_startup_heap()
        assert gone() is None  # not frozen forever: collected before the freeze
        assert frozen == gc.get_freeze_count() > 0
        assert kept.peer is kept
    finally:
        gc.unfreeze()  # the test process goes on collecting as usual
