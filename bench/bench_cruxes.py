"""Benchmark: crux search and double cruxes, incremental against the whole re-solve, as maps grow.

Two shapes of synthetic map, so that neither hides the other's cost:

* tree-shaped (``bench/synth_graph.py``): a debate converging on one thesis,
  5% cross edges and three 12-node knots; every other node is an ancestor of
  the thesis;
* cycle-rich (``bench/synth.py``, the shape of the ``kb check`` benchmark): about
  three edges per node, one in five to any node, so most of the map is one
  large strongly connected component.

For each, at 250, 1,000, 2,000 and 10,000 nodes, ``kb cruxes THESIS`` and
``kb cruxes THESIS --between A B`` are timed in process (CPU seconds, which a
loaded machine inflates less than wall time) with the incremental path and
with the reference that re-solves everything between each candidate and the
target (``reference=True``). A run longer than ``KB_BENCH_BUDGET`` seconds
(default 120; wall time, for either path) is stopped and printed as a lower bound. At 10,000 nodes
the whole ``kb`` process (files written by each generator, loaded and checked)
is timed as well, beside ``kb check`` on the same files: a question asked for
the first time (solved) and one asked again after a file was saved with its
data unchanged (its answer read back from the cache). The in-process
figures are one process (the library's default); the whole ``kb`` process
spreads the adoptions and the Shapley orders of ``--between`` over every core
(:mod:`kb.data.workers`), so the two are not comparable by CPU seconds.

Target (issue 15): ``kb cruxes THESIS --between A B`` within 5 s as a whole
process at 10,000 ancestors, on both shapes.

Usage: ``python bench/bench_cruxes.py [SIZE ...]`` (``KB_BENCH_SHAPES=tree`` for one shape).
"""

from __future__ import annotations

import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
for path in (str(HERE), str(REPO)):
    if path not in sys.path:
        sys.path.insert(0, path)

import synth  # noqa: E402
from synth_graph import tree_graph, write_kb  # noqa: E402

from kb.analysis import cruxes, graph, semantics  # noqa: E402

SIZES = (250, 1_000, 2_000, 10_000)
BUDGET = float(os.environ.get("KB_BENCH_BUDGET", "120"))
THESIS = "n000000"
BETWEEN_TARGET = 5.0
SHAPES = {"tree": ("ada", "bea"), "cycle-rich": ("person-0", "person-1")}


def cycle_rich_graph(n: int, seed: int = 0):
    """The graph of the knowledge base ``bench/synth.py`` writes, built in memory."""
    people, _, nodes = synth.build(n, seed)
    edges, stances = [], {}
    for node_id, data in nodes.items():
        for relation in ("supports", "attacks"):
            for e in data.get(relation, ()):
                edges.append((node_id, e["target"], relation, e["weight"]) if isinstance(e, dict)
                             else (node_id, e, relation))
        stances[node_id] = {p: (v["credence"] if isinstance(v, dict) else v)
                            for p, v in data.get("stances", {}).items()}
    G = graph.from_edges(edges, nodes=list(nodes), stances=stances,
                         speakers={k: d["speaker"] for k, d in nodes.items()})
    G.graph["people"] = {p["id"]: p for p in people}
    return G


def make(shape: str, n: int):
    if shape == "cycle-rich":
        return cycle_rich_graph(n)
    G = tree_graph(n, seed=0)
    # Titles and texts of realistic variety: "Synthetic claim 17" beside "Synthetic claim 18"
    # would have every loading command hunt near-duplicates, which is not what is measured.
    rng = random.Random(0)
    for node_id in G:
        G.nodes[node_id]["title"] = synth._sentence(rng, 5, 11).rstrip(".")[:100]
        G.nodes[node_id]["text"] = synth._text(rng, 200)
    return G


def _child(fn, queue) -> None:
    start = time.process_time()
    fn()
    queue.put(time.process_time() - start)


