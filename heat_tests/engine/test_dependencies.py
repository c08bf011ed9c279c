"""Tests for heat.engine.dependencies: order, cycles, subgraphs."""

import pytest

from heat.engine.dependencies import Graph, format_cycle


@pytest.mark.parametrize(
    "requires, order",
    [
        ({}, []),
        ({"A": []}, ["A"]),
        ({"B": [], "A": []}, ["A", "B"]),
        ({"A": ["B"], "B": ["C"], "C": []}, ["C", "B", "A"]),
        # Ties are broken by name: B (ready after A) comes before C.
        ({"A": [], "C": [], "B": ["A"], "D": ["B", "C"]}, ["A", "B", "C", "D"]),
        (
            {"Web": ["Db", "Net"], "Db": ["Net"], "Net": [], "Alarm": ["Web"]},
            ["Net", "Db", "Web", "Alarm"],
        ),
        ({"Z": [], "Y": ["Z"], "A": ["Y"]}, ["Z", "Y", "A"]),
    ],
)
def test_order(requires, order):
    assert Graph(requires).order() == order


def test_order_does_not_depend_on_insertion_order():
    requires = {"A": ["B"], "B": [], "C": ["B"], "D": []}
    reversed_requires = dict(reversed(list(requires.items())))
    assert Graph(requires).order() == Graph(reversed_requires).order() == ["B", "A", "C", "D"]


def test_order_of_a_cyclic_graph_is_an_error():
    with pytest.raises(ValueError, match="the graph has a cycle"):
        Graph({"A": ["B"], "B": ["A"]}).order()


@pytest.mark.parametrize(
    "requires, cycles",
    [
        ({"A": ["B"], "B": []}, []),
        ({"A": ["A"]}, [["A", "A"]]),
        ({"A": ["B"], "B": ["C"], "C": ["A"]}, [["A", "B", "C", "A"]]),
        # The cycle starts at the component's smallest name, whatever the insertion order.
        ({"C": ["A"], "B": ["C"], "A": ["B"]}, [["A", "B", "C", "A"]]),
        # The shortest cycle through the smallest name: A -> D -> A, not A -> B -> C -> A.
        ({"A": ["B", "D"], "B": ["C"], "C": ["A"], "D": ["A"]}, [["A", "D", "A"]]),
        # Of two shortest cycles, the one through the smaller neighbour.
        ({"A": ["C", "B"], "B": ["A"], "C": ["A"]}, [["A", "B", "A"]]),
        # One cycle per strongly connected component, sorted.
        (
            {"X": ["Y"], "Y": ["X"], "B": ["A"], "A": ["B"], "M": ["X", "A"]},
            [["A", "B", "A"], ["X", "Y", "X"]],
        ),
        # A self-loop inside a larger component: the component's cycle through its smallest name.
        ({"A": ["B"], "B": ["A", "B"]}, [["A", "B", "A"]]),
        ({"Q": ["Q"], "P": []}, [["Q", "Q"]]),
    ],
)
def test_cycles(requires, cycles):
    assert Graph(requires).cycles() == cycles


def test_format_cycle():
    assert format_cycle(["A", "B", "C", "A"]) == "A -> B -> C -> A"


def test_long_chain_needs_no_recursion():
    n = 10_000
    names = [f"R{i:05d}" for i in range(n)]
    graph = Graph({name: [names[i - 1]] if i else [] for i, name in enumerate(names)})
    assert graph.cycles() == []
    assert graph.order() == names
    closed = Graph({name: [names[i - 1]] for i, name in enumerate(names)})  # R00000 needs R09999
    (cycle,) = closed.cycles()
    assert cycle[0] == cycle[-1] == "R00000"
    assert cycle[1] == "R09999" and len(cycle) == n + 1


def test_required_by_and_membership():
    graph = Graph({"A": ["B"], "B": [], "C": ["B"]})
    assert graph.required_by == {"A": frozenset(), "B": frozenset({"A", "C"}), "C": frozenset()}
    assert len(graph) == 3 and "A" in graph and "Z" not in graph


def test_subgraph_drops_edges_to_nodes_left_out():
    graph = Graph({"A": ["B", "C"], "B": ["C"], "C": []})
    sub = graph.subgraph(["A", "B"])
    assert sub.requires == {"A": frozenset({"B"}), "B": frozenset()}
    assert sub.required_by == {"A": frozenset(), "B": frozenset({"A"})}
    assert sub.order() == ["B", "A"]
    assert graph.subgraph(["A", "B", "C", "Nope"]).requires == graph.requires
