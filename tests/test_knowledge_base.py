"""Structural facts the real knowledge base must keep, whatever is added to it."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from kb.data import store
from kb.rules import validate
from kb.data.quotes import fold
from conftest import REPO

CLAIMS = REPO / "claims"
SEEDS = REPO.parent / "shared" / "seeds"


@pytest.fixture(scope="module")
def kb():
    kb, problems = store.load(CLAIMS)
    assert [p for p in problems if p.severity == "error"] == []
    return kb


def test_real_knowledge_base_passes_strict_check():
    result = validate.check(CLAIMS, SEEDS if SEEDS.is_dir() else None, strict=True)
    assert [p.format() for p in result.problems] == []


def _attackers(kb, target):
    return [i for i, n in kb.nodes.items() if any(e.target == target for e in n.attacks)]


# Theories whose entry in the post's appendix the saved text lost (11 says only "Same critique as 10").
LOST_ENTRIES = {10, 11, 14, 17, 18, 19}


def test_all_twenty_theories_of_impact_are_present_numbered_and_answered_honestly(kb):
    numbered = {}
    for node_id, node in kb.nodes.items():
        tags = [t for t in node.tags if re.fullmatch(r"neel-toi-\d\d", t)]
        if tags:
            assert len(tags) == 1, node_id
            numbered[int(tags[0][-2:])] = node_id
    assert sorted(numbered) == list(range(1, 21))
    for number, node_id in numbered.items():
        node = kb.nodes[node_id]
        assert node.kind == "theory_of_impact" and node.speaker == "nanda", node_id
        assert node_id.startswith(f"toi-{number:02d}-")
        attackers = _attackers(kb, node_id)
        if number in LOST_ENTRIES:
            # The saved post lost Segerie's answer: at most one low-weight link, noted as our reading.
            assert len(attackers) <= 1, (node_id, attackers)
            for a in attackers:
                edge = next(e for e in kb.nodes[a].attacks if e.target == node_id)
                assert edge.weight <= 0.4 and edge.note and "lost" in edge.note, (a, node_id)
            continue
        segerie_attackers = [a for a in attackers if kb.nodes[a].speaker == "segerie"]
        assert segerie_attackers, f"theory {number} ({node_id}) has no rebuttal by Segerie"


def test_every_registered_speaker_asserts_at_least_one_node(kb):
    speakers = {n.speaker for n in kb.nodes.values()}
    # Everyone in the registry speaks somewhere; people only quoted for a stance are none.
    assert sorted(set(kb.people) - speakers) == []


def test_every_document_has_nodes(kb):
    by_source = Counter(n.source.document for n in kb.nodes.values())
    assert set(by_source) == set(kb.sources)
    assert all(count >= 10 for count in by_source.values()), by_source


def test_theses_exist_and_every_theory_and_rebuttal_chains_up_to_one(kb):
    theses = {i for i, n in kb.nodes.items() if "thesis" in n.tags}
    assert {"interp-is-among-best-bets", "most-interp-tois-fail"} <= theses
    # An undercut bears on its edge's target, so it links the undercutter to that node.
    out = {i: [e.target for e in n.supports + n.attacks] + [u.target for u in n.undercuts] for i, n in kb.nodes.items()}
    # A restatement is the same claim, so a class reaches a thesis when any member does.
    for i, n in kb.nodes.items():
        for r in n.restates:
            out[i].append(r)
            out[r].append(i)
    reaches: dict[str, bool] = {}

    def reach(node_id, seen=()):
        if node_id in theses:
            return True
        if node_id in reaches:
            return reaches[node_id]
        result = any(reach(t, (*seen, node_id)) for t in out[node_id] if t not in seen)
        reaches[node_id] = result
        return result

    stranded = [i for i, n in kb.nodes.items() if n.kind in ("theory_of_impact", "rebuttal") and not reach(i)]
    assert stranded == []


def test_segerie_and_bushnaq_disagree_on_recorded_claims(kb):
    """The debate's crux queries need both sides' stances on shared claims."""
    both = [n for n in kb.nodes.values() if n.credence("segerie") is not None and n.credence("bushnaq") is not None]
    disputed = [n for n in both if abs(n.credence("segerie") - n.credence("bushnaq")) >= 0.3]
    assert len(disputed) >= 10


@pytest.mark.parametrize("person", ["commenter-1", "commenter-2", "commenter-3"])
def test_commenters_have_stances_on_segerie_claims(kb, person):
    on_segerie = [n for n in kb.nodes.values() if n.speaker == "segerie" and n.credence(person) is not None]
    assert on_segerie, person


@pytest.mark.skipif(not SEEDS.is_dir(), reason="needs ../shared/seeds")
def test_node_text_is_our_own_words_not_copied_from_the_source(kb):
    """No node's text repeats ten consecutive words of its source document."""
    n = 10
    words = lambda t: re.findall(r"[a-z0-9']+", fold(t).lower())  # noqa: E731
    grams = {}
    for sid, source in kb.sources.items():
        w = words((SEEDS / source.file).read_text(encoding="utf-8"))
        grams[sid] = {" ".join(w[i:i + n]) for i in range(len(w) - n + 1)}
    copied = []
    for node_id, node in kb.nodes.items():
        w = words(node.text)
        if any(" ".join(w[i:i + n]) in grams[node.source.document] for i in range(len(w) - n + 1)):
            copied.append(node_id)
    assert copied == []


def test_real_knowledge_base_is_in_canonical_layout():
    """`kb fmt --check` passes on the committed map, so the pre-commit hook holds for this repository."""
    from click.testing import CliRunner

    from kb.cli import cli

    result = CliRunner().invoke(cli, ["--kb", str(CLAIMS), "fmt", "--check"])
    assert result.exit_code == 0, result.output
