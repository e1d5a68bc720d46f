"""Undercuts, linked arguments and restatements in every export, each read by its real reader:
arguebuf for AIF (and kb's own importer, both ways), the Argdown CLI, python-argumentation for
ICCMA, a JSON Schema validator, networkx for GraphML and Graphviz for DOT."""

from __future__ import annotations

import json
import logging

import arguebuf
import jsonschema
import networkx as nx
import pytest
from arguebuf.model.scheme import Attack, Rephrase, Support
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO
from interchange_helpers import (RELATIONS, SVG, argdown_json, kb_in, load, relation_facts, render, signed_edges,
                                 solver_in)
from kb.analysis import graph
from kb.changes import importer
from kb.rules import validate
from kb.publishing.export import core, iccma
from kb.publishing.export.attrs import vias
from kb.publishing.export.core import Bundle


@pytest.fixture(autouse=True)
def quiet_arguebuf(caplog):
    caplog.set_level(logging.ERROR)


def test_aif_has_one_scheme_node_per_inference_and_arguebuf_reads_them(tmp_path):
    kb = load(RELATIONS)
    path = tmp_path / "map.json"
    path.write_text(core.export(kb, "aif").text, encoding="utf-8")
    data = json.loads(path.read_text())
    kb_id = {n["nodeID"]: n["kb"]["id"] for n in data["nodes"] if n["type"] == "I"}
    g = arguebuf.load.file(path)
    found = {}
    for scheme in g.scheme_nodes.values():
        ins = {kb_id[n.id] for n in g.incoming_nodes(scheme) if n.id in kb_id}  # claims only: undercuts come in too
        (out,) = g.outgoing_nodes(scheme)
        found[scheme.id] = (type(scheme.scheme), frozenset(ins), kb_id.get(out.id, out.id))
    by_shape = {(kind, ins, out): sid for sid, (kind, ins, out) in found.items()}
    linked_support = by_shape[(Support, frozenset({"tools-cheap", "tools-useful"}), "thesis")]
    linked_attack = by_shape[(Attack, frozenset({"cost-a", "cost-b"}), "tools-cheap")]
    plain_support = by_shape[(Support, frozenset({"probes-found"}), "thesis")]
    plain_attack = by_shape[(Attack, frozenset({"dual-use"}), "thesis")]
    # An undercut attacks the scheme node of the inference, never a claim.
    assert {n.id for n in g.incoming_nodes(g.scheme_nodes[linked_support])} - set(kb_id) == {
        sid for sid, (_, ins, out) in found.items() if ins == {"tools-dont-matter"}}
    assert (Attack, frozenset({"only-known-concepts"}), plain_support) in found.values()
    assert (Attack, frozenset({"not-faster"}), plain_attack) in found.values()
    assert (Attack, frozenset({"tools-dont-matter"}), linked_support) in found.values()
    assert (Rephrase, frozenset({"dual-use-again"}), "dual-use") in found.values()
    assert linked_attack and len(found) == 8


def test_aif_round_trip_keeps_every_relation(tmp_path):
    original = load(RELATIONS)
    path = tmp_path / "map.json"
    path.write_text(core.export(original, "aif").text, encoding="utf-8")
    result = importer.import_aif(tmp_path / "new", path)
    assert result.notes == []
    check = validate.check(tmp_path / "new")
    assert check.ok, [p.format() for p in check.errors]
    assert sorted(check.kb.nodes) == sorted(original.nodes)
    assert relation_facts(check.kb) == relation_facts(original)
    assert check.kb.nodes["thesis"].presenter == "carol"  # a presenter who never speaks is still a person
    # and the plain AIF alone (kb's keys stripped) still gives the same structure
    data = json.loads(path.read_text())
    for entry in data["nodes"] + data["participants"]:
        entry.pop("kb", None)
    data.pop("kb")
    path.write_text(json.dumps(data), encoding="utf-8")
    importer.import_aif(tmp_path / "plain", path)
    plain = load(tmp_path / "plain")
    rename = {n: next(m for m, node in plain.nodes.items() if node.text == original.nodes[n].text) for n in original.nodes}
    expected = relation_facts(original)
    facts = relation_facts(plain)
    assert {(frozenset(rename[p] for p in ps), rename[t], r) for ps, t, r, *_ in expected["arguments"]} == \
           {(ps, t, r) for ps, t, r, *_ in facts["arguments"]}
    assert {(rename[c], frozenset(rename[p] for p in ps), rename[t]) for c, ps, t, *_ in expected["undercuts"]} == \
           {(c, ps, t) for c, ps, t, *_ in facts["undercuts"]}
    assert {(rename[a], rename[b]) for a, b in expected["restates"]} == facts["restates"]


