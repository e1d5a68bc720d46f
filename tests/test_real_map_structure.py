"""Structural rules the real map follows, so that its computed strengths and cruxes mean something.

Each rule is one convention of claims/README.md ("Structure the analysis relies on"). They are
checked on the committed map, not on fixtures: a later edit that breaks one should fail here.
"""

from __future__ import annotations

import re

import pytest

from kb.data import store
from conftest import REPO

CLAIMS = REPO / "claims"
THESES = ("interp-is-among-best-bets", "most-interp-tois-fail")
# The pro thesis's contradictory: the post's thesis supports it; it and the pro thesis attack each other.
RIVAL = "interp-no-longer-a-priority"
MAX_DIRECT_SUPPORTERS = 20  # was 41 on the pro thesis before the grouping nodes

# Nodes that only report what a paper, experiment or study found. Critiques of what they show
# undercut the inference from them; nothing attacks the finding itself.
FINDINGS = (
    "burns-2022-latent-truth-probing",
    "bau-2018-gan-dissection",
    "ghorbani-2020-neuron-shapley",
    "casper-2022-copy-paste-attacks",
    "ziegler-2022-injury-classifier",
    "alphazero-interp-found-no-new-concepts",
    "alphazero-chess-no-new-insights",
    "ioi-circuit-large-and-incomplete",
    "ioi-circuit-limited",
    "cais-cicero-lying-monitoring-without-interp",
)
# Words with which a note says the edge disputes an inference, not the node it points at.
INFERENCE_WORDS = re.compile(
    r"does not dispute|result stands|ablation worked|grants? the finding|results stand|what it shows", re.I
)


@pytest.fixture(scope="module")
def kb():
    kb, problems = store.load(CLAIMS)
    assert [p for p in problems if p.severity == "error"] == []
    return kb


def _doc(kb, node_id):
    return kb.nodes[node_id].source.document


def _incoming(kb, target, relation):
    return [(i, e) for i, n in kb.nodes.items() for e in getattr(n, relation) if e.target == target]


def test_findings_are_not_attacked_and_critiques_undercut_what_they_are_said_to_show(kb):
    undercut_sources = {u.source for n in kb.nodes.values() for u in n.undercuts}
    for finding in FINDINGS:
        assert finding in kb.nodes, finding
        assert _incoming(kb, finding, "attacks") == [], f"{finding} is attacked; undercut its inference instead"
    # The case studies' and the debate's critiques of a finding are undercuts of its edges.
    for finding in FINDINGS[:6] + ("ioi-circuit-large-and-incomplete",):
        assert finding in undercut_sources, f"nothing disputes what {finding} shows"


def test_no_plain_attack_has_a_note_saying_it_disputes_an_inference(kb):
    offending = [
        (i, e.target)
        for i, n in kb.nodes.items()
        for e in n.attacks
        if e.note and INFERENCE_WORDS.search(e.note) and kb.nodes[e.target].kind == "evidence"
    ]
    assert offending == []


def test_every_cross_document_edge_says_whose_reading_it_is(kb):
    missing = []
    for i, n in kb.nodes.items():
        for e in n.supports + n.attacks:
            ends = {i, e.target, *e.with_}
            if len({_doc(kb, x) for x in ends}) > 1 and not e.note:
                missing.append((i, e.target))
        for u in n.undercuts:
            if len({_doc(kb, x) for x in (i, u.source, u.target)}) > 1 and not u.note:
                missing.append((i, f"{u.source}->{u.target}"))
        for r in n.restates:
            # `restates` carries no note of its own: the restating node's note names what it restates.
            if _doc(kb, r) != n.source.document and (not n.note or r not in n.note):
                missing.append((i, r))
    assert missing == []


def test_no_thesis_is_fed_by_too_many_direct_supporters(kb):
    for thesis, node in kb.nodes.items():
        if "thesis" in node.tags:
            supporters = _incoming(kb, thesis, "supports")
            assert len(supporters) <= MAX_DIRECT_SUPPORTERS, (thesis, len(supporters))
    # Nanda's twenty theories reach the pro thesis through his list, not one by one.
    direct = {i for i, _ in _incoming(kb, THESES[0], "supports")}
    assert not any(i.startswith("toi-") and re.match(r"toi-\d\d-", i) for i in direct)


def test_grouping_nodes_say_they_are_editorial_and_group_several_members(kb):
    groups = [i for i, n in kb.nodes.items() if "editorial-grouping" in n.tags]
    assert {"nanda-toi-list", "interp-end-stories", "segerie-meta-level-disagreements"} <= set(groups)
    for g in groups:
        node = kb.nodes[g]
        assert node.note and node.note.startswith("Editorial grouping node"), g
        assert "the node is ours" in node.note, g
        assert len(_incoming(kb, g, "supports")) >= 3, g


