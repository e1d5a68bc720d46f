"""``kb check`` after a few node files changed: the rules applied again only where the change reaches.

A whole check reads and validates every node, then applies every rule to
every node. After an author edits one file of a large map, almost all of that
is the same as last time. So a check keeps, beside its answer, its problems by
file and by where they come from (:class:`kb.rules.validate.Gathered`) and, for
each node, what the rules of the other nodes read of it: the edges its file
declares, the ids it names, its title and its quote.

The next check, when it finds the same files and registries with only the
contents of a few node files changed, and every node that was read still
reads (so the set of ids is the same), reads and validates those files, and
applies the rules again to the nodes the change can concern:

* the changed nodes themselves;
* every node that one of them names, before or after the change (whether
  anything links to a node decides its lint warnings);
* every node that declares an edge into one of those (two declarations of an
  edge, and the edges an undercut can name, are judged among all the edges
  into its target).

The rules read the rest of the map through a :class:`kb.rules.validate.Scope`
built from what was kept, so they are the same code as in a whole check; the
near-duplicate search runs over every node's title and quote as kept, with its
own index (:func:`kb.rules.validate.duplicate_problems`). The problems of the
other nodes are the ones kept. Anything else (a file added, removed or
renamed, a registry edited, a node that stops or starts being read, more than
:data:`LIMIT` files changed, ``--analysis``, a damaged record) is a whole check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Iterator, Protocol, Sequence

from kb.data import parsing, store
from kb.rules import validate
from kb.rules.report import Problem

# More changed files than this and the whole map is checked: the record pays off for an author's few
# edits, not for a checkout that changed much of the map.
LIMIT = 64

KEY = "checkstate:"


@dataclass
class Kept:
    """What a check keeps for the next one: its problems by part and file, and each node's facts."""

    frame: str  # what the digest was taken of, but for the node files' contents (see compiled.digest)
    values: list[str]  # each node file's content hash, in the digest's order
    ids: list[str]  # every node read, in file order
    positions: list[int]  # where each of ids is among the node files, in the digest's order
    facts: dict[str, list]  # node id -> [its declarations (validate.declarations), the ids it names, title, quote]
    loading: dict[str, list[Problem]]  # display path -> problems reading it
    rules: dict[str, list[Problem]]  # display path -> problems of its node's rules
    sources: list[Problem]  # problems reading the source texts
    people: list[str]  # the ids the registries list (the registries are part of the frame)
    documents: list[str]
    files: int

    def header(self) -> "Kept":
        """The record without its facts, which :mod:`kb.data.patch` keeps as rows, one per node, to read only
        those a change reaches (titles and quotes, which only the near-duplicate search reads, not at all)."""
        return replace(self, facts={})

    def to_json(self) -> dict:
        return {"frame": self.frame, "values": "\0".join(self.values), "ids": "\0".join(self.ids),
                "positions": self.positions,
                "facts": self.facts, "loading": {k: _out(v) for k, v in self.loading.items()},
                "rules": {k: _out(v) for k, v in self.rules.items()}, "sources": _out(self.sources),
                "people": self.people, "documents": self.documents, "files": self.files}

    @classmethod
    def from_json(cls, data: Any, header: bool = False) -> "Kept | None":
        """What a check kept, or None when the record is not one (the next check is then a whole one).

        ``header``: a record kept without its facts (:meth:`header`). The parts
        are looked over as they are used: :func:`recheck` takes a record that
        turns out damaged for no record at all.
        """
        try:
            values = data["values"].split("\0") if data["values"] else []
            ids = data["ids"].split("\0") if data["ids"] else []
            facts, people, documents, positions = data["facts"], data["people"], data["documents"], data["positions"]
            if not (isinstance(facts, dict) and len(facts) == (0 if header else len(ids))
                    and isinstance(data["frame"], str)
                    and isinstance(people, list) and isinstance(documents, list) and isinstance(positions, list)):
                return None
            loading = {k: _in(v) for k, v in data["loading"].items()}
            rules = {k: _in(v) for k, v in data["rules"].items()}
            return cls(data["frame"], values, ids, positions, facts, loading, rules, _in(data["sources"]), people,
                       documents, int(data["files"]))
        except (TypeError, ValueError, KeyError, AttributeError):
            return None