def test_argdown_reads_inferences_undercuts_and_restatement_classes(tmp_path):
    kb = load(RELATIONS)
    parsed = argdown_json(core.export(kb, "argdown").text, tmp_path)
    members = {}
    for title, statement in parsed["statements"].items():
        for m in statement["members"]:
            if not m.get("isReference") and "id" in (m.get("data") or {}):
                members[m["data"]["id"]] = title
    assert set(members) == set(kb.nodes)
    # a restatement class is one equivalence class: one title, one member per node
    assert members["dual-use"] == members["dual-use-again"]
    assert len(set(members.values())) == len(kb.nodes) - 1
    arguments = {}
    for title, argument in parsed["arguments"].items():
        premises = frozenset(members_of(members, m["title"]) for m in argument["pcs"] if m["role"] == "premise")
        (conclusion,) = [m["title"] for m in argument["pcs"] if m["role"] == "main-conclusion"]
        arguments[title] = (premises, conclusion)
    by_premises = {premises: (title, conclusion) for title, (premises, conclusion) in arguments.items()}
    title, conclusion = by_premises[frozenset({"tools-cheap", "tools-useful"})]
    assert members_of(members, conclusion) == "thesis"  # a linked support concludes its target
    title, conclusion = by_premises[frozenset({"cost-a", "cost-b"})]
    against = [r for r in parsed["relations"] if r["from"] == conclusion]
    assert [(r["relationType"], members_of(members, r["to"])) for r in against] == [("attack", "tools-cheap")]
    undercuts = {(members_of(members, r["from"]), arguments[r["to"]][0]) for r in parsed["relations"]
                 if r["relationType"] == "undercut"}
    assert undercuts == {("only-known-concepts", frozenset({"probes-found"})), ("not-faster", frozenset({"dual-use"})),
                         ("tools-dont-matter", frozenset({"tools-cheap", "tools-useful"}))}


def members_of(members: dict[str, str], title: str) -> str:
    """The node id defined under a title (the first, for a restatement class)."""
    return sorted(n for n, t in members.items() if t == title)[0]


# The grounded extension worked out by hand on the auxiliary-argument framework (see kb/publishing/export/iccma.py):
# the undercut by not-faster defeats dual-use's attack, so the thesis has no standing attacker and is IN
# (it would be OUT if the attack held: dual-use is unattacked); the linked attack of cost-a and cost-b
# puts tools-cheap OUT, which takes down the linked support but does not reach the thesis.
HAND_IN = {"cost-a", "cost-b", "dual-use", "dual-use-again", "not-faster", "only-known-concepts", "probes-found",
           "tools-dont-matter", "tools-useful", "thesis"}


def test_iccma_grounded_extension_by_hand():
    kb = load(RELATIONS)
    output = core.export(kb, "iccma")
    assert solver_in(output) - {n for n in solver_in(output) if n.startswith("~")} == HAND_IN
    # Without the undercut of dual-use's attack, the thesis falls.
    chosen = core.export(kb, "iccma", "-id:not-faster")
    assert {n for n in solver_in(chosen) if not n.startswith("~")} == HAND_IN - {"not-faster", "thesis"}
    ignored = core.export(kb, "iccma", supports="ignore")
    assert {n for n in solver_in(ignored) if not n.startswith("~")} == (set(kb.nodes) - {"tools-cheap"})


@pytest.mark.parametrize("supports", ["cayrol", "ignore"])
def test_iccma_grounded_extension_equals_kb_labels_with_new_relations(supports):
    kb = load(RELATIONS)
    output = core.export(kb, "iccma", supports=supports)
    assert {n for n in solver_in(output) if not n.startswith("~")} == kb_in(graph.build(kb), supports)