def test_presenters_differ_from_holders_and_reported_voices_name_their_presenter(kb):
    for i, n in kb.nodes.items():
        if n.presenter is not None:
            assert n.presenter != n.speaker, i
            assert n.presenter in kb.people, i
        doc = n.source.document
        if doc == "kim-nanda-interview" and n.speaker in ("kim", "nanda"):
            assert n.presenter == "commentator", i
        # Quoted or presented positions in the post's body are Segerie's to present, not to hold.
        if doc == "against-toi" and n.source.section != "Comments" and n.speaker != "segerie":
            assert n.presenter == "segerie", i


def test_segerie_holds_none_of_the_end_stories_he_examines(kb):
    end_stories = [i for i, n in kb.nodes.items() if i.startswith("end-story-") and n.kind == "theory_of_impact"]
    assert len(end_stories) == 5
    for i in end_stories:
        assert kb.nodes[i].speaker != "segerie" and kb.nodes[i].presenter == "segerie", i


def test_restatements_are_not_also_linked_by_argument_edges(kb):
    # A restatement is the same claim; a support or attack between its members would count it twice.
    pairs = {frozenset((i, r)) for i, n in kb.nodes.items() for r in n.restates}
    assert len(pairs) >= 8
    argued = {frozenset((i, e.target)) for i, n in kb.nodes.items() for e in n.supports + n.attacks}
    assert pairs & argued == set()


def test_the_debates_gamble_and_commenter_2s_pair_are_linked_arguments(kb):
    def linked(source, target):
        edge = next(e for e in kb.nodes[source].supports if e.target == target)
        return set(edge.with_)

    assert linked("no-shortcuts-to-alignment", THESES[0]) == {"first-try-success-needs-solid-theory"}
    assert linked("mech-interp-far-from-ambitious-success", THESES[1]) == {"mech-interp-must-succeed-very-ambitiously"}


def test_stances_on_the_theses_cite_the_text_or_say_how_they_were_read(kb):
    for thesis in THESES:
        node = kb.nodes[thesis]
        for person, stance in node.stances.items():
            if person != node.speaker:
                assert stance.quote or stance.note, (thesis, person)
    # Remarks that do not address the thesis gave no stance on it.
    assert not {"claude", "chatgpt", "commentator"} & set(kb.nodes[THESES[0]].stances)


def test_the_posts_epistemic_status_caps_segeries_own_credences(kb):
    # "I erred on the side of making claims that were too strong": no flat 0.85-0.95 on his own claims.
    over = [
        i
        for i, n in kb.nodes.items()
        if n.source.document == "against-toi"
        and n.speaker == "segerie"
        and n.kind != "evidence"
        and not set(n.tags) & {"epistemic-status"}
        and (n.credence("segerie") or 0) > 0.8
    ]
    assert over == []
    assert "post-claims-deliberately-strong" in kb.nodes and "some-presented-ideas-unheld" in kb.nodes


def test_the_defects_the_review_found_stay_fixed(kb):
    def edge(a, b):
        return next((e for e in kb.nodes[a].supports + kb.nodes[a].attacks if e.target == b), None)

    # "post-hoc" means not real-time in the conversation and not predictive in the post.
    assert edge("mech-interp-currently-post-hoc", "interp-post-hoc-not-predictive") is None
    assert edge("real-time-interp-monitoring", "interp-post-hoc-not-predictive") is None
    # The transcript argues from the simpler description to neurons not being the units.
    assert edge("networks-have-simpler-non-neuron-description", "neurons-not-elementary-variables") is not None
    assert edge("neurons-not-elementary-variables", "networks-have-simpler-non-neuron-description") is None
    # Opinions are not evidence.
    for i in ("maze-policy-control-promising", "eureka-and-explicit-specs", "ai-risk-statement-enabled-more-coordination"):
        assert kb.nodes[i].kind != "evidence", i
    # Bushnaq's concession of dual use is not a concession that interpretability is harmful overall.
    assert edge("interp-deconfusion-is-dual-use", "interp-could-be-harmful") is None
    assert edge("interp-deconfusion-is-dual-use", "annotated-gpt4-code-favors-capabilities").weight < 0.5
    # One bullet, one attack: ToI 1's conceptual-advances bullet.
    assert edge("conceptual-advances-more-urgent", "toi-01-force-multiplier") is None
    assert kb.nodes["build-oversight-system"].speaker == "segerie"
    # Claude's claim holds no words of ChatGPT's later gloss.
    assert "incomplete" not in kb.nodes["ai-approximations-can-hide-risks"].text
    # The debate does not say decomposed bounded systems make interp unnecessary.
    assert edge("decomposed-bounded-systems-easier", "better-without-interp") is None


