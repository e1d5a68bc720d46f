"""Exports of the knowledge base to the formats other argument tools read.

Each format is a module with a pure function from a :class:`~kb.publishing.export.core.Bundle`
(the selected graph plus the analysis of the whole map) to text; nothing here
writes files. :mod:`kb.publishing.export.core` ties them together.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Defined here, not in core, so that the command line names the formats and reads a kept export
# without importing what computes one (networkx, pydantic).
FORMATS = ("json", "graphml", "dot", "aif", "argdown", "iccma")


@dataclass(frozen=True)
class Output:
    """An export's text, and the files that go beside it (suffix appended to the output path -> text)."""

    text: str
    side: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"text": self.text, "side": self.side}

    @classmethod
    def from_json(cls, data: object) -> "Output | None":
        """The output :meth:`to_json` wrote (kept in the cache), or None when data is not one."""
        if not (isinstance(data, dict) and type(data.get("text")) is str and isinstance(data.get("side"), dict)
                and all(type(k) is str and type(v) is str for k, v in data["side"].items())):
            return None
        return cls(data["text"], data["side"])