def cpu_time(fn, budget: float | None = None) -> float | None:
    """CPU seconds of fn in a forked child, or None when it outlasts the budget."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(fn, queue))
    proc.start()
    try:
        seconds = queue.get(timeout=budget)
    except Exception:  # queue.Empty: the budget ran out
        proc.kill()
        proc.join()
        return None
    proc.join()
    return seconds


def fmt(seconds: float | None, bound: float = BUDGET) -> str:
    return f"> {bound:.0f} s" if seconds is None else f"{seconds:.2f} s"


def whole_process(cmd: list[str], cwd: Path, repeats: int = 3) -> float | None:
    """Median wall time of the command, or None when one run outlasts the budget."""
    try:
        subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=BUDGET)  # warm-up: file cache, .pyc
    except subprocess.TimeoutExpired:
        return None
    return median_time([cmd] * repeats, cwd)


def median_time(cmds: list[list[str]], cwd: Path) -> float | None:
    """Median wall time of the commands, each run once, or None when one outlasts the budget."""
    runs = []
    for cmd in cmds:
        start = time.perf_counter()
        try:
            proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=BUDGET)
        except subprocess.TimeoutExpired:
            return None
        runs.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    return statistics.median(runs)


def bench_shape(shape: str, sizes: tuple[int, ...]) -> list[tuple[str, bool]]:
    a, b = SHAPES[shape]
    print(f"\n{shape} maps: in process, CPU seconds (stopped after {BUDGET:.0f} s of wall time)")
    print(f"  {'nodes':>7} {'ancestors':>9} {'largest cycle':>13}   {'cruxes new':>10} {'old':>9}   "
          f"{'--between new':>13} {'old':>9}")
    verdicts = []
    for n in sizes:
        G = make(shape, n)
        net = semantics.Network(G)
        largest = max((net.bounds[c + 1] - net.bounds[c] for c in range(net.n_components)), default=0)
        ancestors = len(graph.upstream(G, THESIS)) - 1
        tau = semantics.base_scores(G, a)
        tau_a, tau_b = semantics.base_scores(G, a), semantics.base_scores(G, b)
        times = {}
        for reference in (False, True):
            budget = BUDGET
            times["cruxes", reference] = cpu_time(
                lambda: cruxes.cruxes(G, THESIS, tau, top=10, reference=reference), budget)
            times["between", reference] = cpu_time(
                lambda: cruxes.double_cruxes(G, THESIS, tau_a, tau_b, top=10, reference=reference), budget)
        print(f"  {n:>7,} {ancestors:>9,} {largest:>13,}   {fmt(times['cruxes', False]):>10} "
              f"{fmt(times['cruxes', True]):>9}   {fmt(times['between', False]):>13} {fmt(times['between', True]):>9}",
              flush=True)
        if n == 10_000:
            verdicts += whole(shape, G, a, b)
    return verdicts


def whole(shape: str, G, a: str, b: str) -> list[tuple[str, bool]]:
    """Whole kb processes on the map written to files, its cache warm: a question asked for the first
    time (another --seed or --top each run: solved), and the same question again after one node file
    was saved with its data unchanged (read back from the cache)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "claims"
        if shape == "tree":
            write_kb(G, root)
        else:
            synth.generate(root, len(G))
        py = sys.executable
        base = [py, "-m", "kb", "--kb", str(root)]
        check = whole_process([*base, "check"], Path(tmp))
        single = median_time([[*base, "cruxes", THESIS, "--top", str(10 + k)] for k in range(3)], Path(tmp))
        between = median_time([[*base, "cruxes", THESIS, "--between", a, b, "--seed", str(k)] for k in range(3)],
                                Path(tmp))
        asked = [*base, "cruxes", THESIS, "--between", a, b, "--seed", "0"]
        node = next(root.rglob(f"{THESIS}.yaml"))
        node.write_text(node.read_text() + "\n# saved again, its data unchanged\n")
        kept = whole_process(asked, Path(tmp))
    print(f"  whole process at {len(G):,} nodes (wall, median of 3, cache warm): kb check {fmt(check)}; "
          f"a new question: kb cruxes {fmt(single)}, --between {a} {b} {fmt(between)}; "
          f"--between asked again after one file was re-saved: {fmt(kept)}", flush=True)
    return [(f"{shape}: kb cruxes {THESIS} --between A B at 10^4 ancestors, a new question, in {fmt(between)} "
             f"as a whole process (target {BETWEEN_TARGET:.0f} s)", between is not None and between <= BETWEEN_TARGET),
            (f"{shape}: the same question asked again, one file re-saved, in {fmt(kept)} "
             f"(target {BETWEEN_TARGET:.0f} s)", kept is not None and kept <= BETWEEN_TARGET)]


def main(argv: list[str] | None = None) -> None:
    sizes = tuple(int(x) for x in (argv if argv is not None else sys.argv[1:])) or SIZES
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    verdicts = []
    for shape in os.environ.get("KB_BENCH_SHAPES", ",".join(SHAPES)).split(","):
        verdicts += bench_shape(shape, sizes)
    print()
    for text, ok in verdicts:
        print(f"{'ok    ' if ok else 'MISSED'} {text}")


if __name__ == "__main__":
    main()
