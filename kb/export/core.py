"""What every exporter receives, and the one entry point that picks a format.

The analysis (strengths and grounded labels) is computed on the whole map and
only then cut down to the selection, so that an exported subgraph shows the
numbers the site shows rather than those of a map that stops at its edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import networkx as nx

from kb import graph as kbgraph
from kb import select, semantics
from kb.errors import KBError
from kb.store import KnowledgeBase

# How the analysis is run; recorded in the exports that carry its results.
STRENGTH_METHOD = semantics.DEFAULT_METHOD
PERSPECTIVE = semantics.NEUTRAL
GROUNDED_SUPPORTS = "cayrol"


@dataclass(frozen=True)
class Bundle:
    kb: KnowledgeBase
    graph: nx.DiGraph  # the selected nodes and the edges between them (kb.graph attributes)
    strengths: semantics.Strengths  # of the whole map
    labels: dict[str, semantics.Label]  # of the whole map
    query: str | None = None

    @property
    def ids(self) -> list[str]:
        return sorted(self.graph.nodes)

    def edges(self) -> list[tuple[str, str, dict]]:
        """Edges in a stable order: by source, then target."""
        return sorted(self.graph.edges(data=True), key=lambda e: (e[0], e[1]))


@dataclass(frozen=True)
class Output:
    """An export's text, and the files that go beside it (suffix appended to the output path -> text)."""

    text: str
    side: dict[str, str] = field(default_factory=dict)


def bundle(kb: KnowledgeBase, query: str | None = None) -> Bundle:
    whole = kbgraph.build(kb)
    net = semantics.Network(whole)
    result = semantics.strengths(net, semantics.base_scores(whole, PERSPECTIVE), STRENGTH_METHOD)
    labels = semantics.grounded(net, GROUNDED_SUPPORTS)
    return Bundle(kb, select.subgraph(whole, query), result, labels, query)


def _formats() -> dict[str, Callable[..., Output]]:
    from kb.export import aif, argdown, document, dot, graphml, iccma

    return {
        "json": document.export,
        "graphml": graphml.export,
        "dot": dot.export,
        "aif": aif.export,
        "argdown": argdown.export,
        "iccma": iccma.export,
    }


FORMATS = ("json", "graphml", "dot", "aif", "argdown", "iccma")


def export(kb: KnowledgeBase, fmt: str, query: str | None = None, **options) -> Output:
    """The knowledge base (or the part a ``--select`` query picks) in one of :data:`FORMATS`."""
    exporters = _formats()
    if fmt not in exporters:
        raise KBError(f"unknown export format '{fmt}' (one of {', '.join(FORMATS)})")
    return exporters[fmt](bundle(kb, query), **options)
