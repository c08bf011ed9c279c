"""The resource dependency graph: build it, check it for cycles, order it.

Edges come from Ref, Fn::GetAtt, Fn::Sub and DependsOn. Everything here is linear in the
size of the graph, and every answer is deterministic: the same template always yields the
same order and the same cycle message.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterable, Mapping


class Graph:
    """Nodes and the nodes each one requires (must exist before it)."""

    def __init__(self, requires: Mapping[str, Iterable[str]]):
        self.requires: dict[str, frozenset[str]] = {
            node: frozenset(deps) for node, deps in requires.items()
        }
        required_by: dict[str, set[str]] = {node: set() for node in self.requires}
        for node, deps in self.requires.items():
            for dep in deps:
                required_by[dep].add(node)
        self.required_by = {node: frozenset(users) for node, users in required_by.items()}

    def __len__(self) -> int:
        return len(self.requires)

    def __contains__(self, node) -> bool:
        return node in self.requires

    def subgraph(self, nodes: Iterable[str]) -> Graph:
        """The graph restricted to `nodes` (edges to other nodes dropped)."""
        keep = set(nodes)
        return Graph({n: self.requires[n] & keep for n in self.requires if n in keep})

    def cycles(self) -> list[list[str]]:
        """Each cycle as [a, b, ..., a], one per strongly connected component, sorted."""
        found = []
        for component in _strongly_connected(self.requires):
            if len(component) > 1 or next(iter(component)) in self.requires[next(iter(component))]:
                found.append(_one_cycle(self.requires, component))
        return sorted(found)

    def order(self) -> list[str]:
        """A topological order (dependencies first), ties broken by name. Graph must be acyclic."""
        remaining = {node: len(deps) for node, deps in self.requires.items()}
        ready = sorted(node for node, count in remaining.items() if count == 0)
        out = []
        while ready:
            node = heapq.heappop(ready)
            out.append(node)
            for user in self.required_by[node]:
                remaining[user] -= 1
                if remaining[user] == 0:
                    heapq.heappush(ready, user)
        if len(out) != len(self.requires):
            raise ValueError("the graph has a cycle")
        return out


def format_cycle(cycle: list[str]) -> str:
    return " -> ".join(cycle)


def _strongly_connected(requires: Mapping[str, frozenset[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative: a 10,000-long chain must not hit the recursion limit."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components = []
    counter = 0
    for root in sorted(requires):
        if root in index:
            continue
        work = [(root, iter(sorted(requires[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            advanced = False
            for dep in edges:
                if dep not in index:
                    index[dep] = low[dep] = counter
                    counter += 1
                    stack.append(dep)
                    on_stack.add(dep)
                    work.append((dep, iter(sorted(requires[dep]))))
                    advanced = True
                    break
                if dep in on_stack:
                    low[node] = min(low[node], index[dep])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                components.append(component)
    return components


def _one_cycle(requires, component: set[str]) -> list[str]:
    """The shortest cycle through the component's smallest node, by breadth-first search."""
    start = min(component)
    previous = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for dep in sorted(requires[node]):
            if dep == start:
                path = [node]
                while previous[path[-1]] is not None:
                    path.append(previous[path[-1]])
                return [*reversed(path), start]
            if dep in component and dep not in previous:
                previous[dep] = node
                queue.append(dep)
    raise AssertionError("a strongly connected component always has a cycle")
