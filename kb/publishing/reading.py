"""A source document as a reader reads it, with every anchored claim highlighted at its quote.

Quotes are found as ``kb check`` finds them, after :func:`kb.data.quotes.fold` on both
sides, but a highlight must sit on the document's own characters, so the
folding is repeated here step by step while keeping, for each folded
character, where it came from (:func:`fold_with_offsets`; checked against
:func:`kb.data.quotes.fold`, so the two cannot drift apart silently). Quotes that
overlap are highlighted as one passage that links to each of their claims.

The text is published only in the built site, from the sources folder at build
time; the repository keeps none of it.

Nothing here does I/O.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Callable, Mapping

from kb.data.quotes import _EMPHASIS, _FOOTNOTE, _QUOTES, _SPACE, fold

_BLANK = re.compile(r"\n[ \t]*\n\s*")


def _drop(text: str, offsets: list[int], pattern: re.Pattern, replacement: str = "") -> tuple[str, list[int]]:
    """``pattern.sub(replacement, text)`` with the offsets carried along (a replacement keeps the match's first)."""
    out: list[str] = []
    kept: list[int] = []
    last = 0
    for m in pattern.finditer(text):
        out.append(text[last:m.start()])
        kept.extend(offsets[last:m.start()])
        if replacement:
            out.append(replacement)
            kept.extend([offsets[m.start()]] * len(replacement))
        last = m.end()
    out.append(text[last:])
    kept.extend(offsets[last:])
    return "".join(out), kept


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """:func:`kb.data.quotes.fold` of the text, and for each folded character its offset in the text."""
    folded = text.translate(_QUOTES)
    offsets = list(range(len(text)))
    folded, offsets = _drop(folded, offsets, _FOOTNOTE)
    folded, offsets = _drop(folded, offsets, _EMPHASIS)
    folded, offsets = _drop(folded, offsets, _SPACE, " ")
    start = len(folded) - len(folded.lstrip())
    end = len(folded.rstrip())
    return folded[start:end], offsets[start:end]


@dataclass(frozen=True)
class Anchor:
    start: int  # in the original text
    end: int
    nodes: tuple[str, ...]  # the claims whose quotes fall here, in the order they start


def locate(text: str, quotes: Mapping[str, str]) -> tuple[dict[str, tuple[int, int]], list[str]]:
    """Where each quote is in the text (original offsets), and the ids whose quote is not in it."""
    folded, offsets = fold_with_offsets(text)
    if folded != fold(text):  # kb.data.quotes changed its folding: better no highlight than a wrong one
        return {}, sorted(quotes)
    found: dict[str, tuple[int, int]] = {}
    missing = []
    for nid, quote in sorted(quotes.items()):
        needle = fold(quote)
        at = folded.find(needle) if needle else -1
        if at < 0:
            missing.append(nid)
            continue
        found[nid] = (offsets[at], offsets[at + len(needle) - 1] + 1)
    return found, missing


def anchors(spans: Mapping[str, tuple[int, int]]) -> list[Anchor]:
    """The spans merged where they overlap, in document order."""
    out: list[Anchor] = []
    for nid, (start, end) in sorted(spans.items(), key=lambda kv: (kv[1][0], kv[1][1], kv[0])):
        if out and start < out[-1].end:
            last = out[-1]
            out[-1] = Anchor(last.start, max(last.end, end), (*last.nodes, nid))
        else:
            out.append(Anchor(start, end, (nid,)))
    return out


def anchor_id(nid: str) -> str:
    """The fragment a claim's quote has on its document's reading page."""
    return f"q-{nid}"


def render(text: str, marks: list[Anchor], link: Callable[[str], str], title: Callable[[str], str]) -> str:
    """The text (with ``\n`` line ends, as :func:`locate` saw it) as HTML paragraphs (blank lines part them, a line break is kept), every anchor highlighted.

    A passage quoted by one claim is a link to that claim; one quoted by several
    is highlighted and followed by a numbered link to each, named by the claim's
    title. Every claim's link carries the claim's fragment (:func:`anchor_id`).
    """
    paragraphs = []
    last = 0
    for m in _BLANK.finditer(text):
        paragraphs.append((last, m.start()))
        last = m.end()
    paragraphs.append((last, len(text)))

    def chunk(a: int, b: int) -> str:
        return html.escape(text[a:b], quote=False).replace("\n", "<br>")

    out = []
    k = 0
    for p_start, p_end in paragraphs:
        if not text[p_start:p_end].strip():
            continue
        parts = []
        pos = p_start
        while k < len(marks) and marks[k].end <= p_start:
            k += 1
        j = k
        while j < len(marks) and marks[j].start < p_end:
            mark = marks[j]
            a, b = max(mark.start, p_start), min(mark.end, p_end)
            parts.append(chunk(pos, a))
            first = a == mark.start
            if len(mark.nodes) == 1 and first:
                nid = mark.nodes[0]
                # No title attribute: the passage itself is the link's text, and a long document quoted
                # hundreds of times would carry every claim's title twice over.
                parts.append(f'<mark class="kb-anchor"><a id="{html.escape(anchor_id(nid))}" '
                             f'href="{html.escape(link(nid))}">{chunk(a, b)}</a></mark>')
            else:
                parts.append(f'<mark class="kb-anchor">{chunk(a, b)}</mark>')
            if first and len(mark.nodes) > 1:
                refs = "".join(
                    f'<a id="{html.escape(anchor_id(nid))}" href="{html.escape(link(nid))}" title="{html.escape(title(nid))}" '
                    f'aria-label="{html.escape(title(nid))}">{n}</a>' for n, nid in enumerate(mark.nodes, 1))
                parts.append(f'<sup class="kb-refs">{refs}</sup>')
            pos = b
            if mark.end > p_end:
                break
            j += 1
        parts.append(chunk(pos, p_end))
        out.append("<p>" + "".join(parts) + "</p>")
    return "".join(out)
