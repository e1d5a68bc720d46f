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
and without the cache. When the files change while a result is being
computed, it is not stored (the digest is taken again before storing).

Nothing here prints; the values stored are plain JSON.
"""

from __future__ import annotations

import gc
import hashlib
import math
import os
import time
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
_TUPLE_ATTRS = ("linked", "via")


# Libraries whose behaviour is part of an answer (messages, similarity scores, graph order, stems).
_LIBRARIES = ("pydantic", "pydantic_core", "networkx", "rapidfuzz", "snowballstemmer", "yaml", "orjson")


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


def _witness(root: Path, opened: kbcache.Cache) -> list:
    """What shows that no file of the last :meth:`kb.data.cache.Cache.hashes` (nor a registry) changed since it read them."""
    return [list(opened.last_keys), dict(opened.last_shas),
            [_raw(root / name, root) for name in (store.PEOPLE_FILE, store.SOURCES_FILE, store.PENDING_FILE)]]


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

    When every file has the name, size, times and inode it had when a digest
    was last taken, and none was modified too recently for its times to be
    trusted, that digest is read back (it is a function of exactly those, as
    the parse cache's keys are): a warm command then spends one ``lstat`` per
    file and reads nothing else.
    """
    root = Path(root)
    if not root.is_dir():
        return None
    # Text paths throughout: on a warm command this is most of the work, and Path objects would double it.
    names, walk_problems = store.scan_names(root)
    prefix = os.path.join(str(root), "")
    keys = [kbcache._key(prefix + name) for name in names]
    registries = [_raw(root / name, root) for name in (store.PEOPLE_FILE, store.SOURCES_FILE, store.PENDING_FILE)]
    quick = _quick_key(root, names, keys, walk_problems, registries)
    if quick is not None:
        known = opened.get_blob(quick)
        if isinstance(known, dict) and isinstance(known.get("digest"), str) and _indices(known.get("nodes"), keys):
            nodes = known["nodes"]
            if scanned is not None:
                scanned[:] = [names, walk_problems, [[keys[i] for i in nodes], {}, registries],
                              [prefix + names[i] for i in nodes]]
            return known["digest"]
    entries, id_problems = store.node_entries(root, names)
    items = [(prefix + names[index], display, root) for index, _, display in entries]
    hashes = opened.hashes(items, lambda todo: store._parse_all(todo, parallel),
                           [names[index] for index, _, _ in entries])
    if scanned is not None:
        scanned[:] = [names, walk_problems, _witness(root, opened), [item[0] for item in items]]
    if hashes is None:
        return None
    h = hashlib.sha256()

    def add(*parts: object) -> None:
        for part in parts:
            h.update(str(part).encode("utf-8", "surrogatepass"))
            h.update(b"\0")

    add(code_hash(), kbcache._header(), str(root), store.display_path(root), len(names))
    h.update("\0".join(names).encode("utf-8", "surrogatepass"))
    h.update(b"\0\0")
    # the display path names the file; the parse result's hash is its content
    h.update("\0".join(f"{display}\0{value}" for (_, display, _), value in zip(items, hashes))
             .encode("utf-8", "surrogatepass"))
    h.update(b"\0\0")
    for problem in (*walk_problems, *id_problems):
        add(repr(problem), problem.loc)
    for raw in registries:
        h.update(raw)
        h.update(b"\0")
    found = h.hexdigest()
    # Kept only when the files parsed are in the states the quick key names (none changed meanwhile).
    if quick is not None and opened.last_keys == [keys[index] for index, _, _ in entries]:
        opened.put_blob(quick, {"digest": found, "nodes": [index for index, _, _ in entries]}, replace="quick:")
    return found


