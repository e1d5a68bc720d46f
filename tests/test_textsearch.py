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


def _stems(text: str | None) -> set[str]:
    """Every stem of a text: the plain way, which the search's word-at-a-time shortcut must agree with."""
    from kb.analysis import queries

    return {textsearch.stem(w) for w in textsearch._WORD.findall(queries._fold(text))}


def _partial_reference(G, text: str, limit: int | None = 20) -> list[dict]:
    """Partial matches computed directly from every field's full set of stems (no shortcut)."""
    from kb.analysis import queries

    wanted = list(dict.fromkeys(textsearch.stem(w) for w in textsearch._WORD.findall(queries._fold(text))))
    people = G.graph.get("people", {})
    found = []
    for node_id, data in G.nodes(data=True):
        speaker = data.get("speaker")
        fields = {"id": _stems(node_id.replace("-", " ")), "title": _stems(data.get("title")),
                  "speaker": _stems(f"{speaker or ''} {people.get(speaker, {}).get('name', '')}"),
                  "quote": _stems(data.get("quote")), "text": _stems(data.get("text"))}
        words = [s for s in wanted if any(s in f for f in fields.values())]
        if words:
            score = sum(queries.SEARCH_WEIGHTS[name] for s in words for name, f in fields.items() if s in f)
            matched = [name for name, f in fields.items() if any(s in f for s in words)]
            found.append({**queries._summary(G, node_id), "score": score, "matched": matched, "words": len(words)})
    found.sort(key=lambda h: (-h["words"], -h["score"], h["id"]))
    return found if limit is None else found[:limit]


def test_partial_search_agrees_with_stemming_every_field_whole_on_the_real_map():
    from conftest import REPO

    real = graph.build(store.load(REPO / "claims")[0])
    for text in ("networks deceive trainers", "mechanistic zebra", "scalable oversights quagga",
                 "Ségerie zebras", "hendrycks obfuscated activations", "n0001 interp"):
        result = textsearch.search(real, text, limit=None)
        assert result.partial, text
        assert result.hits == _partial_reference(real, text, limit=None), text
        assert result.hits, f"{text!r} must find something to compare"


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
    assert _stems("Training trained trains") == {"train"}
    assert _stems("deceptive Deception") == {"decept"}


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


def test_the_c_stemmer_gives_the_pure_python_ports_stems_on_every_word_of_the_map_and_its_sources():
    """kb stems with PyStemmer (Snowball's C); snowballstemmer, the Python port, is the independent reference."""
    import re

    from snowballstemmer.english_stemmer import EnglishStemmer

    from conftest import REPO

    texts = [p.read_text(encoding="utf-8") for p in (REPO / "claims").rglob("*.yaml")]
    seeds = REPO.parent / "shared" / "seeds"
    if seeds.is_dir():
        texts += [p.read_text(encoding="utf-8", errors="replace") for p in seeds.rglob("*") if p.is_file()]
    words = sorted({w for t in texts for w in re.findall(r"[^\W_]+", t.lower())})
    words += ["n000123", "skies", "dying", "generously", "relational", "possibility", "ugly", "news", "ßtraße"]
    assert len(words) > 3000, "the map must give words to compare"
    reference = EnglishStemmer()
    assert [textsearch.stem(w) for w in words] == [reference.stemWord(w) for w in words]
