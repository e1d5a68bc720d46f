"""Rules over a loaded knowledge base, turned into problems.

The rules are pure functions of the in-memory knowledge base (and, for quotes, of
the source texts handed in), so they can run on a knowledge base as it would be
after an edit, before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from kb.data import parsing, settings, store
from kb.data.compiled import code_hash, no_collection
from kb.data.quotes import closest_passage, fold
from kb.data.settings import find_text
from kb.rules.report import Findings, Problem, sort_problems
from kb.data.store import KnowledgeBase, display_path
from kb.data.suggest import closest

from kb.data.relations import ARGUMENT_RELATIONS as RELATIONS


def _p(kb: KnowledgeBase, node_id: str, code: str, message: str, loc: tuple = (), severity: str = "error") -> Problem:
    return Problem(display_path(kb.paths[node_id]), 0, 0, code, message, severity, loc)  # type: ignore[arg-type]


def _unknown(what: str, value: str, pool) -> str:
    hits = closest(value, pool)
    hint = f" (did you mean {', '.join(hits)}?)" if hits else ""
    return f"unknown {what} '{value}'{hint}"


@dataclass
class Scope:
    """What the rules of one node read of the rest of the map.

    A whole check builds it from the nodes it loaded (:meth:`of`); a check
    after a few files changed (:mod:`kb.rules.delta`) builds it from what the
    last check kept of every node, and applies the rules to the nodes the
    change can concern only. Either way the rules below are the same code.
    """

    ids: Mapping[str, object]  # every node read, in file order: what a reference may name, and hints come from
    declared: dict[tuple[str, str], list[tuple[str, str, tuple]]]  # see declared_edges
    incoming: set[str]  # every id some node names
    # Each node's declarations and the ids it names, when built from the nodes (kept by kb.rules.delta).
    declared_by: dict[str, list] = field(default_factory=dict)
    named_by: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, kb: KnowledgeBase) -> "Scope":
        return cls._made(kb, {i: declarations(i, node) for i, node in kb.nodes.items()},
                         {i: node.targets() for i, node in kb.nodes.items()})

    def of_changed(self, kb: KnowledgeBase) -> "Scope":
        """:meth:`of` ``kb``, a map that shares most of its node objects with the one this scope was made of.

        An edit computes the map after it in memory, every node of an untouched
        file the same object as before: what the rules read of those is taken
        from here instead of from each node again (on 10^4 nodes, most of the
        cost of judging an edit).
        """
        was, declared_was, named_was = self.ids, self.declared_by, self.named_by
        declared_by, named_by = {}, {}
        for i, node in kb.nodes.items():
            if was.get(i) is node and i in declared_was:
                declared_by[i], named_by[i] = declared_was[i], named_was[i]
            else:
                declared_by[i], named_by[i] = declarations(i, node), node.targets()
        return self._made(kb, declared_by, named_by)

    @classmethod
    def _made(cls, kb: KnowledgeBase, declared_by: dict[str, list], named_by: dict[str, list[str]]) -> "Scope":
        incoming: set[str] = set()
        for named in named_by.values():
            incoming.update(named)
        return cls(kb.nodes, index_declarations(declared_by.items()), incoming, declared_by, named_by)


def graph_problems(kb: KnowledgeBase, scope: Scope | None = None) -> list[Problem]:
    """Errors that need the whole knowledge base: dangling references, self and duplicate edges.

    ``scope``: the rest of the map, when ``kb.nodes`` are only the nodes to check (see :class:`Scope`).
    """
    out: list[Problem] = []
    for node_id, node in kb.nodes.items():
        if node.id is not None and node.id != node_id:
            out.append(_p(kb, node_id, "id-mismatch", f"id '{node.id}' does not match the file name '{node_id}'", ("id",)))
        if node.speaker not in kb.people:
            out.append(_p(kb, node_id, "unknown-speaker", _unknown("speaker", node.speaker, kb.people), ("speaker",)))
        if node.source.document not in kb.sources:
            out.append(_p(kb, node_id, "unknown-source", _unknown("source", node.source.document, kb.sources), ("source", "document")))
        if node.presenter is not None and node.presenter not in kb.people:
            out.append(_p(kb, node_id, "unknown-person", _unknown("presenter", node.presenter, kb.people), ("presenter",)))
        for person, stance in node.stances.items():
            if person not in kb.people:
                out.append(_p(kb, node_id, "unknown-person", _unknown("person", person, kb.people), ("stances", person)))
            if stance.source is not None and stance.source not in kb.sources:
                out.append(_p(kb, node_id, "unknown-source", _unknown("source", stance.source, kb.sources), ("stances", person, "source")))
    return out + relation_problems(kb, scope)


def declared_edges(kb: KnowledgeBase) -> dict[tuple[str, str], list[tuple[str, str, tuple]]]:
    """Every (source, target) pair of the graph, with each place that declares it.

    A declaration is ``(relation, file's node id, location)``. Linked premises
    declare an edge from each premise, undercuts one from the undercutter to the
    undercut edge's target: the graph holds one edge per pair, so two
    declarations of one pair are a ``duplicate-edge``.
    """
    return index_declarations((node_id, declarations(node_id, node)) for node_id, node in kb.nodes.items())


def declarations(node_id: str, node) -> list[tuple[str, str, str, int]]:
    """Each edge one node's file declares, as (source, target, relation, index), in file order.

    The declaration sits at ``(relation, index)`` in the file (the relation's key
    and the item under it).
    """
    out = []
    for relation in RELATIONS:
        for i, edge in enumerate(node.edges(relation)):
            for premise in (node_id, *edge.with_):
                out.append((premise, edge.target, relation, i))
    cut_targets: set[str] = set()
    for i, cut in enumerate(node.undercuts):
        # several inferences into one target undercut by one node are one edge of the graph
        if cut.target not in cut_targets:
            cut_targets.add(cut.target)
            out.append((node_id, cut.target, "undercuts", i))
    for i, target in enumerate(node.restates):
        out.append((node_id, target, "restates", i))
    return out


def index_declarations(per_node: Iterable[tuple[str, Sequence[Sequence]]]
                       ) -> dict[tuple[str, str], list[tuple[str, str, tuple]]]:
    """:func:`declared_edges` from each node's :func:`declarations`, the nodes in file order."""
    out: dict[tuple[str, str], list[tuple[str, str, tuple]]] = {}
    for node_id, declared in per_node:
        for source, target, relation, i in declared:
            out.setdefault((source, target), []).append((relation, node_id, (relation, i)))
    return out


def relation_problems(kb: KnowledgeBase, scope: Scope | None = None) -> list[Problem]:
    """Dangling, circular and doubled relations, linked premises and undercuts of missing edges.

    Problems are found for ``kb.nodes``; ``scope`` is the rest of the map (see :class:`Scope`).
    """
    out: list[Problem] = []
    checked = kb.nodes
    scope = scope or Scope.of(kb)
    nodes, declared = scope.ids, scope.declared
    for (source, target), places in declared.items():
        relation, owner, loc = places[0]
        for relation2, owner2, loc2 in places[1:]:
            if owner2 not in checked:
                continue
            if owner2 == owner and source == owner:
                message = f"'{target}' is already listed under {relation}"
            else:
                first = "its own file" if owner == source else f"the file of '{owner}'"
                message = (f"'{source}' already {relation} '{target}' (in {first}); "
                           "two nodes are linked by one relation at most")
            out.append(_p(kb, owner2, "duplicate-edge", message, loc2))
    for node_id, node in checked.items():
        for relation in RELATIONS:
            for i, edge in enumerate(node.edges(relation)):
                loc = (relation, i)
                if edge.target == node_id:
                    out.append(_p(kb, node_id, "self-edge", f"a node cannot {relation[:-1]} itself", loc))
                elif edge.target not in nodes:
                    out.append(_p(kb, node_id, "unknown-target", _unknown("target", edge.target, nodes), loc + ("target",) if edge.with_ or edge.note or edge.weight != 1.0 else loc))
                seen = {node_id}
                for j, premise in enumerate(edge.with_):
                    ploc = loc + ("with", j)
                    if premise in seen or premise == edge.target:
                        what = "the conclusion" if premise == edge.target else "already a premise of this argument"
                        out.append(_p(kb, node_id, "bad-premise", f"'{premise}' cannot be a linked premise here: it is {what}", ploc))
                    elif premise not in nodes:
                        out.append(_p(kb, node_id, "unknown-target", _unknown("premise", premise, nodes), ploc))
                    seen.add(premise)
        for i, cut in enumerate(node.undercuts):
            loc = ("undercuts", i)
            if node_id in (cut.source, cut.target):
                out.append(_p(kb, node_id, "self-edge", "a node cannot undercut an inference it is an end of", loc))
                continue
            missing = [end for end in (cut.source, cut.target) if end not in nodes]
            for end, key in ((cut.source, "source"), (cut.target, "target")):
                if end not in nodes:
                    out.append(_p(kb, node_id, "unknown-target", _unknown(key, end, nodes), loc + (key,)))
            if missing:
                continue
            kinds = {r for r, _, _ in declared.get((cut.source, cut.target), [])}
            if not kinds & set(RELATIONS):
                into = sorted(s for (s, t), places in declared.items()
                              if t == cut.target and any(r in RELATIONS for r, _, _ in places))
                hits = closest(cut.source, into)
                hint = f" (did you mean {', '.join(hits)}?)" if hits else (
                    f"; edges into it come from {', '.join(into[:5])}" if into else "")
                out.append(_p(kb, node_id, "unknown-edge", f"no support or attack from '{cut.source}' to '{cut.target}' to undercut{hint}", loc))
        for i, target in enumerate(node.restates):
            loc = ("restates", i)
            if target == node_id:
                out.append(_p(kb, node_id, "self-edge", "a node cannot restate itself", loc))
            elif target not in nodes:
                out.append(_p(kb, node_id, "unknown-target", _unknown("target", target, nodes), loc))
    return out


def lint_problems(kb: KnowledgeBase, scope: Scope | None = None) -> list[Problem]:
    """Warnings: things that are valid but probably unfinished.

    Problems are found for ``kb.nodes``; ``scope`` is the rest of the map (see :class:`Scope`).
    """
    scope = scope or Scope.of(kb)
    incoming, named_by = scope.incoming, scope.named_by
    out = []
    for node_id, node in kb.nodes.items():
        named = named_by.get(node_id)
        if not (node.targets() if named is None else named) and node_id not in incoming:
            out.append(_p(kb, node_id, "orphan", "node has no edges: nothing links to it and it links to nothing", (), "warning"))
        elif node.kind == "theory_of_impact" and node_id not in incoming:
            out.append(_p(kb, node_id, "unchallenged-theory", "no node attacks or supports this theory of impact", ("kind",), "warning"))
        if node.presenter is not None and node.presenter == node.speaker:
            out.append(_p(kb, node_id, "presenter-is-speaker", "presenter is the speaker: leave presenter out", ("presenter",), "warning"))
        if not node.source.quote:
            out.append(_p(kb, node_id, "missing-quote", "source has no quote anchoring the claim", ("source",), "warning"))
    return out


def duplicate_problems(kb: KnowledgeBase, among=None, cache=None, parallel: bool = False) -> list[Problem]:
    """Warnings for nodes whose title or quote nearly repeats another's (see kb.analysis.duplicates).

    Comparing every pair grows with the square of the map, so with ``cache``
    (a :class:`kb.data.cache.Cache`) the similar pairs found last time are kept and
    only changed nodes are compared again. ``parallel``: compare on every core.
    """
    from kb.analysis import duplicates  # rapidfuzz: paid only by the commands that look for duplicates

    known = None
    if cache is not None:
        # Kept scores are only as good as the code (and rapidfuzz) that computed them: another
        # version compares everything again.
        kept = cache.get_blob("duplicates")
        made_by = code_hash()
        previous = duplicates.Index.from_json(kept.get("index")) if isinstance(kept, dict) and kept.get(
            "by") == made_by else None
        known = duplicates.index(kb.nodes, previous, parallel)
        # Plain data throughout (strings, lists, finite scores): no need to look it over again.
        cache.put_blob("duplicates", {"by": made_by, "index": known.to_json()}, checked=True)
    out = []
    for dup in duplicates.find(kb.nodes, among, known, parallel):
        other = kb.nodes[dup.other]
        shown = other.title if dup.field == "title" else other.source.quote
        loc = ("title",) if dup.field == "title" else ("source", "quote")
        out.append(_p(kb, dup.node, "possible-duplicate",
                      f"{dup.field} nearly matches that of '{dup.other}' (\"{_short(shown or '')}\"); if it is the same "
                      f"claim, remove one or record it with `kb link {dup.node} restates {dup.other}`", loc, "warning"))
    return out


def load_source_texts(kb: KnowledgeBase, sources_dir: Path | Sequence[Path]) -> tuple[dict[str, str], list[Problem]]:
    """Folded texts of every source that names a file, and problems for files that are missing.

    sources_dir may be several folders: each text is taken from the first that has it.
    """
    folders = [Path(sources_dir)] if isinstance(sources_dir, (str, Path)) else [Path(f) for f in sources_dir]
    registry = display_path(kb.root / store.SOURCES_FILE)
    texts, problems = {}, []
    for index, (source_id, source) in enumerate(kb.sources.items()):
        if not source.file:
            problems.append(Problem(registry, 0, 0, "no-source-text", f"source '{source_id}' names no text file; its quotes cannot be checked", "warning", (index,)))
            continue
        path = find_text(source.file, folders) or folders[0] / source.file
        folder = next((f for f in folders if (Path(f) / source.file) == path), folders[0])
        try:
            # read only from inside the folder it was found in: a name leading out is refused
            texts[source_id] = fold(store.read_source_text(folder, source.file))
        except (OSError, UnicodeDecodeError, store.Refused) as exc:
            problems.append(Problem(registry, 0, 0, "source-file-missing", f"cannot read {display_path(path)} for source '{source_id}': {exc}", "error", (index, "file")))
    return texts, problems


def quote_problems(kb: KnowledgeBase, texts: dict[str, str], only: set[str] | None = None) -> list[Problem]:
    """Every source and stance quote that its document does not contain, with the closest passage.

    only limits the search to those nodes (an edit checks the nodes it touches).
    """
    out = []
    for node_id, node in kb.nodes.items():
        if only is not None and node_id not in only:
            continue
        doc = node.source.document
        if node.source.quote and doc in texts and fold(node.source.quote) not in texts[doc]:
            out.append(_p(kb, node_id, "quote-not-found", _missing_quote("quote", node.source.quote, doc, texts[doc]),
                          ("source", "quote")))
        for person, stance in node.stances.items():
            sdoc = stance.source or doc
            if stance.quote and sdoc in texts and fold(stance.quote) not in texts[sdoc]:
                out.append(_p(kb, node_id, "quote-not-found",
                              _missing_quote(f"stance quote of '{person}'", stance.quote, sdoc, texts[sdoc]),
                              ("stances", person, "quote")))
    return out


def _missing_quote(what: str, quote: str, doc: str, text: str) -> str:
    return f"{what} not found in source '{doc}': \"{' '.join(quote.split())}\"; {closest_passage(quote, text).describe()}"


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class CheckResult(Findings):
    kb: KnowledgeBase
    problems: list[Problem]
    notes: list[str] = field(default_factory=list)  # said to the reader, never problems (so --strict ignores them)


def problems_for(kb: KnowledgeBase, load_problems: list[Problem] = (), texts: dict[str, str] | None = None,
                 strict: bool = False, documents: dict[str, str] | None = None,
                 scope: Scope | None = None) -> list[Problem]:
    """All problems of an in-memory knowledge base, located and sorted.

    ``documents`` holds the texts of files changed in memory but not yet written,
    by display path, so problems in them are located in the new text.
    ``scope``: :meth:`Scope.of` ``kb``, when the caller has it.
    """
    scope = scope or Scope.of(kb)
    problems = list(load_problems) + graph_problems(kb, scope) + lint_problems(kb, scope)
    if texts is not None:
        problems += quote_problems(kb, texts)
    if strict:
        problems = [p.as_error() for p in problems]
    return sort_problems(parsing.locate(problems, documents))


def source_folders(root: Path, sources_dir: Path | Sequence[Path] | None, configured: bool
                   ) -> tuple[Path | Sequence[Path] | None, list[str]]:
    """The folders whose texts quotes are checked against, and notes about configured ones that are missing.

    With ``configured``, they come from the knowledge base's kb.toml when none
    are given; a configured folder that is missing gives a note (a clone
    without the texts) rather than an error on every source.
    """
    notes: list[str] = []
    if configured and not sources_dir:
        found = settings.source_folders(root)
        sources_dir = found.folders or None
        # A clone without the texts is normal: say so, but do not fail a strict check over it.
        notes += [f"sources folder {display_path(m)} (sources_dir in {display_path(Path(root) / settings.SETTINGS_FILE)}) "
                  "not found; quotes were not checked" for m in found.missing]
    return sources_dir, notes


@dataclass
class Gathered:
    """A check's problems by where they come from, not yet located (see :func:`finish`).

    Kept apart so that a check after a few files changed (:mod:`kb.rules.delta`)
    can take each part again for the files it concerns.
    """

    kb: KnowledgeBase
    loading: list[Problem]  # reading the node files and the registries
    sources: list[Problem]  # reading the source texts
    duplicates: list[Problem]
    rules: list[Problem]  # the rules of each node (see rules_for)
    scope: Scope

    def all(self) -> list[Problem]:
        return self.loading + self.sources + self.duplicates + self.rules


def rules_for(kb: KnowledgeBase, scope: Scope, texts: dict[str, str] | None) -> list[Problem]:
    """The problems of ``kb.nodes`` against the rest of the map: references, relations, lint and quotes."""
    problems = graph_problems(kb, scope) + lint_problems(kb, scope)
    if texts is not None:
        problems += quote_problems(kb, texts)
    return problems


def gather_parts(root: Path, sources_dir: Path | Sequence[Path] | None = None, parallel: bool = False,
                 warnings: bool = True, cache=None, scanned=None) -> Gathered:
    """The loaded knowledge base and every problem of it, by part.

    ``scanned``: what :func:`kb.data.store.scan_names` just returned, when the caller has it.
    """
    kb, loading = store.load(Path(root), parallel=parallel, cache=cache, scanned=scanned)
    texts, sources = None, []
    if sources_dir:
        texts, sources = load_source_texts(kb, sources_dir)
    found = duplicate_problems(kb, cache=cache, parallel=parallel) if warnings else []
    scope = Scope.of(kb)
    return Gathered(kb, loading, sources, found, rules_for(kb, scope, texts), scope)


def gather(root: Path, sources_dir: Path | Sequence[Path] | None = None, parallel: bool = False,
           warnings: bool = True, cache=None, scanned=None) -> tuple[KnowledgeBase, list[Problem]]:
    """The loaded knowledge base and every problem of it, not yet located (see :func:`finish`)."""
    parts = gather_parts(root, sources_dir, parallel, warnings, cache, scanned)
    return parts.kb, parts.all()


def finish(problems: list[Problem], strict: bool = False) -> list[Problem]:
    """Problems located and sorted, warnings made errors under ``strict``."""
    if strict:
        problems = [p.as_error() for p in problems]
    return sort_problems(parsing.locate(problems))


def with_findings(found: list[Problem], extra: Sequence[Problem], strict: bool = False) -> list[Problem]:
    """Finished problems with the analysis findings (:mod:`kb.rules.diagnostics`) added.

    Under ``strict`` their warnings become errors, but notes stay notes: they
    say something true about the debate, never a defect.
    """
    if strict:
        extra = [p.as_error() if p.severity == "warning" else p for p in extra]
    return sort_problems(found + parsing.locate(list(extra)))


def analysis_extra(kb: KnowledgeBase) -> list[Problem]:
    """The analysis findings of a map without errors, not yet located."""
    from kb.analysis import graph
    from kb.rules.diagnostics import analysis_findings

    return analysis_findings(kb, graph.build(kb))


def check(root: Path, sources_dir: Path | Sequence[Path] | None = None, strict: bool = False,
          parallel: bool = False, configured: bool = False, analysis: bool = False,
          cache: bool = False, warnings: bool = True) -> CheckResult:
    """Load and check a knowledge base: the library behind ``kb check``.

    With ``configured``, the source folders come from the knowledge base's
    kb.toml when none are given (see :func:`source_folders`).

    With ``analysis``, a map without errors is also analysed for warnings about
    what its computed answers would tell a reader (:mod:`kb.rules.diagnostics`); the
    analysis modules are imported only then, so a plain check stays light.

    With ``cache``, files unchanged since the last cached run are not parsed
    again (:mod:`kb.data.cache`); the result is the same. Without ``warnings``, the
    look for near-duplicates (the one rule that compares nodes pairwise) is
    skipped: callers that only need to know whether the map has errors.
    """
    from kb.data import cache as kbcache

    opened = kbcache.open_cache(Path(root), cache)
    try:
        sources_dir, notes = source_folders(root, sources_dir, configured)
        with no_collection():  # what is read lives until the caller is done: collections would only rescan it
            kb, problems = gather(root, sources_dir, parallel, warnings, opened)
    finally:
        if opened is not None:
            opened.close()
    found = finish(problems, strict)
    if analysis and not any(p.severity == "error" for p in found):
        found = with_findings(found, analysis_extra(kb), strict)
    return CheckResult(kb, found, notes)
