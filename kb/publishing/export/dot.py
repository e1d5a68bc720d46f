"""Graphviz DOT, drawn with the site's colours and shapes (:mod:`kb.publishing.style`).

Arrows point from the arguing node to the node it argues about, and the graph
is laid out bottom to top so that theses end up at the top, as on the site.
Supports are solid with an open arrow, attacks dashed with a bar, undercuts
dotted with a bar (drawn to the inference's conclusion; the tooltip names the
inference), restatements dotted without a head; an edge's weight sets its
thickness. Each premise of a linked argument has its own arrow, whose tooltip
names the others. Tooltips are cut to 8,000 bytes, since Graphviz refuses
longer quoted strings, and control characters are dropped. Each node's tooltip (an SVG ``<title>`` hover text)
carries its text, speaker and grounded label.
"""

from __future__ import annotations

import re
import textwrap

from kb.publishing import style
from kb.publishing.export.attrs import vias

WRAP = 28
BACKSLASH = "\u29f5"  # how a backslash is drawn (see quote)
# Graphviz refuses a quoted string longer than 16,384 bytes; tooltips are cut well below that.
MAX_TOOLTIP_BYTES = 8000
# Characters Graphviz's reader or its SVG output cannot carry (NUL ends the string early; XML forbids the rest).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def quote(value: str) -> str:
    """A DOT double-quoted string.

    Ampersands become ``&amp;`` so that text such as ``&lt;`` is not read as an
    entity. A backslash is shown as ``⧵`` (U+29F5): Graphviz expands ``\\N``,
    ``\\G``, ``\\E`` … into names even after an escaped backslash, so no escaping
    keeps one. Line breaks become ``\\n``; control characters are dropped.
    """
    value = _CONTROL.sub("", value).replace("&", "&amp;")  # Graphviz reads "&name;" as an HTML entity
    value = value.replace("\\", BACKSLASH).replace('"', '\\"')
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return f'"{value}"'


def truncate(text: str, limit: int = MAX_TOOLTIP_BYTES) -> str:
    """text cut to at most ``limit`` UTF-8 bytes once quoted, ending with an ellipsis when cut."""
    if len(text.encode("utf-8")) * 2 <= limit:  # quoting at most doubles it
        return text
    out, size = [], 0
    for char in text:
        size += len(quote(char).encode("utf-8")) - 2
        if size > limit - 8:
            return "".join(out) + "…"
        out.append(char)
    return text


def _label(title: str) -> str:
    lines = textwrap.wrap(" ".join(title.split()), WRAP) or [title]
    return quote("\n".join(lines))


def _attrs(**values) -> str:
    return "[" + ", ".join(f"{k}={v}" for k, v in values.items() if v is not None) + "]"


def _edge_tooltip(u: str, v: str, d: dict) -> str:
    if d["relation"] == "undercuts":
        text = f"{u} undercuts the inference {', '.join(vias(d))} -> {v}"
    elif d.get("linked"):
        text = f"{u} {d['relation']} {v} jointly with {', '.join(p for p in d['linked'] if p != u)}"
    else:
        text = f"{u} {d['relation']} {v}"
    if d["weight"] != 1 and d["relation"] != "restates":
        text += f" (weight {d['weight']:g})"
    return text + (f": {d['note']}" if d.get("note") else "")


def export(bundle):
    from kb.publishing.export.core import Output

    kb = bundle.kb
    out = [
        "digraph kb {",
        '  graph [rankdir=BT, fontname="Helvetica", nodesep=0.3, ranksep=0.6];',
        '  node [style="filled", fontname="Helvetica", fontsize=11, margin="0.15,0.08", color='
        + quote(style.BORDER) + "];",
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    for node_id in bundle.ids:
        node = kb.nodes[node_id]
        look = style.kind_style(node.kind)
        person = kb.people.get(node.speaker)
        who = person.name if person else node.speaker
        tooltip = f"{node.text}\n— {who} · {style.KIND_STYLES[node.kind].label} · {bundle.labels[node_id]}"
        thesis = style.THESIS_TAG in node.tags
        out.append(f"  {quote(node_id)} " + _attrs(
            label=_label(node.title), shape=look.dot, fillcolor=quote(look.fill), fontcolor=quote(look.font),
            penwidth=style.THESIS_BORDER if thesis else None, tooltip=quote(truncate(tooltip)),
        ) + ";")
    for u, v, d in bundle.edges():
        look = style.RELATION_STYLES[d["relation"]]
        tooltip = _edge_tooltip(u, v, d)
        out.append(f"  {quote(u)} -> {quote(v)} " + _attrs(
            color=quote(look.colour), style=look.dot_style, arrowhead=look.dot_arrowhead,
            penwidth=style.edge_width(d["weight"] if d["relation"] != "restates" else 1.0),
            tooltip=quote(truncate(tooltip)),
        ) + ";")
    out.append("}")
    return Output("\n".join(out) + "\n")
