"""The ``--select`` query language: which part of the map an export covers.

A query is a list of terms separated by spaces. A node is selected when it
matches every term (AND); a term's value may list alternatives separated by
commas (OR), and a term written with a leading ``-`` excludes what it matches
(NOT)::

    ancestors:ID      ID and every node that argues for or against it, directly or not
    descendants:ID    ID and every node it argues about, directly or not
    neighbours:ID     ID and the nodes it shares an edge with
    id:ID             the node itself
    source:DOC        nodes whose source document is DOC
    kind:KIND         nodes of that kind (claim, theory_of_impact, rebuttal, ...)
    tag:TAG           nodes carrying that tag
    speaker:PERSON    nodes asserted by that person

For example ``ancestors:interp-helps -kind:question`` is everything bearing on
``interp-helps`` except questions, and ``source:lcw-debate-2023 kind:rebuttal,claim``
the claims and rebuttals of one document.

Edges are kept between selected nodes only. Names are checked, so a misspelt id,
tag or person is an error with suggestions rather than an empty export.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import networkx as nx

from kb.data.errors import KBError, UnknownId
from kb.data.models import KINDS
from kb.data.suggest import closest

KEYS = ("ancestors", "descendants", "neighbours", "id", "source", "kind", "tag", "speaker")


@dataclass(frozen=True)
class Term:
    key: str
    values: tuple[str, ...]
    negated: bool = False


def parse(query: str) -> list[Term]:
    """The terms of a query, or a KBError saying what is wrong with it."""
    terms = []
    for word in query.split():
        negated = word.startswith("-")
        body = word[1:] if negated else word
        key, sep, value = body.partition(":")
        if not sep:
            raise KBError(f"select: '{word}' is not a term; write KEY:VALUE with KEY one of {', '.join(KEYS)}")
        if key not in KEYS:
            hint = closest(key, KEYS)
            raise KBError(f"select: unknown key '{key}'" + (f" (did you mean {', '.join(hint)}?)" if hint else "")
                          + f"; keys are {', '.join(KEYS)}")
        values = tuple(v for v in value.split(",") if v)
        if not values:
            raise KBError(f"select: '{word}' has no value")
        terms.append(Term(key, values, negated))
    if not terms:
        raise KBError("select: the query is empty")
    return terms


def _check(what: str, value: str, pool) -> None:
    if value not in pool:
        raise UnknownId(what, value, closest(value, pool))


def _matcher(G: nx.DiGraph, term: Term) -> Callable[[str], bool] | set[str]:
    key = term.key
    if key in ("ancestors", "descendants", "neighbours", "id"):
        found: set[str] = set()
        for value in term.values:
            _check("node", value, G.nodes)
            found.add(value)
            if key == "ancestors":
                found |= nx.ancestors(G, value)
            elif key == "descendants":
                found |= nx.descendants(G, value)
            elif key == "neighbours":
                found |= set(G.predecessors(value)) | set(G.successors(value))
        return found
    values = set(term.values)
    if key == "kind":
        for value in values:
            if value not in KINDS:
                raise UnknownId("kind", value, closest(value, KINDS))
        return lambda n: G.nodes[n].get("kind") in values
    if key == "tag":
        known = {t for _, tags in G.nodes(data="tags") for t in tags or ()}
        for value in values:
            _check("tag", value, known)
        return lambda n: bool(values & set(G.nodes[n].get("tags") or ()))
    field, registry = {"source": ("source", "sources"), "speaker": ("speaker", "people")}[key]
    known = set(G.graph.get(registry) or {}) | {v for _, v in G.nodes(data=field) if v}
    for value in values:
        _check("source" if key == "source" else "person", value, known)
    return lambda n: G.nodes[n].get(field) in values


def select(G: nx.DiGraph, query: str) -> set[str]:
    """Ids of the nodes a query selects (see the module's documentation for the language)."""
    chosen = set(G.nodes)
    for term in parse(query):
        match = _matcher(G, term)
        hits = match if isinstance(match, set) else {n for n in G.nodes if match(n)}
        chosen = chosen - hits if term.negated else chosen & hits
    return chosen


def subgraph(G: nx.DiGraph, query: str | None) -> nx.DiGraph:
    """The part of the graph a query selects, as an independent copy; the whole graph for no query.

    An empty selection is an error: an export of nothing is never what was meant.
    """
    if query is None:
        return G.copy()
    chosen = select(G, query)
    if not chosen:
        raise KBError(f"select: '{query}' matches no node")
    return G.subgraph(sorted(chosen)).copy()
