"""``kb import aif``: bring an AIF map into the knowledge base, whole or not at all.

What the map holds beyond claims and plain edges is kept: linked arguments
(``with:``), undercuts, restatements, scheme names (``scheme:`` on the edge) and
each node's AIF nodeID and nodeset (``aif:``), so that an import can be matched
back to its corpus and exported again as the same AIF.

The import is computed in memory first: new node files in the canonical layout
(:mod:`kb.data.canonical`), one folder per source document, and new people and
sources appended to the registries (appended, so that the comments and layout
of hand-kept registries survive). The knowledge base as it would be afterwards
is then checked with the rules of ``kb check``; any error and nothing is
written. Ids never collide: each new id is the one the map suggests (from
``kb``'s own export) or the title's slug, prefixed if asked, with -2, -3, ...
added until it is free.

Writes happen under the knowledge base's lock (the one the editing commands of
:mod:`kb.changes.authoring` take), after a journal (``.kb-pending.json``, in
:mod:`kb.changes.authoring`'s format) holding every file's new text, so that an import
killed half-way is reported by ``kb check`` and finished by ``kb recover`` or
the next editing command. An import that fails takes back what it wrote: all
new files or none (:func:`kb.data.store.create_all`), and registries only after them.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, replace
from pathlib import Path

from filelock import Timeout
from pydantic import ValidationError

from kb.changes import aifread, authoring
from kb.data import canonical, parsing, store
from kb.rules import validate
from kb.changes.authoring import LOCK_FILE, LOCK_TIMEOUT, slugify, unique_id as unique  # noqa: F401 (LOCK_FILE: for callers)
from kb.data.errors import KBError, UnknownId
from kb.data.models import KINDS, MAX_ID_LEN, Node, Person, Source, is_valid_id
from kb.rules.report import Problem
from kb.data.store import KnowledgeBase, display_path
from kb.data.suggest import closest

MAX_FILE_BYTES = 50 << 20
TITLE_LENGTH = 80
UNATTRIBUTED = "unattributed"


@dataclass
class Change:
    path: Path
    before: str | None  # None: a new file
    after: str


@dataclass
class ImportResult:
    changes: list[Change]
    nodes: dict[str, Node]  # new node id -> node
    people: list[str]  # ids of people added to people.yaml
    sources: list[str]  # ids of sources added to sources.yaml
    renamed: dict[str, str]  # id the map suggested -> id given, where they differ
    notes: list[str]  # parts of the map kb cannot hold, which were skipped
    warnings: list[Problem]
    dry_run: bool = False


def title_from(text: str) -> str:
    """A map label from a proposition: the text itself, or its first words up to TITLE_LENGTH."""
    text = " ".join(text.split())
    if len(text) <= TITLE_LENGTH:
        return text
    cut = text[: TITLE_LENGTH - 1]
    return (cut[: cut.rfind(" ")] if " " in cut else cut).rstrip(" ,;:") + "…"


def read_file(path: Path) -> tuple[object, aifread.Locator]:
    """The JSON of an AIF file and a locator for its text, or a KBError that says why it cannot be read."""
    display = display_path(path)
    try:
        raw = store.read_regular(path, MAX_FILE_BYTES)
    except store.Refused as exc:
        raise KBError(f"{display}: {exc}; nothing was written") from None
    except OSError as exc:
        raise KBError(f"{display}: cannot read file: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise KBError(f"{display}:{line}:{col}: not UTF-8 text, so not an AIF JSON file; nothing was written") from None
    return aifread.loads(text, display)


# --- planning ------------------------------------------------------------------------------------


class _Plan:
    """The knowledge base after the import, built up in memory."""

    def __init__(self, root: Path, kb: KnowledgeBase, display: str, stem: str, label: str = "AIF map",
                 source_kind: str = "aif-map"):
        self.root, self.kb, self.display, self.stem = root, kb, display, stem
        self.label, self.source_kind = label, source_kind
        self.taken = set(kb.nodes) | {p.stem for p in store.node_files(root)} if root.is_dir() else set(kb.nodes)
        self.people: dict[str, Person] = {}
        self.sources: dict[str, Source] = {}
        self.notes: list[str] = []

    def person_for(self, participant: aifread.Participant) -> str:
        """The person a participant is: one already known by id or by name, or a new one."""
        known = {**self.kb.people, **self.people}
        meta_id = participant.meta.get("id")
        fold = participant.name.casefold()
        if isinstance(meta_id, str) and meta_id in known and " ".join(known[meta_id].name.split()).casefold() == fold:
            return meta_id
        for person_id, person in known.items():
            if " ".join(person.name.split()).casefold() == fold:
                return person_id
        base = meta_id if isinstance(meta_id, str) and is_valid_id(meta_id) else slugify(participant.name)
        new_id = unique(base, known)
        data = {k: v for k, v in participant.meta.items() if k in Person.model_fields and k not in ("id", "name")}
        try:
            self.people[new_id] = Person(id=new_id, name=participant.name, **data)
        except ValidationError:
            self.people[new_id] = Person(id=new_id, name=participant.name)
        return new_id

    def unattributed(self) -> str:
        known = {**self.kb.people, **self.people}
        name = f"Unattributed (imported from {self.stem})"
        for person_id, person in known.items():
            if person.name == name:
                return person_id
        new_id = unique(UNATTRIBUTED, known)
        self.people[new_id] = Person(id=new_id, name=name, role="Speaker of imported claims the map does not attribute")
        return new_id

    def source_for(self, meta_sources: dict[str, dict], document: str | None, authors: list[str]) -> str:
        known = {**self.kb.sources, **self.sources}
        if document is not None and document in known:
            return document
        if document is not None and document in meta_sources:
            try:
                self.sources[document] = Source.model_validate(meta_sources[document])
                return document
            except ValidationError:
                pass
        name = f"{self.stem} ({self.label})"
        for source_id, source in self.sources.items():
            if source.title == name:
                return source_id
        new_id = unique(slugify(self.stem), known)
        self.sources[new_id] = Source(id=new_id, title=name, authors=authors, kind=self.source_kind)
        return new_id


def _check_id(value: str, what: str) -> str:
    if not is_valid_id(value):
        raise KBError(f"{what} '{value}' is not a valid id: lowercase letters, digits and single hyphens")
    return value


def plan(root: Path, aif: aifread.AifMap, *, display: str, stem: str, source: str | None = None,
         prefix: str | None = None, speaker: str | None = None,
         where: aifread.Locator | None = None) -> ImportResult:
    """The changes an import would make, checked like ``kb check``; raises KBError when they would add errors."""
    root = Path(root)
    if prefix is not None:
        prefix = _check_id(prefix, "prefix")
    kb, load_problems = store.load(root) if root.is_dir() else (KnowledgeBase(root=root), [])
    creating = {p.path for p in load_problems if p.code == "missing-registry"}
    blocking = [p for p in load_problems if p.severity == "error" and p.path not in creating]
    if blocking or (root.is_dir() and validate.graph_problems(kb)):
        raise KBError(f"{display_path(root)} has errors already (see kb check); fix them before importing",
                      parsing.locate(blocking))
    if source is not None and source not in kb.sources:
        raise UnknownId("source", source, closest(source, kb.sources))
    if speaker is not None and speaker not in kb.people:
        raise UnknownId("person", speaker, closest(speaker, kb.people))
    state = _Plan(root, kb, display, stem, aif.label, aif.source_kind)
    state.notes.extend(aif.notes)
    # Only participants who speak become people: AIFdb lists everyone in a corpus's dialogue.
    named = {c.meta.get("presenter") for c in aif.claims} | {p for c in aif.claims
                                                              if isinstance(c.meta.get("stances"), dict)
                                                              for p in c.meta["stances"]}
    speaking = sorted({c.participant for c in aif.claims if c.participant is not None}
                      | {pid for pid, p in aif.participants.items() if p.meta.get("id") in named})
    person_of = {pid: state.person_for(aif.participants[pid]) for pid in speaking}
    by_old_id = {p.meta["id"]: person_of[pid] for pid, p in aif.participants.items()
                 if isinstance(p.meta.get("id"), str) and pid in person_of}
    meta_sources = {s["id"]: s for s in aif.meta.get("sources") or [] if isinstance(s, dict) and isinstance(s.get("id"), str)}
    authors = [aif.participants[pid].name for pid in speaking]

    ids: dict[str, str] = {}
    renamed: dict[str, str] = {}
    for claim in aif.claims:
        meta_id = claim.meta.get("id")
        base = meta_id if isinstance(meta_id, str) and is_valid_id(meta_id) else None
        base = base or slugify(str(claim.meta.get("title") or title_from(claim.text)), 60)
        if prefix:
            base = f"{prefix}-{base}"[:MAX_ID_LEN].rstrip("-")
        new_id = unique(base, state.taken)
        state.taken.add(new_id)
        ids[claim.aif_id] = new_id
        if isinstance(meta_id, str) and meta_id != new_id:
            renamed[meta_id] = new_id

    drafts: dict[str, dict] = {}
    for claim in aif.claims:
        meta = claim.meta
        meta_source = meta.get("source") if isinstance(meta.get("source"), dict) else {}
        if claim.participant is not None:
            who = person_of[claim.participant]
        elif meta.get("speaker") in by_old_id:
            who = by_old_id[meta["speaker"]]
        elif meta.get("speaker") in kb.people and not aif.participants:
            who = meta["speaker"]
        else:
            who = speaker or state.unattributed()
        document = source or state.source_for(meta_sources, meta_source.get("document"), authors)
        quote = meta_source.get("quote") or claim.utterance
        own = isinstance(meta.get("id"), str)  # kb's own export: its nodeIDs are only counters
        origin = meta.get("aif") if own or not aif.origin else {"node": claim.aif_id, "nodeset": claim.nodeset}
        draft = {
            "kind": meta.get("kind") if meta.get("kind") in KINDS else ("question" if claim.question else "claim"),
            "title": str(meta.get("title") or title_from(claim.text))[:100],
            "text": claim.text,
            "speaker": who,
            "source": {"document": document, "quote": quote or None, "section": meta_source.get("section")},
            "tags": [t for t in meta.get("tags") or [] if isinstance(t, str) and is_valid_id(t)],
            "stances": _stances(meta.get("stances"), by_old_id, {**kb.people, **state.people},
                                lambda doc: _known_source(state, meta_sources, doc), state.notes, ids[claim.aif_id]),
            "note": meta.get("note") if isinstance(meta.get("note"), str) else None,
            "supports": [], "attacks": [], "undercuts": [], "restates": [],
            "presenter": _presenter(meta.get("presenter"), by_old_id, {**kb.people, **state.people}, state.notes,
                                    ids[claim.aif_id]),
            "aif": origin or None,
        }
        drafts[ids[claim.aif_id]] = draft
    _relations(aif, ids, drafts, state.notes)

    nodes: dict[str, Node] = {}
    problems: list[Problem] = []
    where = where or aifread.Locator()
    for claim in aif.claims:
        node_id = ids[claim.aif_id]
        try:
            nodes[node_id] = Node.model_validate(drafts[node_id])
        except ValidationError as exc:
            line, col = where.key("nodeID", claim.aif_id, where.section("nodes"))
            for err in exc.errors(include_url=False):
                problems.append(Problem(display, line, col, "invalid-value",
                                        f"claim {node_id}: {'.'.join(map(str, err['loc']))}: {err['msg']}"))
    if problems:
        raise KBError(f"{display}: the map does not fit the knowledge base's schema; nothing was written", problems)
    return _finish(state, nodes, renamed, creating)


def _edge_extras(meta: dict) -> dict:
    out = {}
    weight, note = meta.get("weight"), meta.get("note")
    if isinstance(weight, (int, float)) and not isinstance(weight, bool) and 0 <= weight <= 1:
        out["weight"] = float(weight)
    if isinstance(note, str):
        out["note"] = note
    return out


def _relations(aif: aifread.AifMap, ids: dict[str, str], drafts: dict[str, dict], notes: list[str]) -> None:
    """Arguments, undercuts and restatements into the drafts; what kb check would refuse is skipped with a note.

    kb holds one declaration per pair of nodes (a premise of a linked argument
    has its own edge to the target), so the first declaration of a pair wins.
    """
    taken: dict[tuple[str, str], str] = {}
    kept: dict[tuple[str, str], str] = {}  # (premise, target) of each kept argument -> relation
    for rel in aif.relations:
        lead, target = ids[rel.source], ids[rel.target]
        premises = list(dict.fromkeys([lead, *(ids[p] for p in rel.with_)]))
        what = f"{'linked ' if len(premises) > 1 else ''}{rel.relation[:-1]} of {target} by {', '.join(premises)}"
        if target in premises:
            notes.append(f"skipped the {what}: it argues from the claim itself")
            continue
        clash = [(p, target) for p in premises if (p, target) in taken]
        if clash:
            notes.append(f"skipped the {what}: {clash[0][0]} already {taken[clash[0]]} {target}")
            continue
        for p in premises:
            taken[(p, target)] = rel.relation
            kept[(p, target)] = rel.relation
        edge = {"target": target, **_edge_extras(rel.meta)}
        if len(premises) > 1:
            edge["with"] = premises[1:]
        if rel.scheme:
            edge["scheme"] = rel.scheme
        drafts[lead][rel.relation].append(edge)
    for cut in aif.undercuts:
        cutter, source, target = ids[cut.cutter], ids[cut.source], ids[cut.target]
        what = f"undercut of {source} -> {target} by {cutter}"
        if (source, target) not in kept:
            notes.append(f"skipped the {what}: that inference was skipped")
        elif cutter in (source, target):
            notes.append(f"skipped the {what}: a claim cannot undercut its own inference")
        elif (cutter, target) in taken:
            notes.append(f"skipped the {what}: {cutter} already {taken[(cutter, target)]} {target}")
        else:
            taken[(cutter, target)] = "undercuts"
            drafts[cutter]["undercuts"].append({"source": source, "target": target, **_edge_extras(cut.meta)})
    for a_id, b_id in aif.restatements:
        a, b = ids[a_id], ids[b_id]
        if (a, b) in taken or (b, a) in taken:
            notes.append(f"skipped the restatement of {b} by {a}: the two are already related")
            continue
        taken[(a, b)] = "restates"
        drafts[a]["restates"].append(b)


def _presenter(raw, by_old_id: dict[str, str], people: dict, notes: list[str], node_id: str) -> str | None:
    if not isinstance(raw, str):
        return None
    person = by_old_id.get(raw, raw if raw in people else None)
    if person is None:
        notes.append(f"dropped the presenter '{raw}' of {node_id}: no such person in the map or the knowledge base")
    return person


def _known_source(state: _Plan, meta_sources: dict[str, dict], document: str) -> bool:
    """Whether a document a stance cites exists, or can be created from the map's own source list."""
    if document in state.kb.sources or document in state.sources:
        return True
    return document in meta_sources and state.source_for(meta_sources, document, []) == document


