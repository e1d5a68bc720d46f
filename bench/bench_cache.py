"""Benchmark: every query command as a whole process, cold (no cache) and warm (cache present, one file changed).

For the real map and synthetic maps (bench/synth.py, written once into
$KB_BENCH_DIR, default /tmp/kb-bench, and reused), each command runs cold
(``kb cache clear`` first), same (again, nothing changed: the digest is read
back after one ``lstat`` per file), warm (then one node file saved again with a
comment added: its data unchanged, so every cached analysis still holds, but
every file's cached state is compared and that one parsed) and edited (then
one node's title changed: the file is parsed and validated again, the graph
mended where the change reaches, and every whole-map answer computed again). kb's modules are compiled to bytecode first,
as an installed package's are. Each wall time is printed beside two floors measured in the same run:
``python -c pass`` and reading and YAML-parsing every file with the same C
loader kb uses. Peak memory (ru_maxrss of the command) is printed for every
row. A command that takes longer than --timeout is shown as such instead of
holding up the rest.

Targets (issue 15), warm: show, search, list, stats ≤ 0.5 s at 10,000 nodes
and ≤ 1.5 s at 100,000; list at 10,000 ≤ 1 s; each judged on the warm column
and on the edited one (a real change). Check with one changed file ≤ 1 s at
10,000, judged on the edited column. Cold check ≤ 1.5× the parse floor.

Usage: ``python bench/bench_cache.py [--sizes real,10000,100000] [--repeats N] [--timeout S] [--commands show,list]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from synth import generate  # noqa: E402

KB = [sys.executable, "-m", "kb"]
PARSE_FLOOR = """
import os, sys, yaml
loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
for folder, _, files in os.walk(sys.argv[1]):
    for name in files:
        if name.endswith(".yaml"):
            with open(os.path.join(folder, name), "rb") as handle:
                yaml.load(handle.read(), Loader=loader)
"""
# Runs a command and prints its wall time and peak memory (KiB), so each is measured alone.
MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                      timeout=float(sys.argv[1])).returncode
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)
"""
TARGETS = {  # (command, size, state) -> seconds
    ("show", 10_000, "warm"): 0.5, ("search", 10_000, "warm"): 0.5, ("list", 10_000, "warm"): 0.5,
    ("stats", 10_000, "warm"): 0.5,
    # "check with one changed file": judged on a real change (edited), not only a file saved again
    ("check", 10_000, "edited"): 1.0,
    ("show", 100_000, "warm"): 1.5, ("search", 100_000, "warm"): 1.5, ("list", 100_000, "warm"): 1.5,
    ("stats", 100_000, "warm"): 1.5,
}
# The queries' targets judged on a real change too: the graph is then mended where the edit reaches
# (kb.data.patch), and every answer about the whole map computed again.
TARGETS.update({(label, n, "edited"): seconds for (label, n, state), seconds in list(TARGETS.items())
                if state == "warm" and label != "check"})


def commands(thesis: str, word: str) -> dict[str, list[str]]:
    return {
        "check": ["check"],
        "show": ["show", thesis],
        "search": ["search", word],
        "list": ["list"],
        "stats": ["stats"],
        "cruxes": ["cruxes", thesis],
        "export json": ["export", "--format", "json"],
    }


def measure(cmd: list[str], cwd: Path, timeout: float) -> tuple[float | None, int]:
    try:
        out = subprocess.run([sys.executable, "-c", MEASURE, str(timeout), *cmd], cwd=cwd, capture_output=True,
                             text=True, timeout=timeout + 30)
        wall, rss, _ = out.stdout.split()
        return float(wall), int(rss)
    except (subprocess.TimeoutExpired, ValueError):
        return None, 0


def touch_one(root: Path, turn: int) -> None:
    """Edit one node file (its size changes), as an author between two commands would."""
    path = next(p for p in sorted(root.rglob("*.yaml")) if p.name not in ("people.yaml", "sources.yaml"))
    text = path.read_text(encoding="utf-8").split("# bench edit")[0].rstrip("\n") + "\n"
    path.write_text(text + "# bench edit" + "." * (turn % 3) + "\n", encoding="utf-8")


def edit_one(root: Path) -> None:
    """Change one node's title (same length, another last letter), as an author fixing a word would."""
    path = next(p for p in sorted(root.rglob("*.yaml")) if p.name not in ("people.yaml", "sources.yaml"))
    lines = path.read_text(encoding="utf-8").split("\n")
    for i, line in enumerate(lines):
        if line.startswith("title: ") and len(line) > len("title: ") + 2:
            quoted = line.endswith('"')
            body = line[:-1] if quoted else line
            lines[i] = body[:-1] + ("x" if body[-1] != "x" else "y") + ('"' if quoted else "")
            break
    path.write_text("\n".join(lines), encoding="utf-8")


