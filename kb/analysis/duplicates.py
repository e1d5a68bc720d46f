"""Nodes that look like the same claim entered twice: near-identical titles or quotes.

A duplicate is not an error (a restatement is declared with ``restates``), but
an undeclared one counts the same argument twice, so ``kb check`` and ``kb add``
warn with the other node's id. Titles are compared by rapidfuzz's
token-sort ratio, so word order and case do not hide a duplicate; quotes are
compared after folding, so two anchors of the same sentence are caught.
Pairs already linked by any relation are known to the author and skipped.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from kb.data.models import Node
from kb.data.quotes import fold

TITLE_SIMILARITY = 92.0  # token-sort ratio, 0-100
QUOTE_SIMILARITY = 95.0  # ratio of folded quotes
MIN_QUOTE = 25  # shorter quotes (a phrase) say too little to call two claims the same


@dataclass(frozen=True)
class Duplicate:
    node: str
    other: str
    field: str  # "title" or "quote"
    score: float


def _linked(nodes: Mapping[str, Node], a: str, b: str) -> bool:
    """Whether either node names the other as the end of a relation.

    Asked only of the similar pairs (a handful), not worked out for every node of the map.
    """
    return b in nodes[a].targets() or a in nodes[b].targets()


FIELDS = ("title", "quote")
CUTOFFS = {"title": TITLE_SIMILARITY, "quote": QUOTE_SIMILARITY}


@dataclass
class Index:
    """Every similar pair of the map, by field, and the compared values that found them.

    Kept between runs (in :mod:`kb.data.cache`), it lets a check after a small edit
    compare only the changed nodes with the rest instead of every pair again:
    a pair of unchanged values scores what it scored before.
    """

    values: dict[str, dict[str, str]]  # field -> node id -> the compared (processed) value
    pairs: dict[str, list[tuple[str, str, float]]]  # field -> (id, id, score), the ids in sort order
    # field -> node id -> the title or quote as written, which its value was made from: an
    # unchanged one takes its value from here instead of being processed again
    raws: dict[str, dict[str, str]] = field(default_factory=lambda: {f: {} for f in FIELDS})

    def to_json(self) -> dict:
        return {"values": self.values, "raws": self.raws,
                "pairs": {f: [list(p) for p in ps] for f, ps in self.pairs.items()}}

    @classmethod
    def from_json(cls, data: object) -> "Index | None":
        """The index a previous run stored, or None when it is not one (the caller then compares everything)."""
        try:
            values = {f: dict(data["values"][f]) for f in FIELDS}
            raws = {f: dict(data["raws"][f]) for f in FIELDS}
            pairs = {f: [(str(a), str(b), float(s)) for a, b, s in data["pairs"][f]] for f in FIELDS}
        except (TypeError, KeyError, ValueError):
            return None
        if not all(isinstance(v, str) for f in FIELDS for kept in (values, raws) for v in kept[f].values()):
            return None
        if any(i not in values[f] for f in FIELDS for i in raws[f]):
            return None
        return cls(values, pairs, raws)


def _raws(nodes: Mapping[str, Node]) -> dict[str, dict[str, str]]:
    """Each node's title, and its quote when long enough to compare, as written."""
    ids = sorted(nodes)
    return {
        "title": {i: nodes[i].title for i in ids},
        "quote": {i: q for i in ids if (q := nodes[i].source.quote) and len(q) >= MIN_QUOTE},
    }


def _values(raws: dict[str, dict[str, str]], previous: Index | None = None) -> dict[str, dict[str, str]]:
    """The compared value of each raw title and quote, reusing ``previous``'s for those written as before."""
    from rapidfuzz import utils

    # Token-sort done once per title (lower case, punctuation dropped, words sorted), then a plain ratio.
    process = {"title": lambda raw: " ".join(sorted(utils.default_process(raw).split())),
               "quote": lambda raw: utils.default_process(fold(raw))}
    out = {}
    for f in FIELDS:
        made, before, was = process[f], (previous.raws[f] if previous else {}), (previous.values[f] if previous else {})
        out[f] = {i: was[i] if before.get(i) == raw else made(raw) for i, raw in raws[f].items()}
    return out


