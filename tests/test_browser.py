"""The published site in a real browser: Debian's Chromium, driven by Playwright.

The real knowledge base's site and a fixture site full of hostile text are
built, served on 127.0.0.1 and opened as a reader would. Every test fails on a
console error, on a page error, or on a request to any host but 127.0.0.1
(such requests are also refused, so a forgotten CDN cannot hang a test on a
closed network). Screenshots of the home page and of a claim page are saved in
``test-artifacts/``.

Chromium must be at /usr/bin/chromium (``apt-get install chromium``; ``make
test`` installs it when run as root). Without it these tests fail, unless
KB_SKIP_BROWSER=1 says to skip them.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from kb import maps, pages, store
from kb import graph as kbgraph
from sitebuild import FIXTURES, REPO, Server, build_fixture, build_real

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"
# The machine's network is closed: Chromium's own background traffic would only produce noise and waits.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps",
    "--disable-extensions", "--metrics-recording-only", "--no-default-browser-check",
]
TIMEOUT = 20_000


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        if os.environ.get("KB_SKIP_BROWSER") == "1":
            pytest.skip("KB_SKIP_BROWSER=1 and /usr/bin/chromium is missing")
        pytest.fail("/usr/bin/chromium is missing: `apt-get install chromium` (make test does it as root), "
                    "or set KB_SKIP_BROWSER=1 to skip the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def real_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("real") / "site"
    proc = build_real(out)
    assert proc.returncode == 0, proc.stderr[-4000:]
    with Server(out) as server:
        yield server


@pytest.fixture(scope="session")
def real_kb():
    kb, problems = store.load(REPO / "claims")
    return kb


@pytest.fixture(scope="session")
def xss_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("xss")
    proc = build_fixture(root, FIXTURES / "xss" / "claims", perspectives="[neutral, mallory]",
                         pairs="[[mallory, alice]]")
    assert proc.returncode == 0, proc.stderr[-4000:]
    with Server(root / "out") as server:
        yield server


class Reader:
    """A browser page that records what must never happen: errors, dialogs, requests leaving the machine."""

    def __init__(self, browser):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.set_default_timeout(TIMEOUT)
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.outside: list[str] = []
        self.context.route("**/*", self._route)
        self.context.on("request", self._request)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("dialog", self._dialog)

    def _local(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("data", "blob", "about") or parts.hostname == "127.0.0.1"

    def _route(self, route):
        if self._local(route.request.url):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def _request(self, request):
        if not self._local(request.url):
            self.outside.append(request.url)

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, url: str) -> None:
        self.page.goto(url, wait_until="load")

    def wait_for_map(self, selector: str = ".kb-map") -> int:
        """Wait until the map's canvas has been drawn; return the number of nodes it drew."""
        self.page.wait_for_selector(f"{selector}[data-kb-drawn]", state="attached")
        return int(self.page.get_attribute(f"{selector}[data-kb-drawn]", "data-kb-drawn"))

    def canvas_ink(self, selector: str = ".kb-map") -> int:
        """How many sampled pixels of the map's canvas are not blank: proof that something was painted."""
        return self.page.evaluate(
            """(sel) => {
                const canvas = document.querySelector(sel + ' canvas');
                const ctx = canvas.getContext('2d');
                const {width, height} = canvas;
                const data = ctx.getImageData(0, 0, width, height).data;
                let ink = 0;
                for (let i = 0; i < data.length; i += 4 * 97) {
                    if (data[i + 3] > 0 && (data[i] < 240 || data[i + 1] < 240 || data[i + 2] < 240)) ink++;
                }
                return ink;
            }""",
            selector,
        )

    def node_point(self, node_id: str, selector: str = ".kb-map") -> tuple[float, float]:
        """Where a node of the map is drawn, in viewport coordinates, with the map scrolled into view."""
        self.page.locator(f"{selector} canvas").scroll_into_view_if_needed()
        return tuple(self.page.evaluate(
            """([sel, id]) => {
                const box = document.querySelector(sel);
                const net = box.kbNetwork;
                const p = net.canvasToDOM(net.getPosition(id));
                const r = box.querySelector('canvas').getBoundingClientRect();
                return [r.left + p.x, r.top + p.y];
            }""",
            [selector, node_id],
        ))

    def search(self, query: str) -> None:
        """Type a query into Material's search once its index has loaded (a query typed earlier can be lost)."""
        self.page.click("input.md-search__input")
        self.page.wait_for_function(
            "() => { const m = document.querySelector('.md-search-result__meta');"
            " return m && m.textContent.trim() !== '' && !/initializ/i.test(m.textContent); }")
        self.page.fill("input.md-search__input", "")
        self.page.locator("input.md-search__input").press_sequentially(query)  # Material reads key events

    def h1(self) -> str:
        """The page's heading as a reader sees it, without Material's permalink sign."""
        return self.page.evaluate(
            """() => { const h = document.querySelector('article h1').cloneNode(true);
                       h.querySelectorAll('.headerlink').forEach(a => a.remove());
                       return h.textContent.trim(); }""")

    def assert_clean(self) -> None:
        assert self.errors == [], self.errors
        assert self.outside == [], f"requests left the machine: {self.outside}"
        assert self.dialogs == [], f"a dialog fired: {self.dialogs}"

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def reader(chromium):
    r = Reader(chromium)
    yield r
    r.close()


def _map_data(reader: Reader, selector: str = ".kb-map") -> dict:
    return json.loads(reader.page.text_content(f"{selector} script.kb-map__data"))


def _busiest_node(kb) -> str:
    G = kbgraph.build(kb)
    return max(sorted(G.nodes), key=lambda n: (G.degree(n), n))


