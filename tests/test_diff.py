"""kb diff: revisions read straight from git, structural changes field by field, and what the analysis says."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import cli

from conftest import assemble


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.email=t@example.org", "-c", "user.name=T", *args], cwd=cwd,
                          capture_output=True, text=True, check=True).stdout


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    assemble(tmp_path)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "base")
    return tmp_path


def kb(*args: str):
    result = CliRunner().invoke(cli, ["--kb", "claims", *args])
    return result


def edit(*args: str) -> None:
    result = kb(*args)
    assert result.exit_code == 0, result.output


def test_no_change(repo):
    result = kb("diff")
    assert result.exit_code == 0
    assert "No change to nodes, edges, people or sources." in result.stdout
    assert "Strengths that moved by more than 0.05: none" in result.stdout


def test_structural_changes_field_by_field_and_renames(repo):
    edit("set", "audits", "--title", "Audits require interpretability", "--tag", "audit")
    edit("person", "add", "carol", "--name", "Carol")
    edit("add", "claim", "--id", "cheap-probes", "--title", "Probes are cheap", "--text", "T.", "--speaker", "carol",
         "--source", "doc1", "--quote", "", "--supports", "audits")
    edit("mv", "see-inside", "look-inside", "--dir", "sub")
    edit("link", "wont-scale", "attacks", "audits", "--weight", "0.5")
    edit("link", "audits", "supports", "look-inside", "--weight", "0.7")
    result = kb("diff")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Nodes: 1 added, 1 changed, 1 renamed\n" in out
    assert "  + cheap-probes (claim: Probes are cheap)\n" in out
    assert ('  ~ audits: tags [] -> [audit]; title "Audits need interpretability" -> '
            '"Audits require interpretability"\n') in out
    assert "  > see-inside -> look-inside; file: claims/see-inside.yaml -> claims/sub/look-inside.yaml\n" in out
    # The rename moves no edge: only the edges actually added or changed are listed.
    assert "Edges: 2 added, 1 changed\n" in out
    assert "  + cheap-probes supports audits\n" in out
    assert "  + wont-scale attacks audits\n" in out
    assert "  ~ audits supports look-inside: weight 0.5 -> 0.7\n" in out
    assert "People: 1 added\n  + carol\n" in out
    assert "see-inside" not in out.replace("> see-inside", "").replace("claims/see-inside.yaml", "")


def test_analysis_reports_moved_strengths_and_verdicts(repo):
    edit("add", "claim", "--id", "backer", "--title", "A backer", "--text", "T.", "--speaker", "bob",
         "--source", "doc1", "--quote", "", "--supports", "wont-scale")
    data = json.loads(kb("diff", "--format", "json", "--threshold", "0.01").stdout)
    moved = {(m["perspective"], m["id"]): m for m in data["analysis"]["strengths"]}
    # A new supporter raises wont-scale: from 0.5 (no stance on it) to accepted for neutral and alice...
    for perspective in ("neutral", "alice"):
        m = moved[(perspective, "wont-scale")]
        assert m["after"] > m["before"] + 0.05 and (m["verdict_before"], m["verdict_after"]) == ("balanced", "accepted")
    # ...and higher still for bob, who holds it (his base score is above 0.5 already).
    m = moved[("bob", "wont-scale")]
    assert m["after"] > m["before"] > 0.5 and m["verdict_before"] == m["verdict_after"] == "accepted"
    # ...and so lowers what it attacks; audits, which nothing new touches, does not move.
    assert moved[("neutral", "see-inside")]["after"] < moved[("neutral", "see-inside")]["before"]
    assert not any(i == "audits" for _, i in moved)
    # At the default threshold see-inside's smaller move (about 0.025 under neutral) is not listed.
    data = json.loads(kb("diff", "--format", "json").stdout)
    assert ("neutral", "see-inside") not in {(m["perspective"], m["id"]) for m in data["analysis"]["strengths"]}
    # A threshold above every move leaves only the verdict changes.
    data = json.loads(kb("diff", "--format", "json", "--threshold", "0.99").stdout)
    assert all(m["verdict_before"] != m["verdict_after"] for m in data["analysis"]["strengths"])


def test_two_revisions_and_markdown(repo):
    edit("unlink", "wont-scale", "see-inside")
    git(repo, "commit", "-qam", "unlink")
    edit("link", "wont-scale", "attacks", "audits")
    result = kb("diff", "HEAD~1", "HEAD", "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("## kb diff HEAD~1 -> HEAD\n")
    assert "### Edges: 1 removed\n\n- `- wont-scale attacks see-inside`\n" in result.stdout
    assert "audits" not in result.stdout.split("### Strengths")[0]  # the uncommitted link is not in HEAD
    result = kb("diff", "HEAD~1")
    assert "Edges: 1 added, 1 removed" in result.stdout


def test_errors_are_one_line(repo, tmp_path):
    result = kb("diff", "no-such-rev")
    assert result.exit_code == 1 and result.stderr.startswith("error: git rev-parse")
    assert kb("diff", "a", "b", "c").exit_code == 2
    subprocess.run(["rm", "-rf", str(repo / ".git")], check=True)
    result = kb("diff")
    assert result.exit_code == 1 and "not in a git repository" in result.stderr


def test_crux_rankings_that_change_are_listed(repo):
    # see-inside is the base map's one thesis (nothing it points at); audits and wont-scale are its cruxes.
    edit("add", "claim", "--id", "newcomer", "--title", "A newcomer", "--text", "T.", "--speaker", "bob",
         "--source", "doc1", "--quote", "", "--attacks", "see-inside")
    data = json.loads(kb("diff", "--format", "json").stdout)
    (change,) = data["analysis"]["cruxes"]
    assert change["thesis"] == "see-inside"
    assert sorted(change["before"]) == ["audits", "wont-scale"]
    assert sorted(change["after"]) == ["audits", "newcomer", "wont-scale"]
    # A change that leaves every ranking as it was lists none.
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "newcomer")
    edit("set", "newcomer", "--title", "A newcomer, renamed")
    assert json.loads(kb("diff", "--format", "json").stdout)["analysis"]["cruxes"] == []
