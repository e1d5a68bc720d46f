"""kb add's prompts driven through a pseudo-terminal, as a person would answer them."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from kb.data import parsing

from conftest import BASE, SOURCES

pexpect = pytest.importorskip("pexpect")


@pytest.fixture
def session(tmp_path):
    shutil.copytree(BASE, tmp_path / "claims")
    shutil.copytree(SOURCES, tmp_path / "texts")
    (tmp_path / "claims" / "kb.toml").write_text('sources_dir = "../texts"\n')
    child = pexpect.spawn(sys.executable, ["-m", "kb", "--kb", "claims", "add"], cwd=str(tmp_path),
                          env={**os.environ, "TERM": "dumb", "COLUMNS": "200"}, encoding="utf-8", timeout=30, dimensions=(50, 300))
    yield child, tmp_path / "claims"
    child.close(force=True)


def answer(child, prompt: str, text: str) -> None:
    child.expect_exact(prompt)
    child.sendline(text)


def test_each_answer_is_checked_as_typed_and_asked_again(session):
    child, root = session
    answer(child, "kind (claim,", "clam")
    child.expect_exact("unknown kind 'clam' (did you mean claim?); try again")
    answer(child, "kind (claim,", "claim")
    answer(child, "title", "x" * 120)
    child.expect_exact("the title has 120 characters; at most 100; try again")
    answer(child, "title", "Probes catch lies")
    answer(child, "text", "Linear probes catch a model lying.")
    answer(child, "speaker (id or name)", "example")  # a word of two people's names
    child.expect_exact("unknown speaker 'example' (did you mean alice (Alice Example), bob (Bob Example)?)")
    answer(child, "speaker (id or name)", "Bob Example")  # a whole name is an answer
    answer(child, "source (id or title)", "small debate")
    child.expect_exact("did you mean doc1 (A small debate)?")
    answer(child, "source (id or title)", "A small debate")
    answer(child, "section heading", "Opening")
    answer(child, "quote (verbatim)", "Audits need them.")
    child.expect_exact("not found in 'doc1'; closest passage (")
    child.expect_exact('they differ at "them." (quote) vs "it." (document); try again')
    answer(child, "quote (verbatim)", "Audits need it.")
    answer(child, "supports (ids)", "see-insid")
    child.expect_exact("unknown target 'see-insid' (did you mean see-inside?); try again")
    answer(child, "supports (ids)", "see-inside")
    answer(child, "attacks (ids)", "")
    answer(child, "tags", "Deception")
    child.expect_exact("ids are lower case")
    answer(child, "tags", "deception probes")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    node, errs = parsing.parse_node((root / "probes-catch-lies.yaml").read_text(), "x")
    assert not errs
    assert (node.kind, node.title, node.speaker, node.source.document, node.source.section, node.source.quote) == (
        "claim", "Probes catch lies", "bob", "doc1", "Opening", "Audits need it.")
    assert [e.target for e in node.supports] == ["see-inside"] and node.attacks == []
    assert node.tags == ["deception", "probes"]
