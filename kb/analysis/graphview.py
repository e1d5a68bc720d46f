"""A read-only argument graph with networkx's reading API, built without importing networkx.

A query answered from the cache (``kb show``, ``search``, ``list``, ``stats``)
reads a few attributes of a compiled graph; importing networkx and rebuilding
its graph cost more than the whole answer on a map of 10^4 nodes. This view
holds the same dicts networkx would (node attributes, and the successors and
predecessors of every node, in the same order) and answers the calls those
queries make with the same results, in the same order, so the query functions
take either. :mod:`kb.data.compiled` turns it into the networkx graph when a
command needs an algorithm.

Nothing here does I/O.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator

_Attrs = dict[str, Any]


def _pick(attrs: _Attrs, data: bool | str, default: Any = None) -> Any:
    return attrs if data is True else attrs.get(data, default)  # type: ignore[arg-type]


class _Nodes:
    """``G.nodes``: iterable over ids, indexable by id, callable as ``G.nodes(data=...)``."""

    __slots__ = ("_node",)

    def __init__(self, node: dict[str, _Attrs]):
        self._node = node

    def __getitem__(self, n: str) -> _Attrs:
        return self._node[n]

    def __iter__(self) -> Iterator[str]:
        return iter(self._node)

    def __len__(self) -> int:
        return len(self._node)

    def __contains__(self, n: object) -> bool:
        return n in self._node

    def __call__(self, data: bool | str = False, default: Any = None) -> Iterable:
        if data is False:
            return iter(self._node)
        return [(n, _pick(attrs, data, default)) for n, attrs in self._node.items()]


class GraphView:
    """The subset of ``networkx.DiGraph``'s reading API that the queries use, over plain dicts.

    Edges are added in an order that networkx, given the same nodes and edges
    in the same order, would also give every node's successors and
    predecessors in (see :func:`kb.data.compiled._edge_order`).
    """

    def __init__(self, graph: dict, nodes: Iterable[tuple[str, _Attrs]], edges: Iterable[tuple[str, str, _Attrs]]):
        self.graph = graph
        self._node: dict[str, _Attrs] = {}
        self.succ: dict[str, dict[str, _Attrs]] = {}
        self.pred: dict[str, dict[str, _Attrs]] = {}
        node, succ, pred = self._node, self.succ, self.pred
        for n, attrs in nodes:
            if n in node:
                raise ValueError(f"node {n!r} given twice")
            node[n] = attrs
            succ[n] = {}
            pred[n] = {}
        self._edges = list(edges)
        for u, v, attrs in self._edges:
            if u not in node or v not in node or v in succ[u]:
                raise ValueError("an edge the graph cannot hold")
            succ[u][v] = attrs
            pred[v][u] = attrs
        self.nodes = _Nodes(node)
        self.adj = self.succ

    def __contains__(self, n: object) -> bool:
        return n in self._node

    def __iter__(self) -> Iterator[str]:
        return iter(self._node)

    def __len__(self) -> int:
        return len(self._node)

    def number_of_nodes(self) -> int:
        return len(self._node)

    def number_of_edges(self) -> int:
        return sum(map(len, self.succ.values()))

    def has_edge(self, u: str, v: str) -> bool:
        return u in self.succ and v in self.succ[u]

    def out_degree(self, n: str) -> int:
        return len(self.succ[n])

    def in_degree(self, n: str) -> int:
        return len(self.pred[n])

    def edges(self, data: bool | str = False, default: Any = None) -> list:
        if data is False:
            return [(u, v) for u, nbrs in self.succ.items() for v in nbrs]
        return [(u, v, _pick(attrs, data, default)) for u, nbrs in self.succ.items() for v, attrs in nbrs.items()]

    def out_edges(self, n: str, data: bool | str = False, default: Any = None) -> list:
        nbrs = self.succ[n]
        if data is False:
            return [(n, v) for v in nbrs]
        return [(n, v, _pick(attrs, data, default)) for v, attrs in nbrs.items()]

    def in_edges(self, n: str, data: bool | str = False, default: Any = None) -> list:
        nbrs = self.pred[n]
        if data is False:
            return [(u, n) for u in nbrs]
        return [(u, n, _pick(attrs, data, default)) for u, attrs in nbrs.items()]

    def edges_in_order(self) -> list[tuple[str, str, _Attrs]]:
        """The edges in the order they were given: added to networkx in it, they rebuild the same graph."""
        return self._edges
