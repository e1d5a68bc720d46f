"""Closest-match suggestions for mistyped ids."""

from __future__ import annotations

import difflib
import re
from typing import Iterable


def closest(value: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """The few candidates nearest to value, best first (for "did you mean ...")."""
    pool = list(candidates)
    hits = difflib.get_close_matches(value, pool, n=n, cutoff=0.6)
    if len(hits) < n:
        hits += [c for c in sorted(pool) if value and value in c and c not in hits][: n - len(hits)]
    return hits[:n]


def closest_named(value: str, names: dict[str, str], n: int = 3) -> list[str]:
    """Ids whose id or name is near value, best first: 'neel' finds the id of "Neel Nanda".

    A person is remembered by name, a document by title, more often than by id.
    """
    lowered = value.lower()
    hits = closest(value, names, n)
    words = {i: [w.lower() for w in re.findall(r"\w+", name)] for i, name in names.items()}
    for i, name in names.items():
        if i in hits:
            continue
        if lowered == name.lower() or lowered in words[i] or (len(lowered) >= 3 and lowered in name.lower()):
            hits.append(i)
    by_name = {name.lower(): i for i, name in names.items()}
    for name in difflib.get_close_matches(lowered, list(by_name), n=n, cutoff=0.6):
        if by_name[name] not in hits:
            hits.append(by_name[name])
    return hits[:n]


def resolve_named(value: str, names: dict[str, str]) -> str | None:
    """The id value names, by id or by a whole name or title (case-insensitive); None if none or several."""
    if value in names:
        return value
    matches = [i for i, name in names.items() if name.lower() == value.strip().lower()]
    return matches[0] if len(matches) == 1 else None
