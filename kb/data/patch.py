"""A compiled graph mended where a few edited node files reach, instead of compiled again from every node.

After an author edits one node file of a map of 10^4 nodes, compiling the map
again (validating every node, building the graph, writing it and a row per
node into the cache) takes seconds, though almost everything is as it was.
So the last whole compile (:func:`kb.data.compiled.load`) keeps, beside its
graph and rows, the record a check keeps (:class:`kb.rules.delta.Kept`): its
header under :data:`BASE_KEY`, and its facts as rows (:func:`fact_rows`: each
node's declared edges and the ids it names, and who names each id), so that a
mend reads only the facts of the nodes a change reaches. A later load whose digest has nothing kept, when only a few
node files' contents changed since that compile (:func:`kb.rules.delta.reach`
says which changes qualify), mends that graph instead:

* The rules are applied again to the nodes the change can concern, as ``kb
  check`` does after an edit; any error and the map is compiled whole, which
  reports it.
* The edges into every node the change reaches (what the edited nodes declared
  an edge to or named, before or after) are declared again by every node that
  declares an edge into one of them, with the code that builds the whole graph
  (:func:`kb.analysis.graph.add_edges`). Those are all the edges into them, so
  their predecessors come out as in the whole graph, in its order. Edges into
  any other node are declared by unedited nodes only, and are as they were.
* The successors of a node at the other end of such an edge are merged in the
  order the whole build adds edges: argument edges by the node that declares
  them, then undercuts and restatements by their source; one node's edges keep
  the order they had, or take the order the edited node declares them in.
* The mended rows are kept under the new digest beside the base's, with a head
  row naming the base: ``kb show`` reads a node's rows from the mend, else
  from the base; a whole-map command reads the base graph and applies the mend.

The analyses are kept under a key of what they read (see
:func:`kb.data.compiled.structure_key`): the base's, when no node the change
reaches differs in what the analyses read (an edited title or text), else one
made from the base's and everything the analyses read of those nodes.

Anything unexpected (a row missing, an order that cannot be met) gives None,
and the map is compiled whole. Nothing here prints.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb.data import cache as kbcache
from kb.data.relations import ARGUMENT_RELATIONS

# The record of the last whole compile: {"digest": its digest, "kept": its kb.rules.delta.Kept's header, as
# JSON, "rows": the facts' rows format}; each node's facts ("f:ID": [its declarations, the ids it names]) and
# who names each id ("n:ID": the nodes, in the record's order) are rows beside the graph's (see fact_rows).
BASE_KEY = "compilebase"
FACT_ROWS = 1


def fact_rows(digest: str, kept) -> list[tuple[str, Any]]:
    """The rows of each node's facts and of who names each id, kept with the graph compiled under ``digest``:
    a mend reads those of the nodes a change reaches, not the whole record (25 MB at 10^5 nodes)."""
    from kb.rules import delta

    prefix = _prefix(digest)
    rows: list[tuple[str, Any]] = [(prefix + "f:" + i, fact[:2]) for i, fact in kept.facts.items()]
    # A row for every node, named or not, so that a row missing is damage, not "named by none". (A compiled
    # map has no errors: every id named is a node.)
    naming = delta.naming(kept.ids, kept.facts)
    rows += [(prefix + "n:" + i, naming.get(i, [])) for i in kept.ids]
    return rows


def base_record(digest: str, kept) -> dict:
    """What :data:`BASE_KEY` holds for the graph compiled under ``digest`` (its facts are in :func:`fact_rows`)."""
    return {"digest": digest, "kept": kept.header().to_json(), "rows": FACT_ROWS}


class _Edges:
    """Just enough of a networkx graph for :func:`kb.analysis.graph.add_edges`: every id, and the edges added."""

    def __init__(self, ids):
        self._ids = ids
        self.succ: dict[str, dict[str, dict]] = {}
        self.pred: dict[str, dict[str, dict]] = {}

    def __contains__(self, n: object) -> bool:
        return n in self._ids

    def has_edge(self, u: str, v: str) -> bool:
        return v in self.succ.get(u, ())

    def __getitem__(self, u: str) -> dict[str, dict]:
        return self.succ[u]

    def add_edge(self, u: str, v: str, **attrs) -> None:
        self.succ.setdefault(u, {})[v] = attrs
        self.pred.setdefault(v, {})[u] = attrs


@dataclass
class Mended:
    """A mend as kept: its head row and its node and edge rows (as :func:`kb.data.compiled._node_rows` writes them)."""

    head: dict
    rows: dict[str, Any]
    read: list[int]  # the positions of the node files read (in the digest's order): the mend holds if they hold


class RowFacts:
    """The facts of the nodes a change reaches (:class:`kb.rules.delta.Facts`), read from the rows of the base
    kept under the prefix ``was`` (see :func:`fact_rows`). A row missing is a KeyError, and no mend: a node's that is damage, and an id
    with no row of who names it is no node (an error, which a whole compile reports)."""

    def __init__(self, opened: kbcache.Cache, was: str):
        self._opened, self._was = opened, was

    def _rows(self, kind: str, ids) -> dict[str, Any]:
        ids = list(ids)
        keys = [self._was + kind + i for i in ids]
        got = self._opened.get_blobs(keys)
        return {i: got[k] for i, k in zip(ids, keys)}

    def of(self, ids) -> dict[str, list]:
        return self._rows("f:", ids)

    def naming(self, ids) -> dict[str, list[str]]:
        return self._rows("n:", ids)


def _prefix(digest: str) -> str:
    from kb.data.compiled import ROWS

    return f"{ROWS}graph:{digest}:"


def _rank(u: str, attrs: dict) -> tuple[int, str]:
    """When the whole build adds an edge out of u: argument edges by their declaring node, then u's own others."""
    if attrs.get("relation") in ARGUMENT_RELATIONS:
        return 0, attrs.get("lead", u)
    return 1, u


