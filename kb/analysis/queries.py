"""Questions people ask of the map, answered as plain data (dicts and lists).

Plain data so that the command line can print it as a table or as JSON and the
site generator can template it, without either knowing the graph's internals.
Unknown ids raise :class:`~kb.data.errors.UnknownId` with the closest matches.

Nothing here does I/O.
"""

from __future__ import annotations

import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from itertools import islice
from typing import TYPE_CHECKING, Callable

from kb.analysis.graph import require_node
from kb.analysis.semantics import (DEFAULT_METHOD, NEUTRAL, Label, Method, Network, Prior, Strengths, grounded,
                                   priors, strengths, verdict)
from kb.data.errors import UnknownId
from kb.data.kinds import KINDS
from kb.data.suggest import closest

if TYPE_CHECKING:  # read through its API only (a cached graph view serves it too); paths() imports it to search
    import networkx as nx

# How much a query word counts in each field when ranking search hits.
SEARCH_WEIGHTS = {"id": 3.0, "title": 3.0, "speaker": 2.0, "quote": 1.5, "text": 1.0}
MAX_PATH_LENGTH = 12
# Seconds `kb path` searches before it reports what it found and says it stopped.
PATH_SECONDS = 5.0


def _summary(G: nx.DiGraph, node_id: str) -> dict:
    data = G.nodes[node_id]
    return {
        "id": node_id,
        "kind": data.get("kind"),
        "title": data.get("title"),
        "speaker": data.get("speaker"),
        "presenter": data.get("presenter"),
        "source": data.get("source"),
        "tags": list(data.get("tags") or []),
    }


@dataclass
class Analysis:
    """Every node's base score, strength and grounded label from one perspective under one semantics.

    Plain enough to keep between commands (:mod:`kb.data.compiled` caches it by the
    knowledge base's digest): a float survives JSON exactly.
    """

    priors: dict[str, Prior]
    strengths: Strengths
    labels: dict[str, Label]

    def to_json(self) -> dict:
        s = self.strengths
        return {
            "priors": {n: [p.value, p.origin] for n, p in self.priors.items()},
            "strengths": {"values": s.values, "method": s.method, "converged": s.converged,
                          "iterations": s.iterations, "cyclic_components": s.cyclic_components,
                          "residual": s.residual, "unconverged": sorted(s.unconverged)},
            "labels": {n: label.value for n, label in self.labels.items()},
        }

    @classmethod
    def from_json(cls, data: object) -> "Analysis | None":
        """The analysis :meth:`to_json` wrote, or None when data is not one."""
        try:
            s = data["strengths"]  # type: ignore[index]
            values = {str(n): float(v) for n, v in s["values"].items()}
            strengths = Strengths(values, str(s["method"]), bool(s["converged"]), int(s["iterations"]),
                                  int(s["cyclic_components"]), float(s["residual"]),
                                  frozenset(str(n) for n in s["unconverged"]))
            pri = {str(n): Prior(float(v), o) for n, (v, o) in data["priors"].items()}  # type: ignore[index]
            labels = {str(n): Label(v) for n, v in data["labels"].items()}  # type: ignore[index]
        except (TypeError, KeyError, ValueError, AttributeError):
            return None
        if set(values) != set(pri) or set(labels) != set(pri):
            return None
        return cls(pri, strengths, labels)

    def to_rows(self) -> tuple[dict, dict[str, list]]:
        """What the whole map shares (the solve's outcome) and one row per node, for a one-node question
        to read only the nodes it shows (see :meth:`from_rows`)."""
        s = self.strengths
        shared = {"method": s.method, "converged": s.converged, "iterations": s.iterations,
                  "cyclic_components": s.cyclic_components, "residual": s.residual, "count": len(self.priors)}
        rows = {n: [p.value, p.origin, s.values[n], self.labels[n].value, n in s.unconverged]
                for n, p in self.priors.items()}
        return shared, rows

    @classmethod
    def from_rows(cls, shared: object, rows: dict[str, object]) -> "Analysis | None":
        """The part of an analysis that :meth:`to_rows` wrote for the nodes of rows; None when it is not one."""
        try:
            strengths = Strengths({}, str(shared["method"]), bool(shared["converged"]),  # type: ignore[index]
                                  int(shared["iterations"]), int(shared["cyclic_components"]),  # type: ignore[index]
                                  float(shared["residual"]), frozenset())  # type: ignore[index]
            pri, labels, unconverged = {}, {}, set()
            for n, (value, origin, strength, label, unsettled) in rows.items():  # type: ignore[misc]
                pri[n] = Prior(float(value), origin)
                strengths.values[n] = float(strength)
                labels[n] = Label(label)
                if unsettled is True:
                    unconverged.add(n)
                elif unsettled is not False:
                    return None
        except (TypeError, KeyError, ValueError, AttributeError):
            return None
        return cls(pri, replace(strengths, unconverged=frozenset(unconverged)), labels)


