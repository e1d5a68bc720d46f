"""Benchmark: strengths, grounded labels and cruxes, next to formal-argumentation doing the same.

Targets (issue 4), on debate-shaped graphs from ``bench/synth_graph.py`` (trees
with about 5% cross edges and three dense 12-node circular components):

* all strengths of 10^5 nodes within 1 s (graph compilation included);
* ``kb cruxes`` for a target with 10^4 ancestors within 3 s as a whole process.

formal-argumentation is timed on the same graphs in the same run. Its quadratic
energy model has no edge weights and its DF-QuAD weights supports only, so both
libraries get a copy of each graph with those weights set to 1 (``kb`` is timed
on that copy too, and the largest difference between the two results is
printed). Each formal-argumentation computation runs in a child process stopped
after ``KB_BENCH_BUDGET`` seconds (default 30); a stopped run is printed as a
lower bound. Its crux ranking is the obvious one (two whole-graph solves per
candidate), timed on one candidate and multiplied out, and labelled an estimate.

Usage: ``python bench/bench_semantics.py`` (or ``make bench``).
"""

from __future__ import annotations

import multiprocessing
import os
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

from argumentation.gradual.dfquad import dfquad_strengths  # noqa: E402
from argumentation.gradual.gradual import (  # noqa: E402
    WeightedBipolarGraph,
    quadratic_energy_strengths,
    quadratic_energy_strengths_discrete,
)
from synth_graph import tree_graph, write_kb  # noqa: E402

from kb.analysis import cruxes, semantics  # noqa: E402

SIZES = (1_000, 10_000, 100_000)
BUDGET = float(os.environ.get("KB_BENCH_BUDGET", "30"))
STRENGTH_TARGET = 1.0
CRUX_TARGET = 3.0
THESIS = "n000000"


def median_time(fn, repeats: int = 3) -> tuple[float, object]:
    runs, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), result


def _child(fn, queue) -> None:
    start = time.perf_counter()
    result = fn()
    queue.put((time.perf_counter() - start, result))


