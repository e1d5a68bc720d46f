"""kb set and kb stance --source: fields changed in place with the guarantees of every editing command."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.data import parsing

from conftest import kb_here as kb  # noqa: F401  (the root fixture comes from conftest)
from test_authoring import ADD, COMMENTED, assert_clean, snapshot




def node(root: Path, node_id: str):
    parsed, errs = parsing.parse_node((root / f"{node_id}.yaml").read_text(), node_id)
    assert not errs
    return parsed


LONG = " ".join(f"word{i}" for i in range(40))


def test_set_changes_fields_in_the_canonical_layout(root):
    assert kb(*ADD, "--supports", "see-inside", "--tag", "old").exit_code == 0
    result = kb("set", "probes-find-lies", "--title", "Probes find lies, sometimes", "--text", LONG,
                "--section", "Part 1", "--kind", "evidence", "--speaker", "alice", "--presenter", "bob",
                "--note", "Our summary.", "--tag", "new", "--untag", "old")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("'probes-find-lies': title set, text set, section set, kind set, speaker set, "
                                    "presenter set, note set, tag new added, tag old removed")
    n = node(root, "probes-find-lies")
    assert (n.title, n.text, n.kind, n.speaker, n.presenter, n.note, n.tags) == (
        "Probes find lies, sometimes", LONG, "evidence", "alice", "bob", "Our summary.", ["new"])
    assert (n.source.section, n.source.quote) == ("Part 1", "Audits need it.")
    # What set writes is what kb fmt would write: the file stays in the canonical layout.
    check = kb("fmt", "--check", "claims/probes-find-lies.yaml")
    assert check.exit_code == 0, check.output
    text = (root / "probes-find-lies.yaml").read_text()
    assert '  section: "Part 1"\n  quote: "Audits need it."\n' in text
    assert "text: >-\n  word0 word1" in text and max(len(line) for line in text.splitlines()) <= 100
    assert_clean(root)


def test_set_keeps_comments_and_clears_optional_fields(root):
    (root / "audits.yaml").write_text(COMMENTED)
    result = kb("set", "audits", "--quote", "", "--title", "Audits need a look inside")
    assert result.exit_code == 0, result.output
    after = (root / "audits.yaml").read_text()
    assert after == COMMENTED.replace("title: Audits need interpretability", 'title: "Audits need a look inside"') \
        .replace("  quote: Audits need it.   # p. 3\n", "")
    assert "# Hand-written: keep these notes!" in after and "  # the main link" in after


def test_set_source_moves_the_claim_to_another_document(root):
    sources = (root / "sources.yaml").read_text()
    (root / "sources.yaml").write_text(sources + "- id: doc2\n  title: Another\n  kind: paper\n")
    assert kb("set", "audits", "--source", "doc2").exit_code == 0
    assert node(root, "audits").source.document == "doc2"
    assert_clean(root)


@pytest.mark.parametrize("args, message", [
    (["set", "audits", "--title", "x" * 101], "error[invalid-value]"),
    (["set", "audits", "--title", ""], "title cannot be empty"),
    (["set", "audits", "--text", ""], "text cannot be empty"),
    (["set", "audits", "--speaker", "alicia"], "unknown speaker 'alicia' (did you mean alice (Alice Example)?)"),
    (["set", "audits", "--presenter", "bobb"], "unknown presenter 'bobb' (did you mean bob (Bob Example)?)"),
    (["set", "audits", "--source", "doc"], "unknown source 'doc' (did you mean doc1 (A small debate)?)"),
    (["set", "audits", "--untag", "nope"], "'audits' has no tag nope"),
    (["set", "audits", "--tag", "Bad Tag"], "tag 'Bad Tag' is refused"),
    (["set", "audit", "--title", "T"], "unknown node 'audit' (did you mean audits?)"),
    (["set", "audits"], "nothing to change"),
    (["set", "audits", "--speaker", "alice"], "already has those values"),
    (["set", "audits", "--presenter", "alice"], None),  # presenter-is-speaker is a warning, not an error
])
def test_set_refusals_write_nothing(root, args, message):
    before = snapshot(root)
    result = kb(*args)
    if message is None:
        assert result.exit_code == 0 and "warning[presenter-is-speaker]" in result.stderr
        return
    assert result.exit_code == 1 and message in result.stderr, result.output
    assert snapshot(root) == before


def test_set_dry_run_prints_a_diff(root):
    before = snapshot(root)
    result = kb("set", "audits", "--title", "New title", "--dry-run")
    assert result.exit_code == 0
    assert "-title: Audits need interpretability\n+title: \"New title\"\n" in result.stdout
    assert snapshot(root) == before


def test_stance_with_a_quote_from_another_document(root):
    sources = (root / "sources.yaml").read_text()
    (root / "sources.yaml").write_text(sources + "- id: doc2\n  title: Another\n  kind: paper\n")
    result = kb("stance", "bob", "audits", "0.3", "--quote", "Not needed.", "--source", "doc2", "--note", "Read off.")
    assert result.exit_code == 0 and "(quoted from 'doc2')" in result.stdout
    stance = node(root, "audits").stances["bob"]
    assert (stance.credence, stance.quote, stance.source, stance.note) == (0.3, "Not needed.", "doc2", "Read off.")
    assert "  bob:\n    credence: 0.3\n    quote: \"Not needed.\"\n    source: doc2\n    note: \"Read off.\"\n" in \
        (root / "audits.yaml").read_text()
    # The node's own document is not repeated.
    assert kb("stance", "alice", "audits", "0.9", "--source", "doc1").exit_code == 0
    assert "  alice: 0.9\n" in (root / "audits.yaml").read_text()
    before = snapshot(root)
    result = kb("stance", "alice", "audits", "0.9", "--source", "doc3")
    assert result.exit_code == 1 and "unknown source 'doc3'" in result.stderr
    assert snapshot(root) == before
    assert_clean(root)
