"""The site as MkDocs builds it: strict builds, offline pages, working links, page sizes, `kb site`, `mkdocs serve`."""

from __future__ import annotations

import html
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import markdown
import pytest
import yaml
from click.testing import CliRunner

from conftest import BASE, FIXTURES
from kb.publishing import pages, site
from kb.data import store
from kb.cli import cli
from kb.publishing.mkdocs_plugin import KBPlugin
from sitebuild import REPO, build_fixture, build_real
from sitebuild import mkdocs as sitebuild_mkdocs

PAGE_LIMIT = 150 * 1024
ATTR = re.compile(r'\b(?:href|src)="([^"]*)"')
MAP_DATA = re.compile(r'<script type="application/json" class="kb-map__data">(.*?)</script>', re.S)


@pytest.fixture(scope="module")
def real_site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("real") / "site"
    proc = build_real(out)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "WARNING" not in proc.stderr, proc.stderr
    return out


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("fixture")
    proc = build_fixture(root, BASE, perspectives="[neutral, alice, bob]", pairs="[[alice, bob]]")
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "WARNING" not in proc.stderr, proc.stderr
    return root / "out"


def html_files(out: Path):
    return sorted(out.rglob("*.html"))


@pytest.mark.slow
def test_real_knowledge_base_builds_strictly(real_site):
    kb, _ = store.load(REPO / "claims")
    for node_id in kb.nodes:
        assert (real_site / "claims" / node_id / "index.html").is_file()
    assert (real_site / "assets" / "kb" / "vis-network.min.js").is_file()
    assert (real_site / "search" / "search_index.json").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("which", ["real", "fixture"])
def test_every_link_and_asset_is_local_and_exists(which, real_site, fixture_site):
    out = real_site if which == "real" else fixture_site
    for page in html_files(out):
        text = page.read_text(encoding="utf-8")
        head_and_scripts = re.findall(r'<(?:script|link|img|iframe)\b[^>]*>', text)
        for tag in head_and_scripts:
            if re.search(r'rel="(canonical|alternate)"', tag):
                continue  # names the page's address; a browser fetches nothing from it
            for url in ATTR.findall(tag):
                assert not urlsplit(html.unescape(url)).netloc, f"{page}: loads {url} from another host"
        for url in ATTR.findall(text):
            url = html.unescape(url)
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or url.startswith(("#", "mailto:")):
                continue
            base = out if parts.path.startswith("/") else page.parent  # 404.html links from the root
            target = (base / parts.path.lstrip("/")).resolve()
            if target.is_dir():
                target = target / "index.html"
            assert target.exists(), f"{page.relative_to(out)}: broken link {url}"
        for block in MAP_DATA.findall(text):
            import json

            data = json.loads(block)
            for node in data["nodes"]:
                url = data["base"] + data["page"].replace("{id}", node["id"])
                target = (page.parent / url).resolve() / "index.html"
                assert target.exists(), f"{page.relative_to(out)}: map links to missing {url}"
    for css in out.rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", text), f"{css} loads from another host"


@pytest.mark.slow
def test_claim_pages_stay_small(real_site):
    sizes = {p.parent.name: p.stat().st_size for p in (real_site / "claims").glob("*/index.html")}
    largest = max(sizes, key=sizes.get)
    assert sizes[largest] < PAGE_LIMIT, f"{largest}: {sizes[largest]} bytes"


def test_config_keeps_the_site_small_and_offline():
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["theme"]["font"] is False
    assert config["docs_dir"] == "site" and config["site_dir"] == "site-build"
    assert "claims" in config["watch"]
    assert len(config["nav"]) <= 10
    assert "/claims/*" in config["not_in_nav"]
    kb_plugin = next(p["kb"] for p in config["plugins"] if isinstance(p, dict) and "kb" in p)
    assert kb_plugin["kb_dir"] == "claims" and "neutral" in kb_plugin["perspectives"]


def test_plugin_shortcut_gives_what_markdown_gives():
    """The plugin sets generated HTML blocks aside from Markdown: the page must come out the same."""
    kb, _ = store.load(BASE)
    generated = pages.generate(kb, ["neutral", "alice"])
    plugin = KBPlugin()
    plugin._generated = set(generated)
    for path, text in generated.items():
        page = SimpleNamespace(file=SimpleNamespace(src_uri=path))
        direct = markdown.markdown(text, extensions=["tables", "attr_list", "toc"])
        shortened = plugin.on_page_markdown(text, page=page, config=None, files=None)
        content = plugin.on_page_content(markdown.markdown(shortened, extensions=["tables", "attr_list", "toc"]),
                                         page=page, config=None, files=None)
        assert plugin.on_post_page(content, page=page, config=None) == direct, path


