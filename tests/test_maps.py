"""kb.publishing.maps: map data built with pyvis, escaped for a script element, laid out at build time."""

from __future__ import annotations

import json
import re
import time

import networkx as nx
import pytest
from pyvis.network import Network

from kb.analysis import graph as kbgraph
from kb.publishing import maps, style
from kb.data import store
from conftest import BASE, FIXTURES

XSS = FIXTURES / "xss" / "claims"


def _graph(root=BASE) -> nx.DiGraph:
    kb, problems = store.load(root)
    assert not [p for p in problems if p.severity == "error"]
    return kbgraph.build(kb)


def _data(fragment: str) -> dict:
    match = re.search(r'<script type="application/json" class="kb-map__data">(.*?)</script>', fragment, re.S)
    assert match, fragment[:300]
    return json.loads(match.group(1))


def _chain(n: int) -> nx.DiGraph:
    G = kbgraph.from_edges([(f"n{i}", f"n{i + 1}", "supports") for i in range(n - 1)])
    for node in G:
        G.nodes[node].update(kind="claim", title=f"Node {node}")
    return G


def test_json_cannot_close_the_script_element():
    text = maps.escape_json(json.dumps({"t": "</script><script>alert(1)</script> <!-- & \u2028"}))
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text)["t"] == "</script><script>alert(1)</script> <!-- & \u2028"


def test_hostile_titles_stay_data():
    G = _graph(XSS)
    atlas = maps.Atlas(G)
    fragment = atlas.local_map("img-title", "../../")
    script = fragment[fragment.index("<script"):fragment.index("</script>")]
    assert script.count("<") == 1, "only the opening tag itself may contain '<'"
    data = _data(fragment)
    titles = {node["id"]: node["title"] for node in data["nodes"]}
    assert titles["img-title"] == "<img src=x onerror=alert(1)>"
    assert titles["script-title"] == "</title></script><script>alert('title')</script>"
    # Outside the JSON the fragment carries no knowledge-base text at all.
    assert "alert" not in fragment.replace(script, "")


def test_records_styled_by_kind_and_relation():
    G = _graph()
    node_list, edge_list = maps.build_network(G)
    nodes = {n["id"]: n for n in node_list}
    assert nodes["see-inside"]["group"] == "theory_of_impact"
    assert nodes["see-inside"]["title"].startswith("Interpretability lets us see inside models")
    edges = {(e["from"], e["to"]): e for e in edge_list}
    support, attack = edges[("audits", "see-inside")], edges[("wont-scale", "see-inside")]
    assert support["color"] == style.RELATION_STYLES["supports"].colour
    assert attack["color"] == style.RELATION_STYLES["attacks"].colour and attack["dashes"] is True
    assert "arrows" not in support and "arrows" not in attack  # the map options set arrows once for every edge
    assert support["width"] == style.edge_width(0.5) < attack["width"] == style.edge_width(1.0)
    assert "Our reading." in support["title"]
    options = maps.map_options()
    assert options["physics"]["enabled"] is False
    assert options["edges"]["arrows"]["to"]["enabled"] is True
    assert set(options["groups"]) == set(style.KIND_STYLES)


def test_records_are_what_pyvis_would_build():
    """The maps' JSON is unchanged from when they were cut from a pyvis network: same keys, same order."""
    G = _graph()
    G.nodes["see-inside"]["tags"] = [style.THESIS_TAG]  # a thesis's emphasis too (pyvis drops a grouped node's colour)
    G.nodes["audits"]["title"] = " "  # a blank label falls back to the id, as pyvis does
    about = {n: f"someone|0.50|balanced|UNDEC {n}" for n in G.nodes}
    net = Network(directed=True)
    for node_id in sorted(G.nodes):
        data = G.nodes[node_id]
        net.add_node(node_id, **maps._node_options(node_id, data, maps.importance(data, G.in_degree(node_id)),
                                                   about[node_id]))
    for source, target, data in sorted(G.edges(data=True)):
        net.add_edge(source, target, **maps._edge_options(data))
    node_list, edge_list = maps.build_network(G, about)
    want_nodes = [{k: v for k, v in n.items() if k != "shape"} for n in net.nodes]
    assert [list(n.items()) for n in node_list] == [list(n.items()) for n in want_nodes]
    assert any("borderWidth" in n and "color" not in n for n in node_list)
    assert next(n for n in node_list if n["id"] == "audits")["label"] == "audits"
    want_edges = [{k: v for k, v in e.items() if k != "arrows"} for e in net.edges]
    assert [list(e.items()) for e in edge_list] == [list(e.items()) for e in want_edges]


def test_local_map_data():
    G = _graph()
    atlas = maps.Atlas(G)
    fragment = atlas.local_map("see-inside", "../../")
    data = _data(fragment)
    assert data["base"] == "../../"
    assert [n["id"] for n in data["nodes"]][0] == "see-inside"
    assert {n["id"] for n in data["nodes"]} == {"see-inside", "audits", "wont-scale"}
    assert data["page"] == "claims/{id}/"
    assert len(data["edges"]) == 2
    assert 'data-nodes="3"' in fragment and 'data-edges="2"' in fragment and "data-search-exclude" in fragment
    assert {k["label"] for k in data["legend"]["kinds"]} == {"Theory of impact", "Claim", "Rebuttal"}
    focus = data["nodes"][0]
    assert focus["x"] == 0 and focus["y"] == 0 and focus["borderWidth"] == 4.0


