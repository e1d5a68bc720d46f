"""What every exporter receives, and the one entry point that picks a format.

The analysis (strengths and grounded labels) is computed on the whole map and
only then cut down to the selection, so that an exported subgraph shows the
numbers the site shows rather than those of a map that stops at its edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import networkx as nx

from kb.analysis import graph as kbgraph
from kb.analysis import select, semantics
from kb.data.compiled import no_collection
from kb.data.errors import KBError
from kb.publishing.export.attrs import vias
from kb.data.relations import ARGUMENT_RELATIONS
from kb.data.store import KnowledgeBase
from kb.publishing.export import FORMATS, Output  # noqa: F401  (re-exported)

# How the analysis is run; recorded in the exports that carry its results.
STRENGTH_METHOD = semantics.DEFAULT_METHOD
PERSPECTIVE = semantics.NEUTRAL
GROUNDED_SUPPORTS = "cayrol"


@dataclass(frozen=True)
class Argument:
    """One inference of the map: premises that together argue for or against a target.

    A plain edge is an argument with one premise; a linked argument has several
    and is one inference, not several, in every format that can say so.
    """

    premises: tuple[str, ...]  # the lead (the node whose file declares it) first, then the others sorted
    target: str
    relation: str  # supports | attacks
    weight: float
    note: str | None
    scheme: str | None = None

    @property
    def lead(self) -> str:
        return self.premises[0]

    @property
    def linked(self) -> bool:
        return len(self.premises) > 1


@dataclass(frozen=True)
class Undercut:
    """``cutter`` disputes the inference ``argument`` (named in files by its edge ``source`` -> target)."""

    cutter: str
    source: str
    argument: Argument
    weight: float
    note: str | None


@dataclass(frozen=True)
class Bundle:
    kb: KnowledgeBase
    graph: nx.DiGraph  # the selected nodes and the edges between them (kb.analysis.graph attributes)
    strengths: semantics.Strengths  # of the whole map
    labels: dict[str, semantics.Label]  # of the whole map
    query: str | None = None

    @property
    def ids(self) -> list[str]:
        return sorted(self.graph.nodes)

    def edges(self) -> list[tuple[str, str, dict]]:
        """Edges in a stable order: by source, then target."""
        return sorted(self.graph.edges(data=True), key=lambda e: (e[0], e[1]))

    def relation_edges(self, *relations: str) -> list[tuple[str, str, dict]]:
        return [e for e in self.edges() if e[2]["relation"] in relations]

    def arguments(self) -> list[Argument]:
        """The selection's inferences, each linked argument once, in a stable order.

        A linked argument cut by the selection keeps the premises inside it.
        """
        groups: dict[tuple, list[tuple[str, dict]]] = {}
        for u, v, d in self.relation_edges(*ARGUMENT_RELATIONS):
            key = (tuple(d.get("linked") or (u,)), v, d["relation"])
            groups.setdefault(key, []).append((u, d))
        out = []
        for (_, target, relation), members in groups.items():
            present = sorted(u for u, _ in members)
            lead = members[0][1].get("lead")
            lead = lead if lead in present else present[0]
            d = members[0][1]
            out.append(Argument((lead, *[p for p in present if p != lead]), target, relation, d["weight"],
                                d.get("note"), self._scheme(lead, target, relation)))
        return sorted(out, key=lambda a: (a.lead, a.target))

    def _scheme(self, lead: str, target: str, relation: str) -> str | None:
        node = self.kb.nodes.get(lead) if self.kb is not None else None
        edge = next((e for e in node.edges(relation) if e.target == target), None) if node is not None else None
        return edge.scheme if edge is not None else None

    def undercuts(self) -> list[Undercut]:
        """Undercuts whose inference is in the selection (an undercut of an edge cut away is dropped).

        An undercut of a linked argument counts once, however many of its premises' edges it names.
        """
        by_edge = {(p, a.target): a for a in self.arguments() for p in a.premises}
        out = []
        for u, v, d in self.relation_edges("undercuts"):
            seen = set()
            for source in vias(d):
                argument = by_edge.get((source, v))
                if argument is None or argument in seen:
                    continue
                seen.add(argument)
                weight, note = self._undercut_weight(u, source, v, d)
                out.append(Undercut(u, source, argument, weight, note))
        return out

    def _undercut_weight(self, cutter: str, source: str, target: str, d: dict) -> tuple[float, str | None]:
        node = self.kb.nodes.get(cutter) if self.kb is not None else None
        cut = next((c for c in node.undercuts if (c.source, c.target) == (source, target)), None) if node else None
        return (cut.weight, cut.note) if cut is not None else (d["weight"], d.get("note"))

    def restatements(self) -> list[tuple[str, str]]:
        """(restating node, restated node) pairs."""
        return [(u, v) for u, v, _ in self.relation_edges("restates")]


def bundle(kb: KnowledgeBase, query: str | None = None) -> Bundle:
    whole = kbgraph.build(kb)
    net = semantics.Network(whole)
    result = semantics.strengths(net, semantics.base_scores(whole, PERSPECTIVE), STRENGTH_METHOD)
    labels = semantics.grounded(net, GROUNDED_SUPPORTS)
    return Bundle(kb, select.subgraph(whole, query), result, labels, query)


def _formats() -> dict[str, Callable[..., Output]]:
    from kb.publishing.export import aif, argdown, document, dot, graphml, iccma

    return {
        "json": document.export,
        "graphml": graphml.export,
        "dot": dot.export,
        "aif": aif.export,
        "argdown": argdown.export,
        "iccma": iccma.export,
    }


def export(kb: KnowledgeBase, fmt: str, query: str | None = None, **options) -> Output:
    """The knowledge base (or the part a ``--select`` query picks) in one of :data:`FORMATS`."""
    exporters = _formats()
    if fmt not in exporters:
        raise KBError(f"unknown export format '{fmt}' (one of {', '.join(FORMATS)})")
    with no_collection():  # a big map's graph and document: nothing made here is garbage
        return exporters[fmt](bundle(kb, query), **options)
