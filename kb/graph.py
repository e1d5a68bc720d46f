"""The knowledge base as a networkx graph: the one structure every analysis reads.

Nodes carry the fields of :class:`kb.models.Node` as plain Python data (no
pydantic objects), so that exporters can serialise them without knowing the
models; edges carry ``relation`` (``"supports"`` or ``"attacks"``), ``weight``
and ``note``. An edge points from the arguing node to the node it argues about,
the direction in which strength flows.

The graph-level attributes ``people`` and ``sources`` hold the registries
(id -> plain dict), so that queries can resolve names and check ids without the
loaded :class:`~kb.store.KnowledgeBase`.

Nothing here reads or writes files.
"""

from __future__ import annotations

from typing import Iterable

import networkx as nx

from kb.errors import UnknownId
from kb.models import Node
from kb.store import KnowledgeBase
from kb.suggest import closest

RELATIONS = ("supports", "attacks")
THESIS_TAG = "thesis"


def node_attrs(node: Node) -> dict:
    """The attributes a graph node gets from its model: plain, JSON-ready values."""
    return {
        "kind": node.kind,
        "title": node.title,
        "text": node.text,
        "speaker": node.speaker,
        "source": node.source.document,
        "quote": node.source.quote,
        "section": node.source.section,
        "tags": list(node.tags),
        "stances": {person: stance.credence for person, stance in node.stances.items()},
        "note": node.note,
    }


def build(kb: KnowledgeBase) -> nx.DiGraph:
    """The argument graph of a loaded knowledge base.

    It is meant for a knowledge base that passed ``kb check``. So that a
    half-written one can still be drawn, edges that ``kb check`` reports as errors
    are left out rather than guessed at: edges to unknown ids, self-edges, and the
    second of two edges between the same pair of nodes (the first listed wins,
    supports before attacks, as in the duplicate-edge check).
    """
    G = nx.DiGraph()
    G.graph["people"] = {pid: p.model_dump(exclude_none=True) for pid, p in sorted(kb.people.items())}
    G.graph["sources"] = {sid: s.model_dump(exclude_none=True) for sid, s in sorted(kb.sources.items())}
    for node_id in sorted(kb.nodes):
        attrs = node_attrs(kb.nodes[node_id])
        path = kb.paths.get(node_id)
        attrs["path"] = str(path) if path is not None else None
        G.add_node(node_id, **attrs)
    for node_id in sorted(kb.nodes):
        node = kb.nodes[node_id]
        for relation in RELATIONS:
            for edge in node.edges(relation):
                target = edge.target
                if target == node_id or target not in kb.nodes or G.has_edge(node_id, target):
                    continue
                G.add_edge(node_id, target, relation=relation, weight=edge.weight, note=edge.note)
    return G


def from_edges(
    edges: Iterable[tuple],
    nodes: Iterable[str] = (),
    stances: dict[str, dict[str, float]] | None = None,
) -> nx.DiGraph:
    """A bare argument graph from ``(source, target, relation[, weight])`` tuples.

    Tests, benchmarks and examples need graphs without writing YAML; the result
    has the same edge attributes as :func:`build` and, per node, only ``stances``
    (``stances[node][person] = credence``) and an empty ``tags`` list.
    """
    stances = stances or {}
    G = nx.DiGraph()
    G.graph["people"] = {}
    G.graph["sources"] = {}
    for n in nodes:
        G.add_node(n)
    for edge in edges:
        source, target, relation = edge[0], edge[1], edge[2]
        weight = float(edge[3]) if len(edge) > 3 else 1.0
        if relation not in RELATIONS:
            raise ValueError(f"relation must be one of {RELATIONS}, got {relation!r}")
        G.add_edge(source, target, relation=relation, weight=weight, note=None)
    for n in G.nodes:
        G.nodes[n].setdefault("tags", [])
        G.nodes[n]["stances"] = dict(stances.get(n, {}))
    return G


def require_node(G: nx.DiGraph, node_id: str) -> None:
    """Raise :class:`~kb.errors.UnknownId` with suggestions when the id names no node."""
    if node_id not in G:
        raise UnknownId("node", node_id, closest(node_id, G.nodes))


def require_person(G: nx.DiGraph, person: str) -> None:
    """Raise :class:`~kb.errors.UnknownId` when the id names nobody in people.yaml."""
    people = G.graph.get("people", {})
    if person not in people:
        raise UnknownId("person", person, closest(person, people))


def supporters(G: nx.DiGraph, node_id: str) -> list[str]:
    return sorted(s for s, _, r in G.in_edges(node_id, data="relation") if r == "supports")


def attackers(G: nx.DiGraph, node_id: str) -> list[str]:
    return sorted(s for s, _, r in G.in_edges(node_id, data="relation") if r == "attacks")


def theses(G: nx.DiGraph) -> list[str]:
    """The top-level conclusions: nodes tagged ``thesis``, or else the nodes that argue about nothing.

    Tagging is the editors' explicit word; the fallback finds the conclusions of
    a map whose editors have not tagged any, since a conclusion is where the
    arrows end.
    """
    tagged = sorted(n for n, tags in G.nodes(data="tags") if tags and THESIS_TAG in tags)
    if tagged:
        return tagged
    return sorted(n for n in G.nodes if G.out_degree(n) == 0)
