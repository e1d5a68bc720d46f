"""kb init, kb source add, kb person add, and the sources_dir setting read by every command."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.data import store
from kb.rules import validate
from kb.cli import cli

from conftest import assemble
from test_authoring import snapshot


def kb(*args: str, root: str = "claims"):
    return CliRunner().invoke(cli, ["--kb", root, *args])


@pytest.fixture
def fresh(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    result = kb("init", "--sources-dir", "../texts")
    assert result.exit_code == 0, result.output
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "essay.txt").write_text("Probes *work* on toy models.[^1] They fail at scale.\n")
    return Path("claims")


def test_init_makes_an_empty_valid_knowledge_base(fresh):
    assert sorted(p.name for p in fresh.iterdir()) == [".gitignore", "README.md", "kb.toml", "people.yaml",
                                                       "sources.yaml"]
    assert (fresh / "people.yaml").read_text().startswith("# yaml-language-server: $schema=../schema/people.schema.json\n")
    assert Path("schema/node.schema.json").is_file()
    assert ".kb-cache.sqlite*" in (fresh / ".gitignore").read_text().splitlines()
    assert 'sources_dir = "../texts"' in (fresh / "kb.toml").read_text()
    result = kb("check", "--strict")
    assert result.exit_code == 0 and "no problems" in result.stdout, result.output
    kb_, problems = store.load(fresh)
    assert not problems and kb_.people == {} and kb_.sources == {}


def test_init_refuses_a_folder_that_is_not_empty(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assemble(tmp_path)
    before = snapshot(Path("claims"))
    result = kb("init")
    assert result.exit_code == 1 and "already exists and is not empty" in result.stderr
    assert snapshot(Path("claims")) == before


def test_registering_people_and_sources_keeps_the_registries_comments(fresh):
    result = kb("person", "add", "jane", "--name", "Jane Doe", "--role", "Author")
    assert result.exit_code == 0 and "registered person 'jane' in claims/people.yaml" in result.stdout
    assert kb("person", "add", "ravi", "--name", "Ravi: a \"critic\"").exit_code == 0
    people = (fresh / "people.yaml").read_text()
    assert people == ("# yaml-language-server: $schema=../schema/people.schema.json\n"
                      "# Everyone the knowledge base attributes a claim or a stance to (`kb person add`).\n"
                      "- id: jane\n  name: \"Jane Doe\"\n  role: \"Author\"\n"
                      "- id: ravi\n  name: \"Ravi: a \\\"critic\\\"\"\n")
    result = kb("source", "add", "essay", "--title", "An essay", "--file", "essay.txt", "--kind", "blog-post",
                "--date", "2024-05-01", "--authors", "Jane Doe", "--authors", "Ravi")
    assert result.exit_code == 0, result.output
    assert "claims from it go in claims/essay/" in result.stdout and (fresh / "essay").is_dir()
    kb_, problems = store.load(fresh)
    assert not problems
    assert kb_.people["ravi"].name == 'Ravi: a "critic"'
    assert kb_.sources["essay"].authors == ["Jane Doe", "Ravi"] and kb_.sources["essay"].date == "2024-05-01"
    assert validate.check(fresh, configured=True).ok


def test_registering_into_the_real_registry_keeps_every_byte_above(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    real = Path(__file__).resolve().parent.parent / "claims" / "people.yaml"
    Path("claims").mkdir()
    Path("claims/people.yaml").write_text(real.read_text())
    Path("claims/sources.yaml").write_text("[]\n")
    assert kb("person", "add", "newcomer", "--name", "New Comer").exit_code == 0
    after = Path("claims/people.yaml").read_text()
    assert after.startswith(real.read_text()) and after.endswith('- id: newcomer\n  name: "New Comer"\n')


@pytest.mark.parametrize("args, message", [
    (["person", "add", "jane", "--name", "Other"], "person 'jane' is already in claims/people.yaml (Jane Doe)"),
    (["person", "add", "Jane", "--name", "X"], "ids are lower case"),
    (["person", "add", "../x", "--name", "X"], "not a path"),
    (["person", "add", "x", "--name", ""], "name"),
    (["source", "add", "essay", "--title", "Again"], "source 'essay' is already in claims/sources.yaml (An essay)"),
    (["source", "add", "other", "--title", "T", "--file", "../../etc/passwd"], "inside the sources folder"),
])
def test_clashes_and_bad_values_are_refused_and_write_nothing(fresh, args, message):
    assert kb("person", "add", "jane", "--name", "Jane Doe").exit_code == 0
    assert kb("source", "add", "essay", "--title", "An essay", "--file", "essay.txt").exit_code == 0
    before = snapshot(fresh)
    result = kb(*args)
    assert result.exit_code == 1 and message in result.stderr, result.output
    assert snapshot(fresh) == before


def test_a_source_text_not_in_the_sources_folder_is_a_warning(fresh):
    result = kb("source", "add", "later", "--title", "Later", "--file", "later.txt")
    assert result.exit_code == 0
    assert "warning[source-file-missing]: 'later.txt' is not in texts; its quotes cannot be checked yet" in result.stderr


def test_check_reads_sources_dir_from_kb_toml(fresh):
    kb("person", "add", "jane", "--name", "Jane Doe")
    kb("source", "add", "essay", "--title", "An essay", "--file", "essay.txt")
    # kb add itself checks the quote against the configured folder: a wrong one is refused...
    result = kb("add", "claim", "--title", "Wrong quote", "--text", "T.", "--speaker", "jane", "--source", "essay",
                "--quote", "Probes fail on toy models.")
    assert result.exit_code == 1 and "error[quote-not-found]" in result.stderr
    assert kb("add", "claim", "--title", "Right quote", "--text", "T.", "--speaker", "jane", "--source", "essay",
              "--quote", "Probes work on toy models.").exit_code == 0
    # ...and kb check finds the quote gone when the text changes under it.
    Path("texts/essay.txt").write_text("Probes fail on toy models.\n")
    result = kb("check")
    assert result.exit_code == 1 and "error[quote-not-found]" in result.stdout
    Path("texts/essay.txt").rename("texts/moved.txt")
    assert "error[source-file-missing]" in kb("check").stdout


def test_sources_given_twice_are_both_searched(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assemble(tmp_path)
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    (tmp_path / "two" / "doc1.txt").write_text((Path(__file__).parent / "fixtures" / "sources" / "doc1.txt").read_text())
    result = kb("check", "--sources", "one", "--sources", "two")
    assert result.exit_code == 0 and "no problems" in result.stdout, result.output
    assert "source-file-missing" in kb("check", "--sources", "one").stdout


def test_a_configured_folder_that_is_missing_is_a_note_even_when_strict(fresh):
    Path("texts/essay.txt").unlink()
    Path("texts").rmdir()
    result = kb("check", "--strict")
    assert result.exit_code == 0 and "no problems" in result.stdout
    assert "note: sources folder texts (sources_dir in claims/kb.toml) not found; quotes were not checked" in result.stderr


def test_a_broken_settings_file_is_reported(fresh):
    (fresh / "kb.toml").write_text("# settings\nsources_dir = [1, 2\nother = 3\n")
    result = kb("check")
    assert result.exit_code == 1
    assert "claims/kb.toml:3:1: error[settings]: Unclosed array" in result.stderr
    (fresh / "kb.toml").write_text("source_dir = 'x'\n")
    assert "source_dir: Extra inputs are not permitted" in kb("check").stderr
    (fresh / "kb.toml").write_text("sources_dir = 3\n")
    assert "claims/kb.toml:1:1: error[settings]: sources_dir: Input should be a valid list" in kb("check").stderr


def test_an_unregistered_person_or_source_says_how_to_register_it(fresh):
    kb("person", "add", "nanda", "--name", "Neel Nanda")
    before = snapshot(fresh)
    result = kb("add", "claim", "--title", "T", "--text", "T.", "--speaker", "neel", "--source", "nanda-longlist",
                "--quote", "")
    # "neel" is found by name, and the way to register someone new is given too.
    assert ("unknown speaker 'neel' (did you mean nanda (Neel Nanda)?); a new one is registered with "
            "`kb person add neel --name ...`") in result.stderr
    result = kb("add", "claim", "--title", "T", "--text", "T.", "--speaker", "nanda", "--source", "nanda-longlist",
                "--quote", "")
    assert "unknown source 'nanda-longlist'; register it with `kb source add nanda-longlist --title ...`" in result.stderr
    assert snapshot(fresh) == before
