"""What a change to the map changes: structure field by field, and what the analysis then says.

Pure functions of two loaded knowledge bases (kb.data.revisions reads them from
git). The analysis side asks the library's own functions —
``kb.analysis.semantics.strengths``/``grounded`` and ``kb.analysis.cruxes.overview`` — for both
sides and reports what moved: strengths beyond a threshold under every
perspective the two sides share, verdict flips, grounded labels, and each
thesis's crux ranking (neutral perspective: ranking cruxes is the costly part).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from kb.data.errors import KBError
from kb.data.relations import ARGUMENT_RELATIONS
from kb.data.store import KnowledgeBase, display_path

if TYPE_CHECKING:
    from kb.data.models import Node

THRESHOLD = 0.05
CRUX_TOP = 5
_EDGE_FIELDS = ("supports", "attacks", "undercuts", "restates")


@dataclass
class Entry:
    what: str  # "node", "edge", "person", "source"
    key: str  # the id, or "a supports b" for an edge
    change: str  # "added", "removed", "changed", "renamed"
    fields: list[tuple[str, Any, Any]] = field(default_factory=list)  # (name, before, after)
    detail: str = ""

    def to_dict(self) -> dict:
        return {"what": self.what, "key": self.key, "change": self.change, "detail": self.detail,
                "fields": [{"field": f, "before": b, "after": a} for f, b, a in self.fields]}


def _flat(node: Node) -> dict[str, Any]:
    data = node.model_dump(exclude=set(_EDGE_FIELDS) | {"id", "stances"}, exclude_none=True)
    out = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update({f"{key}.{k}": v for k, v in value.items() if v is not None})
        else:
            out[key] = value
    for person, stance in node.stances.items():
        for k, v in stance.model_dump(exclude_none=True).items():
            out[f"stances.{person}.{k}"] = v
    return out


def _edges(kb: KnowledgeBase, renames: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """Every edge keyed "owner relation target", ids mapped through renames (so a rename moves no edge)."""
    r = (lambda i: renames.get(i, i)) if renames else (lambda i: i)
    out = {}
    for node_id, node in kb.nodes.items():
        for relation in ARGUMENT_RELATIONS:
            for e in node.edges(relation):
                out[f"{r(node_id)} {relation} {r(e.target)}"] = {"weight": e.weight, "note": e.note,
                                                                "with": [r(p) for p in e.with_]}
        for u in node.undercuts:
            out[f"{r(node_id)} undercuts {r(u.source)}->{r(u.target)}"] = {"weight": u.weight, "note": u.note}
        for t in node.restates:
            out[f"{r(node_id)} restates {r(t)}"] = {}
    return out


def renames(entries: list[Entry]) -> dict[str, str]:
    """Old id -> new id of every node reported renamed."""
    return {e.detail: e.key for e in entries if e.what == "node" and e.change == "renamed"}


def _compare(what: str, a: dict[str, dict], b: dict[str, dict]) -> list[Entry]:
    out = []
    for key in sorted(set(a) | set(b)):
        if key not in a:
            out.append(Entry(what, key, "added"))
        elif key not in b:
            out.append(Entry(what, key, "removed"))
        else:
            fields = [(f, a[key].get(f), b[key].get(f)) for f in sorted(set(a[key]) | set(b[key]))
                      if a[key].get(f) != b[key].get(f)]
            if fields:
                out.append(Entry(what, key, "changed", fields))
    return out


def structural(a: KnowledgeBase, b: KnowledgeBase) -> list[Entry]:
    """Nodes, edges, people and sources added, removed and changed, field by field.

    A node that disappears under one id while an identical one appears under
    another is reported once, as renamed; a node whose file moved to another
    folder gets a ``file`` field.
    """
    na = {i: _flat(n) for i, n in a.nodes.items()}
    nb = {i: _flat(n) for i, n in b.nodes.items()}
    for i in set(na) & set(nb):
        fa, fb = display_path(a.paths[i]), display_path(b.paths[i])
        if fa != fb:
            na[i]["file"], nb[i]["file"] = fa, fb
    nodes = _compare("node", na, nb)
    removed = {e.key: e for e in nodes if e.change == "removed"}
    renamed = []
    for entry in [e for e in nodes if e.change == "added"]:
        twin = next((old for old in removed if na[old] == nb[entry.key]), None)
        if twin is None:
            continue
        del removed[twin]
        entry.change, entry.detail = "renamed", twin
        entry.fields = [("id", twin, entry.key)]
        if a.paths[twin].parent != b.paths[entry.key].parent:
            entry.fields.append(("file", display_path(a.paths[twin]), display_path(b.paths[entry.key])))
        renamed.append(twin)
    nodes = [e for e in nodes if not (e.change == "removed" and e.key in renamed)]
    for e in nodes:
        if e.change in ("added", "removed"):
            node = (b if e.change == "added" else a).nodes[e.key]
            e.detail = f"{node.kind}: {node.title}"
    people = _compare("person", {i: p.model_dump(exclude_none=True) for i, p in a.people.items()},
                      {i: p.model_dump(exclude_none=True) for i, p in b.people.items()})
    sources = _compare("source", {i: s.model_dump(exclude_none=True) for i, s in a.sources.items()},
                       {i: s.model_dump(exclude_none=True) for i, s in b.sources.items()})
    moved = renames(nodes)
    return nodes + _compare("edge", _edges(a, moved), _edges(b)) + people + sources


@dataclass
class Moved:
    perspective: str
    id: str
    before: float
    after: float
    verdict_before: str
    verdict_after: str

    @property
    def flipped(self) -> bool:
        return self.verdict_before != self.verdict_after


@dataclass
class Analysis:
    threshold: float
    moved: list[Moved] = field(default_factory=list)  # beyond the threshold, or with a verdict flip
    labels: list[tuple[str, str, str]] = field(default_factory=list)  # (id, before, after), neutral
    cruxes: list[dict] = field(default_factory=list)  # per thesis: ranks before and after
    warnings_added: list[tuple[str, str, str]] = field(default_factory=list)  # (code, id, message)
    warnings_fixed: list[tuple[str, str, str]] = field(default_factory=list)
    error: str | None = None  # why the analysis could not run on one side (the structure is still compared)

    def to_dict(self) -> dict:
        return {
            "threshold": self.threshold,
            "strengths": [{"perspective": m.perspective, "id": m.id, "before": m.before, "after": m.after,
                           "verdict_before": m.verdict_before, "verdict_after": m.verdict_after,
                           "flipped": m.flipped} for m in self.moved],
            "labels": [{"id": i, "before": x, "after": y} for i, x, y in self.labels],
            "cruxes": self.cruxes,
            "warnings_added": [{"code": c, "id": i, "message": m} for c, i, m in self.warnings_added],
            "warnings_fixed": [{"code": c, "id": i, "message": m} for c, i, m in self.warnings_fixed],
            "error": self.error,
        }


def analysis(a: KnowledgeBase, b: KnowledgeBase, threshold: float = THRESHOLD, top: int = CRUX_TOP,
             renamed: dict[str, str] | None = None) -> Analysis:
    """Strengths, verdicts, grounded labels and crux ranks that the change moves.

    renamed (old id -> new id) pairs a renamed node with itself.
    """
    renamed = renamed or {}
    try:
        return _analysis(a, b, threshold, top, renamed)
    except (ValueError, KBError) as exc:
        # A map the analysis cannot read (a relation it does not handle yet) still gets its structural diff.
        return Analysis(threshold, error=str(exc))


def _analysis(a: KnowledgeBase, b: KnowledgeBase, threshold: float, top: int, renamed: dict[str, str]) -> Analysis:
    r = lambda i: renamed.get(i, i)  # noqa: E731
    from kb.analysis import cruxes, graph, semantics

    ga, gb = graph.build(a), graph.build(b)
    neta, netb = semantics.Network(ga), semantics.Network(gb)
    out = Analysis(threshold)
    shared = [p for p in semantics.perspectives(gb) if p in set(semantics.perspectives(ga))]
    common = sorted((old, r(old)) for old in ga.nodes if r(old) in gb.nodes)
    for p in shared:
        sa = semantics.strengths(neta, semantics.base_scores(ga, p)).values
        sb = semantics.strengths(netb, semantics.base_scores(gb, p)).values
        for i, j in common:
            va, vb = semantics.verdict(sa[i]), semantics.verdict(sb[j])
            if abs(sb[j] - sa[i]) > threshold or va != vb:
                out.moved.append(Moved(p, j, sa[i], sb[j], va, vb))
    la, lb = semantics.grounded(neta), semantics.grounded(netb)
    out.labels = [(j, str(la[i]), str(lb[j])) for i, j in common if la[i] != lb[j]]
    # A thesis's crux ranking can only move when something at or upstream of it changed: rank only those.
    back = {new: old for old, new in renamed.items()}
    touched_b = {i for i in gb.nodes if a.nodes.get(back.get(i, i)) != b.nodes[i]}
    touched_a = {i for i in ga.nodes if b.nodes.get(r(i)) != a.nodes[i]}
    theses_a = {r(t): t for t in graph.theses(ga)}
    theses_b = set(graph.theses(gb))
    for thesis in sorted(set(theses_a) | theses_b):
        old = theses_a.get(thesis)
        moved_a = old is not None and bool(graph.upstream(ga, old) & touched_a)
        moved_b = thesis in theses_b and bool(graph.upstream(gb, thesis) & touched_b)
        if old is not None and thesis in theses_b and not (moved_a or moved_b):
            continue
        before = [r(c.id) for c in cruxes.cruxes(ga, old, top=top).cruxes] if old is not None else None
        after = [c.id for c in cruxes.cruxes(gb, thesis, top=top).cruxes] if thesis in theses_b else None
        if before != after:
            out.cruxes.append({"thesis": thesis, "before": before, "after": after})
    # Analysis warnings (kb check --analysis) the change adds or fixes, matched by code, node and place.
    from kb.rules.diagnostics import analysis_problems

    def warnings(kb: KnowledgeBase, G, rename) -> dict[tuple, tuple[str, str, str]]:
        found = {}
        for p in analysis_problems(kb, G):
            node_id = rename(PurePath(p.path).stem)
            found[(p.code, node_id, p.loc)] = (p.code, node_id, p.message)
        return found

    wa, wb = warnings(a, ga, r), warnings(b, gb, lambda i: i)
    out.warnings_added = [wb[k] for k in sorted(set(wb) - set(wa), key=str)]
    out.warnings_fixed = [wa[k] for k in sorted(set(wa) - set(wb), key=str)]
    return out


@dataclass
class Report:
    old: str
    new: str
    entries: list[Entry]
    analysis: Analysis
    broken_old: int = 0  # node files that do not load, left out of the comparison
    broken_new: int = 0

    def to_dict(self) -> dict:
        return {"old": self.old, "new": self.new, "changes": [e.to_dict() for e in self.entries],
                "analysis": self.analysis.to_dict(), "unloadable": {"old": self.broken_old, "new": self.broken_new}}


# --- rendering: text for a terminal, Markdown for a pull-request comment --------------------------

_MARK = {"added": "+", "removed": "-", "changed": "~", "renamed": ">"}
_HEAD = {"node": "Nodes", "edge": "Edges", "person": "People", "source": "Sources"}


def _value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if value is None:
        return "(none)"
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    text = " ".join(str(value).split())
    return f'"{text if len(text) <= 70 else text[:69] + "…"}"'


def _line(e: Entry) -> str:
    if e.change == "renamed":
        return f"> {e.detail} -> {e.key}" + "".join(f"; {f}: {b} -> {a}" for f, b, a in e.fields if f == "file")
    head = f"{_MARK[e.change]} {e.key}" + (f" ({e.detail})" if e.detail else "")
    if e.change == "changed":
        head += ": " + "; ".join(f"{f} {_value(b)} -> {_value(a)}" for f, b, a in e.fields)
    return head


def _summary(entries: list[Entry], what: str) -> str:
    counts = {c: sum(e.change == c for e in entries if e.what == what) for c in _MARK}
    return ", ".join(f"{n} {c}" for c, n in counts.items() if n)


def render_text(report: Report, markdown: bool = False) -> str:
    a = report.analysis
    lines = [f"{'## ' if markdown else ''}kb diff {report.old} -> {report.new}", ""]
    if not report.entries:
        lines.append("No change to nodes, edges, people or sources.")
    for what, title in _HEAD.items():
        entries = [e for e in report.entries if e.what == what]
        if not entries:
            continue
        lines.append(f"{'### ' if markdown else ''}{title}: {_summary(report.entries, what)}")
        if markdown:
            lines.append("")
        lines += [f"- `{_line(e)}`" if markdown else f"  {_line(e)}" for e in entries]
        lines.append("")
    if a.error:
        lines.append(f"{'### ' if markdown else ''}Analysis not compared: {a.error}")
        return "\n".join(lines).rstrip() + "\n"
    moved = [m for m in a.moved if abs(m.after - m.before) > a.threshold]
    flips = [m for m in a.moved if m.flipped]
    lines.append(f"{'### ' if markdown else ''}Strengths that moved by more than {a.threshold:g}: "
                 + (str(len(moved)) if moved else "none"))
    if markdown and moved:
        lines += ["", "| perspective | node | before | after |", "| --- | --- | ---: | ---: |"]
        lines += [f"| {m.perspective} | `{m.id}` | {m.before:.3f} | {m.after:.3f} |" for m in moved]
    else:
        lines += [f"  {m.perspective}: {m.id} {m.before:.3f} -> {m.after:.3f}" for m in moved]
    lines.append("")
    lines.append(f"{'### ' if markdown else ''}Verdicts that changed: " + (str(len(flips)) if flips else "none"))
    lines += [f"{'- ' if markdown else '  '}{m.perspective}: {m.id} {m.verdict_before} -> {m.verdict_after} "
              f"({m.before:.3f} -> {m.after:.3f})" for m in flips]
    lines.append("")
    lines.append(f"{'### ' if markdown else ''}Grounded labels (neutral) that changed: "
                 + (str(len(a.labels)) if a.labels else "none"))
    lines += [f"{'- ' if markdown else '  '}{i}: {x} -> {y}" for i, x, y in a.labels]
    lines.append("")
    lines.append(f"{'### ' if markdown else ''}Crux rankings (neutral) that changed: "
                 + (str(len(a.cruxes)) if a.cruxes else "none"))
    for c in a.cruxes:
        before = ", ".join(c["before"]) if c["before"] is not None else "(not a thesis)"
        after = ", ".join(c["after"]) if c["after"] is not None else "(not a thesis)"
        lines.append(f"{'- ' if markdown else '  '}{c['thesis']}: {before} -> {after}")
    for title, items in (("Analysis warnings added", a.warnings_added), ("Analysis warnings fixed", a.warnings_fixed)):
        lines += ["", f"{'### ' if markdown else ''}{title}: " + (str(len(items)) if items else "none")]
        lines += [f"{'- ' if markdown else '  '}{i}: {c}: {m}" for c, i, m in items]
    for side, n in (("old", report.broken_old), ("new", report.broken_new)):
        if n:
            lines += ["", f"note: {n} node file{'s' * (n != 1)} of the {side} side do not load and are left out"]
    return "\n".join(lines).rstrip() + "\n"
