"""kb.analysis.graphview: the cache's graph, read without networkx, answers every query as networkx does.

The reference is the networkx graph built from the files (``graph.build``);
the view is what a warm command reads (the cache's JSON, decoded). Each reading
call the queries make, and each query's whole answer, must be equal, in the
same order: the real map, and a synthetic one with linked arguments,
undercuts and restatements.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kb.analysis import graph, queries, textsearch
from kb.analysis.graphview import GraphView
from kb.data import compiled, store
from conftest import synth

REPO = Path(__file__).resolve().parent.parent
def _view(G) -> GraphView:
    view = compiled.view_from_json(json.loads(json.dumps(compiled.graph_to_json(G))))
    assert isinstance(view, GraphView)
    return view


@pytest.fixture(scope="module", params=["real", "synthetic"])
def pair(request, tmp_path_factory):
    if request.param == "real":
        root = REPO / "claims"
    else:
        root = tmp_path_factory.mktemp("synth") / "claims"
        synth.generate(root, 300, seed=7)
    G = graph.build(store.load(root)[0])
    return G, _view(G)


def test_every_reading_call_agrees_with_networkx(pair):
    G, V = pair
    assert len(V) == len(G) == V.number_of_nodes() == G.number_of_nodes()
    assert len(V.edges()) == G.number_of_edges()
    assert list(V) == list(G) and list(V.nodes) == list(G.nodes)
    assert V.graph == G.graph
    for data in (True, "speaker", "tags", "missing"):
        assert list(V.nodes(data=data)) == list(G.nodes(data=data))
        assert list(V.edges(data=data)) == list(G.edges(data=data))
    # One attribute of every edge is read from the kept columns, with no edge's dict made: the same values,
    # a tuple where networkx holds one, and the default where an edge has none.
    fresh = compiled.view_from_json(json.loads(json.dumps(compiled.graph_to_json(G))))
    for data in ("relation", "weight", "linked", "via", "missing"):  # (a list would not equal networkx's tuple)
        for default in (None, 0.25):
            assert list(fresh.edges(data=data, default=default)) == list(G.edges(data=data, default=default))
    assert all(made is None for made in fresh._made)
    assert list(V.edges()) == list(G.edges())
    for n in G:
        assert V.nodes[n] == G.nodes[n]
        assert list(V.succ[n].items()) == list(G.succ[n].items())
        assert list(V.pred[n].items()) == list(G.pred[n].items())
        assert list(V.in_edges(n, data=True)) == list(G.in_edges(n, data=True))
        assert list(V.out_edges(n, data="relation")) == list(G.out_edges(n, data="relation"))
        assert V.out_degree(n) == G.out_degree(n)
    assert "no-such-node" not in V and next(iter(G)) in V


def test_one_node_questions_answered_by_scanning_agree_with_networkx(pair):
    """A fresh view answers its first few one-node edge questions by scanning, later ones from its index."""
    G, _ = pair
    stored = json.dumps(compiled.graph_to_json(G))
    busiest = sorted(G, key=lambda n: (-G.in_degree(n) - G.out_degree(n), n))[:40]
    for n in busiest:
        V = compiled.view_from_json(json.loads(stored))
        for _ in range(3):  # scans, then (past graphview.SCANS questions) the index
            assert list(V.in_edges(n, data=True)) == list(G.in_edges(n, data=True))
            assert list(V.out_edges(n, data="weight")) == list(G.out_edges(n, data="weight"))
    assert V._index is not None  # the later questions were answered from the index
    fresh = compiled.view_from_json(json.loads(stored))
    with pytest.raises(KeyError):
        fresh.in_edges("no-such-node")
    assert fresh._index is None  # scanned, not indexed


def test_every_query_answers_the_same_from_the_view(pair):
    G, V = pair
    fixed = queries.analyse(G)
    for n in list(G)[:150]:
        assert queries.show(V, n, analysis=lambda: fixed) == queries.show(G, n, analysis=lambda: fixed)
    assert queries.list_nodes(V) == queries.list_nodes(G)
    speaker = next(s for _, s in G.nodes(data="speaker") if s)
    assert queries.list_nodes(V, speaker=speaker) == queries.list_nodes(G, speaker=speaker)
    assert queries.stats(V, top=8) == queries.stats(G, top=8)
    for text in ("interpretability", "safety research", "n00001", "zzzz nothing", "deception detection"):
        assert textsearch.search(V, text, 30) == textsearch.search(G, text, 30)
    assert graph.theses(V) == graph.theses(G)
    assert graph.restatement_classes(V) == graph.restatement_classes(G)


def test_the_view_rebuilds_the_networkx_graph_exactly(pair):
    G, V = pair
    H = compiled.graph_from_view(V)
    assert list(H.nodes(data=True)) == list(G.nodes(data=True))
    assert [list(H.succ[n].items()) for n in H] == [list(G.succ[n].items()) for n in G]
    assert [list(H.pred[n].items()) for n in H] == [list(G.pred[n].items()) for n in G]


def test_a_view_refuses_what_a_graph_cannot_hold():
    def no_attrs(i):
        return {}

    with pytest.raises(ValueError):
        GraphView({}, [("a", {}), ("a", {})], [], no_attrs)
    with pytest.raises(ValueError):
        GraphView({}, [("a", {})], [("a", "b")], no_attrs)
    with pytest.raises(ValueError):
        GraphView({}, [("a", {}), ("b", {})], [("a", "b"), ("a", "b")], no_attrs)
    assert compiled.view_from_json({"graph": {}, "nodes": ["a"]}) is None


def test_damaged_edge_columns_are_refused_before_any_edge_is_read():
    """Edge attributes are made when read, so every way the stored columns can be wrong is caught up front."""
    from kb.analysis import graph as kbgraph

    G = kbgraph.from_edges([("a", "b", "supports"), ("b", "c", "attacks")])
    good = json.loads(json.dumps(compiled.graph_to_json(G)))
    linked = good["edge_keys"][good["edge_shape"][0]].index("linked")
    assert compiled.view_from_json(json.loads(json.dumps(good))) is not None
    for damage in (lambda d: d["edge_values"].pop(),                      # a row missing
                   lambda d: d["edge_values"][0].pop(),                   # a row too short
                   lambda d: d["edge_shape"].__setitem__(0, 7),           # no such shape
                   lambda d: d["edge_values"].__setitem__(0, "x"),        # not a row
                   lambda d: d["edges"].append(["a", "zz"]),              # an unknown end
                   lambda d: d["edge_keys"][0].__setitem__(0, 3),         # a key that is not text
                   lambda d: d["edge_values"][0].__setitem__(linked, "ac")):  # premises that are not a list
        broken = json.loads(json.dumps(good))
        damage(broken)
        assert compiled.view_from_json(broken) is None


# A whole kb process that reports, on its last line of stderr, which heavy libraries it imported.
PROBE = ("import runpy, sys\n"
         "sys.argv = ['kb', '--kb', sys.argv[1], *sys.argv[2:]]\n"
         "try:\n    runpy.run_module('kb', run_name='__main__')\n"
         "except SystemExit:\n    pass\n"
         "print('HEAVY', sorted(m for m in ('networkx', 'pydantic', 'yaml') if m in sys.modules), file=sys.stderr)\n")


def _probed(root, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", PROBE, str(root), *args], capture_output=True, text=True, timeout=120)


def test_a_warm_query_imports_neither_networkx_nor_pydantic_nor_yaml(tmp_path):
    """The point of the view: a query answered from the cache skips the heavy imports (a whole process)."""
    root = tmp_path / "claims"
    synth.generate(root, 60, seed=3)
    node = sorted(p.stem for p in root.rglob("n*.yaml"))[5]
    cold = _probed(root, "show", node)  # fills the cache: parses, checks and builds the graph
    assert "HEAVY ['networkx', 'pydantic', 'yaml']" in cold.stderr, cold.stderr
    for args in (("show", node), ("list",), ("stats",), ("search", "claim")):
        warm = _probed(root, *args)
        assert warm.returncode == 0, warm.stderr
        assert "HEAVY []" in warm.stderr, (args, warm.stderr)
        assert warm.stdout.strip()  # an answer (that it is the answer without the cache, test_cache checks)


@pytest.mark.parametrize("perspective", ["neutral", "speaker"])
def test_analyses_of_the_view_are_those_of_the_graph_to_the_last_bit(pair, perspective):
    """The analyses read a view as they read networkx's graph: priors, strengths and labels, every semantics."""
    from kb.analysis import queries, semantics

    G, V = pair
    who = perspective if perspective == "neutral" else sorted(semantics.perspectives(G))[0]
    for method in ("drqe", "dfquad", "qe", "euler"):
        a, b = queries.analyse(V, who, method), queries.analyse(G, who, method)
        assert (a.priors, a.strengths, a.labels) == (b.priors, b.strengths, b.labels), method