def analyse(G: nx.DiGraph, perspective: str = NEUTRAL, method: Method = DEFAULT_METHOD,
            implied: bool = True) -> Analysis:
    """Base scores, strengths and grounded labels of every node (one compilation of the network for both)."""
    net = Network(G)
    pri = priors(G, perspective, implied)
    result = strengths(net, {n: p.value for n, p in pri.items()}, method)
    return Analysis(pri, result, grounded(net))


def show(G: nx.DiGraph, node_id: str, *, perspective: str = NEUTRAL, method: Method = DEFAULT_METHOD,
         implied: bool = True, analysis: Callable[[], Analysis] | None = None) -> dict:
    """One node with its neighbours both ways, its strength and its grounded label.

    ``supporters`` and ``attackers`` argue about this node; ``supports`` and
    ``attacks`` are what this node argues about. Every neighbour carries the
    edge's weight and note and its own strength and label. ``analysis`` gives
    the graph's :func:`analyse` from this perspective, when the caller keeps
    it (asked only once the id is known to exist).
    """
    require_node(G, node_id)
    found = analysis() if analysis is not None else analyse(G, perspective, method, implied)
    pri, result, labels = found.priors, found.strengths, found.labels
    data = G.nodes[node_id]
    people = G.graph.get("people", {})
    sources = G.graph.get("sources", {})

    def neighbour(other: str, edge: dict) -> dict:
        return {
            "id": other,
            "title": G.nodes[other].get("title"),
            "speaker": G.nodes[other].get("speaker"),
            "weight": edge.get("weight", 1.0),
            "note": edge.get("note"),
            "strength": result[other],
            "converged": result.final(other),
            "label": labels[other].value,
            "linked": [p for p in edge.get("linked") or () if p != other],
            "via": list(edge.get("via") or ()),
        }

    incoming = sorted(G.in_edges(node_id, data=True))
    outgoing = sorted(G.out_edges(node_id, data=True))
    speaker = data.get("speaker")
    document = data.get("source")
    return {
        "id": node_id,
        "kind": data.get("kind"),
        "title": data.get("title"),
        "text": data.get("text"),
        "speaker": speaker,
        "speaker_name": people.get(speaker, {}).get("name"),
        "source": {
            "document": document,
            "title": sources.get(document, {}).get("title"),
            "quote": data.get("quote"),
            "section": data.get("section"),
        },
        "tags": list(data.get("tags") or []),
        "stances": dict(data.get("stances") or {}),
        "note": data.get("note"),
        "path": data.get("path"),
        "perspective": perspective,
        "method": method,
        "base": pri[node_id].value,
        "base_origin": pri[node_id].origin,
        "strength": result[node_id],
        "verdict": verdict(result[node_id]),
        "converged": result.final(node_id),
        "label": labels[node_id].value,
        "supporters": [neighbour(u, e) for u, _, e in incoming if e.get("relation") == "supports"],
        "attackers": [neighbour(u, e) for u, _, e in incoming if e.get("relation") == "attacks"],
        "supports": [neighbour(v, e) for _, v, e in outgoing if e.get("relation") == "supports"],
        "attacks": [neighbour(v, e) for _, v, e in outgoing if e.get("relation") == "attacks"],
        "undercutters": [neighbour(u, e) for u, _, e in incoming if e.get("relation") == "undercuts"],
        "undercuts": [neighbour(v, e) for _, v, e in outgoing if e.get("relation") == "undercuts"],
        "restatements": sorted(
            [neighbour(u, e) for u, _, e in incoming if e.get("relation") == "restates"]
            + [neighbour(v, e) for _, v, e in outgoing if e.get("relation") == "restates"],
            key=lambda n: n["id"]),
        "presenter": data.get("presenter"),
        "presenter_name": people.get(data.get("presenter"), {}).get("name"),
    }


