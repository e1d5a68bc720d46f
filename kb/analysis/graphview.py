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

from typing import Any, Callable, Iterable, Iterator

_Attrs = dict[str, Any]
# One-node edge questions answered by scanning the edge list before it is indexed (see GraphView._positions).
SCANS = 4


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
        if data is True:
            return list(self._node.items())
        return [(n, attrs.get(data, default)) for n, attrs in self._node.items()]


class GraphView:
    """The subset of ``networkx.DiGraph``'s reading API that the queries use, over plain dicts.

    Edges are given in an order that networkx, given the same nodes and edges
    in the same order, would also give every node's successors and
    predecessors in (see :func:`kb.data.compiled._edge_order`). Each node's
    edges are indexed when an edge is first asked for, and an edge's attributes
    made when first read (``edge_attrs(i)`` for the i-th edge): ``kb list``
    reads no edge, ``kb show`` those of one node.
    """

    def __init__(self, graph: dict, nodes: Iterable[tuple[str, _Attrs]], ends: Iterable[tuple[str, str]],
                 edge_attrs: Callable[[int], _Attrs], edge_column: Callable[[str, Any], list] | None = None):
        self.graph = graph
        self._node: dict[str, _Attrs] = {}
        node = self._node
        for n, attrs in nodes:
            if n in node:
                raise ValueError(f"node {n!r} given twice")
            node[n] = attrs
        self._ends = [(u, v) for u, v in ends]
        if len(set(self._ends)) != len(self._ends):
            raise ValueError("an edge given twice")
        if not all(u in node and v in node for u, v in self._ends):
            raise ValueError("an edge to a node the graph does not have")
        self._index: tuple[dict[str, list[int]], dict[str, list[int]]] | None = None
        self._scans = 0
        self._made: list[_Attrs | None] = [None] * len(self._ends)
        self._make = edge_attrs
        # edge_column(key, default): that attribute of every edge, in the given order, read without making
        # each edge's dict (``kb stats`` reads the relation of every edge and nothing else of them).
        self._column = edge_column
        self._succ: dict[str, dict[str, _Attrs]] | None = None
        self._pred: dict[str, dict[str, _Attrs]] | None = None
        self.nodes = _Nodes(node)

    @property
    def _out(self) -> dict[str, list[int]]:
        return self._indexed()[0]

    @property
    def _in(self) -> dict[str, list[int]]:
        return self._indexed()[1]

    def _indexed(self) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
        """Each node's outgoing and incoming edges, by position: made when an edge is first asked for."""
        if self._index is None:
            out: dict[str, list[int]] = {n: [] for n in self._node}
            into: dict[str, list[int]] = {n: [] for n in self._node}
            for i, (u, v) in enumerate(self._ends):
                out[u].append(i)
                into[v].append(i)
            self._index = (out, into)
        return self._index

    def _attrs(self, i: int) -> _Attrs:
        made = self._made[i]
        if made is None:
            made = self._made[i] = self._make(i)
        return made

    @property
    def succ(self) -> dict[str, dict[str, _Attrs]]:
        if self._succ is None:
            ends, attrs = self._ends, self._attrs
            self._succ = {u: {ends[i][1]: attrs(i) for i in out} for u, out in self._out.items()}
        return self._succ

    @property
    def pred(self) -> dict[str, dict[str, _Attrs]]:
        if self._pred is None:
            ends, attrs = self._ends, self._attrs
            self._pred = {v: {ends[i][0]: attrs(i) for i in into} for v, into in self._in.items()}
        return self._pred

    @property
    def _adj(self) -> dict[str, dict[str, _Attrs]]:
        """networkx's plain dict of successors, which :class:`kb.analysis.network.Network` reads directly."""
        return self.succ

    def get_edge_data(self, u: str, v: str, default: Any = None) -> Any:
        return self.succ.get(u, {}).get(v, default)

    def __contains__(self, n: object) -> bool:
        return n in self._node

    def __iter__(self) -> Iterator[str]:
        return iter(self._node)

    def __len__(self) -> int:
        return len(self._node)

    def subgraph(self, nodes: Iterable[str]) -> "GraphView":
        """The view of ``nodes`` and the edges among them, every order kept (as networkx's subgraph view)."""
        keep = set(nodes)
        positions = [i for i, (u, v) in enumerate(self._ends) if u in keep and v in keep]
        attrs = self._attrs
        return GraphView(self.graph, [(n, a) for n, a in self._node.items() if n in keep],
                         [self._ends[i] for i in positions], lambda index: attrs(positions[index]))

    def number_of_nodes(self) -> int:
        return len(self._node)

    def out_degree(self, n: str) -> int:
        return len(self._out[n])

    def edges(self, data: bool | str = False, default: Any = None) -> list:
        ends = self._ends
        order = [i for out in self._out.values() for i in out]  # networkx's: by source, then successor
        if data is False:
            return [ends[i] for i in order]
        if data is not True and self._column is not None:
            column = self._column(data, default)  # type: ignore[arg-type]
            return [(*ends[i], column[i]) for i in order]
        made = self._all_attrs()
        if data is True:
            return [(*ends[i], made[i]) for i in order]
        return [(*ends[i], made[i].get(data, default)) for i in order]

    def _all_attrs(self) -> list[_Attrs]:
        """Every edge's attributes (a command that reads all of them pays for the making once, in one loop)."""
        made, make = self._made, self._make
        for i, attrs in enumerate(made):
            if attrs is None:
                made[i] = make(i)
        return made  # type: ignore[return-value]

    def out_edges(self, n: str, data: bool | str = False, default: Any = None) -> list:
        return self._edges_of(self._positions(n, 0), data, default)

    def in_edges(self, n: str, data: bool | str = False, default: Any = None) -> list:
        return self._edges_of(self._positions(n, 1), data, default)

    def _positions(self, n: str, end: int) -> list[int]:
        """The positions of n's outgoing (end 0) or incoming (end 1) edges, in the index's order.

        The first few one-node questions scan the edge list instead: ``kb show``
        asks about one node, and indexing 10^4 nodes' edges costs it more than
        two scans. Past SCANS the index is made and kept.
        """
        if self._index is None and self._scans < SCANS:
            if n not in self._node:
                raise KeyError(n)
            self._scans += 1
            return [i for i, ends in enumerate(self._ends) if ends[end] == n]
        return self._indexed()[end][n]

    def _edges_of(self, indices: list[int], data: bool | str, default: Any) -> list:
        ends = self._ends
        if data is False:
            return [ends[i] for i in indices]
        return [(*ends[i], _pick(self._attrs(i), data, default)) for i in indices]

    def edges_in_order(self) -> list[tuple[str, str, _Attrs]]:
        """The edges in the order they were given: added to networkx in it, they rebuild the same graph."""
        return [(u, v, self._attrs(i)) for i, (u, v) in enumerate(self._ends)]
