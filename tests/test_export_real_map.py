"""The real knowledge base, exported once in every format and read back by the real readers:
the Argdown CLI, python-argumentation, networkx and Graphviz must each see the map kb sees."""

from __future__ import annotations

import networkx as nx

from conftest import REPO
from interchange_helpers import RELATION, SVG, argdown_json, kb_in, render, solver_in
from kb.analysis import graph
from kb.rules import validate
from kb.publishing.export import core, iccma


def test_the_real_map_survives_every_reader(tmp_path):
    result = validate.check(REPO / "claims")
    assert result.ok, [p.format() for p in result.errors]
    kb = result.kb
    G = graph.build(kb)
    compare_with_relations(kb, G, argdown_json(core.export(kb, "argdown").text, tmp_path))
    for supports in iccma.MODES:
        found = {x for x in solver_in(core.export(kb, "iccma", supports=supports)) if not x.startswith("~")}
        assert found == kb_in(G, supports)
    path = tmp_path / "map.graphml"
    path.write_text(core.export(kb, "graphml").text, encoding="utf-8")
    read = nx.read_graphml(path)
    assert {(u, v, d["relation"]) for u, v, d in read.edges(data=True)} == set(G.edges(data="relation"))
    svg = render(core.export(kb, "dot").text, tmp_path)
    assert {g.find(SVG + "title").text for g in svg.iter(SVG + "g") if g.get("class") == "node"} == set(kb.nodes)


def compare_with_relations(kb, G, parsed: dict) -> None:
    """Every node defined once (found by the kb id in its own data block), every plain edge as a relation
    between the two statements' titles, and one premise–conclusion argument per linked or undercut inference."""
    title_of = {}
    for title, statement in parsed["statements"].items():
        for member in statement["members"]:
            if not member.get("isReference"):
                node_id = (member.get("data") or {}).get("id")
                if node_id is None:
                    continue  # an inference's own conclusion ("Not so: …"), not a node of the map
                assert node_id not in title_of, f"{node_id} defined twice"
                title_of[node_id] = title
    assert set(title_of) == set(kb.nodes)
    restated = {n for u, v, r in G.edges(data="relation") if r == "restates" for n in (u, v)}
    cut = {(via, v) for _, v, d in G.edges(data=True) if d["relation"] == "undercuts" for via in d["via"]}
    plain = {(u, v, d["relation"]) for u, v, d in G.edges(data=True)
             if d["relation"] in ("supports", "attacks") and not d["linked"] and (u, v) not in cut
             and u not in restated and v not in restated}
    read = {(r["from"], r["to"], RELATION[r["relationType"]]) for r in parsed["relations"]
            if r["relationType"] in RELATION and r["from"] in parsed["statements"] and r["to"] in parsed["statements"]}
    assert {(title_of[u], title_of[v], r) for u, v, r in plain} <= read
    inferences = {(d["linked"] or (u,), v) for u, v, d in G.edges(data=True)
                  if d["relation"] in ("supports", "attacks") and (d["linked"] or (u, v) in cut)}
    assert len(parsed["arguments"]) == len(inferences)