def _stances(raw, by_old_id: dict[str, str], people: dict, known_source, notes: list[str], node_id: str) -> dict:
    if not isinstance(raw, dict):
        return {}
    out = {}
    for person, stance in raw.items():
        new_person = by_old_id.get(person, person if person in people else None)
        if new_person is None:
            notes.append(f"dropped the stance of '{person}' on {node_id}: no such person in the map or the knowledge base")
            continue
        if isinstance(stance, dict) and stance.get("source") is not None and not known_source(stance["source"]):
            notes.append(f"dropped the source '{stance['source']}' of {person}'s stance on {node_id}: unknown document")
            stance = {k: v for k, v in stance.items() if k != "source"}
        out[new_person] = stance
    return out


def _registry_change(path: Path, root: Path, entries: list[dict], schema: str) -> Change:
    before = authoring._read(path, root) if os.path.lexists(path) else None
    if before is None:
        head = canonical.schema_comment(path, canonical.find_schema_dir(root), schema)
        after = canonical.registry_text(entries, head)
    else:
        after = (before if before.endswith("\n") or not before else before + "\n") + canonical.registry_text(entries)
    data, errs = parsing.parse_text(after, display_path(path))
    if errs or not isinstance(data, list) or [e.get("id") for e in data][-len(entries):] != [e["id"] for e in entries]:
        raise KBError(f"{display_path(path)} cannot be extended safely (its layout is unusual); "
                      "add the entries by hand or fix the file")
    return Change(path, before, after)


