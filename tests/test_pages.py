"""kb.publishing.pages: the site's pages as a pure function of a fixture knowledge base and its analysis."""

from __future__ import annotations

import dataclasses
import html
import json
import posixpath
import re
from pathlib import Path

import markdown
import pytest

from kb.analysis import explain, semantics
from kb.publishing import pages, site
from kb.data import store
from conftest import BASE, FIXTURES

XSS = FIXTURES / "xss" / "claims"
HREF = re.compile(r'href="([^"]*)"')
MAP_DATA = re.compile(r'<script type="application/json" class="kb-map__data">(.*?)</script>', re.S)


def load(root: Path = BASE):
    kb, problems = store.load(root)
    assert not [p for p in problems if p.severity == "error"]
    return kb


@pytest.fixture(scope="module")
def base_pages():
    kb = load()
    return kb, pages.generate(kb, ["neutral", "alice", "bob"], [["alice", "bob"]])


@pytest.fixture(scope="module")
def xss_pages():
    kb = load(XSS)
    return kb, pages.generate(kb, ["neutral", "mallory"], [["mallory", "alice"]])


def html_of(text: str) -> str:
    """The page as Markdown renders it (what MkDocs would do, without the plugin's shortcut)."""
    return markdown.markdown(text, extensions=["tables", "attr_list", "toc"])


def resolve(page: str, href: str) -> str:
    """The published page (its URL relative to the root) that a relative link on ``page`` points to."""
    base = pages.page_url(page)
    target = posixpath.normpath(posixpath.join(base, href.split("#")[0]))
    return "" if target == "." else target + "/"


def test_every_page_is_generated(base_pages):
    kb, out = base_pages
    assert set(out) == {
        "index.md", "map.md", "cruxes.md", "stand.md", "claims/index.md", "theories/index.md", "sources/index.md", "people/index.md",
        *(f"claims/{n}.md" for n in kb.nodes), "theories/see-inside.md", "sources/doc1.md",
        "people/alice.md", "people/bob.md",
    }
    assert all(text.startswith("# ") or page == "index.md" for page, text in out.items())


