"""How much of each source text the map has anchored: the to-do list of someone mapping a document.

A paragraph (a block between blank lines; Markdown headings and lines without
a letter are not counted) is covered when a node's quote, or a stance quoted
from that document, falls in it. Quotes are found after the same folding as
``kb check --sources`` (kb.data.quotes), so what check accepts, coverage counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from kb.data import settings, store
from kb.data.errors import KBError, UnknownId
from kb.data.quotes import fold
from kb.data.store import KnowledgeBase
from kb.data.suggest import closest

_BLANK = re.compile(r"\n[ \t]*\n")


@dataclass
class Paragraph:
    line: int  # 1-based line where it starts in the source text
    text: str  # folded
    covered_by: list[str] = field(default_factory=list)  # node ids anchored in it


@dataclass
class SourceCoverage:
    source: str
    title: str
    file: str | None
    paragraphs: list[Paragraph]
    unplaced: list[str] = field(default_factory=list)  # nodes whose quote is not in the text
    missing: bool = False  # the text is not in the sources folder

    @property
    def covered(self) -> int:
        return sum(bool(p.covered_by) for p in self.paragraphs)

    @property
    def share(self) -> float:
        return self.covered / len(self.paragraphs) if self.paragraphs else 0.0

    def to_dict(self) -> dict:
        return {"source": self.source, "title": self.title, "file": self.file, "missing": self.missing,
                "paragraphs": len(self.paragraphs), "covered": self.covered, "share": round(self.share, 4),
                "uncovered": [{"line": p.line, "text": p.text} for p in self.paragraphs if not p.covered_by],
                "unplaced": self.unplaced}


def paragraphs(text: str) -> list[Paragraph]:
    """The countable paragraphs of a text; a text without blank lines is taken line by line."""
    out, pos = [], 0
    text = text.replace("\r\n", "\n")
    blocks = _BLANK.split(text)
    if len(blocks) == 1 and text.strip().count("\n") >= 3:
        blocks = text.split("\n")
    for block in blocks:
        start = text.index(block, pos) if block else pos
        pos = start + len(block)
        stripped = block.strip()
        if not stripped or stripped.startswith("#") or not re.search(r"[^\W\d_]", stripped):
            continue
        out.append(Paragraph(text.count("\n", 0, start + (len(block) - len(block.lstrip("\n")))) + 1, fold(stripped)))
    return out


def measure(kb: KnowledgeBase, source_id: str, text: str | None) -> SourceCoverage:
    """Coverage of one source by the quotes anchored in it (pure: the text is handed in)."""
    source = kb.sources[source_id]
    if text is None:
        return SourceCoverage(source_id, source.title, source.file, [], missing=True)
    paras = paragraphs(text)
    joined, spans, at = [], [], 0
    for p in paras:
        spans.append((at, at + len(p.text)))
        joined.append(p.text)
        at += len(p.text) + 1
    document = " ".join(joined)
    result = SourceCoverage(source_id, source.title, source.file, paras)
    for node_id, node in sorted(kb.nodes.items()):
        quotes = [node.source.quote] if node.source.document == source_id and node.source.quote else []
        quotes += [s.quote for s in node.stances.values()
                   if s.quote and (s.source or node.source.document) == source_id]
        for quote in quotes:
            needle = fold(quote)
            start = document.find(needle)
            if start < 0:
                if node.source.document == source_id and node_id not in result.unplaced:
                    result.unplaced.append(node_id)
                continue
            for p, (a, b) in zip(paras, spans):
                if a < start + len(needle) and start < b and node_id not in p.covered_by:
                    p.covered_by.append(node_id)
    return result


def coverage(root: Path, source: str | None = None, sources_dirs: Sequence[str | Path] = ()) -> list[SourceCoverage]:
    """Coverage of one source, or of every source that names a text, from the knowledge base's sources folder."""
    kb, _ = store.load(Path(root))
    if source is not None and source not in kb.sources:
        raise UnknownId("source", source, closest(source, kb.sources))
    found = settings.source_folders(root, sources_dirs)
    if not found.folders:
        raise KBError("no sources folder: set sources_dir in kb.toml or give --sources")
    out = []
    for sid in [source] if source else sorted(kb.sources):
        entry = kb.sources[sid]
        path = settings.find_text(entry.file, found.folders) if entry.file else None
        text = None
        if path is not None:
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                text = None
        if entry.file or source:
            out.append(measure(kb, sid, text))
    return out
