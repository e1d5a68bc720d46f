"""Checking answers typed at `kb add`'s prompts one at a time, so a mistake costs one answer, not all.

Each check returns the value to use or raises a KBError whose message says
what is wrong and what was probably meant; the command line asks again. The
look-ups are the cheap ones of kb.changes.authoring (file names, the registries), so
nothing waits for the whole knowledge base to load.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kb.changes import authoring
from kb.data import parsing, settings, store
from kb.data.quotes import closest_passage, fold
from kb.data.errors import KBError, UnknownId
from kb.data.models import KINDS
from kb.data.suggest import closest, resolve_named

MAX_TITLE = 100  # the models' limit on a title (kb.data.models.Node.title)


@dataclass
class Answers:
    root: Path
    people: dict[str, str] = field(default_factory=dict)  # id -> name
    sources: dict[str, str] = field(default_factory=dict)  # id -> title
    ids: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, root: Path) -> "Answers":
        return cls(Path(root), authoring.people(root), authoring.sources(root), authoring.node_ids(root))

    def kind(self, answer: str) -> str:
        value = answer.strip().lower()
        if value not in KINDS:
            raise UnknownId("kind", value, closest(value, KINDS))
        return value

    def title(self, answer: str) -> str:
        value = answer.strip()
        if not value:
            raise KBError("a title is needed")
        if len(value) > MAX_TITLE:
            raise KBError(f"the title has {len(value)} characters; at most {MAX_TITLE}")
        return value

    def text(self, answer: str) -> str:
        value = answer.strip()
        if not value:
            raise KBError("the claim's text is needed")
        return value

    def person(self, answer: str, what: str = "speaker") -> str:
        value = answer.strip()
        found = resolve_named(value, self.people)
        if found is None:
            raise authoring.unknown_named(what, value, self.people)
        return found

    def source(self, answer: str) -> str:
        value = answer.strip()
        found = resolve_named(value, self.sources)
        if found is None:
            raise authoring.unknown_named("source", value, self.sources)
        return found

    def node_list(self, answer: str, what: str = "target") -> tuple[str, ...]:
        values = tuple(answer.replace(",", " ").split())
        for value in values:
            if value not in self.ids:
                raise UnknownId(what, value, closest(value, self.ids))
        return values

    def tags(self, answer: str) -> tuple[str, ...]:
        values = tuple(answer.replace(",", " ").split())
        for value in values:
            authoring.check_id(value, "tag")
        return values

    def quote_in(self, document: str):
        """A check for quotes from document: refused with the closest passage when its text is at hand."""
        text = _source_text(self.root, document)

        def check(answer: str) -> str:
            value = answer.strip()
            if value and text is not None and fold(value) not in text:
                raise KBError(f"not found in '{document}'; {closest_passage(value, text).describe()}")
            return value

        return check


def _source_text(root: Path, document: str) -> str | None:
    data, errs = parsing.parse_yaml(Path(root) / store.SOURCES_FILE, store.SOURCES_FILE)
    if errs or not isinstance(data, list):
        return None
    entry = next((e for e in data if isinstance(e, dict) and e.get("id") == document), None)
    if not entry or not entry.get("file"):
        return None
    path = settings.find_text(str(entry["file"]), settings.source_folders(root).folders)
    try:
        return fold(path.read_text(encoding="utf-8")) if path else None
    except (OSError, UnicodeDecodeError):
        return None