def test_generation_is_pure_and_deterministic(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    kb = load()
    first = pages.generate(kb, ["neutral", "alice"])
    assert first == pages.generate(load(), ["neutral", "alice"])
    assert list(tmp_path.iterdir()) == []


def test_claim_page(base_pages):
    kb, out = base_pages
    text = out["claims/see-inside.md"]
    assert text.startswith("# Interpretability lets us see inside models\n")
    body = html_of(text)
    assert "Theory of impact" in body and "Looking inside a model shows what it computes." in body
    assert '<a href="../../people/alice/">Alice Example</a>' in body
    assert '<a href="../../sources/doc1/">A small debate</a>' in body
    assert "“lets us &quot;see&quot; inside the model”" in body
    assert '<a href="../../theories/see-inside/">Scorecard of this theory of impact</a>' in body
    # Strength under each perspective, and the grounded label.
    a = site.analyse(kb, ["neutral", "alice", "bob"])
    for p, name in (("neutral", "Neutral"), ("alice", "Alice Example"), ("bob", "Bob Example")):
        assert f"<td>{name}</td>" in body
        assert f"<td>{a.strengths[p]['see-inside']:.2f}</td>" in body
    assert f"grounded label <span class=\"kb-label kb-label--{a.labels['see-inside'].lower()}\"" in body
    # What argues about it, with the edge's weight and note, and each neighbour's standing.
    assert re.search(r'<a href="\.\./\.\./claims/audits/">Audits need interpretability</a> \(Claim, weight 0\.5\)'
                     r' · strength <span data-k="\d+">[0-9.]+</span>, (IN|OUT|UNDEC) · Note: Our reading\.',
                     body)
    assert '<a href="../../claims/wont-scale/">It will not scale</a> (Rebuttal)' in body
    # Where people stand.
    assert "“It won&#x27;t scale”" in body and "<td>0.20</td>" in body
    # Its cruxes (it has ancestors) and its map.
    assert '<h2 id="cruxes">Cruxes</h2>' in body
    data = json.loads(MAP_DATA.search(body).group(1))
    assert {n["id"] for n in data["nodes"]} == {"see-inside", "audits", "wont-scale"}


def test_claim_without_ancestors_has_no_crux_section(base_pages):
    _, out = base_pages
    assert 'id="cruxes"' not in out["claims/audits.md"]


def test_scorecard(base_pages):
    _, out = base_pages
    body = html_of(out["theories/see-inside.md"])
    assert body.startswith('<h1 id="scorecard-interpretability-lets-us-see-inside-models">Scorecard: Interpretability')
    assert '<h2 id="critiques">Critiques (1)</h2>' in body
    assert '<h3 id="critique-wont-scale">It will not scale</h3>' in body
    assert "No reply to this critique in the knowledge base." in body
    assert '<h2 id="support">Support (1)</h2>' in body
    assert "<td>Alice Example</td>" in body and "<td>Bob Example</td>" in body
    overview = html_of(out["theories/index.md"])
    assert '<a href="../theories/see-inside/">Interpretability lets us see inside models</a>' in overview
    assert "<th>Critiques</th><th>Replies</th><th>Neutral</th><th>Alice Example</th><th>Bob Example</th>" in overview


def test_source_page_orders_claims_as_the_document_does(base_pages):
    kb, _ = base_pages
    text = "It won’t scale to frontier models. Later: Audits need it. At the end: lets us \"see\" inside the model."
    out = pages.render(kb, site.analyse(kb), pages.Options(source_texts={"doc1": text}))
    body = out["sources/doc1.md"]
    order = [m.group(1) for m in re.finditer(r'href="\.\./\.\./claims/([a-z-]+)/"', body)]
    assert order == ["wont-scale", "audits", "see-inside"]
    assert 'id="section-1"' in body
    assert "in the order the document makes them" in body
    # Without the text, the page makes no claim about the document's order.
    without = pages.render(kb, site.analyse(kb))["sources/doc1.md"]
    assert "in the order the document makes them" not in without and "was not available" in without


def test_people_and_cruxes_pages(base_pages):
    _, out = base_pages
    alice = html_of(out["people/alice.md"])
    assert "What they assert (2)" in alice and "Where they stand (1)" in alice
    cruxes = html_of(out["cruxes.md"])
    assert "Double cruxes" in cruxes and "Alice Example and Bob Example" in cruxes


def test_home_page(base_pages):
    kb, out = base_pages
    intro = "# A custom home\n\nWritten by the site's editors."
    home = pages.render(kb, site.analyse(kb), pages.Options(intro=intro))["index.md"]
    assert home.startswith(intro)
    body = html_of(out["index.md"])
    assert "<strong>3 nodes</strong>" in body and "<strong>1 supports</strong>" in body
    assert not MAP_DATA.search(body), "the whole map has a page of its own"
    assert '<a href="theories/">Theories of impact</a>' in body and '<a href="map/">The whole map</a>' in body
    whole = html_of(out["map.md"])
    data = json.loads(MAP_DATA.search(whole).group(1))
    assert len(data["nodes"]) == 3 and data["base"] == "../"


def test_every_link_leads_to_a_generated_page(base_pages, xss_pages):
    for kb, out in (base_pages, xss_pages):
        published = {pages.page_url(p) for p in out}
        anchors = {pages.page_url(p): set(re.findall(r'id="([^"]+)"', html_of(t))) for p, t in out.items()}
        for page, text in out.items():
            body = html_of(text)
            for href in HREF.findall(body):
                href = html.unescape(href)
                if href.startswith(("http://", "https://")):
                    continue
                target = resolve(page, href)
                assert target in published, f"{page}: broken link {href}"
                if "#" in href:
                    assert href.split("#")[1] in anchors[target], f"{page}: broken anchor {href}"
            for block in MAP_DATA.findall(body):
                data = json.loads(block)
                for node in data["nodes"]:
                    url = data["base"] + data["page"].replace("{id}", node["id"])
                    assert resolve(page, url) in published


def test_links_without_directory_urls():
    kb = load()
    out = pages.render(kb, site.analyse(kb), pages.Options(directory_urls=False))
    assert '<a href="../people/alice.html">' in out["claims/see-inside.md"]
    assert '<a href="theories/index.html">' in out["index.md"]
    assert pages.url_between("claims/a.md", "index.md", directory_urls=False) == "../index.html"
    assert pages.url_between("index.md", "index.md") == "./"
    assert pages.url_between("claims/a.md", "claims/b.md") == "../../claims/b/"


def test_hostile_text_is_escaped_everywhere(xss_pages):
    kb, out = xss_pages
    for page, text in out.items():
        body = html_of(text)
        outside_json = MAP_DATA.sub("", body)
        for needle in ("<img", "<script>", "<svg", "<iframe", "<b ", "onmouseover=\"", '="javascript'):
            assert needle not in outside_json, f"{page}: {needle!r} reached the HTML"
        for block in MAP_DATA.findall(body):
            assert "<" not in block
    body = html_of(out["claims/img-title.md"])
    assert '<h1 id="img-srcx-onerroralert1">&lt;img src=x onerror=alert(1)&gt;</h1>' in body
    assert "&lt;/script&gt;&lt;script&gt;alert(&#x27;text&#x27;)&lt;/script&gt;" in body
    assert "[a link](javascript:alert(&#x27;md&#x27;))".replace("javascript:", "javascript&#x3A;") not in body
    # The schema lets a url hold anything; only plain web addresses become links.
    assert 'href="javascript' not in html_of(out["people/mallory.md"])
    assert 'href="javascript' not in html_of(out["sources/doc1.md"])


def test_md_and_h_make_text_inert():
    assert pages.h('<a href="x">&') == "&lt;a href=&quot;x&quot;&gt;&amp;"
    rendered = markdown.markdown("# " + pages.md("*not* [a](b) `c` <i>d</i> {: #e} # f"), extensions=["attr_list"])
    assert "<em>" not in rendered and "<a " not in rendered and "<code>" not in rendered and "<i>" not in rendered
    assert "*not* [a](b) `c` &lt;i&gt;d&lt;/i&gt; {: #e} # f" in rendered


def test_unconverged_strength_is_never_shown_as_final(base_pages):
    kb, _ = base_pages
    a = site.analyse(kb)
    neutral = a.strengths["neutral"]
    stuck = dataclasses.replace(neutral, converged=False, unconverged=frozenset({"see-inside"}))
    out = pages.render(kb, dataclasses.replace(a, strengths={**a.strengths, "neutral": stuck}))
    value = f"{neutral['see-inside']:.2f}"
    body = out["claims/see-inside.md"]
    assert f"≈{value} (provisional)" in body and "undecided (did not converge)" in body
    assert f"<strong>{value}</strong>" not in body
    assert "≈ marks a provisional strength" in body
    assert "provisional" not in out["claims/audits.md"]


def test_cruxes_over_budget_are_listed_not_computed():
    kb = load()
    a = site.analyse(kb, crux_limit=1)
    assert "see-inside" in a.crux_skipped
    body = pages.render(kb, a)["claims/see-inside.md"]
    assert "<code>kb cruxes see-inside</code> computes them" in body


def test_pairs_expand_patterns():
    assert site.expand_pairs([["a", "commenter-*"], ["a", "b"]], ["a", "b", "commenter-1", "commenter-2"]) == [
        ("a", "commenter-1"), ("a", "commenter-2"), ("a", "b")]
    assert site.expand_pairs([["a", "nobody-*"]], ["a"]) == []


def test_unknown_perspective_is_refused():
    with pytest.raises(Exception, match="unknown perspective"):
        site.analyse(load(), ["neutral", "carol"])


def test_site_analysis_cruxes_match_the_whole_map():
    """Cruxes computed on a target's ancestors alone equal those on the whole map."""
    from kb.analysis import cruxes, graph

    kb = load(XSS)
    a = site.analyse(kb, ["neutral"])
    G = graph.build(kb)
    for node, report in a.cruxes.items():
        full = cruxes.cruxes(G, node, semantics.base_scores(G), top=site.TOP_CRUXES, perspective="neutral")
        assert full.to_dict() == report.to_dict()


def test_cruxes_page_merges_agreeing_perspectives_and_drops_what_changes_nothing():
    kb = load()
    a = site.analyse(kb, ["neutral", "alice", "bob"], [["alice", "bob"]])
    neutral = a.thesis_cruxes["see-inside"]["neutral"]
    scale, audits = neutral.cruxes
    nothing = dataclasses.replace(audits, swing=0.004, high=0.472, low=0.468)  # moves it by less than 0.01
    alice = dataclasses.replace(neutral, perspective="alice", cruxes=[scale, audits, nothing])
    bob = dataclasses.replace(neutral, perspective="bob", cruxes=[dataclasses.replace(scale, swing=-0.5, low=0.82)])
    close = dataclasses.replace(a.double_cruxes[("see-inside", "alice", "bob")], gap=0.01, strength_a=0.47,
                                strength_b=0.48, verdict_a="rejected", verdict_b="rejected")
    b = dataclasses.replace(a, thesis_cruxes={"see-inside": {"neutral": neutral, "alice": alice, "bob": bob}},
                            double_cruxes={("see-inside", "alice", "bob"): close})
    body = html_of(pages.render(kb, b)["cruxes.md"])
    assert body.count("<table>") == 2, "neutral and Alice share one table; Bob has his own; no double-crux table"
    assert "From the neutral and Alice Example’s perspectives (they agree)" in body
    assert "From Bob Example’s perspective" in body
    assert "+0.00" not in body, "a crux that moves the thesis by less than 0.01 is left out"
    assert "They agree on 1 thesis" in body and "Gap closed" not in body
    # A pair that does differ keeps its table.
    far = dataclasses.replace(close, gap=0.3, strength_b=0.77, verdict_b="accepted")
    c = dataclasses.replace(b, double_cruxes={("see-inside", "alice", "bob"): far})
    assert "Gap closed if Alice Example adopts" in html_of(pages.render(kb, c)["cruxes.md"])


def test_cruxes_page_puts_the_main_thesis_first():
    kb = load()
    a = site.analyse(kb, ["neutral"])
    # "audits" made a second thesis: it has no ancestors, see-inside has two, so see-inside comes first.
    kb.nodes["audits"].tags.append("thesis")
    b = dataclasses.replace(a, theses=("audits", "see-inside"),
                            graph=a.graph.copy())
    b.graph.nodes["audits"]["tags"] = ["thesis"]
    b.graph.nodes["see-inside"]["tags"] = ["thesis"]
    body = html_of(pages.render(kb, b)["cruxes.md"])
    assert body.index(kb.nodes["see-inside"].title) < body.index("id=\"audits-need-interpretability\"")


def test_claim_page_opens_with_verdict_pro_con_and_trail(base_pages):
    kb, out = base_pages
    a = site.analyse(kb, ["neutral"])
    body = html_of(out["claims/see-inside.md"])
    verdict = body.index("Verdict: ")
    assert verdict < body.index('id="pro"') < body.index('id="con"') < body.index("Looking inside a model")
    pro = body[body.index('id="pro"'):body.index('id="con"')]
    con = body[body.index('id="con"'):body.index("</section></div>")]
    assert "Audits need interpretability" in pro and "It will not scale" not in pro
    assert "It will not scale" in con and "Audits need interpretability" not in con
    k = sorted(a.graph.nodes).index("see-inside")
    assert (f"<strong>Verdict: <span data-kv=\"{k}\">{semantics.verdict(a.strengths['neutral']['see-inside'])}"
            "</span></strong>") in body
    # The trail: a rebuttal of the thesis counts against it, a supporter for it, each step marked.
    rebuttal = html_of(out["claims/wont-scale.md"])
    assert "Counts <strong>against</strong>" in rebuttal and 'kb-step--con">attacks</span>' in rebuttal
    supporter = html_of(out["claims/audits.md"])
    assert "Counts <strong>for</strong>" in supporter and 'kb-step--pro">supports</span>' in supporter


def _moves(G, node: str) -> dict[str, float]:
    """|Shapley contribution| of each premise to the node, as `kb explain` computes it (its own solve and sampling)."""
    out = {}
    for c in explain.explain(G, node).contributions:
        for p in c.premises:
            out[p] = abs(c.shapley)
    return out


def test_pro_con_lists_are_ranked_by_how_much_each_moves_the_claim():
    kb = load(Path(__file__).resolve().parent.parent / "claims")
    a = site.analyse(kb)
    out = pages.render(kb, a)
    focus = "interp-is-among-best-bets"
    body = html_of(out[f"claims/{focus}.md"])
    pro = body[body.index('id="pro"'):body.index('id="con"')]
    shown = re.findall(r'href="\.\./\.\./claims/([a-z0-9-]+)/"', pro)
    assert len(shown) == pages.PROCON_TOP
    # 23 arguments: kb explain samples 2,000 orders, the site 200; the ranking must agree but for near-ties.
    moves = _moves(a.graph, focus)
    values = [moves[n] for n in shown]
    assert all(x >= y - 0.005 for x, y in zip(values, values[1:])), values
    supporters = [u for u, _, r in a.graph.in_edges(focus, data="relation") if r == "supports"]
    assert values[0] == max(moves[n] for n in supporters)
    # Not the same as ranking by strength, which is what the lists did before.
    strengths = [a.strengths["neutral"][n] for n in shown]
    assert strengths != sorted(strengths, reverse=True)
    # A claim with few arguments: the split is exact, and the order is exactly explain's.
    small = next(n for n in sorted(a.graph) if 3 <= sum(1 for _ in a.graph.predecessors(n)) <= 8
                 and sum(1 for _, _, r in a.graph.in_edges(n, data="relation") if r == "supports") >= 3)
    body = html_of(out[f"claims/{small}.md"])
    pro = body[body.index('id="pro"'):body.index('id="con"')]
    shown = re.findall(r'href="\.\./\.\./claims/([a-z0-9-]+)/"', pro)
    moves = _moves(a.graph, small)
    assert [moves[n] for n in shown] == sorted((moves[n] for n in shown), reverse=True)
    # Each item says by how much it moves the claim.
    assert re.search(r'class="kb-moves"[^>]*>[+-]\d\.\d\d</small>', pro)
    # The home page's tree: main thesis first, each claim's subtree shown once.
    home = html_of(out["index.md"])
    tree = home[home.index('class="kb-tree"'):]
    first = re.search(r'href="claims/([a-z0-9-]+)/"', tree).group(1)
    assert first == focus
    assert "<details open>" in tree and tree.count("<details") > 20
    opened = re.findall(r'href="claims/([a-z0-9-]+)/">[^<]*</a> <small><span data-k="\d+">[^<]*</span></small><details', tree)
    assert len(opened) == len(set(opened)), "a claim's reasons and objections unfold in one place only"


def test_claim_pages_show_undercuts_linked_premises_restatements_and_presenters():
    kb = load(FIXTURES / "relations" / "claims")
    people = sorted(kb.people)
    out = pages.generate(kb, ["neutral", *people], [])
    thesis = out["claims/thesis.md"]
    # the thesis is held by alice and presented by carol
    assert "Held by" in thesis and "presented by" in thesis and "people/carol" in thesis
    # its inferences disputed: only-known-concepts disputes that probes-found shows it, on the thesis's page ...
    assert "Disputed inferences to this claim" in thesis and "claims/only-known-concepts" in thesis
    # ... on the undercutter's page ...
    assert "It disputes" in out["claims/only-known-concepts.md"]
    # ... and on the page of the inference's source
    assert "Disputed inferences from this claim" in out["claims/probes-found.md"]
    # linked premises name each other
    linked = out["claims/cost-a.md"]
    assert "only together with" in linked and "claims/cost-b" in linked
    # a restatement lists the other's quote
    again = out["claims/dual-use-again.md"]
    assert "The same claim, said again" in again
    assert html.escape(kb.nodes["dual-use"].source.quote, quote=False) in again
    # base scores say where they come from: carol holds dual-use-again, which restates dual-use
    assert "implied: holds it" in out["claims/dual-use.md"]


def test_reading_page_highlights_each_quote_where_the_document_has_it(base_pages):
    kb, _ = base_pages
    # Curly quotes, a line break inside a quote, emphasis and markup-like text: found after folding, shown as text.
    text = ("Intro <b>not bold</b>.\r\n\r\nAlice: Interpretability *lets* us “see” inside\r\nthe model. "
            "Bob: It won’t scale to frontier models.\r\n\r\nAlice: Audits need it.\r\n")
    out = pages.render(kb, site.analyse(kb), pages.Options(source_texts={"doc1": text}))
    body = out["sources/doc1/text.md"]
    assert "&lt;b&gt;not bold&lt;/b&gt;" in body and "<b>" not in body
    # Each quote is a link to its claim, with the claim's fragment, around the document's own characters.
    assert ('<mark class="kb-anchor"><a id="q-see-inside" href="../../../claims/see-inside/">'
            "lets* us “see” inside<br>the model</a></mark>") in body
    assert ('<a id="q-wont-scale" href="../../../claims/wont-scale/">It won’t scale to frontier models.</a>'
            in body)
    assert '<a id="q-audits" href="../../../claims/audits/">Audits need it.</a>' in body
    assert body.count("<p>") >= 3  # the blank lines part paragraphs
    # The claim page links to its quote in context, and the source page to the reading page.
    claim = out["claims/audits.md"]
    assert 'href="../../sources/doc1/text/#q-audits">Read the quote in context</a>' in claim
    assert 'href="../../sources/doc1/text/">Read the document</a>' in out["sources/doc1.md"]
    # Without the text: no reading page and no link to one.
    without = pages.render(kb, site.analyse(kb))
    assert "sources/doc1/text.md" not in without and "Read the quote in context" not in without["claims/audits.md"]


def test_overlapping_quotes_share_one_highlight_with_a_link_to_each():
    from kb.publishing import reading

    text = "one two three four five"
    spans, missing = reading.locate(text, {"a": "two three", "b": "three four", "c": "absent"})
    assert spans == {"a": (4, 13), "b": (8, 18)} and missing == ["c"]
    marks = reading.anchors(spans)
    assert [(m.start, m.end, m.nodes) for m in marks] == [(4, 18, ("a", "b"))]
    html_text = reading.render(text, marks, lambda n: f"/{n}/", lambda n: f"<{n}>")
    assert html_text == ('<p>one <mark class="kb-anchor">two three four</mark><sup class="kb-refs">'
                         '<a id="q-a" href="/a/" title="&lt;a&gt;" aria-label="&lt;a&gt;">1</a>'
                         '<a id="q-b" href="/b/" title="&lt;b&gt;" aria-label="&lt;b&gt;">2</a></sup> five</p>')


def test_folding_with_offsets_is_kb_quotes_folding():
    from kb.data import quotes
    from kb.publishing import reading

    for text in ["  a  *b*  [^1] “c” __d__ e_f\n\n g\t", "", "x", "**", " [^note]  ‘q’ "]:
        folded, offsets = reading.fold_with_offsets(text)
        assert folded == quotes.fold(text)
        assert len(offsets) == len(folded)
        assert all(text[i].translate(quotes._QUOTES) == ch or ch == " " for ch, i in zip(folded, offsets))


def test_client_data_carries_the_librarys_numbers(base_pages):
    kb, _ = base_pages
    a = site.analyse(kb, ["neutral", "alice", "bob"])
    data = {k: json.loads(v) for k, v in pages.render_data(kb, a).items()}
    persp = data["assets/kb/perspectives.json"]
    ids = sorted(a.graph.nodes)
    assert persp["ids"] == ids and [p["id"] for p in persp["perspectives"]] == ["neutral", "alice", "bob"]
    for p in persp["perspectives"]:
        for k, n in enumerate(ids):
            assert abs(p["strengths"][k] - a.strengths[p["id"]][n]) <= 5e-5
            assert {"a": "accepted", "r": "rejected", "b": "balanced"}[p["verdicts"][k]] == \
                semantics.verdict(a.strengths[p["id"]][n])
    stand = data["assets/kb/stand.json"]
    net = semantics.Network(a.graph)
    assert stand["network"]["ids"] == net.ids and stand["network"]["a_src"] == net.a_src
    assert [p["id"] for p in stand["people"]] == ["alice", "bob"]
    alice = stand["people"][0]["tau"]
    assert {net.ids[int(k)]: v for k, v in alice.items()} == {
        n: p.value for n, p in a.priors["alice"].items() if p.value != 0.5}
    assert stand["theses"] and all(isinstance(t, int) for t in stand["theses"])
    # The stand page points at the data, relative to where it is published.
    assert 'data-src="../assets/kb/stand.json"' in pages.render(kb, a)["stand.md"]


def test_contributions_are_exact_for_few_arguments_and_budgeted_beyond(monkeypatch):
    kb = load(Path(__file__).resolve().parent.parent / "claims")
    a = site.analyse(kb)
    net = a.network
    many = [n for n in net.ids if net.root[net.index[n]] == net.index[n]
            and net.arg_ptr[net.index[n] + 1] - net.arg_ptr[net.index[n]] > site.CONTRIBUTION_EXACT_LIMIT]
    assert many and all(n in a.contributions for n in many)
    few = next(n for n in sorted(a.contributions) if n not in many and len(a.contributions[n]) >= 3)
    # Up to the exact limit the split is kb explain's, exactly.
    want = {p: c.shapley for c in explain.explain(a.graph, few).contributions for p in c.premises}
    assert a.contributions[few] == pytest.approx(want, abs=1e-12)
    monkeypatch.setattr(site, "CONTRIBUTION_SAMPLE_BUDGET", 0)
    tau = {n: 0.5 for n in a.graph}
    cheap = site.contributions(net, a.strengths["neutral"], tau, a.method)
    assert not any(n in cheap for n in many) and cheap[few] == a.contributions[few]