def budgeted(fn) -> tuple[float | None, object]:
    """Run fn in a forked child; (seconds, result), or (None, None) when it outlasts the budget."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(fn, queue))
    proc.start()
    try:
        seconds, result = queue.get(timeout=BUDGET)
    except Exception:  # queue.Empty: the budget ran out
        proc.kill()
        proc.join()
        return None, None
    proc.join()
    return seconds, result


def comparable(G, relations: tuple[str, ...]):
    """A copy of G with the weights of the given relations set to 1."""
    H = G.copy()
    for _, _, data in H.edges(data=True):
        if data["relation"] in relations:
            data["weight"] = 1.0
    return H


def formal(G, tau) -> WeightedBipolarGraph:
    return WeightedBipolarGraph(
        arguments=frozenset(G.nodes),
        initial_weights=dict(tau),
        attacks=frozenset((u, v) for u, v, r in G.edges(data="relation") if r == "attacks"),
        supports=frozenset((u, v) for u, v, r in G.edges(data="relation") if r == "supports"),
    )


def pinned(G, x: str):
    H = G.copy()
    H.remove_edges_from(list(H.in_edges(x)))
    return H


def fmt_time(seconds: float | None, bound: float = BUDGET) -> str:
    if seconds is None:
        return f"> {bound:.0f} s"
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def row(label: str, ours: float, theirs: float | None = None, their_label: str = "", note: str = "",
        scale: int = 1) -> None:
    """One line; ``theirs`` is None when formal-argumentation outlasted the budget (``scale`` times over)."""
    their = ""
    if their_label:
        bound = BUDGET * scale
        ratio = f"> {bound / ours:.0f}x (stopped)" if theirs is None else f"{theirs / ours:.1f}x"
        their = f"{fmt_time(theirs, bound):>10}  {ratio:>18}  {their_label}"
    print(f"  {label:<34}{fmt_time(ours):>10}  {their}{note}", flush=True)


def max_diff(ours: dict, theirs: dict) -> float:
    return max(abs(ours[k] - theirs[k]) for k in ours)


def bench_strengths() -> list[tuple[str, bool]]:
    verdicts = []
    print(f"Strengths (median of 3; formal-argumentation in a child process, budget {BUDGET:.0f} s)")
    print(f"  {'':<34}{'kb':>10}  {'formal-arg.':>10}  {'ratio (them/us)':>18}")
    for n in SIZES:
        G = tree_graph(n, seed=0)
        print(f" {n:,} nodes, {G.number_of_edges():,} edges", flush=True)
        qe_time, qe = median_time(lambda: semantics.strengths(G))
        row("qe, weighted (the target)", qe_time, note=f"  converged={qe.converged}, {qe.iterations} iterations")
        if n == 100_000:
            verdicts.append((f"all strengths of 10^5 nodes in {qe_time:.2f} s (target {STRENGTH_TARGET:.0f} s)",
                             qe_time <= STRENGTH_TARGET))
        df_time, _ = median_time(lambda: semantics.strengths(G, method="dfquad"))
        row("dfquad, weighted", df_time)
        gr_time, _ = median_time(lambda: semantics.grounded(G))
        row("grounded labels (cayrol)", gr_time)

        tau = {x: 0.5 for x in G}
        U = comparable(G, ("supports", "attacks"))
        u_time, u = median_time(lambda: semantics.strengths(U))
        theirs_time, theirs = budgeted(lambda: quadratic_energy_strengths(formal(U, tau)).strengths)
        row("qe, unit weights", u_time, theirs_time, "continuous (their default)",
            f"  max diff {max_diff(u.values, theirs):.1e}" if theirs else "")
        theirs_time, theirs = budgeted(lambda: quadratic_energy_strengths_discrete(formal(U, tau)).strengths)
        row("qe, unit weights", u_time, theirs_time, "discrete",
            f"  max diff {max_diff(u.values, theirs):.1e}" if theirs else "")
        A = comparable(G, ("attacks",))
        a_time, a = median_time(lambda: semantics.strengths(A, method="dfquad"))
        weights = {(x, y): w for x, y, w in A.edges(data="weight") if A.edges[x, y]["relation"] == "supports"}
        theirs_time, theirs = budgeted(
            lambda: dfquad_strengths(formal(A, tau), base_scores=tau, support_weights=weights).strengths)
        row("dfquad, unit attack weights", a_time, theirs_time, "dfquad",
            f"  max diff {max_diff(a.values, theirs):.1e}" if theirs else "")
    return verdicts


def timed_process(cmd: list[str], cwd: Path, repeats: int = 3) -> float:
    subprocess.run(cmd, cwd=cwd, capture_output=True)  # warm-up: file cache, .pyc
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
        runs.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    return statistics.median(runs)


def bench_cruxes() -> list[tuple[str, bool]]:
    n = 10_000
    G = tree_graph(n, seed=0)
    print(f"\nCruxes of {THESIS}, which has {n - 1:,} ancestors (median of 3)", flush=True)
    in_process, rep = median_time(lambda: cruxes.cruxes(G, THESIS, semantics.base_scores(G), top=10))
    row("in process, qe (compile included)", in_process)
    df_time, _ = median_time(lambda: cruxes.cruxes(G, THESIS, semantics.base_scores(G), method="dfquad", top=10))
    row("in process, dfquad", df_time)

    U = comparable(G, ("supports", "attacks"))
    tau = {x: 0.5 for x in U}
    ours_unit, _ = median_time(lambda: cruxes.cruxes(U, THESIS, tau, top=10))
    candidate = rep.cruxes[0].id

    def naive_one(solver):
        return lambda: [solver(formal(pinned(U, candidate), {**tau, candidate: v})) for v in (1.0, 0.0)]

    for label, solver in (("continuous", quadratic_energy_strengths), ("discrete", quadratic_energy_strengths_discrete)):
        one, _ = budgeted(naive_one(solver))
        estimate = None if one is None else one * (n - 1)
        row("in process, qe, unit weights", ours_unit, estimate, f"{label}: 2 solves x {n - 1:,} (estimate)",
            scale=n - 1)

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "claims"
        write_kb(G, root)
        py = sys.executable
        floor = timed_process([py, "-c", "import kb.cli"], Path(tmp))
        check = timed_process([py, "-m", "kb", "--kb", str(root), "check"], Path(tmp))
        whole = timed_process([py, "-m", "kb", "--kb", str(root), "cruxes", THESIS], Path(tmp))
    print(f"  {'whole process: import kb.cli':<34}{fmt_time(floor):>10}")
    print(f"  {'whole process: kb check':<34}{fmt_time(check):>10}   (loading and checking {n:,} files)")
    print(f"  {'whole process: kb cruxes':<34}{fmt_time(whole):>10}   ({whole / check:.2f}x kb check)")
    return [(f"kb cruxes with 10^4 ancestors in {whole:.2f} s as a whole process (target {CRUX_TARGET:.0f} s)",
             whole <= CRUX_TARGET)]


def main() -> None:
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    verdicts = bench_strengths() + bench_cruxes()
    print()
    for text, ok in verdicts:
        print(f"{'ok    ' if ok else 'MISSED'} {text}")


if __name__ == "__main__":
    main()
