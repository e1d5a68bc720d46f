"""Editing commands as real processes: killed mid-write, run twenty at once, completed by the shell."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.data import store
from kb.cli import cli

from conftest import BASE, REPO

KILLPOINT = Path(__file__).parent / "helpers" / "killpoint.py"
KB_SCRIPT = Path(sys.executable).parent / "kb"
ADD = ["add", "claim", "--title", "Probes find lies", "--text", "Linear probes detect deception.",
       "--speaker", "bob", "--source", "doc1", "--quote", "Audits need it.", "--supports", "see-inside"]


def fresh(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    shutil.copytree(BASE, folder / "claims")
    return folder


def kb_process(cwd: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kb", "--kb", "claims", *args], cwd=cwd, capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=120)


def kill_everywhere(tmp_path: Path, stride: int, *args: str) -> tuple[Path, int, list[int]]:
    """Run kb args killed at every stride-th write step (see helpers/killpoint.py).

    Returns the work folder, the number of steps and the kill points; each
    WORK/kill-n holds the knowledge base a kill at step n left behind, and
    WORK/reference the one an uninterrupted run leaves.
    """
    work = tmp_path / "work"
    shutil.copytree(BASE, work / "template" / "claims")
    proc = subprocess.run([sys.executable, str(KILLPOINT), str(work), str(stride), "--kb", "claims", *args],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert all(report["killed"].values()), "a kill point was not reached"
    return work, report["steps"], [int(n) for n in report["killed"]]


def in_process(cwd: Path, *args: str):
    return CliRunner().invoke(cli, ["--kb", str(cwd / "claims"), *args])


def check_passes(cwd: Path):
    result = in_process(cwd, "check")
    assert result.exit_code == 0, result.output
    return result


def temp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.endswith(".tmp")]


def test_real_process_add_link_and_check(tmp_path):
    cwd = fresh(tmp_path, "kb")
    added = kb_process(cwd, *ADD)
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "added claim 'probes-find-lies' in claims/probes-find-lies.yaml"
    linked = kb_process(cwd, "link", "probes-find-lies", "attacks", "wont-scale", "--weight", "0.5")
    assert linked.returncode == 0, linked.stderr
    refused = kb_process(cwd, "rm", "see-inside")
    assert refused.returncode == 1 and "still linked from" in refused.stderr and "Traceback" not in refused.stderr
    missing = subprocess.run([sys.executable, "-m", "kb", "--kb", "claims", "add", "claim"], cwd=cwd,
                             stdin=subprocess.DEVNULL, capture_output=True, text=True)
    assert missing.returncode == 2 and "missing --title (no terminal to ask on)" in missing.stderr
    assert kb_process(cwd, "check").returncode == 0
    assert kb_process(cwd, "fmt").returncode == 0
    assert kb_process(cwd, "fmt", "--check").returncode == 0


@pytest.mark.slow
def test_sigkill_at_every_step_of_kb_add_leaves_the_old_or_the_new_state(tmp_path):
    work, steps, points = kill_everywhere(tmp_path, 1, *ADD)
    assert steps > 20 and len(points) == steps
    expected = (work / "reference" / "claims" / "probes-find-lies.yaml").read_text()
    outcomes = {"old": 0, "new": 0}
    for n in points:
        cwd = work / f"kill-{n}"
        new = cwd / "claims" / "probes-find-lies.yaml"
        written = new.exists()
        outcomes["new" if written else "old"] += 1
        assert not written or new.read_text() == expected, f"partial file after a kill at step {n}"
        check_passes(cwd)
        assert temp_files(cwd / "claims") == [], f"temporary file left by a kill at step {n}"
        # The next command is not disturbed: it gets the id the killed one would have had.
        again = in_process(cwd, *ADD)
        assert again.exit_code == 0, again.output
        assert ("probes-find-lies-2" in again.stdout) == written
    assert outcomes["old"] and outcomes["new"], outcomes
    print(f"kb add: killed at all {steps} write steps: {outcomes}")


@pytest.mark.slow
@pytest.mark.parametrize("args", [
    ["mv", "see-inside", "look-inside"],
    ["rm", "--cascade", "see-inside"],
], ids=["mv", "rm-cascade"])
def test_sigkill_during_a_multi_file_change_is_recoverable(tmp_path, args):
    work, steps, points = kill_everywhere(tmp_path, 1, *args)
    final = {p.relative_to(work / "reference"): p.read_bytes() for p in (work / "reference" / "claims").rglob("*.yaml")}
    states = {"old": 0, "new": 0, "recovered": 0}
    stray = 0
    for n in points:
        cwd = work / f"kill-{n}"
        claims = cwd / "claims"
        if (claims / store.PENDING_FILE).exists():
            check = in_process(cwd, "check")
            assert check.exit_code == 1 and "error[interrupted-change]" in check.stdout and "kb recover" in check.stdout
            states["recovered"] += 1
        else:
            states["new" if not (claims / "see-inside.yaml").exists() else "old"] += 1
            check_passes(cwd)
        stray += bool(temp_files(claims))
        recovered = in_process(cwd, "recover")  # finishes the change, and sweeps temporary files
        assert recovered.exit_code == 0, recovered.output
        check_passes(cwd)
        now = {p.relative_to(cwd): p.read_bytes() for p in claims.rglob("*.yaml")}
        if not (claims / "see-inside.yaml").exists():
            assert now == final, f"kill at step {n}: finished state differs from an uninterrupted run"
        assert temp_files(claims) == [], f"temporary file left after recovery (kill at step {n})"
    assert states["recovered"] and states["old"] and states["new"], states
    print(f"{' '.join(args)}: killed at all {steps} write steps: {states}; "
          f"{stray} kills left a temporary file for the next command to sweep")


@pytest.mark.slow
def test_twenty_concurrent_adds_all_land_with_distinct_ids(tmp_path):
    cwd = fresh(tmp_path, "kb")
    start = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-m", "kb", "--kb", "claims", *ADD], cwd=cwd,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(20)]
    results = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]
    elapsed = time.perf_counter() - start
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    assert all(code == 0 for code, _, _ in results), [err for code, _, err in results if code]
    expected = {"probes-find-lies"} | {f"probes-find-lies-{i}" for i in range(2, 21)}
    assert {p.stem for p in (cwd / "claims").glob("probes-find-lies*.yaml")} == expected
    result = check_passes(cwd)
    assert "checked 25 files" in result.output
    assert temp_files(cwd / "claims") == []
    print(f"20 concurrent kb add: {elapsed:.2f} s")


@pytest.mark.parametrize("shell, marker", [
    ("bash", "complete -o nosort -F _kb_completion kb"),
    ("zsh", "#compdef kb"),
    ("fish", "complete --no-files --command kb"),
])
def test_completion_scripts_and_answers_for_each_shell(tmp_path, shell, marker):
    if not KB_SCRIPT.exists():
        pytest.skip("the kb console script is not installed")
    cwd = fresh(tmp_path, "kb")
    source = subprocess.run([str(KB_SCRIPT)], cwd=cwd, capture_output=True, text=True,
                            env={**os.environ, "_KB_COMPLETE": f"{shell}_source"})
    assert marker in source.stdout
    words, cword = ("kb stance ", "2") if shell != "fish" else ("kb stance ", "")
    answer = subprocess.run([str(KB_SCRIPT)], cwd=cwd, capture_output=True, text=True,
                            env={**os.environ, "_KB_COMPLETE": f"{shell}_complete", "COMP_WORDS": words,
                                 "COMP_CWORD": cword})
    assert "alice" in answer.stdout and "bob" in answer.stdout
    ids = subprocess.run([str(KB_SCRIPT)], cwd=cwd, capture_output=True, text=True,
                         env={**os.environ, "_KB_COMPLETE": f"{shell}_complete", "COMP_WORDS": "kb rm s",
                              "COMP_CWORD": "s" if shell == "fish" else "2"})  # fish passes the word itself
    assert "see-inside" in ids.stdout and "audits" not in ids.stdout


def test_pre_commit_hooks_run_check_and_fmt_check():
    import yaml

    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert (hooks["kb-check"]["entry"], hooks["kb-check"]["args"]) == ("kb", ["check"])
    assert hooks["kb-check"]["pass_filenames"] is False
    assert (hooks["kb-fmt"]["entry"], hooks["kb-fmt"]["args"]) == ("kb", ["fmt", "--check"])
    assert all(h["language"] == "python" for h in hooks.values())
