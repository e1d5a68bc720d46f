"""Benchmark: building the published site, next to a bare MkDocs build of as many plain pages.

Targets (issue 6): the real knowledge base's site builds in under 15 s; a
synthetic knowledge base of 5,000 nodes builds within 2x of a bare
``mkdocs build`` of 5,000 plain pages (same theme, search and nav settings,
each page the node's title and text) timed in the same run; a claim page,
without the shared assets, weighs under 150 KB.

Both builds run as whole ``mkdocs build`` processes, so start-up and imports
are counted on both sides of the ratio; each is repeated, interleaved with the
other, and the medians are compared.

Usage: ``python bench/bench_site.py [--nodes N] [--repeats R] [--skip-real]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from synth import build as synth_build  # noqa: E402
from synth import generate  # noqa: E402

REAL_TARGET = 15.0
RATIO_TARGET = 2.0
PAGE_TARGET = 150 * 1024
THEME = """theme:
  name: material
  font: false
  features: [navigation.instant, search.highlight, search.suggest]
"""


def mkdocs_build(config: Path, site_dir: Path | None = None, repeats: int = 1) -> float:
    """Median wall time of ``mkdocs build`` with this config, in a fresh process each time."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config)]
    if site_dir is not None:
        command += ["-d", str(site_dir)]
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        proc = subprocess.run(command, capture_output=True, text=True, env=env, cwd=config.parent)
        runs.append(time.perf_counter() - start)
        if proc.returncode:
            raise SystemExit(f"mkdocs build -f {config} failed:\n{proc.stderr[-4000:]}")
    return statistics.median(runs)


NAV = ("nav:\n  - Home: index.md\n  - Theories of impact: theories/index.md\n  - Cruxes: cruxes.md\n"
       "  - All claims: claims/index.md\n  - The whole map: map.md\n  - Sources: sources/index.md\n  - People: people/index.md\n"
       "not_in_nav: |\n  /claims/*\n  /theories/*\n  /sources/*\n  /people/*\n")


def plain_site(root: Path, n: int, seed: int = 0) -> Path:
    """n plain Markdown pages (the synthetic nodes' titles and texts) and a config like the kb site's.

    The theme, search and navigation are the same as the kb site's, so the
    ratio measures what the knowledge base's pages cost, not Material's nav.
    """
    _, _, nodes = synth_build(n, seed)
    docs = root / "docs"
    (docs / "claims").mkdir(parents=True)
    for page in ("index.md", "theories/index.md", "cruxes.md", "claims/index.md", "sources/index.md",
                 "people/index.md"):
        (docs / page).parent.mkdir(parents=True, exist_ok=True)
        (docs / page).write_text(f"# {page}\n\nA bare page.\n", encoding="utf-8")
    for node_id, data in nodes.items():
        (docs / "claims" / f"{node_id}.md").write_text(f"# {data['title']}\n\n{data['text']}\n", encoding="utf-8")
    config = root / "mkdocs.yml"
    config.write_text(f"site_name: bare\nsite_url: http://127.0.0.1:8000/\ndocs_dir: docs\nsite_dir: out\n{THEME}"
                      f"plugins: [search]\n{NAV}", encoding="utf-8")
    return config


def kb_site(root: Path, n: int, seed: int = 0) -> Path:
    """A synthetic knowledge base of n nodes and a config that publishes it with the kb plugin."""
    generate(root / "claims", n, seed)
    (root / "docs").mkdir()
    config = root / "mkdocs.yml"
    config.write_text(
        f"site_name: synthetic\nsite_url: http://127.0.0.1:8000/\ndocs_dir: docs\nsite_dir: out\n{THEME}"
        "plugins:\n  - search\n  - kb:\n      kb_dir: claims\n      perspectives: [neutral, person-0, person-1]\n"
        f"      pairs: [[person-0, person-1]]\n{NAV}",
        encoding="utf-8",
    )
    return config


def claim_page_sizes(site_dir: Path) -> list[int]:
    """Sizes of the claim pages' HTML (the shared scripts, styles and search index are not part of a page)."""
    return [p.stat().st_size for p in (site_dir / "claims").glob("*/index.html")]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nodes", type=int, default=5_000)
    parser.add_argument("--skip-real", action="store_true", help="do not build the real knowledge base's site")
    parser.add_argument("--repeats", type=int, default=3, help="builds of each synthetic site (the median counts)")
    args = parser.parse_args(argv)
    print(f"{'case':<44}{'seconds':>9}{'target':>14}")
    if not args.skip_real:
        with tempfile.TemporaryDirectory() as tmp:
            # The repository's own config, built into a scratch folder so that site-build/ is left alone.
            real = mkdocs_build(REPO / "mkdocs.yml", Path(tmp) / "out")
            sizes = claim_page_sizes(Path(tmp) / "out")
        verdict = "ok" if real < REAL_TARGET else "MISS"
        print(f"{'real knowledge base, full site':<44}{real:>9.2f}{f'<{REAL_TARGET:g} s {verdict}':>14}")
        largest = max(sizes) if sizes else 0
        verdict = "ok" if largest < PAGE_TARGET else "MISS"
        print(f"{'largest claim page (KB), without assets':<44}{largest / 1024:>9.1f}{f'<150 KB {verdict}':>14}")
        print(f"{'median claim page (KB)':<44}{statistics.median(sizes) / 1024 if sizes else 0:>9.1f}")
    n = args.nodes
    with tempfile.TemporaryDirectory() as tmp:
        bare_config, kb_config = plain_site(Path(tmp) / "bare", n), kb_site(Path(tmp) / "kb", n)
        # Interleaved and repeated, so that a busy moment on a shared machine weighs on both sides.
        bare_runs, kb_runs = [], []
        for _ in range(args.repeats):
            bare_runs.append(mkdocs_build(bare_config))
            kb_runs.append(mkdocs_build(kb_config))
        bare, full = statistics.median(bare_runs), statistics.median(kb_runs)
        sizes = claim_page_sizes(Path(tmp) / "kb" / "out")
    ratio = full / bare
    verdict = "ok" if ratio <= RATIO_TARGET else "MISS"
    print(f"{f'bare mkdocs build, {n:,} plain pages':<44}{bare:>9.2f}")
    print(f"{f'kb site, {n:,} synthetic nodes':<44}{full:>9.2f}")
    print(f"{'ratio kb site / bare build':<44}{ratio:>9.2f}{f'<={RATIO_TARGET:g}x {verdict}':>14}")
    if sizes:
        print(f"{'largest synthetic claim page (KB)':<44}{max(sizes) / 1024:>9.1f}")


if __name__ == "__main__":
    main()
