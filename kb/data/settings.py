"""A knowledge base's own settings: ``kb.toml`` in its folder, read by every command and the site.

Settings that belong to the knowledge base rather than to one command (today:
where the source texts live) are written once here instead of being repeated on
each command line, in the Makefile and in ``mkdocs.yml``. TOML, read with the
standard library, because the file is not a node or a registry: a ``.yaml``
name would make it one.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from kb.data.errors import KBError
from kb.rules.report import Problem
from kb.data.store import display_path

SETTINGS_FILE = "kb.toml"

TEMPLATE = """\
# Settings of this knowledge base, read by every kb command and by the site's plugin.

# Folder(s) holding the plain texts of the sources (each source's `file` in
# sources.yaml), relative to this folder. Quotes are checked against them
# wherever they are written, and `kb coverage` reads them.
# sources_dir = "../sources"
"""


@dataclass(frozen=True)
class Settings:
    """The fields of kb.toml, checked by :func:`_model` (pydantic) when the file exists."""

    sources_dir: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def _model():
    """The pydantic model kb.toml is checked against, made when a kb.toml is read: a command on a
    knowledge base without one (and a warm ``kb check``) does not import pydantic for it."""
    from pydantic import BaseModel, ConfigDict, Field, field_validator

    class SettingsFile(BaseModel):
        model_config = ConfigDict(extra="forbid", frozen=True)

        sources_dir: list[str] = Field(
            default_factory=list,
            description="Folder (or list of folders) of the source texts, relative to the knowledge-base folder.",
        )

        @field_validator("sources_dir", mode="before")
        @classmethod
        def _one_or_many(cls, value: object) -> object:
            return [value] if isinstance(value, str) else value

    return SettingsFile


@dataclass(frozen=True)
class SourceFolders:
    """Where to look for source texts, and whether someone named them (a missing named folder is an error)."""

    folders: tuple[Path, ...] = ()
    configured: bool = False  # from kb.toml rather than the command line
    missing: tuple[Path, ...] = field(default=())

    def __bool__(self) -> bool:
        return bool(self.folders)


def load(root: Path) -> Settings:
    """The knowledge base's settings; defaults when it has no kb.toml."""
    path = Path(root) / SETTINGS_FILE
    display = display_path(path)

    def refuse(message: str, line: int = 1, col: int = 1) -> KBError:
        problem = Problem(display, line, col, "settings", message)
        return KBError(f"{display} is not valid; fix it first", [problem])

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except (OSError, UnicodeDecodeError) as exc:
        raise refuse(f"cannot read it: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        message = re.sub(r"\s*\(at .*\)$", "", str(exc))
        raise (refuse(message, int(where[1]), int(where[2])) if where else refuse(message)) from None
    from pydantic import ValidationError

    try:
        return Settings(list(_model().model_validate(data).sources_dir))
    except ValidationError as exc:
        details = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'file'}: {e['msg']}" for e in exc.errors(include_url=False))
        raise refuse(details) from None


def source_folders(root: Path, given: Sequence[str | Path] = ()) -> SourceFolders:
    """The folders of source texts: those given on the command line, else those kb.toml names.

    Folders from kb.toml are relative to the knowledge-base folder; a configured
    folder that does not exist (a clone without the texts) is left out and
    reported in ``missing``, so commands can say so instead of failing.
    """
    if given:
        return SourceFolders(tuple(Path(g) for g in given), False)
    root = Path(root)
    named = [root / d for d in load(root).sources_dir]
    return SourceFolders(tuple(d for d in named if d.is_dir()), True, tuple(d for d in named if not d.is_dir()))


def find_text(file: str, folders: Sequence[Path]) -> Path | None:
    """The first folder's copy of a source text, or None."""
    for folder in folders:
        candidate = Path(folder) / file
        if candidate.is_file():
            return candidate
    return None
