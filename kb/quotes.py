"""Finding anchor quotes in source texts.

Saved web pages mix curly and straight quotes, non-breaking spaces and hard line
breaks; both the quote and the document are folded the same way before matching
so that a quote copied either way is found.
"""

from __future__ import annotations

import re

_QUOTES = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    }
)
_SPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """Fold typographic quotes to straight ones and every run of white space to one space."""
    return _SPACE.sub(" ", text.translate(_QUOTES)).strip()


def find(quote: str, folded_document: str) -> int:
    """Offset of the quote in an already-folded document, or -1."""
    return folded_document.find(fold(quote))