def _quick_key(root: Path, names: list[str], keys: list, walk_problems: list[Problem], registries: list[bytes]
               ) -> str | None:
    """The cache key under which the digest of files in exactly these states is kept; None when one's times
    cannot be trusted (modified within :data:`kb.data.cache.RACY_NS` of now, or not a plain file)."""
    now = time.time_ns()
    if any(key is None or now - key[1] < kbcache.RACY_NS for key in keys):
        return None
    h = hashlib.sha256()
    for part in (code_hash(), kbcache._header(), str(root), store.display_path(root), len(names),
                 "\0".join(names), repr(keys), repr([(repr(p), p.loc) for p in walk_problems])):
        h.update(str(part).encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    for raw in registries:
        h.update(raw)
        h.update(b"\0")
    return f"quick:{h.hexdigest()}"


def _indices(nodes: Any, keys: list) -> bool:
    return type(nodes) is list and all(type(i) is int and 0 <= i < len(keys) for i in nodes)


# --- the graph --------------------------------------------------------------------------------


def _edge_order(G: nx.DiGraph) -> list[tuple[str, str]]:
    """An order of the edges that, added to an empty graph, gives every node's successors and predecessors in G's order.

    networkx keeps both orders but not the order the edges were added in; any
    order consistent with both rebuilds the same graph, and the one they were
    added in shows that one exists.
    """
    edges = list(G.edges)
    # Most often, adding the edges source by source already gives every predecessor order.
    preds: dict = {v: [] for v in G}
    for u, v in edges:
        preds[v].append(u)
    if all(preds[v] == list(others) for v, others in G.pred.items()):
        return edges
    position = {edge: i for i, edge in enumerate(edges)}
    after: list[list[int]] = [[] for _ in edges]
    waiting = [0] * len(edges)
    for listing in ((G.succ, lambda u, w: (u, w)), (G.pred, lambda v, w: (w, v))):
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
    return order if len(order) == len(edges) else edges


_TEXT = {str}
_NUMBER = {float}


def _exact(value: Any) -> bool:
    """:func:`kb.data.cache.exact`, with the graph's common shapes (text, a number, a list of text, a dict of
    numbers) tested at C speed: this runs on every attribute of every node."""
    kind = type(value)
    if kind is str or value is None:
        return True
    if kind is float:
        return math.isfinite(value)
    if kind is list and set(map(type, value)) <= _TEXT:
        return True
    if kind is dict and set(map(type, value)) <= _TEXT and set(map(type, value.values())) <= _NUMBER:
        return all(map(math.isfinite, value.values()))
    return kbcache.exact(value)


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
        if not all(map(_exact, row)):
            return None
        values.append(row)
    return [list(k) for k in shapes], which, values


def graph_to_json(G: nx.DiGraph) -> dict | None:
    with _no_collection():
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
        for key in _TUPLE_ATTRS:
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
def _no_collection():
    """Pause the cyclic garbage collector while a big graph is built: its object count would set off
    collections that rescan everything built so far, and nothing built here is garbage."""
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


def view_from_json(data: Any) -> GraphView | None:
    """The graph :func:`graph_to_json` wrote, as a :class:`~kb.analysis.graphview.GraphView` (no networkx)."""
    with _no_collection():
        return _view_from_json(data)


def _view_from_json(data: Any) -> GraphView | None:
    from kb.analysis.graphview import GraphView

    try:
        node_keys, edge_keys = data["node_keys"], data["edge_keys"]
        nodes = [(n, dict(zip(node_keys[shape], values)))
                 for n, shape, values in zip(data["nodes"], data["node_shape"], data["node_values"], strict=True)]
        if not all(type(n) is str for n, _ in nodes) or type(data["graph"]) is not dict:
            return None
        ends = [(u, v) for u, v in data["edges"]]
        shapes, values = data["edge_shape"], data["edge_values"]
        tuples = [[i for i, key in enumerate(keys) if key in _TUPLE_ATTRS] for keys in edge_keys]
        widths = [len(keys) for keys in edge_keys]
        # Every check here, so that an edge's attributes made later (when read) cannot fail.
        if len(shapes) != len(ends) or len(values) != len(ends) or not all(type(k) is str for keys in edge_keys
                                                                              for k in keys):
            return None
        for shape, row in zip(shapes, values):
            if type(row) is not list or len(row) != widths[shape] or any(type(row[i]) is not list
                                                                          for i in tuples[shape]):
                return None

        def edge_attrs(index: int) -> dict:
            shape, row = shapes[index], list(values[index])
            for i in tuples[shape]:
                row[i] = tuple(row[i])
            return dict(zip(edge_keys[shape], row))

        return GraphView(data["graph"], nodes, ends, edge_attrs)
    except (TypeError, KeyError, ValueError, AttributeError, IndexError):
        return None


def graph_from_view(view: GraphView) -> nx.DiGraph:
    """The networkx graph with the view's nodes, edges, attributes and adjacency order."""
    import networkx as nx

    with _no_collection():
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
    _graph: nx.DiGraph | None = field(default=None, repr=False)

    @property
    def graph(self) -> nx.DiGraph | None:
        if self._graph is None and self.view is not None:
            from kb.analysis.graphview import GraphView

            self._graph = graph_from_view(self.view) if isinstance(self.view, GraphView) else self.view
        return self._graph

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def ok(self) -> bool:
        return self.view is not None

    def analysis(self, perspective: str, method: str, implied: bool = True) -> Analysis:
        """Priors, strengths and grounded labels from a perspective (see :func:`kb.analysis.queries.analyse`), cached by digest."""
        from kb.analysis.queries import Analysis, analyse

        assert self.view is not None
        key = f"analysis:{self.digest}:{method}:{int(implied)}:{perspective}"
        opened = kbcache.open_cache(self.root, self.cache and self.digest is not None)
        try:
            if opened is not None:
                with _no_collection():
                    found = Analysis.from_json(opened.get_blob(key))
                if found is not None and found.priors.keys() == set(self.view):
                    return found
            result = analyse(self.graph, perspective, method, implied)
            if opened is not None and _unchanged(self.root, self.scanned):
                opened.put_blob(key, result.to_json(), replace="analysis:", keep=f"analysis:{self.digest}:")
            return result
        finally:
            if opened is not None:
                opened.close()


def _unchanged(root: Path, scanned: list) -> bool:
    """Whether the files a digest was taken of are as they were then, so a result computed since may be stored.

    Files added meanwhile do not matter: the result was computed from the
    files the digest's scan found.
    """
    if len(scanned) != 4:
        return False
    _, _, (keys, shas, registries), paths = scanned
    if len(paths) != len(keys):
        return False
    for index, (path, key) in enumerate(zip(paths, keys)):
        if key is None or kbcache._key(path) != key:
            return False
        if index in shas and kbcache._sha(path) != shas[index]:
            return False
    return registries == [_raw(root / name, root) for name in (store.PEOPLE_FILE, store.SOURCES_FILE,
                                                                store.PENDING_FILE)]


def load(root: Path, cache: bool = True, parallel: bool = False) -> Compiled:
    """The knowledge base checked for errors (no warnings) and, when it has none, compiled into its graph.

    The library behind every analysing command: what ``validate.check(...,
    warnings=False)`` and :func:`kb.analysis.graph.build` give, read from the cache when
    the knowledge base's digest has not changed since they were stored.
    """
    root = Path(root)
    opened = kbcache.open_cache(root, cache)
    try:
        scanned: list = []
        with _no_collection():
            found = digest(root, opened, parallel, scanned) if opened is not None else None
        key = f"graph:{found}"
        if found is not None:
            with _no_collection():
                blob = opened.get_blob(key)  # type: ignore[union-attr]
            if isinstance(blob, dict) and isinstance(blob.get("files"), int):
                view = view_from_json(blob.get("graph"))
                if view is not None:
                    return Compiled(root, blob["files"], view, [], found, cache, scanned)
        from kb.analysis import graph  # only now: a graph read from the cache needs neither
        from kb.rules import validate

        kb, raw = validate.gather(root, None, parallel, False, opened, _scan_result(root, scanned))
        # Only errors are shown here (warnings are counted): locating the rest would read their files.
        errors = validate.finish([p for p in raw if p.severity == "error"])
        problems = errors + [p for p in raw if p.severity != "error"]
        if errors:
            return Compiled(root, kb.files, None, problems, found, cache, scanned)
        G = graph.build(kb)
        if found is not None and _unchanged(root, scanned):
            data = graph_to_json(G)
            if data is not None:
                opened.put_blob(key, {"files": kb.files, "graph": data}, replace="graph:",  # type: ignore[union-attr]
                                checked=True)
        return Compiled(root, kb.files, G, problems, found, cache, scanned)
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
    from kb.rules import validate

    root = Path(root)
    opened = kbcache.open_cache(root, cache)
    try:
        sources_dir, notes = validate.source_folders(root, sources_dir, configured)
        scanned: list = []
        with _no_collection():
            found = digest(root, opened, parallel, scanned) if opened is not None else None
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
        kb, raw = validate.gather(root, sources_dir, parallel, True, opened, _scan_result(root, scanned))
        extra: list[Problem] = []
        if analysis and not any(p.severity == "error" for p in raw):
            extra = validate.analysis_extra(kb)
        if key is not None and _unchanged(root, scanned):
            stored_raw, stored_extra = _problems_to_json(raw), _problems_to_json(extra)
            if stored_raw is not None and stored_extra is not None:
                opened.put_blob(key, {"files": kb.files, "problems": stored_raw, "extra": stored_extra},  # type: ignore[union-attr]
                                replace="check:")
        return Checked(_finish(raw, extra, strict, analysis), kb.files, notes)
    finally:
        if opened is not None:
            opened.close()


def _finish(raw: list[Problem], extra: list[Problem], strict: bool, analysis: bool) -> list[Problem]:
    from kb.rules import validate

    found = validate.finish(raw, strict)
    if analysis and not any(p.severity == "error" for p in found):
        found = validate.with_findings(found, extra, strict)
    return found
