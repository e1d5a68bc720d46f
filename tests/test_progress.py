"""A progress bar on a terminal for long work, and never in piped or JSON output."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from conftest import REPO, synth

pexpect = pytest.importorskip("pexpect")

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
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out)
    assert re.search(r"\d:\d\d:\d\d (\d:\d\d:\d\d|-:--:--) left", plain), "the bar says the time taken and left"
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


def test_crux_search_and_double_cruxes_report_their_progress_to_the_end():
    """Minutes on a big circular map: each stage reports, never past its total, and finishes."""
    from kb.analysis import cruxes, graph, semantics
    from kb.data import progress, store

    G = graph.build(store.load(REPO / "claims")[0])
    thesis = "interp-is-among-best-bets"
    reports: dict[str, list[tuple[int, int]]] = {}
    previous = progress.listen(lambda what, done, total: reports.setdefault(what, []).append((done, total)))
    try:
        cruxes.cruxes(G, thesis, semantics.base_scores(G, "neutral"))
        cruxes.double_cruxes(G, thesis, semantics.base_scores(G, "segerie"), semantics.base_scores(G, "bushnaq"),
                             samples=40)
    finally:
        progress.listen(previous)
    assert set(reports) == {cruxes.SEARCHING, cruxes.ADOPTING, cruxes.SPLITTING}
    for what, seen in reports.items():
        assert all(0 <= done <= total for done, total in seen), what
        assert [done for done, _ in seen] == sorted(done for done, _ in seen), what  # never backwards
        assert seen[-1][0] == seen[-1][1] > 0, what  # and to the end
    splits = reports[cruxes.SPLITTING]
    assert all(a[1] <= b[1] for a, b in zip(splits, splits[1:]))  # the planned orders grow, never shrink


def test_double_cruxes_on_a_terminal_show_a_bar():
    out = _terminal("--kb", str(REPO / "claims"), "cruxes", "interp-is-among-best-bets", "--between", "segerie",
                    "bushnaq")
    assert "splitting the gap" in out and "━" in out
    assert "Shapley split of the gap" in out


def test_the_site_asks_about_every_node_and_its_bar_keeps_one_line_per_stage(tmp_path):
    """Hundreds of crux searches, one per node, report under one name: one bar, not a line each."""
    out = _terminal("--kb", str(REPO / "claims"), "site", str(tmp_path / "site"))
    assert "finding cruxes" in out and "wrote " in out
    assert len(out) < 200_000, "the bar grew a line per node"
