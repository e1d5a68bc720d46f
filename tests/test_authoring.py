"""Editing commands through click's CliRunner: what they write, and everything they refuse.

Every refusal test snapshots the whole knowledge base first and asserts that not
one byte changed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.changes import authoring
from kb.data import parsing, store
from kb.rules import validate
from kb.cli import author as author_cli
from kb.cli import cli
from kb.data.errors import KBError

from conftest import assemble


@pytest.fixture
def root(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    assemble(tmp_path)
    return Path("claims")


def kb(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, ["--kb", "claims", *args], input=input)


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != authoring.LOCK_FILE}


def assert_clean(root: Path) -> None:
    result = validate.check(root)
    assert result.ok, [p.format() for p in result.errors]
    assert store.stale_temp_files(root) == []


ADD = ["add", "claim", "--title", "Probes find lies", "--text", "Linear probes detect deception.",
       "--speaker", "bob", "--source", "doc1", "--quote", "Audits need it."]


# --- add -------------------------------------------------------------------------------------


def test_add_writes_one_canonical_node(root):
    result = kb(*ADD, "--supports", "see-inside", "--tag", "deception")
    assert result.exit_code == 0, result.output
    assert "added claim 'probes-find-lies' in claims/probes-find-lies.yaml" in result.stdout
    assert (root / "probes-find-lies.yaml").read_text() == (
        "# yaml-language-server: $schema=../schema/node.schema.json\n"
        "kind: claim\n"
        'title: "Probes find lies"\n'
        "text: >-\n"
        "  Linear probes detect deception.\n"
        "speaker: bob\n"
        "source:\n"
        "  document: doc1\n"
        '  quote: "Audits need it."\n'
        "supports:\n"
        "  - see-inside\n"
        "tags: [deception]\n"
    )
    assert_clean(root)


def test_add_same_title_twice_gets_a_suffix(root):
    assert kb(*ADD, "--supports", "see-inside").exit_code == 0
    result = kb(*ADD, "--supports", "see-inside")
    assert "'probes-find-lies-2'" in result.stdout
    assert (root / "probes-find-lies-2.yaml").exists()


def test_add_goes_to_the_source_folder_with_a_schema_path_for_its_depth(root):
    (root / "doc1").mkdir()
    assert kb(*ADD, "--supports", "see-inside", "--id", "probe").exit_code == 0
    text = (root / "doc1" / "probe.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=../../schema/node.schema.json\n")
    assert kb(*ADD, "--supports", "see-inside", "--id", "deeper", "--dir", "sub/deep").exit_code == 0
    assert (root / "sub" / "deep" / "deeper.yaml").read_text().startswith(
        "# yaml-language-server: $schema=../../../schema/node.schema.json\n")


def test_add_dry_run_prints_the_file_and_writes_nothing(root):
    before = snapshot(root)
    result = kb(*ADD, "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# yaml-language-server: $schema=../schema/node.schema.json\nkind: claim\n")
    assert "would write claims/probes-find-lies.yaml" in result.stderr
    assert snapshot(root) == before


def test_add_reports_new_warnings(root):
    result = kb(*ADD)
    assert result.exit_code == 0
    assert "claims/probes-find-lies.yaml:2:1: warning[orphan]" in result.stderr


def test_add_prompts_for_missing_values_on_a_terminal(root, monkeypatch):
    monkeypatch.setattr(author_cli, "interactive", lambda: True)
    answers = "claim\nAsked title\nAsked text.\nalice\ndoc1\n\nAudits need it.\n\n"
    result = kb("add", "--supports", "see-inside", input=answers)
    assert result.exit_code == 0, result.output
    node, errs = parsing.parse_node((root / "asked-title.yaml").read_text(), "x")
    assert not errs and (node.title, node.speaker, node.source.quote) == ("Asked title", "alice", "Audits need it.")


def test_prompts_ask_for_edges_when_none_are_given(root, monkeypatch):
    monkeypatch.setattr(author_cli, "interactive", lambda: True)
    answers = "claim\nAsked\nAsked text.\nalice\ndoc1\n\n\nsee-inside, audits\nwont-scale\n\n"
    result = kb("add", input=answers)
    assert result.exit_code == 0, result.output
    node, _ = parsing.parse_node((root / "asked.yaml").read_text(), "x")
    assert [e.target for e in node.supports] == ["see-inside", "audits"]
    assert [e.target for e in node.attacks] == ["wont-scale"] and node.source.quote is None


def test_fmt_finishes_an_interrupted_change_before_formatting(root, monkeypatch):
    with monkeypatch.context() as m, pytest.raises(KeyboardInterrupt):
        interrupt_after(m, 2)
        authoring.rename(root, "see-inside", "look-inside")
    assert kb("fmt").exit_code == 0
    assert not (root / store.PENDING_FILE).exists() and not (root / "see-inside.yaml").exists()
    assert_clean(root)


def test_rm_removes_a_file_that_does_not_load(root):
    (root / "broken.yaml").write_text("kind: claim\ntitle: [unclosed\n")
    result = kb("rm", "broken")
    assert result.exit_code == 0, result.output
    assert not (root / "broken.yaml").exists() and validate.check(root).ok


def test_tab_completion_in_prompts_offers_existing_people():
    readline = pytest.importorskip("readline")
    with author_cli._tab_completes(["alice", "bob", "albert"]):
        completer = readline.get_completer()
        assert [completer("al", i) for i in range(3)] == ["albert", "alice", None]


# --- link, unlink, stance ------------------------------------------------------------------------

COMMENTED = """\
# yaml-language-server: $schema=../../../../schema/node.schema.json
# Hand-written: keep these notes!
kind: claim        # a plain claim
title: Audits need interpretability
text: >-
  Auditing a model requires
  looking inside it.