def length_range(length: int, cutoff: float) -> tuple[int, int]:
    """The lengths a value can have and still score ``cutoff`` against one of ``length``.

    A ratio is 200·LCS / (len a + len b), and the longest common subsequence
    is at most the shorter value, so a pair of lengths m ≤ n scores at most
    200·m / (m + n): below cutoff once n exceeds m·(200 − cutoff) / cutoff.
    One character of slack on each side keeps floating-point rounding from
    ever dropping a pair the full comparison would find.
    """
    if cutoff <= 0:
        return 0, 1 << 62
    low = math.floor(length * cutoff / (200.0 - cutoff)) - 1
    high = math.ceil(length * (200.0 - cutoff) / cutoff) + 1
    return max(low, 0), high


# From this many values to compare on, they are compared a block at a time (see _matrix); fewer,
# such as a check after an edit, are compared one query at a time.
MATRIX_MIN = 64
# Values of a block, and the most ratios one block computes at once (a float32 each).
BLOCK = 256
BLOCK_CELLS = 1 << 22
# The block comparison only proposes pairs: each is scored again exactly, so that its float32
# rounding can neither add a pair nor drop one.
MARGIN = 0.01
# The longest value rapidfuzz compares many at a time with SIMD instructions; longer ones are bounded
# piece by piece (see _bounded).
CHUNK = 64


def _similar(values: dict[str, str], cutoff: float, among: Iterable[str],
             parallel: bool = False) -> set[tuple[str, str, float]]:
    """Pairs with at least one end in among whose values score at least cutoff.

    Each value is compared only with the values whose length lets the pair
    reach cutoff (:func:`length_range`): the same pairs as comparing every one,
    at a fraction of the cost, since near-duplicates have near-equal lengths.
    What is left still grows with the square of the map (every pair of titles
    of about the same length), so many values are compared in blocks by
    rapidfuzz's ``cdist``, whose C++ scores many short strings at once with
    SIMD instructions and, with ``parallel``, on every core (threads, so no
    process is forked): at 10,000 titles of everyday words, 0.5 s against 2.4 s
    one query at a time on one core.
    """
    from kb.data.progress import track

    among = list(among)
    keys = list(values)
    if len(keys) < 2 or not among:
        return set()
    keys.sort(key=lambda k: len(values[k]))
    among_set = set(among)
    # Each pair with both ends in among is compared once, from the end earlier in length order (the ratio
    # is symmetric): half the work of a first check, where among is every value.
    task = (values, cutoff, keys, [len(values[k]) for k in keys], [values[k] for k in keys],
            {k: i for i, k in enumerate(keys)}, among_set, len(among_set) == len(keys))
    if len(among) >= MATRIX_MIN and cutoff > MARGIN:
        return _matrix(task, among, -1 if parallel else 1)
    return _compare(task, track(among, "looking for duplicates", len(among)))


def _matrix(task: tuple, among: list[str], workers: int) -> set[tuple[str, str, float]]:
    """What :func:`_compare` finds, comparing a block of values of about one length with every value
    whose length lets a pair reach the cutoff, all at once."""
    import numpy as np
    from rapidfuzz import fuzz, process

    from kb.data.progress import track

    values, cutoff, keys, lengths, pool, position, among_set, everything = task
    rows = sorted(position[a] for a in among)
    blocks = []
    at = 0
    while at < len(rows):
        low = length_range(lengths[rows[at]], cutoff)[0]
        start = rows[at] + 1 if everything else bisect.bisect_left(lengths, low)
        size = BLOCK
        while True:
            block = rows[at:at + size]
            end = bisect.bisect_right(lengths, length_range(lengths[block[-1]], cutoff)[1])
            if size == 1 or len(block) * (end - start) <= BLOCK_CELLS:
                break
            size //= 2
        blocks.append((block, start, end))
        at += len(block)
    out = set()
    for block, start, end in track(blocks, "looking for duplicates", len(blocks)):
        if end <= start:
            continue
        queries, choices = [pool[i] for i in block], pool[start:end]
        if len(queries[-1]) <= CHUNK:  # the block's longest value: rows are in length order
            proposed = np.nonzero(process.cdist(queries, choices, scorer=fuzz.ratio, score_cutoff=cutoff - MARGIN,
                                                dtype=np.float32, workers=workers))
        else:
            proposed = _bounded(queries, choices, cutoff, workers)
        for r, c in zip(*(axis.tolist() for axis in proposed)):
            i, j = block[r], start + c
            # Once per pair: from the end earlier in length order when both are in among.
            if i == j or (j < i and (everything or keys[j] in among_set)):
                continue
            score = fuzz.ratio(pool[i], pool[j], score_cutoff=cutoff)
            if score:
                a, b = keys[i], keys[j]
                out.add((min(a, b), max(a, b), float(score)))
    return out


