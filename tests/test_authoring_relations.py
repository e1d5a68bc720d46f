"""Authoring the relations beyond plain support and attack: undercuts, linked premises, restatements,
presenters, and how rm and mv keep every reference to a node consistent.

Every refusal snapshots the knowledge base and asserts that not one byte changed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.analysis import graph
from kb.data import parsing, store
from kb.rules import validate
from kb.cli import cli

from conftest import assemble
from test_authoring import assert_clean, snapshot


@pytest.fixture
def root(tmp_path, monkeypatch) -> Path:
    """The base knowledge base (audits supports see-inside at 0.5; wont-scale attacks see-inside)
    plus three unlinked premises p1, p2, p3 and an undercutter x."""
    monkeypatch.chdir(tmp_path)
    assemble(tmp_path)
    for node_id in ("p1", "p2", "p3", "x"):
        result = kb("add", "claim", "--id", node_id, "--title", f"Node {node_id}", "--text", f"Text {node_id}.",
                    "--speaker", "bob", "--source", "doc1", "--quote", "")
        assert result.exit_code == 0, result.output
    return Path("claims")


def kb(*args: str):
    return CliRunner().invoke(cli, ["--kb", "claims", *args])


def node(root: Path, node_id: str, folder: str = ""):
    parsed, errs = parsing.parse_node((root / folder / f"{node_id}.yaml").read_text(), node_id)
    assert not errs
    return parsed


def body(root: Path, node_id: str, folder: str = "") -> str:
    return (root / folder / f"{node_id}.yaml").read_text()


# --- undercuts ----------------------------------------------------------------------------------


def test_link_undercuts_records_the_edge_in_the_undercutters_file(root):
    result = kb("link", "x", "undercuts", "audits", "see-inside", "--weight", "0.6", "--note", "Audits need less.")
    assert result.exit_code == 0, result.output
    assert "'x' now undercuts 'audits' -> 'see-inside' (weight 0.6)" in result.stdout
    assert body(root, "x").endswith(
        "undercuts:\n  - source: audits\n    target: see-inside\n    weight: 0.6\n    note: \"Audits need less.\"\n")
    assert "undercut" not in body(root, "audits") + body(root, "see-inside")
    assert_clean(root)
    G = graph.build(store.load(root)[0])
    assert G.edges["x", "see-inside"]["relation"] == "undercuts" and G.edges["x", "see-inside"]["via"] == ("audits",)
    # Linking again changes the weight in place rather than adding a second undercut.
    assert kb("link", "x", "undercuts", "audits", "see-inside", "--weight", "0.3").exit_code == 0
    assert [(u.source, u.weight, u.note) for u in node(root, "x").undercuts] == [("audits", 0.3, "Audits need less.")]


@pytest.mark.parametrize("ends, message", [
    (("see-inside", "audits"), "no support or attack from 'see-inside' to 'audits' to undercut "
                               "(did you mean the edge from 'audits' to 'see-inside'?)"),
    (("wont-scale", "audits"), "no support or attack from 'wont-scale' to 'audits' to undercut "
                               "(did you mean wont-scale see-inside?)"),
    (("p1", "see-inside"), "no support or attack from 'p1' to 'see-inside' to undercut "
                           "(did you mean p1 see-inside"),
    (("audit", "see-inside"), "unknown source 'audit' (did you mean audits?)"),
    (("audits", "x"), "no support or attack from 'audits' to 'x' to undercut (did you mean audits see-inside?)"),
])
def test_undercut_of_an_edge_that_does_not_exist_is_refused_with_did_you_mean(root, ends, message):
    before = snapshot(root)
    result = kb("link", "x", "undercuts", *ends)
    assert result.exit_code == 1
    if ends[0] == "p1":
        # p1 has no edge at all; the edges into see-inside come from audits and wont-scale.
        assert "(did you mean audits see-inside, wont-scale see-inside?)" in result.stderr
    else:
        assert message in result.stderr, result.stderr
    assert snapshot(root) == before


def test_undercut_by_an_end_of_the_edge_and_wrong_arity_are_refused(root):
    before = snapshot(root)
    assert "cannot undercut an inference it is an end of" in kb("link", "audits", "undercuts", "audits", "see-inside").stderr
    result = kb("link", "x", "undercuts", "audits")
    assert result.exit_code == 2 and "takes A B" in result.output
    assert snapshot(root) == before


def test_unlink_undercut(root):
    assert kb("link", "x", "undercuts", "audits", "see-inside").exit_code == 0
    before = snapshot(root)
    result = kb("unlink", "x", "undercuts", "wont-scale", "see-inside")
    assert result.exit_code == 1 and "does not undercut 'wont-scale' -> 'see-inside' (it undercuts audits see-inside)" in result.stderr
    assert snapshot(root) == before
    # One node may undercut several inferences into the same target; unlink removes only the one named.
    assert kb("link", "x", "undercuts", "wont-scale", "see-inside").exit_code == 0
    result = kb("unlink", "x", "undercuts", "audits", "see-inside")
    assert result.exit_code == 0 and "'x' no longer undercuts 'audits' -> 'see-inside'" in result.stdout
    assert [(u.source, u.target) for u in node(root, "x").undercuts] == [("wont-scale", "see-inside")]
    assert kb("unlink", "x", "undercuts", "wont-scale", "see-inside").exit_code == 0
    assert "undercuts" not in body(root, "x") and node(root, "x").undercuts == []


def test_unlinking_an_undercut_edge_is_refused_while_the_undercut_stands(root):
    assert kb("link", "x", "undercuts", "audits", "see-inside").exit_code == 0
    before = snapshot(root)
    result = kb("unlink", "audits", "see-inside")
    assert result.exit_code == 1 and "error[unknown-edge]" in result.stderr and "claims/x.yaml" in result.stderr
    assert snapshot(root) == before


# --- linked premises ------------------------------------------------------------------------------


def test_link_with_premises_writes_one_linked_argument(root):
    result = kb("link", "p1", "supports", "see-inside", "--with", "p2", "--with", "p3", "--weight", "0.7")
    assert result.exit_code == 0, result.output
    assert "'p1' now supports 'see-inside' together with 'p2', 'p3' (weight 0.7)" in result.stdout
    assert "supports:\n  - target: see-inside\n    with: [p2, p3]\n    weight: 0.7\n" in body(root, "p1")
    assert "supports" not in body(root, "p2")
    assert_clean(root)
    G = graph.build(store.load(root)[0])
    for premise in ("p1", "p2", "p3"):
        assert G.edges[premise, "see-inside"]["linked"] == ("p1", "p2", "p3")
        assert G.edges[premise, "see-inside"]["weight"] == 0.7


def test_premises_can_be_replaced_and_dropped_one_at_a_time(root):
    assert kb("link", "p1", "attacks", "audits").exit_code == 0
    assert kb("link", "p1", "attacks", "audits", "--with", "p2", "--with", "p3").exit_code == 0
    assert node(root, "p1").attacks[0].with_ == ["p2", "p3"]
    result = kb("unlink", "p1", "audits", "--with", "p3")
    assert result.exit_code == 0 and "'p3' no longer a premise of 'p1' -> 'audits'" in result.stdout
    assert node(root, "p1").attacks[0].with_ == ["p2"]
    before = snapshot(root)
    assert "not a premise" in kb("unlink", "p1", "audits", "--with", "p3").stderr
    assert snapshot(root) == before
    assert kb("unlink", "p1", "audits").exit_code == 0
    assert "attacks" not in body(root, "p1")


def test_a_premise_that_already_argues_alone_is_refused(root):
    before = snapshot(root)
    result = kb("link", "p1", "supports", "see-inside", "--with", "audits")
    assert result.exit_code == 1 and "error[duplicate-edge]" in result.stderr
    assert "'p1' supports 'see-inside' together" not in result.stdout
    result = kb("link", "p1", "supports", "see-inside", "--with", "p1")
    assert result.exit_code == 1 and "names each premise once" in result.stderr
    result = kb("link", "p1", "restates", "see-inside", "--with", "p2")
    assert result.exit_code == 2 and "--with belongs to supports and attacks" in result.output
    assert snapshot(root) == before


# --- restatements ---------------------------------------------------------------------------------


def test_link_and_unlink_restates(root):
    result = kb("link", "p1", "restates", "see-inside")
    assert result.exit_code == 0 and "'p1' now restates 'see-inside'" in result.stdout
    assert body(root, "p1").endswith("restates:\n  - see-inside\n")
    assert_clean(root)
    assert "already restates" in kb("link", "p1", "restates", "see-inside").stderr
    result = kb("unlink", "p1", "see-inside")
    assert result.exit_code == 0 and "'p1' no longer restates 'see-inside'" in result.stdout
    assert "restates" not in body(root, "p1")


# --- presenter ------------------------------------------------------------------------------------


def test_add_with_a_presenter(root):
    result = kb("add", "claim", "--title", "Reported", "--text", "Reported view.", "--speaker", "bob",
                "--presenter", "alice", "--source", "doc1", "--quote", "Audits need it.", "--supports", "audits")
    assert result.exit_code == 0, result.output
    assert "speaker: bob\npresenter: alice\nsource:" in body(root, "reported")
    before = snapshot(root)
    result = kb("add", "claim", "--title", "Other", "--text", "T.", "--speaker", "bob", "--presenter", "alicia",
                "--source", "doc1", "--quote", "")
    assert result.exit_code == 1 and "unknown presenter 'alicia' (did you mean alice (Alice Example)?)" in result.stderr
    assert snapshot(root) == before


# --- mv and rm keep every reference ---------------------------------------------------------------


@pytest.fixture
def woven(root) -> Path:
    """p1 supports see-inside together with p2; x undercuts p2 -> see-inside; p3 undercuts
    audits -> see-inside and restates p2."""
    for args in (["p1", "supports", "see-inside", "--with", "p2"], ["x", "undercuts", "p2", "see-inside"],
                 ["p3", "undercuts", "audits", "see-inside"], ["p3", "restates", "p2"]):
        result = kb("link", *args)
        assert result.exit_code == 0, result.output
    assert_clean(root)
    return root


def test_mv_rewrites_premises_undercut_ends_and_restatements(woven):
    result = kb("mv", "p2", "second-premise")
    assert result.exit_code == 0, result.output
    assert "updated 3 files" in result.stdout
    assert node(woven, "p1").supports[0].with_ == ["second-premise"]
    assert [(u.source, u.target) for u in node(woven, "x").undercuts] == [("second-premise", "see-inside")]
    assert node(woven, "p3").restates == ["second-premise"]
    assert_clean(woven)
    assert kb("mv", "see-inside", "look-inside").exit_code == 0
    assert [u.target for u in node(woven, "x").undercuts + node(woven, "p3").undercuts] == ["look-inside"] * 2
    assert node(woven, "p1").supports[0].target == "look-inside"
    assert_clean(woven)


def test_rm_refuses_while_referenced_and_lists_every_reference(woven):
    before = snapshot(woven)
    result = kb("rm", "p2")
    assert result.exit_code == 1
    assert ("'p2' is still linked from p1 (premise of its support of see-inside), "
            "p3 (restates), x (undercuts p2 -> see-inside)") in result.stderr
    # p1 leads the linked argument: removing it ends the inference p2 -> see-inside that x undercuts.
    result = kb("rm", "p1")
    assert result.exit_code == 1 and "x (undercuts p2 -> see-inside)" in result.stderr
    assert snapshot(woven) == before


def test_rm_cascade_removes_premises_undercuts_and_restatements(woven):
    result = kb("rm", "--cascade", "p2")
    assert result.exit_code == 0, result.output
    assert "and 3 references to it" in result.stdout
    assert [(e.target, e.with_) for e in node(woven, "p1").supports] == [("see-inside", [])]
    assert "undercuts" not in body(woven, "x")
    assert [(u.source, u.target) for u in node(woven, "p3").undercuts] == [("audits", "see-inside")]
    assert "restates" not in body(woven, "p3")
    assert_clean(woven)


def test_rm_cascade_of_the_lead_drops_undercuts_of_its_premises_inferences(woven):
    result = kb("rm", "--cascade", "p1")
    assert result.exit_code == 0, result.output
    assert node(woven, "x").undercuts == [] and len(node(woven, "p3").undercuts) == 1
    assert node(woven, "p3").restates == ["p2"]
    assert_clean(woven)


def test_mv_into_a_folder_repoints_the_schema_and_keeps_references(woven):
    result = kb("mv", "p2", "--dir", "sub/deeper")
    assert result.exit_code == 0, result.output
    assert "moved 'p2' to claims/sub/deeper/p2.yaml" in result.stdout
    assert not (woven / "p2.yaml").exists()
    assert body(woven, "p2", "sub/deeper").startswith("# yaml-language-server: $schema=../../../schema/node.schema.json\n")
    assert node(woven, "p1").supports[0].with_ == ["p2"]
    assert_clean(woven)
    result = kb("mv", "audits", "audit-needs", "--dir", "sub")
    assert result.exit_code == 0 and (woven / "sub" / "audit-needs.yaml").exists()
    assert [(u.source, u.target) for u in node(woven, "p3").undercuts] == [("audit-needs", "see-inside")]
    assert_clean(woven)
    before = snapshot(woven)
    assert "already claims/sub/audit-needs.yaml" in kb("mv", "audit-needs", "--dir", "sub").stderr
    assert kb("mv", "p3", "--dir", "../out").exit_code == 1
    assert snapshot(woven) == before
