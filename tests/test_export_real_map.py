"""The real knowledge base, exported once in every format and read back by the real readers:
the Argdown CLI, python-argumentation, networkx and Graphviz must each see the map kb sees."""

from __future__ import annotations

import networkx as nx

from conftest import REPO
from interchange_helpers import SVG, argdown_json, compare, kb_in, render, signed_edges, solver_in
from kb import graph, validate
from kb.export import core, iccma


def test_the_real_map_survives_every_reader(tmp_path):
    result = validate.check(REPO / "claims")
    assert result.ok, [p.format() for p in result.errors]
    kb = result.kb
    compare(kb, argdown_json(core.export(kb, "argdown").text, tmp_path))
    G = graph.build(kb)
    for supports in iccma.MODES:
        assert solver_in(core.export(kb, "iccma", supports=supports)) == kb_in(G, supports)
    path = tmp_path / "map.graphml"
    path.write_text(core.export(kb, "graphml").text, encoding="utf-8")
    read = nx.read_graphml(path)
    assert {(u, v, d["relation"]) for u, v, d in read.edges(data=True)} == signed_edges(kb)
    svg = render(core.export(kb, "dot").text, tmp_path)
    assert {g.find(SVG + "title").text for g in svg.iter(SVG + "g") if g.get("class") == "node"} == set(kb.nodes)