def _finish(state: _Plan, nodes: dict[str, Node], renamed: dict[str, str], creating: set[str]) -> ImportResult:
    root, kb = state.root, state.kb
    changes: list[Change] = []
    if state.people:
        changes.append(_registry_change(root / store.PEOPLE_FILE, root,
                                        [p.model_dump(exclude_none=True) for p in state.people.values()],
                                        "people.schema.json"))
    elif not (root / store.PEOPLE_FILE).exists():
        changes.append(Change(root / store.PEOPLE_FILE, None, canonical.schema_comment(
            root / store.PEOPLE_FILE, canonical.find_schema_dir(root), "people.schema.json") + "\n[]\n"))
    if state.sources:
        changes.append(_registry_change(root / store.SOURCES_FILE, root,
                                        [s.model_dump(exclude_none=True) for s in state.sources.values()],
                                        "sources.schema.json"))
    after = replace(kb, nodes=dict(kb.nodes), paths=dict(kb.paths), people={**kb.people, **state.people},
                    sources={**kb.sources, **state.sources})
    documents = {}
    schema_dir = canonical.find_schema_dir(root)
    heads: dict[str, tuple[str, str]] = {}  # per folder: the schema comment and the display path
    for (node_id, node), body in zip(nodes.items(), canonical.node_bodies(list(nodes.values()))):
        folder = node.source.document
        path = root / folder / f"{node_id}.yaml"
        if folder not in heads:
            shown = display_path(path.parent)
            heads[folder] = (canonical.schema_comment(path, schema_dir), "" if shown == "." else shown + os.sep)
        head, shown = heads[folder]
        text = f"{head}\n{body}"
        changes.append(Change(path, None, text))
        after.nodes[node_id], after.paths[node_id] = node, path
        documents[shown + path.name] = text
    # A UTF-8 character is at most 4 bytes: only a text that long can be over the limit.
    too_large = [p for c in changes if 4 * len(c.after) > store.MAX_FILE_BYTES
                 for p in parsing.size_problems(c.after, display_path(c.path))]
    problems = too_large + validate.problems_for(after, documents=documents)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise KBError(f"{state.display}: importing would add {len(errors)} error{'s' * (len(errors) != 1)} "
                      "(shown above); nothing was written", errors)
    new_paths = set(documents) | {display_path(c.path) for c in changes if c.path.suffix != ".yaml" or c.path.stem not in nodes}
    warnings = [p for p in problems if p.path in new_paths]
    return ImportResult(changes, nodes, list(state.people), list(state.sources), renamed, state.notes, warnings)