def test_plugin_refuses_a_broken_knowledge_base(tmp_path):
    from conftest import assemble

    root = assemble(tmp_path, "unknown-target")
    proc = build_fixture(tmp_path / "site", root)
    assert proc.returncode != 0
    assert "unknown-target" in proc.stderr and "run `kb check`" in proc.stderr


def test_kb_site_writes_the_pages_the_plugin_publishes(tmp_path):
    out = tmp_path / "pages"
    result = CliRunner().invoke(cli, ["--kb", str(BASE), "site", str(out), "--config", str(tmp_path / "none.yml"),
                                      "--perspective", "neutral", "--perspective", "alice"])
    assert result.exit_code == 0, result.output
    kb, _ = store.load(BASE)
    expected = pages.generate(kb, ["neutral", "alice"])
    written = {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8") for p in out.rglob("*.md")}
    assert written == expected
    # The scripts and styles, and the data the perspective switcher and the stand page compute with.
    data = pages.render_data(kb, site.analyse(kb, ["neutral", "alice"]))
    assert sorted(p.name for p in (out / site.ASSETS_DIR).iterdir()) == sorted(
        [*site.asset_files(), *(path.rsplit("/", 1)[1] for path in data)])
    for path, text in data.items():
        assert (out / path).read_text(encoding="utf-8") == text


def test_kb_site_reads_the_plugin_settings_from_mkdocs_yml(tmp_path):
    settings = site.plugin_settings(REPO / "mkdocs.yml")
    assert settings["docs_dir"] == "site" and settings["intro"] == "_intro.md"
    assert site.plugin_settings(tmp_path / "missing.yml") == {}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode("utf-8")


@pytest.mark.slow
def test_serve_rebuilds_when_a_claim_file_changes(tmp_path):
    kb_dir = tmp_path / "claims"
    shutil.copytree(BASE, kb_dir)
    root = tmp_path / "site"
    build_fixture(root, kb_dir)  # writes the config
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + f"watch:\n  - {kb_dir}\n", encoding="utf-8")
    port = _free_port()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "-f", str(config), "--dev-addr",
                               f"127.0.0.1:{port}"], cwd=root, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/claims/audits/"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                assert "Audits need interpretability" in _fetch(url)
                break
            except (OSError, AssertionError):
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.5)
        node = kb_dir / "audits.yaml"
        node.write_text(node.read_text(encoding="utf-8").replace("Audits need interpretability",
                                                                 "Audits need interpretability, edited"))
        deadline = time.monotonic() + 60
        while "Audits need interpretability, edited" not in _fetch(url):
            assert time.monotonic() < deadline, "the served site did not rebuild"
            time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.slow
def test_no_page_names_a_local_address(real_site):
    """Without a configured site_url, no canonical link or sitemap entry may point at a development server."""
    for page in html_files(real_site):
        assert not re.search(r'rel="canonical"[^>]*127\.0\.0\.1|127\.0\.0\.1[^>]*rel="canonical"',
                             page.read_text(encoding="utf-8")), page
    sitemap = real_site / "sitemap.xml"
    assert not sitemap.exists() or "127.0.0.1" not in sitemap.read_text(encoding="utf-8")
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    assert "127.0.0.1" not in str(config.get("site_url") or "")


@pytest.mark.slow
def test_vis_network_is_not_loaded_by_pages_without_a_map(real_site):
    for name in ("claims/index.html", "cruxes/index.html", "people/index.html"):
        text = (real_site / name).read_text(encoding="utf-8")
        assert "vis-network" not in text and 'class="kb-map"' not in text, name
    assert "vis-network" not in (real_site / "map" / "index.html").read_text(encoding="utf-8").split("<body")[0]


def test_missing_source_texts_are_reported_once(tmp_path):
    root = tmp_path / "site"
    proc = build_fixture(root, BASE)
    assert "source texts" not in proc.stderr  # no sources_dir configured: nothing to report
    config = root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "  - kb:\n", "  - kb:\n      sources_dir: no-such-folder\n"), encoding="utf-8")
    proc = sitebuild_mkdocs(["build", "--strict", "-f", str(config)], root)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stderr.count("source texts not found") == 1 and "doc1" in proc.stderr
    page = (root / "out" / "sources" / "doc1" / "index.html").read_text(encoding="utf-8")
    assert "in the order the document makes them" not in page
