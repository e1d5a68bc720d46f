"""`kb export --format dot`, rendered to SVG by Graphviz's own `dot`. The picture must hold one
node per claim, filled with its kind's colour from kb.publishing.style, and one edge per relation, drawn in
the relation's colour (attacks dashed), with no warning from Graphviz."""

from __future__ import annotations

import pytest

from interchange_helpers import INTERCHANGE, MAPS, SVG, load, render, signed_edges
from kb.publishing import style
from kb.publishing.export import core, dot

def _shape_fill(group) -> str:
    shapes = [e for e in group.iter() if e.tag in (SVG + "polygon", SVG + "ellipse", SVG + "path")]
    fills = [e.get("fill") for e in shapes if e.get("fill") not in (None, "none")]
    return fills[0].upper()


@pytest.mark.parametrize("name", sorted(MAPS))
def test_graphviz_draws_every_node_and_edge_in_the_site_palette(name, tmp_path):
    kb = load(MAPS[name])
    svg = render(core.export(kb, "dot").text, tmp_path)
    groups = list(svg.iter(SVG + "g"))
    nodes = {g.find(SVG + "title").text: g for g in groups if g.get("class") == "node"}
    assert set(nodes) == set(kb.nodes)
    for node_id, group in nodes.items():
        assert _shape_fill(group) == style.KIND_STYLES[kb.nodes[node_id].kind].fill
    edges = {}
    for group in (g for g in groups if g.get("class") == "edge"):
        source, target = group.find(SVG + "title").text.split("->")
        path = group.find(f".//{SVG}path")
        edges[(source, target)] = (path.get("stroke").upper(), path.get("stroke-dasharray") is not None)
    relation = {(u, v): r for u, v, r in signed_edges(kb)}
    assert set(edges) == set(relation)
    for pair, (colour, dashed) in edges.items():
        look = style.RELATION_STYLES[relation[pair]]
        assert colour == look.colour and dashed == (look.dot_style == "dashed")


def test_labels_show_titles_and_theses_get_a_heavy_border(tmp_path):
    kb = load(INTERCHANGE)
    svg = render(core.export(kb, "dot").text, tmp_path)
    nodes = {g.find(SVG + "title").text: g for g in svg.iter(SVG + "g") if g.get("class") == "node"}
    for node_id, group in nodes.items():
        shown = " ".join(t.text for t in group.iter(SVG + "text"))
        assert " ".join(shown.split()) == " ".join(kb.nodes[node_id].title.split())
    widths = {n: max(float(e.get("stroke-width", 1)) for e in g.iter() if e.tag in (SVG + "polygon", SVG + "ellipse", SVG + "path"))
              for n, g in nodes.items()}
    assert widths["interp-helps"] == style.THESIS_BORDER
    assert all(w < style.THESIS_BORDER for n, w in widths.items() if n != "interp-helps")


def test_quoting_survives_backslashes_quotes_ampersands_and_newlines():
    assert dot.quote('a "b" \\n c\nd & &lt;\x00') == '"a \\"b\\" \u29f5n c\\nd &amp; &amp;lt;"'
