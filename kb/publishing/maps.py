"""Interactive argument maps as HTML fragments that run nothing until the site's own script draws them.

A map's nodes and edges are plain records with the attribute names vis-network
reads (the ones pyvis would give them), and they are never rendered with pyvis's
template: that template loads vis-network from a CDN or from a folder beside
each page, and it writes titles into the page as HTML. Here the map's data
is serialised as JSON into a ``<script type="application/json">`` block, which
the browser never executes, and every character that could end the block
(``<``, ``>``, ``&``) is written as a JSON escape. ``kb/publishing/assets/kb-map.js``, loaded
once per site, draws each block with the one copy of vis-network in the site's
assets, and shows titles as text.

Positions are computed here, at build time, so the browser draws a map without
running a physics simulation. Argument maps are mostly trees: what a claim
argues about sits above it, so the layout is layered, theses at the top and
reasons and objections below (:meth:`Atlas.layered_layout`); a whole map that
goes round too many circles for layers to mean anything is laid out by force
direction instead.

Maps open at a zoom where labels can be read: each node's label size follows
its importance (theses and the focus largest), and a label that would be drawn
under 11 px is not drawn at all until the reader zooms in, so a large map opens
showing its main claims' labels and reveals the rest on zoom.

Nothing here does I/O.
"""

from __future__ import annotations

import html
import json
import math
from typing import Iterable, Mapping

from collections import Counter, defaultdict

import networkx as nx

from kb.publishing import style

LOCAL_STEPS = 2
LOCAL_CAP = 100
LABEL_CHARS = 40
LOCAL_HEIGHT = 520
GLOBAL_HEIGHT = 640
# Pairs of nodes the global layout may compare per run: the force layout
# compares every pair on each iteration, so big maps get fewer iterations
# rather than a build that grows with the square of their size.
LAYOUT_BUDGET = 125_000_000
LAYOUT_ITERATIONS = 60
LAYOUT_MIN_ITERATIONS = 5
# Distance between neighbouring nodes in layout units (vis-network pixels at zoom 1).
SPACING = 190.0
# Pull towards the centre in the force layout: enough to keep small separate components near the rest.
GRAVITY = 1.0
# The layered layout: horizontal gap between nodes of a row, vertical gap between rows and between layers,
# and the most nodes a row holds before a layer wraps onto another row (a thesis can have forty reasons).
LAYER_X = 210.0
ROW_Y = 120.0
LAYER_Y = 190.0
ROW_NODES = 7
# A whole map is drawn in layers when at most this share of its nodes sit in circles of arguments.
LAYERED_CYCLE_SHARE = 0.05
# Label size (px at zoom 1) and shape size by importance: 3 theses and the map's focus, 2 theories of impact
# and much-argued claims, 1 the rest. A label under MIN_LABEL_PX on screen is not drawn.
FONT_SIZES = {1: 16, 2: 19, 3: 24}
SHAPE_SIZES = {1: 16, 2: 22, 3: 30}
MIN_LABEL_PX = 11
BUSY_IN_DEGREE = 4

_JSON_ESCAPES = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)





def escape_json(text: str) -> str:
    """JSON made safe inside a script element: nothing in it can close the element or open a comment."""
    for char, escape in _JSON_ESCAPES:  # str.replace is far quicker than str.translate with a table
        text = text.replace(char, escape)
    return text