def test_the_post_and_the_pro_thesis_conflict_through_the_priority_claim_not_directly(kb):
    # "Most theories of impact fail" and "interp is among the best bets" can both be true (Bushnaq concedes most
    # current interpretability is bad and defends a theory of his own; commenter 1 calls it the clear best bet
    # while agreeing it is overweighted). What contradicts the pro thesis is the post's "no longer a priority".
    def edge(a, b, relation="attacks"):
        return next((e for e in getattr(kb.nodes[a], relation) if e.target == b), None)

    assert edge(THESES[0], THESES[1]) is None and edge(THESES[1], THESES[0]) is None
    assert edge(THESES[1], RIVAL, "supports") is not None
    assert edge(THESES[0], RIVAL) is not None and edge(RIVAL, THESES[0]) is not None
    assert "thesis" in kb.nodes[RIVAL].tags


def test_partial_overlaps_are_partial_support_not_restatement(kb):
    # The debate's C++ infohazard point is the danger half of the post's claim; Bushnaq grants the first and
    # denies the rest, so merging them would average his two stances into one.
    foom, post = "cpp-reverse-engineering-eases-foom", "code-reimplementation-too-dangerous"
    assert post not in kb.nodes[foom].restates
    assert next(e for e in kb.nodes[foom].supports if e.target == post).weight < 1


def test_a_concession_answered_with_worth_it_anyway_undercuts_rather_than_attacks(kb):
    # Bushnaq grants the dual-use and infosec risks and says the gamble is worth it anyway: he disputes what
    # the risks show, not the risks, and not the conclusion as if nothing argued for it.
    gamble = kb.nodes["no-shortcuts-to-alignment"]
    assert "interp-could-be-harmful" not in {e.target for e in gamble.attacks}
    undercut = {u.source for u in gamble.undercuts if u.target == "interp-could-be-harmful"}
    assert {"dual-use-capabilities", "world-not-coordinated-for-public-interp"} <= undercut


def test_an_honorable_mention_weighs_no_more_than_the_best_theory_of_impact(kb):
    def weight(a):
        return next(e.weight for e in kb.nodes[a].supports if e.target == THESES[0])

    assert weight("toi-red-teaming-strange-failures") <= weight("outreach-best-toi")


# --- what the analysis computes on the real map ------------------------------------------------


@pytest.fixture(scope="module")
def analysed(kb):
    from kb.analysis import graph
    from kb.analysis.semantics import Network, base_scores, perspectives, strengths

    G = graph.build(kb)
    net = Network(G)
    views = {v: strengths(net, base_scores(G, v)) for v in perspectives(G)}
    return G, views


def test_every_credence_on_a_thesis_agrees_with_that_persons_computed_strength(analysed):
    from kb.analysis.graph import theses
    from kb.analysis.semantics import verdict

    G, views = analysed
    for t in theses(G):
        for person, credence in (G.nodes[t].get("stances") or {}).items():
            assert verdict(credence) == verdict(views[person][t]), (t, person, credence, views[person][t])


def test_the_pro_thesis_and_its_rival_are_never_both_accepted(analysed):
    # The rival is the thesis that interpretability is no longer a priority; "most theories of impact
    # fail" is not its contradictory (Bushnaq concedes most current work is very bad and still backs
    # the gamble), so only this pair is held to it, under every perspective, neutral included.
    from kb.analysis.semantics import verdict

    G, views = analysed
    for person, values in views.items():
        assert not verdict(values[THESES[0]]) == verdict(values[RIVAL]) == "accepted", person


def test_the_top_crux_of_each_thesis_moves_it_by_at_least_005(analysed):
    from kb.analysis import cruxes
    from kb.analysis.graph import theses
    from kb.analysis.semantics import base_scores

    G, _ = analysed
    tau = base_scores(G, "neutral")
    for t in theses(G):
        top = cruxes.cruxes(G, t, tau, top=1).cruxes
        assert top and abs(top[0].swing) >= 0.05, t


def test_the_analysis_warns_about_nothing_on_the_real_map(kb, analysed):
    from kb.rules.diagnostics import analysis_problems

    G, _ = analysed
    assert [(p.path, p.code, p.message) for p in analysis_problems(kb, G)] == []