speaker: alice     # she says it first
source:
  document: doc1
  quote: Audits need it.   # p. 3
supports:
  # the main link
  - target: see-inside
    weight: 0.5
    note: Our reading.
tags: [audit,  interp]   # odd spacing kept
"""


def test_link_keeps_comments_and_layout_of_a_hand_written_file(root):
    (root / "audits.yaml").write_text(COMMENTED)
    result = kb("link", "audits", "attacks", "wont-scale", "--weight", "0.4", "--note", "Our reading: a rebuttal")
    assert result.exit_code == 0, result.output
    after = (root / "audits.yaml").read_text()
    assert after == COMMENTED.replace(
        "tags: [audit,  interp]",
        'attacks:\n  - target: wont-scale\n    weight: 0.4\n    note: "Our reading: a rebuttal"\ntags: [audit,  interp]',
    )
    assert_clean(root)


def test_link_short_form_and_unlink(root):
    assert kb("link", "audits", "attacks", "wont-scale").exit_code == 0
    assert "attacks:\n  - wont-scale\n" in (root / "audits.yaml").read_text()
    result = kb("unlink", "audits", "wont-scale")
    assert result.exit_code == 0 and "no longer attacks" in result.stdout
    assert "attacks" not in (root / "audits.yaml").read_text()


def test_link_updates_the_weight_of_an_existing_edge(root):
    assert kb("link", "audits", "supports", "see-inside", "--weight", "0.8").exit_code == 0
    node, _ = parsing.parse_node((root / "audits.yaml").read_text(), "x")
    assert [(e.target, e.weight, e.note) for e in node.supports] == [("see-inside", 0.8, "Our reading.")]


def test_unlink_removes_a_dangling_edge(root):
    (root / "dangling.yaml").write_text((root / "sub" / "wont-scale.yaml").read_text().replace("see-inside", "gone"))
    assert not validate.check(root).ok
    result = kb("unlink", "dangling", "gone")
    assert result.exit_code == 0, result.output
    assert validate.check(root).ok


def test_stance_short_then_quoted_then_updated(root):
    assert kb("stance", "bob", "audits", "0.3").exit_code == 0
    assert "stances:\n  bob: 0.3\n" in (root / "audits.yaml").read_text()
    assert kb("stance", "bob", "audits", "0.25", "--quote", "It won't scale").exit_code == 0
    assert kb("stance", "bob", "audits", "0.2").exit_code == 0
    node, _ = parsing.parse_node((root / "audits.yaml").read_text(), "x")
    assert (node.stances["bob"].credence, node.stances["bob"].quote) == (0.2, "It won't scale")
    assert_clean(root)


# --- rm and mv ------------------------------------------------------------------------------------


def test_rm_refuses_while_linked_naming_the_referrers(root):
    before = snapshot(root)
    result = kb("rm", "see-inside")
    assert result.exit_code == 1
    assert "still linked from audits (supports), wont-scale (attacks)" in result.stderr
    assert snapshot(root) == before


def test_rm_cascade_removes_the_edges_too(root):
    result = kb("rm", "--cascade", "see-inside")
    assert result.exit_code == 0, result.output
    assert not (root / "see-inside.yaml").exists()
    assert "see-inside" not in (root / "audits.yaml").read_text()
    assert "attacks" not in (root / "sub" / "wont-scale.yaml").read_text()
    assert not (root / store.PENDING_FILE).exists()
    assert_clean(root)


def test_rm_of_an_unlinked_node(root):
    kb(*ADD, "--id", "lonely")
    assert kb("rm", "lonely").exit_code == 0
    assert not (root / "lonely.yaml").exists()


def test_mv_renames_and_rewrites_every_reference(root):
    (root / "see-inside.yaml").write_text("id: see-inside\n" + (root / "see-inside.yaml").read_text())
    result = kb("mv", "see-inside", "look-inside")
    assert result.exit_code == 0, result.output
    assert "updated 2 files" in result.stdout
    assert not (root / "see-inside.yaml").exists()
    assert "id: look-inside\n" in (root / "look-inside.yaml").read_text()
    assert "target: look-inside" in (root / "audits.yaml").read_text()
    assert "  - look-inside" in (root / "sub" / "wont-scale.yaml").read_text()
    assert_clean(root)


def test_mv_dry_run_shows_a_diff(root):
    before = snapshot(root)
    result = kb("mv", "--dry-run", "see-inside", "look-inside")
    assert result.exit_code == 0
    assert "+++ b/claims/look-inside.yaml" in result.stdout and "-  - see-inside" in result.stdout
    assert snapshot(root) == before


# --- refusals: nothing changes on disk ----------------------------------------------------------

BAD_IDS = ["..", "../escape", "sub/x", "/etc/passwd", "Upper", ""]


@pytest.mark.parametrize("bad", BAD_IDS)
@pytest.mark.parametrize("command", [
    lambda bad: [*ADD, "--id", bad],
    lambda bad: ["mv", "audits", bad],
    lambda bad: ["link", bad, "supports", "audits"],
    lambda bad: ["link", "audits", "supports", bad],
    lambda bad: ["unlink", "audits", bad],
    lambda bad: ["stance", bad, "audits", "0.5"],
    lambda bad: ["rm", bad],
], ids=["add", "mv", "link-source", "link-target", "unlink", "stance", "rm"])
def test_bad_ids_are_refused_before_any_path_is_built(root, command, bad):
    before = snapshot(root)
    result = kb(*command(bad))
    assert result.exit_code == 1
    assert "error:" in result.stderr
    assert ("refused" in result.stderr or "empty" in result.stderr or "not a valid id" in result.stderr)
    assert snapshot(root) == before
    assert not (root.parent / "escape.yaml").exists()


def test_folder_outside_the_knowledge_base_is_refused(root):
    before = snapshot(root)
    result = kb(*ADD, "--dir", "../outside")
    assert result.exit_code == 1 and "inside the knowledge base" in result.stderr
    assert snapshot(root) == before and not (root.parent / "outside").exists()


def test_change_that_would_break_the_kb_is_refused_with_check_lines(root):
    before = snapshot(root)
    result = kb("link", "audits", "attacks", "audits")
    assert result.exit_code == 1
    assert "claims/audits.yaml:14:5: error[self-edge]: a node cannot attack itself" in result.stderr
    assert "nothing was written" in result.stderr
    assert snapshot(root) == before


def test_invalid_field_is_refused(root):
    before = snapshot(root)
    result = kb(*ADD[:3], "x" * 101, *ADD[4:])
    assert result.exit_code == 1 and "title" in result.stderr
    assert snapshot(root) == before


@pytest.mark.parametrize("args, message", [
    (["link", "audits", "supports", "see-insid"], "unknown target 'see-insid' (did you mean see-inside?)"),
    (["link", "audit", "supports", "see-inside"], "unknown node 'audit' (did you mean audits?)"),
    (["stance", "bobby", "audits", "0.5"], "unknown person 'bobby' (did you mean bob (Bob Example)?)"),
    ([*ADD[:7], "alicia", *ADD[8:]], "unknown speaker 'alicia' (did you mean alice (Alice Example)?)"),
    ([*ADD[:9], "doc", *ADD[10:]], "unknown source 'doc' (did you mean doc1 (A small debate)?)"),
    ([*ADD, "--attacks", "wont-scal"], "unknown target 'wont-scal' (did you mean wont-scale?)"),
    (["rm", "see-insid"], "unknown node 'see-insid' (did you mean see-inside?)"),
    (["mv", "see-insid", "x"], "unknown node 'see-insid' (did you mean see-inside?)"),
])
def test_unknown_names_get_the_closest_matches(root, args, message):
    before = snapshot(root)
    result = kb(*args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert snapshot(root) == before


@pytest.mark.parametrize("args, message", [
    ([*ADD, "--id", "audits"], "id 'audits' is already used by claims/audits.yaml"),
    (["mv", "audits", "wont-scale"], "id 'wont-scale' is already used by claims/sub/wont-scale.yaml"),
    (["link", "audits", "supports", "see-inside"], "'audits' already supports 'see-inside'"),
    (["link", "wont-scale", "supports", "see-inside"], "already attacks 'see-inside'; run `kb unlink"),
    (["unlink", "audits", "wont-scale"], "'audits' has no edge to 'wont-scale'"),
    (["unlink", "see-inside", "audits"], "did you mean `kb unlink audits see-inside`"),
])
def test_conflicting_changes_are_refused(root, args, message):
    before = snapshot(root)
    result = kb(*args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert snapshot(root) == before


@pytest.mark.parametrize("drop", ["KIND", "--title", "--text", "--speaker", "--source", "--quote"])
def test_missing_values_without_a_terminal_are_an_error(root, drop):
    args = list(ADD)
    if drop == "KIND":
        args.remove("claim")
    else:
        i = args.index(drop)
        del args[i:i + 2]
    before = snapshot(root)
    result = kb(*args)
    assert result.exit_code == 2
    assert f"missing {drop} (no terminal to ask on" in result.stderr
    assert snapshot(root) == before


def test_a_held_lock_makes_writers_wait_then_give_up(root):
    from filelock import FileLock

    before = snapshot(root)
    with FileLock(str(root / authoring.LOCK_FILE)):
        with pytest.raises(KBError, match="another kb command is editing"):
            authoring.link(root, "audits", "attacks", "wont-scale", timeout=0.2)
    assert snapshot(root) == before


def test_a_file_edited_since_it_was_read_is_not_overwritten(root, monkeypatch):
    before = snapshot(root)
    real = authoring._commit

    def meddle(state, changes, *args, **kwargs):
        (root / "audits.yaml").write_text((root / "audits.yaml").read_text() + "# edited meanwhile\n")
        return real(state, changes, *args, **kwargs)

    monkeypatch.setattr(authoring, "_commit", meddle)
    with pytest.raises(KBError, match="changed while kb was working on it"):
        authoring.link(root, "audits", "attacks", "wont-scale")
    assert {k: v for k, v in snapshot(root).items() if k != "audits.yaml"} == {
        k: v for k, v in before.items() if k != "audits.yaml"}


def test_existing_errors_do_not_block_an_unrelated_change(root):
    (root / "broken.yaml").write_text("kind: claim\ntitle: [unclosed\n")
    result = kb("link", "audits", "attacks", "wont-scale")
    assert result.exit_code == 0, result.output
    assert "still has 1 error this change did not cause" in result.stderr


# --- interrupted multi-file changes -------------------------------------------------------------


def interrupt_after(monkeypatch, n: int) -> None:
    """Make the nth file operation of the next change fail, as a crash would."""
    real = authoring._apply
    calls = []

    def flaky(change, *rest):
        calls.append(change)
        if len(calls) == n:
            raise KeyboardInterrupt("simulated crash")
        real(change, *rest)

    monkeypatch.setattr(authoring, "_apply", flaky)


def test_interrupted_mv_is_reported_by_check_and_finished_by_recover(root, monkeypatch):
    with monkeypatch.context() as m, pytest.raises(KeyboardInterrupt):
        interrupt_after(m, 2)
        authoring.rename(root, "see-inside", "look-inside")
    assert (root / "look-inside.yaml").exists() and (root / "see-inside.yaml").exists()
    check = kb("check")
    assert check.exit_code == 1
    assert "claims/.kb-pending.json:1:1: error[interrupted-change]" in check.stdout
    result = kb("recover")
    assert result.exit_code == 0 and "finished the interrupted `kb mv see-inside look-inside`" in result.stdout
    assert not (root / "see-inside.yaml").exists()
    assert "look-inside" in (root / "sub" / "wont-scale.yaml").read_text()
    assert_clean(root)
    assert kb("recover").stdout.strip() == "nothing to recover"


def test_the_next_editing_command_finishes_an_interrupted_change(root, monkeypatch):
    with monkeypatch.context() as m, pytest.raises(KeyboardInterrupt):
        interrupt_after(m, 1)
        authoring.remove(root, "see-inside", cascade=True)
    result = kb("stance", "alice", "audits", "0.9")
    assert result.exit_code == 0, result.output
    assert "finished the interrupted `kb rm --cascade see-inside` first" in result.stderr
    assert not (root / "see-inside.yaml").exists()
    assert_clean(root)


def test_recover_refuses_when_a_file_was_edited_by_hand_since(root, monkeypatch):
    with monkeypatch.context() as m, pytest.raises(KeyboardInterrupt):
        interrupt_after(m, 1)
        authoring.rename(root, "see-inside", "look-inside")
    (root / "audits.yaml").write_text((root / "audits.yaml").read_text() + "# hand edit\n")
    before = snapshot(root)
    result = kb("recover")
    assert result.exit_code == 1 and "claims/audits.yaml was edited since" in result.stderr
    assert snapshot(root) == before
    journal = json.loads((root / store.PENDING_FILE).read_text())
    assert journal["command"] == "kb mv see-inside look-inside"


# --- fmt -------------------------------------------------------------------------------------------


def test_fmt_check_lists_files_then_fmt_fixes_them(root):
    before = snapshot(root)
    result = kb("fmt", "--check")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "claims/audits.yaml: not in the canonical layout (run kb fmt)",
        "claims/see-inside.yaml: not in the canonical layout (run kb fmt)",
        "claims/sub/wont-scale.yaml: not in the canonical layout (run kb fmt)",
    ]
    assert snapshot(root) == before
    result = kb("fmt")
    assert result.exit_code == 0 and "formatted 3 files" in result.stdout
    assert kb("fmt", "--check").exit_code == 0
    assert_clean(root)
    after = validate.check(root).kb
    assert after.nodes == validate.check(Path("claims")).kb.nodes


def test_fmt_keeps_comments_and_orders_keys(root):
    (root / "audits.yaml").write_text(COMMENTED.replace("kind: claim        # a plain claim\n", "") + "kind: claim  # last\n")
    assert kb("fmt", "claims/audits.yaml").exit_code == 0
    text = (root / "audits.yaml").read_text()
    assert text.splitlines()[:4] == [
        "# yaml-language-server: $schema=../schema/node.schema.json",
        "# Hand-written: keep these notes!",
        "kind: claim  # last",
        'title: "Audits need interpretability"',
    ]
    for comment in ("# she says it first", "# p. 3", "  # the main link", "# odd spacing kept"):
        assert comment in text


def test_fmt_with_files_skips_what_is_not_a_node_file(root):
    result = kb("fmt", "--check", "claims/people.yaml", "claims/sub/wont-scale.yaml", "elsewhere.yaml")
    assert result.stdout.splitlines() == ["claims/sub/wont-scale.yaml: not in the canonical layout (run kb fmt)"]


def test_fmt_leaves_files_that_do_not_load(root):
    (root / "broken.yaml").write_text("kind: claim\ntitle: [unclosed\n")
    before = (root / "broken.yaml").read_bytes()
    result = kb("fmt")
    assert result.exit_code == 1
    assert "claims/broken.yaml:3:1: error[yaml-syntax]" in result.stderr
    assert (root / "broken.yaml").read_bytes() == before


# --- completion ------------------------------------------------------------------------------------


def complete(args: list[str], incomplete: str) -> list[str]:
    from click.shell_completion import ShellComplete

    return [c.value for c in ShellComplete(cli, {}, "kb", "_KB_COMPLETE").get_completions(args, incomplete)]


def test_completion_of_ids_people_sources_and_kinds(root):
    assert complete(["--kb", "claims", "link"], "") == ["audits", "see-inside", "wont-scale"]
    assert complete(["--kb", "claims", "link", "audits", "supports"], "w") == ["wont-scale"]
    assert complete(["--kb", "claims", "stance"], "") == ["alice", "bob"]
    assert complete(["--kb", "claims", "add", "claim", "--source"], "") == ["doc1"]
    assert complete(["--kb", "claims", "add", "claim", "--supports"], "s") == ["see-inside"]
    assert complete(["--kb", "claims", "add"], "th") == ["theory_of_impact"]
    assert complete(["--kb", "claims", "rm"], "a") == ["audits"]


# --- ids -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("title, slug", [
    ("Probes find lies", "probes-find-lies"),
    ("Naïve Straße: élan & Œuvre!", "naive-strasse-elan-and-oeuvre"),
    ("Neel’s list — ToI #4", "neels-list-toi-4"),
    ("  --  ", "node"),
    ("日本語", "node"),
    ("word " * 40, ("word-" * 16)[:-1]),
])
def test_slugify(title, slug):
    assert authoring.slugify(title) == slug
    assert len(slug) <= 80 and authoring.check_id(slug)


def test_unique_ids_stay_within_the_limit():
    base = "a" * 80
    assert authoring.unique_id(base, {base}) == "a" * 78 + "-2"
    taken = {"x", "x-2", "x-3"}
    assert authoring.unique_id("x", taken) == "x-4"