def _fold(text: str | None) -> str:
    """Lower case without accents, so that "segerie" finds "Ségerie"."""
    if not text:
        return ""
    if text.isascii():  # nothing to decompose and no accents: most text, folded at C speed
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def search(G: nx.DiGraph, text: str, limit: int | None = 20) -> list[dict]:
    """Nodes matching every word of ``text`` in their id, title, text, quote or speaker, best first.

    Each word scores the weight of every field it occurs in (titles and ids count
    most), and the whole phrase scores again where it occurs as such; ties go to
    the id, so the order is stable. ``matched`` lists the fields that matched.
    """
    phrase = " ".join(_fold(text).split())
    words = phrase.split()
    if not words:
        return []
    people = G.graph.get("people", {})
    hits = []
    for node_id, data in G.nodes(data=True):
        speaker = data.get("speaker")
        fields = {
            "id": _fold(node_id.replace("-", " ")) + " " + node_id,
            "title": _fold(data.get("title")),
            "speaker": _fold(f"{speaker or ''} {people.get(speaker, {}).get('name', '')}"),
            "quote": _fold(data.get("quote")),
            "text": _fold(data.get("text")),
        }
        score = 0.0
        matched = set()
        for word in words:
            found = [name for name, value in fields.items() if word in value]
            if not found:
                break
            matched.update(found)
            score += sum(SEARCH_WEIGHTS[name] for name in found)
        else:
            if len(words) > 1:
                score += sum(SEARCH_WEIGHTS[name] for name, value in fields.items() if phrase in value)
            hits.append({**_summary(G, node_id), "score": score,
                         "matched": [name for name in SEARCH_WEIGHTS if name in matched]})
    hits.sort(key=lambda h: (-h["score"], h["id"]))
    return hits if limit is None else hits[:limit]


def _check_value(what: str, value: str | None, pool) -> None:
    if value is not None and value not in pool:
        raise UnknownId(what, value, closest(value, pool))


SUMMARY_FIELDS = ("id", "kind", "title", "speaker", "presenter", "source")  # and tags: see _summary


@dataclass
class NodeList:
    """What :func:`list_nodes` found, held by column.

    A list of 10^5 nodes is kept in the cache and printed from a few lists of
    text: a mapping per node costs more to read back and take apart than the
    rest of the answer.
    """

    columns: dict[str, list]  # each of SUMMARY_FIELDS -> one value per node, in id order
    tags: dict[int, list[str]]  # position -> the node's tags, for the nodes that have any

    @classmethod
    def of(cls, nodes: list[dict]) -> "NodeList":
        return cls({f: [n[f] for n in nodes] for f in SUMMARY_FIELDS},
                   {i: list(n["tags"]) for i, n in enumerate(nodes) if n["tags"]})

    def __len__(self) -> int:
        return len(self.columns["id"])

    def rows(self) -> list[dict]:
        """One mapping per node, as :func:`list_nodes` gives them."""
        out = [dict(zip(SUMMARY_FIELDS, values)) for values in zip(*(self.columns[f] for f in SUMMARY_FIELDS))]
        for i, row in enumerate(out):
            row["tags"] = list(self.tags.get(i, ()))
        return out

    def to_json(self) -> dict:
        return {"columns": self.columns, "tags": {str(i): t for i, t in self.tags.items()}}

    @classmethod
    def from_json(cls, data: object) -> "NodeList | None":
        """The list :meth:`to_json` wrote (kept in the cache), or None when data is not one."""
        if not isinstance(data, dict) or not isinstance(data.get("columns"), dict) or \
                not isinstance(data.get("tags"), dict) or set(data["columns"]) != set(SUMMARY_FIELDS):
            return None
        columns = data["columns"]
        if not all(isinstance(c, list) for c in columns.values()):
            return None
        size = len(columns["id"])
        text, optional = {str}, {str, type(None)}
        if any(len(c) != size for c in columns.values()) or not set(map(type, columns["id"])) <= text or \
                not all(set(map(type, columns[f])) <= optional for f in SUMMARY_FIELDS[1:]):
            return None
        tags = {}
        for key, value in data["tags"].items():
            if not (key.isdigit() and int(key) < size and isinstance(value, list) and set(map(type, value)) <= text):
                return None
            tags[int(key)] = value
        return cls({f: columns[f] for f in SUMMARY_FIELDS}, tags)


def list_nodes(G: nx.DiGraph, *, kind: str | None = None, speaker: str | None = None,
               source: str | None = None, tag: str | None = None, presenter: str | None = None) -> list[dict]:
    """Nodes matching every filter given, sorted by id.

    ``speaker`` finds what a person holds; ``presenter`` what they present or
    report without holding it (an author's statement of a view they reject).

    A filter value that matches nothing in the whole map (a kind, person, source
    or tag that does not exist) is an error with suggestions, since it is far
    more likely a typo than a question whose answer is "none".
    """
    _check_value("kind", kind, KINDS)
    speakers = set(G.graph.get("people", {})) | {s for _, s in G.nodes(data="speaker") if s}
    _check_value("speaker", speaker, speakers)
    _check_value("presenter", presenter, speakers | {s for _, s in G.nodes(data="presenter") if s})
    documents = set(G.graph.get("sources", {})) | {s for _, s in G.nodes(data="source") if s}
    _check_value("source", source, documents)
    _check_value("tag", tag, {t for _, tags in G.nodes(data="tags") for t in (tags or [])})
    out = []
    for node_id in sorted(G.nodes):
        data = G.nodes[node_id]
        if kind is not None and data.get("kind") != kind:
            continue
        if speaker is not None and data.get("speaker") != speaker:
            continue
        if presenter is not None and data.get("presenter") != presenter:
            continue
        if source is not None and data.get("source") != source:
            continue
        if tag is not None and tag not in (data.get("tags") or []):
            continue
        out.append(_summary(G, node_id))
    return out