def _out(problems: Sequence[Problem]) -> list:
    return [[p.path, p.line, p.col, p.code, p.message, p.severity, list(p.loc)] for p in problems]


def _in(data: Any) -> list[Problem]:
    out = [Problem(path, line, col, code, message, severity, tuple(loc))
           for path, line, col, code, message, severity, loc in data]
    if not all(isinstance(p.path, str) and isinstance(p.line, int) and isinstance(p.message, str) for p in out):
        raise ValueError("not a problem")
    return out


def _facts(declared: list, named: list[str], node) -> list:
    return [declared, named, node.title, node.source.quote]


def _by_path(problems: Sequence[Problem]) -> dict[str, list[Problem]]:
    out: dict[str, list[Problem]] = {}
    for p in problems:
        out.setdefault(p.path, []).append(p)
    return out


def keep(parts: validate.Gathered, frame: str, values: list[str], displays: list[str]) -> Kept:
    """What the whole check ``parts`` leaves for the next one (``values`` and ``displays``: each node
    file's content hash and display path, in the digest's order)."""
    scope, kb = parts.scope, parts.kb
    facts = {i: _facts(scope.declared_by[i], scope.named_by[i], node) for i, node in kb.nodes.items()}
    entry = {store.node_id_of(d): j for j, d in enumerate(displays)}
    return Kept(frame, list(values), list(kb.nodes), [entry[i] for i in kb.nodes], facts, _by_path(parts.loading),
                _by_path(parts.rules), list(parts.sources), list(kb.people), list(kb.sources), kb.files)


class _Quote:
    __slots__ = ("quote",)

    def __init__(self, quote: str | None):
        self.quote = quote


class _Summary:
    """A node as the near-duplicate search reads it (title, quote, the ids it names), from what was kept."""

    __slots__ = ("title", "source", "_named")

    def __init__(self, fact: list):
        self.title, self.source, self._named = fact[2], _Quote(fact[3]), fact[1]

    def targets(self) -> list[str]:
        return self._named


class _Paths(Mapping):
    """Node id -> its file, made only for the few nodes a problem is reported on."""

    def __init__(self, entry: dict[str, int], displays: list[str]):
        self._entry, self._displays = entry, displays

    def __getitem__(self, node_id: str) -> Path:
        return Path(self._displays[self._entry[node_id]])

    def __iter__(self) -> Iterator[str]:
        return iter(self._entry)

    def __len__(self) -> int:
        return len(self._entry)


@dataclass
class Rechecked:
    problems: list[Problem]  # every problem, not yet located
    files: int
    kept: Kept  # for the next check


def recheck(root: Path, kept: Kept, frame: str, displays: list[str], paths: list[str], values: list[str],
            opened, sources_dir, parallel: bool = False) -> Rechecked | None:
    """The check of the knowledge base as it is now, from the last one's ``kept`` record, or None when
    the change is not one it can take, or the record is damaged (the caller then checks the whole map).

    ``displays``, ``paths``, ``values``: each node file's display path, path
    and content hash, in the order of the digest that found them.
    """
    try:
        return _recheck(root, kept, frame, displays, paths, values, opened, sources_dir, parallel)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError):
        return None


@dataclass
class Reach:
    """What a change of a few node files reaches, read from the last check's record (see :func:`reach`)."""

    edited: list[str]  # the changed nodes that read, in file order
    reached: set[str]  # every id they declare an edge to or name, before or after the change
    concerned: set[str]  # the nodes whose rules the change can concern (see the module's docstring)
    kb: store.KnowledgeBase  # the concerned nodes, as loaded now, with what the rules read of the registries
    scope: validate.Scope  # the rest of the map, as the rules of the concerned nodes read it
    loading: dict[str, list[Problem]]  # display path -> problems reading it, as now
    facts: dict[str, list]  # as in Kept, as now, of the nodes read (the edited ones, and those they reach)
    entry: dict[str, int]  # node id -> its file's position in the digest's order
    read: list[int]  # the positions of the files read (the changed ones, and the concerned nodes')


