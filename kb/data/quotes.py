"""Finding anchor quotes in source texts, and saying where a quote that is not found goes wrong.

Saved web pages mix curly and straight quotes, non-breaking spaces and hard line
breaks, and texts kept as Markdown carry emphasis (``*word*``, ``__word__``) and
footnote marks (``[^1]``) that a quote copied from the rendered page does not;
both the quote and the document are folded the same way before matching so that
a quote copied either way is found.

A quote that is not found is compared with its closest passage by rapidfuzz's
partial-ratio alignment (an optimal local alignment in C, fast on whole
documents), so the refusal can show the passage and the first place they differ.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

_QUOTES = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    }
)
_SPACE = re.compile(r"\s+")
# Markdown emphasis: runs of * anywhere, runs of _ at a word's edge (snake_case stays).
_EMPHASIS = re.compile(r"\*+|(?<![A-Za-z0-9])_+|_+(?![A-Za-z0-9])")
_FOOTNOTE = re.compile(r"\[\^[^\]\s]{1,20}\]")


def fold(text: str) -> str:
    """Fold typographic quotes to straight ones, drop Markdown emphasis and footnote marks,
    and make every run of white space one space.

    Each pattern runs only on text holding the character it starts with, and
    white space is collapsed by ``split`` (the same characters as ``\\s``):
    every node's quote is folded for the near-duplicate check, and most have
    neither emphasis nor footnotes.
    """
    text = text.translate(_QUOTES)
    if "[^" in text:
        text = _FOOTNOTE.sub("", text)
    if "*" in text or "_" in text:
        text = _EMPHASIS.sub("", text)
    return " ".join(text.split())


def find(quote: str, folded_document: str) -> int:
    """Offset of the quote in an already-folded document, or -1."""
    return folded_document.find(fold(quote))


@dataclass(frozen=True)
class Miss:
    """The passage of a document closest to a quote it does not contain."""

    passage: str  # the closest passage, folded
    score: float  # 0-100, rapidfuzz's partial ratio
    quote_from: str  # the quote from the first character that differs
    passage_from: str  # the passage from the same place

    def describe(self, limit: int = 40) -> str:
        if not self.passage:
            return "nothing in the document comes close"
        return (f"closest passage ({self.score:.0f}% alike): \"{self.passage}\"; "
                f"they differ at \"{_cut(self.quote_from, limit)}\" (quote) vs \"{_cut(self.passage_from, limit)}\" (document)")


def closest_passage(quote: str, folded_document: str) -> Miss:
    """Where in the document the quote would be, had it been copied right."""
    from rapidfuzz import fuzz  # loaded only when a quote is missing

    needle = fold(quote)
    if not needle or not folded_document:
        return Miss("", 0.0, needle, "")
    found = fuzz.partial_ratio_alignment(needle, folded_document)
    start, end = (found.dest_start, found.dest_end) if found else (0, 0)
    if (found is None or found.score < 75) and len(needle) >= 40:
        # A long quote that goes wrong half-way: its first half still finds the place.
        half = fuzz.partial_ratio_alignment(needle[: len(needle) // 2], folded_document)
        if half is not None and (found is None or half.score > found.score):
            found = half
            start, end = half.dest_start, min(len(folded_document), half.dest_start + len(needle))
    if found is None or found.score < 50:
        return Miss("", 0.0, needle, "")
    # Widen the aligned span to whole words so the passage reads as text.
    while start > 0 and not folded_document[start - 1].isspace():
        start -= 1
    while end < len(folded_document) and not folded_document[end].isspace():
        end += 1
    passage = folded_document[start:end]
    ops = difflib.SequenceMatcher(None, needle, passage, autojunk=False).get_opcodes()
    if ops and ops[0][0] == "insert":  # the window starts before the quote's first word does
        cut = _word_start(passage, ops[0][4])
        passage = passage[cut:]
    if ops and ops[-1][0] == "insert":
        passage = passage[: len(passage) - (ops[-1][4] - ops[-1][3])].rstrip() or passage
    passage = passage.strip()
    first = next((op for op in difflib.SequenceMatcher(None, needle, passage, autojunk=False).get_opcodes()
                  if op[0] != "equal"), None)
    if first is None:
        return Miss(passage, found.score, "", "")
    i, j = _word_start(needle, first[1]), _word_start(passage, first[3])
    return Miss(passage, found.score, needle[i:], passage[j:])


def _word_start(text: str, index: int) -> int:
    while index > 0 and not text[index - 1].isspace():
        index -= 1
    return index


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