def _bounded(queries: list[str], choices: list[str], cutoff: float, workers: int):
    """The (row, column) pairs of queries and choices whose ratio can reach cutoff, by an upper bound.

    The ratio is 200·LCS(a, b) / (|a| + |b|). Cut a into pieces: a common
    subsequence of a and b falls into one common subsequence of each piece
    with b, so LCS(a, b) is at most the sum of LCS(piece, b). Pieces of at
    most :data:`CHUNK` characters are compared
    many at a time with SIMD instructions, which whole values past that length
    are not: on titles of a few common words, twice as fast as scoring each
    pair, and the bound still rules out all but a handful (each then scored
    exactly by the caller).
    """
    import numpy as np
    from rapidfuzz import process
    from rapidfuzz.distance import LCSseq

    common = None
    for at in range(0, len(queries[-1]), CHUNK):
        part = process.cdist([q[at:at + CHUNK] for q in queries], choices, scorer=LCSseq.similarity,
                             dtype=np.int32, workers=workers)
        common = part if common is None else np.add(common, part, out=common)
    rows = np.array([len(q) for q in queries], dtype=np.int32)
    columns = np.array([len(c) for c in choices], dtype=np.int32)
    # 200·common / (|a| + |b|) ≥ cutoff, without a division over the whole block (two empty values,
    # which score 100, pass as 0 ≥ 0)
    return np.nonzero(common >= np.add.outer(rows, columns) * ((cutoff - MARGIN) / 200.0))


def _compare(task: tuple, among: Iterable[str]) -> set[tuple[str, str, float]]:
    from rapidfuzz import fuzz, process

    values, cutoff, keys, lengths, pool, position, among_set, everything = task
    out = set()
    for a in among:
        low, high = length_range(len(values[a]), cutoff)
        start, end = bisect.bisect_left(lengths, low), bisect.bisect_right(lengths, high)
        here = position[a]
        later = range(max(start, here + 1), end)
        # Earlier values are compared from here only when they are not in among (else they compare with a).
        earlier = [] if everything else [j for j in range(start, min(here, end)) if keys[j] not in among_set]
        for positions, choices in ((later, pool[later.start:later.stop]), (earlier, [pool[j] for j in earlier])):
            # extract, one query at a time: C inside, and no numpy to import (cdist returns an array).
            for _, score, ki in process.extract(values[a], choices, scorer=fuzz.ratio, score_cutoff=cutoff,
                                                limit=None):
                b = keys[positions[ki]]
                out.add((min(a, b), max(a, b), float(score)))
    return out


def index(nodes: Mapping[str, Node], previous: Index | None = None, parallel: bool = False) -> Index:
    """The similar pairs of the whole map, reusing ``previous`` for every pair of unchanged values."""
    raws = _raws(nodes)
    values = _values(raws, previous)
    pairs = {}
    for f in FIELDS:
        now = values[f]
        before = previous.values[f] if previous is not None else {}
        changed = {i for i, v in now.items() if before.get(i) != v}
        kept: set[tuple[str, str, float]] = set()
        if previous is not None:
            kept = {p for p in previous.pairs[f]
                    if p[0] not in changed and p[1] not in changed and p[0] in now and p[1] in now}
        fresh = _similar(now, CUTOFFS[f], sorted(changed), parallel)
        pairs[f] = sorted(kept | fresh)
    return Index(values, pairs, raws)


def find(nodes: Mapping[str, Node], among: Iterable[str] | None = None, known: Index | None = None,
         parallel: bool = False) -> list[Duplicate]:
    """Each node (of among, default all) that nearly repeats another's title or quote, once per pair.

    The later id in sort order is the one reported, pointing at the earlier.
    ``known``: the map's :func:`index`, when the caller has it.
    """
    ids = sorted(nodes)
    wanted = set(ids if among is None else among)
    found: dict[frozenset[str], Duplicate] = {}
    if known is None:
        values = _values(_raws(nodes))
        known = Index(values, {f: sorted(_similar(values[f], CUTOFFS[f], [i for i in values[f] if i in wanted],
                                                  parallel))
                               for f in FIELDS})
    for f in FIELDS:
        for earlier, later, score in known.pairs[f]:
            pair = frozenset((earlier, later))
            if pair in found or (earlier not in wanted and later not in wanted) or _linked(nodes, earlier, later):
                continue
            found[pair] = Duplicate(later if later in wanted else earlier,
                                    earlier if later in wanted else later, f, score)
    return sorted(found.values(), key=lambda d: (d.node, d.other))