class Facts(Protocol):
    """What a change's reach reads of the other nodes' facts: a node's facts, and who names an id.

    :class:`KeptFacts` reads them from a whole record (:attr:`Kept.facts`);
    :class:`kb.data.patch.RowFacts` from rows, one per node for each, so that a
    map of 10^5 nodes is not decoded whole to mend one node's edges.
    """

    def of(self, ids: Iterable[str]) -> dict[str, list]:
        """The facts of ``ids`` (every one a node), as kept."""

    def naming(self, ids: Iterable[str]) -> dict[str, list[str]]:
        """For each of ``ids``, the nodes that name it (as kept), in the record's order of ids."""


class KeptFacts:
    """The facts of a whole record; who names the few ids asked about is found by one pass over every node
    (a C-speed test of each node's names against them: cheaper than indexing every id named)."""

    def __init__(self, kept: Kept):
        self._kept = kept

    def of(self, ids: Iterable[str]) -> dict[str, list]:
        facts = self._kept.facts
        return {i: facts[i] for i in ids}

    def naming(self, ids: Iterable[str]) -> dict[str, list[str]]:
        wanted = set(ids)
        out: dict[str, list[str]] = {i: [] for i in wanted}
        facts = self._kept.facts
        for node_id in self._kept.ids:
            named = facts[node_id][1]
            if not wanted.isdisjoint(named):
                for target in dict.fromkeys(named):
                    if target in wanted:
                        out[target].append(node_id)
        return out


def naming(ids: Sequence[str], facts: Mapping[str, list]) -> dict[str, list[str]]:
    """Every id some node names -> the nodes that name it, in the order of ``ids`` (each once)."""
    out: dict[str, list[str]] = {}
    for node_id in ids:
        for target in dict.fromkeys(facts[node_id][1]):
            out.setdefault(target, []).append(node_id)
    return out


def reach(root: Path, kept: Kept, frame: str, displays: list[str], paths: list[str], values: list[str],
          opened, parallel: bool = False, facts: Facts | None = None) -> Reach | None:
    """What the change since ``kept`` reaches, or None when it is not a change of a few node files' contents
    (see the module's docstring) or the record is damaged.

    ``facts``: where the other nodes' facts are read (the record's own by default). Used by
    :func:`recheck`, and by :mod:`kb.data.patch` to mend a compiled graph where the change reaches.
    """
    try:
        return _reach(root, kept, frame, displays, paths, values, opened, parallel, facts or KeptFacts(kept))
    except (TypeError, ValueError, KeyError, IndexError, AttributeError):
        return None


