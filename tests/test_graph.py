"""kb.analysis.graph: the knowledge base as a networkx graph."""

from __future__ import annotations

import shutil

import networkx as nx
import pytest

from kb.analysis import graph
from kb.data import store
from kb.data.errors import UnknownId
from conftest import assemble


def load_graph(root):
    kb, problems = store.load(root)
    return graph.build(kb)


def test_base_fixture_becomes_a_graph_with_the_models_fields(base_kb):
    G = load_graph(base_kb)
    assert sorted(G.nodes) == ["audits", "see-inside", "wont-scale"]
    see = G.nodes["see-inside"]
    assert see["kind"] == "theory_of_impact"
    assert see["title"] == "Interpretability lets us see inside models"
    assert see["speaker"] == "alice"
    assert see["source"] == "doc1"
    assert see["quote"] == 'lets us "see" inside the model'
    assert see["stances"] == {"alice": 0.9, "bob": 0.2}
    assert see["tags"] == []
    assert see["path"].endswith("see-inside.yaml")
    assert G.edges["audits", "see-inside"] == {"relation": "supports", "weight": 0.5, "note": "Our reading.",
                                               "linked": (), "lead": "audits"}
    assert G.edges["wont-scale", "see-inside"] == {"relation": "attacks", "weight": 1.0, "note": None,
                                                   "linked": (), "lead": "wont-scale"}
    assert G.number_of_edges() == 2
    assert set(G.graph["people"]) == {"alice", "bob"}
    assert G.graph["people"]["bob"]["name"] == "Bob Example"
    assert G.graph["sources"]["doc1"]["title"] == "A small debate"


def test_edges_that_check_rejects_are_left_out(tmp_path):
    root = assemble(tmp_path, "unknown-target", "self-edge", "duplicate-edge")
    G = load_graph(root)
    assert not G.has_edge("dangling", "see-insde") and "see-insde" not in G
    assert not G.has_edge("selfie", "selfie")
    assert G.has_edge("selfie", "see-inside")
    # supports are read before attacks, so the first-listed relation wins
    assert G.edges["twice", "see-inside"]["relation"] == "supports"


def test_graph_does_not_depend_on_file_layout(tmp_path, base_kb):
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(base_kb / "people.yaml", other)
    shutil.copy(base_kb / "sources.yaml", other)
    # every node one folder deeper, in reverse alphabetical folders
    for i, path in enumerate(sorted(store.node_files(base_kb), reverse=True)):
        folder = other / f"z{9 - i}"
        folder.mkdir()
        shutil.copy(path, folder / path.name)
    a, b = load_graph(base_kb), load_graph(other)
    strip = lambda G: {n: {k: v for k, v in d.items() if k != "path"} for n, d in G.nodes(data=True)}  # noqa: E731
    assert strip(a) == strip(b)
    assert sorted(a.edges(data=True)) == sorted(b.edges(data=True))


def test_from_edges_builds_bare_graphs():
    G = graph.from_edges([("a", "b", "supports"), ("c", "b", "attacks", 0.25)], nodes=["lonely"],
                         stances={"a": {"ann": 0.9}})
    assert G.edges["c", "b"] == {"relation": "attacks", "weight": 0.25, "note": None,
                                   "linked": (), "lead": "c"}
    assert G.nodes["a"]["stances"] == {"ann": 0.9}
    assert G.nodes["lonely"] == {"tags": [], "stances": {}, "speaker": None}
    with pytest.raises(ValueError):
        graph.from_edges([("a", "b", "undermines")])


def test_theses_are_tagged_nodes_or_else_the_conclusions():
    G = graph.from_edges([("a", "t", "supports"), ("b", "a", "attacks"), ("c", "u", "supports")])
    assert graph.theses(G) == ["t", "u"]
    G.nodes["a"]["tags"] = ["thesis"]
    assert graph.theses(G) == ["a"]


def test_unknown_ids_come_with_suggestions():
    G = graph.from_edges([("see-inside", "audits", "supports")])
    with pytest.raises(UnknownId) as err:
        graph.require_node(G, "see-insid")
    assert err.value.suggestions == ["see-inside"]
    assert "did you mean see-inside" in str(err.value)
    graph.require_node(G, "audits")


def test_neighbours_are_sorted_by_relation():
    G = graph.from_edges([("b", "t", "supports"), ("a", "t", "supports"), ("c", "t", "attacks")])
    assert graph.supporters(G, "t") == ["a", "b"]
    assert graph.attackers(G, "t") == ["c"]
    assert isinstance(G, nx.DiGraph)
