"""The JSON export: the whole knowledge base and its analysis in one documented, versioned shape.

The shape is declared as pydantic models so that ``kb schema`` writes its JSON
Schema (``schema/export.schema.json``) from the same source as the export, and
the drift test keeps the two together. ``version`` changes whenever a field is
removed or changes meaning; new optional fields do not change it.

The output is deterministic (sorted, no timestamps) so that two exports of the
same map are byte-identical and a diff shows only what changed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kb import __version__
from kb.data import jsonout
from kb.publishing.export.attrs import vias
from kb.data.models import Id, Kind, Person, Relation, Source, SourceRef, Stance

FORMAT = "kb-export"
VERSION = 1


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Analysis(_Strict):
    """How the strengths and labels were computed."""

    scope: Literal["whole-map"] = Field(
        "whole-map", description="Strengths and labels are computed on the whole map, also when a selection is exported."
    )
    strength_method: str = Field(
        description="Gradual semantics: a preset (drqe, qe, dfquad, euler) or AGGREGATION-INFLUENCE."
    )
    perspective: str = Field(description="Whose base scores: 'neutral' (0.5 everywhere) or a person id.")
    grounded_supports: Literal["cayrol", "ignore"] = Field(
        description="How supports enter the grounded labelling: as Cayrol's derived defeats, or not at all."
    )
    converged: bool = Field(description="False when some circular part of the map did not settle; see strength_final.")


class ExportNode(_Strict):
    """A node with its computed strength and grounded label."""

    id: Id
    kind: Kind
    title: str
    text: str
    speaker: Id = Field(description="Person id (see people).")
    source: SourceRef
    tags: list[Id] = Field(default_factory=list)
    stances: dict[Id, Stance] = Field(default_factory=dict, description="Person id -> stance.")
    note: str | None = None
    path: str | None = Field(None, description="The node's file, relative to the claims folder.")
    strength: float = Field(ge=0.0, le=1.0, description="Gradual strength in [0, 1]; above 0.5 the node stands.")
    strength_final: bool = Field(description="False when the strength is the last iterate of a computation that did not converge.")
    label: Literal["IN", "OUT", "UNDEC"] = Field(description="Grounded label: accepted, rejected or undecided.")


class ExportEdge(_Strict):
    """An edge of the argument graph from ``source`` (the arguing node) to ``target``."""

    source: Id
    target: Id
    relation: Relation
    weight: float = Field(ge=0.0, le=1.0)
    note: str | None = None
    linked: list[Id] = Field(default_factory=list, description="supports/attacks: every premise of the linked "
                             "argument this edge belongs to (empty for a plain edge); each premise has its own edge.")
    lead: Id | None = Field(None, description="supports/attacks: the node whose file declares the argument.")
    via: list[Id] = Field(default_factory=list, description="undercuts: the sources of the undercut edges, which run "
                          "from each of them to target.")


class ExportDocument(_Strict):
    """`kb export --format json`: a knowledge base, or a selection of it, with its analysis."""

    format: Literal["kb-export"] = FORMAT
    version: Literal[1] = VERSION
    generator: str = Field(description="The kb version that wrote the file.")
    selection: str | None = Field(None, description="The --select query, or null for the whole map.")
    analysis: Analysis
    nodes: list[ExportNode] = Field(description="Sorted by id.")
    edges: list[ExportEdge] = Field(description="Edges between exported nodes, sorted by source then target.")
    people: list[Person] = Field(description="Everyone the exported nodes name (everyone, for the whole map).")
    sources: list[Source] = Field(description="Every document the exported nodes cite (every one, for the whole map).")


def build(bundle) -> ExportDocument:
    kb, strengths = bundle.kb, bundle.strengths
    nodes = []
    for node_id in bundle.ids:
        node = kb.nodes[node_id]
        path = kb.paths.get(node_id)
        nodes.append(ExportNode(
            id=node_id, kind=node.kind, title=node.title, text=node.text, speaker=node.speaker,
            source=node.source, tags=list(node.tags), stances=dict(node.stances), note=node.note,
            path=path.relative_to(kb.root).as_posix() if path is not None else None,
            strength=min(1.0, max(0.0, strengths[node_id])), strength_final=strengths.final(node_id),
            label=str(bundle.labels[node_id]),
        ))
    edges = [ExportEdge(source=u, target=v, relation=d["relation"], weight=d["weight"], note=d.get("note"),
                        linked=list(d.get("linked") or ()), lead=d.get("lead"), via=list(vias(d)))
             for u, v, d in bundle.edges()]
    people, sources = set(kb.people), set(kb.sources)
    if bundle.query:
        people = {n.speaker for n in nodes} | {p for n in nodes for p in n.stances}
        sources = {n.source.document for n in nodes} | {s.source for n in nodes for s in n.stances.values() if s.source}
    from kb.publishing.export.core import GROUNDED_SUPPORTS, PERSPECTIVE, STRENGTH_METHOD

    return ExportDocument(
        generator=f"kb {__version__}",
        selection=bundle.query,
        analysis=Analysis(strength_method=STRENGTH_METHOD, perspective=PERSPECTIVE,
                          grounded_supports=GROUNDED_SUPPORTS, converged=strengths.converged),
        nodes=nodes,
        edges=edges,
        people=[kb.people[p] for p in sorted(people) if p in kb.people],
        sources=[kb.sources[s] for s in sorted(sources) if s in kb.sources],
    )


def export(bundle):
    from kb.publishing.export.core import Output

    data = build(bundle).model_dump(mode="json", exclude_none=True)
    return Output(jsonout.dumps(data) + "\n")
