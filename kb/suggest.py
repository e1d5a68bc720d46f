"""Closest-match suggestions for mistyped ids."""

from __future__ import annotations

import difflib
from typing import Iterable


def closest(value: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """The few candidates nearest to value, best first (for "did you mean ...")."""
    pool = list(candidates)
    hits = difflib.get_close_matches(value, pool, n=n, cutoff=0.6)
    if len(hits) < n:
        hits += [c for c in sorted(pool) if value and value in c and c not in hits][: n - len(hits)]
    return hits[:n]
