"""A committed `.kb-pending.json` cannot make kb write, read or delete anything outside the knowledge base.

The journal of an interrupted `kb mv` is finished by `kb recover` and by every
editing command before its own change, and `kb check` tells the user to run it:
so it is read from the repository, and trusted for nothing.
"""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from hostile import disk, kb, refused, world  # noqa: F401

PAYLOAD = "[core]\n\tfsmonitor = touch /tmp/pwned\n"


def journal(root, *changes, command="kb mv a b") -> None:
    (root / ".kb-pending.json").write_text(json.dumps({"version": 1, "command": command, "changes": list(changes)}))


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# Each: how the repository is laid out, and the journal entry that aims outside it.
ATTACKS = {
    "file-link-to-new-file": (lambda w: os.symlink(w / "outside" / "new-config", w / "claims" / "pwn.yaml"),
                              {"path": "pwn.yaml", "before": None, "after": PAYLOAD}),
    "file-link-to-existing-file": (lambda w: os.symlink(w / "outside" / "config", w / "claims" / "pwn.yaml"),
                                   {"path": "pwn.yaml", "before": sha("[core]\n\tbare = false\n"), "after": PAYLOAD}),
    "folder-link": (lambda w: os.symlink(w / "outside", w / "claims" / "conf"),
                    {"path": "conf/config.yaml", "before": None, "after": PAYLOAD}),
    "relative-escape": (lambda w: None, {"path": "../outside/config.yaml", "before": None, "after": PAYLOAD}),
    "absolute": (lambda w: None, {"path": str("/tmp/kb-hostile-absolute.yaml"), "before": None, "after": PAYLOAD}),
    "hidden-folder": (lambda w: (w / "claims" / ".git").mkdir(),
                      {"path": ".git/config", "before": None, "after": PAYLOAD}),
    "not-a-node-file": (lambda w: None, {"path": "notes.txt", "before": None, "after": PAYLOAD}),
    "deletes-outside": (lambda w: ((w / "outside" / "victim.yaml").write_text("mine\n"),
                                   os.symlink(w / "outside", w / "claims" / "conf")),
                        {"path": "conf/victim.yaml", "before": sha("mine\n"), "after": None}),
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
@pytest.mark.parametrize("command", [["recover"], ["link", "audits", "attacks", "wont-scale"],
                                     ["rm", "audits", "--cascade"], ["fmt"]],
                         ids=["recover", "link", "rm", "fmt"])
def test_a_journal_aiming_outside_is_refused_untouched(world, name, command):
    arrange, entry = ATTACKS[name]
    arrange(world)
    journal(world / "claims", entry)
    before = disk(world)
    result = kb(world, *command)
    refused(result, ".kb-pending.json")
    assert disk(world) == before
    assert not os.path.lexists("/tmp/kb-hostile-absolute.yaml")


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_check_reports_a_bad_journal_instead_of_advising_recover(world, name):
    arrange, entry = ATTACKS[name]
    arrange(world)
    journal(world / "claims", entry)
    before = disk(world)
    output = refused(kb(world, "check"), "error[bad-journal]")
    assert "kb recover" not in output
    assert disk(world) == before


@pytest.mark.parametrize("text", [
    "{not json", "[]", '{"changes": 3}', '{"changes": [1]}', '{"changes": [{"path": 3}]}',
    '{"changes": [{"path": "audits.yaml", "before": "xyz", "after": "kind: claim"}]}',
    '{"changes": [{"path": "audits.yaml", "before": null, "after": 42}]}',
    '{"changes": [{"path": "audits.yaml", "before": null, "after": null}], "command": ["x"]}' + "[" * 100000,
    "[" * 100000,
])
def test_a_malformed_journal_is_an_error_line_not_a_traceback(world, text):
    (world / "claims" / ".kb-pending.json").write_text(text)
    before = disk(world)
    refused(kb(world, "recover"), "error:", ".kb-pending.json")
    refused(kb(world, "check"), "error[bad-journal]")
    assert disk(world) == before


def test_a_journal_that_is_a_device_or_a_fifo_is_refused_without_hanging(world):
    pending = world / "claims" / ".kb-pending.json"
    os.mkfifo(pending)
    before = disk(world)
    refused(kb(world, "recover", timeout=30), "not a regular file")
    refused(kb(world, "check", timeout=30), "error[bad-journal]")
    pending.unlink()
    os.symlink("/dev/zero", pending)
    refused(kb(world, "recover", timeout=30), ".kb-pending.json")
    assert disk(world) == {**before, "claims/.kb-pending.json": "link:/dev/zero"}


def test_a_genuine_journal_is_still_finished(world):
    """The checks refuse only what kb never writes: a real interrupted change completes."""
    root = world / "claims"
    old = (root / "audits.yaml").read_text()
    journal(root, {"path": "sub/wont-scale.yaml", "before": sha((root / "sub" / "wont-scale.yaml").read_text()),
                   "after": (root / "sub" / "wont-scale.yaml").read_text().replace("bob", "alice")},
            {"path": "audits.yaml", "before": sha(old), "after": None}, command="kb rm --cascade audits")
    result = kb(world, "recover")
    assert result.returncode == 0, result.stderr
    assert "finished the interrupted `kb rm --cascade audits`" in result.stdout
    assert not (root / "audits.yaml").exists() and not (root / ".kb-pending.json").exists()
    assert "speaker: alice" in (root / "sub" / "wont-scale.yaml").read_text()
