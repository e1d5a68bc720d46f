"""kb.analysis.cruxes: single-target cruxes, double cruxes and the Shapley split of a disagreement.

The incremental computations (re-solving only what lies between a candidate
and the target) are checked against brute force: the whole graph rebuilt and
re-solved for every intervention and every coalition.
"""

from __future__ import annotations

import itertools
import math
import random
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.analysis import cruxes, graph, semantics
from kb.data import store
from kb.data.errors import UnknownId
from kb.analysis.semantics import strengths
from test_semantics import cyclic_graph, random_graph, random_tau


def forced(G: nx.DiGraph, tau: dict, x: str, value: float, method: str) -> float:
    """σ of every node with x pinned to value: its incoming edges removed, its base score set."""
    H = G.copy()
    H.remove_edges_from(list(H.in_edges(x)))
    return strengths(H, {**tau, x: value}, method, tol=1e-12)


def h(x: float) -> float:
    x = max(0.0, x)
    return x * x / (1 + x * x)


# --- single-target cruxes ----------------------------------------------------------------


def test_cruxes_by_hand():
    # t has a supporter s and an attacker a, and c attacks a; everything at τ = .5.
    G = graph.from_edges([("s", "t", "supports"), ("a", "t", "attacks"), ("c", "a", "attacks")])
    rep = cruxes.cruxes(G, "t")
    by_id = {c.id: c for c in rep.cruxes}
    assert [c.id for c in rep.cruxes] == ["s", "a", "c"]  # |swing| .201, .200, .029
    # s = 1: σ(a) = .5 − .5·h(.5) = .4, E = 1 − .4 = .6; s = 0: E = −.4
    assert by_id["s"].high == pytest.approx(0.5 + 0.5 * h(0.6), abs=1e-15)
    assert by_id["s"].low == pytest.approx(0.5 - 0.5 * h(0.4), abs=1e-15)
    assert by_id["s"].sign == "pro" and by_id["s"].strict
    # a = 1: E = .5 − 1; a = 0: E = .5
    assert by_id["a"].swing == pytest.approx(-0.5 * h(0.5) - 0.5 * h(0.5), abs=1e-15)
    assert by_id["a"].sign == "con" and by_id["a"].strict
    # c = 1: σ(a) = .5 − .5·h(1) = .25, E = .25; c = 0: σ(a) = .5, E = 0
    assert by_id["c"].swing == pytest.approx(0.5 * h(0.25), abs=1e-15)
    assert by_id["c"].sign == "pro" and not by_id["c"].strict
    assert by_id["c"].strength == 0.5 and by_id["a"].strength == pytest.approx(0.4, abs=1e-15)
    assert rep.candidates == 3 and rep.verdict == "accepted" and rep.converged
    assert cruxes.cruxes(G, "t", top=1).cruxes == rep.cruxes[:1]
    labelled = cruxes.cruxes(G, "t", labels=semantics.grounded(G))
    assert [(c.id, c.label) for c in labelled.cruxes] == [("s", "IN"), ("a", "OUT"), ("c", "IN")]
    assert all(c.label is None for c in rep.cruxes)


@pytest.mark.parametrize("method", ["qe", "dfquad"])
@pytest.mark.parametrize("seed", range(12))
def test_cruxes_match_brute_force(method, seed):
    rng = random.Random(5000 + seed)
    if seed % 2:
        G = cyclic_graph(rng, rng.randint(3, 11), 0.3)
    else:
        G = random_graph(rng, rng.randint(2, 12), 0.35, acyclic=True)
    tau = random_tau(rng, G)
    target = max(G.nodes, key=lambda n: (len(nx.ancestors(G, n)), n))
    rep = cruxes.cruxes(G, target, tau, method=method, tol=1e-12)
    assert {c.id for c in rep.cruxes} == nx.ancestors(G, target)
    for c in rep.cruxes:
        high = forced(G, tau, c.id, 1.0, method)
        low = forced(G, tau, c.id, 0.0, method)
        assert c.converged == (high.converged and low.converged)
        assert c.high == pytest.approx(high[target], abs=1e-8)
        assert c.low == pytest.approx(low[target], abs=1e-8)
        assert c.strict == semantics.flips(high[target], low[target])
    swings = [abs(c.swing) for c in rep.cruxes]
    assert swings == sorted(swings, reverse=True)


