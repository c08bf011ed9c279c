"""The walk's vocabulary: Backoff between status checks, and how a Failure reads."""

import pytest

from heat.common.exception import InvalidInput
from heat.engine.walk import Backoff, Failure


@pytest.mark.parametrize(
    "checks, delay", [(1, 0.25), (2, 0.5), (3, 1.0), (4, 2.0), (5, 4.0), (6, 4.0), (5000, 4.0)]
)
def test_backoff_grows_geometrically_to_its_cap(checks, delay):
    assert Backoff(initial=0.25, factor=2.0, maximum=4.0).delay(checks) == delay


def test_default_backoff():
    assert Backoff() == Backoff(initial=0.005, factor=2.0, maximum=1.0)
    assert Backoff().delay(1) == 0.005


@pytest.mark.parametrize(
    "kwargs", [{"initial": -1.0}, {"factor": 0.5}, {"initial": 2.0, "maximum": 1.0}]
)
def test_backoff_rejects_nonsense(kwargs):
    with pytest.raises(ValueError, match="^invalid back-off"):
        Backoff(**kwargs)


def test_a_failure_names_its_node_and_says_what_went_wrong():
    assert str(Failure("Server", InvalidInput("no such image"))) == "Server: no such image"
    assert str(Failure("Server", RuntimeError("boom"))) == "Server: RuntimeError: boom"
