"""The checked and compiled map and its analyses, kept in the cache by a digest of the whole knowledge base.

The first level of the cache (:mod:`kb.data.cache`) spares a command the parsing of
unchanged files; everything after parsing (validation, the cross-file checks,
the graph, strengths and labels) still grows with the map. This second level
keeps those results under a digest of everything they depend on:

* kb's own code (every module of the package) and the cache's header;
* the knowledge-base folder as given and as displayed (paths in problems and
  in the graph depend on both);
* every scanned file's path and a hash of its parse result, so that an edit
  which leaves the data as it was (a comment, quoting, layout) keeps the
  digest, and one that changes it does not;
* what the walk reported, and the raw bytes of the registries and of an
  interrupted change's journal;
* for ``kb check``, the source texts and the command's options.

A command whose digest matches reads its answer instead of recomputing it, and
the answer is the one it would compute: the tests compare every command with
and without the cache. When nothing is kept under the digest but only a few
node files changed since the last whole compile, its graph is mended where the
change reaches rather than compiled again (:mod:`kb.data.patch`). When the files change while a result is being
computed, it is not stored (the digest is taken again before storing).

Nothing here prints; the values stored are plain JSON.
"""

from __future__ import annotations

import gc
import hashlib
import os
import time
from array import array
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from kb.data import cache as kbcache
from kb.data import store
from kb.rules.report import Findings, Problem

if TYPE_CHECKING:
    import networkx as nx

    from kb.analysis.graphview import GraphView
    from kb.analysis.queries import Analysis

# Edge attributes that the graph holds as tuples (JSON gives lists back).
TUPLE_ATTRS = ("linked", "via")


# Libraries whose behaviour is part of an answer (messages, similarity scores, graph order, stems).
_LIBRARIES = ("pydantic", "pydantic_core", "networkx", "rapidfuzz", "Stemmer", "yaml", "orjson")


