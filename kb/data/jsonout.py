"""JSON for people's scripts, written fast: the shape of ``json.dumps(indent=2)`` at a fraction of its cost.

The standard library's encoder falls back to pure Python as soon as it indents,
which made writing a large map's JSON cost as much as analysing it. orjson
writes the same layout (two-space indent, UTF-8 text as is) in C; values it
cannot encode (a NaN, which JSON has no word for, or an odd type) go through
the standard encoder instead, so the output never depends on which one ran.
"""

from __future__ import annotations

import json
import math
from typing import Any


def dumps(data: Any) -> str:
    """data as indented JSON text, without a final newline."""
    try:
        import orjson
    except ImportError:  # pragma: no cover - orjson is a dependency; kept working without it
        orjson = None
    if orjson is not None and _finite(data):
        try:
            return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode("utf-8")
        except TypeError:
            pass
    return json.dumps(data, indent=2, ensure_ascii=False)


def _finite(value: Any) -> bool:
    """Whether orjson writes value as json does: no NaN or infinity (json writes NaN, orjson null)."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is float:
            if not math.isfinite(item):
                return False
        elif kind is dict:
            if any(type(k) is not str for k in item):
                return False
            stack.extend(item.values())
        elif kind in (list, tuple):
            stack.extend(item)
    return True
