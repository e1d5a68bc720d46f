"""Nodes that look like the same claim entered twice: near-identical titles or quotes.

A duplicate is not an error (a restatement is declared with ``restates``), but
an undeclared one counts the same argument twice, so ``kb check`` and ``kb add``
warn with the other node's id. Titles are compared by rapidfuzz's
token-sort ratio, so word order and case do not hide a duplicate; quotes are
compared after folding, so two anchors of the same sentence are caught.
Pairs already linked by any relation are known to the author and skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from kb.models import Node
from kb.quotes import fold

TITLE_SIMILARITY = 92.0  # token-sort ratio, 0-100
QUOTE_SIMILARITY = 95.0  # ratio of folded quotes
MIN_QUOTE = 25  # shorter quotes (a phrase) say too little to call two claims the same


@dataclass(frozen=True)
class Duplicate:
    node: str
    other: str
    field: str  # "title" or "quote"
    score: float


def _linked(nodes: Mapping[str, Node]) -> set[frozenset[str]]:
    pairs = set()
    for node_id, node in nodes.items():
        for other in node.targets():
            pairs.add(frozenset((node_id, other)))
    return pairs


def find(nodes: Mapping[str, Node], among: Iterable[str] | None = None) -> list[Duplicate]:
    """Each node (of among, default all) that nearly repeats another's title or quote, once per pair.

    The later id in sort order is the one reported, pointing at the earlier.
    """
    from rapidfuzz import fuzz, process, utils

    ids = sorted(nodes)
    wanted = set(ids if among is None else among)
    linked = _linked(nodes)
    found: dict[frozenset[str], Duplicate] = {}

    def compare(field: str, values: dict[str, str], scorer, cutoff: float) -> None:
        keys = list(values)
        if len(keys) < 2:
            return
        pool = [values[k] for k in keys]
        for a in keys:
            if a not in wanted:
                continue
            # extract, one query at a time: C inside, and no numpy to import (cdist returns an array).
            for _, score, ki in process.extract(values[a], pool, scorer=scorer, score_cutoff=cutoff, limit=None):
                b = keys[ki]
                pair = frozenset((a, b))
                if a == b or pair in linked or pair in found:
                    continue
                later, earlier = max(a, b), min(a, b)
                found[pair] = Duplicate(later if later in wanted else earlier,
                                        earlier if later in wanted else later, field, float(score))

    # Token-sort done once per title (lower case, punctuation dropped, words sorted), then a plain ratio.
    compare("title", {i: " ".join(sorted(utils.default_process(nodes[i].title).split())) for i in ids},
            fuzz.ratio, TITLE_SIMILARITY)
    quotes = {i: utils.default_process(fold(nodes[i].source.quote)) for i in ids
              if nodes[i].source.quote and len(nodes[i].source.quote) >= MIN_QUOTE}
    compare("quote", quotes, fuzz.ratio, QUOTE_SIMILARITY)
    return sorted(found.values(), key=lambda d: (d.node, d.other))