def test_a_crux_whose_interventions_do_not_settle_is_marked():
    G = graph.from_edges([("x", "y", "attacks"), ("y", "z", "attacks"), ("z", "x", "attacks"),
                          ("z", "t", "supports"), ("s", "t", "supports")])
    rep = cruxes.cruxes(G, "t", {n: 0.9 for n in G.nodes}, max_iterations=2)
    assert not rep.converged
    assert not any(c.converged for c in rep.cruxes)


def test_unknown_target_is_an_error_with_suggestions():
    G = graph.from_edges([("see-inside", "audits", "supports")])
    with pytest.raises(UnknownId, match="did you mean audits"):
        cruxes.cruxes(G, "audit")


def test_overview_lists_every_thesis_with_its_three_strongest_cruxes():
    G = graph.from_edges([(f"s{i}", "t", "supports", 0.1 * (i + 1)) for i in range(5)] + [("r", "u", "attacks")])
    reports = cruxes.overview(G)
    assert [r.target for r in reports] == ["t", "u"]
    assert [c.id for c in reports[0].cruxes] == ["s4", "s3", "s2"]
    assert reports[0].candidates == 5
    G.nodes["s0"]["tags"] = ["thesis"]
    assert [r.target for r in cruxes.overview(G)] == ["s0"]


# --- double cruxes -------------------------------------------------------------------------


def test_a_strict_double_crux_by_hand():
    # A holds x at .9, B at .1; x supports T, which y (.5 for both) attacks.
    G = graph.from_edges([("x", "T", "supports"), ("y", "T", "attacks")])
    rep = cruxes.double_cruxes(G, "T", {"x": 0.9}, {"x": 0.1}, names=("A", "B"))
    assert rep.strength_a == pytest.approx(0.5 + 0.5 * h(0.4), abs=1e-15)
    assert rep.strength_b == pytest.approx(0.5 - 0.5 * h(0.4), abs=1e-15)
    assert (rep.verdict_a, rep.verdict_b) == ("accepted", "rejected")
    [item] = rep.items
    assert item.id == "x" and (item.tau_a, item.tau_b) == (0.9, 0.1)
    assert item.close_a == pytest.approx(1.0) and item.close_b == pytest.approx(1.0)
    assert item.score == pytest.approx(1.0) and item.strict
    assert rep.shapley.method == "exact" and rep.shapley.parts == {"x": pytest.approx(rep.gap)}


def test_no_gap_means_no_fractions():
    G = graph.from_edges([("x", "T", "supports"), ("y", "T", "supports")])
    rep = cruxes.double_cruxes(G, "T", {"x": 0.9, "y": 0.1}, {"x": 0.1, "y": 0.9})
    assert rep.gap == pytest.approx(0.0, abs=1e-15)
    assert all(i.close_a is None and i.score is None and not i.strict for i in rep.items)
    assert sum(rep.shapley.parts.values()) == pytest.approx(rep.gap, abs=1e-12)


def _shapley_by_definition(players, v):
    n = len(players)
    phi = {}
    for x in players:
        others = [p for p in players if p != x]
        total = 0.0
        for size in range(n):
            for S in itertools.combinations(others, size):
                weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
                total += weight * (v(frozenset(S) | {x}) - v(frozenset(S)))
        phi[x] = total
    return phi


def shapley_brute_force(G, target, tau_a, tau_b, players, method):
    """Shapley values of the claims, or, when the target's own prior is disputed, the Owen value
    with that prior as one block: the prior gets the average of switching it first and last, each
    claim the average of its Shapley values with the prior at B's and at A's score."""
    value = {}
    for size in range(len(players) + 1):
        for S in itertools.combinations(players, size):
            tau = {**tau_b, **{x: tau_a[x] for x in S}}
            value[frozenset(S)] = strengths(G, tau, method, tol=1e-12)[target]
    if target not in players:
        return _shapley_by_definition(players, value.__getitem__)
    rest = [p for p in players if p != target]
    own = frozenset([target])
    low = _shapley_by_definition(rest, value.__getitem__)
    high = _shapley_by_definition(rest, lambda S: value[S | own])
    phi = {x: (low[x] + high[x]) / 2 for x in rest}
    everything = frozenset(players)
    phi[target] = ((value[own] - value[frozenset()]) + (value[everything] - value[everything - own])) / 2
    return phi


