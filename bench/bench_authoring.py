"""Benchmark: the editing commands and `kb diff` as whole processes on the real map.

Targets (issue 13): print the whole-process time of `kb add`, `kb set`,
`kb link` and `kb stance` on a copy of the real map, next to `python -c pass`
in the same venv; `kb diff HEAD~1` on the real map within 3 s. Wall time is
what a person waits; CPU time (user + system of the child) is printed too,
because on a shared machine wall time mostly measures the neighbours.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO.parent / "shared" / "seeds"
KB = [sys.executable, "-m", "kb", "--kb", "claims"]
DIFF_TARGET = 3.0


def run(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one run; a failing command stops the benchmark."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stdout}{proc.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def median_of(commands: list[list[str]], cwd: Path) -> tuple[float, float]:
    runs = [run(cmd, cwd) for cmd in commands]
    return statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="kb-bench-authoring-"))
    try:
        shutil.copytree(REPO / "claims", work / "claims")
        shutil.copytree(REPO / "schema", work / "schema")
        if SEEDS.is_dir():  # quotes are checked against the texts, as on a real checkout
            (work / "claims" / "kb.toml").write_text(f'sources_dir = "{os.path.relpath(SEEDS, work / "claims")}"\n')
        floor = median_of([[sys.executable, "-c", "pass"]] * 5, work)
        adds = [[*KB, "add", "claim", "--id", f"bench-node-{i}", "--title", f"Bench node {i}", "--text", "Bench.",
                 "--speaker", "nanda", "--source", "against-toi", "--quote", "", "--supports",
                 "interp-is-among-best-bets"] for i in range(3)]
        sets = [[*KB, "set", "bench-node-0", "--title", f"Bench node, title {i}"] for i in range(3)]
        links = [[*KB, "link", "bench-node-1", "supports", "most-interp-tois-fail", "--weight", w]
                 for w in ("0.5", "0.6", "0.7")]
        stances = [[*KB, "stance", "segerie", "bench-node-2", c] for c in ("0.2", "0.3", "0.4")]
        rows = [("python -c pass", floor)]
        for name, commands in (("kb add", adds), ("kb set", sets), ("kb link", links), ("kb stance", stances)):
            run([*KB, commands[0][len(KB)], "--help"], work)  # warm the .pyc cache
            rows.append((name, median_of(commands, work)))
        print(f"{'command':<16}{'wall s':>8}{'cpu s':>8}{'x floor (wall)':>16}")
        for name, (wall, cpu) in rows:
            print(f"{name:<16}{wall:>8.3f}{cpu:>8.3f}{wall / floor[0]:>16.1f}")
        has_parent = subprocess.run(["git", "rev-parse", "--verify", "--quiet", "HEAD~1"], cwd=REPO,
                                    capture_output=True).returncode == 0
        if has_parent:
            wall, cpu = median_of([[sys.executable, "-m", "kb", "--kb", "claims", "diff", "HEAD~1"]] * 3, REPO)
            verdict = "ok" if wall <= DIFF_TARGET else "OVER TARGET"
            print(f"kb diff HEAD~1 (real map): {wall:.3f} s wall, {cpu:.3f} s cpu; target <= {DIFF_TARGET:g} s: {verdict}")
        else:
            print("kb diff HEAD~1: skipped (no parent commit in this clone)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