def paths(G: nx.DiGraph, start: str, end: str, limit: int = 10, max_length: int = MAX_PATH_LENGTH,
          budget: float = PATH_SECONDS) -> dict:
    """The argument chains from ``start`` to ``end``, shortest first, with the sign of each.

    A chain's sign is the product of its edges' signs: it is ``pro`` when it has
    an even number of attacks (the enemy of an enemy argues for the end), ``con``
    otherwise. Chains longer than ``max_length`` edges are not followed;
    ``truncated`` says whether more chains exist than are listed.

    A layered map has exponentially many chains of one length, so the search
    stops at ``limit`` chains (ties in length are broken by the canonical order
    of the graph, not by collecting every tie) and after ``budget`` seconds;
    ``stopped`` says which bound ended it: ``limit``, ``length``, ``time`` or None.
    """
    import networkx as nx

    require_node(G, start)
    require_node(G, end)
    result = {"from": start, "to": end, "paths": [], "truncated": False, "stopped": None}
    if start == end:
        return result
    between = (nx.descendants(G, start) | {start}) & (nx.ancestors(G, end) | {end})
    if end not in between:
        return result
    # A canonical copy, so that which chains are found first does not depend on file order.
    H = nx.DiGraph()
    H.add_nodes_from(sorted(between))
    H.add_edges_from(sorted((u, v) for u, v in G.subgraph(between).edges))
    found = []
    deadline = time.monotonic() + budget
    for nodes in nx.shortest_simple_paths(H, start, end):
        if len(nodes) - 1 > max_length:
            result["truncated"], result["stopped"] = True, "length"
            break
        if len(found) >= limit:
            result["truncated"], result["stopped"] = True, "limit"
            break
        found.append(nodes)
        if time.monotonic() > deadline:
            result["truncated"], result["stopped"] = True, "time"
            break
    found.sort(key=lambda p: (len(p), p))
    for nodes in found:
        steps = []
        attacks = 0
        for u, v in zip(nodes, nodes[1:]):
            edge = G.edges[u, v]
            attacks += edge.get("relation") == "attacks"
            steps.append({"from": u, "to": v, "relation": edge.get("relation"), "weight": edge.get("weight", 1.0)})
        result["paths"].append({
            "nodes": nodes,
            "length": len(steps),
            "sign": "con" if attacks % 2 else "pro",
            "steps": steps,
        })
    return result


def stats(G: nx.DiGraph, top: int = 5) -> dict:
    """Counts by kind, source and speaker, and the most attacked and most contested nodes.

    *Most attacked*: the most attackers. *Most contested*: the widest spread of
    recorded stances (highest minus lowest credence, from at least two people),
    then the most even mix of supporters and attackers: where the people of
    the debate disagree most.
    """
    relations = Counter(r for _, _, r in G.edges(data="relation"))
    n_att = {n: 0 for n in G.nodes}
    n_sup = {n: 0 for n in G.nodes}
    for _, v, r in G.edges(data="relation"):
        (n_att if r == "attacks" else n_sup)[v] += 1
    attacked = sorted((n for n in G.nodes if n_att[n]), key=lambda n: (-n_att[n], n))
    contested = []
    for n, stances in G.nodes(data="stances"):
        credences = list((stances or {}).values())
        spread = max(credences) - min(credences) if len(credences) >= 2 else 0.0
        if spread > 0:
            contested.append((n, spread))
    contested.sort(key=lambda p: (-p[1], -min(n_sup[p[0]], n_att[p[0]]), p[0]))
    return {
        "nodes": G.number_of_nodes(),
        "edges": {"supports": relations.get("supports", 0), "attacks": relations.get("attacks", 0)},
        "by_kind": dict(sorted(Counter(k for _, k in G.nodes(data="kind") if k).items())),
        "by_source": dict(sorted(Counter(s for _, s in G.nodes(data="source") if s).items())),
        "by_speaker": dict(sorted(Counter(s for _, s in G.nodes(data="speaker") if s).items())),
        "most_attacked": [
            {"id": n, "title": G.nodes[n].get("title"), "attackers": n_att[n], "supporters": n_sup[n]}
            for n in islice(attacked, top)
        ],
        "most_contested": [
            {"id": n, "title": G.nodes[n].get("title"), "spread": spread,
             "stances": dict(G.nodes[n].get("stances") or {}), "attackers": n_att[n], "supporters": n_sup[n]}
            for n, spread in contested[:top]
        ],
    }
