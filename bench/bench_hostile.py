"""Benchmark: the work a hostile file can force on `kb check` and `kb path` grows linearly, not faster.

Targets (issue 16): a node file with N unknown keys is checked in time linear
in N (before: ~80 s for 10,000 keys, ~395 s for 20,000); `kb path` on a layered
map (width^depth chains of one length) answers at once (before: 32 nodes took
about 3 minutes, 38 did not finish). Prints each figure, and for the keys the
time per 1,000 keys, which should stay roughly flat as N grows.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BASE = REPO / "tests" / "fixtures" / "base" / "claims"


def check_seconds(keys: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "claims"
        shutil.copytree(BASE, root)
        text = (root / "audits.yaml").read_text() + "".join(f"x{i}: 1\n" for i in range(keys))
        (root / "big.yaml").write_text(text)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "kb", "check"], cwd=tmp, capture_output=True)
        return time.perf_counter() - start


def main() -> None:
    import networkx as nx

    from kb.analysis import queries

    floor = check_seconds(0)
    print(f"kb check, no extra keys: {floor:.2f} s")
    for keys in (10_000, 20_000, 80_000):
        seconds = check_seconds(keys)
        print(f"kb check, {keys:,} unknown keys: {seconds:.2f} s "
              f"({(seconds - floor) / keys * 1000:.3f} s per 1,000 keys above the floor)")
    for width, depth in ((6, 5), (6, 6), (8, 8)):
        G = nx.DiGraph()
        layers = [["start"]] + [[f"n{d}-{w}" for w in range(width)] for d in range(depth)] + [["end"]]
        for upper, lower in zip(layers, layers[1:]):
            G.add_edges_from(((u, v) for u in upper for v in lower), relation="supports", weight=1.0)
        start = time.perf_counter()
        result = queries.paths(G, "start", "end")
        print(f"kb path, layered {width}x{depth} ({G.number_of_nodes()} nodes, {width ** depth:,} chains): "
              f"{time.perf_counter() - start:.3f} s, stopped: {result['stopped']}")


if __name__ == "__main__":
    main()