def mend(root: Path, opened: kbcache.Cache, scanned: list, parallel: bool = False) -> Mended | None:
    """The last whole compile's graph mended into the map as it is now (``scanned``: what its digest was
    taken of); None when the change is not one a mend can take (the caller then compiles the whole map)."""
    try:
        return _mend(root, opened, scanned, parallel)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError):
        return None


def _mend(root: Path, opened: kbcache.Cache, scanned: list, parallel: bool) -> Mended | None:
    from kb.analysis import graph
    from kb.data.compiled import json_attrs, structure_part
    from kb.rules import delta, validate

    if len(scanned) <= 4:
        return None
    base = opened.get_blob(BASE_KEY)
    if not isinstance(base, dict) or type(base.get("digest")) is not str or base.get("rows") != FACT_ROWS:
        return None
    kept = delta.Kept.from_json(base.get("kept"), header=True)
    if kept is None:
        return None
    displays, values, frame = scanned[4]
    was = _prefix(base["digest"])
    reach = delta.reach(root, kept, frame, displays, scanned[3], values, opened, parallel, RowFacts(opened, was))
    if reach is None:
        return None
    problems = [p for ps in reach.loading.values() for p in ps] + validate.rules_for(reach.kb, reach.scope, None)
    if any(p.severity == "error" for p in problems):
        return None
    ids = reach.scope.ids
    edited = set(reach.edited)
    reached = [n for n in kept.ids if n in reach.reached]  # every reached id is a node: no error says otherwise
    head0 = opened.get_blob(was + "meta")
    sketch = _Edges(ids)
    graph.add_edges(sketch, reach.kb.nodes)  # every node declaring an edge into a reached one (reach.concerned)
    new_pred = {t: [[u, json_attrs(a)] for u, a in sketch.pred.get(t, {}).items()] for t in reached}
    rows0 = opened.get_blobs([was + "a:" + n for n in {*edited, *reached}] + [was + "e:" + n for n in reached])
    ends = {u for t in reached for u, _ in rows0[was + "e:" + t][0]} | {u for t in reached for u, _ in new_pred[t]}
    rows0.update(opened.get_blobs([was + "e:" + u for u in ends if was + "e:" + u not in rows0]))
    reached_set = set(reached)
    new_succ = {}
    for u in ends:
        before = rows0[was + "e:" + u][1]
        at = {v: i for i, (v, _) in enumerate(before)}
        merged = []
        for v, attrs in before:
            if v not in reached_set:
                merged.append((_rank(u, attrs), at[v], v, attrs))
        for i, (v, attrs) in enumerate(sketch.succ.get(u, {}).items()):
            if v not in reached_set:
                continue
            phase, lead = _rank(u, attrs)
            if lead not in edited:
                if v not in at:
                    return None  # an unedited node's edge that was not there: not a change a mend takes
                i = at[v]
            merged.append(((phase, lead), i, v, json_attrs(attrs)))
        merged.sort(key=lambda item: (item[0], item[1]))
        new_succ[u] = [[v, attrs] for _, _, v, attrs in merged]
    # The rows that differ from the base's.
    rows: dict[str, Any] = {}
    attrs_now = {}
    for n in edited:
        attrs = graph.node_attrs(reach.kb.nodes[n])
        attrs["path"] = rows0[was + "a:" + n]["path"]
        attrs_now[n] = attrs
        if attrs != rows0[was + "a:" + n]:
            rows["a:" + n] = attrs
    for n in {*reached, *ends}:
        pred0, succ0 = rows0[was + "e:" + n]
        row = [new_pred.get(n, pred0), new_succ.get(n, succ0)]
        if row != [pred0, succ0]:
            rows["e:" + n] = row
    # What the analyses read of the nodes the change reaches, now and before.
    parts, same = [], True
    for n in sorted({*edited, *reached}):
        into0 = rows0[was + "e:" + n][0]
        into = new_pred.get(n, into0)
        now = structure_part(n, attrs_now.get(n, rows0[was + "a:" + n]), into)
        same = same and now == structure_part(n, rows0[was + "a:" + n], into0)
        parts.append(now)
    structure = head0["structure"]
    if not same:
        structure = hashlib.sha256("\0".join([structure, *parts]).encode("utf-8", "surrogatepass")).hexdigest()
    head = {**head0, "structure": structure, "base": base["digest"],
            "nodes": sorted(k[2:] for k in rows if k.startswith("a:")),
            "adjacent": sorted(k[2:] for k in rows if k.startswith("e:"))}
    return Mended(head, rows, reach.read)


