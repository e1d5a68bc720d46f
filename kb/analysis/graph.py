"""The knowledge base as a networkx graph: the one structure every analysis reads.

Nodes carry the fields of :class:`kb.data.models.Node` as plain Python data (no
pydantic objects), so that exporters can serialise them without knowing the
models. An edge points from the arguing node to the node it argues about, the
direction in which strength flows, and carries ``relation`` (one of
:data:`kb.data.relations.EDGE_RELATIONS`), ``weight`` and ``note``:

* ``supports`` / ``attacks`` edges also carry ``linked``: the sorted premises of
  a linked argument, this edge's source among them (an empty tuple for a plain
  edge; every premise of a linked argument has its own edge, with the same
  weight and note, so that reachability needs no special case), and ``lead``,
  the node whose file declares the argument;
* an ``undercuts`` edge runs from the undercutter to the undercut edges' target
  and carries ``via``, the sorted sources of the inferences it undercuts there
  (its weight is the largest of their undercut weights);
* a ``restates`` edge has weight 0: it carries no evidential weight.

The graph-level attributes ``people`` and ``sources`` hold the registries
(id -> plain dict), so that queries can resolve names and check ids without the
loaded :class:`~kb.data.store.KnowledgeBase`.

Nothing here reads or writes files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Mapping

from kb.data.errors import UnknownId
from kb.data.relations import ARGUMENT_RELATIONS, EDGE_RELATIONS
from kb.data.suggest import closest

if TYPE_CHECKING:  # networkx and the models are imported where a graph is built, not by readers of one
    import networkx as nx

    from kb.data.models import Node
    from kb.data.store import KnowledgeBase

RELATIONS = EDGE_RELATIONS
THESIS_TAG = "thesis"


def node_attrs(node: Node) -> dict:
    """The attributes a graph node gets from its model: plain, JSON-ready values."""
    return {
        "kind": node.kind,
        "title": node.title,
        "text": node.text,
        "speaker": node.speaker,
        "presenter": node.presenter,
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
    import networkx as nx

    G = nx.DiGraph()
    G.graph["people"] = {pid: p.model_dump(exclude_none=True) for pid, p in sorted(kb.people.items())}
    G.graph["sources"] = {sid: s.model_dump(exclude_none=True) for sid, s in sorted(kb.sources.items())}
    for node_id in sorted(kb.nodes):
        attrs = node_attrs(kb.nodes[node_id])
        path = kb.paths.get(node_id)
        attrs["path"] = str(path) if path is not None else None
        G.add_node(node_id, **attrs)
    add_edges(G, kb.nodes)
    return G


def add_edges(G, nodes: Mapping[str, Node]) -> None:
    """Add the edges that ``nodes`` declare to a graph that already holds every node they may name.

    ``G`` needs only networkx's ``in``, ``has_edge``, ``add_edge`` and ``G[u][v]``.
    Edges go in, in the order that decides every node's predecessors: argument
    edges node by node (by id), then undercuts and restatements node by node.
    So when ``nodes`` are every node that declares an edge into some target,
    that target's predecessors come out as in the whole graph, whatever other
    nodes are left out (what :mod:`kb.data.patch` relies on).
    """
    for node_id in sorted(nodes):
        node = nodes[node_id]
        for relation in ARGUMENT_RELATIONS:
            for edge in node.edges(relation):
                premises = (node_id, *edge.with_)
                linked = tuple(sorted(premises)) if edge.with_ else ()
                for premise in premises:
                    _add(G, premise, edge.target, relation=relation, weight=edge.weight, note=edge.note,
                         linked=linked, lead=node_id)
    for node_id in sorted(nodes):
        node = nodes[node_id]
        by_target: dict[str, list] = {}
        for cut in node.undercuts:
            if G.has_edge(cut.source, cut.target) and G[cut.source][cut.target]["relation"] in ARGUMENT_RELATIONS \
                    and node_id not in (cut.source, cut.target):
                by_target.setdefault(cut.target, []).append(cut)
        for target, cuts in by_target.items():
            notes = list(dict.fromkeys(c.note for c in cuts if c.note))
            _add(G, node_id, target, relation="undercuts", weight=max(c.weight for c in cuts),
                 note=" / ".join(notes) or None, via=tuple(sorted({c.source for c in cuts})))
        for target in node.restates:
            _add(G, node_id, target, relation="restates", weight=0.0, note=None)


def _add(G: nx.DiGraph, source: str, target: str, **attrs) -> None:
    # The first declaration of a pair wins, as in the duplicate-edge check.
    if source != target and source in G and target in G and not G.has_edge(source, target):
        G.add_edge(source, target, **attrs)


def from_edges(
    edges: Iterable[tuple],
    nodes: Iterable[str] = (),
    stances: dict[str, dict[str, float]] | None = None,
    *,
    linked: Iterable[tuple] = (),
    undercuts: Iterable[tuple] = (),
    restates: Iterable[tuple[str, str]] = (),
    speakers: dict[str, str] | None = None,
) -> nx.DiGraph:
    """A bare argument graph from ``(source, target, relation[, weight])`` tuples.

    Tests, benchmarks and examples need graphs without writing YAML; the result
    has the same edge attributes as :func:`build` and, per node, only ``stances``
    (``stances[node][person] = credence``), ``speaker`` and an empty ``tags`` list.
    ``linked`` holds ``(premises, target, relation[, weight])``, ``undercuts``
    ``(undercutter, source, target[, weight])`` (the edge source -> target must be
    among the others) and ``restates`` ``(node, restated node)``.
    """
    stances = stances or {}
    import networkx as nx

    G = nx.DiGraph()
    G.graph["people"] = {}
    G.graph["sources"] = {}
    for n in nodes:
        G.add_node(n)
    for edge in edges:
        source, target, relation = edge[0], edge[1], edge[2]
        weight = float(edge[3]) if len(edge) > 3 else 1.0
        if relation not in ARGUMENT_RELATIONS:
            raise ValueError(f"relation must be one of {ARGUMENT_RELATIONS}, got {relation!r}")
        G.add_node(source)
        G.add_node(target)
        _add(G, source, target, relation=relation, weight=weight, note=None, linked=(), lead=source)
    for edge in linked:
        premises, target, relation = tuple(edge[0]), edge[1], edge[2]
        weight = float(edge[3]) if len(edge) > 3 else 1.0
        if relation not in ARGUMENT_RELATIONS:
            raise ValueError(f"relation must be one of {ARGUMENT_RELATIONS}, got {relation!r}")
        G.add_nodes_from((*premises, target))
        for premise in premises:
            _add(G, premise, target, relation=relation, weight=weight, note=None,
                 linked=tuple(sorted(premises)), lead=premises[0])
    for edge in undercuts:
        cutter, source, target = edge[0], edge[1], edge[2]
        weight = float(edge[3]) if len(edge) > 3 else 1.0
        if not G.has_edge(source, target):
            raise ValueError(f"no edge {source} -> {target} to undercut")
        G.add_node(cutter)
        if G.has_edge(cutter, target) and G[cutter][target]["relation"] == "undercuts":
            data = G[cutter][target]
            data["via"] = tuple(sorted({*data["via"], source}))
            data["weight"] = max(data["weight"], weight)
        else:
            _add(G, cutter, target, relation="undercuts", weight=weight, note=None, via=(source,))
    for a, b in restates:
        G.add_nodes_from((a, b))
        _add(G, a, b, relation="restates", weight=0.0, note=None)
    speakers = speakers or {}
    for n in G.nodes:
        G.nodes[n].setdefault("tags", [])
        G.nodes[n]["stances"] = dict(stances.get(n, {}))
        G.nodes[n]["speaker"] = speakers.get(n)
    return G


def require_node(G: nx.DiGraph, node_id: str) -> None:
    """Raise :class:`~kb.data.errors.UnknownId` with suggestions when the id names no node."""
    if node_id not in G:
        raise UnknownId("node", node_id, closest(node_id, G.nodes))


def require_person(G: nx.DiGraph, person: str) -> None:
    """Raise :class:`~kb.data.errors.UnknownId` when the id names nobody in people.yaml."""
    people = G.graph.get("people", {})
    if person not in people:
        raise UnknownId("person", person, closest(person, people))


def supporters(G: nx.DiGraph, node_id: str) -> list[str]:
    return sorted(s for s, _, r in G.in_edges(node_id, data="relation") if r == "supports")


def attackers(G: nx.DiGraph, node_id: str) -> list[str]:
    return sorted(s for s, _, r in G.in_edges(node_id, data="relation") if r == "attacks")


def upstream(G: nx.DiGraph, target: str) -> set[str]:
    """The target and every node that can move its strength.

    Those are its ancestors, where a restatement counts both ways: what argues for
    any restatement of a claim argues for the claim.
    """
    seen = {target}
    todo = [target]
    while todo:
        v = todo.pop()
        nbrs = [u for u in G.pred[v]]
        nbrs += [w for w, d in G.succ[v].items() if d.get("relation") == "restates"]
        for u in nbrs:
            if u not in seen:
                seen.add(u)
                todo.append(u)
    return seen


def undercutters(G: nx.DiGraph, source: str, target: str) -> list[str]:
    """The nodes that undercut the edge ``source`` -> ``target``."""
    return sorted(u for u, _, d in G.in_edges(target, data=True)
                  if d.get("relation") == "undercuts" and source in (d.get("via") or ()))


def restatement_classes(G: nx.DiGraph) -> dict[str, str]:
    """Node id -> the id that represents its restatement class (the smallest id in it).

    Restatement is an equivalence: the classes are the connected components of
    the ``restates`` edges taken in either direction. Only nodes in a class of
    two or more are listed.
    """
    parent: dict[str, str] = {}
    members: set[str] = set()

    def find(x: str) -> str:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    for u, v, r in G.edges(data="relation"):
        if r == "restates":
            members.update((u, v))
            a, b = find(u), find(v)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return {n: find(n) for n in sorted(members)}


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
