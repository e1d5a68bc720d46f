"""Exports of the knowledge base to the formats other argument tools read.

Each format is a module with a pure function from a :class:`~kb.publishing.export.core.Bundle`
(the selected graph plus the analysis of the whole map) to text; nothing here
writes files. :mod:`kb.publishing.export.core` ties them together.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kb.data.compiled import sealed, unsealed

# Defined here, not in core, so that the command line names the formats and reads a kept export
# without importing what computes one (networkx, pydantic).
FORMATS = ("json", "graphml", "dot", "aif", "argdown", "iccma")


@dataclass(frozen=True)
class Output:
    """An export's text, and the files that go beside it (suffix appended to the output path -> text)."""

    text: str
    side: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        """Every text sealed with its hash (see :func:`kb.data.compiled.sealed`): kept in the cache."""
        return {"text": sealed(self.text), "side": {suffix: sealed(text) for suffix, text in self.side.items()}}

    @classmethod
    def from_json(cls, data: object) -> "Output | None":
        """The output :meth:`to_json` wrote, or None when data is not one or a text is not whole."""
        if not (isinstance(data, dict) and isinstance(data.get("side"), dict)):
            return None
        text = unsealed(data.get("text"))
        side = {suffix: unsealed(kept) for suffix, kept in data["side"].items()}
        if text is None or any(type(k) is not str or v is None for k, v in side.items()):
            return None
        return cls(text, side)  # type: ignore[arg-type]