# --- writing -------------------------------------------------------------------------------------


def _sha(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()


def _write(root: Path, changes: list[Change], command: str) -> None:
    """Write an import whole: a failure part-way removes what it wrote, a crash leaves the journal to finish it.

    The new files go first and all together (:func:`kb.data.store.create_all`: one
    flush of the disk, not one per file); the registries are appended to only
    once they are all there.
    """
    journal = {"version": 1, "command": command,
               "changes": [{"path": c.path.relative_to(root).as_posix(), "before": _sha(c.before), "after": c.after}
                           for c in changes]}
    pending = root / store.PENDING_FILE
    store.write_atomic(pending, json.dumps(journal, ensure_ascii=False, indent=1) + "\n", root)
    new = [c for c in changes if c.before is None]
    try:
        store.create_all(root, [(c.path, c.after) for c in new])
    except FileExistsError as exc:
        store.remove_durable(pending, root)
        raise KBError(f"{display_path(Path(exc.filename))} appeared while kb was working; nothing was written") from None
    except BaseException:
        store.remove_durable(pending, root)
        raise
    done: list[Change] = []
    try:
        for change in changes:
            if change.before is not None:
                store.write_atomic(change.path, change.after, root)
                done.append(change)
    except BaseException:
        _undo(root, new, done)
        raise
    store.remove_durable(pending, root)


def _undo(root: Path, new: list[Change], done: list[Change]) -> None:
    """Take back an import whose registries could not all be written; the journal stays if that fails too."""
    try:
        for change in done:
            store.write_atomic(change.path, change.before, root)
        store.remove_all(root, [c.path for c in new])
        store.remove_durable(root / store.PENDING_FILE, root)
    except OSError:
        pass


# A map's JSON comes from anywhere; a shape the reader did not foresee must be
# refused as a bad map, never end in a traceback.
_SHAPE_ERRORS = (TypeError, KeyError, AttributeError, ValueError, IndexError, RecursionError)


def _parsed(data, display: str, **options) -> aifread.AifMap:
    try:
        return aifread.parse(data, display, **options)
    except _SHAPE_ERRORS as exc:
        raise KBError(f"{display}: not a valid AIF map ({type(exc).__name__}: {exc}); nothing was written") from None


def _planned(root: Path, data: aifread.AifMap, options: dict) -> ImportResult:
    try:
        return plan(root, data, **options)
    except _SHAPE_ERRORS as exc:
        raise KBError(f"{options['display']}: cannot import this map ({type(exc).__name__}: {exc}); "
                      "nothing was written") from None


def import_aif(root: Path, file: Path, *, source: str | None = None, prefix: str | None = None,
               speaker: str | None = None, dry_run: bool = False, strict: bool = False,
               timeout: float = LOCK_TIMEOUT) -> ImportResult:
    """Import an AIF JSON file into the knowledge base at root (created if missing), or explain why not.

    Lenient by default: the faults real AIFdb exports have are skipped or
    repaired with a note; ``strict`` makes each an error and imports nothing.
    """
    root, file = Path(root), Path(file)
    raw, where = read_file(file)
    data = _parsed(raw, display_path(file), strict=strict, where=where)  # refused before anything is touched
    return _import(root, file, data, where, source=source, prefix=prefix, speaker=speaker, dry_run=dry_run,
                   timeout=timeout, command="aif")


def import_argdown(root: Path, file: Path, *, source: str | None = None, prefix: str | None = None,
                   speaker: str | None = None, dry_run: bool = False, timeout: float = LOCK_TIMEOUT) -> ImportResult:
    """Import an Argdown document, parsed by the Argdown CLI (see :mod:`kb.changes.argdownread`)."""
    from kb.changes import argdownread

    root, file = Path(root), Path(file)
    data = argdownread.reduce(argdownread.parse_file(file, display_path(file)))
    if not data.claims:
        raise KBError(f"{display_path(file)}: the Argdown document has no statements; nothing was written")
    return _import(root, file, data, aifread.Locator(), source=source, prefix=prefix, speaker=speaker,
                   dry_run=dry_run, timeout=timeout, command="argdown")


def _import(root: Path, file: Path, data: aifread.AifMap, where: aifread.Locator, *, source, prefix, speaker,
            dry_run: bool, timeout: float, command: str) -> ImportResult:
    options = dict(display=display_path(file), stem=file.stem, source=source, prefix=prefix, speaker=speaker,
                   where=where)
    if dry_run:
        result = _planned(root, data, options)
        result.dry_run = True
        return result
    created = _missing_dirs(root)
    root.mkdir(parents=True, exist_ok=True)
    try:
        authoring.recover(root, timeout)  # finish an interrupted change before planning over it
        lock = store.lock(root, timeout)
        try:
            with lock:
                result = _planned(root, data, options)
                for change in result.changes:
                    # New files are checked as they are created (store.create_all refuses a taken name).
                    if change.before is not None and authoring._read(change.path, root) != change.before:
                        raise KBError(f"{display_path(change.path)} changed while kb was working; nothing was written")
                _write(root, result.changes, f"kb import {command} {file.name}")
        except Timeout:
            raise KBError(f"another kb command is editing {display_path(root)}; try again") from None
    except BaseException:
        _remove_created(root, created)
        raise
    return result


def _missing_dirs(root: Path) -> list[Path]:
    """root and those of its parents that do not exist yet, innermost first."""
    missing = []
    for path in (root, *root.parents):
        if path.exists():
            break
        missing.append(path)
    return missing


def _remove_created(root: Path, created: list[Path]) -> None:
    """Undo the folders a failed import made (and the lock it left in them), never anything else."""
    if not created:
        return
    lock = root / LOCK_FILE
    if lock.is_file() and [p.name for p in root.iterdir()] == [LOCK_FILE]:
        lock.unlink()
    for path in created:
        try:
            path.rmdir()
        except OSError:
            break
