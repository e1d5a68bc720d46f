"""Real public argument maps (tests/fixtures/samples, see SOURCES.md there) brought in by `kb import aif`
and `kb import argdown`: they import, pass `kb check`, and go back out and in again unchanged. Argdown
files are parsed by the real Argdown CLI, whose own counts of statements and relations the import must
match."""

from __future__ import annotations

import json

import pytest

from conftest import FIXTURES
from interchange_helpers import ARGDOWN, external, load, relation_facts
from kb.changes import argdownread, importer
from kb.rules import validate
from kb.publishing.export import core

SAMPLES = FIXTURES / "samples"
AIF_SAMPLES = sorted((SAMPLES / "aif").glob("*.json"))
ARGDOWN_SAMPLES = sorted((SAMPLES / "argdown").glob("*.argdown"))


@pytest.fixture
def argdown_cli(monkeypatch):
    monkeypatch.setenv(argdownread.ENV, external(ARGDOWN, "run `npm ci` in tests/argdown (make test does)"))


def _i_nodes(path) -> set[str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    data = data.get("AIF", data)
    return {str(n["nodeID"]) for n in data["nodes"] if n.get("type") == "I"}


def test_at_least_99_percent_of_the_aif_sample_imports_and_checks(tmp_path):
    imported = 0
    for i, path in enumerate(AIF_SAMPLES):
        root = tmp_path / f"kb{i}"
        try:
            importer.import_aif(root, path)
        except Exception as exc:  # counted, and shown if the share falls short
            print(f"{path.name}: {exc}")
            continue
        check = validate.check(root)
        assert check.ok, (path.name, [p.format() for p in check.errors])
        imported += 1
    assert AIF_SAMPLES and imported / len(AIF_SAMPLES) >= 0.99


@pytest.mark.parametrize("path", AIF_SAMPLES, ids=lambda p: p.name)
def test_aif_sample_goes_out_and_back_in_unchanged(path, tmp_path):
    importer.import_aif(tmp_path / "first", path)
    first = load(tmp_path / "first")
    # every I-node of the file is a claim that remembers its nodeID
    assert {n.aif.node for n in first.nodes.values()} == _i_nodes(path)
    out = tmp_path / "out.json"
    out.write_text(core.export(first, "aif").text, encoding="utf-8")
    assert _i_nodes(out) == _i_nodes(path)  # the export writes the nodeIDs back
    result = importer.import_aif(tmp_path / "second", out)
    assert result.notes == []
    second = load(tmp_path / "second")
    assert sorted(second.nodes) == sorted(first.nodes)
    assert relation_facts(second) == relation_facts(first)
    assert {n: (node.text, node.kind, node.speaker, node.aif) for n, node in second.nodes.items()} == \
           {n: (node.text, node.kind, node.speaker, node.aif) for n, node in first.nodes.items()}


def _expected(parsed: dict) -> tuple[int, int, int]:
    """What the Argdown parser counts: claims (statements and arguments without a structure),
    declarations from its relations (contrary and contradictory are two attacks), and inferences."""
    statements = len(parsed["statements"])
    plain_arguments = sum(1 for a in parsed["arguments"].values() if not a.get("pcs"))
    relations = sum(2 if r["relationType"] in argdownread.SYMMETRIC else 1 for r in parsed["relations"])
    inferences = sum(1 for a in parsed["arguments"].values() for m in a.get("pcs") or [] if "inference" in m)
    return statements + plain_arguments, relations, inferences


@pytest.mark.parametrize("path", ARGDOWN_SAMPLES, ids=lambda p: p.name)
def test_argdown_sample_imports_what_the_parser_counts(path, tmp_path, argdown_cli):
    parsed = argdownread.parse_file(path, path.name)
    claims, relations, inferences = _expected(parsed)
    result = importer.import_argdown(tmp_path / "kb", path)
    check = validate.check(tmp_path / "kb")
    assert check.ok, [p.format() for p in check.errors]
    kb = check.kb
    assert len(kb.nodes) == claims
    assert not [n for n in result.notes if n.startswith("skipped the ") and " from " in n]  # no relation lost
    skipped_inferences = [n for n in result.notes if "skipped the linked" in n or "skipped an inference" in n]
    declared = sum(len(n.supports) + len(n.attacks) + len(n.undercuts) for n in kb.nodes.values())
    assert declared == relations + inferences - len(skipped_inferences)
    # and kb's Argdown export of it is read back as the same map
    out = tmp_path / "again.argdown"
    out.write_text(core.export(kb, "argdown").text, encoding="utf-8")
    importer.import_argdown(tmp_path / "again", out)
    again = load(tmp_path / "again")
    assert sorted(again.nodes) == sorted(kb.nodes)
    assert {(p, t, r) for p, t, r, *_ in relation_facts(again)["arguments"]} == \
           {(p, t, r) for p, t, r, *_ in relation_facts(kb)["arguments"]}
    assert {(c, p, t) for c, p, t, *_ in relation_facts(again)["undercuts"]} == \
           {(c, p, t) for c, p, t, *_ in relation_facts(kb)["undercuts"]}


def test_argdown_linked_premises_undercuts_and_inference_rules(tmp_path, argdown_cli):
    path = tmp_path / "small.argdown"
    path.write_text("""[T]: The thesis. #evidence #pro

<Linked>: Two premises jointly.

(1) [P1]: First premise.
(2) [P2]: Second premise.
-- Modus ponens --
(3) [T]
  _ [U]: But that does not follow.

[X]: Objection.
  >< [T]
""", encoding="utf-8")
    result = importer.import_argdown(tmp_path / "kb", path)
    kb = load(tmp_path / "kb")
    (support,) = kb.nodes["p1"].supports
    assert (support.target, support.with_, support.scheme) == ("t", ["p2"], "Modus ponens")
    assert [(u.source, u.target) for u in kb.nodes["u"].undercuts] == [("p1", "t")]
    assert [e.target for e in kb.nodes["x"].attacks] == ["t"] and [e.target for e in kb.nodes["t"].attacks] == ["x"]
    assert kb.nodes["t"].kind == "evidence" and kb.nodes["t"].tags == ["pro"]
    assert result.notes == []


def test_argdown_syntax_errors_are_refused_with_the_parsers_message(tmp_path, argdown_cli):
    path = tmp_path / "bad.argdown"
    path.write_text("[R]: a restatement\n  = [E]\n", encoding="utf-8")
    with pytest.raises(Exception) as refused:
        importer.import_argdown(tmp_path / "kb", path)
    assert "Argdown parser refused" in str(refused.value) and "nothing was written" in str(refused.value)
    assert not (tmp_path / "kb").exists()
