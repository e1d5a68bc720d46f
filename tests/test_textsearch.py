"""kb search: partial matches ranked by Snowball stems when no node has every word, and saying so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.analysis import graph, textsearch
from kb.data import store
from kb.cli import cli

from conftest import assemble


@pytest.fixture
def root(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    assemble(tmp_path)
    runner = CliRunner()
    for title, text in [
        ("Training on the loss hides deception", "Models trained against a probe learn to hide it."),
        ("Deceptive models are rare", "Few models deceive."),
        ("Scaling laws", "Bigger models are better."),
    ]:
        result = runner.invoke(cli, ["add", "claim", "--title", title, "--text", text, "--speaker", "bob",
                                     "--source", "doc1", "--quote", "", "--attacks", "audits"])
        assert result.exit_code == 0, result.output
    return Path("claims")


def G(root: Path):
    return graph.build(store.load(root)[0])


def test_every_word_matches_come_first_and_are_not_partial(root):
    result = textsearch.search(G(root), "deception training")
    assert not result.partial and [h["id"] for h in result.hits] == ["training-on-the-loss-hides-deception"]


def test_partial_matches_are_ranked_by_words_matched_by_stem(root):
    result = textsearch.search(G(root), "trains deceptively zebra")
    assert result.partial and result.stems == ["train", "decept", "zebra"]
    ids = [h["id"] for h in result.hits]
    # "trained"/"training" and "deception" share stems with "trains" and "deceptively": two words of three.
    assert ids[0] == "training-on-the-loss-hides-deception" and result.hits[0]["words"] == 2
    assert "deceptive-models-are-rare" in ids and "scaling-laws" not in ids
    assert textsearch.search(G(root), "zebra quagga").hits == []


def test_stems_fold_word_forms():
    assert textsearch.stems("Training trained trains") == {"train"}
    assert textsearch.stems("deceptive Deception") == {"decept"}


def test_the_command_says_when_it_fell_back(root):
    runner = CliRunner()
    result = runner.invoke(cli, ["search", "trains deceptively zebra"])
    assert result.exit_code == 0
    assert "no node matches every word of “trains deceptively zebra”" in result.output
    assert "stems (train, decept, zebra)" in result.output and "2/3" in result.output
    data = json.loads(runner.invoke(cli, ["search", "trains deceptively zebra", "--format", "json"]).output)
    assert data["partial"] is True and data["results"][0]["words"] == 2
    data = json.loads(runner.invoke(cli, ["search", "scaling", "--format", "json"]).output)
    assert data["partial"] is False and [r["id"] for r in data["results"]] == ["scaling-laws"]
