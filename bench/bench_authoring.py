"""Benchmark: the editing commands and `kb diff` as whole processes, on the real map and on big ones.

Targets (issue 13): print the whole-process time of `kb add`, `kb set`,
`kb link` and `kb stance` on a copy of the real map, next to `python -c pass`
in the same venv; `kb diff HEAD~1` on the real map within 3 s. Wall time is
what a person waits; CPU time (user + system of the child) is printed too,
because on a shared machine wall time mostly measures the neighbours.

With ``--sizes`` naming synthetic maps (bench/synth.py, written once into
$KB_BENCH_DIR, default /tmp/kb-bench, as bench_cache.py does; edited on a
copy), each editing command runs cold (no cache: the first edit after
``kb cache clear`` or an upgrade, which reads every file and then keeps them)
and warm (the cache there, the file the last edit wrote changed), and
``kb show`` of the thesis is timed right after an edit that moved its
strength.

Usage: ``python bench/bench_authoring.py [--sizes real,10000]``
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from bench_cache import maps  # noqa: E402

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


def synthetic(n: int, folder: Path) -> None:
    """The editing commands on a copy of a synthetic map of ``n`` nodes, cold and warm."""
    kept = maps([str(n)], folder)[0][1]  # written once and shared with bench_cache.py
    work = Path(tempfile.mkdtemp(prefix="kb-bench-authoring-"))
    try:
        shutil.copytree(kept, work / "claims", ignore=shutil.ignore_patterns(".kb-cache*", ".kb.lock"))
        floor = median_of([[sys.executable, "-c", "pass"]] * 5, work)
        edits = {
            "kb link": lambda i: [*KB, "link", "n000011", "attacks", "n000003", "--weight", f"0.{i + 2}"],
            "kb stance": lambda i: [*KB, "stance", "person-1", "n000012", f"0.{i + 2}"],
            "kb set": lambda i: [*KB, "set", "n000013", "--title", f"Bench title {i}"],
        }
        print(f"\nsynthetic {n:,} nodes; python -c pass {floor[0]:.3f} s")
        print(f"{'command':<16}{'cold s':>8}{'warm s':>8}{'warm cpu s':>12}")
        for name, edit in edits.items():
            run([*KB, "cache", "clear"], work)
            cold = run(edit(0), work)
            warm = median_of([edit(i) for i in (1, 2, 3)], work)
            print(f"{name:<16}{cold[0]:>8.3f}{warm[0]:>8.3f}{warm[1]:>12.3f}")
        run([*KB, "show", "n000000"], work)
        run(edits["kb link"](4), work)
        wall, cpu = run([*KB, "show", "n000000"], work)
        print(f"kb show n000000 right after kb link: {wall:.3f} s wall, {cpu:.3f} s cpu")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="real", help="real and/or numbers of synthetic nodes, comma-separated")
    sizes = parser.parse_args().sizes.split(",")
    folder = Path(os.environ.get("KB_BENCH_DIR", "/tmp/kb-bench"))
    if "real" in sizes:
        real_map()
    for size in sizes:
        if size != "real":
            synthetic(int(size), folder)


def real_map() -> None:
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