def test_a_new_perspective_asked_of_one_node_is_analysed_without_networkx(tmp_path):
    """``kb show --as`` someone not asked about before solves the whole map, from the kept view."""
    root = tmp_path / "claims"
    synth.generate(root, 60, seed=3)
    node = sorted(p.stem for p in root.rglob("n*.yaml"))[5]
    assert _probed(root, "show", node).returncode == 0  # fills the cache, from the neutral perspective
    asked = _probed(root, "show", node, "--as", "person-2", "--format", "json")
    assert asked.returncode == 0 and "HEAVY []" in asked.stderr, asked.stderr
    fresh = subprocess.run([sys.executable, "-m", "kb", "--kb", str(root), "--no-cache", "show", node, "--as",
                            "person-2", "--format", "json"], capture_output=True, text=True, timeout=120)
    assert json.loads(asked.stdout) == json.loads(fresh.stdout)


def test_cruxes_of_the_view_are_those_of_the_graph_to_the_last_bit(pair):
    """Crux search and double cruxes read a view (and its subgraph) as they read networkx's graph."""
    from kb.analysis import cruxes, graph as graphs, semantics

    G, V = pair
    people = sorted(semantics.perspectives(G))[:2]
    thesis = max(G, key=lambda n: (len(graphs.upstream(G, n)), n))  # the map's conclusion, or one as wide
    # A claim whose ancestors are only part of the map: the question is asked of a subgraph.
    part = min((n for n in G if G.pred[n]), key=lambda n: (len(graphs.upstream(G, n)) < 5, len(graphs.upstream(G, n))))
    assert 5 <= len(graphs.upstream(G, part)) < len(G)
    sub_v, sub_g = V.subgraph(graphs.upstream(V, part)), G.subgraph(graphs.upstream(G, part))
    # networkx lists a small subgraph's nodes in the order of the set it was given; each node's neighbours
    # keep the graph's order in both.
    assert dict(sub_v.nodes(data=True)) == dict(sub_g.nodes(data=True))
    for n in sub_g:
        assert list(sub_v.pred[n].items()) == list(sub_g.pred[n].items())
        assert list(sub_v.succ[n].items()) == list(sub_g.succ[n].items())
    for target in (thesis, part):
        tau = semantics.base_scores(G, people[0])
        assert cruxes.cruxes(V, target, tau, top=5) == cruxes.cruxes(G, target, tau, top=5)
        a, b = (semantics.base_scores(G, p) for p in people)
        assert cruxes.double_cruxes(V, target, a, b, top=5, samples=8) == \
            cruxes.double_cruxes(G, target, a, b, top=5, samples=8)


def test_a_double_crux_question_on_a_warm_cache_imports_no_networkx(tmp_path):
    root = tmp_path / "claims"
    synth.generate(root, 60, seed=3)
    node = sorted(p.stem for p in root.rglob("n*.yaml"))[0]
    assert _probed(root, "show", node).returncode == 0  # fills the cache
    asked = _probed(root, "cruxes", node, "--between", "person-1", "person-2", "--format", "json")
    assert asked.returncode == 0 and "HEAVY []" in asked.stderr, asked.stderr
    fresh = subprocess.run([sys.executable, "-m", "kb", "--kb", str(root), "--no-cache", "cruxes", node, "--between",
                            "person-1", "person-2", "--format", "json"], capture_output=True, text=True, timeout=300)
    assert json.loads(asked.stdout) == json.loads(fresh.stdout)
