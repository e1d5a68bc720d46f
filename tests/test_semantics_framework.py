"""The modular gradual semantics, undercuts, linked premises and restatements.

Expected numbers are worked out by hand from the definitions (Mossakowski &
Neuhaus 2018; Potyka 2019; Amgoud & Ben-Naim 2018 for the Euler-based influence;
Rago et al. 2016 for DF-QuAD), step by step in the comments, not read off the code.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.analysis import graph, semantics
from kb.analysis.semantics import METHODS, strengths


def h(x: float) -> float:
    return max(0.0, x) ** 2 / (1.0 + max(0.0, x) ** 2)


# --- worked examples, one per aggregation and influence ----------------------------------------


def test_euler_based_worked_example():
    # a (τ .5) supported by b (τ .8, a leaf: σ(b) = 1 − (1 − .64)/(1 + .8·e^0) = 1 − .36/1.8 = .8)
    # E(a) = .8, σ(a) = 1 − (1 − .25)/(1 + .5·e^.8)
    G = graph.from_edges([("b", "a", "supports")])
    r = strengths(G, {"a": 0.5, "b": 0.8}, "euler")
    assert r["b"] == pytest.approx(0.8, abs=1e-12)
    assert r["a"] == pytest.approx(1 - 0.75 / (1 + 0.5 * math.exp(0.8)), abs=1e-12)


def test_dfquad_worked_example():
    # Rago et al.'s DF-QuAD: t (τ .5) with supporters s1 (.6) and s2 (.5), attacker x (.8), all leaves.
    # S = 1 − (1 − .6)(1 − .5) = .8, A = .8, so the two cancel: σ(t) = .5.
    G = graph.from_edges([("s1", "t", "supports"), ("s2", "t", "supports"), ("x", "t", "attacks")])
    r = strengths(G, {"s1": 0.6, "s2": 0.5, "x": 0.8, "t": 0.5}, "dfquad")
    assert r["t"] == pytest.approx(0.5, abs=1e-12)
    # Without x: e = .8, σ = .5 + .8·(1 − .5) = .9
    G.remove_node("x")
    assert strengths(G, {"s1": 0.6, "s2": 0.5, "t": 0.5}, "dfquad")["t"] == pytest.approx(0.9, abs=1e-12)


def test_top_aggregation_counts_only_the_strongest_on_each_side():
    # top–linear: e = max(.6, .5) − max(.3) = .3, σ = .5 + .3·.5 = .65
    G = graph.from_edges([("s1", "t", "supports"), ("s2", "t", "supports"), ("x", "t", "attacks")])
    tau = {"s1": 0.6, "s2": 0.5, "x": 0.3, "t": 0.5}
    assert strengths(G, tau, "top-linear")["t"] == pytest.approx(0.65, abs=1e-12)


def test_diminishing_returns_sum_discounts_later_contributions():
    # drsum–quadratic (drqe): supporters .6, .5, .4 → .6 + .5/2 + .4/4 = .95; attacker .3 → E = .65
    G = graph.from_edges([("s1", "t", "supports"), ("s2", "t", "supports"), ("s3", "t", "supports"),
                          ("x", "t", "attacks")])
    tau = {"s1": 0.6, "s2": 0.5, "s3": 0.4, "x": 0.3, "t": 0.5}
    assert strengths(G, tau, "drqe")["t"] == pytest.approx(0.5 + 0.5 * h(0.65), abs=1e-12)
    assert strengths(G, tau, "drsum-quadratic").values == strengths(G, tau, "drqe").values


def test_drqe_inside_a_cycle_with_several_circling_arguments_is_a_fixed_point_of_the_definition():
    # a, b, c all support one another (two circling supports each), with outside supports and
    # attacks whose contributions fall between and beside the circling ones:
    # every strength must satisfy σ = τ + (1 − τ)h(E) − τh(−E) with E the diminishing-returns
    # sums written out here, not the solver's own merged form of them.
    edges = [("a", "b", "supports", 0.9), ("b", "a", "supports", 0.7), ("a", "c", "supports", 0.8),
             ("c", "a", "supports", 0.6), ("b", "c", "supports", 0.5), ("c", "b", "supports", 0.4)]
    outside = [("o1", "a", "supports", 0.55), ("o2", "a", "supports", 0.35), ("o3", "a", "supports", 0.15),
               ("o4", "b", "supports", 0.45), ("o5", "b", "attacks", 0.25), ("o6", "b", "attacks", 0.65),
               ("o7", "c", "supports", 0.5), ("o8", "c", "attacks", 0.4), ("o9", "c", "attacks", 0.1)]
    G = graph.from_edges(edges + outside)
    tau = {n: 0.3 + 0.05 * i for i, n in enumerate(sorted(G))}
    s = strengths(G, tau, "drqe", tol=1e-13)

    def dr(xs):
        return sum(x * 0.5 ** k for k, x in enumerate(sorted(xs, reverse=True)))

    for n in ("a", "b", "c"):
        sup = [d["weight"] * s[u] for u, _, d in G.in_edges(n, data=True) if d["relation"] == "supports"]
        att = [d["weight"] * s[u] for u, _, d in G.in_edges(n, data=True) if d["relation"] == "attacks"]
        e = dr(sup) - dr(att)
        expected = tau[n] + (1 - tau[n]) * h(e) - tau[n] * h(-e)
        assert len(sup) >= 3 and s[n] == pytest.approx(expected, abs=1e-11), n


def test_drqe_does_not_saturate_with_fan_in_where_qe_does():
    # Forty supporters at .5: qe's energy is 20 (σ ≈ .9988); drqe's is .5·(1 + 1/2 + …) < 1 (σ < .75).
    G = graph.from_edges([(f"s{i}", "t", "supports") for i in range(40)])
    assert strengths(G, method="qe")["t"] > 0.99
    dr = strengths(G, method="drqe")["t"]
    assert dr == pytest.approx(0.5 + 0.5 * h(sum(0.5 * 0.5 ** k for k in range(40))), abs=1e-12)
    assert dr < 0.75


def test_unknown_semantics_is_refused_with_the_choices():
    G = graph.from_edges([("a", "b", "supports")])
    with pytest.raises(ValueError, match="drqe"):
        strengths(G, method="median-linear")


# --- undercuts -----------------------------------------------------------------------------


def test_an_undercut_scales_the_inference_it_disputes():
    # a (τ .5) supports t; u (τ .8) undercuts a→t: the contribution .5 becomes .5·(1 − .8) = .1.
    G = graph.from_edges([("a", "t", "supports")], undercuts=[("u", "a", "t")])
    r = strengths(G, {"u": 0.8}, "qe")
    assert r["t"] == pytest.approx(0.5 + 0.5 * h(0.1), abs=1e-12)
    # the undercut says nothing about either end
    assert r["a"] == 0.5 and r["u"] == 0.8
    # a fully standing, full-weight undercutter cancels the inference
    assert strengths(G, {"u": 1.0}, "qe")["t"] == pytest.approx(0.5, abs=1e-15)
    # an undercut of weight .5 at strength .8: factor 1 − .4 = .6
    G2 = graph.from_edges([("a", "t", "supports")], undercuts=[("u", "a", "t", 0.5)])
    assert strengths(G2, {"u": 0.8}, "qe")["t"] == pytest.approx(0.5 + 0.5 * h(0.3), abs=1e-12)


def test_an_undercut_of_an_attack_weakens_the_attack():
    G = graph.from_edges([("a", "t", "attacks")], undercuts=[("u", "a", "t")])
    plain = strengths(graph.from_edges([("a", "t", "attacks")]), method="qe")["t"]
    cut = strengths(G, {"u": 0.9}, "qe")["t"]
    assert plain < cut < 0.5


# --- linked premises -------------------------------------------------------------------------


def test_a_linked_argument_counts_once_at_its_weakest_premise():
    # p1 (.9) and p2 (.3) jointly support t: one contribution min(.9, .3) = .3, not .9 + .3.
    G = graph.from_edges([], linked=[(("p1", "p2"), "t", "supports")])
    r = strengths(G, {"p1": 0.9, "p2": 0.3}, "qe")
    assert r["t"] == pytest.approx(0.5 + 0.5 * h(0.3), abs=1e-12)
    # the same premises as two independent supporters would count .9 + .3
    G2 = graph.from_edges([("p1", "t", "supports"), ("p2", "t", "supports")])
    assert strengths(G2, {"p1": 0.9, "p2": 0.3}, "qe")["t"] == pytest.approx(0.5 + 0.5 * h(1.2), abs=1e-12)
    # attacking the weakest premise weakens the whole argument
    G3 = graph.from_edges([("x", "p2", "attacks")], linked=[(("p1", "p2"), "t", "supports")])
    assert strengths(G3, {"p1": 0.9, "p2": 0.3}, "qe")["t"] < r["t"]


# --- restatements --------------------------------------------------------------------------


def test_a_restatement_adds_no_weight_and_shares_one_strength():
    # a and b say the same thing and both support t: that is one reason, not two.
    G = graph.from_edges([("a", "t", "supports"), ("b", "t", "supports"), ("x", "b", "attacks")],
                         restates=[("b", "a")])
    one = graph.from_edges([("a", "t", "supports"), ("x", "a", "attacks")])
    r, expected = strengths(G, method="qe"), strengths(one, method="qe")
    assert r["t"] == pytest.approx(expected["t"], abs=1e-15)
    assert r["a"] == r["b"] == pytest.approx(expected["a"], abs=1e-15)


edge_lists = st.lists(
    st.tuples(st.sampled_from("abcdefg"), st.sampled_from("abcdefg"), st.sampled_from(["supports", "attacks"]),
              st.sampled_from([0.25, 0.5, 1.0])),
    max_size=14,
)
base = st.dictionaries(st.sampled_from("abcdefg"), st.sampled_from([0.1, 0.3, 0.5, 0.8, 1.0]))


def _graph(edges, nodes="abcdefg", **kw):
    return graph.from_edges([e for e in edges if e[0] != e[1]], nodes=list(nodes), **kw)


@settings(max_examples=60, deadline=None)
@given(edges=edge_lists, tau=base, method=st.sampled_from(METHODS))
def test_every_semantics_is_bounded_and_leaves_an_unargued_node_at_its_base(edges, tau, method):
    G = _graph(edges)
    r = strengths(G, tau, method, max_iterations=2000)
    for n in G:
        assert 0.0 <= r[n] <= 1.0
        if G.in_degree(n) == 0:
            assert r[n] == tau.get(n, 0.5)


acyclic = st.lists(
    st.tuples(st.integers(0, 6), st.integers(0, 6), st.sampled_from(["supports", "attacks"]),
              st.sampled_from([0.25, 0.5, 1.0])),
    max_size=12,
).map(lambda es: [(f"n{min(u, v)}", f"n{max(u, v)}", r, w) for u, v, r, w in es if u != v])


@settings(max_examples=60, deadline=None)
@given(edges=acyclic, tau=st.dictionaries(st.sampled_from([f"n{i}" for i in range(8)]), st.floats(0, 1)),
       method=st.sampled_from(METHODS), relation=st.sampled_from(["supports", "attacks"]))
def test_a_new_supporter_never_lowers_and_a_new_attacker_never_raises(edges, tau, method, relation):
    nodes = [f"n{i}" for i in range(8)]
    G = graph.from_edges(edges, nodes=nodes)
    target = "n7"
    if G.has_edge("n0", target):
        return
    before = strengths(G, tau, method)[target]
    H = graph.from_edges([*edges, ("n0", target, relation)], nodes=nodes)
    after = strengths(H, tau, method)[target]
    if relation == "supports":
        assert after >= before - 1e-12
    else:
        assert after <= before + 1e-12


@settings(max_examples=60, deadline=None)
@given(edges=acyclic, tau=st.dictionaries(st.sampled_from([f"n{i}" for i in range(8)]), st.floats(0, 1)),
       method=st.sampled_from(METHODS), cut=st.floats(0, 1))
def test_an_undercut_never_raises_the_target_of_the_support_it_undercuts(edges, tau, method, cut):
    nodes = [f"n{i}" for i in range(8)] + ["u"]
    G = graph.from_edges(edges, nodes=nodes)
    supports = [(u, v) for u, v, r in G.edges(data="relation") if r == "supports"]
    if not supports:
        return
    a, b = supports[0]
    H = graph.from_edges(edges, nodes=nodes, undercuts=[("u", a, b)])
    tau = {**tau, "u": cut}
    assert strengths(H, tau, method)[b] <= strengths(G, tau, method)[b] + 1e-12


@settings(max_examples=60, deadline=None)
@given(edges=edge_lists, tau=base, method=st.sampled_from(["drqe", "qe", "dfquad", "top-linear"]))
def test_merging_two_restatements_equals_one_node_with_the_union_of_their_edges(edges, tau, method):
    # "g" restates "f": the same as renaming g to f everywhere (duplicate edges become one, at the larger weight).
    first: dict[tuple, tuple] = {}
    for e in edges:
        if e[0] != e[1]:
            first.setdefault((e[0], e[1]), e)  # a graph holds one edge per pair: the first declared
    edges = list(first.values())
    merged: dict[tuple, float] = {}
    for u, v, r, w in edges:
        u2, v2 = ("f" if u == "g" else u), ("f" if v == "g" else v)
        if u2 != v2:
            merged[(u2, v2, r)] = max(merged.get((u2, v2, r), 0.0), w)
    # one edge per pair and relation in a DiGraph: keep only pairs with a single relation
    pairs: dict[tuple, list] = {}
    for (u, v, r), w in merged.items():
        pairs.setdefault((u, v), []).append((r, w))
    if any(len(rs) > 1 for rs in pairs.values()):
        return
    kept = [e for e in edges if not ({e[0], e[1]} == {"f", "g"})]
    if any(len({r for (u, v, r) in merged if (u, v) == pair}) > 1 for pair in pairs):
        return
    # In the restated graph, an edge declared from both f and g to x must not clash with the DiGraph's one-edge rule:
    G = graph.from_edges(kept, nodes="abcdefg", restates=[("g", "f")])
    tau = {k: v for k, v in tau.items() if k not in "fg"}
    one = graph.from_edges([(u, v, r, w) for (u, v, r), w in merged.items()], nodes="abcdef")
    r1, r2 = strengths(G, tau, method, max_iterations=3000), strengths(one, tau, method, max_iterations=3000)
    if not (r1.converged and r2.converged):
        return
    for n in "abcdef":
        assert r1[n] == pytest.approx(r2[n], abs=1e-9)
    assert r1["g"] == r1["f"]


@settings(max_examples=40, deadline=None)
@given(edges=edge_lists, tau=base, method=st.sampled_from(METHODS), seed=st.integers(0, 1000))
def test_results_do_not_depend_on_the_order_of_edges(edges, tau, method, seed):
    import random

    # kb check refuses two edges between one pair, so a valid map has one per pair
    edges = list({(e[0], e[1]): e for e in edges if e[0] != e[1]}.values())
    shuffled = list(edges)
    random.Random(seed).shuffle(shuffled)
    a = strengths(_graph(edges), tau, method, max_iterations=500)
    b = strengths(_graph(shuffled, nodes="gfedcba"), tau, method, max_iterations=500)
    assert a.values == b.values


# --- implied credences ----------------------------------------------------------------------


def _people_graph():
    # ann holds a; a attacks b; ann's c undercuts the support d→e; ann recorded .3 on f, which she also holds.
    G = graph.from_edges([("a", "b", "attacks"), ("d", "e", "supports"), ("f", "b", "supports")],
                         nodes=["c", "g"], undercuts=[("c", "d", "e")],
                         speakers={"a": "ann", "c": "ann", "f": "ann", "b": "bo", "d": "bo", "e": "bo", "g": "bo"},
                         stances={"f": {"ann": 0.3}})
    G.graph["people"] = {"ann": {}, "bo": {}}
    return G


def test_implied_credences_follow_what_a_person_holds_and_disputes():
    pri = semantics.priors(_people_graph(), "ann")
    assert {n: (p.value, p.origin) for n, p in pri.items()} == {
        "a": (semantics.HOLDS_CREDENCE, "holds"),
        "c": (semantics.HOLDS_CREDENCE, "holds"),
        "b": (semantics.DISPUTES_CREDENCE, "disputes"),  # ann's a attacks it
        "e": (semantics.DISPUTES_CREDENCE, "disputes"),  # ann's c undercuts the support of it
        "f": (0.3, "recorded"),  # a recorded stance always wins over holding
        "d": (0.5, "default"),
        "g": (0.5, "default"),
    }
    off = semantics.priors(_people_graph(), "ann", implied=False)
    assert {n: p.value for n, p in off.items()} == {"a": 0.5, "b": 0.5, "c": 0.5, "d": 0.5, "e": 0.5,
                                                     "f": 0.3, "g": 0.5}
    assert all(p.origin == "default" for p in semantics.priors(_people_graph(), "neutral").values())


def test_a_presenter_does_not_hold_what_they_present():
    G = _people_graph()
    G.nodes["a"]["speaker"] = "bo"
    G.nodes["a"]["presenter"] = "ann"
    pri = semantics.priors(G, "ann")
    assert pri["a"].origin == "default" and pri["b"].origin == "default"