def test_json_carries_linked_lead_and_via_and_validates():
    kb = load(RELATIONS)
    data = json.loads(core.export(kb, "json").text)
    schema = json.loads((REPO / "schema" / "export.schema.json").read_text())
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(data)) == []
    edges = {(e["source"], e["target"]): e for e in data["edges"]}
    assert edges[("tools-useful", "thesis")]["linked"] == ["tools-cheap", "tools-useful"]
    assert edges[("tools-useful", "thesis")]["lead"] == "tools-cheap"
    assert (edges[("not-faster", "thesis")]["relation"], edges[("not-faster", "thesis")]["via"]) == ("undercuts", ["dual-use"])
    assert edges[("not-faster", "thesis")]["weight"] == 0.5
    assert edges[("dual-use-again", "dual-use")]["relation"] == "restates"
    assert edges[("probes-found", "thesis")]["via"] == [] and edges[("probes-found", "thesis")]["linked"] == []


def test_graphml_carries_every_relation_and_attribute(tmp_path):
    kb = load(RELATIONS)
    path = tmp_path / "map.graphml"
    path.write_text(core.export(kb, "graphml").text, encoding="utf-8")
    G = nx.read_graphml(path)
    whole = graph.build(kb)
    assert {(u, v, d["relation"]) for u, v, d in G.edges(data=True)} == {(u, v, d["relation"]) for u, v, d in whole.edges(data=True)}
    for u, v, d in G.edges(data=True):
        expected = whole[u][v]
        assert d.get("linked", "") == ",".join(expected.get("linked") or ())
        assert d.get("via", "") == ",".join(vias(expected)) and d.get("lead") == expected.get("lead")
        assert d["sign"] == {"supports": 1, "attacks": -1, "undercuts": -1, "restates": 0}[d["relation"]]


def test_dot_draws_every_relation(tmp_path):
    kb = load(RELATIONS)
    svg = render(core.export(kb, "dot").text, tmp_path)
    drawn = {}
    for group in (g for g in svg.iter(SVG + "g") if g.get("class") == "edge"):
        source, target = group.find(SVG + "title").text.split("->")
        path = group.find(f".//{SVG}path")
        tooltip = group.find(f".//{SVG}a")
        drawn[(source, target)] = (path.get("stroke").upper(), path.get("stroke-dasharray"),
                                   tooltip.get("{http://www.w3.org/1999/xlink}title") if tooltip is not None else None)
    assert set(drawn) == set(graph.build(kb).edges)
    assert drawn[("not-faster", "thesis")][0] == "#E69F00"
    assert "undercuts the inference dual-use -> thesis" in drawn[("not-faster", "thesis")][2]
    assert "jointly with tools-cheap" in drawn[("tools-useful", "thesis")][2]
    assert drawn[("dual-use-again", "dual-use")][0] == "#999999"
    assert {(u, v) for u, v, _ in signed_edges(kb)} <= set(drawn)


@settings(max_examples=150, deadline=None)
@given(st.integers(3, 8).flatmap(lambda n: st.tuples(
    st.just(n),
    st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.sampled_from(["supports", "attacks"])), max_size=10),
    st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.integers(0, n - 1),
                       st.sampled_from(["supports", "attacks"])), max_size=3),
    st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, 30)), max_size=4),
    st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=2))))
def test_iccma_agrees_with_kb_labels_on_random_graphs_with_every_relation(case):
    n, plain, linked, cuts, restates = case
    used: set = set()

    def free(*pairs) -> bool:
        ok = all(a != b and (a, b) not in used and (b, a) not in used for a, b in pairs)
        if ok:
            used.update(pairs)
        return ok

    edges = [(f"n{u}", f"n{v}", r) for u, v, r in plain if free((u, v))]
    groups = [((f"n{a}", f"n{b}"), f"n{t}", r) for a, b, t, r in linked if a != b and free((a, t), (b, t))]
    all_edges = [(u, v) for u, v, _ in edges] + [(p, t) for ps, t, _ in groups for p in ps]
    undercuts = []
    for cutter, k in cuts:
        if all_edges:
            u, v = all_edges[k % len(all_edges)]
            if f"n{cutter}" not in (u, v) and free((cutter, int(v[1:]))):
                undercuts.append((f"n{cutter}", u, v))
    restated = [(f"n{a}", f"n{b}") for a, b in restates if free((a, b))]
    G = graph.from_edges(edges, nodes=[f"n{i}" for i in range(n)], linked=groups, undercuts=undercuts,
                         restates=restated)
    bundle = Bundle(kb=None, graph=G, strengths=None, labels={})
    for supports in ("cayrol", "ignore"):
        found = {x for x in solver_in(iccma.export(bundle, supports)) if not x.startswith("~")}
        assert found == kb_in(G, supports), supports