@lru_cache(maxsize=1)
def code_hash() -> str:
    """A hash of kb's own code and of the installed libraries it computes with.

    Any change to how answers are computed makes every digest new. A library
    is identified by its installed file's size and times (found without
    importing it), which change when it is upgraded.
    """
    import sys

    digest = hashlib.sha256(sys.version.encode())
    here = Path(__file__).resolve().parents[1]  # the whole kb package, every layer
    for path in sorted(here.rglob("*.py")):
        try:
            digest.update(str(path.relative_to(here)).encode())
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"?")
    for name in _LIBRARIES:
        digest.update(kbcache.library_id(name).encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _raw(path: Path, root: Path) -> bytes:
    """A file's bytes as a reader of it would see them, or what stops it being read."""
    if not os.path.lexists(path):
        return b"missing"
    try:
        return b"ok" + store.read_regular(path, root=root)
    except Exception as exc:  # noqa: BLE001 - any refusal is part of the state: it becomes a problem
        return f"refused {type(exc).__name__} {exc}".encode("utf-8", "replace")


def _scan_result(root: Path, scanned: list) -> tuple[list[Path], list[Problem]] | None:
    """What :func:`kb.data.store.scan` would return, from what :func:`digest` scanned (None: it did not)."""
    if not scanned:
        return None
    names, walk_problems = scanned[:2]
    return [root / name for name in names], walk_problems


def digest(root: Path, opened: kbcache.Cache, parallel: bool = False, scanned: list | None = None) -> str | None:
    """The digest of the knowledge base's content (see the module's docstring), or None when it cannot be taken.

    Files that changed since the last command are parsed (and cached) on the
    way. ``scanned``, a list, receives ``[names, walk problems, witness,
    node files]``: what :func:`kb.data.store.scan_names` found, for a caller
    that loads the knowledge base next (see :func:`_scan_result`), and what
    :func:`_unchanged` compares to tell that the files are still those the
    digest was taken of.

    What the last digest was taken of (each node file's size, times and inode,
    and the hash of its parse result) is kept in the cache. When the same files
    are there, only those whose state differs, or was too recent to trust, are
    looked up in the parse cache (and parsed when changed): a warm command
    spends one ``lstat`` per file and reads one record, not one per file.
    """
    root = Path(root)
    if not root.is_dir():
        return None
    # Text paths throughout: on a warm command this is most of the work, and Path objects would double it.
    names, walk_problems = store.scan_names(root)
    prefix = os.path.join(str(root), "")
    registries = [_raw(root / name, root) for name in (store.PEOPLE_FILE, store.SOURCES_FILE, store.PENDING_FILE)]
    where = [code_hash(), kbcache._header(), str(root), store.display_path(root)]
    last = _last_state(opened.get_blob(STATE_KEY), where, names)
    if last is not None:
        entries, id_lines, (stored, untrusted), values = last
    else:
        found_entries, id_problems = store.node_entries(root, names)
        entries = [(index, display) for index, _, display in found_entries]
        id_lines = [[repr(p), str(p.loc)] for p in id_problems]
        values = [None] * len(entries)
    paths = [prefix + names[index] for index, _ in entries]
    current = kbcache.packed_keys(paths)
    if last is not None:
        todo = sorted(set(untrusted).union(kbcache.differing(current, stored)))
    else:
        todo = list(range(len(entries)))
    items = [(paths[j], entries[j][1], root) for j in todo]
    fresh: list[str] | None = []
    # What each node file was when read: the fresh ones as hashed, the others as just seen.
    read = array("q", current)
    width = kbcache.KEY_WIDTH
    shas = {}
    if todo:
        fresh = opened.hashes(items, lambda pending: store.prepare_all(pending, parallel),
                              [names[entries[j][0]] for j in todo], partial=last is not None)
        for position, j in enumerate(todo):
            read[width * j:width * (j + 1)] = kbcache.pack([opened.last_keys[position]])
            if position in opened.last_shas:
                shas[j] = opened.last_shas[position]
    if scanned is not None:
        scanned[:] = [names, walk_problems, [read, shas, registries], paths]
    if fresh is None:
        return None
    for j, value in zip(todo, fresh):
        values[j] = value

    def hashed(contents: bool) -> str:
        h = hashlib.sha256()

        def add(*parts: object) -> None:
            for part in parts:
                h.update(str(part).encode("utf-8", "surrogatepass"))
                h.update(b"\0")

        add(*where, len(names))
        h.update("\0".join(names).encode("utf-8", "surrogatepass"))
        h.update(b"\0\0")
        # the display path names the file; the parse result's hash is its content (neither holds a NUL)
        add(len(entries))
        h.update("\0".join([display for _, display in entries]).encode("utf-8", "surrogatepass"))
        h.update(b"\0\0")
        if contents:
            h.update("\0".join(values).encode("utf-8", "surrogatepass"))  # type: ignore[arg-type]
        h.update(b"\0\0")
        for problem in walk_problems:
            add(repr(problem), problem.loc)
        for line in id_lines:
            add(*line)
        for raw in registries:
            h.update(raw)
            h.update(b"\0")
        return h.hexdigest()

    if scanned is not None:
        # The frame: all the digest is taken of but the node files' contents (see kb.rules.delta).
        scanned.append(([display for _, display in entries], list(values), hashed(False)))
    if todo and (last is None or len(todo) > rewrite_limit(len(entries))):
        # A state read too recently to be trusted on its times alone is kept as unknown: looked up again next time.
        now = time.time_ns()
        trusted: list[tuple | None] = []
        for j in range(len(entries)):
            key = kbcache.unpack(read, j)
            settled = key is not None and key == kbcache.unpack(current, j) and now - key[1] >= kbcache.RACY_NS
            trusted.append(key if settled else None)
        # Text and flat numbers, not a list per file: read back on every command, a record of 10^5 files
        # decodes in a tenth of the time.
        opened.put_blob(STATE_KEY, {"where": where, "names": "\0".join(names), "count": len(names),
                                    "index": [index for index, _ in entries],
                                    "displays": "\0".join(display for _, display in entries), "ids": id_lines,
                                    "keys": kbcache.pack(trusted).tobytes().hex(),
                                    "untrusted": [j for j, key in enumerate(trusted) if key is None],
                                    "values": "\0".join(values)}, checked=True)
    return hashed(True)


# Where digest() keeps what the last digest was taken of.
STATE_KEY = "state"


def rewrite_limit(files: int) -> int:
    """How many files may differ from the kept state before it is written again.

    Below it, the few files that differ are looked up in the parse cache on
    every command until more have changed: a lookup costs a tenth of a
    millisecond, writing the state again tenths of a second on 10^5 files.
    """
    return max(64, files // 200)


def _last_state(data: Any, where: list, names: list[str]) -> tuple[list, list, tuple, list] | None:
    """(entries, id problems, (trusted keys packed, untrusted entries), parse hashes) of the last digest,
    when it was of these same files.

    Checked only as far as a damaged record could make this command fail; a
    wrong key or hash in it only makes a file looked up again, or a digest that
    matches nothing stored.
    """
    try:
        if data["where"] != where or data["count"] != len(names) or data["names"] != "\0".join(names):
            return None
        index, displays, ids, keys, untrusted, values = (data[k] for k in ("index", "displays", "ids", "keys",
                                                                            "untrusted", "values"))
    except (TypeError, KeyError):
        return None
    if not (type(index) is list and type(displays) is str and type(ids) is list and type(keys) is str
            and type(untrusted) is list and type(values) is str):
        return None
    count, m = len(names), len(index)
    displays_list = displays.split("\0") if m else []
    values_list = values.split("\0") if m else []
    if not (len(displays_list) == len(values_list) == m and set(map(type, index)) <= {int}
            and set(map(type, untrusted)) <= {int} and (not index or 0 <= min(index) <= max(index) < count)
            and (not untrusted or 0 <= min(untrusted) <= max(untrusted) < m) and all(type(i) is list for i in ids)):
        return None
    try:
        stored = array("q", bytes.fromhex(keys))
    except ValueError:
        return None
    if len(stored) != kbcache.KEY_WIDTH * m:
        return None
    return list(zip(index, displays_list)), ids, (stored, untrusted), values_list


# --- the graph --------------------------------------------------------------------------------


def _edge_order(G: nx.DiGraph) -> list[tuple[str, str]]:
    """An order of the edges that, added to an empty graph, gives every node's successors and predecessors in G's order.

    networkx keeps both orders but not the order the edges were added in; any
    order consistent with both rebuilds the same graph, and the one they were
    added in shows that one exists.
    """
    edges = list(G.edges)
    return edge_order(edges, G.succ, G.pred) or edges


def edge_order(edges: list[tuple[str, str]], succ, pred) -> list[tuple[str, str]] | None:
    """An order of ``edges`` (given by source, each source's in ``succ`` order) in which every node's
    predecessors come in ``pred`` order (node -> its successors, its predecessors); None when none does,
    or when ``pred`` does not list the same edges."""
    # Most often, adding the edges source by source already gives every predecessor order.
    preds: dict = {v: [] for v in pred}
    for u, v in edges:
        if v not in preds:
            return None
        preds[v].append(u)
    if all(preds[v] == list(others) for v, others in pred.items()):
        return edges
    if any(sorted(preds[v]) != sorted(others) for v, others in pred.items()):
        return None
    position = {edge: i for i, edge in enumerate(edges)}
    after: list[list[int]] = [[] for _ in edges]
    waiting = [0] * len(edges)
    for listing in ((succ, lambda u, w: (u, w)), (pred, lambda v, w: (w, v))):
        adjacency, edge_of = listing
        for node, others in adjacency.items():
            previous = None
            for other in others:
                current = position[edge_of(node, other)]
                if previous is not None:
                    after[previous].append(current)
                    waiting[current] += 1
                previous = current
    ready = deque(i for i in range(len(edges)) if not waiting[i])
    order = []
    while ready:
        i = ready.popleft()
        order.append(edges[i])
        for j in after[i]:
            waiting[j] -= 1
            if not waiting[j]:
                ready.append(j)
    return order if len(order) == len(edges) else None


def _columns(rows: list[dict]) -> tuple[list[list[str]], list[int], list[list]] | None:
    """Attribute dicts as (key lists, each row's key list, each row's values): a compact form JSON reads fast.

    None when a value is not data JSON gives back equal (checked here, where
    most values are text and cost one type test, not by a second walk).
    """
    shapes: dict[tuple, int] = {}
    which, values = [], []
    for attrs in rows:
        keys = tuple(attrs)
        if keys not in shapes:
            if not all(type(k) is str for k in keys):
                return None
            shapes[keys] = len(shapes)
        which.append(shapes[keys])
        row = list(attrs.values())
        if not kbcache.exact(row):
            return None
        values.append(row)
    return [list(k) for k in shapes], which, values


def graph_to_json(G: nx.DiGraph) -> dict | None:
    with no_collection():
        return _graph_to_json(G)


def _graph_to_json(G: nx.DiGraph) -> dict | None:
    """The graph as plain data that :func:`graph_from_json` turns back into an equal graph; None if it cannot.

    Equal down to the order of every node's successors and predecessors, so
    that nothing computed from it can differ.
    """
    order = _edge_order(G)
    edge_attrs = []
    for u, v in order:
        attrs = dict(G.edges[u, v])
        for key in TUPLE_ATTRS:
            if key in attrs:
                if type(attrs[key]) is not tuple:
                    return None
                attrs[key] = list(attrs[key])
        edge_attrs.append(attrs)
    nodes = list(G.nodes)
    node_columns, edge_columns = _columns([G.nodes[n] for n in nodes]), _columns(edge_attrs)
    if node_columns is None or edge_columns is None or not kbcache.exact(dict(G.graph)) \
            or not all(type(n) is str for n in nodes):
        return None
    node_keys, node_shape, node_values = node_columns
    edge_keys, edge_shape, edge_values = edge_columns
    return {"graph": dict(G.graph), "nodes": nodes, "node_keys": node_keys, "node_shape": node_shape,
            "node_values": node_values, "edges": [[u, v] for u, v in order], "edge_keys": edge_keys,
            "edge_shape": edge_shape, "edge_values": edge_values}


@contextmanager
def no_collection():
    """Pause the cyclic garbage collector while a big map is read, checked or compiled: the containers
    made would set off collections that rescan everything made so far, and none of it is garbage (a
    third of the time of a check or an export at 10^4 nodes)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def graph_from_json(data: Any) -> nx.DiGraph | None:
    """The networkx graph :func:`graph_to_json` wrote, or None when data is not one."""
    view = view_from_json(data)
    return None if view is None else graph_from_view(view)


def view_from_json(data: Any, nodes: dict[str, dict] | None = None) -> GraphView | None:
    """The graph :func:`graph_to_json` wrote, as a :class:`~kb.analysis.graphview.GraphView` (no networkx).

    ``nodes``: attributes that replace those written for some nodes (a mend's: see :mod:`kb.data.patch`).
    """
    with no_collection():
        return _view_from_json(data, nodes or {})


def _view_from_json(data: Any, over: dict[str, dict]) -> GraphView | None:
    from kb.analysis.graphview import GraphView

    try:
        node_keys, edge_keys = data["node_keys"], data["edge_keys"]
        nodes = [(n, dict(zip(node_keys[shape], values)))
                 for n, shape, values in zip(data["nodes"], data["node_shape"], data["node_values"], strict=True)]
        if over:
            nodes = [(n, over.get(n, attrs)) for n, attrs in nodes]
        if not all(type(n) is str for n, _ in nodes) or type(data["graph"]) is not dict:
            return None
        ends = [(u, v) for u, v in data["edges"]]
        shapes, values = data["edge_shape"], data["edge_values"]
        tuples = [[i for i, key in enumerate(keys) if key in TUPLE_ATTRS] for keys in edge_keys]
        widths = [len(keys) for keys in edge_keys]
        # Every check here, so that an edge's attributes made later (when read) cannot fail.
        if len(shapes) != len(ends) or len(values) != len(ends) or not all(type(k) is str for keys in edge_keys
                                                                              for k in keys):
            return None
        for shape, row in zip(shapes, values):
            if type(row) is not list or len(row) != widths[shape]:
                return None
            for i in tuples[shape]:  # most shapes have none: no generator made per edge
                if type(row[i]) is not list:
                    return None

        def edge_attrs(index: int) -> dict:
            shape, row = shapes[index], list(values[index])
            for i in tuples[shape]:
                row[i] = tuple(row[i])
            return dict(zip(edge_keys[shape], row))

        def edge_column(key: str, default: Any) -> list:
            at = [keys.index(key) if key in keys else None for keys in edge_keys]
            if key in TUPLE_ATTRS:
                return [default if at[shape] is None else tuple(row[at[shape]]) for shape, row in zip(shapes, values)]
            return [default if at[shape] is None else row[at[shape]] for shape, row in zip(shapes, values)]

        return GraphView(data["graph"], nodes, ends, edge_attrs, edge_column)
    except (TypeError, KeyError, ValueError, AttributeError, IndexError):
        return None


def graph_from_view(view: GraphView) -> nx.DiGraph:
    """The networkx graph with the view's nodes, edges, attributes and adjacency order."""
    import networkx as nx

    with no_collection():
        G = nx.DiGraph()
        G.graph.update(view.graph)
        _assemble(G, list(view.nodes(data=True)), view.edges_in_order())
        return G


def _assemble(G: nx.DiGraph, nodes: list[tuple[str, dict]], edges: list[tuple[str, str, dict]]) -> None:
    """Fill an empty graph, straight into networkx's adjacency dicts when they are the plain ones.

    ``add_nodes_from`` and ``add_edges_from`` check every item one at a time,
    which is most of the cost of rebuilding a map of 10^4 nodes; the result is
    the same graph.
    """
    import networkx as nx

    plain = (type(G) is nx.DiGraph and type(G._node) is dict and type(G._succ) is dict
             and type(G._pred) is dict and G._adj is G._succ and not G._node)
    if not plain or len({n for n, _ in nodes}) != len(nodes):
        G.add_nodes_from(nodes)
        G.add_edges_from(edges)
        return
    node, succ, pred = G._node, G._succ, G._pred
    for n, attrs in nodes:
        node[n] = attrs
        succ[n] = {}
        pred[n] = {}
    for u, v, attrs in edges:
        if u not in node or v not in node or v in succ[u]:
            raise ValueError("an edge the graph cannot hold")
        succ[u][v] = attrs
        pred[v][u] = attrs
    clear = getattr(nx, "_clear_cache", None)
    if clear is not None:
        clear(G)


def structure_key(G: nx.DiGraph) -> str:
    """A hash of what the analyses read from the graph, and nothing else: the node order, each node's
    speaker, kind and stances and its predecessors' order, every edge's relation, weight, premises and
    undercut targets, the people, and kb's code. An edit to a title, a text or a quote leaves it as it
    was, so strengths and labels kept under it still hold; any change to what they read makes it new.
    """
    h = hashlib.sha256(code_hash().encode())
    h.update(repr(sorted(G.graph.get("people", {}))).encode("utf-8", "surrogatepass"))
    for n, data in G.nodes(data=True):
        h.update(structure_part(n, data, G.pred[n].items()).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def structure_part(n: str, data: dict, into) -> str:
    """What the analyses read of one node: its speaker, kind and stances, and its incoming edges in order
    (``into``: (source, attributes) pairs, tuples or JSON's lists alike)."""
    return repr((n, data.get("speaker"), data.get("kind"), data.get("stances"),
                 [(u, d.get("relation"), d.get("weight", 1.0), _tupled(d.get("linked")), _tupled(d.get("via")))
                  for u, d in into]))


def _tupled(value: Any) -> Any:
    return tuple(value) if type(value) is list else value


# Cache keys of the per-node rows, for a question about one node (see load's ``around``): beside the
# graph, ROWS + "graph:" + digest + ":a:" + id for a node's attributes, ":e:" + id for its edges both
# ways, ":meta" for the graph's own attributes and sizes; beside each analysis, ROWS + its key + ":" + id
# for the node's base score, strength and label, ":shared" for the solve's outcome.
ROWS = "rows:"


def json_attrs(attrs: dict) -> dict:
    """An edge's attributes as the rows keep them: JSON has lists, not tuples."""
    return {k: list(v) if k in TUPLE_ATTRS and type(v) is tuple else v for k, v in attrs.items()}


def _node_rows(G: nx.DiGraph, found: str, files: int, structure: str) -> list[tuple[str, Any]]:
    """One row per node for its attributes and one for its edges (each end's attributes in networkx's order)."""
    prefix = f"{ROWS}graph:{found}:"
    rows: list[tuple[str, Any]] = [(prefix + "meta", {"graph": dict(G.graph), "files": files, "count": len(G),
                                                       "structure": structure})]
    for n, attrs in G.nodes(data=True):
        rows.append((f"{prefix}a:{n}", attrs))
        rows.append((f"{prefix}e:{n}", [[[u, json_attrs(e)] for u, e in G.pred[n].items()],
                                        [[v, json_attrs(e)] for v, e in G.succ[n].items()]]))
    return rows


def _neighbourhood(opened: kbcache.Cache, found: str, node: str) -> tuple[int, int, str, GraphView] | None:
    """The files and node counts, the structure key, and a view of node with its edges and neighbours, from the
    rows (a mend's, then its base's: see :mod:`kb.data.patch`); None if absent."""
    from kb.analysis.graphview import GraphView
    from kb.data import patch

    meta, head = patch.rows(opened, found, [f"e:{node}"])
    try:
        into, out = head[f"e:{node}"]
        files, count, graph_attrs, structure = meta["files"], meta["count"], meta["graph"], meta["structure"]
        ends = [(str(u), node) for u, _ in into] + [(node, str(v)) for v, _ in out]
        attrs = [e for _, e in into] + [e for _, e in out]
        ids = list(dict.fromkeys([node, *(u for u, _ in ends), *(v for _, v in ends)]))
        _, rows = patch.rows(opened, found, [f"a:{n}" for n in ids])
        nodes = [(n, rows[f"a:{n}"]) for n in ids]
        if type(files) is not int or type(count) is not int or type(graph_attrs) is not dict \
                or type(structure) is not str or not all(
                type(a) is dict for _, a in nodes) or not all(type(e) is dict for e in attrs):
            return None

        def edge_attrs(index: int) -> dict:
            return {k: tuple(v) if k in TUPLE_ATTRS and type(v) is list else v for k, v in attrs[index].items()}

        return files, count, structure, GraphView(graph_attrs, nodes, ends, edge_attrs)
    except (TypeError, KeyError, ValueError, AttributeError):
        return None


@dataclass
class Compiled:
    """A checked knowledge base: its graph when it has no errors, else the problems that stop analysis.

    ``view`` is the graph as the queries read it: the networkx graph when it
    was just built, else the cache's :class:`~kb.analysis.graphview.GraphView`,
    which answers a query without networkx being imported; :attr:`graph`
    gives the networkx graph either way (built from the view when first asked).
    """

    root: Path
    files: int
    view: nx.DiGraph | GraphView | None = None
    problems: list[Problem] = field(default_factory=list)
    digest: str | None = None
    cache: bool = True
    scanned: list = field(default_factory=list, repr=False)  # see digest(): what the digest was taken of
    count: int | None = None  # the map's number of nodes (the view's, unless partial)
    partial: bool = False  # the view is one node's neighbourhood (see load's ``around``)
    answer: Any = None  # the stored answer to one of load's ``recall`` questions (then there is no view)
    recalled: str | None = None  # which question that answer is to
    structure: str | None = None  # structure_key of the graph: what its analyses are kept under
    # The view is the graph kept under the digest (read back, mended, or just stored): what is computed from
    # it holds for that digest whatever the files are now, so it is kept without looking at every file again.
    settled: bool = False
    _graph: nx.DiGraph | None = field(default=None, repr=False)
    _whole: nx.DiGraph | GraphView | None = field(default=None, repr=False)
    _whole_kept: bool = field(default=False, repr=False)  # _whole was read from the cache under the digest

    def __post_init__(self) -> None:
        if self.count is None and self.view is not None:
            self.count = len(self.view)

    @property
    def graph(self) -> nx.DiGraph | None:
        if self._graph is None and self.partial:
            self._graph = load(self.root, self.cache).graph  # a whole-map question after all
            if self._graph is None:  # its files were broken since this command read the rows
                from kb.data.errors import KBError

                raise KBError(f"{store.display_path(self.root)} changed while kb read it; run the command again")
        if self._graph is None and self.view is not None:
            from kb.analysis.graphview import GraphView

            self._graph = graph_from_view(self.view) if isinstance(self.view, GraphView) else self.view
        return self._graph

    @property
    def whole(self) -> nx.DiGraph | GraphView:
        """The whole map as an analysis reads it: the view, or for a one-node view the map's view kept under
        the same digest, read without networkx (the analyses read a view as they read the graph)."""
        if not self.partial:
            assert self.view is not None
            return self.view
        if self._whole is None:
            self._whole = _kept_view(self.root, self.cache, self.digest)
            self._whole_kept = self._whole is not None
            if self._whole is None:
                self._whole = self.graph  # nothing kept under this digest any more: load the map again
        return self._whole

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def ok(self) -> bool:
        return self.view is not None or self.answer is not None

    def _holds(self, whole: bool = False) -> bool:
        """Whether what is computed from this graph (``whole``: from :attr:`whole`) may be kept under its
        digest. A one-node view's whole map read again from the files is not settled; one read from the
        cache under the same digest is."""
        settled = self._whole_kept if whole and self.partial else self.settled and not self.partial
        return settled or _unchanged(self.root, self.scanned)

    def remember(self, question: str, answer: Any) -> Any:
        """Keep a whole-map answer under the map's digest for the next time ``question`` is asked
        (see load's ``recall``), when it is plain JSON data and the files did not change meanwhile;
        the answer, either way."""
        if self.cache and self.digest is not None and self._holds():
            opened = kbcache.open_cache(self.root, True)
            if opened is not None:
                try:
                    opened.put_blob(_answer_key(self.digest, question), answer, replace="answer:",
                                    keep=f"answer:{self.digest}:")
                finally:
                    opened.close()
        return answer

    def analysis(self, perspective: str, method: str, implied: bool = True) -> Analysis:
        """Priors, strengths and grounded labels from a perspective (see :func:`kb.analysis.queries.analyse`), cached by digest."""
        from kb.analysis.queries import Analysis, analyse

        assert self.view is not None
        # Kept under the graph's structure, not the whole digest: an edit to a title keeps them.
        basis = self.structure or self.digest
        key = f"analysis:{basis}:{method}:{int(implied)}:{perspective}"
        rows = f"{ROWS}{key}:"
        opened = kbcache.open_cache(self.root, self.cache and self.digest is not None)
        try:
            if opened is not None and self.partial:  # one node's question: read its neighbourhood's rows only
                found = opened.get_blobs([rows + "shared", *(rows + n for n in self.view)])
                if len(found) == len(self.view) + 1 and isinstance(found[rows + "shared"], dict) \
                        and found[rows + "shared"].get("count") == self.count:
                    part = Analysis.from_rows(found.pop(rows + "shared"), {k[len(rows):]: v for k, v in found.items()})
                    if part is not None:
                        return part
            if opened is not None:
                with no_collection():
                    found = Analysis.from_json(opened.get_blob(key))
                if found is not None and len(found.priors) == self.count and all(n in found.priors for n in self.view):
                    return found
            result = analyse(self.whole, perspective, method, implied)
            if opened is not None and self._holds(whole=True):
                opened.put_blob(key, result.to_json(), replace="analysis:", keep=f"analysis:{basis}:")
                shared, per_node = result.to_rows()
                opened.put_blobs([(rows + "shared", shared), *((rows + n, r) for n, r in per_node.items())],
                                 replace=f"{ROWS}analysis:", keep=f"{ROWS}analysis:{basis}:")
            return result
        finally:
            if opened is not None:
                opened.close()


def _mended(root: Path, opened: kbcache.Cache, found: str, scanned: list, parallel: bool,
            around: str | None) -> Compiled | None:
    """The map as a mend of the last whole compile kept under this digest, or made now when only a few node
    files changed since (see :mod:`kb.data.patch`); None when there is none to be had."""
    from kb.data import patch

    made = patch.view(opened, found)
    if made is None:
        mended = patch.mend(root, opened, scanned, parallel)
        if mended is None or not _unchanged(root, scanned, mended.read):
            return None
        patch.keep(opened, found, mended)
        if around is not None:
            near = _neighbourhood(opened, found, around)
            if near is not None:
                files, count, structure, view = near
                return Compiled(root, files, view, [], found, True, scanned, count=count, partial=True,
                                structure=structure)
        made = patch.view(opened, found)
    if made is None:
        return None
    view, files, structure = made
    return Compiled(root, files, view, [], found, True, scanned, structure=structure, settled=True)


def _kept_view(root: Path, cache: bool, found: str | None) -> GraphView | None:
    """The whole graph kept under the digest ``found`` (compiled, or a mend), as a view; None when there is none."""
    from kb.data import patch

    opened = kbcache.open_cache(root, cache and found is not None)
    if opened is None:
        return None
    try:
        with no_collection():
            blob = opened.get_blob(f"graph:{found}")
        if isinstance(blob, dict):
            return view_from_json(blob.get("graph"))
        made = patch.view(opened, found)  # type: ignore[arg-type]
        return None if made is None else made[0]
    finally:
        opened.close()


def _unchanged(root: Path, scanned: list, read: Sequence[int] | None = None) -> bool:
    """Whether the files a digest was taken of are as they were then, so a result computed since may be stored.

    Files added meanwhile do not matter: the result was computed from the
    files the digest's scan found. ``read``: the positions of the only node
    files the result read (a mend, which takes the others as the digest found
    them); only those are looked at again, not every file of a large map.
    """
    if len(scanned) < 4:
        return False
    _, _, (keys, shas, registries), paths = scanned[:4]
    if len(keys) != kbcache.KEY_WIDTH * len(paths) or -1 in keys[::kbcache.KEY_WIDTH]:
        return False  # a file that was not a plain one (no size) cannot be vouched for
    if read is None:
        if kbcache.packed_keys(paths) != keys:
            return False
    else:
        width = kbcache.KEY_WIDTH
        if any(kbcache.packed_keys([paths[j]]) != keys[width * j:width * (j + 1)] for j in read):
            return False
        shas = {j: shas[j] for j in read if j in shas}
    for index, sha in shas.items():
        if kbcache.file_sha(paths[index]) != sha:
            return False
    return registries == [_raw(root / name, root) for name in (store.PEOPLE_FILE, store.SOURCES_FILE,
                                                                store.PENDING_FILE)]


def _digest_of(root: Path, opened: kbcache.Cache | None, parallel: bool) -> tuple[str | None, list]:
    """The digest (None without a cache) and what it was taken of (see :func:`digest`'s ``scanned``)."""
    scanned: list = []
    with no_collection():
        found = digest(root, opened, parallel, scanned) if opened is not None else None
    return found, scanned


def _answer_key(digest: str, question: str) -> str:
    return f"answer:{digest}:{question}"


def _look_up(opened: kbcache.Cache, digest: str, questions: Sequence[str]) -> tuple[Any, str | None]:
    """The answer kept for the first of questions that has one, and that question (None, None: none has).

    One lookup each, in turn: a kept answer is only decoded when it is the one used.
    """
    for question in questions:
        answer = opened.get_blob(_answer_key(digest, question))
        if answer is not None:
            return answer, question
    return None, None


def sealed(text: str) -> dict:
    """A text to keep as an answer (what a command printed, an export), with its hash.

    A kept answer is checked by its shape as it is read back, but any text has
    the shape of a text: the hash is what tells a damaged one (see :func:`unsealed`).
    """
    return {"text": text, "sha256": hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()}


def unsealed(data: object) -> str | None:
    """The text :func:`sealed` kept, or None when it is not there whole."""
    if not isinstance(data, dict) or type(data.get("text")) is not str:
        return None
    text = data["text"]
    return text if sealed(text)["sha256"] == data.get("sha256") else None


def recall(root: Path, question: str, cache: bool = True, parallel: bool = False) -> Compiled:
    """The map's digest and the answer kept for ``question`` (None when there is none), and nothing else.

    For a whole-map question answered from the checked files rather than the
    graph (``kb export``): on a miss the caller computes the answer its own
    way and keeps it with :meth:`Compiled.remember`, which stores it only if
    the files are still those the digest was taken of.
    """
    root = Path(root)
    opened = kbcache.open_cache(root, cache)
    try:
        found, scanned = _digest_of(root, opened, parallel)
        answer, recalled = _look_up(opened, found, [question]) if found is not None else (None, None)  # type: ignore[arg-type]
        return Compiled(root, 0, None, [], found, cache, scanned, answer=answer, recalled=recalled)
    finally:
        if opened is not None:
            opened.close()


def load(root: Path, cache: bool = True, parallel: bool = False, around: str | None = None,
         recall: str | Sequence[str] | None = None) -> Compiled:
    """The knowledge base checked for errors (no warnings) and, when it has none, compiled into its graph.

    The library behind every analysing command: what ``validate.check(...,
    warnings=False)`` and :func:`kb.analysis.graph.build` give, read from the cache when
    the knowledge base's digest has not changed since they were stored.

    ``around``: a node id, for a question about that node alone (``kb show``).
    When the cache holds its rows, the view is only the node, its edges and its
    neighbours (``partial``), read without decoding the whole graph; an id the
    map does not have gets the whole graph, so that the answer names the ids
    it could have meant.

    When nothing is kept under the map's digest, the last whole compile is
    mended where a few edited files reach (:mod:`kb.data.patch`), or else the
    map is compiled whole, which also keeps the record the next mend reads.

    ``recall``: a whole-map question (``kb list`` and its filters, ``kb
    stats``) whose answer :meth:`Compiled.remember` kept for this digest: it is
    returned as ``answer``, with no graph decoded. Otherwise the graph is
    loaded as usual, for the caller to compute the answer and remember it.
    Several questions, best first (the text a command printed, then the data
    it printed it from), are looked up in turn; ``recalled`` says which one
    was answered.
    """
    root = Path(root)
    opened = kbcache.open_cache(root, cache)
    try:
        found, scanned = _digest_of(root, opened, parallel)
        key = f"graph:{found}"
        if found is not None and recall is not None:
            answer, recalled = _look_up(opened, found, [recall] if isinstance(recall, str) else recall)  # type: ignore[arg-type]
            if recalled is not None:
                return Compiled(root, 0, None, [], found, cache, scanned, answer=answer, recalled=recalled)
        if found is not None and around is not None:
            near = _neighbourhood(opened, found, around)  # type: ignore[arg-type]
            if near is not None:
                files, count, structure, view = near
                return Compiled(root, files, view, [], found, cache, scanned, count=count, partial=True,
                                structure=structure)
        if found is not None:
            with no_collection():
                blob = opened.get_blob(key)  # type: ignore[union-attr]
            if isinstance(blob, dict) and isinstance(blob.get("files"), int) and isinstance(blob.get("structure"), str):
                view = view_from_json(blob.get("graph"))
                if view is not None:
                    return Compiled(root, blob["files"], view, [], found, cache, scanned, structure=blob["structure"],
                                    settled=True)
            mended = _mended(root, opened, found, scanned, parallel, around)  # type: ignore[arg-type]
            if mended is not None:
                return mended
        from kb.analysis import graph  # only now: a graph read from the cache needs neither
        from kb.data import patch
        from kb.rules import delta, validate

        # Everything made from here on lives until the command ends: collections would only rescan it.
        with no_collection():
            parts = validate.gather_parts(root, None, parallel, False, opened, _scan_result(root, scanned))
            kb, raw = parts.kb, parts.all()
            # Only errors are shown here (warnings are counted): locating the rest would read their files.
            errors = validate.finish([p for p in raw if p.severity == "error"])
            problems = errors + [p for p in raw if p.severity != "error"]
            if errors:
                return Compiled(root, kb.files, None, problems, found, cache, scanned)
            G = graph.build(kb)
            structure = structure_key(G) if found is not None else None  # only what is cached is kept under it
            settled = found is not None and _unchanged(root, scanned)  # G is the map the digest was taken of
            if settled:
                data = graph_to_json(G)
                if data is not None:
                    opened.put_blob(key, {"files": kb.files, "graph": data, "structure": structure},  # type: ignore[union-attr]
                                    replace="graph:", checked=True)
                    # The rows hold the values graph_to_json just found exact (tuples made lists): checked.
                    rows = _node_rows(G, found, kb.files, structure)
                    kept = None
                    if len(scanned) > 4:  # what a later load mends this graph from (see kb.data.patch)
                        displays, values, frame = scanned[4]
                        kept = delta.keep(parts, frame, values, displays)
                        rows += patch.fact_rows(found, kept)
                    opened.put_blobs(rows, replace=f"{ROWS}graph:", keep=f"{ROWS}graph:{found}:",  # type: ignore[union-attr]
                                     checked=True)
                    if kept is not None:
                        opened.put_blob(patch.BASE_KEY, patch.base_record(found, kept),  # type: ignore[union-attr]
                                        replace=patch.BASE_KEY, checked=True)
        return Compiled(root, kb.files, G, problems, found, cache, scanned, structure=structure, settled=settled)
    finally:
        if opened is not None:
            opened.close()


# --- kb check ---------------------------------------------------------------------------------


@dataclass
class Checked(Findings):
    """What ``kb check`` reports: every problem, located, and notes for the reader."""

    problems: list[Problem]
    files: int
    notes: list[str] = field(default_factory=list)


def _problems_to_json(problems: Sequence[Problem]) -> list | None:
    out = [[p.path, p.line, p.col, p.code, p.message, p.severity, list(p.loc)] for p in problems]
    return out if kbcache.exact(out) else None


def _problems_from_json(data: Any) -> list[Problem] | None:
    try:
        return [Problem(path, line, col, code, message, severity, tuple(loc))
                for path, line, col, code, message, severity, loc in data]
    except (TypeError, ValueError):
        return None


def _texts_signature(root: Path, sources_dir) -> str:
    """A hash of the source texts quotes are checked against, and of the problems reading them gave."""
    from kb.rules import validate

    kb = store.KnowledgeBase(root=root)
    store.load_sources(root, kb)
    texts, problems = validate.load_source_texts(kb, sources_dir)
    h = hashlib.sha256()
    for name in sorted(texts):
        h.update(f"{name}\0{texts[name]}\0".encode("utf-8", "surrogatepass"))
    for p in problems:
        h.update(f"{p!r}{p.loc}\0".encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def check(root: Path, sources_dir: Path | Sequence[Path] | None = None, strict: bool = False,
          parallel: bool = False, configured: bool = False, analysis: bool = False,
          cache: bool = True) -> Checked:
    """What :func:`kb.rules.validate.check` reports, read from the cache when the digest has not changed.

    Problems are kept before they are located, and located again in the files
    as they are, so a problem's line follows an edit that moved it without
    changing any data.
    """
    from kb.rules import delta, validate

    root = Path(root)
    opened = kbcache.open_cache(root, cache)
    try:
        sources_dir, notes = validate.source_folders(root, sources_dir, configured)
        found, scanned = _digest_of(root, opened, parallel)
        key = None
        if found is not None:
            texts = _texts_signature(root, sources_dir) if sources_dir else "-"
            key = f"check:{found}:{int(analysis)}:{texts}"
            blob = opened.get_blob(key)  # type: ignore[union-attr]
            if isinstance(blob, dict) and isinstance(blob.get("files"), int):
                raw = _problems_from_json(blob.get("problems"))
                extra = _problems_from_json(blob.get("extra"))
                if raw is not None and extra is not None:
                    return Checked(_finish(raw, extra, strict, analysis), blob["files"], notes)
        # What is read lives until the check is done (and is freed as a whole when it returns):
        # collections would only rescan it.
        with no_collection():
            again = _from_record(root, opened, scanned, texts, sources_dir, parallel) if key and not analysis else None
            extra: list[Problem] = []
            if again is not None:
                raw, files, kept = again.problems, again.files, again.kept
            else:
                parts = validate.gather_parts(root, sources_dir, parallel, True, opened, _scan_result(root, scanned))
                raw, files = parts.all(), parts.kb.files
                kept = None
                if key is not None and len(scanned) > 4:
                    displays, values, frame = scanned[4]
                    kept = delta.keep(parts, frame, values, displays)
                if analysis and not any(p.severity == "error" for p in raw):
                    extra = validate.analysis_extra(parts.kb)
            if key is not None and _unchanged(root, scanned):
                stored_raw, stored_extra = _problems_to_json(raw), _problems_to_json(extra)
                if stored_raw is not None and stored_extra is not None:
                    opened.put_blob(key, {"files": files, "problems": stored_raw, "extra": stored_extra},  # type: ignore[union-attr]
                                    replace="check:")
                if kept is not None:
                    opened.put_blob(f"{delta.KEY}{texts}", kept.to_json(), replace=delta.KEY,  # type: ignore[union-attr]
                                    checked=True)
            return Checked(_finish(raw, extra, strict, analysis), files, notes)
    finally:
        if opened is not None:
            opened.close()


def _from_record(root: Path, opened: kbcache.Cache, scanned: list, texts: str, sources_dir, parallel: bool):
    """The check from the last one's kept record, when only a few node files changed (see
    :mod:`kb.rules.delta`), or None."""
    from kb.rules import delta

    if len(scanned) <= 4:
        return None
    kept = delta.Kept.from_json(opened.get_blob(f"{delta.KEY}{texts}"))
    if kept is None:
        return None
    displays, values, frame = scanned[4]
    return delta.recheck(root, kept, frame, displays, scanned[3], values, opened, sources_dir, parallel)


def _finish(raw: list[Problem], extra: list[Problem], strict: bool, analysis: bool) -> list[Problem]:
    from kb.rules import validate

    found = validate.finish(raw, strict)
    if analysis and not any(p.severity == "error" for p in found):
        found = validate.with_findings(found, extra, strict)
    return found