def _dumps(value) -> str:
    return escape_json(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def label_for(title: str, limit: int = LABEL_CHARS) -> str:
    """A map label: the title, shortened on a word boundary so that boxes stay small."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    cut = title[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"


def tooltip(data: dict) -> str:
    """Hover text: the full title. vis-network shows a string title as text, never as HTML."""
    return data.get("title") or ""


def _kind(data: dict) -> str:
    return data.get("kind") if data.get("kind") in style.KIND_STYLES else "claim"


def _emphasis(kind: str, width: float) -> dict:
    fill = style.KIND_STYLES[kind].fill
    return {"borderWidth": width, "color": {"background": fill, "border": style.BORDER,
                                            "highlight": {"background": fill, "border": style.BORDER}}}


def importance(data: dict, in_degree: int) -> int:
    """How much a node matters to a reader finding their way: 3 a thesis, 2 a theory or a much-argued claim, 1 the rest."""
    if style.THESIS_TAG in (data.get("tags") or []):
        return 3
    if _kind(data) == "theory_of_impact" or in_degree >= BUSY_IN_DEGREE:
        return 2
    return 1


def _sized(kind: str, tier: int) -> dict:
    """Label and shape size for a tier; the plainest tier's are the map's defaults and cost no bytes per node."""
    if tier == 1:
        return {}
    out: dict = {"font": {"size": FONT_SIZES[tier]}}
    if style.KIND_STYLES[kind].vis not in _LABEL_INSIDE:
        out["size"] = SHAPE_SIZES[tier]
    return out


def _node_options(node_id: str, data: dict, tier: int = 1, about: str = "") -> dict:
    """Per-node attributes; what every node of a kind shares is in the map's groups (see map_options).

    ``about`` (kind, speaker, strength, verdict) is shown with the title when the
    node is hovered or focused; ``tier`` is its :func:`importance`.
    """
    kind = _kind(data)
    out = {"label": label_for(data.get("title") or node_id), "shape": style.KIND_STYLES[kind].vis,
           "group": kind, "title": tooltip(data), **_sized(kind, tier)}
    if about:
        out["about"] = about
    if style.THESIS_TAG in (data.get("tags") or []):
        out.update(_emphasis(kind, style.THESIS_BORDER))
        out["thesis"] = 1
    return out


# vis-network draws these shapes around their label; the others draw it below.
_LABEL_INSIDE = {"box", "ellipse", "database", "circle", "text"}


def _groups() -> dict:
    return {
        kind: {
            "shape": ks.vis,
            "color": {"background": ks.fill, "border": ks.fill,
                      "highlight": {"background": ks.fill, "border": style.BORDER},
                      "hover": {"background": ks.fill, "border": style.BORDER}},
            # A label drawn below its shape gets a light backing, so that edges do not run through its words.
            "font": {"color": ks.font} if ks.vis in _LABEL_INSIDE else
                    {"color": "#000000", "background": "rgba(255,255,255,0.85)"},
        }
        for kind, ks in style.KIND_STYLES.items()
    }


def _edge_options(data: dict) -> dict:
    relation = data.get("relation", "supports")
    rel = style.RELATION_STYLES.get(relation, style.RELATION_STYLES["supports"])
    weight = float(data.get("weight", 1.0))
    out = {"color": rel.colour, "width": style.edge_width(weight)}
    if weight != 1.0 or data.get("note"):  # a plain edge says all it has to say by its colour
        out["title"] = f"{rel.label} (weight {weight:g})" + (f"\n{data['note']}" if data.get("note") else "")
    if rel.dashes:
        out["dashes"] = True
    return out


def map_options(*, physics: bool = False) -> dict:
    """vis-network options shared by every map: fixed positions, straight edges, arrows, hover tooltips.

    The wheel does not zoom (``zoomView``): over a map it scrolls the page, and
    the map script zooms only with Ctrl/⌘ held or once the map is clicked.
    Labels under :data:`MIN_LABEL_PX` on screen are not drawn (vis-network hides
    a label below ``drawThreshold - 1``).
    """
    return {
        "physics": {"enabled": physics},
        "layout": {"improvedLayout": False},
        "interaction": {"hover": True, "tooltipDelay": 150, "navigationButtons": False, "keyboard": False,
                        "zoomView": False},
        "edges": {"smooth": False, "arrows": {"to": {"enabled": True, "scaleFactor": 0.6}}},
        "nodes": {"widthConstraint": {"maximum": 170}, "font": {"size": FONT_SIZES[1], "face": "sans-serif"},
                  "size": SHAPE_SIZES[1],
                  "scaling": {"label": {"drawThreshold": MIN_LABEL_PX + 1, "maxVisible": 40}}},
        "groups": _groups(),
    }


def build_network(G: nx.DiGraph, about: dict[str, str] | None = None) -> tuple[list[dict], list[dict]]:
    """The whole argument graph as vis-network's node and edge records: styled, no positions yet.

    Plain dicts with the keys in the order pyvis would give them, not a pyvis
    network: pyvis checks each new node against a list of the ids so far, which
    makes a big map quadratic to build, and the site never renders with pyvis.
    ``about`` gives each node a line of facts (kind, speaker, strength, verdict) for hovering.
    """
    about = about or {}
    nodes = []
    for node_id in sorted(G.nodes):
        data = G.nodes[node_id]
        node = _node_options(node_id, data, importance(data, G.in_degree(node_id)), about.get(node_id, ""))
        label = node.pop("label")
        node.pop("shape")  # every node's group says it already
        node.pop("color", None)  # a thesis's colour: dropped, as pyvis drops a grouped node's, so its group colours it
        node.update(id=node_id, label=label or node_id)
        nodes.append(node)
    edges = []
    for source, target, data in sorted(G.edges(data=True), key=lambda e: (e[0], e[1])):
        edges.append({**_edge_options(data), "from": source, "to": target})
    return nodes, edges


class Atlas:
    """Every map of one knowledge base, cut from one set of node and edge records built once.

    A site has a map on every node page; building a pyvis network and encoding
    it per page would cost more than the rest of the build. Each node and edge
    is encoded to JSON once here, and a map is assembled from those pieces with
    only its positions and links added.
    """

    def __init__(self, G: nx.DiGraph, page: str = "claims/{id}/", about: dict[str, str] | None = None):
        """``page`` is the address of a node's page relative to the site's root, with ``{id}`` for its id.

        Each map's data carries it and a ``base``, the way from the map's page up
        to the root; the map script makes a node's address from the two. Nodes
        carry no address of their own: it would be most of a page's weight.
        ``about``: see :func:`build_network`.
        """
        self.graph = G
        nodes, edges = build_network(G, about)
        self._node_record: dict[str, dict] = {}
        self._node_json: dict[str, str] = {}
        self._kind: dict[str, str] = {}
        for node in nodes:
            self._node_record[node["id"]] = node
            self._node_json[node["id"]] = _dumps(node)[1:]  # without the opening brace: x and y go in front
            self._kind[node["id"]] = node["group"]
        self._thesis = thesis_rank(G)
        self._circle: dict[str, int] | None = None  # node -> its circle of arguments, for nodes in one
        self._out: dict[str, list[tuple[str, str]]] = {n: [] for n in self._node_json}
        self._adj: dict[str, list[tuple[str, float]]] = {n: [] for n in self._node_json}
        self._page = _dumps(page)
        for edge in edges:
            source, target = edge["from"], edge["to"]
            self._out[source].append((target, _dumps(edge)))
            weight = float(G.edges[source, target].get("weight", 1.0))
            self._adj[source].append((target, weight))
            self._adj[target].append((source, weight))
        self._succ = {n: sorted(G.successors(n)) for n in self._node_json}
        self._pred = {n: sorted(G.predecessors(n)) for n in self._node_json}
        self._options = _dumps(map_options())
        self._legends: dict[frozenset, str] = {}  # the kinds a map shows -> its legend's JSON
        self._strings: dict[str, str] = {}  # a base or node id -> its JSON

    # -- which nodes a local map shows --

    def neighbourhood(self, focus: str, steps: int = LOCAL_STEPS, cap: int = LOCAL_CAP) -> tuple[list[str], int]:
        """The focus and the nodes within ``steps`` edges of it (either direction), nearest first.

        Returns at most ``cap`` nodes and how many were within reach. Nearer nodes
        are kept before farther ones, and among equals those with heavier edges to
        the part already kept, then by id, so the cut is deterministic.
        """
        seen = {focus}
        order = [focus]
        frontier = [focus]
        for _ in range(steps):
            found: dict[str, float] = {}
            for node in frontier:
                for other, weight in self._adj[node]:
                    if other not in seen and found.get(other, -1.0) < weight:
                        found[other] = weight
            ranked = sorted(found, key=lambda n: (-found[n], n))
            seen.update(ranked)
            order.extend(ranked)
            frontier = ranked
        return order[:cap], len(order)

    def radial_layout(self, focus: str, nodes: list[str]) -> dict[str, tuple[float, float]]:
        """Rings around the focus: its neighbours on the first, theirs on the second, each near its parent.

        A ring layout costs next to nothing (there is one per page, thousands of
        pages) and reads well for a neighbourhood. What the focus argues about
        takes the upper half of the first ring, what argues about it the lower.
        """
        keep = set(nodes)
        pos: dict[str, tuple[float, float]] = {focus: (0.0, 0.0)}
        out_first = [n for n in self._succ[focus] if n in keep]
        placed = {focus, *out_first}
        in_first = [n for n in self._pred[focus] if n in keep and n not in placed]
        ring1 = out_first + in_first
        placed.update(in_first)
        children: dict[str, list[str]] = {}
        adj = self._adj
        for parent in ring1:
            kids = []
            for other, _ in adj[parent]:
                if other in keep and other not in placed:
                    kids.append(other)
                    placed.add(other)
            children[parent] = kids
        weights = [1 + len(children[p]) for p in ring1]
        total = sum(weights)
        r1 = max(SPACING * 1.3, SPACING * len(ring1) / (2 * math.pi))
        r2 = max(r1 + SPACING * 1.2, SPACING * (total - len(ring1)) / (2 * math.pi))
        # Screen y grows downwards, so -pi/2 is the top; the out-neighbours' sectors are centred there.
        angle = -math.pi / 2 - math.pi * (sum(weights[: len(out_first)]) / total) if total else 0.0
        cos, sin, tau = math.cos, math.sin, 2 * math.pi
        for parent, w in zip(ring1, weights):
            span = tau * w / total
            mid = angle + span / 2
            pos[parent] = (r1 * cos(mid), r1 * sin(mid))
            kids = children[parent]
            count = len(kids)
            for k, kid in enumerate(kids):
                a = angle + span * (k + 0.5) / count
                pos[kid] = (r2 * cos(a), r2 * sin(a))
            angle += span
        # Anything left (reachable only through a node the cap dropped) goes on an outer ring.
        rest = [n for n in nodes if n not in pos]
        r3 = (r2 if ring1 else 0.0) + SPACING
        for k, node in enumerate(rest):
            a = tau * k / len(rest)
            pos[node] = (r3 * cos(a), r3 * sin(a))
        return pos

    def layered_layout(self, nodes: list[str], focus: str | None = None,
                       row_nodes: int = ROW_NODES) -> dict[str, tuple[float, float]]:
        """Layers of these nodes, theses first and the focus at the origin (see :func:`layered_layout`)."""
        keep = set(nodes)
        succ = {n: [m for m in self._succ[n] if m in keep and m != n] for n in nodes}
        return layered_layout(nodes, succ, self._thesis, focus, row_nodes)

    def tree_like(self, nodes: Iterable[str] | None = None) -> bool:
        """Whether layers suit these nodes (see :func:`tree_like`).

        For a part of the map, the circles are those of the whole map (found
        once) that keep two or more members in the part: a safe over-count of
        the part's own circles, at no cost per page.
        """
        if nodes is None:
            return tree_like(self.graph)
        if self._circle is None:
            self._circle = {n: i for i, c in enumerate(nx.strongly_connected_components(self.graph)) if len(c) > 1
                            for n in c}
        members = Counter(self._circle[n] for n in nodes if n in self._circle)
        nodes = list(nodes)
        cyclic = sum(count for count in members.values() if count > 1)
        return cyclic <= LAYERED_CYCLE_SHARE * max(1, len(nodes))

    # -- assembling a map --

    def data_json(self, nodes: list[str], positions: dict[str, tuple[float, float]], base: str,
                  focus: str | None = None) -> tuple[str, int]:
        """The JSON for a map of these nodes and every edge between them, and its edge count.

        ``base`` leads from the page the map sits on to the site's root (``../../``);
        clicking a node follows ``base`` and its page's address.
        """
        kinds = self._kind
        node_json = self._node_json
        parts = [f'{{"x":{round(x)},"y":{round(y)},{node_json[n]}' for n in nodes for x, y in (positions[n],)]
        if focus is not None and focus in node_json:
            node = dict(self._node_record[focus])
            node.update(_emphasis(kinds[focus], 4.0))
            node.update(_sized(kinds[focus], 3))
            at = nodes.index(focus)
            x, y = positions[focus]
            parts[at] = f'{{"x":{round(x)},"y":{round(y)},' + _dumps(node)[1:]
        keep = set(nodes)
        out = self._out
        edges = [text for node_id in nodes for target, text in out[node_id] if target in keep]
        shown = frozenset(kinds[n] for n in nodes)
        key = self._legends.get(shown)
        if key is None:
            key = self._legends[shown] = _dumps(legend(shown))
        main = sorted((n for n in nodes if n in self._thesis), key=self._thesis.get)
        top = focus if focus is not None else (main[0] if main else nodes[0] if nodes else None)
        # The map opens showing the labels of this size (and larger) from the top node down: a local map its
        # focus's neighbours, a whole map its main claims.
        readable = FONT_SIZES[1] if focus is not None else FONT_SIZES[2]
        body = ('{"base":' + self._string(base) + ',"page":' + self._page + ',"top":' + self._string(top)
                + ',"open":' + str(readable) + ',"nodes":[' + ",".join(parts) + '],"edges":[' + ",".join(edges)
                + '],"options":' + self._options + ',"legend":' + key + "}")
        return body, len(edges)

    def _string(self, value: str | None) -> str:
        """A string's JSON, kept: a site's maps share a few bases, and each node is the top of a map or two."""
        text = self._strings.get(value) if value is not None else None
        if text is None:
            text = _dumps(value)
            if value is not None:
                self._strings[value] = text
        return text

    def local_map(self, focus: str, base: str, *, steps: int = LOCAL_STEPS, cap: int = LOCAL_CAP) -> str:
        """The map of one node's neighbourhood, for its page (``base``: see :meth:`data_json`)."""
        nodes, total = self.neighbourhood(focus, steps, cap)
        body, n_edges = self.data_json(nodes, self._layout(focus, nodes), base, focus)
        caption = (f"Showing the {len(nodes)} nearest of the {total} nodes within {steps} steps."
                   if total > len(nodes) else "")
        return render(body, len(nodes), n_edges,
                      label=f"Map of the {len(nodes)} nodes within {steps} steps of this one", caption=caption)

    def focus_map(self, focus: str, nodes: Iterable[str], base: str, *, label: str) -> str:
        """A map of chosen nodes around a focus (a theory with its critiques and their replies, say)."""
        keep = [focus, *sorted(set(nodes) - {focus})]
        body, n_edges = self.data_json(keep, self._layout(focus, keep), base, focus)
        return render(body, len(keep), n_edges, label=label)

    def _layout(self, focus: str, nodes: list[str]) -> dict[str, tuple[float, float]]:
        """Layers for a tree or near-tree around the focus, rings when its arguments go round in circles."""
        return self.layered_layout(nodes, focus) if self.tree_like(nodes) else self.radial_layout(focus, nodes)

    def global_map(self, base: str, positions: dict[str, tuple[float, float]] | None = None) -> str:
        """The map of the whole debate (``base``: see :meth:`data_json`)."""
        positions = positions if positions is not None else whole_layout(self.graph)
        nodes = sorted(self._node_json)
        body, n_edges = self.data_json(nodes, positions, base)
        return render(body, len(nodes), n_edges,
                      label=f"Map of all {len(nodes)} nodes of the debate", height=GLOBAL_HEIGHT)


# --- layouts ----------------------------------------------------------------------------------


def thesis_rank(G: nx.DiGraph) -> dict[str, int]:
    """The theses, main one first: the one the most of the map argues towards (ties by id)."""
    theses = [n for n, d in G.nodes(data=True) if style.THESIS_TAG in (d.get("tags") or [])]
    order = sorted(theses, key=lambda t: (-len(nx.ancestors(G, t)), t))
    return {t: i for i, t in enumerate(order)}


def layered_layout(nodes: list[str], succ: dict[str, list[str]], first: Mapping[str, int] | None = None,
                   focus: str | None = None, row_nodes: int = ROW_NODES) -> dict[str, tuple[float, float]]:
    """Layers, top down: what nothing in the map argues about first (a thesis), then what argues about it.

    A node's layer is the longest chain of arguments from it up to the top;
    an edge that would close a circle is ignored for layering. Within a
    layer, nodes sit under what they argue about (the mean place of their
    targets above), and a layer wider than ``row_nodes`` wraps onto further
    rows, so a claim with forty reasons gives a block, not a line 8,000 px
    wide. The focus, when given, is placed at the origin.
    """
    first = first or {}
    layer: dict[str, int] = {}
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    for root in sorted(nodes):
        if root in state:
            continue
        stack = [(root, iter(succ[root]))]
        state[root] = 1
        while stack:
            node, it = stack[-1]
            nxt = next((m for m in it if state.get(m) != 1), None)  # an edge back onto the stack closes a circle
            if nxt is not None:
                if nxt not in state:
                    state[nxt] = 1
                    stack.append((nxt, iter(succ[nxt])))
                continue
            stack.pop()
            state[node] = 2
            layer[node] = 1 + max((layer[m] for m in succ[node] if m in layer), default=-1)
    layers: dict[int, list[str]] = defaultdict(list)
    for node in nodes:
        layers[layer[node]].append(node)
    place: dict[str, float] = {}

    def under(n: str) -> float:
        above = [place[m] for m in succ[n] if m in place]
        return sum(above) / len(above) if above else 0.0

    pos: dict[str, tuple[float, float]] = {}
    y = 0.0
    for depth in sorted(layers):
        members = sorted(layers[depth], key=lambda n: (first.get(n, len(first)), under(n), n))
        rows = [members[i:i + row_nodes] for i in range(0, len(members), row_nodes)]
        for r, row in enumerate(rows):
            # Rows of one layer are staggered so that edges from below do not run straight through them.
            shift = (LAYER_X / 2) * (r % 2)
            for i, node in enumerate(row):
                x = (i - (len(row) - 1) / 2) * LAYER_X + shift
                pos[node] = (x, y)
                place[node] = x
            y += ROW_Y
        y += LAYER_Y - ROW_Y
    if focus in pos:
        fx, fy = pos[focus]
        pos = {n: (x - fx, y_ - fy) for n, (x, y_) in pos.items()}
    return pos


def tree_like(G: nx.DiGraph) -> bool:
    """Whether layers suit a graph: few of its nodes sit in circles of arguments."""
    cyclic = sum(len(c) for c in nx.strongly_connected_components(G) if len(c) > 1)
    return cyclic <= LAYERED_CYCLE_SHARE * max(1, G.number_of_nodes())


def whole_layout(G: nx.DiGraph) -> dict[str, tuple[float, float]]:
    """The whole map's positions: layers when it is (nearly) a tree, force direction when it goes round in circles."""
    if G.number_of_nodes() and tree_like(G):
        nodes = sorted(G.nodes)
        succ = {n: sorted(m for m in G.successors(n) if m != n) for n in nodes}
        return layered_layout(nodes, succ, thesis_rank(G), row_nodes=max(ROW_NODES, int(math.sqrt(len(nodes)))))
    return force_layout(G)


def force_layout(G: nx.DiGraph, seed: int = 0, budget: int = LAYOUT_BUDGET) -> dict[str, tuple[float, float]]:
    """Force-directed positions for the whole map, computed once per build.

    Fruchterman–Reingold, vectorised with numpy from a seeded random start, so
    the same map always gets the same picture. networkx's spring layout switches
    to a per-node Python loop above 500 nodes, which takes seconds at the size of
    the real map and minutes at ten times that (and its spectral start needs a
    dense eigen-decomposition); here the number of iterations shrinks with the
    square of the size so that a build stays bounded.
    """
    import numpy as np

    nodes = sorted(G.nodes)
    n = len(nodes)
    if n == 0:
        return {}
    if n == 1:
        return {nodes[0]: (0.0, 0.0)}
    index = {node: i for i, node in enumerate(nodes)}
    und = nx.Graph()
    und.add_nodes_from(nodes)
    und.add_edges_from(G.edges())
    rng = np.random.default_rng(seed)
    start = rng.uniform(-1.0, 1.0, size=(n, 2)).astype(np.float32)
    x, y = start[:, 0].copy(), start[:, 1].copy()
    src = np.array([index[u] for u, v in und.edges()], dtype=np.intp)
    dst = np.array([index[v] for u, v in und.edges()], dtype=np.intp)
    k = np.float32(1.0 / math.sqrt(n))
    k2 = k * k
    iterations = max(LAYOUT_MIN_ITERATIONS, min(LAYOUT_ITERATIONS, budget // (n * n)))
    temperature = 0.1
    cool = temperature / (iterations + 1)
    chunk = max(1, 2_000_000 // n)  # rows per block: bounds memory at a few dozen megabytes
    for _ in range(iterations):
        disp_x = np.zeros(n, dtype=np.float32)
        disp_y = np.zeros(n, dtype=np.float32)
        for s in range(0, n, chunk):  # repulsion between every pair: k² / d along the pair's direction
            dx = x[s:s + chunk, None] - x[None, :]
            dy = y[s:s + chunk, None] - y[None, :]
            d2 = dx * dx
            d2 += dy * dy
            np.maximum(d2, 1e-6, out=d2)
            np.divide(k2, d2, out=d2)
            disp_x[s:s + chunk] = (dx * d2).sum(axis=1)
            disp_y[s:s + chunk] = (dy * d2).sum(axis=1)
        if len(src):  # attraction along edges: d² / k
            ex, ey = x[src] - x[dst], y[src] - y[dst]
            pull = np.sqrt(ex * ex + ey * ey) / k
            np.add.at(disp_x, src, -ex * pull)
            np.add.at(disp_x, dst, ex * pull)
            np.add.at(disp_y, src, -ey * pull)
            np.add.at(disp_y, dst, ey * pull)
        disp_x -= x * GRAVITY  # gravity keeps separate components from drifting apart
        disp_y -= y * GRAVITY
        length = np.sqrt(disp_x * disp_x + disp_y * disp_y)
        np.maximum(length, 1e-9, out=length)
        step = np.minimum(length, temperature) / length
        x += disp_x * step
        y += disp_y * step
        temperature -= cool
    x -= x.mean()
    y -= y.mean()
    spread = max(float(np.abs(x).max()), float(np.abs(y).max()), 1e-9)
    scale = SPACING * 0.6 * math.sqrt(n) / spread
    return {node: (float(a * scale), float(b * scale)) for node, a, b in zip(nodes, x.tolist(), y.tolist())}


# --- HTML ---------------------------------------------------------------------------------


def legend(kinds: Iterable[str]) -> dict:
    """The key to a map, for the kinds it shows: drawn by the map script, which sets every label as text.

    Built in the browser rather than written as HTML because it repeats on every
    page, and each tag of a page is parsed again by search indexing.
    """
    present = set(kinds)
    return {
        "kinds": [{"group": kind, "label": ks.label, "shape": ks.vis, "color": ks.fill}
                  for kind, ks in style.KIND_STYLES.items() if kind in present],
        "relations": [{"label": rs.label, "color": rs.colour, "dashes": rs.dashes}
                      for rs in style.RELATION_STYLES.values()],
    }


def render(data_json: str, n_nodes: int, n_edges: int, *, label: str, height: int = LOCAL_HEIGHT,
           caption: str = "") -> str:
    """The map as one HTML element: a canvas holder, its data and a caption.

    ``data_json`` must come from :meth:`Atlas.data_json` (escaped for a script
    element). The element is excluded from the search index
    (``data-search-exclude``) and holds no user text outside the JSON.
    ``label`` names the map for screen readers (the map script gives it to the
    drawn map, with the keys that move it, and adds a list of the same nodes and
    edges as its text alternative).
    """
    parts = [
        f'<div class="kb-map" data-search-exclude data-nodes="{n_nodes}" data-edges="{n_edges}" '
        f'data-label="{html.escape(label)}">',
        f'<div class="kb-map__canvas" style="height:{int(height)}px"></div>',
        f'<script type="application/json" class="kb-map__data">{data_json}</script>',
    ]
    if caption:
        parts.append(f'<p class="kb-map__caption">{html.escape(caption)}</p>')
    parts.append("</div>")
    # One line: Markdown passes a block of raw HTML through untouched only up to a blank line.
    return "".join(parts)


__all__ = ["Atlas", "build_network", "force_layout", "whole_layout", "importance", "map_options", "legend", "render", "label_for", "tooltip",
           "escape_json"]
