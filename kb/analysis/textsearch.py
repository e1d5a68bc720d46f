"""Search that still finds something when no node has every word: partial matches ranked by stems.

``kb.analysis.queries.search`` wants every word of the query in a node. When none has
them all, a person mapping a document still wants the nodes that come close,
and word forms should not matter ("training" finds "trained", "deceptive"
finds "deception"): words on both sides are reduced to their Snowball
(Porter 2) English stems, and nodes are ranked by how many of the query's words
they match, then by where they match (titles and ids count most).
No I/O, like the other analysis modules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from kb.analysis import queries

if TYPE_CHECKING:
    import networkx as nx

_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=1)
def _stemmer():
    # PyStemmer: Snowball's own C code. The pure-Python port (snowballstemmer) gives the same stems
    # (the tests compare them on every word of the map and its sources) at a twentieth of the speed,
    # and a partial search stems every word of every node.
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return _stemmer().stemWord(word)


@dataclass
class SearchResult:
    hits: list[dict]
    partial: bool = False  # no node matched every word; these match some, by stem
    stems: list[str] = field(default_factory=list)  # the query's stems, when partial

    def to_json(self) -> dict:
        return {"hits": self.hits, "partial": self.partial, "stems": self.stems}

    @classmethod
    def from_json(cls, data: object) -> "SearchResult | None":
        """The result :meth:`to_json` wrote (kept in the cache), or None when data is not one."""
        if not (isinstance(data, dict) and isinstance(data.get("hits"), list) and type(data.get("partial")) is bool
                and isinstance(data.get("stems"), list)):
            return None
        return cls(data["hits"], data["partial"], data["stems"])


def search(G: nx.DiGraph, text: str, limit: int | None = 20) -> SearchResult:
    """Every-word matches as kb.analysis.queries.search finds them, else partial stemmed matches, best first."""
    hits = queries.search(G, text, limit)
    words = _WORD.findall(queries._fold(text))
    if hits or not words:
        return SearchResult(hits)
    wanted = list(dict.fromkeys(stem(w) for w in words))
    people = G.graph.get("people", {})
    found = []
    wanted_set = set(wanted)
    known: set[str] = set()  # every word stemmed so far
    hits: dict[str, str] = {}  # those of them whose stem is wanted

    def wanted_stems(text: str | None) -> set[str]:
        # The wanted stems among the text's (what stems(text) & wanted gives), each distinct word of
        # the map stemmed once: a map's words repeat, and set operations keep the rest at C speed.
        words = set(_WORD.findall(queries._fold(text)))
        new = words - known
        if new:
            known.update(new)
            for w in new:
                s = stem(w)
                if s in wanted_set:
                    hits[w] = s
        return {hits[w] for w in words & hits.keys()} if hits else set()

    for node_id, data in G.nodes(data=True):
        speaker = data.get("speaker")
        fields = {
            "id": wanted_stems(node_id.replace("-", " ")),
            "title": wanted_stems(data.get("title")),
            "speaker": wanted_stems(f"{speaker or ''} {people.get(speaker, {}).get('name', '')}"),
            "quote": wanted_stems(data.get("quote")),
            "text": wanted_stems(data.get("text")),
        }
        matched_words = [s for s in wanted if any(s in f for f in fields.values())]
        if not matched_words:
            continue
        score = sum(queries.SEARCH_WEIGHTS[name] for s in matched_words for name, f in fields.items() if s in f)
        matched = [name for name, f in fields.items() if any(s in f for s in matched_words)]
        found.append({**queries._summary(G, node_id), "score": score, "matched": matched,
                      "words": len(matched_words)})
    found.sort(key=lambda h: (-h["words"], -h["score"], h["id"]))
    return SearchResult(found if limit is None else found[:limit], True, wanted)
