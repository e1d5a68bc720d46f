"""The published site's pages, as Markdown, from a knowledge base and its analysis.

:func:`render` is a pure function from a loaded knowledge base and a
:class:`~kb.publishing.site.SiteAnalysis` to ``{path: markdown}``: no files are read or
written and nothing depends on MkDocs, so the same pages feed the MkDocs plugin
(which hands them to MkDocs as generated files) and ``kb site DIR`` (which
writes them out), and tests can look at every page without building a site.
:func:`render_data` gives, the same way, the JSON the site's scripts read
(see :mod:`kb.publishing.clientdata`).

Headings are Markdown, so that MkDocs takes the page title from the first one
and Material builds the table of contents and search sections from them; what
lies between them is written as HTML blocks, which Markdown passes through
untouched. A site has a page per node, and Python-Markdown's inline processing
of tables and lists of links costs several times what the rest of a page's
build does; HTML also has one escaping rule (:func:`h`) instead of Markdown's
many. The price is that MkDocs does not check links inside HTML, so every link
is built here from ids by one function (:meth:`_Site.url`) and the site tests
follow every link of the built site.

Every piece of text that comes from the knowledge base goes through :func:`h`
(HTML) or :func:`md` (a Markdown heading): a title such as
``<img src=x onerror=alert(1)>`` must come out as those characters, never as
markup. Links are built from ids, which the schema restricts to lowercase
letters, digits and hyphens, and from web addresses only when they are plain
http(s).

A strength that did not converge is never shown as final: it is marked
provisional, with the last iterate after "≈".
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from kb.publishing import clientdata, maps, reading, style
from kb.analysis import semantics
from kb.data.models import Node
from kb.data.quotes import fold
from kb.publishing.site import ASSETS_DIR, SiteAnalysis, analyse
from kb.data.store import KnowledgeBase

NEUTRAL = semantics.NEUTRAL
ORIGIN_TEXT = {"recorded": "recorded", "holds": "implied: holds it", "disputes": "implied: argues against it",
               "default": "no stance"}
THEORY = "theory_of_impact"
DEFAULT_INTRO = "An argument map: every claim of the debate, what supports and attacks it, and how strong it stands."
HOME = "index.md"
CLAIMS, THEORIES, SOURCES, PEOPLE = "claims", "theories", "sources", "people"
CRUXES_PAGE = "cruxes.md"
STAND_PAGE = "stand.md"
MAP_PAGE = "map.md"
CLAIMS_INDEX, THEORIES_INDEX = f"{CLAIMS}/index.md", f"{THEORIES}/index.md"
SOURCES_INDEX, PEOPLE_INDEX = f"{SOURCES}/index.md", f"{PEOPLE}/index.md"
_TOI_NUMBER = re.compile(r"^neel-toi-(\d+)$")
# Characters Python-Markdown gives a meaning to and honours a backslash before.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|])")
_WEB = re.compile(r"^https?://[^\s<>\"'`]+$")
LABEL_TEXT = {
    "IN": "stands against every objection that itself stands",
    "OUT": "defeated by an objection that stands",
    "UNDEC": "the map cannot settle it either way",
}
_LABEL_HTML = {label: f'<span class="kb-label kb-label--{label.lower()}" title="{text}">{label}</span>'
               for label, text in LABEL_TEXT.items()}
# In long tables the explanation is given once above the table (LABEL_KEY) rather than on every badge.
_LABEL_BARE = {label: f'<span class="kb-label kb-label--{label.lower()}">{label}</span>' for label in LABEL_TEXT}
LABEL_KEY = ("<p class=\"kb-note\">Labels: " + "; ".join(f"{label}: {text}" for label, text in LABEL_TEXT.items())
             + ".</p>")


@dataclass(frozen=True)
class Options:
    """How the pages are laid out; none of it changes what they say about the debate."""

    intro: str = DEFAULT_INTRO  # Markdown written by the site's editors, opening the home page as it is
    directory_urls: bool = True  # MkDocs' use_directory_urls: where a page ends up decides its links' form
    source_texts: Mapping[str, str] = field(default_factory=dict)  # source id -> text, for document order
    local_steps: int = maps.LOCAL_STEPS
    local_cap: int = maps.LOCAL_CAP


# --- text and links ---------------------------------------------------------------------------


def h(text: object) -> str:
    """Knowledge-base text made inert for HTML, in element content and in quoted attributes alike."""
    return html.escape(str(text), quote=True)


def md(text: object) -> str:
    """Knowledge-base text made inert for a Markdown heading: HTML escaped, Markdown syntax backslash-escaped.

    Double quotes are escaped too: MkDocs takes the page title from the first
    heading and themes write titles into double-quoted attributes as well as
    into text. Single quotes are left alone: MkDocs' title extraction would
    escape the ampersand of their entity a second time.
    """
    text = " ".join(str(text).split())
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False).replace('"', "&quot;"))


def paragraphs(text: str) -> str:
    """Longer text as HTML paragraphs: the paragraph breaks an editor wrote are kept, other white space folded."""
    parts = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    return "".join(f"<p>{h(p)}</p>" for p in parts)


def page_url(path: str, directory_urls: bool = True) -> str:
    """Where MkDocs publishes a Markdown page, relative to the site root.

    Generated pages link by published address because MkDocs rewrites links
    only in Markdown, and these pages' links sit in HTML.
    """
    stem = path[:-3] if path.endswith(".md") else path
    if not directory_urls:
        return stem + ".html"
    if stem == "index":
        return ""
    if stem.endswith("/index"):
        return stem[: -len("index")]
    return stem + "/"


def url_between(from_page: str, to_page: str, directory_urls: bool = True, anchor: str = "") -> str:
    """A relative link from one published page to another.

    Always up to the site root and down again: the one rule that holds for
    every pair of pages, and cheap enough for the hundreds of thousands of links
    a big site has.
    """
    depth = page_url(from_page, directory_urls).count("/")
    target = "../" * depth + page_url(to_page, directory_urls)
    return (target or "./") + (f"#{anchor}" if anchor else "")


def node_page(node_id: str) -> str:
    return f"{CLAIMS}/{node_id}.md"


def theory_page(node_id: str) -> str:
    return f"{THEORIES}/{node_id}.md"


def source_page(source_id: str) -> str:
    return f"{SOURCES}/{source_id}.md"


def reading_page(source_id: str) -> str:
    return f"{SOURCES}/{source_id}/text.md"


def person_page(person_id: str) -> str:
    return f"{PEOPLE}/{person_id}.md"


def table(header: Iterable[str], rows: Iterable[Iterable[str]], cls: str = "", live: int | None = None) -> str:
    """An HTML table from cells that are already HTML (HTML rather than Markdown pipes: see the module's docstring).

    ``live``: the column (from 0) that holds the neutral strength of the claim
    each row's first link points to, for the perspective switcher to rewrite: on
    a table of hundreds of claims, one attribute instead of a mark per cell.
    """
    head = "".join(f"<th>{c}</th>" for c in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    attr = (f' class="{cls}"' if cls else "") + (f' data-kcol="{live}"' if live is not None else "")
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def facts(rows: Iterable[tuple[str, str]]) -> str:
    """Labelled facts (label text, HTML value) as a table without a header row, which Markdown tables cannot omit."""
    body = "".join(f"<tr><th>{h(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="kb-facts"><tbody>{body}</tbody></table>'


BLOCK_START = '<div class="kb-block"'  # how every HTML block of a generated page begins
BLOCK_UNSEARCHED = BLOCK_START + " data-search-exclude>"  # ... and one that search must leave out


def _block(*parts: str, search: bool = True) -> str:
    """HTML for one Markdown block: one element, on one line, so that no blank line inside can end it early.

    Markdown passes such a block through as it is; the MkDocs plugin relies on
    that to hand it past Markdown altogether (see kb.publishing.mkdocs_plugin), and the
    single enclosing element keeps the result identical to Markdown's. With
    ``search=False`` Material's search leaves the block out of its index: lists
    of neighbours and tables of numbers would make every claim match the words
    of the claims around it.
    """
    start = BLOCK_START + ">" if search else BLOCK_UNSEARCHED
    return start + "".join(parts).replace("\n", " ") + "</div>"


# --- the context every page shares ----------------------------------------------------------------


class _Site:
    """The knowledge base, its analysis and the lookups that several pages need."""

    def __init__(self, kb: KnowledgeBase, analysis: SiteAnalysis, options: Options):
        self.kb = kb
        self.a = analysis
        self.o = options
        self.G = analysis.graph
        self.nodes: dict[str, Node] = {n: kb.nodes[n] for n in sorted(kb.nodes) if n in self.G}
        self.provisional_used = False
        self._urls: dict[str, str] = {}
        self._targets: dict[tuple, tuple[str, str]] = {}
        self._toward: dict[str, dict[str, str]] = {}
        self._main: list[str] | None = None
        self.atlas = maps.Atlas(self.G, page_url(node_page("{id}"), options.directory_urls), self._about())
        # Nodes whose pages have an undercut, a linked premise or a restatement to show: the rest skip the search.
        self.contribution_rows: dict[str, dict[str, float]] = {}  # node -> its arguments' contributions
        self.related: set[str] = set()
        for u, v, d in self.G.edges(data=True):
            if d["relation"] in ("undercuts", "restates"):
                self.related.update((u, v, *(d.get("via") or ())))
            elif d.get("linked"):
                self.related.add(u)
        self.sections = self._sections()
        self.k = {n: i for i, n in enumerate(sorted(self.G.nodes))}  # a node's place in the client-side data
        self.texts: dict[str, str] = {}  # source id -> its text, line ends normalised
        self.spans: dict[str, dict[str, tuple[int, int]]] = {}  # source id -> node -> its quote in the text
        self.located: dict[str, str] = {}  # node -> the source whose reading page highlights its quote
        for sid, text in sorted(options.source_texts.items()):
            if sid not in kb.sources:
                continue
            text = text.replace("\r\n", "\n").replace("\r", "\n")
            quotes = {nid: node.source.quote for nid, node in self.nodes.items()
                      if node.source.document == sid and node.source.quote}
            self.texts[sid] = text
            self.spans[sid], _ = reading.locate(text, quotes)
            for nid in self.spans[sid]:
                self.located[nid] = sid
        self.page = HOME
        self.by_speaker: dict[str, list[str]] = defaultdict(list)
        self.by_stance: dict[str, list[str]] = defaultdict(list)
        for nid, node in self.nodes.items():
            self.by_speaker[node.speaker].append(nid)
            for pid in node.stances:
                self.by_stance[pid].append(nid)

    def toward(self, thesis: str) -> dict[str, str]:
        """For every node that bears on a thesis, the next step of a shortest chain of arguments up to it.

        One search back from each thesis, shared by every claim page, instead
        of one search per page.
        """
        cached = self._toward.get(thesis)
        if cached is None:
            cached = {thesis: thesis}
            frontier = [thesis]
            while frontier:
                nxt = []
                for node in frontier:
                    for pred in sorted(self.G.predecessors(node)):
                        if pred not in cached:
                            cached[pred] = node
                            nxt.append(pred)
                frontier = nxt
            self._toward[thesis] = cached
        return cached

    def _about(self) -> dict[str, str]:
        """What a map shows of a node besides its title when hovered or focused: speaker, strength, verdict, label.

        Packed as ``speaker|strength|verdict|label`` (the map script spells it
        out, with the kind from the legend): it is repeated in every map a node
        appears in, a hundred maps a node on a big site.
        """
        s = self.a.strengths[NEUTRAL]
        out = {}
        for nid, node in self.nodes.items():
            value = f"{s[nid]:.2f}" if s.final(nid) else f"≈{s[nid]:.2f}, not converged"
            name = self.person_name(node.speaker).replace("|", "/")
            out[nid] = f"{name}|{value}|{self.verdict(nid)}|{self.a.labels.get(nid, 'UNDEC')}"
        return out

    @property
    def page(self) -> str:
        return self._page

    @page.setter
    def page(self, path: str) -> None:
        """Links are written relative to the page being generated, so its way up to the root is kept."""
        self._page = path
        self.base = "../" * page_url(path, self.o.directory_urls).count("/")

    # -- links, relative to the page being written --

    def root_url(self, to_page: str) -> str:
        """Where a page is published, relative to the root (cached: a big site links the same pages often)."""
        url = self._urls.get(to_page)
        if url is None:
            url = self._urls[to_page] = page_url(to_page, self.o.directory_urls)
        return url

    def url(self, to_page: str, anchor: str = "") -> str:
        """A link from the current page, the same as :func:`url_between` gives."""
        return (self.base + self.root_url(to_page) or "./") + (f"#{anchor}" if anchor else "")

    def link(self, to_page: str, text: str, anchor: str = "") -> str:
        return f'<a href="{self.url(to_page, anchor)}">{h(text)}</a>'

    def person_name(self, pid: str) -> str:
        person = self.kb.people.get(pid)
        return person.name if person else pid

    def _target(self, key: tuple, to_page: str, text: str) -> str:
        """A page's address (from the root) and escaped link text, kept: the same few are linked thousands of times."""
        target = self._targets.get(key)
        if target is None:
            target = self._targets[key] = (self.root_url(to_page), h(text))
        return f'<a href="{self.base}{target[0]}">{target[1]}</a>'

    def person_link(self, pid: str) -> str:
        if pid not in self.kb.people:
            return h(pid)
        return self._target(("person", pid), person_page(pid), self.person_name(pid))

    def perspective_name(self, p: str) -> str:
        return "Neutral" if p == NEUTRAL else self.person_name(p)

    def perspective_link(self, p: str) -> str:
        return "Neutral" if p == NEUTRAL else self.person_link(p)

    def source_link(self, sid: str) -> str:
        source = self.kb.sources.get(sid)
        return self._target(("source", sid), source_page(sid), source.title) if source else h(sid)

    def node_link(self, nid: str) -> str:
        return self._target(("node", nid), node_page(nid), self.nodes[nid].title)

    def main_theses(self) -> list[str]:
        """The theses, the one the most of the map argues towards first."""
        if self._main is None:
            rank = maps.thesis_rank(self.G)
            self._main = sorted((t for t in self.a.theses if t in self.nodes), key=lambda t: (rank.get(t, len(rank)), t))
        return self._main

    def kind_label(self, nid: str) -> str:
        return style.kind_style(self.nodes[nid].kind).label

    def label_text(self, nid: str) -> str:
        return self.a.labels.get(nid, "UNDEC")

    # -- numbers --

    def strength(self, nid: str, perspective: str = NEUTRAL) -> str:
        """A strength as text; one that did not converge is marked provisional, never shown as final."""
        s = self.a.strengths[perspective]
        if not s.final(nid):
            self.provisional_used = True
            return f'<span class="kb-provisional" title="did not converge">≈{s[nid]:.2f} (provisional)</span>'
        return f"{s[nid]:.2f}"

    def live(self, nid: str) -> str:
        """The neutral strength, marked so that the perspective switcher can rewrite it (see kb.publishing.clientdata)."""
        return f'<span data-k="{self.k[nid]}">{self.strength(nid)}</span>'

    def live_verdict(self, nid: str) -> str:
        return f'<span data-kv="{self.k[nid]}">{h(self.verdict(nid))}</span>'

    def verdict(self, nid: str, perspective: str = NEUTRAL) -> str:
        s = self.a.strengths[perspective]
        return semantics.verdict(s[nid]) if s.final(nid) else "undecided (did not converge)"

    def label(self, nid: str, explained: bool = True) -> str:
        badges = _LABEL_HTML if explained else _LABEL_BARE
        return badges.get(self.a.labels.get(nid, "UNDEC"), badges["UNDEC"])

    def footnote(self) -> str:
        if not self.provisional_used:
            return ""
        self.provisional_used = False
        return ('<p class="kb-note">≈ marks a provisional strength: the computation went round a circle of '
                "arguments without settling, and the value shown is its last step, not a result.</p>")

    # -- sources in document order --

    def _sections(self) -> dict[str, list[tuple[str, list[str]]]]:
        """For each source, its sections in document order with their nodes in document order.

        A node's place is where its quote occurs in the source's text when the
        text was provided; otherwise the nodes keep the order of their files.
        """
        out: dict[str, list[tuple[str, list[str]]]] = {}
        by_source: dict[str, list[str]] = defaultdict(list)
        for nid, node in self.nodes.items():
            by_source[node.source.document].append(nid)
        file_order = {n: i for i, n in enumerate(sorted(self.nodes, key=lambda n: (str(self.kb.paths.get(n, "")), n)))}
        for sid, nids in by_source.items():
            text = self.o.source_texts.get(sid)
            folded = fold(text) if text else ""

            def place(nid: str) -> tuple:
                quote = self.nodes[nid].source.quote
                pos = folded.find(fold(quote)) if folded and quote else -1
                return (0, pos, nid) if pos >= 0 else (1, file_order[nid], nid)

            groups: dict[str, list[str]] = {}
            for nid in sorted(nids, key=place):
                groups.setdefault(self.nodes[nid].source.section or "", []).append(nid)
            out[sid] = list(groups.items())
        return out

    def section_anchor(self, nid: str) -> str:
        node = self.nodes[nid]
        for i, (section, _) in enumerate(self.sections.get(node.source.document, [])):
            if section == (node.source.section or ""):
                return f"section-{i + 1}"
        return ""


# --- the node pages ---------------------------------------------------------------------------------


def _edge_items(s: _Site, items: list[tuple[str, dict]], show_strength: bool) -> str:
    """One list item per neighbour: its link, kind, the edge's weight and note, and its standing.

    Plain text rather than nested markup around the link: every tag is parsed
    again by search indexing, on every page of a big site.
    """
    lis = []
    for other, data in items:
        about = [s.kind_label(other)]
        weight = float(data.get("weight", 1.0))
        if weight != 1.0:
            about.append(f"weight {weight:g}")
        line = f"{s.node_link(other)} ({h(', '.join(about))})"
        if show_strength:
            line += f" · strength {s.live(other)}, {s.label_text(other)}"
        if data.get("note"):
            line += f" · Note: {h(data['note'])}"
        lis.append(f"<li>{line}</li>")
    return "<ul>" + "".join(lis) + "</ul>"


def _relations_sections(s: _Site, nid: str) -> list[str]:
    """Undercuts (on the undercutter's page, and on both ends of the inference it disputes),
    linked premises and restatements, with every restatement's own quote."""
    G = s.G
    out: list[str] = []
    if nid not in s.related:
        return out
    items: list[str] = []
    for _, target, d in sorted(G.out_edges(nid, data=True)):
        if d["relation"] == "undercuts":
            for via in d.get("via") or ():
                items.append(f"<li>That {s.node_link(via)} shows {s.node_link(target)}"
                             + (f" · Note: {h(d['note'])}" if d.get("note") else "") + "</li>")
    cut_here = []  # inferences into this claim that something disputes
    for cutter, _, d in sorted(G.in_edges(nid, data=True)):
        if d["relation"] == "undercuts":
            for via in d.get("via") or ():
                cut_here.append(f"<li>{s.node_link(cutter)} disputes that {s.node_link(via)} shows this "
                                f"(strength {s.live(cutter)})</li>")
    cut_from = []  # inferences from this claim that something disputes
    for _, target, d in sorted(G.out_edges(nid, data=True)):
        if d["relation"] in ("supports", "attacks"):
            for cutter, _, cd in sorted(G.in_edges(target, data=True)):
                if cd["relation"] == "undercuts" and nid in (cd.get("via") or ()):
                    cut_from.append(f"<li>{s.node_link(cutter)} disputes that this shows {s.node_link(target)} "
                                    f"(strength {s.live(cutter)})</li>")
    linked = []
    for _, target, d in sorted(G.out_edges(nid, data=True)):
        others = [p for p in d.get("linked") or () if p != nid]
        if others:
            linked.append(f"<li>{h(d['relation'])} {s.node_link(target)} only together with "
                          + ", ".join(s.node_link(p) for p in others) + "</li>")
    if items or cut_here or cut_from or linked:
        out.append(_heading("Inferences disputed and linked", "inferences"))
        out.append("<p>An undercut grants a claim but disputes what it shows; linked premises argue only together, "
                   "as strong as the weakest.</p>")
        for title, lis in (("It disputes", items), ("Disputed inferences to this claim", cut_here),
                           ("Disputed inferences from this claim", cut_from), ("Linked with other premises", linked)):
            if lis:
                out.append(f"<p><strong>{title}</strong> ({len(lis)})</p><ul>{''.join(lis)}</ul>")
    same = sorted({v for _, v, d in G.out_edges(nid, data=True) if d["relation"] == "restates"}
                  | {u for u, _, d in G.in_edges(nid, data=True) if d["relation"] == "restates"})
    if same:
        lis = []
        for other in same:
            onode = s.nodes[other]
            quote = f" “{h(onode.source.quote)}”" if onode.source.quote else ""
            lis.append(f"<li>{s.node_link(other)} ({s.person_link(onode.speaker)}, "
                       f"{s.source_link(onode.source.document)}){quote}</li>")
        out += [_heading("The same claim, said again", "restatements"),
                "<p>Restatements carry no extra weight: the analysis counts them as one claim.</p>",
                f"<ul>{''.join(lis)}</ul>"]
    return out


def _edges_section(s: _Site, groups: list[tuple[str, list[tuple[str, dict]], bool]]) -> str:
    html_parts = []
    for title, items, show_strength in groups:
        if items:
            html_parts.append(f"<p><strong>{h(title)}</strong> ({len(items)})</p>")
            html_parts.append(_edge_items(s, items, show_strength))
    return _block(*html_parts, search=False)


_CRUX_HEADER = ["Crux", "Target if the crux holds", "Target if it fails", "Swing", "Flips the verdict"]


def _crux_table(s: _Site, report, cruxes: list | None = None) -> str:
    rows = []
    for c in report.cruxes if cruxes is None else cruxes:
        mark = "" if c.converged else " (provisional)"
        if not c.converged:
            s.provisional_used = True
        rows.append([s.node_link(c.id), f"{c.high:.2f}{mark}", f"{c.low:.2f}{mark}", f"{c.swing:+.2f}",
                     "yes" if c.strict else "no"])
    return table(_CRUX_HEADER, rows)


def _heading(title: str, anchor: str, level: int = 2) -> str:
    """A heading inside an HTML block, so that search leaves its section out; its id keeps it linkable."""
    return f'<h{level} id="{h(anchor)}">{h(title)}</h{level}>'


PROCON_TOP = 5  # reasons and objections listed on each side of a claim page's summary
TRAIL_THESES = 6  # theses a claim page traces its trail up to, the main ones first


def _by_strength(s: _Site, items: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """Strongest first: the neighbours' own strengths, then the weights of their edges."""
    st = s.a.strengths[NEUTRAL]
    return sorted(items, key=lambda item: (-st[item[0]], -float(item[1].get("weight", 1.0)), item[0]))


def _contribution(s: _Site, nid: str, other: str) -> float | None:
    """How much the argument from ``other`` moves ``nid`` (its Shapley contribution, as ``kb explain`` splits it).

    None when the analysis has none for it: an undercutter, whose effect is
    folded into the argument it undercuts, or an analysis without contributions.
    """
    net = s.a.network
    if net is None or other not in net.index:
        return None
    row = s.contribution_rows.get(nid)
    if row is None:  # a claim's row is read once per argument, twice: for its rank and for its figure
        row = s.contribution_rows[nid] = s.a.contributions.get(net.ids[net.canon(nid)], {})
    return row.get(net.ids[net.canon(other)])


def _by_contribution(s: _Site, nid: str, items: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """Those that move the claim most first (``kb explain``'s contributions); the rest after, strongest first."""
    st = s.a.strengths[NEUTRAL]

    def key(item: tuple[str, dict]) -> tuple:
        c = _contribution(s, nid, item[0]) if item[1].get("relation") != "undercuts" else None
        return (c is None, -abs(c or 0.0), -st[item[0]], -float(item[1].get("weight", 1.0)), item[0])

    return sorted(items, key=key)


def _procon(s: _Site, nid: str, supporters: list[tuple[str, dict]], attackers: list[tuple[str, dict]]) -> str:
    """The two columns that open a claim page: the reasons for it and objections to it that move it most.

    Each is ranked by its Shapley contribution to the claim's strength (what
    ``kb explain`` shows, from the neutral perspective) and shows its own
    strength and that contribution; undercutters, whose effect is part of the
    argument they undercut, come after, strongest first.
    """
    if not supporters and not attackers:
        return "<p>Nothing in the map argues for or against it yet.</p>"
    sides = []

    def item(other: str, data: dict) -> str:
        c = _contribution(s, nid, other) if data.get("relation") != "undercuts" else None
        moves = (f' <small class="kb-moves" title="moves this claim by {c:+.2f}: its share of the strength '
                 f'(neutral perspective)">{c:+.2f}</small>') if c is not None else ""
        return f"<li>{s.node_link(other)} <span class=\"kb-num\">{s.live(other)}</span>{moves}</li>"

    for key, title, items in (("pro", "For it", supporters), ("con", "Against it", attackers)):
        ranked = _by_contribution(s, nid, items)
        lis = "".join(item(other, data) for other, data in ranked[:PROCON_TOP])
        body = f"<ol>{lis}</ol>" if lis else "<p>Nothing in the map.</p>"
        more = (f'<p><a href="#what-argues-about-it">All {len(items)}</a></p>' if len(items) > PROCON_TOP else "")
        sides.append(f'<section class="kb-procon__side kb-procon__side--{key}" aria-labelledby="{key}">'
                     f'<h2 id="{key}">{title} ({len(items)})</h2>{body}{more}</section>')
    # The order and the signed shares are the neutral perspective's; say so, since the perspective
    # switcher rewrites the strengths beside them but not the order.
    # The shares are hidden from another perspective (they would mislead there), so its caption names
    # only the number it shows; the stylesheet shows one caption or the other.
    note = ('<p class="kb-note kb-note--neutral">Ranked by how much each moves this claim from the neutral '
            'perspective (the small signed number: its share of the claim\'s strength); the other number is its '
            'own strength.</p>'
            '<p class="kb-note kb-note--perspective">Ranked by how much each moves this claim from the neutral '
            'perspective; the number beside each is its own strength from <span class="kb-pname">neutral</span>'
            '\'s perspective.</p>')
    return '<div class="kb-procon">' + "".join(sides) + "</div>" + note


_STEP = {"supports": ("pro", "supports"), "attacks": ("con", "attacks")}


def _trails(s: _Site, nid: str) -> str:
    """From the claim up to each thesis it bears on, one shortest chain each, every step marked for or against."""
    parts = []
    for t in s.main_theses()[:TRAIL_THESES]:
        if t == nid:
            continue
        nxt = s.toward(t)
        if nid not in nxt:
            continue
        steps = []
        node, against, unknown = nid, False, False
        while node != t:
            up = nxt[node]
            relation = s.G.edges[node, up].get("relation", "supports")
            key, verb = _STEP.get(relation, ("other", relation))
            against ^= key == "con"
            unknown |= key == "other"
            steps.append(f'<li><span class="kb-step kb-step--{key}">{h(verb)}</span> {s.node_link(up)}</li>')
            node = up
        net = "Bears on" if unknown else f"Counts <strong>{'against' if against else 'for'}</strong>"
        parts.append(f'<p>{net} {s.node_link(t)}:</p><ol class="kb-trail">'
                     f'<li>{h(s.nodes[nid].title)}</li>{"".join(steps)}</ol>')
    if not parts:
        return ""
    return _heading("Where it leads", "trail") + "".join(parts)


def _node_page(s: _Site, nid: str) -> str:
    """A node's page: its own words first (what search indexes), then everything computed or linked.

    Only the node's own content is searchable: its neighbours' titles, the
    numbers and the map would make every claim match the words of the claims
    around it, and would cost search indexing a parse of most of the page.
    """
    s.page = page = node_page(nid)
    node = s.nodes[nid]
    G = s.G
    summary = [f"<strong>Verdict: {s.live_verdict(nid)}</strong>",
               f'strength <strong>{s.live(nid)}</strong> (<span class="kb-pname">neutral</span>)',
               f"grounded label {s.label(nid)}", f"<strong>{h(s.kind_label(nid))}</strong>"]
    if style.THESIS_TAG in node.tags:
        summary.append("top-level thesis")
    source = node.source
    if node.presenter:
        where = (f"Held by {s.person_link(node.speaker)}, presented by {s.person_link(node.presenter)} "
                 f"in {s.source_link(source.document)}")
    else:
        where = f"Asserted by {s.person_link(node.speaker)} in {s.source_link(source.document)}"
    if source.section:
        where += ", section " + s.link(source_page(source.document), source.section, s.section_anchor(nid))
    where += "."
    if node.tags:
        where += f" Tags: {h(', '.join(node.tags))}."
    # Searchable: the node's own words. Everything else is in blocks search leaves out.
    own = [paragraphs(node.text)]
    if source.quote:
        own.append(f'<blockquote class="kb-quote"><p>“{h(source.quote)}”</p></blockquote>')
    about = [f'<p class="kb-provenance">{where} Id: <code>{h(nid)}</code>.</p>']
    if nid in s.located:
        about.append(f'<p class="kb-context">{s.link(reading_page(s.located[nid]), "Read the quote in context", reading.anchor_id(nid))}'
                     f" in the text of {s.source_link(s.located[nid])}.</p>")
    if node.kind == THEORY:
        about.append(f'<p>{s.link(theory_page(nid), "Scorecard of this theory of impact")}</p>')
    if node.note:
        about.append(f'<p class="kb-note">Editorial note: {h(node.note)}</p>')

    rest = [*about, _heading("Strength", "strength")]
    rows = []
    for p in s.a.perspectives:
        prior = s.a.priors.get(p, {}).get(nid)
        if prior is None or p == NEUTRAL:
            base = "0.50"
        else:
            base = f"{prior.value:.2f} ({ORIGIN_TEXT[prior.origin]})"
        rows.append([h(s.perspective_name(p)), base, s.strength(nid, p), s.verdict(nid, p)])
    rest += ["<p>How strongly the claim stands once everything for and against it is weighed, starting from "
             "each perspective's base score: a credence the person recorded, else one implied by what they "
             "hold (0.8) or argue against (0.2), else 0.5, undecided.</p>",
             table(["Perspective", "Base score", "Strength", "Verdict"], rows),
             f"<p>Grounded label: {s.label(nid)} ({h(LABEL_TEXT[s.label_text(nid)])}).</p>"]
    note = semantics.label_note(s.a.strengths[NEUTRAL][nid], s.label_text(nid))
    if note:
        rest.append(f'<p class="kb-label-note">{h(note)}</p>')

    if node.stances:
        rows = []
        for pid, stance in sorted(node.stances.items()):
            words = f"“{h(stance.quote)}”" if stance.quote else ""
            if stance.quote and stance.source and stance.source != source.document:
                words += f" ({s.source_link(stance.source)})"
            if stance.note:
                words += (" " if words else "") + f"<em>{h(stance.note)}</em>"
            rows.append([s.person_link(pid), f"{stance.credence:.2f}", words])
        rest += [_heading("Where people stand", "where-people-stand"),
                 table(["Person", "Credence", "In their words"], rows)]

    outgoing = sorted(G.succ[nid].items())  # (neighbour, edge data), as sorted(G.out_edges(nid, data=True)) orders them
    incoming = sorted(G.pred[nid].items())
    supports = [(v, d) for v, d in outgoing if d["relation"] == "supports"]
    attacks = [(v, d) for v, d in outgoing if d["relation"] == "attacks"]
    supporters = [(u, d) for u, d in incoming if d["relation"] == "supports"]
    attackers = [(u, d) for u, d in incoming if d["relation"] == "attacks"]
    if supports or attacks:
        rest += [_heading("What it argues about", "what-it-argues-about"),
                 _edges_section(s, [("Supports", supports, False), ("Attacks", attacks, False)])]
    if supporters or attackers:
        rest += [_heading("What argues about it", "what-argues-about-it"),
                 _edges_section(s, [("Supported by", _by_contribution(s, nid, supporters), True),
                                    ("Attacked by", _by_contribution(s, nid, attackers), True)])]
    rest += _relations_sections(s, nid)

    report = s.a.cruxes.get(nid)
    if report is not None and report.cruxes:
        rest += [_heading("Cruxes", "cruxes"),
                 f"<p>What this claim hinges on, from the neutral perspective: each of its {report.candidates} "
                 "ancestors forced to hold and then to fail, and how far that moves this claim.</p>",
                 _crux_table(s, report)]
    elif nid in s.a.crux_skipped:
        rest += [_heading("Cruxes", "cruxes"),
                 "<p>Not computed for the site: this claim has too many ancestors, or ancestors that argue in "
                 f"a large circle, to analyse within a build. <code>kb cruxes {h(nid)}</code> computes them.</p>"]

    rest += [_heading("Map", "map"),
             f"<p>Everything within {s.o.local_steps} steps of this claim. Click a node to open its page.</p>",
             s.atlas.local_map(nid, s.base, steps=s.o.local_steps, cap=s.o.local_cap), s.footnote()]
    undercutters = [(u, d) for u, d in incoming if d["relation"] == "undercuts"]
    opening = [f'<p class="kb-summary">{" · ".join(summary)}</p>', _procon(s, nid, supporters, attackers + undercutters),
               _trails(s, nid)]
    return "\n".join([f"# {md(node.title)}", "", _block(*opening, search=False),
                      "", _block(*own), "", _block(*rest, search=False), ""])


# --- theories of impact -----------------------------------------------------------------------------


def _theories(s: _Site) -> list[str]:
    def key(nid: str) -> tuple:
        for tag in s.nodes[nid].tags:
            m = _TOI_NUMBER.match(tag)
            if m:
                return (0, int(m.group(1)), "", nid)
        return (1, 0, s.nodes[nid].title.lower(), nid)

    return sorted((n for n, node in s.nodes.items() if node.kind == THEORY), key=key)


def _critiques(s: _Site, nid: str) -> list[tuple[str, dict, list[tuple[str, str, dict]]]]:
    """The attackers of a theory, each with the nodes that answer it (attack it) or back it (support it)."""
    out = []
    for critic, _, data in sorted(s.G.in_edges(nid, data=True)):
        if data["relation"] == "attacks":
            replies = [(u, d["relation"], d) for u, _, d in sorted(s.G.in_edges(critic, data=True))]
            out.append((critic, data, replies))
    return out


def _participants(s: _Site) -> list[str]:
    return [p for p in s.a.perspectives if p != NEUTRAL]


def _theory_page(s: _Site, nid: str) -> str:
    s.page = theory_page(nid)
    node = s.nodes[nid]
    own = [paragraphs(node.text),
           f"<p>Asserted by {s.person_link(node.speaker)} in {s.source_link(node.source.document)}. "
           f"{s.link(node_page(nid), 'The claim’s own page')} has its map and every link.</p>"]
    rows = [[h(s.perspective_name(p)), s.strength(nid, p), s.verdict(nid, p)] for p in s.a.perspectives]
    rest = [_heading("Strength for each participant", "strength"),
            table(["Perspective", "Strength", "Verdict"], rows), f"<p>Grounded label: {s.label(nid)}.</p>"]
    critiques = _critiques(s, nid)
    rest.append(_heading(f"Critiques ({len(critiques)})", "critiques"))
    if not critiques:
        rest.append("<p>Nothing in the knowledge base attacks this theory.</p>")
    for critic, data, replies in critiques:
        cnode = s.nodes[critic]
        weight = float(data.get("weight", 1.0))
        line = [s.node_link(critic), h(s.kind_label(critic)), f"by {s.person_link(cnode.speaker)}",
                f"strength {s.live(critic)} {s.label(critic)}"]
        if weight != 1.0:
            line.append(f"weight {weight:g}")
        rest += [_heading(cnode.title, f"critique-{critic}", 3),
                 f'<p class="kb-summary">{" · ".join(line)}</p>', paragraphs(cnode.text)]
        if data.get("note"):
            rest.append(f'<p class="kb-edge-note">Note: {h(data["note"])}</p>')
        if replies:
            items = []
            for reply, relation, rdata in replies:
                verb = {"attacks": "answers it", "supports": "backs it", "undercuts": "disputes an inference to it",
                        "restates": "says it again"}.get(relation, relation)
                item = (f"{s.node_link(reply)} ({verb}) by {s.person_link(s.nodes[reply].speaker)} · "
                        f"strength {s.live(reply)} {s.label(reply)}")
                if rdata.get("note"):
                    item += f" · Note: {h(rdata['note'])}"
                items.append(f"<li>{item}</li>")
            rest.append(f"<p>Replies and backing ({len(replies)}):</p><ul>{''.join(items)}</ul>")
        else:
            rest.append("<p>No reply to this critique in the knowledge base.</p>")
    backers = [(u, d) for u, _, d in sorted(s.G.in_edges(nid, data=True)) if d["relation"] == "supports"]
    if backers:
        rest += [_heading(f"Support ({len(backers)})", "support"), _edge_items(s, backers, True)]
    shown = {nid, *(u for u, _ in backers)}
    for critic, _, replies in critiques:
        shown.add(critic)
        shown.update(reply for reply, _, _ in replies)
    rest += [_heading("Map", "map"), "<p>The theory, its critiques, their replies and its support. "
             "Click a node to open its page.</p>",
             s.atlas.focus_map(nid, shown, s.base, label=f"Map of the theory and the {len(shown) - 1} nodes around it"),
             s.footnote()]
    return "\n".join([f"# Scorecard: {md(node.title)}", "", _block(*own), "", _block(*rest, search=False), ""])


def _theories_index(s: _Site, theories: list[str]) -> str:
    s.page = THEORIES_INDEX
    people = _participants(s)
    header = ["Theory", "Critiques", "Replies", "Neutral", *(h(s.person_name(p)) for p in people), "Label"]
    rows = []
    for nid in theories:
        critiques = _critiques(s, nid)
        rows.append([s.link(theory_page(nid), s.nodes[nid].title), str(len(critiques)),
                     str(sum(len(r) for _, _, r in critiques)), s.strength(nid), *(s.strength(nid, p) for p in people),
                     s.label(nid)])
    out = ["# Theories of impact", "", _block(
        f"<p>Every theory of impact in the map ({len(theories)}), with how many critiques attack it, how many "
        "replies those critiques get, and how strongly the theory stands for each participant once all of it "
        "is weighed. Each title opens the theory's scorecard.</p>",
        table(header, rows) if rows else "<p>The knowledge base has no theory of impact yet.</p>"), ""]
    out.append(s.footnote())
    return "\n".join(out)


# --- sources and people -------------------------------------------------------------------------------


def _web_link(url: str | None) -> str | None:
    url = (url or "").strip()
    return f'<a href="{h(url)}" rel="nofollow noopener">{h(url)}</a>' if _WEB.match(url) else None


def _source_page(s: _Site, sid: str) -> str:
    s.page = source_page(sid)
    source = s.kb.sources[sid]
    rows = [("Kind", h(source.kind))]
    if source.authors:
        rows.append(("Authors", h(", ".join(source.authors))))
    if source.date:
        rows.append(("Date", h(source.date)))
    if source.url:
        rows.append(("Published at", _web_link(source.url) or h(source.url)))
    sections = s.sections.get(sid, [])
    rows.append(("Nodes", str(sum(len(n) for _, n in sections))))
    if sid in s.texts:
        rest = [f"<p>{s.link(reading_page(sid), 'Read the document')} with every claim drawn from it highlighted "
                "at its quote.</p>", "<p>The claims drawn from this document, in the order the document makes them.</p>"]
    else:
        rest = ["<p>The claims drawn from this document, by section. The document's text was not available "
                "when the site was built, so they are listed in the order of the knowledge base's files, which "
                "need not be the document's.</p>"]
    for i, (section, nids) in enumerate(sections):
        items = []
        for nid in nids:
            node = s.nodes[nid]
            quote = f'<br><span class="kb-quote-inline">“{h(node.source.quote)}”</span>' if node.source.quote else ""
            items.append(f"<li>{s.node_link(nid)} · {h(s.kind_label(nid))} by {s.person_link(node.speaker)} · "
                         f"strength {s.live(nid)}{quote}</li>")
        rest += [_heading(section or "Without a section", f"section-{i + 1}"), "<ul>", *items, "</ul>"]
    rest.append(s.footnote())
    return "\n".join([f"# {md(source.title)}", "", _block(facts(rows)), "", _block(*rest, search=False), ""])


def _reading_page(s: _Site, sid: str) -> str:
    """The document's text, every located quote highlighted and linked to its claim (see kb.publishing.reading)."""
    s.page = reading_page(sid)
    source = s.kb.sources[sid]
    spans = s.spans.get(sid, {})
    body = reading.render(s.texts[sid], reading.anchors(spans), lambda n: s.url(node_page(n)),
                          lambda n: s.nodes[n].title)
    anchored = sum(1 for n, node in s.nodes.items() if node.source.document == sid and node.source.quote)
    note = (f"<p>The text of {s.source_link(sid)} as it was when the site was built, with the quotes of the "
            f"{len(spans)} claims drawn from it highlighted where the document says them; each links to its claim "
            "(a passage several claims quote is followed by a numbered link to each)"
            + (f"; {anchored - len(spans)} quotes could not be found in this text" if anchored > len(spans) else "")
            + ".</p>")
    url = _web_link(source.url)
    if url:
        note += f"<p>Published at {url}.</p>"
    return "\n".join([f"# Reading: {md(source.title)}", "", _block(note), "",
                      _block('<div class="kb-reader">', body, "</div>", search=False), ""])


def _person_page(s: _Site, pid: str) -> str:
    s.page = person_page(pid)
    person = s.kb.people[pid]
    rows = []
    if person.affiliation:
        rows.append(("Affiliation", h(person.affiliation)))
    if person.role:
        rows.append(("Role", h(person.role)))
    if person.url and _web_link(person.url):
        rows.append(("More", _web_link(person.url)))
    own = pid in s.a.perspectives
    asserts = s.by_speaker.get(pid, [])
    stances = [(n, s.nodes[n].stances[pid]) for n in s.by_stance.get(pid, [])]
    theses = [t for t in s.a.theses if t in s.nodes]
    rest = []
    if theses:
        table_rows = []
        for t in theses:
            credence = s.nodes[t].credence(pid)
            table_rows.append([s.node_link(t), f"{credence:.2f}" if credence is not None else "no stance recorded",
                               s.strength(t, pid) if own else "—"])
        rest += [_heading("Where they stand on the theses", "theses"),
                 table(["Thesis", "Their credence", "Strength from their perspective"], table_rows)]
        if not own:
            rest.append("<p>Strengths from this person's perspective are not computed for the site.</p>")
    rest.append(_heading(f"What they assert ({len(asserts)})", "asserts"))
    if asserts:
        documents = sorted({s.nodes[n].source.document for n in asserts})
        rest.append(f"<p>From {', '.join(s.source_link(d) for d in documents)}.</p>")
        rest.append(LABEL_KEY)
        rest.append(table(["Claim", "Kind", "Strength", "Label"],
                          [[s.node_link(n), h(s.kind_label(n)), s.strength(n), s.label(n, explained=False)]
                           for n in asserts], live=2))
    else:
        rest.append("<p>Nothing in the knowledge base is attributed to them.</p>")
    rest.append(_heading(f"Where they stand ({len(stances)})", "stances"))
    if stances:
        rest.append(table(["Claim", "Credence", "In their words"],
                          [[s.node_link(n), f"{st.credence:.2f}", f"“{h(st.quote)}”" if st.quote else ""]
                           for n, st in stances]))
    else:
        rest.append("<p>No stance of theirs is recorded.</p>")
    rest.append(s.footnote())
    first = [_block(facts(rows)), ""] if rows else []
    return "\n".join([f"# {md(person.name)}", "", *first, _block(*rest, search=False), ""])


def _sources_index(s: _Site) -> str:
    s.page = SOURCES_INDEX
    rows = []
    for sid, source in sorted(s.kb.sources.items(), key=lambda kv: (kv[1].date or "", kv[0])):
        count = sum(len(n) for _, n in s.sections.get(sid, []))
        rows.append([s.source_link(sid), h(", ".join(source.authors)), h(source.date or ""), str(count)])
    return "\n".join(["# Sources", "", _block("<p>The documents the map is built from.</p>",
                                               table(["Document", "Authors", "Date", "Nodes"], rows)), ""])


def _people_index(s: _Site) -> str:
    s.page = PEOPLE_INDEX
    said = Counter(node.speaker for node in s.nodes.values())
    stood = Counter(pid for node in s.nodes.values() for pid in node.stances)
    rows = [[s.person_link(pid), h(person.role or ""), str(said[pid]), str(stood[pid])]
            for pid, person in sorted(s.kb.people.items(), key=lambda kv: (kv[1].name.lower(), kv[0]))]
    return "\n".join(["# People", "", _block("<p>Everyone the map attributes a claim or a stance to.</p>",
                                              table(["Person", "Role", "Claims", "Stances"], rows)), ""])


def _claims_index(s: _Site) -> str:
    s.page = CLAIMS_INDEX
    out = ["# All claims", "", _block(f"<p>Every node of the map ({len(s.nodes)}), by kind.</p>", LABEL_KEY), ""]
    by_kind: dict[str, list[str]] = defaultdict(list)
    for nid, node in s.nodes.items():
        by_kind[node.kind].append(nid)
    for kind, ks in style.KIND_STYLES.items():
        nids = sorted(by_kind.get(kind, []), key=lambda n: (s.nodes[n].title.lower(), n))
        if nids:
            # No source column: each claim's page names it, and on a phone five columns would not fit.
            rows = [[s.node_link(n), s.person_link(s.nodes[n].speaker), s.strength(n), s.label(n, explained=False)]
                    for n in nids]
            out += [f"## {md(ks.label)} ({len(nids)})", "",
                    _block(table(["Claim", "Speaker", "Strength", "Label"], rows, live=2), search=False), ""]
    out.append(s.footnote())
    return "\n".join(out)


# --- cruxes -------------------------------------------------------------------------------------------


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.0f}%"


# A swing, gap or share of a gap under half a point in the second decimal shows as 0.00 or 0%: it changes nothing.
NEGLIGIBLE = 0.005
# Two people whose verdicts on a thesis are the same and whose strengths for it are closer than this agree on it:
# their double cruxes would be ranked shares of a gap no reader would act on.
AGREE_GAP = 0.05


def _main_theses(s: _Site) -> list[str]:
    return s.main_theses()


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _crux_groups(s: _Site, reports: dict) -> list[tuple[list[str], object, list]]:
    """Perspectives whose tables would read the same, grouped: (perspectives, a report, the cruxes shown).

    Cruxes whose swing rounds to nothing are left out, so two perspectives
    that differ only there share one table.
    """
    groups: dict[tuple, tuple[list[str], object, list]] = {}
    for p in s.a.perspectives:
        report = reports[p]
        shown = [c for c in report.cruxes if abs(c.swing) >= NEGLIGIBLE]
        key = tuple((c.id, f"{c.high:.2f}", f"{c.low:.2f}", f"{c.swing:+.2f}", c.strict, c.converged) for c in shown)
        if key in groups:
            groups[key][0].append(p)
        else:
            groups[key] = ([p], report, shown)
    return list(groups.values())


def _cruxes_page(s: _Site) -> str:
    s.page = CRUXES_PAGE
    out = ["# Cruxes", "", _block(
        "<p>A <em>crux</em> of a thesis is a claim it hinges on: the claim is forced to hold, then to fail, "
        "and the swing in the thesis's strength is measured. A <em>double crux</em> of two people is a claim "
        "they score differently whose adoption by either would close much of their disagreement on the "
        "thesis. The main thesis comes first; where perspectives agree they share one table, and claims "
        "that would move nothing are left out.</p>"), ""]
    theses = _main_theses(s)
    if not theses:
        out += [_block("<p>The map has no thesis yet.</p>"), ""]
    for t in theses:
        strengths = ", ".join(f"{h(s.perspective_name(p))} {s.strength(t, p)}" for p in s.a.perspectives)
        block = [f"<p>{s.node_link(t)} · strength {strengths} · grounded label {s.label(t)}</p>"]
        reports = s.a.thesis_cruxes.get(t)
        if reports is None:
            if t in s.a.crux_skipped:
                block.append(f"<p>Not computed for the site (too large an analysis): "
                             f"<code>kb cruxes {h(t)}</code> computes them.</p>")
            else:
                block.append("<p>Nothing argues about this thesis yet, so it has no cruxes.</p>")
        else:
            groups = _crux_groups(s, reports)
            for perspectives, report, shown in groups:
                names = [("the neutral" if p == NEUTRAL else f"{h(s.person_name(p))}’s") for p in perspectives]
                if len(groups) == 1 and len(perspectives) > 1:
                    whose = "every perspective (they agree)"
                elif len(perspectives) == 1:
                    whose = f"{names[0]} perspective"
                else:
                    whose = f"{_names(names)} perspectives (they agree)"
                block.append(f"<p><strong>From {whose}</strong> ({report.candidates} ancestors examined)</p>")
                block.append(_crux_table(s, report, shown) if shown else
                             "<p>No claim moves it by as much as 0.01.</p>")
        out += [f"## {md(s.nodes[t].title)}", "", _block(*block), ""]

    out += ["## Double cruxes", "", _block(
        "<p>For each pair of participants who disagree on a thesis: the claims they score differently that can "
        "reach it, ranked by how much of the gap between them each would close if either side adopted the "
        "other's credence for it (the score is the smaller of the two fractions). A strict double crux is one "
        "they sit on opposite sides of and whose adoption flips each one's verdict. Only theses a pair "
        f"disagrees on get a table (a different verdict, or strengths {AGREE_GAP:g} or more apart), and pairs "
        "with the same findings share one section.</p>",
        "" if s.a.pairs else "<p>No pairs of participants are configured.</p>"), ""]
    for a, partners, blocks in _double_groups(s, theses):
        names = _names([s.person_name(b) for b in partners])
        out += [f"### {md(s.person_name(a))} and {md(names)}", "", _block(*blocks), ""]
    out.append(s.footnote())
    return "\n".join(out)


def _double_groups(s: _Site, theses: list[str]) -> list[tuple[str, list[str], list[str]]]:
    """Each pair's double-crux section, with pairs of the same first person and identical tables merged."""
    sections: dict[tuple, tuple[str, list[str], list]] = {}
    for a, b in s.a.pairs:
        parts: list[tuple] = []  # per thesis, what is shown: everything that must match for two pairs to merge
        for t in theses:
            key = (t, a, b)
            if key in s.a.double_skipped:
                parts.append(("skipped", t))
                continue
            rep = s.a.double_cruxes.get(key)
            if rep is None or not rep.items or (abs(rep.gap) < AGREE_GAP and rep.verdict_a == rep.verdict_b):
                parts.append(("agree", t, rep.verdict_a if rep is not None else ""))
                continue
            items = [i for i in rep.items if max(abs(i.close_a or 0.0), abs(i.close_b or 0.0)) >= NEGLIGIBLE]
            parts.append(("table", t, f"{rep.strength_a:.2f}", f"{rep.strength_b:.2f}", rep.converged,
                          rep.disputed, tuple((i.id, f"{i.tau_a:.2f}", f"{i.tau_b:.2f}", _pct(i.close_a),
                                               _pct(i.close_b), _pct(i.score), i.strict) for i in items),
                          rep.shapley.method, tuple(sorted((n, f"{v:+.3f}") for n, v in rep.shapley.parts.items()))))
        signature = (a, tuple(parts))
        if signature in sections:
            sections[signature][1].append(b)
        else:
            sections[signature] = (a, [b], parts)
    out = []
    for a, partners, parts in sections.values():
        b = partners[0]
        name_a = s.person_name(a)
        name_b = s.person_name(b) if len(partners) == 1 else "each of them"
        block: list[str] = []
        agree: list[str] = []
        for part in parts:
            t = part[1]
            if part[0] == "skipped":
                block.append(f"<p>{s.node_link(t)}: not computed for the site; "
                             f"<code>kb cruxes {h(t)} --between {h(a)} {h(b)}</code> computes it.</p>")
                continue
            if part[0] == "agree":
                agree.append(s.node_link(t) + (f" (both: {h(part[2])})" if part[2] else ""))
                continue
            rep = s.a.double_cruxes[(t, a, b)]
            mark = "" if rep.converged else " (provisional)"
            if not rep.converged:
                s.provisional_used = True
            block.append(f"<p><strong>{s.node_link(t)}</strong>: strength {rep.strength_a:.2f} for {h(name_a)}, "
                         f"{rep.strength_b:.2f} for {h(name_b)} (gap {rep.gap:+.2f}{mark}); "
                         f"{rep.disputed} disputed claims.</p>")
            rows = [[s.node_link(i[0]), i[1], i[2], i[3], i[4], i[5], "yes" if i[6] else "no"] for i in part[6]]
            if rows:
                block.append(table(["Claim", h(name_a), h(name_b), f"Gap closed if {h(name_a)} adopts",
                                    f"if {h(name_b)} adopts", "Score", "Strict"], rows))
            else:
                block.append("<p>No single disputed claim closes any of the gap.</p>")
            if rep.shapley.method == "exact" and rep.shapley.parts:
                shares = sorted(rep.shapley.parts.items(), key=lambda kv: (-abs(kv[1]), kv[0]))
                block.append("<p>Where the gap comes from (exact Shapley split): " + "; ".join(
                    f"{s.node_link(n)} {v:+.3f}" for n, v in shares if abs(v) > 1e-9) + ".</p>")
            elif rep.disputed:
                block.append(f"<p>The split of the gap over all {rep.disputed} disputed claims is a sampled "
                             f"estimate: <code>kb cruxes {h(t)} --between {h(a)} {h(b)}</code>.</p>")
        if agree:
            block.append(f"<p>They agree on {len(agree)} thes{'i' if len(agree) == 1 else 'e'}s (the same verdict, "
                         f"strengths within {AGREE_GAP:g}): " + ", ".join(agree) + ".</p>")
        out.append((a, partners, block))
    return out


# --- where do you stand? ---------------------------------------------------------------------------


def _stand_page(s: _Site) -> str:
    """The reader's own credences, solved in their browser (kb/publishing/assets/kb-stand.js) as kb solves the map."""
    s.page = STAND_PAGE
    people = _names([s.person_name(p) for p in _participants(s)]) if _participants(s) else ""
    intro = (
        "<p>Set how strongly you accept the claims below, from 0 (you reject it) to 1 (you accept it); a claim you "
        "leave alone stays at 0.5, undecided. Your verdict on each thesis follows at once, computed in this page "
        f"by the site's own semantics (<code>{h(semantics.DEFAULT_METHOD)}</code>). The claims the main theses "
        "hinge on come first, every other claim below. Your credences stay in this browser and can be copied "
        "out as the <code>kb stance</code> commands that would record them.</p>",
        '<details class="kb-stand__how"><summary>What this page computes</summary>'
        "<p><em>Your verdict</em> on a thesis: its strength from your base scores, the same computation as every "
        "strength on this site, repeated in your browser. <em>Your cruxes</em> of a thesis: each claim that can reach "
        "it forced to hold and then to fail, and how far that moves your strength for the thesis (as "
        "<code>kb cruxes</code> does). <em>Double cruxes</em> with a participant"
        + (f" ({h(people)})" if people else "") + ": the claims you and they score differently, each ranked by "
        "the smaller of two shares of the gap between your strengths for the thesis: the share you would close by "
        "adopting their score for it, and the share they would close by adopting yours (the rows of "
        "<code>kb cruxes THESIS --between</code>, without its split of the whole gap). Their scores are those the "
        "site uses: what they recorded, else what they assert (0.8) or argue against (0.2), else 0.5.</p></details>",
    )
    return "\n".join([
        "# Where do you stand?", "", _block(*intro), "",
        _block(f'<div id="kb-stand" class="kb-stand" data-base="{s.base}" '
               f'data-src="{s.base}{ASSETS_DIR}/{clientdata.STAND_FILE}">'
               "<p>This page needs JavaScript: it computes your verdicts in your browser.</p></div>", search=False),
        ""])


# --- home -----------------------------------------------------------------------------------------


def _counts(s: _Site) -> str:
    kinds = Counter(node.kind for node in s.nodes.values())
    relations = Counter(d for _, _, d in s.G.edges(data="relation"))
    counts = ", ".join(f"{kinds[k]} {ks.label.lower()}{'s' * (kinds[k] != 1)}"
                       for k, ks in style.KIND_STYLES.items() if kinds.get(k))
    return (f"<strong>{len(s.nodes)} nodes</strong> ({h(counts)}), <strong>{relations.get('supports', 0)} "
            f"supports</strong> and <strong>{relations.get('attacks', 0)} attacks</strong>, from "
            f"<strong>{len(s.kb.sources)} documents</strong> and <strong>{len(s.kb.people)} people</strong>")


def _map_page(s: _Site, positions: dict | None) -> str:
    """The whole map on a page of its own: too big to read at a glance, so never the first thing a reader meets."""
    s.page = MAP_PAGE
    return "\n".join([
        "# The whole map", "", _block(
            f"<p>{_counts(s)}. The theses are at the top, and below each claim what argues about it. "
            "Drag to pan; zoom with the buttons, with Ctrl/⌘ and the wheel, or after clicking the map; "
            "hover over a node for what it is and how it stands, click it to open its page. Less central "
            "claims are dots until you zoom in far enough to read them.</p>"), "",
        _block(s.atlas.global_map(s.base, positions), search=False), ""])


TREE_DEPTH = 3  # levels of reasons and objections the home page's tree unfolds below each thesis


def _tree(s: _Site) -> str:
    """Each thesis with its reasons and objections, and theirs, as nested lists that open in place.

    Every level is a native disclosure (details and summary), so it opens and
    closes by mouse, keyboard and screen reader alike with no script. A claim
    reached a second time, or deeper than :data:`TREE_DEPTH`, is a link to its
    page rather than a copy of its subtree, which keeps the page small.
    """
    seen: set[str] = set()

    def children(node: str) -> list[tuple[str, dict]]:
        incoming = [(u, d) for u, _, d in s.G.in_edges(node, data=True) if d.get("relation") in _STEP]
        return _by_strength(s, incoming)

    def item(node: str, depth: int, relation: str | None) -> str:
        key, verb = _STEP.get(relation, ("", "")) if relation else ("", "")
        mark = f'<span class="kb-{key[0]}">{"for" if key == "pro" else "against"}</span> ' if key else ""
        head = f"{mark}{s.node_link(node)} <small>{s.live(node)}</small>"
        kids = children(node)
        if not kids:
            return f"<li>{head}</li>"
        pro = sum(1 for _, d in kids if d["relation"] == "supports")
        if node in seen or depth >= TREE_DEPTH:
            again = " (shown above)" if node in seen else ""
            return f'<li>{head} <small>· {pro} for, {len(kids) - pro} against{again}</small></li>'
        seen.add(node)
        inner = "".join(item(u, depth + 1, d["relation"]) for u, d in kids)
        opened = " open" if depth == 0 else ""
        return (f"<li>{head}<details{opened}><summary>{pro} for, {len(kids) - pro} against</summary>"
                f"<ul>{inner}</ul></details></li>")

    theses = s.main_theses()
    if not theses:
        return "<p>The map has no thesis yet.</p>"
    return '<ul class="kb-tree">' + "".join(item(t, 0, None) for t in theses) + "</ul>"


def _home(s: _Site) -> str:
    s.page = HOME
    out = [s.o.intro.strip(), "", "## The argument", "", _block(
        "<p>Each thesis, with the reasons for it and the objections against it, strongest first, and theirs "
        "in turn: open a line to see what argues about it, follow a title to its page. Numbers are "
        "strengths (0.5 is undecided), from the neutral perspective unless another is chosen above.</p>",
        _tree(s), search=False), "",
        "## The map", "", _block(
        f"<p>{_counts(s)}. {s.link(MAP_PAGE, 'The whole map')} shows them all at once.</p>"), ""]
    theses = [t for t in s.a.theses if t in s.nodes]
    if theses:
        header = ["Thesis", *(h(s.perspective_name(p)) for p in s.a.perspectives), "Label"]
        rows = [[s.node_link(t), *(s.strength(t, p) for p in s.a.perspectives), s.label(t)] for t in theses]
        out += ["## The theses", "", _block(
            "<p>The top-level conclusions the documents argue about, with their strength from each perspective "
            "(0.5 is undecided) and their grounded label.</p>", table(header, rows)), ""]
    sources = ", ".join(s.source_link(sid) for sid in sorted(s.kb.sources))
    out += ["## Explore", "", _block(
        "<ul>",
        f"<li>{s.link(THEORIES_INDEX, 'Theories of impact')}: a scorecard for each, with every critique and "
        "every reply.</li>",
        f"<li>{s.link(CRUXES_PAGE, 'Cruxes')}: what each thesis hinges on, and where the participants part "
        "ways.</li>",
        f"<li>{s.link(STAND_PAGE, 'Where do you stand?')}: set your own credences and see your verdicts, your "
        "cruxes and where you part ways with each participant.</li>",
        f"<li>{s.link(CLAIMS_INDEX, 'All claims')}: every node, by kind.</li>",
        f"<li>{s.link(MAP_PAGE, 'The whole map')}: every node and link in one picture.</li>",
        f"<li>{s.link(SOURCES_INDEX, 'Sources')}: {sources}.</li>",
        f"<li>{s.link(PEOPLE_INDEX, 'People')}: who says what, and where they stand.</li>",
        "</ul>"), ""]
    out.append(s.footnote())
    return "\n".join(out)


# --- entry points -------------------------------------------------------------------------------------


def render(kb: KnowledgeBase, analysis: SiteAnalysis, options: Options = Options(),
           positions: dict | None = None) -> dict[str, str]:
    """Every page of the site: ``{path relative to the docs folder: markdown}``.

    ``positions`` is the global map's layout (see :func:`kb.publishing.maps.whole_layout`),
    computed here when not given.
    """
    s = _Site(kb, analysis, options)
    pages: dict[str, str] = {HOME: _home(s), MAP_PAGE: _map_page(s, positions)}
    for nid in s.nodes:
        pages[node_page(nid)] = _node_page(s, nid)
    theories = _theories(s)
    for nid in theories:
        pages[theory_page(nid)] = _theory_page(s, nid)
    pages[THEORIES_INDEX] = _theories_index(s, theories)
    pages[CLAIMS_INDEX] = _claims_index(s)
    for sid in sorted(kb.sources):
        pages[source_page(sid)] = _source_page(s, sid)
        if sid in s.texts:
            pages[reading_page(sid)] = _reading_page(s, sid)
    pages[SOURCES_INDEX] = _sources_index(s)
    for pid in sorted(kb.people):
        pages[person_page(pid)] = _person_page(s, pid)
    pages[PEOPLE_INDEX] = _people_index(s)
    pages[CRUXES_PAGE] = _cruxes_page(s)
    pages[STAND_PAGE] = _stand_page(s)
    return pages


def render_data(kb: KnowledgeBase, analysis: SiteAnalysis, options: Options = Options()) -> dict[str, str]:
    """The JSON the site's scripts read (see kb.publishing.clientdata): ``{path relative to the docs folder: text}``."""
    # Not through _Site: its maps would be built for nothing.
    names = {p: "Neutral" if p == NEUTRAL else (kb.people[p].name if p in kb.people else p)
             for p in analysis.perspectives}
    net = analysis.network if analysis.network is not None else semantics.Network(analysis.graph)
    titles = {n: node.title for n, node in kb.nodes.items() if n in analysis.graph}
    rank = maps.thesis_rank(analysis.graph)
    theses = sorted((t for t in analysis.theses if t in titles), key=lambda t: (rank.get(t, len(rank)), t))
    stand = clientdata.stand_data(analysis, net, theses, names,
                                  page_url(node_page("{id}"), options.directory_urls), titles)

    def dump(value) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)

    return {f"{ASSETS_DIR}/{clientdata.PERSPECTIVES_FILE}": dump(clientdata.perspective_data(analysis, names)),
            f"{ASSETS_DIR}/{clientdata.STAND_FILE}": dump(stand)}


def generate(kb: KnowledgeBase, perspectives: Iterable[str] = (NEUTRAL,), pairs: Iterable = (),
             options: Options = Options()) -> dict[str, str]:
    """Analyse a knowledge base and render its site: what ``kb site`` and the MkDocs plugin publish."""
    return render(kb, analyse(kb, list(perspectives), list(pairs)), options)
