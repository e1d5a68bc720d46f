"""Starting a knowledge base and registering its people and sources from the command line.

The registries are hand-written files whose comments matter (they explain the
conventions), so an entry is appended as text in the canonical layout below
what is there, and the result is parsed back and compared before it is
written: nothing already in the file is re-dumped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from pydantic import ValidationError

from kb.changes import authoring
from kb.data import cache, canonical, parsing, settings, store
from kb.changes.authoring import FileChange, Outcome, check_id
from kb.data.errors import KBError
from kb.data.models import Person, Source
from kb.rules.report import Problem
from kb.data.store import display_path

PEOPLE_HEADER = "# Everyone the knowledge base attributes a claim or a stance to (`kb person add`).\n"
SOURCES_HEADER = ("# The documents the knowledge base cites (`kb source add`). `file` names the document's\n"
                  "# text in the sources folder (sources_dir in kb.toml).\n")
README = """\
# {title}

This folder is an argument map kept with `kb`: one YAML file per claim, plus
`people.yaml` and `sources.yaml`. `kb check` must pass after every change.

Map a document with commands only:

```sh
kb source add my-doc --title "The document's title" --file my-doc.txt --kind blog-post
kb person add jane --name "Jane Doe"
kb add claim --title "A short label" --text "The claim in our words." \\
    --speaker jane --source my-doc --quote "verbatim words from the text"
kb check --strict
```
"""


def _entry(model, data: dict) -> dict:
    data = {k: v for k, v in data.items() if v not in (None, [], ())}
    try:
        model.model_validate(data)
    except ValidationError as exc:
        details = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_url=False))
        raise KBError(f"invalid entry: {details}") from None
    return data


def _registry_data(text: str, display: str) -> list:
    data, errs = parsing.parse_text(text, display)
    if errs and errs[0].code == "empty":
        return []
    if errs:
        raise KBError(f"{display} does not load; fix it first (see kb check)", errs)
    if not isinstance(data, list):
        raise KBError(f"{display} is not a list of entries; fix it first (see kb check)")
    return data


def appended(text: str, entry: dict, display: str) -> str:
    """text with entry added at the end, everything above kept byte for byte.

    An empty registry written as ``[]`` (what ``kb init`` writes) loses that
    line; a registry in flow style cannot be extended this way and is refused.
    """
    before = _registry_data(text, display)
    lines = text.split("\n")
    if not before:
        lines = [ln for ln in lines if ln.split("#", 1)[0].strip() != "[]"]
    head = "\n".join(lines).rstrip("\n")
    new = (head + "\n" if head else "") + canonical.registry_text([entry])
    after, errs = parsing.parse_text(new, display)
    if errs or after != before + [_parsed(entry)]:
        raise KBError(f"{display} cannot be extended safely (its layout is unusual, e.g. a flow-style list); "
                      "add the entry by hand")
    return new


def _parsed(entry: dict) -> dict:
    data, _ = parsing.parse_text(canonical.registry_text([entry]), "entry")
    return data[0]


def _register(root: Path, name: str, model, entry: dict, what: str, dry_run: bool,
              extra: list[FileChange] = (), warnings: list[Problem] = (), cache: bool = True) -> Outcome:
    with authoring._session(root, dry_run, cache=cache) as state:
        registry = state.kb.people if model is Person else state.kb.sources
        path = Path(root) / name
        display = display_path(path)
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        existing = {str(e.get("id")): e for e in _registry_data(text, display) if isinstance(e, dict)}
        if entry["id"] in existing or entry["id"] in registry:
            label = existing.get(entry["id"], {}).get("name" if model is Person else "title", "")
            raise KBError(f"{what} '{entry['id']}' is already in {display}" + (f" ({label})" if label else ""))
        if not text:
            text = canonical.schema_comment(path, canonical.find_schema_dir(root), name.replace(".yaml", ".schema.json")) + "\n"
        change = FileChange(path, path.read_text(encoding="utf-8") if path.exists() else None,
                            appended(text, entry, display))
        summary = f"registered {what} '{entry['id']}' in {display}"
        outcome = Outcome(summary, [change, *extra], dry_run, entry["id"], list(warnings), 0, state.recovered)
        if not dry_run:
            authoring._write(Path(root), [change], f"kb {what} add {entry['id']}")
        return outcome


def add_person(root: Path, person_id: str, name: str, affiliation: str | None = None, role: str | None = None,
               url: str | None = None, dry_run: bool = False, cache: bool = True) -> Outcome:
    """Register a person in people.yaml."""
    check_id(person_id, "person id")
    entry = _entry(Person, {"id": person_id, "name": name, "affiliation": affiliation, "role": role, "url": url})
    return _register(Path(root), store.PEOPLE_FILE, Person, entry, "person", dry_run, cache=cache)


def add_source(root: Path, source_id: str, title: str, file: str | None = None, url: str | None = None,
               date: str | None = None, authors: Sequence[str] = (), kind: str = "document",
               dry_run: bool = False, cache: bool = True) -> Outcome:
    """Register a source in sources.yaml and make its folder for the claims mapped from it.

    ``file`` is the name of its text in the sources folder; a name that no
    configured folder holds is registered with a warning (the text may come later).
    """
    root = Path(root)
    check_id(source_id, "source id")
    if file is not None and (Path(file).is_absolute() or ".." in Path(file).parts):
        raise KBError(f"file '{file}' is refused: give the text's name inside the sources folder")
    entry = _entry(Source, {"id": source_id, "title": title, "authors": list(authors), "date": date, "kind": kind,
                            "url": url, "file": file})
    warnings = []
    registry = display_path(root / store.SOURCES_FILE)
    if file is None:
        warnings.append(Problem(registry, 1, 1, "no-source-text", f"source '{source_id}' names no text file; "
                                "its quotes cannot be checked (add --file)", "warning"))
    else:
        folders = settings.source_folders(root)
        if settings.find_text(file, folders.folders) is None:
            where = ", ".join(display_path(f) for f in folders.folders + folders.missing) or \
                "no sources folder (set sources_dir in kb.toml)"
            warnings.append(Problem(registry, 1, 1, "source-file-missing",
                                    f"'{file}' is not in {where}; its quotes cannot be checked yet", "warning"))
    folder = root / source_id
    outcome = _register(root, store.SOURCES_FILE, Source, entry, "source", dry_run, warnings=warnings,
                        cache=cache)
    if not dry_run and not folder.exists():
        folder.mkdir()
        outcome.summary += f"; claims from it go in {display_path(folder)}/"
    return outcome


def init(root: Path, sources_dir: str | None = None) -> list[Path]:
    """A new, empty, valid knowledge base in root (which must be missing or empty); the files written.

    The JSON Schema files go to the nearest ``schema/`` folder above, or a new
    one beside root, so that editors complete fields in the new files.
    """
    root = Path(root)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise KBError(f"{display_path(root)} already exists and is not empty; kb init starts a new knowledge base "
                      "in an empty or missing folder")
    if sources_dir is not None and Path(sources_dir).is_absolute():
        raise KBError("give sources_dir relative to the knowledge-base folder, so the project can move")
    schema_dir = canonical.find_schema_dir(root)
    written = []
    if not (schema_dir / canonical.NODE_SCHEMA).is_file():
        from kb.rules import schema  # only a new project without schema files pays for it

        schema.write(schema_dir)
        written += [schema_dir / name for name in schema.SCHEMAS]
    files = {
        store.PEOPLE_FILE: canonical.schema_comment(root / store.PEOPLE_FILE, schema_dir, "people.schema.json")
        + "\n" + PEOPLE_HEADER + "[]\n",
        store.SOURCES_FILE: canonical.schema_comment(root / store.SOURCES_FILE, schema_dir, "sources.schema.json")
        + "\n" + SOURCES_HEADER + "[]\n",
        "README.md": README.format(title="An argument map"),
        # kb's own files beside the map: the writers' lock and the cache of parsed files (kb.data.cache)
        ".gitignore": f"{store.LOCK_FILE}\n{cache.CACHE_FILE}*\n",
        settings.SETTINGS_FILE: settings.TEMPLATE if sources_dir is None else settings.TEMPLATE.replace(
            '# sources_dir = "../sources"', f"sources_dir = {_toml_string(sources_dir)}"),
    }
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        store.write_atomic(root / name, text)
        written.append(root / name)
    return written


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
