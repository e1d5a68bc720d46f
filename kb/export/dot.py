"""Graphviz DOT, drawn with the site's colours and shapes (:mod:`kb.style`).

Arrows point from the arguing node to the node it argues about, and the graph
is laid out bottom to top so that theses end up at the top, as on the site.
Supports are solid with an open arrow, attacks dashed with a bar; an edge's
weight sets its thickness. Each node's tooltip (an SVG ``<title>`` hover text)
carries its text, speaker and grounded label.
"""

from __future__ import annotations

import textwrap

from kb import style

WRAP = 28


def quote(value: str) -> str:
    """A DOT double-quoted string.

    Backslashes are doubled so that Graphviz's label escapes (``\\n``, ``\\l``,
    ``\\N``) never fire by accident; line breaks become ``\\n``.
    """
    value = value.replace("\\", "\\\\").replace('"', '\\"')
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return f'"{value}"'


def _label(title: str) -> str:
    lines = textwrap.wrap(" ".join(title.split()), WRAP) or [title]
    return quote("\n".join(lines))


def _attrs(**values) -> str:
    return "[" + ", ".join(f"{k}={v}" for k, v in values.items() if v is not None) + "]"


def export(bundle):
    from kb.export.core import Output

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
            penwidth=style.THESIS_BORDER if thesis else None, tooltip=quote(tooltip),
        ) + ";")
    for u, v, d in bundle.edges():
        look = style.RELATION_STYLES[d["relation"]]
        tooltip = f"{u} {d['relation']} {v}" + (f" (weight {d['weight']:g})" if d["weight"] != 1 else "")
        if d.get("note"):
            tooltip += f": {d['note']}"
        out.append(f"  {quote(u)} -> {quote(v)} " + _attrs(
            color=quote(look.colour), style=look.dot_style, arrowhead=look.dot_arrowhead,
            penwidth=style.edge_width(d["weight"]), tooltip=quote(tooltip),
        ) + ";")
    out.append("}")
    return Output("\n".join(out) + "\n")
