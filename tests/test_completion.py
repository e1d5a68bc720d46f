"""Completion for every argument and option that takes an id, person, source, tag, kind,
perspective or semantics (the shell scripts themselves are tested in test_authoring_processes)."""

from __future__ import annotations

import pytest
from click.shell_completion import ShellComplete
from click.testing import CliRunner

from kb.cli import cli

from conftest import assemble


@pytest.fixture(autouse=True)
def root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KB_DIR", raising=False)
    assemble(tmp_path)
    (tmp_path / "map.json").write_text("{}")  # import's FILE must exist for its options to complete
    assert CliRunner().invoke(cli, ["set", "audits", "--tag", "audit-tag"]).exit_code == 0


def complete(args: list[str], incomplete: str) -> list[str]:
    return [c.value for c in ShellComplete(cli, {}, "kb", "_KB_COMPLETE").get_completions(args, incomplete)]


@pytest.mark.parametrize("args, incomplete, expected, absent", [
    (["show"], "see", ["see-inside"], ["audits"]),
    (["cruxes"], "a", ["audits"], ["see-inside"]),
    (["cruxes", "--as"], "", ["neutral", "alice", "bob"], ["audits"]),
    (["cruxes", "audits", "--between"], "b", ["bob"], ["alice"]),
    (["show", "audits", "--semantics"], "", ["qe", "dfquad"], []),
    (["list", "--speaker"], "a", ["alice"], ["bob"]),
    (["list", "--source"], "d", ["doc1"], []),
    (["list", "--tag"], "", ["audit-tag"], []),
    (["list", "--kind"], "th", ["theory_of_impact"], ["claim"]),
    (["path", "audits"], "s", ["see-inside"], []),
    (["set", "audits", "--untag"], "au", ["audit-tag"], []),
    (["set", "audits", "--presenter"], "b", ["bob"], []),
    (["set", "audits", "--kind"], "r", ["rebuttal"], []),
    (["link", "audits", "undercuts"], "w", ["wont-scale"], []),
    (["link", "audits", "supports", "see-inside", "--with"], "w", ["wont-scale"], []),
    (["unlink", "audits"], "und", ["undercuts"], []),
    (["stance", "bob", "audits", "0.2", "--source"], "d", ["doc1"], []),
    (["add", "--presenter"], "a", ["alice"], []),
    (["add", "--tag"], "", ["audit-tag"], []),
    (["site", "out", "--perspective"], "n", ["neutral"], []),
    (["site", "out", "--pair"], "", ["neutral", "alice", "bob"], []),
    (["import", "aif", "map.json", "--speaker"], "b", ["bob"], []),
    (["import", "aif", "map.json", "--source"], "", ["doc1"], []),
])
def test_completion(args, incomplete, expected, absent):
    got = complete(args, incomplete)
    assert all(e in got for e in expected), got
    assert not any(a in got for a in absent), got