def _reach(root: Path, kept: Kept, frame: str, displays: list[str], paths: list[str], values: list[str],
           opened, parallel: bool, lookup: Facts) -> Reach | None:
    if kept.frame != frame or len(kept.values) != len(values) or len(kept.positions) != len(kept.ids):
        return None
    changed = [j for j, (was, now) in enumerate(zip(kept.values, values)) if was != now]
    if not changed or len(changed) > LIMIT:
        return None
    ids = dict.fromkeys(kept.ids)
    entry = dict(zip(kept.ids, kept.positions))  # the same files as when kept (the frame says so)

    def read(js: list[int]) -> list[tuple[Any, list[Problem]]]:
        items = [(Path(paths[j]), displays[j], Path(root)) for j in js]
        return opened.parse(items, lambda todo: store.prepare_all(todo, parallel), partial=True)

    models: dict[str, Any] = {}
    loading = dict(kept.loading)
    edited = []
    node_of = parsing.node_reader()
    for j, (data, errs) in zip(changed, read(changed)):
        node, problems = node_of(data, errs, displays[j])
        node_id = store.node_id_of(displays[j])
        if (node is None) == (node_id in ids) or (node is not None and entry[node_id] != j):
            return None  # a node that stops or starts being read changes what every reference can name
        loading.pop(displays[j], None)
        if problems:
            loading[displays[j]] = problems
        if node is not None:
            models[node_id] = node
            edited.append(node_id)
    # What the change can concern: the edited nodes, what they name (before and after), and every
    # node declaring an edge into any of those.
    was, mine = lookup.of(edited), set(edited)
    now: dict[str, list] = {}  # the facts as they are now, of every node read
    reached: set[str] = set()
    for node_id in edited:
        new = _facts(validate.declarations(node_id, models[node_id]), models[node_id].targets(), models[node_id])
        for fact in (was[node_id], new):
            reached.update(target for _, target, _, _ in fact[0])
            reached.update(fact[1])
        now[node_id] = new

    def naming_now(targets) -> dict[str, list[str]]:
        """Who names each of ``targets`` now (the edited nodes as they are now), the facts of each read."""
        out = {}
        for target, namers in lookup.naming(targets).items():
            out[target] = [i for i in namers if i not in mine] + [i for i in edited if target in now[i][1]]
        now.update(lookup.of({i for namers in out.values() for i in namers if i not in now}))
        return out

    namers = naming_now(reached)
    concerned = set(edited) | (reached & ids.keys())
    concerned.update(i for target in reached for i in namers[target]
                     if any(d[1] == target for d in now[i][0]))
    now.update(lookup.of(concerned - now.keys()))
    # The rules of those nodes read the edges into what they name, and no others (every declaration
    # of a pair, and every edge into an undercut's target, is an edge into a target they name).
    into = {target for node_id in concerned for _, target, _, _ in now[node_id][0]}
    order = {i: k for k, i in enumerate(kept.ids)}
    declarers = sorted({i for namers_of in naming_now(into).values() for i in namers_of}, key=order.__getitem__)
    declared = validate.index_declarations((i, [d for d in now[i][0] if d[1] in into]) for i in declarers)
    # Whether anything names a concerned node decides its lint warnings; the rules ask of no other.
    incoming = {target for target, namers_of in naming_now(concerned).items() if namers_of}
    others = [i for i in kept.ids if i in concerned and i not in models]
    for node_id, (data, errs) in zip(others, read([entry[i] for i in others])):
        node, _ = node_of(data, errs, displays[entry[node_id]])
        if node is None:
            return None  # the cache no longer holds what was read: check the whole map
        models[node_id] = node
    kb = store.KnowledgeBase(root=Path(root), files=kept.files)
    for node_id in kept.ids:
        if node_id in concerned:
            kb.nodes[node_id] = models[node_id]
            kb.paths[node_id] = Path(paths[entry[node_id]])
    kb.people = dict.fromkeys(kept.people)  # type: ignore[arg-type]  # the rules ask only which ids there are
    kb.sources = dict.fromkeys(kept.documents)  # type: ignore[arg-type]
    read_files = sorted({*changed, *(entry[i] for i in others)})
    return Reach(edited, reached, concerned, kb, validate.Scope(ids, declared, incoming), loading, now, entry,
                 read_files)


def _recheck(root: Path, kept: Kept, frame: str, displays: list[str], paths: list[str], values: list[str],
             opened, sources_dir, parallel: bool) -> Rechecked | None:
    got = _reach(root, kept, frame, displays, paths, values, opened, parallel, KeptFacts(kept))
    if got is None:
        return None
    kb, concerned, entry, loading = got.kb, got.concerned, got.entry, got.loading
    facts = {**kept.facts, **got.facts}
    texts = None
    if sources_dir:  # the texts are found through the sources' entries
        kb.sources = {}
        store.load_sources(Path(root), kb)
        if list(kb.sources) != kept.documents:
            return None
        texts = validate.load_source_texts(kb, sources_dir)[0]
    scope = got.scope
    again = {displays[entry[i]] for i in concerned}
    rules = {k: v for k, v in kept.rules.items() if k not in again}
    rules.update(_by_path(validate.rules_for(kb, scope, texts)))
    everyone = store.KnowledgeBase(root=Path(root), files=kept.files,
                                   nodes={i: _Summary(facts[i]) for i in kept.ids},  # type: ignore[misc]
                                   paths=_Paths(entry, displays))  # type: ignore[arg-type]
    found = validate.duplicate_problems(everyone, cache=opened, parallel=parallel)
    now = replace(kept, values=list(values), facts=facts, loading=loading, rules=rules)
    problems = [p for ps in loading.values() for p in ps] + kept.sources + found + [
        p for ps in rules.values() for p in ps]
    return Rechecked(problems, kept.files, now)
