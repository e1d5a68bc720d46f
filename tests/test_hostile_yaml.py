"""YAML a stranger can write: every value the schema does not allow is a located error.

Never a silent empty value (that `kb fmt` would then write back, losing data),
never a traceback, never a run that grows faster than the file.
"""

from __future__ import annotations

import re

import pytest

from kb.data import parsing, store

from hostile import disk, kb, refused, world  # noqa: F401

HEAD = """kind: claim
title: "T"
text: >-
  Text.
speaker: alice
source:
  document: doc1
"""


def node(world, body: str, name: str = "odd.yaml"):
    path = world / "claims" / name
    path.write_text(body)
    return path


@pytest.mark.parametrize("body, line, col, tag", [
    (HEAD + "tags: !!set {a, b}\nsupports: [see-inside]\n", 8, 7, "!!set"),
    (HEAD + "supports: !!omap\n  - see-inside: 1\n", 8, 11, "!!omap"),
    (HEAD + "supports: !!pairs [see-inside: 1]\n", 8, 11, "!!pairs"),
    (HEAD + "stances: !!omap [alice: 0.5]\nsupports: [see-inside]\n", 8, 10, "!!omap"),
    (HEAD + "title2: !!binary aGk=\n", 8, 9, "!!binary"),
    (HEAD + "note: !custom x\n", 8, 7, "!custom"),
])
def test_tagged_values_are_located_errors_and_fmt_leaves_the_file(world, body, line, col, tag):
    path = node(world, body)
    before = disk(world)
    refused(kb(world, "check"), f"claims/odd.yaml:{line}:{col}: error[yaml-tag]: tag {tag} is not allowed")
    assert disk(world) == before
    result = kb(world, "fmt")  # formats the other files, leaves this one as it is
    assert result.returncode == 1 and f"claims/odd.yaml:{line}:{col}: error[yaml-tag]" in result.stderr
    assert path.read_text() == body


@pytest.mark.parametrize("body, line, col, what", [
    ("date: 2023-02-29\n" + HEAD, 1, 7, "'2023-02-29' is not a valid date"),
    (HEAD.replace('title: "T"', "title: 2001-13-45"), 2, 8, None),
    (HEAD + "stances:\n  alice: " + "1" * 5000 + "\n", 9, 10, "is not a valid whole number"),
    (HEAD + "stances:\n  alice: !!float abc\n", 9, 10, "'abc' is not a valid number"),
    (HEAD + "note: !!bool abc\n", 8, 7, "'abc' is not a valid true or false"),
    (HEAD + "note: !!timestamp abc\n", 8, 7, "'abc' is not a valid date"),
    (HEAD + "note: !!int 0x\n", 8, 7, "'0x' is not a valid whole number"),
    (HEAD + "note: !!int ''\n", 8, 7, "'' is not a valid whole number"),  # PyYAML raises IndexError here
    (HEAD + "supports:\n  - target: see-inside\n    weight: !!float 1e99999\n", 10, 5, "less than or equal to 1"),
])
def test_odd_scalars_are_located_errors(world, body, line, col, what):
    node(world, body)
    before = disk(world)
    output = refused(kb(world, "check"), f"claims/odd.yaml:{line}:{col}: error[")
    if what:
        assert what in output
    assert disk(world) == before


def test_a_title_that_reads_as_a_date_is_refused_with_its_location(world):
    node(world, HEAD.replace('title: "T"', "title: 2001-01-01"))
    refused(kb(world, "check"), "claims/odd.yaml:2:1: error[invalid-value]: title: Input should be a valid string")


@pytest.mark.parametrize("nest", [
    lambda n: "note:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, n)) + "  " * n + "x\n",
    lambda n: "note: " + "[" * n + "]" * n + "\n",
    lambda n: "note: " + "{a: " * n + "1" + "}" * n + "\n",
])
def test_deep_nesting_is_a_clean_error(world, nest):
    node(world, HEAD + nest(500))
    before = disk(world)
    output = refused(kb(world, "check", timeout=60), "claims/odd.yaml:")
    assert "error[too-deep]" in output or "error[yaml-syntax]" in output
    assert disk(world) == before
    # Editing another node is not blocked by the deep file, and does not trip on it.
    assert kb(world, "link", "audits", "attacks", "wont-scale").returncode == 0


def test_nesting_just_within_the_limit_still_loads_to_a_schema_error(world):
    node(world, HEAD + "note: " + "[" * 60 + "]" * 60 + "\n")
    refused(kb(world, "check"), "claims/odd.yaml:8:1: error[invalid-value]: note: Input should be a valid string")


def test_ten_thousand_unknown_keys_are_located_in_linear_time(world):
    """Before: ~80 s for 10,000 keys, ~395 s for 20,000. The timeout guards against that, not speed."""
    node(world, HEAD + "".join(f"x{i}: 1\n" for i in range(20000)))
    output = refused(kb(world, "check", timeout=60))
    assert "claims/odd.yaml:8:1: error[unknown-field]: unknown field 'x0'" in output
    assert "claims/odd.yaml:20007:1: error[unknown-field]: unknown field 'x19999'" in output


def test_locate_indexes_each_mapping_once():
    text = "".join(f"k{i}: {i}\n" for i in range(3000))
    problems = [store.Problem("f.yaml", 0, 0, "unknown-field", "m", "error", (f"k{i}",)) for i in range(3000)]
    located = parsing.locate(problems, {"f.yaml": text})
    assert [(p.line, p.col) for p in located] == [(i + 1, 1) for i in range(3000)]


# --- what reaches the terminal ------------------------------------------------------------------


def test_control_characters_in_keys_are_escaped_in_check_output(world):
    node(world, HEAD + '"\\e[2J\\e[H": 1\n')
    output = refused(kb(world, "check"), "unknown field '\\x1b[2J\\x1b[H'")
    assert "\x1b" not in output


def test_a_title_with_an_osc_sequence_does_not_reach_a_terminal(world):
    import os
    import pty
    import subprocess
    import sys

    from conftest import REPO

    path = world / "claims" / "audits.yaml"
    path.write_text(path.read_text().replace("title: Audits need interpretability",
                                             'title: "Audits\\e]0;pwned\\a\\u202eevil"'))
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "kb", "show", "audits"], cwd=world, stdout=follower,
                            stderr=follower, stdin=subprocess.DEVNULL,
                            # no progress bar: on a loaded machine it would draw its own (intended) escapes
                            env={**os.environ, "PYTHONPATH": str(REPO), "KB_PROGRESS_AFTER": "1e9"})
    os.close(follower)
    out = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    assert proc.wait(timeout=60) == 0, out
    text = out.decode("utf-8", "replace")
    assert "Audits" in text and "\x1b" not in text and "\u202e" not in text and "\x07" not in text
    assert "\\x1b]0;pwned" in text


# --- kb fmt keeps comments everywhere ------------------------------------------------------------


def test_fmt_keeps_a_comment_on_a_block_scalars_header_line(world):
    path = node(world, HEAD.replace("text: >-", "text: >-  # TODO: check the wording") + "supports: [see-inside]\n")
    assert kb(world, "fmt").returncode == 0
    text = path.read_text()
    assert "text: >-  # TODO: check the wording\n  Text.\n" in text
    assert kb(world, "fmt", "--check").returncode == 0


def test_a_hash_inside_a_block_scalar_stays_text(world):
    path = node(world, HEAD.replace("  Text.", "  Text # not a comment.") + "supports: [see-inside]\n")
    kb(world, "fmt")
    assert re.search(r"^  Text # not a comment\.$", path.read_text(), re.M)