@pytest.mark.parametrize("method", ["qe", "dfquad"])
@pytest.mark.parametrize("seed", range(8))
def test_double_cruxes_and_shapley_match_brute_force(method, seed):
    rng = random.Random(6000 + seed)
    G = (cyclic_graph(rng, rng.randint(3, 9), 0.3) if seed % 2
         else random_graph(rng, rng.randint(3, 10), 0.35, acyclic=True))
    target = max(G.nodes, key=lambda n: (len(nx.ancestors(G, n)), n))
    tau_a, tau_b = random_tau(rng, G), random_tau(rng, G)
    for n in rng.sample(sorted(G.nodes), len(G) // 3):
        tau_b[n] = tau_a[n]  # agreement on some claims
    rep = cruxes.double_cruxes(G, target, tau_a, tau_b, method=method, tol=1e-12)
    sa, sb = strengths(G, tau_a, method, tol=1e-12)[target], strengths(G, tau_b, method, tol=1e-12)[target]
    assert rep.gap == pytest.approx(sa - sb, abs=1e-8)
    reach = nx.ancestors(G, target) | {target}
    players = sorted(x for x in reach if tau_a[x] != tau_b[x])
    # The target's own prior is a Shapley player (the parts add up to the gap) but never a double crux.
    listed = [x for x in players if x != target]
    assert sorted(i.id for i in rep.items) == listed and rep.disputed == len(listed)
    assert target not in {i.id for i in rep.items}
    for item in rep.items:
        a_adopting = strengths(G, {**tau_a, item.id: tau_b[item.id]}, method, tol=1e-12)[target]
        b_adopting = strengths(G, {**tau_b, item.id: tau_a[item.id]}, method, tol=1e-12)[target]
        assert item.a_adopting == pytest.approx(a_adopting, abs=1e-8)
        assert item.b_adopting == pytest.approx(b_adopting, abs=1e-8)
        if abs(rep.gap) > cruxes.GAP_EPS:
            assert item.score == min(item.close_a, item.close_b)
    expected = shapley_brute_force(G, target, tau_a, tau_b, players, method)
    assert rep.shapley.method == "exact"
    assert rep.shapley.parts == pytest.approx(expected, abs=1e-8)
    assert rep.shapley.total == pytest.approx(rep.gap, abs=1e-8)


def test_monte_carlo_shapley_is_seeded_close_to_exact_and_adds_up():
    rng = random.Random(11)
    G = random_graph(rng, 14, 0.3, acyclic=True)
    target = max(G.nodes, key=lambda n: (len(nx.ancestors(G, n)), n))
    tau_a, tau_b = random_tau(rng, G), random_tau(rng, G)
    exact = cruxes.double_cruxes(G, target, tau_a, tau_b)
    sampled = cruxes.double_cruxes(G, target, tau_a, tau_b, exact_limit=0, samples=400, seed=3, precision=None)
    again = cruxes.double_cruxes(G, target, tau_a, tau_b, exact_limit=0, samples=400, seed=3, precision=None)
    assert sampled.shapley.method == "monte-carlo" and sampled.shapley.permutations == 400
    assert sampled.shapley.seed == 3
    assert sampled.shapley.parts == again.shapley.parts
    assert sampled.shapley.total == pytest.approx(sampled.gap, abs=1e-12)
    for x, part in exact.shapley.parts.items():
        assert abs(sampled.shapley.parts[x] - part) <= 5 * sampled.shapley.stderr[x] + 1e-9


def test_beyond_twelve_disputed_claims_shapley_is_sampled():
    G = graph.from_edges([(f"s{i:02d}", "t", "supports" if i % 2 else "attacks", 0.3) for i in range(13)])
    tau_a = {f"s{i:02d}": 0.9 for i in range(13)}
    rep = cruxes.double_cruxes(G, "t", tau_a, {})
    assert rep.disputed == 13 and rep.shapley.method == "monte-carlo"
    # by default the estimate stops once every part's standard error is within the precision
    assert rep.shapley.seed == cruxes.SHAPLEY_SEED
    assert 2 * cruxes.MIN_PAIRS <= rep.shapley.permutations <= cruxes.SHAPLEY_SAMPLES
    assert max(rep.shapley.stderr.values()) <= cruxes.SHAPLEY_PRECISION
    assert sum(rep.shapley.parts.values()) == pytest.approx(rep.gap, abs=1e-12)
    full = cruxes.double_cruxes(G, "t", tau_a, {}, precision=None)
    assert full.shapley.permutations == cruxes.SHAPLEY_SAMPLES


@st.composite
def disagreements(draw):
    n = draw(st.integers(2, 8))
    edges = []
    for i in range(n):
        for j in range(n):
            if i != j and draw(st.integers(0, 3)) == 0:
                edges.append((f"n{i}", f"n{j}", draw(st.sampled_from(["supports", "attacks"])),
                              draw(st.sampled_from([1.0, 0.6, 0.2]))))
    G = graph.from_edges(edges, nodes=[f"n{i}" for i in range(n)])
    scores = st.sampled_from([0.0, 0.1, 0.5, 0.8, 1.0])
    tau_a = {f"n{i}": draw(scores) for i in range(n)}
    tau_b = {f"n{i}": draw(scores) for i in range(n)}
    return G, draw(st.sampled_from(sorted(G.nodes))), tau_a, tau_b


@settings(max_examples=80, deadline=None)
@given(disagreements(), st.sampled_from(["qe", "dfquad"]), st.sampled_from([12, 0]))
def test_shapley_parts_add_up_to_the_gap(case, method, exact_limit):
    G, target, tau_a, tau_b = case
    rep = cruxes.double_cruxes(G, target, tau_a, tau_b, method=method, exact_limit=exact_limit, samples=20)
    if rep.converged:
        # What is left of the gap is iteration: within the Monte-Carlo tolerance of each order's
        # end, far inside ADDS_UP_TOLERANCE; an exact split solves every coalition tightly.
        assert rep.shapley.total == pytest.approx(rep.gap, abs=1e-8 if exact_limit else cruxes.MC_TOLERANCE)
        assert sum(rep.shapley.parts.values()) == pytest.approx(rep.shapley.total, abs=1e-12)


def test_a_split_that_lands_on_another_fixed_point_says_it_does_not_add_up():
    """Two claims that fully back each other, from a base score of 0, stand anywhere from 0 to 1.

    Solved from the base scores, A (both at 0) leaves them at 0 and B (n1 at 0.1)
    lifts both to 1, a gap of -1 on n0. Switching n1 to A's 0 starting from B's
    solution stays at 1, so the split (0 in all) misses the gap: the report must
    say so and not pass the split off as converged.
    """
    G = graph.from_edges([("n0", "n1", "supports", 1.0), ("n1", "n0", "supports", 1.0)], nodes=["n0", "n1"])
    tau_a, tau_b = {"n0": 0.0, "n1": 0.0}, {"n0": 0.0, "n1": 0.1}
    for exact_limit in (12, 0):
        rep = cruxes.double_cruxes(G, "n0", tau_a, tau_b, method="dfquad", exact_limit=exact_limit, samples=20)
        assert rep.strength_a == pytest.approx(0.0, abs=1e-6) and rep.strength_b == pytest.approx(1.0, abs=1e-6)
        assert rep.gap == pytest.approx(-1.0, abs=1e-6)
        assert abs(rep.shapley.total - rep.gap) > 0.5
        assert not rep.shapley.adds_up and not rep.shapley.converged and not rep.converged
    # and where the fixed point is unique (qe), the same disagreement adds up
    rep = cruxes.double_cruxes(G, "n0", tau_a, tau_b, method="qe")
    assert rep.shapley.adds_up and rep.shapley.total == pytest.approx(rep.gap, abs=1e-7)


def test_the_cli_says_when_the_split_does_not_add_up(tmp_path, monkeypatch):
    from kb.cli import query

    G = graph.from_edges([("n0", "n1", "supports", 1.0), ("n1", "n0", "supports", 1.0)], nodes=["n0", "n1"])
    rep = cruxes.double_cruxes(G, "n0", {"n0": 0.0, "n1": 0.0}, {"n0": 0.0, "n1": 0.1}, method="dfquad")
    printed = []
    monkeypatch.setattr(query, "_render", lambda *items: printed.extend(str(i) for i in items))
    query._print_double(rep)
    assert any("do not add up to the gap" in line for line in printed)


# --- the real knowledge base --------------------------------------------------------------


REAL = Path(__file__).resolve().parent.parent / "claims"
TOI = "toi-05-enabling-coordination"
REPLY = "coordination-better-via-governance-and-outreach"
EVIDENCE = "ai-risk-statement-enabled-more-coordination"
LIST = "nanda-toi-list"
THESIS = "interp-is-among-best-bets"


@pytest.fixture(scope="module")
def real() -> nx.DiGraph:
    # store.load never raises: a file being written elsewhere in the map costs only its own node,
    # and graph.build leaves out edges to missing nodes. Strengths below are computed on the
    # example's own ancestors, which is exact (nothing else can reach them).
    kb, _ = store.load(REAL)
    return graph.build(kb)


def test_a_hand_worked_example_on_the_real_knowledge_base(real):
    """Nanda's ToI 5 (interpretability enables coordination) and Segerie's reply to it.

    The reply, "coordination comes from governance and expert outreach, not interp",
    attacks ToI 5 and has a single input: one supporter (the statement on AI risk
    did more for coordination than interp will) that nothing argues about.

    * Neutral, every τ = .5: the supporter stays at .5, so the reply has E = .5,
      h(.5) = .25/1.25 = .2 and σ = .5 + .5 × .2 = .6.
    * Its one crux is that supporter: forced to 1, E = 1, h = .5 and σ = .75;
      forced to 0, σ = .5. Swing +.25, pro; not strict, as .5 is no verdict.
    * From Segerie's stances (.8 for the reply, capped by the post's epistemic
      status, and .8 for its supporter): E = .8, h = .64/1.64 and
      σ = .8 + .2 × h ≈ .878; forcing the supporter to 1 gives .8 + .2 × .5 = .9
      and to 0 gives .8, so the swing is .2 × (.5 − 0) = .1.
    * Grounded labels: nothing attacks the reply or its supporter, so both are IN
      and ToI 5 is OUT. ToI 5 supports Nanda's list, which supports the thesis that
      interpretability is among the best bets, so under Cayrol's indirect defeat
      (an attack reaches along a chain of supports) the list and the thesis are
      OUT too: an objection to one of their reasons stands unanswered.
    """
    for node in (TOI, REPLY, EVIDENCE, LIST, THESIS):
        assert node in real, f"{node} is no longer in the knowledge base: update this example"
    assert (real.edges[REPLY, TOI]["relation"], real.edges[REPLY, TOI]["weight"]) == ("attacks", 1.0)
    assert real.edges[TOI, LIST]["relation"] == "supports" and real.edges[LIST, THESIS]["relation"] == "supports"
    assert list(real.in_edges(REPLY, data="relation")) == [(EVIDENCE, REPLY, "supports")], "the example changed"
    assert real.edges[EVIDENCE, REPLY]["weight"] == 1.0 and real.in_degree(EVIDENCE) == 0

    sub = real.subgraph(nx.ancestors(real, REPLY) | {REPLY})
    assert strengths(sub, method="qe")[REPLY] == pytest.approx(0.6, abs=1e-12)
    [crux] = cruxes.cruxes(sub, REPLY).cruxes
    assert (crux.id, crux.high, crux.low, crux.sign, crux.strict) == (EVIDENCE, 0.75, 0.5, "pro", False)

    segerie = semantics.base_scores(sub, "segerie")
    assert (segerie[REPLY], segerie[EVIDENCE]) == (0.8, 0.8)
    assert strengths(sub, segerie, "qe")[REPLY] == pytest.approx(0.8 + 0.2 * 0.64 / 1.64, abs=1e-12)
    assert cruxes.cruxes(sub, REPLY, segerie).cruxes[0].swing == pytest.approx(0.1, abs=1e-12)

    labels = semantics.grounded(real)
    assert (labels[EVIDENCE], labels[REPLY], labels[TOI], labels[LIST], labels[THESIS]) == ("IN", "IN", "OUT", "OUT", "OUT")


def test_monte_carlo_shapley_stops_once_precise_enough_and_still_adds_up():
    rng = random.Random(11)
    G = random_graph(rng, 14, 0.3, acyclic=True)
    target = max(G.nodes, key=lambda n: (len(nx.ancestors(G, n)), n))
    tau_a, tau_b = random_tau(rng, G), random_tau(rng, G)
    exact = cruxes.double_cruxes(G, target, tau_a, tau_b)
    loose = cruxes.double_cruxes(G, target, tau_a, tau_b, exact_limit=0, samples=400, precision=0.05)
    # stopped early, in whole antithetic pairs, at no fewer than the minimum
    assert 2 * cruxes.MIN_PAIRS <= loose.shapley.permutations < 400 and loose.shapley.permutations % 2 == 0
    assert max(loose.shapley.stderr.values()) <= 0.05
    assert loose.shapley.total == pytest.approx(loose.gap, abs=1e-9)
    for x, part in exact.shapley.parts.items():
        assert abs(loose.shapley.parts[x] - part) <= 5 * loose.shapley.stderr[x] + 1e-6


# --- spread over workers ------------------------------------------------------------------


def _spread_case(cyclic: bool):
    rng = random.Random(8 if cyclic else 4)
    G = random_graph(rng, 24 if cyclic else 40, 0.08, acyclic=not cyclic)
    target = max(G.nodes, key=lambda n: (len(nx.ancestors(G, n)), n))
    return G, target, random_tau(rng, G), random_tau(rng, G)


def _one_and_two_workers_agree(G, target, tau_a, tau_b, precision, **kw):
    one = cruxes.double_cruxes(G, target, tau_a, tau_b, precision=precision, **kw)
    two = cruxes.double_cruxes(G, target, tau_a, tau_b, precision=precision, workers=2, **kw)
    assert one.disputed >= 14 and one.shapley.method == "monte-carlo"
    assert two == one


@pytest.fixture
def forks(monkeypatch) -> list[int]:
    """The worker count of every kb.data.workers.fork_map call made while the test runs."""
    from kb.data import workers

    calls: list[int] = []
    real = workers.fork_map

    def spying(fn, items, n, **kw):
        calls.append(n)
        return real(fn, items, n, **kw)

    monkeypatch.setattr(workers, "fork_map", spying)
    return calls


def test_double_cruxes_spread_over_workers_give_the_numbers_of_one_process(monkeypatch):
    """Workers walk batches of pairs of orders, but the pairs are summed and the stopping rule applied
    in the order they were drawn, so the report is the one a single process gives, equal to the last bit.

    The precision is picked so that one process stops after an odd number of pairs beyond the first
    batch: two workers then walk one pair too many, which must be dropped, not counted."""
    monkeypatch.setattr(cruxes, "PARALLEL_MIN_CLAIMS", 0)
    G, target, tau_a, tau_b = _spread_case(cyclic=False)
    kw = dict(exact_limit=0, samples=60, seed=2)
    stops = {}
    for precision in [0.004 * 0.97 ** k for k in range(60)]:
        pairs = cruxes.double_cruxes(G, target, tau_a, tau_b, precision=precision, **kw).shapley.permutations // 2
        stops.setdefault(pairs, precision)
    odd = [p for p in stops if p > cruxes.MIN_PAIRS and p % 2 == 1 and p < 30]
    assert odd, stops  # the case must stop mid-batch for some precision, or it proves nothing
    for precision in (None, stops[odd[0]]):
        _one_and_two_workers_agree(G, target, tau_a, tau_b, precision, **kw)


def test_double_cruxes_spread_over_workers_agree_on_a_circular_map(monkeypatch):
    """Each pair starts from the baseline restored exactly, so circular components relax alike too."""
    monkeypatch.setattr(cruxes, "PARALLEL_MIN_CLAIMS", 0)
    G, target, tau_a, tau_b = _spread_case(cyclic=True)
    assert not nx.is_directed_acyclic_graph(G)
    _one_and_two_workers_agree(G, target, tau_a, tau_b, 0.01, exact_limit=0, samples=40, seed=2)


def test_double_cruxes_leave_the_worker_count_alone_below_the_threshold(forks):
    """Small maps never fork: a call with workers gives the same report, and no worker process runs."""
    G, target, tau_a, tau_b = _spread_case(False)
    rep = cruxes.double_cruxes(G, target, tau_a, tau_b, exact_limit=0, samples=20, workers=2)
    assert forks and set(forks) == {1}
    assert rep == cruxes.double_cruxes(G, target, tau_a, tau_b, exact_limit=0, samples=20)


def test_few_claims_fork_when_each_step_re_settles_a_large_circle(monkeypatch, forks):
    """Under a thousand disputed claims a search still spreads over workers when its claims times
    the largest circular component among the target's ancestors reach PARALLEL_MIN_CIRCLING (each
    step re-settles about that component); an acyclic map with as many claims does not."""
    G, target, tau_a, tau_b = _spread_case(cyclic=True)
    upstream = G.subgraph(nx.ancestors(G, target) | {target})
    largest = max(len(c) for c in nx.strongly_connected_components(upstream))
    assert largest >= 3
    one = cruxes.double_cruxes(G, target, tau_a, tau_b, exact_limit=0, samples=20)
    claims = one.disputed
    assert claims < cruxes.PARALLEL_MIN_CLAIMS
    # Between the two products: the circular map forks, the acyclic one would not.
    monkeypatch.setattr(cruxes, "PARALLEL_MIN_CIRCLING", claims * largest)
    forks.clear()
    two = cruxes.double_cruxes(G, target, tau_a, tau_b, exact_limit=0, samples=20, workers=2)
    assert 2 in forks
    assert two == one
    monkeypatch.setattr(cruxes, "PARALLEL_MIN_CIRCLING", claims * largest + 1)
    forks.clear()
    cruxes.double_cruxes(G, target, tau_a, tau_b, exact_limit=0, samples=20, workers=2)
    assert forks and set(forks) == {1}


@pytest.mark.parametrize("cyclic", [False, True])
def test_a_crux_search_spread_over_workers_gives_the_numbers_of_one_process(monkeypatch, forks, cyclic):
    """Each candidate is forced from the same baseline, so chunks of them searched in other processes
    give the report one process gives, to the last bit; below the threshold nothing forks."""
    monkeypatch.setattr(cruxes, "TASK_CLAIMS", 3)  # several chunks, so that their order matters
    G, target, tau, _ = _spread_case(cyclic)
    one = cruxes.cruxes(G, target, tau)
    assert one.candidates >= 10 and not forks
    two = cruxes.cruxes(G, target, tau, workers=2)
    assert not forks  # a small map: not worth forking
    assert two == one
    monkeypatch.setattr(cruxes, "PARALLEL_MIN_CLAIMS", 0)
    two = cruxes.cruxes(G, target, tau, workers=2)
    assert forks == [2]
    assert two == one
    assert cruxes.overview(G, tau, workers=2) == cruxes.overview(G, tau)


def test_reports_as_dictionaries_hold_what_asdict_gives():
    """to_dict skips asdict's deep copy; checked against it (plus the derived keys) on real reports."""
    from dataclasses import asdict

    rng = random.Random(11)
    G = random_graph(rng, 14, 0.3, acyclic=True)
    target = max(G.nodes, key=lambda n: (len(nx.ancestors(G, n)), n))
    tau_a, tau_b = random_tau(rng, G), random_tau(rng, G)
    for kw in ({}, {"exact_limit": 0, "samples": 20}):
        rep = cruxes.double_cruxes(G, target, tau_a, tau_b, **kw)
        assert rep.items and rep.shapley.parts
        assert rep.to_dict() == asdict(rep)
        d = rep.to_dict()
        d["shapley"]["parts"][target] = "changed"  # a copy: the report itself is frozen and stays as it was
        assert rep.shapley.parts[target] != "changed"
    single = cruxes.cruxes(G, target, tau_a)
    expected = asdict(single)
    expected["cruxes"] = [dict(c, sign=x.sign) for c, x in zip(expected["cruxes"], single.cruxes)]
    expected["decided"] = single.decided
    assert single.cruxes and single.to_dict() == expected
