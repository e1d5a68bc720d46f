"""Benchmark: building the published site, next to a bare MkDocs build of as many plain pages.

Targets (issue 6): the real knowledge base's site builds in under 15 s; a
synthetic knowledge base of 5,000 nodes builds within 2x of a bare
``mkdocs build`` of 5,000 plain pages (same theme, search and nav settings,
each page the node's title and text) timed in the same run; a claim page,
without the shared assets, weighs under 150 KB.

Issue 12 adds: the largest page's HTML (under 150 KB, the whole-map page
excepted), and, in Chromium when it is installed, the bytes each page type
makes the browser load (HTML, scripts, styles, vis-network where there is a
map; the search index, which Material fetches in the background, counted
apart) and the time to the first map draw on the whole-map page and a claim
page; for the "Where do you stand?" page, the bytes it loads (its scripts and
the compiled map included) and the time to the reader's first verdict, which
the browser computes itself; a source's reading page when the texts are there.

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
       "  - Where do you stand?: stand.md\n"
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
    for page in ("index.md", "theories/index.md", "cruxes.md", "claims/index.md", "map.md", "sources/index.md",
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


def largest_pages(site_dir: Path, n: int = 3) -> list[tuple[int, str]]:
    """The biggest HTML pages of a built site, by size, with their paths."""
    sizes = [(p.stat().st_size, str(p.relative_to(site_dir))) for p in site_dir.rglob("*.html")]
    return sorted(sizes, reverse=True)[:n]


PAGE_TYPES: dict[str, str | None] = {
    "home": "", "whole map": "map/", "claim (busiest)": "claims/interp-is-among-best-bets/",
    "scorecard": None, "cruxes": "cruxes/", "all claims": "claims/", "person": "people/segerie/", "source": None,
    "where do you stand?": "stand/", "source reader (largest)": None,
}
CHROMIUM = Path("/usr/bin/chromium")


def browser_figures(site_dir: Path) -> None:
    """Bytes loaded per page type and time to the first map draw, measured in Chromium over a local server."""
    if not CHROMIUM.exists():
        print("(Chromium not installed: bytes per page type and map draw times not measured)")
        return
    sys.path.insert(0, str(REPO / "tests"))
    from playwright.sync_api import sync_playwright
    from sitebuild import Server

    print(f"{'page type (bytes the browser loads)':<44}{'KB':>9}{'search KB':>11}{'map ms':>8}")
    verdict_ms = None
    with Server(site_dir) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        for name, path in PAGE_TYPES.items():
            if path is None:  # the biggest page of its folder: the scorecard or source with the most in it
                folder = "theories" if name == "scorecard" else "sources"
                pattern = "*/text/index.html" if name.startswith("source reader") else "*/index.html"
                pages = sorted((site_dir / folder).glob(pattern), key=lambda f: f.stat().st_size)
                if not pages:
                    continue
                path = str(pages[-1].parent.relative_to(site_dir)) + "/"
            if not (site_dir / path / "index.html").is_file():
                continue
            sizes: dict[str, int] = {}
            page = browser.new_page(viewport={"width": 1440, "height": 900})

            def count(response, sizes=sizes):
                try:
                    sizes[response.url] = len(response.body())
                except Exception:  # noqa: BLE001 - a response without a body (redirect, aborted) weighs nothing
                    pass

            page.on("response", count)
            page.goto(server.url + path, wait_until="load")
            drawn = ""
            if page.locator(".kb-map").count():
                page.wait_for_selector(".kb-map[data-kb-drawn]", state="attached", timeout=30_000)
                drawn = page.get_attribute(".kb-map", "data-kb-drawn-ms")
            if page.locator("#kb-stand").count():
                page.wait_for_selector("#kb-stand[data-kb-ready-ms]", state="attached", timeout=30_000)
                verdict_ms = page.get_attribute("#kb-stand", "data-kb-ready-ms")
            page.wait_for_load_state("networkidle")
            search = sum(v for u, v in sizes.items() if "search" in u)
            total = sum(sizes.values()) - search
            print(f"{name:<44}{total / 1024:>9.0f}{search / 1024:>11.0f}{drawn:>8}")
            page.close()
        browser.close()
    if verdict_ms is not None:
        print(f"{'stand page: first verdict (ms after load start)':<44}{verdict_ms:>9}")


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
            others = [(size, path) for size, path in largest_pages(Path(tmp) / "out", 5) if path != "map/index.html"]
            size, path = others[0]
            verdict = "ok" if size < PAGE_TARGET else "MISS"
            print(f"{f'largest page but the whole map (KB)':<44}{size / 1024:>9.1f}{f'<150 KB {verdict}':>14}  {path}")
            whole = Path(tmp) / "out" / "map" / "index.html"
            if whole.is_file():
                print(f"{'whole-map page (KB)':<44}{whole.stat().st_size / 1024:>9.1f}")
            browser_figures(Path(tmp) / "out")
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
