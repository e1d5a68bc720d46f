"""Odd files in a repository: links out, devices, FIFOs, files that are not what their names say.

Only regular files inside the knowledge base's real path are read, their size
judged on the open file; what the walk leaves out is reported; nothing is
written through a link that leaves the knowledge base or over anything but a
plain file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from kb.changes import authoring
from kb.data import store
from kb.data.errors import KBError

from hostile import disk, kb, refused, world  # noqa: F401

NODE = """kind: claim
title: "Hidden"
text: >-
  From outside.
speaker: alice
source:
  document: doc1
"""


# --- reading -----------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["/dev/zero", "outside/secret.yaml", "outside"])
def test_a_node_file_linked_out_of_the_knowledge_base_is_an_error_and_not_read(world, target):
    (world / "outside" / "secret.yaml").write_text(NODE)
    os.symlink(world / target if not target.startswith("/") else target, world / "claims" / "leak.yaml")
    before = disk(world)
    output = refused(kb(world, "check", timeout=30), "claims/leak.yaml:1:1: error[outside-kb]")
    assert "From outside" not in output
    assert disk(world) == before


def test_a_fifo_or_a_folder_named_like_a_node_is_an_error_not_a_hang(world):
    os.mkfifo(world / "claims" / "pipe.yaml")
    (world / "claims" / "folder.yaml").mkdir()
    (world / "claims" / "folder.yaml" / "inner.yaml").write_text(NODE.replace("Hidden", "Inner"))
    before = disk(world)
    output = refused(kb(world, "check", timeout=30), "claims/pipe.yaml:1:1: error[not-a-file]")
    assert "(a FIFO)" in output
    assert disk(world) == before


def test_a_link_inside_the_knowledge_base_still_loads(world):
    os.symlink("audits.yaml", world / "claims" / "audits-again.yaml")
    output = kb(world, "check").stdout
    assert "outside-kb" not in output and "not-a-file" not in output


def test_registries_linked_to_a_device_are_errors(world):
    (world / "claims" / "people.yaml").unlink()
    os.symlink("/dev/zero", world / "claims" / "people.yaml")
    before = disk(world)
    refused(kb(world, "check", timeout=30), "claims/people.yaml:1:1: error[outside-kb]")
    assert disk(world) == before
    # An error already there does not block an edit that leaves it no worse; the link is left alone.
    assert kb(world, "link", "audits", "attacks", "wont-scale", timeout=30).returncode == 0
    after = disk(world)
    assert after.pop("claims/audits.yaml") != before.pop("claims/audits.yaml")
    assert after == before


@pytest.mark.parametrize("file", ["/dev/zero", "../outside/secret.txt", "fifo.txt"])
def test_a_source_text_outside_the_sources_folder_or_not_a_file_is_refused(world, file):
    sources = world / "texts"
    sources.mkdir()
    os.mkfifo(sources / "fifo.txt")
    registry = world / "claims" / "sources.yaml"
    registry.write_text(registry.read_text().replace("file: doc1.txt", f"file: {file}"))
    before = disk(world)
    output = refused(kb(world, "check", "--sources", "texts", timeout=30), "error[source-file-missing]")
    assert "the user's own file" not in output
    assert disk(world) == before


def test_folders_the_loader_leaves_out_are_reported(world):
    root = world / "claims"
    (root / "extra.yml").write_text(NODE)
    (world / "more").mkdir()
    (world / "more" / "elsewhere.yaml").write_text(NODE)
    os.symlink(world / "more", root / "linked-out")
    os.symlink("sub", root / "linked-in")
    output = kb(world, "check").stdout
    assert "claims/extra.yml:1:1: warning[skipped]: not read: node files end in .yaml" in output
    assert "claims/linked-in:1:1: warning[skipped]" in output
    assert "claims/linked-out:1:1: error[outside-kb]" in output


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_an_unreadable_folder_is_reported(world):
    folder = world / "claims" / "locked"
    folder.mkdir()
    folder.chmod(0)
    try:
        output = refused(kb(world, "check"), "claims/locked:1:1: error[io]: cannot read folder")
    finally:
        folder.chmod(0o755)
    assert output


# --- writing -----------------------------------------------------------------------------------


def test_export_replaces_only_a_plain_file(world):
    os.mkfifo(world / "fifo")
    os.symlink(world / "outside" / "secret.txt", world / "link.json")
    (world / "folder.json").mkdir()
    before = disk(world)
    for target in ("fifo", "link.json"):
        refused(kb(world, "export", "--format", "json", "-o", target, timeout=30), f"{target} is a")
    assert "is a directory" in kb(world, "export", "--format", "json", "-o", "folder.json").stderr
    assert disk(world) == before
    assert kb(world, "export", "--format", "json", "-o", "map.json").returncode == 0
    assert (world / "map.json").read_text().startswith("{")


def test_export_side_file_is_checked_too(world):
    os.symlink(world / "outside" / "secret.txt", world / "map.af.ids.tsv")
    before = disk(world)
    refused(kb(world, "export", "--format", "iccma", "-o", "map.af"), "map.af.ids.tsv")
    assert {k: v for k, v in disk(world).items() if k != "map.af"} == before


ADD = ["add", "claim", "--title", "New claim", "--text", "Some text.", "--speaker", "alice",
       "--source", "doc1", "--quote", "", "--supports", "see-inside"]


@pytest.mark.parametrize("folder", [
    "linked", "linked/deeper", ".git", ".hidden/x", ".kb-pending.json", "people.yaml", "audits.yaml",
    "sub/wont-scale.yaml", "x" * 300, "../outside", "/tmp", "a/../../outside",
])
def test_add_dir_cannot_escape_or_hide_the_node(world, folder):
    os.symlink(world / "outside", world / "claims" / "linked")
    (world / "claims" / ".git").mkdir()
    before = disk(world)
    refused(kb(world, *ADD, "--dir", folder), "refused")
    assert disk(world) == before


def test_add_does_not_follow_a_source_folder_that_is_a_link(world):
    os.symlink(world / "outside", world / "claims" / "doc1")
    result = kb(world, *ADD)
    assert result.returncode == 0, result.stderr
    assert (world / "claims" / "new-claim.yaml").exists()
    assert sorted(p.name for p in (world / "outside").iterdir()) == ["config", "secret.txt"]


@pytest.mark.parametrize("kind", ["link", "folder", "fifo"])
def test_a_lock_file_that_is_not_a_plain_file_is_refused(world, kind):
    lock = world / "claims" / ".kb.lock"
    if kind == "link":
        os.symlink(world / "outside" / "secret.txt", lock)
    elif kind == "folder":
        lock.mkdir()
    else:
        os.mkfifo(lock)
    before = disk(world)
    refused(kb(world, "link", "audits", "attacks", "wont-scale", timeout=30), ".kb.lock")
    refused(kb(world, "fmt", timeout=30), ".kb.lock")
    assert disk(world) == before
    assert (world / "outside" / "secret.txt").read_text() == "the user's own file\n"


def test_a_mistaken_kb_folder_is_refused_and_left_alone(world):
    home = world / "home"
    home.mkdir()
    (home / ".vim.swp.abcdefgh.tmp").write_text("another program's")
    (home / ".notes.txt.12345678.tmp").write_text("another program's")
    (home / "notes.yaml").write_text("a: 1\n")
    before = disk(world)
    for command in (["--kb", "home", "link", "a", "attacks", "b"], ["--kb", "home", "fmt"],
                    ["--kb", "home", "recover"]):
        refused(kb(world, *command), "not a knowledge base")
    assert disk(world) == before
    assert not (home / ".kb.lock").exists()


def test_cleanup_removes_only_kbs_own_temporary_files(world):
    root = world / "claims"
    theirs = [root / ".audits.yaml.abcdefgh.tmp", root / "sub" / ".x.12345678.tmp"]
    for path in theirs:
        path.write_text("not kb's")
    ours = [root / f".audits.yaml.{store.TEMP_MARK}abcd1234.tmp", root / "sub" / f".w.yaml.{store.TEMP_MARK}zz_z1234.tmp"]
    for path in ours:
        path.write_text("left by a killed kb")
    assert kb(world, "link", "audits", "attacks", "wont-scale").returncode == 0
    assert all(p.exists() for p in theirs) and not any(p.exists() for p in ours)
    ours[0].write_text("left by a killed kb fmt")
    assert kb(world, "fmt").returncode == 0
    assert not ours[0].exists() and all(p.exists() for p in theirs)


# --- what writes keep ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [0o644, 0o664, 0o640])
def test_an_edit_keeps_the_files_mode(world, mode):
    path = world / "claims" / "audits.yaml"
    path.chmod(mode)
    assert kb(world, "link", "audits", "attacks", "wont-scale").returncode == 0
    assert "wont-scale" in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert kb(world, "fmt").returncode == 0
    assert stat.S_IMODE(path.stat().st_mode) == mode


def test_a_new_file_gets_the_mode_any_new_file_gets(world):
    mask = os.umask(0o022)
    os.umask(mask)
    assert kb(world, *ADD).returncode == 0
    assert stat.S_IMODE((world / "claims" / "new-claim.yaml").stat().st_mode) == 0o666 & ~mask


def test_an_edit_keeps_crlf_line_endings(world):
    path = world / "claims" / "audits.yaml"
    original = path.read_bytes().replace(b"\n", b"\r\n")
    path.write_bytes(original)
    assert kb(world, "link", "audits", "attacks", "wont-scale").returncode == 0
    after = path.read_bytes()
    assert b"wont-scale" in after
    assert after.count(b"\n") == after.count(b"\r\n")
    assert kb(world, "fmt").returncode == 0
    formatted = path.read_bytes()
    assert formatted.count(b"\n") == formatted.count(b"\r\n") > 5
    check = kb(world, "fmt", "--check")
    assert check.returncode == 0, check.stdout


def test_an_unwritable_folder_is_an_error_line(world, monkeypatch):
    def deny(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(store.tempfile, "mkstemp", deny)
    monkeypatch.setattr(store, "_create_unnamed", lambda path, data: False)
    before = disk(world)
    with pytest.raises(KBError, match="cannot write .*audits.yaml: Permission denied"):
        authoring.link(world / "claims", "audits", "attacks", "wont-scale")
    with pytest.raises(KBError, match="cannot write .*new-claim.yaml: Permission denied"):
        authoring.add(world / "claims", "claim", "New claim", "Some text.", "alice", "doc1", supports=["see-inside"])
    assert {k: v for k, v in disk(world).items() if not k.endswith(".kb.lock")} == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_knowledge_base_is_an_error_line(world):
    root = world / "claims"
    root.chmod(0o555)
    try:
        refused(kb(world, "link", "audits", "attacks", "wont-scale"), "error:")
    finally:
        root.chmod(0o755)


def test_writes_refuse_a_path_through_a_link_out(world):
    os.symlink(world / "outside", world / "claims" / "out")
    root = world / "claims"
    before = disk(world)
    for write in (lambda: store.write_atomic(root / "out" / "x.yaml", "a: 1\n", root),
                  lambda: store.create_exclusive(root / "out" / "x.yaml", "a: 1\n", root),
                  lambda: store.remove_durable(root / "out" / "secret.txt", root)):
        with pytest.raises(store.Refused, match="outside"):
            write()
    assert disk(world) == before


def test_loading_accepts_the_knowledge_base_through_a_linked_root(world):
    os.symlink(world / "claims", world / "alias")
    result = kb(world, "--kb", "alias", "check")
    assert result.returncode == 0, result.stdout
    assert Path(world / "alias").is_symlink()


def test_kb_schema_does_not_write_through_a_committed_link(world):
    (world / "schema").mkdir()
    os.symlink(world / "outside" / "config", world / "schema" / "node.schema.json")
    os.mkfifo(world / "schema" / "people.schema.json")
    before = disk(world)
    check = kb(world, "schema", "--check", timeout=30)
    assert check.returncode == 1 and "node.schema.json: out of date" in check.stdout
    refused(kb(world, "schema", timeout=30), "node.schema.json")
    after = disk(world)
    assert {k: v for k, v in after.items() if k in before} == before
