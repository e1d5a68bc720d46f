"""Benchmark: the analysis commands on the real map, as whole processes.

Each command runs as a fresh `kb` process (imports, loading and checking the
map included), interleaved with the others, five times; the median wall time
and the median CPU time (user + system, which a busy second core inflates
less than wall time) are printed beside `python -c pass` in the same venv.

Target (issue 10): `kb cruxes interp-is-among-best-bets --between segerie
bushnaq` within 2 s.

Usage: ``python bench/bench_queries.py``.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
KB = str(Path(sys.executable).with_name("kb"))
THESIS = "interp-is-among-best-bets"
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "kb check": [KB, "check"],
    "kb check --analysis": [KB, "check", "--analysis"],
    f"kb show {THESIS}": [KB, "show", THESIS],
    f"kb explain {THESIS}": [KB, "explain", THESIS],
    f"kb cruxes {THESIS}": [KB, "cruxes", THESIS],
    f"kb cruxes {THESIS} --between segerie bushnaq": [KB, "cruxes", THESIS, "--between", "segerie", "bushnaq"],
}
TARGETS = {f"kb cruxes {THESIS} --between segerie bushnaq": 2.0}
REPEATS = 5


def run_once(cmd: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
                   env={**os.environ, "COLUMNS": "160"})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    walls: dict[str, list[float]] = {name: [] for name in COMMANDS}
    cpus: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for name, cmd in COMMANDS.items():
        run_once(cmd)  # warm the file cache
    for _ in range(REPEATS):
        for name, cmd in COMMANDS.items():
            wall, cpu = run_once(cmd)
            walls[name].append(wall)
            cpus[name].append(cpu)
    floor = statistics.median(walls["python -c pass"])
    print(f"{'command':<70} {'wall':>7} {'cpu':>7} {'× floor':>8}  target")
    for name in COMMANDS:
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        target = TARGETS.get(name)
        verdict = "" if target is None else f"≤ {target:.1f} s: {'met' if cpu <= target else 'MISSED'} (cpu)"
        print(f"{name:<70} {wall:>6.2f}s {cpu:>6.2f}s {wall / floor:>7.1f}×  {verdict}")


if __name__ == "__main__":
    main()