def test_home_page_draws_the_whole_map(reader, real_site, real_kb):
    reader.open(real_site.url)
    drawn = reader.wait_for_map()
    assert drawn == len(real_kb.nodes)
    # Positions come with the page and physics is off: the whole map is drawn within a couple of seconds.
    assert int(reader.page.get_attribute(".kb-map", "data-kb-drawn-ms")) < 3000
    assert reader.page.evaluate("document.querySelector('.kb-map').kbNetwork.body.nodeIndices.length") == drawn
    assert reader.canvas_ink() > 50
    assert reader.page.locator(".kb-map__legend li").count() >= 3
    ARTIFACTS.mkdir(exist_ok=True)
    reader.page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=False)
    reader.assert_clean()


def test_claim_page_map_and_click_through(reader, real_site, real_kb):
    focus = _busiest_node(real_kb)
    atlas = maps.Atlas(kbgraph.build(real_kb))
    expected, _ = atlas.neighbourhood(focus)
    reader.open(f"{real_site.url}claims/{focus}/")
    assert reader.h1() == real_kb.nodes[focus].title
    assert reader.wait_for_map() == len(expected)
    assert reader.canvas_ink() > 50
    reader.page.locator(".kb-map").scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    reader.page.screenshot(path=str(ARTIFACTS / "claim.png"), full_page=True)

    # Click a neighbour on the canvas: its page opens (through Material's instant navigation) and draws its own map.
    data = _map_data(reader)
    target = next(n["id"] for n in data["nodes"][1:] if n["id"] != focus)
    x, y = reader.node_point(target)
    reader.page.mouse.move(x, y)
    reader.page.mouse.click(x, y)
    reader.page.wait_for_url(re.compile(rf"/claims/{re.escape(target)}/$"))
    reader.page.wait_for_function("(t) => { const h = document.querySelector('article h1');"
                                  " return h && h.textContent.replace('\u00b6', '').trim() === t; }",
                                  arg=real_kb.nodes[target].title)
    reader.wait_for_map()
    reader.assert_clean()


def test_hovering_a_node_shows_its_title_as_text(reader, real_site, real_kb):
    focus = _busiest_node(real_kb)
    reader.open(f"{real_site.url}claims/{focus}/")
    reader.wait_for_map()
    x, y = reader.node_point(focus)
    reader.page.mouse.move(x, y)
    tooltip = reader.page.wait_for_selector("div.vis-tooltip", state="visible")
    assert real_kb.nodes[focus].title in tooltip.text_content()
    reader.assert_clean()


def test_theory_scorecard(reader, real_site, real_kb):
    G = kbgraph.build(real_kb)
    theories = [n for n, node in real_kb.nodes.items() if node.kind == "theory_of_impact"]
    theory = max(sorted(theories), key=lambda n: (G.in_degree(n), n))
    reader.open(f"{real_site.url}theories/{theory}/")
    assert reader.h1() == f"Scorecard: {real_kb.nodes[theory].title}"
    critiques = [u for u, _, r in G.in_edges(theory, data="relation") if r == "attacks"]
    assert reader.page.locator("h3").count() == len(critiques)
    # Material wraps tables in scrolling containers once the page runs, so the table is found by document order.
    strength_rows = reader.page.locator("xpath=//h2[@id='strength']/following::table[1]/tbody/tr")
    assert strength_rows.count() >= 2  # neutral and at least one participant
    shown = {theory, *critiques, *(u for c in critiques for u in G.predecessors(c)),
             *(u for u, _, r in G.in_edges(theory, data="relation") if r == "supports")}
    assert reader.wait_for_map() == len(shown)
    assert reader.canvas_ink() > 50
    reader.assert_clean()


def test_search_finds_a_claim_by_its_words(reader, real_site, real_kb):
    node_id = _busiest_node(real_kb)
    title = real_kb.nodes[node_id].title
    reader.open(real_site.url)
    query = " ".join(w for w in re.findall(r"[A-Za-z]{5,}", title)[:3])
    reader.search(query)
    result = reader.page.locator(".md-search-result__item", has_text=title).first
    result.wait_for(state="visible")
    reader.assert_clean()


def test_hostile_text_is_shown_as_text_and_runs_nothing(reader, xss_site):
    kb, _ = store.load(FIXTURES / "xss" / "claims")
    for node_id, node in sorted(kb.nodes.items()):
        reader.open(f"{xss_site.url}claims/{node_id}/")
        assert reader.h1() == node.title
        assert reader.page.title().startswith(node.title)
        reader.wait_for_map()
        # The page holds no element the hostile text describes.
        assert reader.page.locator("article img, article svg[onload], article iframe, article script:not([type])").count() == 0
        x, y = reader.node_point(node_id)
        reader.page.mouse.move(x, y)
        tooltip = reader.page.wait_for_selector("div.vis-tooltip", state="visible")
        assert node.title in tooltip.text_content()
        # Text only: the line break vis-network makes of "\n" is the one element allowed.
        assert tooltip.query_selector(":not(br)") is None
        reader.page.mouse.move(1, 1)
    for page in ("", "people/mallory/", "sources/doc1/", "theories/img-title/", "cruxes/", "claims/"):
        reader.open(f"{xss_site.url}{page}")
    # Search results show the hostile title and text as they are, markup and all, as text.
    reader.open(xss_site.url)
    for query, shown in (("holds", kb.nodes["img-title"].title), ("ampersand", kb.nodes["href-title"].title)):
        reader.search(query)
        result = reader.page.locator(".md-search-result__item", has_text=shown).first
        result.wait_for(state="visible")
    assert reader.page.locator(".md-search-result img, .md-search-result script, .md-search-result b").count() == 0
    reader.assert_clean()

