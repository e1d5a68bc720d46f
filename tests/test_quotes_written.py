"""Quotes are checked wherever they are written when the source text is at hand, and a refusal shows
the closest passage and where the quote departs from it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.data import quotes
from kb.rules import validate
from kb.cli import cli

from conftest import SOURCES, assemble
from test_authoring import snapshot


@pytest.fixture
def root(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    assemble(tmp_path)
    shutil.copytree(SOURCES, tmp_path / "texts")
    (tmp_path / "texts" / "notes.md").write_text(
        "# Notes\n\nProbes *work* on **toy** models.[^1] They __fail__ at scale; see snake_case_names.\n\n"
        "[^1]: A footnote.\n")
    Path("claims/sources.yaml").write_text(Path("claims/sources.yaml").read_text()
                                           + "- id: notes\n  title: Notes\n  kind: notes\n  file: notes.md\n")
    Path("claims/kb.toml").write_text('sources_dir = "../texts"\n')
    return Path("claims")


def kb(*args: str):
    return CliRunner().invoke(cli, ["--kb", "claims", *args])


def test_markdown_emphasis_and_footnote_marks_fold_away():
    assert quotes.fold("Probes *work* on **toy** models.[^1] They __fail__") == "Probes work on toy models. They fail"
    assert quotes.fold("snake_case_names stay") == "snake_case_names stay"
    assert quotes.fold("\u201cso-called\u201d  it\u2019s") == '"so-called" it\'s'


def test_a_quote_across_emphasis_and_a_footnote_is_found(root):
    result = kb("add", "claim", "--title", "Probes work small", "--text", "T.", "--speaker", "bob",
                "--source", "notes", "--quote", "Probes work on toy models. They fail at scale", "--supports", "audits")
    assert result.exit_code == 0, result.output
    assert validate.check(root, configured=True).ok


def test_add_refuses_a_misquote_showing_the_closest_passage(root):
    before = snapshot(root)
    result = kb("add", "claim", "--title", "T", "--text", "T.", "--speaker", "bob", "--source", "doc1",
                "--quote", "It will not scale to frontier models.")
    assert result.exit_code == 1
    assert ("claims/t.yaml:9:3: error[quote-not-found]: quote not found in source 'doc1': "
            "\"It will not scale to frontier models.\"; closest passage (") in result.stderr
    assert ("\"It won't scale to frontier models.\"; they differ at \"will not scale to frontier models.\" "
            "(quote) vs \"won't scale to frontier models.\" (document)") in result.stderr
    assert snapshot(root) == before


def test_set_and_stance_check_their_quotes_too(root):
    before = snapshot(root)
    result = kb("set", "audits", "--quote", "Audits need them.")
    assert result.exit_code == 1 and "they differ at \"them.\" (quote) vs \"it.\" (document)" in result.stderr
    result = kb("stance", "bob", "audits", "0.2", "--quote", "Probes work on big models", "--source", "notes")
    assert result.exit_code == 1
    assert "stance quote of 'bob' not found in source 'notes'" in result.stderr
    assert "they differ at \"big models\" (quote) vs \"toy models\" (document)" in result.stderr
    assert snapshot(root) == before
    assert kb("stance", "bob", "audits", "0.2", "--quote", "Probes work on toy models", "--source", "notes").exit_code == 0


def test_a_misquote_already_there_does_not_block_other_edits(root):
    text = Path("claims/audits.yaml").read_text().replace("quote: Audits need it.", "quote: Audits want it.")
    Path("claims/audits.yaml").write_text(text)
    result = kb("link", "audits", "attacks", "wont-scale")
    assert result.exit_code == 0, result.output
    assert kb("mv", "audits", "audits-renamed").exit_code == 0


def test_without_the_source_text_quotes_are_not_checked(root):
    Path("claims/kb.toml").unlink()
    result = kb("set", "audits", "--quote", "Words not in the document.")
    assert result.exit_code == 0, result.output


def test_check_shows_the_whole_quote_and_the_closest_passage(root):
    long = "Probes work on toy models. They fail at every scale anyone has tried them on so far."
    text = Path("claims/audits.yaml").read_text().replace("quote: Audits need it.", f'quote: "{long}"')
    Path("claims/audits.yaml").write_text(text.replace("document: doc1", "document: notes"))
    result = kb("check")
    assert result.exit_code == 1
    assert f'quote not found in source \'notes\': "{long}"; closest passage' in result.stdout
    assert 'they differ at "every scale anyone' in result.stdout and '(quote) vs "scale; see' in result.stdout


def test_folding_is_the_three_substitutions_it_skips_when_it_can():
    """fold() runs each pattern only where its first character occurs and collapses white space with
    split(): on every kind of text it must give what the plain substitutions give."""
    import random
    import re

    def reference(text: str) -> str:
        text = quotes._FOOTNOTE.sub("", text.translate(quotes._QUOTES))
        return re.sub(r"\s+", " ", quotes._EMPHASIS.sub("", text)).strip()

    pieces = ["a", "Word", "snake_case", "_", "__", "*", "**", "[^1]", "[^note]", "[^", "]", "[x]", " ", "  ", "\t",
              "\n", "\u00a0", "\u2003", "\u3000", "\x1c", "\u2028", "\u201c", "\u2019", "é", "9", ".", "'"]
    rng = random.Random(3)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        assert quotes.fold(text) == reference(text), repr(text)
