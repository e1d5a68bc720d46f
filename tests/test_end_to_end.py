"""Acceptance: a new document mapped from nothing with CLI commands alone.

The test ships a short original text (fixtures/newdoc/field-notes.md). It
starts a knowledge base with `kb init`, registers the source and two people,
adds fourteen nodes, links them (supports, attacks, an undercut, a linked
premise, a restatement), edits, records stances, renames one node into a
folder and removes one, then checks that `kb check --strict` is clean, that
`kb coverage` reports exactly the paragraphs left unmapped, and that `kb diff`
lists exactly what the second session did. No YAML is written by the test.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import cli

DOC = Path(__file__).parent / "fixtures" / "newdoc" / "field-notes.md"


def kb(*args: str) -> str:
    result = CliRunner().invoke(cli, ["--kb", "claims", *args])
    assert result.exit_code == 0, f"kb {' '.join(args)}\n{result.output}"
    return result.stdout


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=t@example.org", "-c", "user.name=T", *args], cwd=cwd, check=True,
                   capture_output=True)


def add(node_id: str, kind: str, title: str, speaker: str, quote: str, *links: str) -> None:
    kb("add", kind, "--id", node_id, "--title", title, "--text", title + ".", "--speaker", speaker,
       "--source", "field-notes", "--quote", quote, *links)


@pytest.fixture
def mapped(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    git(tmp_path, "init", "-q")
    kb("init", "--sources-dir", "../texts")
    (tmp_path / "texts").mkdir()
    shutil.copy(DOC, tmp_path / "texts" / "field-notes.md")
    # Session 1: register, add the main line of argument, commit.
    kb("source", "add", "field-notes", "--title", "Field notes on auditing with feature dictionaries",
       "--file", "field-notes.md", "--kind", "notes", "--date", "2026-11-30", "--authors", "Rhea Vance")
    kb("person", "add", "rhea", "--name", "Rhea Vance", "--role", "Author")
    kb("person", "add", "defender", "--name", "Defenders of dictionary scaling")
    add("cannot-certify-absence", "claim", "Dictionaries cannot certify absence", "rhea",
        "a poor instrument for certifying that something is absent")
    add("dictionaries-enable-audits", "claim", "Dictionaries enable audits", "defender",
        "Feature dictionaries learned from a model's activations give auditors a vocabulary.",
        "--attacks", "cannot-certify-absence")
    add("deception-feature-readable", "evidence", "A deception feature can be read off", "rhea",
        "she can now read off that a deception-related feature fired", "--supports", "dictionaries-enable-audits")
    add("most-computation-unnamed", "claim", "Most computation is never named", "rhea",
        "most of what a model computes is never named by any feature at all", "--supports", "cannot-certify-absence")
    add("coverage-grows", "claim", "Coverage grows with dictionary size", "defender",
        "coverage grows with dictionary size", "--attacks", "most-computation-unnamed")
    add("larger-split-features", "evidence", "Larger dictionaries split features", "defender",
        "Larger dictionaries split coarse features into finer ones", "--supports", "coverage-grows")
    add("diminishing-returns", "rebuttal", "Each doubling buys less", "rhea",
        "each doubling of the dictionary buys less than the one before", "--attacks", "coverage-grows")
    add("rare-behaviour-tail", "claim", "Rare behaviour lives in the tail", "rhea",
        "An auditor who needs to rule out a rare behaviour cannot wait for the tail to close.",
        "--supports", "cannot-certify-absence")
    add("scratch", "question", "Scratch question", "rhea", "", "--supports", "cannot-certify-absence")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "session 1")
    # Session 2: what kb diff must list exactly.
    add("vocabulary-not-audit", "rebuttal", "A vocabulary is not an audit", "rhea", "A vocabulary is not an audit.")
    kb("link", "vocabulary-not-audit", "undercuts", "deception-feature-readable", "dictionaries-enable-audits",
       "--note", "True, but it does not show the model acted on it.")
    kb("link", "diminishing-returns", "attacks", "coverage-grows", "--with", "rare-behaviour-tail")
    add("ablation-test", "proposal", "Test dictionaries by ablation", "rhea",
        "Auditors can test a dictionary by ablating the features it names")
    kb("link", "ablation-test", "supports", "dictionaries-enable-audits", "--weight", "0.5")
    add("ablation-mixed", "evidence", "Ablation results are mixed", "rhea", "Ablation results so far are mixed.",
        "--attacks", "ablation-test")
    add("fails-off-distribution", "evidence", "Ablation fails on others' prompts", "rhea",
        "rarely on prompts chosen by someone else", "--supports", "ablation-mixed")
    add("remainder-shrinks", "claim", "The unexplained remainder shrinks", "defender",
        "the unexplained remainder shrinks as compute is spent")
    kb("link", "remainder-shrinks", "restates", "coverage-grows")
    kb("set", "cannot-certify-absence", "--title", "Dictionaries cannot certify that a behaviour is absent",
       "--tag", "thesis")
    kb("set", "most-computation-unnamed", "--section", "Coverage")
    kb("stance", "rhea", "cannot-certify-absence", "0.9", "--quote",
       "a poor instrument for certifying that something is absent")
    kb("stance", "defender", "cannot-certify-absence", "0.3", "--quote", "coverage grows with dictionary size")
    kb("mv", "larger-split-features", "scaling-splits-features", "--dir", "field-notes/scaling")
    kb("rm", "scratch")
    return tmp_path


def test_the_map_is_clean_and_coverage_shows_what_is_left(mapped):
    out = kb("check", "--strict")
    assert "checked 15 files: no problems" in out  # 13 nodes and two registries
    out = kb("check", "--strict", "--sources", "texts")
    assert "no problems" in out
    assert (mapped / "claims" / "field-notes" / "scaling" / "scaling-splits-features.yaml").is_file()
    data = json.loads(kb("coverage", "--format", "json"))["sources"]
    assert [(s["source"], s["paragraphs"], s["covered"]) for s in data] == [("field-notes", 10, 7)]
    assert [u["line"] for u in data[0]["uncovered"]] == [3, 19, 21]
    text = kb("coverage", "field-notes")
    assert "field-notes: 7 of 10 paragraphs carry a claim (70%)" in text.replace(
        "field-notes (Field notes on auditing with feature dictionaries)", "field-notes")
    assert "field-notes.md:19: An appendix on training details follows" in text


def test_diff_lists_exactly_what_the_second_session_did(mapped):
    data = json.loads(kb("diff", "--format", "json"))
    changes = {(c["what"], c["change"], c["key"]) for c in data["changes"]}
    assert changes == {
        ("node", "added", "vocabulary-not-audit"), ("node", "added", "ablation-test"),
        ("node", "added", "ablation-mixed"), ("node", "added", "fails-off-distribution"),
        ("node", "added", "remainder-shrinks"),
        ("node", "changed", "cannot-certify-absence"), ("node", "changed", "most-computation-unnamed"),
        ("node", "renamed", "scaling-splits-features"), ("node", "removed", "scratch"),
        ("edge", "added", "vocabulary-not-audit undercuts deception-feature-readable->dictionaries-enable-audits"),
        ("edge", "added", "ablation-test supports dictionaries-enable-audits"),
        ("edge", "added", "ablation-mixed attacks ablation-test"),
        ("edge", "added", "fails-off-distribution supports ablation-mixed"),
        ("edge", "added", "remainder-shrinks restates coverage-grows"),
        ("edge", "changed", "diminishing-returns attacks coverage-grows"),
        ("edge", "removed", "scratch supports cannot-certify-absence"),
    }
    by_key = {c["key"]: c for c in data["changes"]}
    assert {f["field"] for f in by_key["cannot-certify-absence"]["fields"]} == {
        "title", "tags", "stances.rhea.credence", "stances.rhea.quote", "stances.defender.credence",
        "stances.defender.quote"}
    assert [(f["field"], f["before"], f["after"]) for f in by_key["most-computation-unnamed"]["fields"]] == [
        ("source.section", None, "Coverage")]
    assert [(f["field"], f["before"], f["after"]) for f in by_key["diminishing-returns attacks coverage-grows"]["fields"]] == [
        ("with", [], ["rare-behaviour-tail"])]
    renamed = by_key["scaling-splits-features"]
    assert renamed["detail"] == "larger-split-features" and ("file", "claims/field-notes/larger-split-features.yaml",
        "claims/field-notes/scaling/scaling-splits-features.yaml") in [
        (f["field"], f["before"], f["after"]) for f in renamed["fields"]]
    text = kb("diff")
    assert "Nodes: 5 added, 1 removed, 2 changed, 1 renamed" in text
    assert "Edges: 5 added, 1 removed, 1 changed" in text
