"""`kb export --format graphml`, read back by two independent GraphML readers: networkx (Python)
and igraph (C, libxml2). Each must see the knowledge base's nodes, signed edges and attributes."""

from __future__ import annotations

import igraph
import networkx as nx
import pytest

from interchange_helpers import INTERCHANGE, MAPS, load, signed_edges
from kb.analysis import graph, semantics
from kb.publishing import style
from kb.publishing.export import core


@pytest.fixture(params=sorted(MAPS))
def exported(request, tmp_path):
    kb = load(MAPS[request.param])
    path = tmp_path / "map.graphml"
    path.write_text(core.export(kb, "graphml").text, encoding="utf-8")
    return kb, path


def test_networkx_reads_the_same_nodes_edges_and_attributes(exported):
    kb, path = exported
    G = nx.read_graphml(path)
    assert G.is_directed() and set(G.nodes) == set(kb.nodes)
    assert {(u, v, d["relation"]) for u, v, d in G.edges(data=True)} == signed_edges(kb)
    analysis = graph.build(kb)
    strengths, labels = semantics.strengths(analysis), semantics.grounded(analysis)
    for node_id, data in G.nodes(data=True):
        node = kb.nodes[node_id]
        assert (data["kind"], data["title"], data["label"], data["text"], data["speaker"], data["source"]) == (
            node.kind, node.title, node.title, node.text, node.speaker, node.source.document)
        assert data.get("quote") == node.source.quote and data.get("tags", "") == ",".join(node.tags)
        assert data["strength"] == pytest.approx(strengths[node_id]) and data["grounded"] == str(labels[node_id])
        assert data["color"] == style.KIND_STYLES[node.kind].fill
        assert "#%02X%02X%02X" % (data["r"], data["g"], data["b"]) == data["color"]
    for u, v, data in G.edges(data=True):
        edge = next(e for e in kb.nodes[u].edges(data["relation"]) if e.target == v)
        assert data["weight"] == edge.weight and data.get("note") == edge.note
        assert data["sign"] == (1 if data["relation"] == "supports" else -1)


def test_igraph_reads_the_same_graph(exported):
    kb, path = exported
    g = igraph.Graph.Read_GraphML(str(path))
    assert g.is_directed() and g.vcount() == len(kb.nodes)
    ids = g.vs["id"]
    assert set(ids) == set(kb.nodes)
    assert {(ids[e.source], ids[e.target], e["relation"]) for e in g.es} == signed_edges(kb)
    assert {ids[v.index]: v["kind"] for v in g.vs} == {n: node.kind for n, node in kb.nodes.items()}
    weights = {(ids[e.source], ids[e.target]): e["weight"] for e in g.es}
    assert weights == {(n, e.target): e.weight for n, node in kb.nodes.items()
                       for r in ("supports", "attacks") for e in node.edges(r)}


def test_control_characters_cannot_break_the_xml(tmp_path):
    """XML 1.0 cannot hold most control characters even escaped; they become spaces."""
    kb = load(INTERCHANGE)
    node = kb.nodes["audits"]
    kb.nodes["audits"] = node.model_copy(update={"text": "bell\x07 and form feed\x0c here"})
    path = tmp_path / "map.graphml"
    path.write_text(core.export(kb, "graphml").text, encoding="utf-8")
    assert nx.read_graphml(path).nodes["audits"]["text"] == "bell  and form feed  here"