def maps(sizes: list[str], folder: Path) -> list[tuple[str, Path, str, str, int]]:
    out = []
    for size in sizes:
        if size == "real":
            root = folder / "real" / "claims"
            if root.exists():
                shutil.rmtree(root)
            shutil.copytree(REPO / "claims", root, ignore=shutil.ignore_patterns(".kb-cache*", ".kb.lock"))
            out.append(("real map", root, "interp-is-among-best-bets", "probe", 0))
        else:
            n = int(size)
            root = folder / f"synth-{n}" / "claims"
            if not (root / "people.yaml").exists():
                print(f"writing {n:,} synthetic nodes into {root} (once) …", flush=True)
                generate(root, n)
            out.append((f"synthetic {n:,}", root, "n000000", "interpretability", n))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="real,10000,100000")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--commands", default=None, help="comma-separated subset, e.g. show,list")
    args = parser.parse_args()
    folder = Path(os.environ.get("KB_BENCH_DIR", "/tmp/kb-bench"))
    folder.mkdir(parents=True, exist_ok=True)
    # An installed package has its bytecode compiled; an editable checkout run with
    # PYTHONDONTWRITEBYTECODE would compile kb's modules again in every process timed.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "kb")], capture_output=True)
    for name, root, thesis, word, n in maps(args.sizes.split(","), folder):
        cwd = root.parent
        python = statistics.median(measure([sys.executable, "-c", "pass"], cwd, 60)[0] for _ in range(3))
        subprocess.run([sys.executable, "-c", PARSE_FLOOR, str(root)], cwd=cwd)  # warm the file cache
        floor = measure([sys.executable, "-c", PARSE_FLOOR, str(root)], cwd, args.timeout)[0] or float("nan")
        print(f"\n== {name} ({root}) ==")
        print(f"python -c pass {python:.3f} s; YAML-parse floor {floor:.3f} s")
        print(f"{'command':<14}{'cold s':>9}{'same s':>9}{'warm s':>9}{'edited s':>10}{'cold/floor':>11}"
              f"{'warm/floor':>11}{'peak MiB':>10}  target (warm)")
        for label, argv in commands(thesis, word).items():
            if args.commands and label not in args.commands.split(","):
                continue
            colds, sames, warms, edits, peak = [], [], [], [], 0
            for turn in range(args.repeats):
                subprocess.run([*KB, "--kb", str(root), "cache", "clear"], cwd=cwd, capture_output=True)
                wall, rss = measure([*KB, "--kb", str(root), *argv], cwd, args.timeout)
                colds.append(wall)
                peak = max(peak, rss)
                wall, rss = measure([*KB, "--kb", str(root), *argv], cwd, args.timeout)
                sames.append(wall)
                peak = max(peak, rss)
                touch_one(root, turn)
                wall, rss = measure([*KB, "--kb", str(root), *argv], cwd, args.timeout)
                warms.append(wall)
                peak = max(peak, rss)
                edit_one(root)
                wall, rss = measure([*KB, "--kb", str(root), *argv], cwd, args.timeout)
                edits.append(wall)
                peak = max(peak, rss)
            cold = None if None in colds else statistics.median(colds)
            same = None if None in sames else statistics.median(sames)
            warm = None if None in warms else statistics.median(warms)
            edited = None if None in edits else statistics.median(edits)
            target = TARGETS.get((label, n, "warm"))
            if label == "check":
                verdict = "" if cold is None else f"cold ≤ 1.5× floor: {'met' if cold <= 1.5 * floor else 'MISSED'}"
            else:
                verdict = ""
            if target is not None and warm is not None:
                verdict += f"{'; ' if verdict else ''}warm ≤ {target:g} s: {'met' if warm <= target else 'MISSED'}"
            target = TARGETS.get((label, n, "edited"))
            if target is not None and edited is not None:
                verdict += f"{'; ' if verdict else ''}edited ≤ {target:g} s: {'met' if edited <= target else 'MISSED'}"

            def show(value: float | None) -> str:
                return f"{value:>9.2f}" if value is not None else f"{'timeout':>9}"

            def ratio(value: float | None) -> str:
                return f"{value / floor:>10.1f}×" if value is not None else f"{'-':>11}"

            print(f"{label:<14}{show(cold)}{show(same)}{show(warm)} {show(edited)}{ratio(cold)}{ratio(warm)}"
                  f"{peak / 1024:>10.0f}  "
                  f"{verdict}", flush=True)


if __name__ == "__main__":
    main()
