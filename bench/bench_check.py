"""Benchmark: `kb check` as a whole process, next to the bare import floor.

Targets (issue 2): 10,000 nodes under 3 s and the seed knowledge base under 0.8 s
on a 2-core machine. Prints each figure and its ratio to the floor of starting
Python and importing the models.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from synth import generate  # noqa: E402

SEEDS = REPO.parent / "shared" / "seeds"


def timed(cmd: list[str], cwd: Path, repeats: int = 3) -> float:
    """Median wall time of a command, after one warm-up run (file cache, .pyc)."""
    subprocess.run(cmd, cwd=cwd, capture_output=True)
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
        runs.append(time.perf_counter() - start)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    return statistics.median(runs)


def main() -> None:
    py = sys.executable
    floor = timed([py, "-c", "import kb.data.models"], REPO, repeats=5)
    print(f"{'case':<32}{'seconds':>9}{'x floor':>9}{'target':>9}")
    print(f"{'floor: import kb.data.models':<32}{floor:>9.3f}{1.0:>9.1f}{'':>9}")
    rows = []
    check = [py, "-m", "kb", "check"]
    seed_cmd = check + (["--sources", str(SEEDS)] if SEEDS.is_dir() else [])
    rows.append(("seed knowledge base", timed(seed_cmd, REPO), 0.8))
    with tempfile.TemporaryDirectory() as tmp:
        for n, target in ((1_000, None), (10_000, 3.0)):
            root = Path(tmp) / f"kb{n}"
            generate(root / "claims", n)
            rows.append((f"synthetic, {n:,} nodes", timed(check, root), target))
    for name, seconds, target in rows:
        verdict = "" if target is None else (f"<{target:g} ok" if seconds < target else f"<{target:g} MISS")
        print(f"{name:<32}{seconds:>9.3f}{seconds / floor:>9.1f}{verdict:>9}")


if __name__ == "__main__":
    main()