def test_neighbourhood_is_two_steps_nearest_first_and_capped():
    G = _chain(9)
    atlas = maps.Atlas(G)
    nodes, total = atlas.neighbourhood("n4")
    assert nodes[0] == "n4" and set(nodes[1:3]) == {"n3", "n5"} and set(nodes[3:]) == {"n2", "n6"}
    assert total == 5
    star = kbgraph.from_edges([(f"leaf{i:03d}", "hub", "attacks") for i in range(150)])
    for node in star:
        star.nodes[node].update(kind="claim", title=node)
    nodes, total = maps.Atlas(star).neighbourhood("hub", cap=100)
    assert len(nodes) == 100 and total == 151 and nodes[0] == "hub"
    assert nodes == maps.Atlas(star).neighbourhood("hub", cap=100)[0]  # deterministic


def test_radial_layout_places_every_node_apart():
    G = _chain(7)
    atlas = maps.Atlas(G)
    nodes, _ = atlas.neighbourhood("n3")
    pos = atlas.radial_layout("n3", nodes)
    assert set(pos) == set(nodes) and pos["n3"] == (0.0, 0.0)
    points = list(pos.values())
    assert len(set((round(x), round(y)) for x, y in points)) == len(points)
    assert pos["n4"][1] < 0 < pos["n2"][1], "what the focus argues about sits above it, what argues about it below"


def test_force_layout_is_deterministic_and_bounded():
    G = nx.gnm_random_graph(300, 900, seed=2, directed=True)
    G = nx.relabel_nodes(G, {i: f"n{i}" for i in G})
    a, b = maps.force_layout(G), maps.force_layout(G)
    assert a == b and len(a) == 300
    assert len({(round(x), round(y)) for x, y in a.values()}) > 290
    big = nx.relabel_nodes(nx.gnm_random_graph(3000, 9000, seed=3, directed=True), lambda i: f"n{i}")
    start = time.perf_counter()
    assert len(maps.force_layout(big)) == 3000
    assert time.perf_counter() - start < 20  # iterations shrink with size instead of the time growing


@pytest.mark.parametrize("title, label", [
    ("Short", "Short"),
    ("A considerably longer title that will need to be cut somewhere", "A considerably longer title that will…"),
])
def test_label_for(title, label):
    assert maps.label_for(title) == label


def _contrast(a: str, b: str) -> float:
    def lum(hex_colour: str) -> float:
        rgb = [int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        r, g, b_ = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b_
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_palette_meets_wcag_aa():
    for kind, ks in style.KIND_STYLES.items():
        assert _contrast(ks.fill, "#FFFFFF") >= 3.0, f"{kind}: fill against the white map"
        assert _contrast(ks.font, ks.fill) >= 4.5, f"{kind}: label on its fill"
    for label, colour in style.LABEL_COLOURS.items():
        assert _contrast(colour, "#FFFFFF") >= 4.5, f"{label}: white badge text"


def test_layered_layout_puts_theses_on_top_and_wraps_wide_layers():
    edges = [(f"r{i:02d}", "t", "supports") for i in range(20)] + [("o1", "r00", "attacks"), ("o2", "r05", "attacks"),
                                                                     ("r00", "o1", "attacks")]  # a circle of two
    G = kbgraph.from_edges(edges)
    for node in G:
        G.nodes[node].update(kind="claim", title=node, tags=["thesis"] if node == "t" else [])
    atlas = maps.Atlas(G)
    nodes = sorted(G.nodes)
    pos = atlas.layered_layout(nodes, focus="r00")
    assert pos["r00"] == (0.0, 0.0)
    assert all(pos["t"][1] < pos[n][1] for n in nodes if n != "t"), "the thesis is above everything"
    assert all(pos[f"r{i:02d}"][1] < pos["o2"][1] for i in range(20) if i != 0), "objections sit below what they attack"
    reasons = {pos[f"r{i:02d}"][1] for i in range(20)}
    assert len(reasons) >= 3, "twenty reasons wrap onto several rows"
    xs = [x for x, _ in pos.values()]
    assert max(xs) - min(xs) <= (maps.ROW_NODES + 1) * maps.LAYER_X
    assert len({(round(x), round(y)) for x, y in pos.values()}) == len(pos)
    # The whole map of a tree is layered too; one that is mostly circles falls back to forces.
    assert not maps.tree_like(G), "2 of 23 nodes in a circle is more than the share layers allow"
    G.remove_edge("r00", "o1")
    assert maps.tree_like(G)
    ring = kbgraph.from_edges([(f"c{i}", f"c{(i + 1) % 6}", "attacks") for i in range(6)])
    assert not maps.tree_like(ring)
