"""Node kinds and ids: the vocabulary a command needs before, or instead of, loading the models.

Kept apart from :mod:`kb.data.models` (which builds pydantic models on import)
so that a query answered from the cache never imports pydantic; the models
read their ``Kind`` and id pattern from here, so there is still one definition.
"""

from __future__ import annotations

import re
from typing import Literal

ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"  # the same ids, as JSON Schema writes a pattern
MAX_ID_LEN = 80

Kind = Literal["claim", "theory_of_impact", "rebuttal", "evidence", "question", "proposal"]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]


def is_valid_id(value: object) -> bool:
    """Ids become file names, so they are checked before any path is built."""
    return isinstance(value, str) and len(value) <= MAX_ID_LEN and ID_RE.fullmatch(value) is not None
