"""A progress bar on a terminal for long work, and never in piped or JSON output."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pytest

from conftest import REPO

pexpect = pytest.importorskip("pexpect")

_spec = importlib.util.spec_from_file_location("synth", REPO / "bench" / "synth.py")
synth = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(synth)

# The bar appears after a second of work; here at once, so that a small map is enough.
ENV = {**os.environ, "KB_PROGRESS_AFTER": "0", "TERM": "xterm", "COLUMNS": "120", "KB_NO_CACHE": "1"}


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    root = tmp_path_factory.mktemp("progress") / "claims"
    synth.generate(root, 300, seed=4)
    return root


def _terminal(*args: str) -> str:
    child = pexpect.spawn(sys.executable, ["-m", "kb", *args], env=ENV, encoding="utf-8", timeout=120,
                          dimensions=(40, 120))
    child.expect(pexpect.EOF)
    child.close()
    return child.before


def test_terminal_shows_a_bar_then_the_answer(kb):
    out = _terminal("--kb", str(kb), "check")
    assert "reading files" in out and "━" in out
    assert "checked 302 files" in out


def test_json_on_a_terminal_has_no_bar(kb):
    out = _terminal("--kb", str(kb), "check", "--format", "json")
    assert "reading files" not in out and "━" not in out
    assert json.loads(out)["files"] == 302


def test_piped_output_has_no_bar(kb):
    proc = subprocess.run([sys.executable, "-m", "kb", "--kb", str(kb), "check"], env=ENV, capture_output=True,
                          text=True, timeout=120)
    assert "checked 302 files" in proc.stdout
    assert "reading files" not in proc.stderr + proc.stdout and "\x1b" not in proc.stderr + proc.stdout