def keep(opened: kbcache.Cache, found: str, mended: Mended) -> None:
    """Keep a mend under the digest ``found`` of the map it mends the base into, beside the base's rows."""
    from kb.data.compiled import ROWS

    now = _prefix(found)
    opened.put_blobs([(now + "meta", mended.head), *((now + k, v) for k, v in mended.rows.items())],
                     replace=f"{ROWS}graph:", keep=(_prefix(mended.head["base"]), now))


def rows(opened: kbcache.Cache, found: str, keys: list[str]) -> tuple[dict | None, dict[str, Any]]:
    """The head row of the graph kept under ``found`` and the rows named by ``keys`` ("a:ID", "e:ID"), read from
    a mend where it holds them and from its base otherwise; (None, {}) when nothing is kept under ``found``."""
    now = _prefix(found)
    got = opened.get_blobs([now + "meta", *(now + k for k in keys)])
    head = got.get(now + "meta")
    if not isinstance(head, dict):
        return None, {}
    out = {k: got[now + k] for k in keys if now + k in got}
    base = head.get("base")
    if isinstance(base, str):
        was = _prefix(base)
        rest = [k for k in keys if k not in out]
        if rest:
            more = opened.get_blobs([was + k for k in rest])
            out.update({k: more[was + k] for k in rest if was + k in more})
    return head, out


def view(opened: kbcache.Cache, found: str):
    """The whole graph kept under ``found`` as a mend of its base, as a
    :class:`~kb.analysis.graphview.GraphView`, with its files and structure key; None when there is none."""
    try:
        return _view(opened, found)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError):
        return None


def _view(opened: kbcache.Cache, found: str):
    from kb.analysis.graphview import GraphView
    from kb.data.compiled import TUPLE_ATTRS, edge_order, no_collection, view_from_json

    now = _prefix(found)
    head = opened.get_blob(now + "meta")
    if not isinstance(head, dict) or not isinstance(head.get("base"), str):
        return None
    keys = [now + "a:" + n for n in head["nodes"]] + [now + "e:" + n for n in head["adjacent"]]
    with no_collection():
        got = opened.get_blobs([f"graph:{head['base']}", *keys])
        blob = got.get(f"graph:{head['base']}")
        if len(got) != len(keys) + 1 or not isinstance(blob, dict):
            return None
        over = {n: got[now + "a:" + n] for n in head["nodes"]}
        if not all(type(attrs) is dict for attrs in over.values()):
            return None
        base = view_from_json(blob.get("graph"), over)
        if base is None or len(base) != head["count"]:
            return None
        if not head["adjacent"]:  # no edge changed (a title, a text, a stance): the base's edges as they are
            return base, head["files"], head["structure"]
        nodes = dict(base.nodes(data=True))
        succ: dict[str, list[str]] = {}
        pred: dict[str, list[str]] = {}
        made: dict[tuple[str, str], dict] = {}
        ends0 = base._ends
        out0, in0 = base._indexed()
        for n in base:
            row = got.get(now + "e:" + n)
            if row is None:
                succ[n] = [ends0[i][1] for i in out0[n]]
                pred[n] = [ends0[i][0] for i in in0[n]]
                continue
            into, out = row
            pred[n] = [u for u, _ in into]
            succ[n] = [v for v, _ in out]
            for other, attrs, edge in [*((u, a, (u, n)) for u, a in into), *((v, a, (n, v)) for v, a in out)]:
                made[edge] = {k: tuple(v) if k in TUPLE_ATTRS and type(v) is list else v for k, v in attrs.items()}
        order = edge_order([(u, v) for u in nodes for v in succ[u]], succ, pred)
        if order is None:
            return None
        at = {edge: i for i, edge in enumerate(ends0)}
        if not all(edge in made or edge in at for edge in order):
            return None
        attrs_of = base._attrs

        def edge_attrs(index: int) -> dict:
            edge = order[index]
            attrs = made.get(edge)
            return dict(attrs) if attrs is not None else attrs_of(at[edge])

        return GraphView(head["graph"], nodes.items(), order, edge_attrs), head["files"], head["structure"]
