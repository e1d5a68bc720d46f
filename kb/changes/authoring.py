"""Changing the knowledge base without ever leaving it broken.

Every operation here works in three steps. It first computes the new text of
each file it would touch, editing existing files through ruamel.yaml's round
trip so that comments and layout survive. It then loads the knowledge base as
it would be after the change, in memory, and runs the same rules as
``kb check``; a change that would add an error is refused with those problems
and nothing is written. Only then does it write, under an exclusive lock on the
claims folder so that concurrent commands queue instead of overwriting each
other.

Each file is replaced atomically (temporary file, fsync, rename). A change that
spans files (``rename``, ``remove`` with ``cascade``) first writes a journal
holding every file's new text and the hash of its old one; if the process dies
half-way, ``kb check`` reports the journal and ``recover`` (run by every
editing command before anything else) finishes the change, refusing only if
someone has edited one of its files by hand in the meantime.

Errors the knowledge base already had do not block a change that leaves them
no worse, so that these commands can be used to repair it.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import unicodedata
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterator, Sequence

from filelock import FileLock
from pydantic import ValidationError
from ruamel.yaml.scalarstring import FoldedScalarString

from kb.data import cache as kbcache
from kb.data import canonical, parsing, roundtrip, settings, store
from kb.data.compiled import no_collection
from kb.rules import validate
from kb.data.errors import KBError, UnknownId
from kb.data.models import KINDS, MAX_ID_LEN, Node, is_valid_id
from kb.data.quotes import fold
from kb.rules.report import Problem
from kb.data.store import KnowledgeBase, display_path
from kb.data.suggest import closest, closest_named

LOCK_FILE = store.LOCK_FILE
LOCK_TIMEOUT = 30.0
RELATIONS = ("supports", "attacks")


class Refused(KBError):
    """A change that would add errors to the knowledge base; ``problems`` says which."""


@dataclass
class FileChange:
    path: Path
    before: str | None  # None: the file is created
    after: str | None  # None: the file is deleted


@dataclass
class Outcome:
    """What a command changed, or would change with ``dry_run``, for the CLI to report."""

    summary: str
    changes: list[FileChange]
    dry_run: bool = False
    node_id: str | None = None
    warnings: list[Problem] = field(default_factory=list)  # new warnings the change brings
    remaining_errors: int = 0  # errors already in the knowledge base, not caused by the change
    recovered: str | None = None  # an interrupted change finished before this one

    def diff(self) -> str:
        out = []
        for change in self.changes:
            name = display_path(change.path)
            out.extend(difflib.unified_diff(
                (change.before or "").splitlines(keepends=True), (change.after or "").splitlines(keepends=True),
                "/dev/null" if change.before is None else f"a/{name}",
                "/dev/null" if change.after is None else f"b/{name}",
            ))
        return "".join(out)


# --- ids ---------------------------------------------------------------------------------------

_ASCII_EXTRA = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ø": "o", "Ø": "o",
                              "đ": "d", "Đ": "d", "ł": "l", "Ł": "l", "þ": "th", "Þ": "th", "ð": "d",
                              "&": " and ", "'": "", "\u2019": "", "\u2018": ""})


def check_id(value: object, what: str = "id") -> str:
    """Refuse anything but a plain id, before it is used to build a path.

    An id becomes a file name, so ``..``, separators and absolute paths would
    let a command write outside the knowledge base; upper case would make ids
    differ only on case-sensitive file systems.
    """
    if not isinstance(value, str) or not value.strip():
        raise KBError(f"{what} is empty")
    if os.path.isabs(value) or "/" in value or "\\" in value or ".." in value:
        raise KBError(f"{what} '{value}' is refused: an id is a plain name, not a path")
    if value != value.lower():
        raise KBError(f"{what} '{value}' is refused: ids are lower case (try '{slugify(value)}')")
    if not is_valid_id(value):
        raise KBError(f"{what} '{value}' is not a valid id: lowercase letters, digits and single hyphens, "
                      f"at most {MAX_ID_LEN} characters")
    return value


def slugify(title: str, limit: int = MAX_ID_LEN) -> str:
    """An id from a title: ASCII, lower case, hyphens between words, cut at a word within limit.

    Accents are dropped (é -> e) and a few letters without a decomposition are
    spelt out (ß -> ss); a title with no Latin letters or digits at all gives
    ``node``.
    """
    ascii_text = unicodedata.normalize("NFKD", title.translate(_ASCII_EXTRA)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > limit:
        cut = slug[: limit + 1]
        slug = cut[: cut.rfind("-")] if "-" in cut else slug[:limit]
    return slug.strip("-") or "node"


def unique_id(base: str, taken) -> str:
    """base, or base-2, base-3, ... : the first not taken, shortened to stay within the id limit."""
    if base not in taken:
        return base
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = base[: MAX_ID_LEN - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
        n += 1


# --- sessions: lock, load, validate, write -------------------------------------------------------


@dataclass
class _State:
    root: Path
    kb: KnowledgeBase
    load_problems: list[Problem]
    files: dict[str, Path]  # every node file by id, including files that do not load
    recovered: str | None = None


def _lock(root: Path, timeout: float) -> FileLock:
    return store.lock(root, timeout)


def _writable_kb(root: Path) -> None:
    """Refuse, before locking or cleaning anything, a folder that is not a knowledge base."""
    if not store.looks_like_kb(root):
        raise KBError(f"{display_path(root)} is not a knowledge base (no {store.PEOPLE_FILE} or "
                      f"{store.SOURCES_FILE}); check --kb")


def _clean_stale(root: Path) -> None:
    for stale in store.stale_temp_files(root):
        stale.unlink(missing_ok=True)


@contextmanager
def _session(root: Path, dry_run: bool = False, timeout: float = LOCK_TIMEOUT, cache: bool = True,
             load: bool = True) -> Iterator[_State]:
    """Hold the lock (unless only looking), finish any interrupted change, and load.

    The load happens under the lock, so the state a change is computed from is
    the state it is written over. With ``cache``, files unchanged since the
    cache last saw them are not parsed again (:func:`kb.data.store.load` gives
    the same knowledge base either way): on a map of 10^4 nodes that is most of
    an edit's time. What the load adds to the cache is written only when the
    operation succeeds and is no dry run: a refused edit leaves every byte of
    the folder as it was. Without ``load``, only the lock is taken and an
    interrupted change finished: the state's map is empty.
    """
    root = Path(root)
    if not root.is_dir():
        raise KBError(f"knowledge-base folder {display_path(root)} not found")
    if not dry_run:
        _writable_kb(root)
    lock = None if dry_run else _lock(root, timeout)
    try:
        recovered = None
        if lock is not None:
            _clean_stale(root)
            recovered = _finish_pending(root)
        # The map read lives until the command is done, and the change is judged on it and on its copy:
        # collections would only rescan it (a third of an edit's time on 10^4 nodes).
        if not load:
            yield _State(root, KnowledgeBase(root=root), [], {}, recovered)
            return
        with no_collection():
            scanned = store.scan(root)
            opened = kbcache.open_held(root, cache)
            try:
                kb, problems = store.load(root, cache=opened, scanned=scanned)
                files = {}
                for path in scanned[0]:
                    files.setdefault(path.stem, path)
                yield _State(root, kb, problems, files, recovered)
                if opened is not None and not dry_run:
                    opened.flush()
            finally:
                if opened is not None:
                    opened.close()
    finally:
        if lock is not None:
            lock.release()


def _node_id(state: _State, value: str, what: str = "node") -> str:
    check_id(value, what)
    if value not in state.kb.nodes:
        if value in state.files:
            raise KBError(f"{what} '{value}' is in {display_path(state.files[value])}, which does not load; "
                          "fix it first (see kb check)")
        raise UnknownId(what, value, closest(value, state.kb.nodes))
    return value


def _person(state: _State, value: str, what: str = "person") -> str:
    check_id(value, what)
    if value not in state.kb.people:
        raise unknown_named(what, value, {i: p.name for i, p in state.kb.people.items()})
    return value


def _source(state: _State, value: str) -> str:
    check_id(value, "source")
    if value not in state.kb.sources:
        raise unknown_named("source", value, {i: s.title for i, s in state.kb.sources.items()})
    return value


def unknown_named(what: str, value: str, names: dict[str, str]) -> UnknownId:
    """An unknown person or source, with suggestions found by name or title as well as by id."""
    error = UnknownId(what, value, closest_named(value, names))
    register = (f"kb source add {value} --title ..." if what == "source" else f"kb person add {value} --name ...")
    if error.suggestions:
        shown = ", ".join(f"{i} ({names[i]})" if names[i] else i for i in error.suggestions)
        error.args = (f"unknown {what} '{value}' (did you mean {shown}?); a new one is registered with `{register}`",)
    else:
        error.args = (f"unknown {what} '{value}'; register it with `{register}`",)
    return error


def _key(p: Problem, renamed: dict[str, str]) -> tuple:
    return (renamed.get(p.path, p.path), p.code, p.message, p.severity)


def _after(state: _State, changes: list[FileChange]) -> tuple[KnowledgeBase, list[Problem], dict[str, str]]:
    """The knowledge base as it would be after the changes.

    Built in memory, so that a change is judged by the very rules of ``kb check``
    before a byte is written.
    """
    kb = state.kb
    new = replace(kb, nodes=dict(kb.nodes), paths=dict(kb.paths))
    touched = {display_path(c.path) for c in changes}
    load_problems = [p for p in state.load_problems if p.path not in touched]
    by_path = {os.path.normpath(p): node_id for node_id, p in kb.paths.items()}
    for change in changes:
        node_id = by_path.get(os.path.normpath(change.path))
        if node_id is not None:
            del new.nodes[node_id], new.paths[node_id]
    documents = {}
    for change in changes:
        if change.after is None:
            continue
        display = display_path(change.path)
        documents[display] = change.after
        node_id = change.path.stem
        if node_id in new.paths:
            load_problems.append(Problem(display, 1, 1, "duplicate-id",
                                         f"id '{node_id}' is also used by {display_path(new.paths[node_id])}"))
            continue
        node, errs = parsing.parse_node(change.after, display)
        if errs:
            load_problems.extend(errs)
            continue
        new.nodes[node_id] = node
        new.paths[node_id] = change.path
    return new, load_problems, documents


def _commit(state: _State, changes: list[FileChange], summary: str, dry_run: bool, command: str,
            node_id: str | None = None, renamed: dict[str, str] | None = None) -> Outcome:
    """Write the changes unless they add an error to the knowledge base.

    Problems are counted against the state before the change, so only what the
    change itself breaks refuses it: the knowledge base may already have errors,
    and these commands are one way to repair them.
    """
    renamed = renamed or {}
    scope = validate.Scope.of(state.kb)
    before = Counter(_key(p, renamed) for p in state.load_problems + validate.graph_problems(state.kb, scope)
                     + validate.lint_problems(state.kb, scope))
    kb, load_problems, documents = _after(state, changes)
    after = validate.problems_for(kb, load_problems, documents=documents, scope=scope.of_changed(kb))
    new: list[Problem] = []
    for problem in after:
        key = _key(problem, {})
        if before[key]:
            before[key] -= 1
        else:
            new.append(problem)
    new += parsing.locate(_new_quote_problems(state, kb, changes), documents)
    errors = [p for p in new if p.severity == "error"]
    if errors:
        raise Refused(f"{command}: refused, the change would add {len(errors)} error{'s' * (len(errors) != 1)}; "
                      "nothing was written", errors)
    outcome = Outcome(summary, changes, dry_run, node_id, [p for p in new if p.severity == "warning"],
                      sum(p.severity == "error" for p in after), state.recovered)
    if not dry_run:
        _write(state.root, changes, command)
    return outcome


def _new_quote_problems(state: _State, kb: KnowledgeBase, changes: list[FileChange]) -> list[Problem]:
    """Quotes the change writes that their source text, where it is at hand, does not contain.

    Only the nodes the change touches are searched, and a misquote that was
    already there (the same words, the same document) does not block the change.
    """
    written = {c.path.stem for c in changes if c.after is not None} & set(kb.nodes)
    if not written:
        return []
    by_path = {os.path.normpath(p): node_id for node_id, p in state.kb.paths.items()}
    previous = {by_path[os.path.normpath(c.path)] for c in changes if os.path.normpath(c.path) in by_path}
    docs = set()
    for node_id in written:
        node = kb.nodes[node_id]
        docs.add(node.source.document)
        docs.update(s.source or node.source.document for s in node.stances.values() if s.quote)
    texts = source_texts(state.root, kb, docs)
    if not texts:
        return []
    old = Counter(p.message for p in validate.quote_problems(state.kb, texts, only=previous))
    out = []
    for problem in validate.quote_problems(kb, texts, only=written):
        if old[problem.message]:
            old[problem.message] -= 1
        else:
            out.append(problem)
    return out


def source_texts(root: Path, kb: KnowledgeBase, docs) -> dict[str, str]:
    """Folded texts of those documents that the knowledge base's sources folder holds."""
    folders = settings.source_folders(root).folders
    texts = {}
    for doc in docs:
        source = kb.sources.get(doc)
        path = settings.find_text(source.file, folders) if source is not None and source.file else None
        if path is not None:
            try:
                texts[doc] = fold(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                continue
    return texts


def _sha(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read(path: Path, root: Path) -> str | None:
    """A file's current text, to compare with what a change was computed from; None when it is gone.

    Read as loading reads it (inside the knowledge base, a plain file, at most
    the size limit), so a change never reads a device or a file outside it.
    """
    try:
        text = store.read_regular(path, store.MAX_FILE_BYTES, root).decode("utf-8", errors="replace")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise KBError(f"cannot read {display_path(path)}: {exc.strerror or exc}") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _write(root: Path, changes: list[FileChange], command: str) -> None:
    for change in changes:
        # The lock keeps kb commands out, not an editor: refuse rather than
        # overwrite a file someone saved since it was read.
        if _read(change.path, root) != change.before:
            raise KBError(f"{display_path(change.path)} changed while kb was working on it; nothing was written; "
                          "try again")
    if len(changes) == 1:
        _apply(changes[0], root)
        return
    journal = {
        "version": 1,
        "command": command,
        "changes": [{"path": c.path.relative_to(root).as_posix(), "before": _sha(c.before), "after": c.after}
                    for c in changes],
    }
    store.write_atomic(root / store.PENDING_FILE, json.dumps(journal, ensure_ascii=False, indent=1) + "\n", root)
    for change in changes:
        _apply(change, root)
    store.remove_durable(root / store.PENDING_FILE, root)


def _apply(change: FileChange, root: Path) -> None:
    if change.after is None:
        store.remove_durable(change.path, root)
    elif change.before is None:
        try:
            store.create_exclusive(change.path, change.after, root)
        except FileExistsError:
            raise KBError(f"{display_path(change.path)} appeared while kb was working; nothing was written") from None
    else:
        store.write_atomic(change.path, change.after, root)


def _finish_pending(root: Path) -> str | None:
    """Finish a multi-file change that was interrupted; the command it came from, or None.

    The journal is read from the repository, so it is checked whole before
    anything is done (:func:`kb.data.store.read_journal`): a journal naming a file
    outside the knowledge base, or one kb never writes, is refused untouched.
    """
    journal_path = root / store.PENDING_FILE
    if not os.path.lexists(journal_path):
        return None
    try:
        command, entries = store.read_journal(root)
    except store.Refused as exc:
        raise KBError(f"{exc}; kb will not act on it: if no change was interrupted, delete "
                      f"{display_path(journal_path)}, else finish the change by hand and then delete it") from None
    todo = []
    for entry in entries:
        current = _sha(_read(entry.path, root))
        if current == _sha(entry.after):
            continue
        if current != entry.before:
            raise KBError(f"cannot finish the interrupted `{command}`: {display_path(entry.path)} was "
                          f"edited since; finish the change by hand, then delete {display_path(journal_path)}")
        todo.append(FileChange(entry.path, None, entry.after))
    for change in todo:
        if change.after is None:
            store.remove_durable(change.path, root)
        else:
            store.write_atomic(change.path, change.after, root)
    store.remove_durable(journal_path, root)
    return command


def recover(root: Path, timeout: float = LOCK_TIMEOUT) -> str | None:
    """Finish an interrupted multi-file change: the command it came from, or None if there was none."""
    with _session(root, timeout=timeout, load=False) as state:
        return state.recovered


# --- operations --------------------------------------------------------------------------------


def _edit(state: _State, node_id: str, change) -> FileChange:
    path = state.kb.paths[node_id]
    before = _read(path, state.root)
    if before is None:
        raise KBError(f"{display_path(path)} disappeared while kb was working; nothing was written")
    return FileChange(path, before, roundtrip.edit(before, change))


def _folder(state: _State, folder: str | None, document: str) -> Path:
    if folder is None:
        # By convention each source document has a folder of its own.
        default = state.root / document
        if default.is_dir() and not default.is_symlink():
            return default
        return state.root
    return store.node_folder(state.root, folder)


def add(root: Path, kind: str, title: str, text: str, speaker: str, document: str, quote: str | None = None,
        section: str | None = None, supports: Sequence[str] = (), attacks: Sequence[str] = (),
        tags: Sequence[str] = (), node_id: str | None = None, folder: str | None = None,
        note: str | None = None, presenter: str | None = None, dry_run: bool = False,
        timeout: float = LOCK_TIMEOUT, cache: bool = True) -> Outcome:
    """Create one node file in the canonical layout.

    Without node_id the id is the title's slug, made unique with -2, -3, ...
    Under the lock, two concurrent adds of the same title get distinct ids.
    """
    if kind not in KINDS:
        raise KBError(f"unknown kind '{kind}' (one of {', '.join(KINDS)})")
    if node_id is not None:
        check_id(node_id)
    for tag in tags:
        check_id(tag, "tag")
    with _session(root, dry_run, timeout, cache) as state:
        _person(state, speaker, "speaker")
        if presenter is not None:
            _person(state, presenter, "presenter")
        _source(state, document)
        for target in [*supports, *attacks]:
            _node_id(state, target, "target")
        if node_id is None:
            node_id = unique_id(slugify(title), state.files)
        elif node_id in state.files:
            raise KBError(f"id '{node_id}' is already used by {display_path(state.files[node_id])}")
        data = {
            "kind": kind, "title": title, "text": text, "speaker": speaker, "presenter": presenter,
            "source": {"document": document, "quote": quote or None, "section": section or None},
            "supports": list(supports), "attacks": list(attacks), "tags": list(tags), "note": note or None,
        }
        try:
            node = Node.model_validate(data)
        except ValidationError as exc:
            details = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_url=False))
            raise KBError(f"invalid node: {details}") from None
        path = _folder(state, folder, document) / f"{node_id}.yaml"
        change = FileChange(path, None, canonical.node_text(node, path, state.root))
        summary = f"added {kind} '{node_id}' in {display_path(path)}"
        outcome = _commit(state, [change], summary, dry_run, f"kb add {node_id}", node_id)
        # Only the new node is compared with the others: one row, not the whole matrix.
        with_new = replace(state.kb, nodes={**state.kb.nodes, node_id: node}, paths={**state.kb.paths, node_id: path})
        outcome.warnings += parsing.locate(validate.duplicate_problems(with_new, [node_id]),
                                         {display_path(path): change.after})
        return outcome


def _edge_index(seq, target: str) -> int | None:
    for i, item in enumerate(seq or []):
        if roundtrip.item_target(item) == target:
            return i
    return None


def argument_pairs(kb: KnowledgeBase) -> set[tuple[str, str]]:
    """Every (premise, conclusion) pair a support or attack declares, linked premises included.

    These are the inferences an undercut can name.
    """
    return {pair for pair, places in validate.declared_edges(kb).items()
            if any(relation in RELATIONS for relation, _, _ in places)}


def _nearest(value: str, pool: list[str], n: int = 2) -> list[str]:
    # A node has few edges: when none is spelt like the one given, all of them are the best hint.
    return closest(value, pool, n) or pool[:n]


def _no_edge(kb: KnowledgeBase, source_id: str, target_id: str) -> KBError:
    pairs = argument_pairs(kb)
    if (target_id, source_id) in pairs:
        return KBError(f"no support or attack from '{source_id}' to '{target_id}' to undercut "
                       f"(did you mean the edge from '{target_id}' to '{source_id}'?)")
    into = _nearest(source_id, sorted(s for s, t in pairs if t == target_id))
    out_of = _nearest(target_id, sorted(t for s, t in pairs if s == source_id))
    hints = [f"{s} {target_id}" for s in into] + [f"{source_id} {t}" for t in out_of]
    hint = f" (did you mean {', '.join(hints)}?)" if hints else ""
    return KBError(f"no support or attack from '{source_id}' to '{target_id}' to undercut{hint}")


def link(root: Path, source_id: str, relation: str, target_id: str, weight: float | None = None,
         note: str | None = None, premises: Sequence[str] = (), dry_run: bool = False,
         timeout: float = LOCK_TIMEOUT, cache: bool = True) -> Outcome:
    """Add a support or attack (linked when premises are given), or change one that exists.

    Premises given to an existing edge replace its ``with`` list: the argument
    is restated whole rather than patched premise by premise.
    """
    if relation not in RELATIONS:
        raise KBError(f"relation must be supports or attacks, not '{relation}'")
    with _session(root, dry_run, timeout, cache) as state:
        _node_id(state, source_id)
        _node_id(state, target_id, "target")
        for premise in premises:
            _node_id(state, premise, "premise")
        if len(set(premises)) != len(premises) or source_id in premises or target_id in premises:
            raise KBError("a linked argument names each premise once, and neither its own node nor its target")
        node = state.kb.nodes[source_id]
        other = RELATIONS[1 - RELATIONS.index(relation)]
        if any(e.target == target_id for e in node.edges(other)):
            raise KBError(f"'{source_id}' already {other[:-1]}s '{target_id}'; "
                          f"run `kb unlink {source_id} {target_id}` first")
        existing = next((e for e in node.edges(relation) if e.target == target_id), None)
        if existing is not None and (weight is None or weight == existing.weight) and (
                note is None or note == existing.note) and (not premises or list(premises) == existing.with_):
            raise KBError(f"'{source_id}' already {relation[:-1]}s '{target_id}'"
                          + (f" with {', '.join(existing.with_)}" if existing.with_ else ""))

        def change(data) -> None:
            seq = roundtrip.ensure_key(data, relation, roundtrip.new_seq)
            at = _edge_index(seq, target_id)
            if at is None:
                seq.append(roundtrip.edge_item(target_id, 1.0 if weight is None else weight, note, tuple(premises)))
                return
            item = seq[at]
            new_weight = existing.weight if weight is None else weight
            new_note = existing.note if note is None else note
            new_premises = tuple(premises) or tuple(existing.with_)
            if isinstance(item, str):
                seq[at] = roundtrip.edge_item(target_id, new_weight, new_note, new_premises)
                return
            if premises:
                item["with"] = roundtrip.flow_seq(premises)
            if weight is not None:
                item["weight"] = weight
            if note is not None:
                item["note"] = roundtrip.quoted(note)

        verb = "now" if existing is None else "still"
        summary = f"'{source_id}' {verb} {relation} '{target_id}'"
        if premises:
            summary += f" together with {', '.join(repr(p) for p in premises)}"
        if weight is not None and weight != 1.0:
            summary += f" (weight {weight:g})"
        return _commit(state, [_edit(state, source_id, change)], summary, dry_run,
                       f"kb link {source_id} {relation} {target_id}", source_id)


def undercut(root: Path, node_id: str, source_id: str, target_id: str, weight: float | None = None,
             note: str | None = None, dry_run: bool = False, timeout: float = LOCK_TIMEOUT,
             cache: bool = True) -> Outcome:
    """Make node_id dispute the inference from source_id to target_id, or change that undercut.

    Refused, with the nearest existing edges, when no support or attack runs
    from source_id to target_id: an undercut is about an inference the map makes.
    """
    with _session(root, dry_run, timeout, cache) as state:
        _node_id(state, node_id)
        _node_id(state, source_id, "source")
        _node_id(state, target_id, "target")
        if (source_id, target_id) not in argument_pairs(state.kb):
            raise _no_edge(state.kb, source_id, target_id)
        if node_id in (source_id, target_id):
            raise KBError(f"'{node_id}' cannot undercut an inference it is an end of")
        node = state.kb.nodes[node_id]
        existing = next((u for u in node.undercuts if (u.source, u.target) == (source_id, target_id)), None)
        if existing is not None and (weight is None or weight == existing.weight) and (
                note is None or note == existing.note):
            raise KBError(f"'{node_id}' already undercuts '{source_id}' -> '{target_id}'")

        def change(data) -> None:
            seq = roundtrip.ensure_key(data, "undercuts", roundtrip.new_seq)
            for item in seq:
                if isinstance(item, dict) and (item.get("source"), item.get("target")) == (source_id, target_id):
                    if weight is not None:
                        item["weight"] = weight
                    if note is not None:
                        item["note"] = roundtrip.quoted(note)
                    return
            seq.append(roundtrip.undercut_item(source_id, target_id, 1.0 if weight is None else weight, note))

        verb = "now" if existing is None else "still"
        summary = f"'{node_id}' {verb} undercuts '{source_id}' -> '{target_id}'"
        if weight is not None and weight != 1.0:
            summary += f" (weight {weight:g})"
        return _commit(state, [_edit(state, node_id, change)], summary, dry_run,
                       f"kb link {node_id} undercuts {source_id} {target_id}", node_id)


def restate(root: Path, node_id: str, other_id: str, dry_run: bool = False,
            timeout: float = LOCK_TIMEOUT, cache: bool = True) -> Outcome:
    """Record that node_id makes the same claim as other_id."""
    with _session(root, dry_run, timeout, cache) as state:
        _node_id(state, node_id)
        _node_id(state, other_id, "target")
        if other_id in state.kb.nodes[node_id].restates:
            raise KBError(f"'{node_id}' already restates '{other_id}'")

        def change(data) -> None:
            roundtrip.ensure_key(data, "restates", roundtrip.new_seq).append(other_id)

        return _commit(state, [_edit(state, node_id, change)], f"'{node_id}' now restates '{other_id}'", dry_run,
                       f"kb link {node_id} restates {other_id}", node_id)


def unlink(root: Path, source_id: str, target_id: str, premises: Sequence[str] = (), dry_run: bool = False,
           timeout: float = LOCK_TIMEOUT, cache: bool = True) -> Outcome:
    """Remove the support, attack or restatement from source_id to target_id, or some of its premises.

    The target need not exist: removing a dangling edge is how one is repaired.
    With premises, only those leave the linked argument; the edge stays.
    """
    check_id(target_id, "target")
    for premise in premises:
        check_id(premise, "premise")
    with _session(root, dry_run, timeout, cache) as state:
        _node_id(state, source_id)
        node = state.kb.nodes[source_id]
        relations = [r for r in RELATIONS if any(e.target == target_id for e in node.edges(r))]
        restated = target_id in node.restates
        if premises:
            edge = next((e for r in relations for e in node.edges(r) if e.target == target_id), None)
            missing = [p for p in premises if edge is None or p not in edge.with_]
            if missing:
                raise KBError(f"'{', '.join(missing)}' {'is' if len(missing) == 1 else 'are'} not a premise of "
                              f"the argument from '{source_id}' to '{target_id}'")
        if not relations and not restated:
            reverse = state.kb.nodes.get(target_id)
            hint = ""
            if reverse is not None and source_id in reverse.targets():
                hint = f" (but '{target_id}' links to '{source_id}': did you mean `kb unlink {target_id} {source_id}`?)"
            raise KBError(f"'{source_id}' has no edge to '{target_id}'{hint}")

        def change(data) -> None:
            for relation in relations:
                seq = data.get(relation)
                for i in reversed(range(len(seq or []))):
                    if roundtrip.item_target(seq[i]) != target_id:
                        continue
                    if premises:
                        _drop_premises(seq, i, set(premises))
                    else:
                        del seq[i]
                roundtrip.drop_if_empty(data, relation)
            if restated and not premises:
                _drop_ids(data, "restates", {target_id})

        if premises:
            summary = f"'{', '.join(premises)}' no longer {'a premise' if len(premises) == 1 else 'premises'} of " \
                      f"'{source_id}' -> '{target_id}'"
        else:
            summary = f"'{source_id}' no longer {' or '.join(relations + ['restates'] * restated)} '{target_id}'"
        return _commit(state, [_edit(state, source_id, change)], summary, dry_run,
                       f"kb unlink {source_id} {target_id}", source_id)


def remove_undercut(root: Path, node_id: str, source_id: str, target_id: str, dry_run: bool = False,
                    timeout: float = LOCK_TIMEOUT, cache: bool = True) -> Outcome:
    """Remove node_id's undercut of the edge from source_id to target_id (which need not exist)."""
    check_id(source_id, "source")
    check_id(target_id, "target")
    with _session(root, dry_run, timeout, cache) as state:
        _node_id(state, node_id)
        cuts = [(u.source, u.target) for u in state.kb.nodes[node_id].undercuts]
        if (source_id, target_id) not in cuts:
            hint = f" (it undercuts {', '.join(f'{s} {t}' for s, t in cuts)})" if cuts else ""
            raise KBError(f"'{node_id}' does not undercut '{source_id}' -> '{target_id}'{hint}")

        def change(data) -> None:
            seq = data.get("undercuts")
            for i in reversed(range(len(seq or []))):
                item = seq[i]
                if isinstance(item, dict) and (item.get("source"), item.get("target")) == (source_id, target_id):
                    del seq[i]
            roundtrip.drop_if_empty(data, "undercuts")

        return _commit(state, [_edit(state, node_id, change)],
                       f"'{node_id}' no longer undercuts '{source_id}' -> '{target_id}'", dry_run,
                       f"kb unlink {node_id} undercuts {source_id} {target_id}", node_id)


def stance(root: Path, person: str, node_id: str, credence: float, quote: str | None = None,
           source: str | None = None, note: str | None = None, dry_run: bool = False,
           timeout: float = LOCK_TIMEOUT, cache: bool = True) -> Outcome:
    """Record how strongly a person accepts a claim, keeping the rest of an existing stance.

    source names the document the quote comes from when it is not the node's
    own; it is left out when it is the node's own document.
    """
    with _session(root, dry_run, timeout, cache) as state:
        _person(state, person)
        _node_id(state, node_id)
        if source is not None:
            _source(state, source)
            if source == state.kb.nodes[node_id].source.document:
                source = None
        extra = {k: v for k, v in (("quote", quote), ("source", source), ("note", note)) if v is not None}

        def change(data) -> None:
            stances = roundtrip.ensure_key(data, "stances", roundtrip.new_map)
            current = stances.get(person)
            if not isinstance(current, dict) and not extra:
                stances[person] = credence
                return
            if not isinstance(current, dict):
                current = roundtrip.new_map()
                stances[person] = current
            current["credence"] = credence
            for key, value in extra.items():
                current[key] = value if key == "source" else roundtrip.quoted(value)

        summary = f"'{person}' holds '{node_id}' at {credence:g}"
        if source is not None:
            summary += f" (quoted from '{source}')"
        return _commit(state, [_edit(state, node_id, change)], summary, dry_run,
                       f"kb stance {person} {node_id}", node_id)


# --- references: what rm refuses over and mv rewrites ---------------------------------------------


def _orphaned_inferences(kb: KnowledgeBase, node_id: str) -> set[tuple[str, str]]:
    """Inferences not naming node_id that exist only through its file (premises of its linked arguments).

    Removing node_id removes them too, so undercuts of them would be left dangling.
    """
    node = kb.nodes.get(node_id)
    if node is None:
        return set()
    rest = replace(kb, nodes={k: v for k, v in kb.nodes.items() if k != node_id})
    theirs = {(p, e.target) for r in RELATIONS for e in node.edges(r) for p in e.with_}
    return theirs - argument_pairs(rest)


def referrers(kb: KnowledgeBase, node_id: str) -> list[tuple[str, str]]:
    """Every (node, how) whose file names node_id: what removing node_id would leave dangling.

    ``how`` says in words which reference it is: an edge to it, a linked
    premise, an undercut of an inference it is an end of (or that lives only in
    its file), a restatement.
    """
    gone = _orphaned_inferences(kb, node_id)
    out = []
    for other, node in kb.nodes.items():
        if other == node_id:
            continue
        for relation in RELATIONS:
            for edge in node.edges(relation):
                if edge.target == node_id:
                    out.append((other, relation))
                elif node_id in edge.with_:
                    out.append((other, f"premise of its {relation[:-1]} of {edge.target}"))
        for cut in node.undercuts:
            if node_id in (cut.source, cut.target) or (cut.source, cut.target) in gone:
                out.append((other, f"undercuts {cut.source} -> {cut.target}"))
        if node_id in node.restates:
            out.append((other, "restates"))
    return out


def _drop_premises(seq, index: int, drop: set[str]) -> None:
    item = seq[index]
    premises = item.get("with") if isinstance(item, dict) else None
    if not premises:
        return
    for j in reversed(range(len(premises))):
        if str(premises[j]) in drop:
            del premises[j]
    if not premises:
        del item["with"]


def _drop_ids(data, key: str, drop: set[str]) -> None:
    seq = data.get(key)
    for i in reversed(range(len(seq or []))):
        if str(seq[i]) in drop:
            del seq[i]
    roundtrip.drop_if_empty(data, key)


def _rename_id(value, old: str, new: str):
    return type(value)(new) if isinstance(value, str) and str(value) == old else value  # keeps quoting


def _retarget(node_id: str, new_id: str | None, dropped_inferences: set[tuple[str, str]] = frozenset()):
    """An edit that points every reference to node_id at new_id, or drops it (new_id None).

    References are edge targets, linked premises, both ends of undercuts and
    restatements. Dropping a premise leaves the rest of its argument standing.
    """

    def change(data) -> None:
        for relation in RELATIONS:
            seq = data.get(relation)
            for i in reversed(range(len(seq or []))):
                item = seq[i]
                if roundtrip.item_target(item) == node_id:
                    if new_id is None:
                        del seq[i]
                    elif isinstance(item, str):
                        seq[i] = _rename_id(item, node_id, new_id)
                    else:
                        item["target"] = new_id
                    continue
                premises = item.get("with") if isinstance(item, dict) else None
                if premises and node_id in map(str, premises):
                    if new_id is None:
                        _drop_premises(seq, i, {node_id})
                    else:
                        for j, premise in enumerate(premises):
                            premises[j] = _rename_id(premise, node_id, new_id)
            roundtrip.drop_if_empty(data, relation)
        cuts = data.get("undercuts")
        for i in reversed(range(len(cuts or []))):
            item = cuts[i]
            if not isinstance(item, dict):
                continue
            ends = (str(item.get("source")), str(item.get("target")))
            if new_id is None and (node_id in ends or ends in dropped_inferences):
                del cuts[i]
            elif new_id is not None:
                for key in ("source", "target"):
                    if str(item.get(key)) == node_id:
                        item[key] = _rename_id(item[key], node_id, new_id)
        roundtrip.drop_if_empty(data, "undercuts")
        if new_id is None:
            _drop_ids(data, "restates", {node_id})
        else:
            seq = data.get("restates")
            for i in range(len(seq or [])):
                seq[i] = _rename_id(seq[i], node_id, new_id)

    return change


def _describe(pointing: list[tuple[str, str]]) -> str:
    return ", ".join(f"{other} ({how})" for other, how in pointing)


def remove(root: Path, node_id: str, cascade: bool = False, dry_run: bool = False,
           timeout: float = LOCK_TIMEOUT, cache: bool = True) -> Outcome:
    """Delete a node; refused while anything refers to it, unless cascade removes those references too."""
    check_id(node_id)
    with _session(root, dry_run, timeout, cache) as state:
        if node_id not in state.files:
            raise UnknownId("node", node_id, closest(node_id, state.files))
        pointing = referrers(state.kb, node_id)
        if pointing and not cascade:
            raise KBError(f"'{node_id}' is still linked from {_describe(pointing)}; remove those references "
                          "first, or use --cascade to remove them with it")
        gone = _orphaned_inferences(state.kb, node_id)
        changes = [_edit(state, other, _retarget(node_id, None, gone))
                   for other in dict.fromkeys(o for o, _ in pointing)]
        path = state.files[node_id]
        changes.append(FileChange(path, _read(path, state.root), None))
        summary = f"removed '{node_id}' ({display_path(path)})"
        if pointing:
            summary += f" and {len(pointing)} reference{'s' * (len(pointing) != 1)} to it"
        return _commit(state, changes, summary, dry_run, f"kb rm {'--cascade ' * cascade}{node_id}")


def rename(root: Path, old_id: str, new_id: str, folder: str | None = None, dry_run: bool = False,
           timeout: float = LOCK_TIMEOUT, cache: bool = True) -> Outcome:
    """Give a node a new id and/or folder: move its file and rewrite every reference to it.

    new_id may equal old_id when only the folder changes.
    """
    check_id(new_id, "new id")
    with _session(root, dry_run, timeout, cache) as state:
        _node_id(state, old_id)
        old_path = state.kb.paths[old_id]
        target_dir = old_path.parent if folder is None else _folder(state, folder, "")
        new_path = target_dir / f"{new_id}.yaml"
        if new_id != old_id and new_id in state.files:
            raise KBError(f"id '{new_id}' is already used by {display_path(state.files[new_id])}")
        if os.path.normpath(new_path) == os.path.normpath(old_path):
            raise KBError(f"'{old_id}' is already {display_path(old_path)}")
        original = _read(old_path, state.root)
        text = original
        if state.kb.nodes[old_id].id is not None and new_id != old_id:
            text = roundtrip.edit(original, lambda data: data.__setitem__("id", new_id))
        text = canonical.repoint_schema(text, new_path, state.root)
        pointing = [] if new_id == old_id else list(dict.fromkeys(o for o, _ in referrers(state.kb, old_id)))
        changes = [FileChange(new_path, None, text)]
        changes += [_edit(state, other, _retarget(old_id, new_id)) for other in pointing]
        changes.append(FileChange(old_path, original, None))
        renamed = {display_path(old_path): display_path(new_path)}
        if new_id == old_id:
            summary = f"moved '{old_id}' to {display_path(new_path)}"
        else:
            summary = f"renamed '{old_id}' to '{new_id}' ({display_path(new_path)})"
        if pointing:
            summary += f"; updated {len(pointing)} file{'s' * (len(pointing) != 1)} that refer to it"
        return _commit(state, changes, summary, dry_run, f"kb mv {old_id} {new_id}", new_id, renamed)


@dataclass
class FormatResult:
    changed: list[Path]  # files rewritten, or that would be with check
    problems: list[Problem]  # files left alone because they do not load or cannot keep their comments


def fmt(root: Path, paths: Sequence[Path] | None = None, check: bool = False,
        timeout: float = LOCK_TIMEOUT) -> FormatResult:
    """Rewrite node files into the canonical layout (see kb.data.canonical), keeping their comments.

    paths limits the work to those files; paths that are not node files of this
    knowledge base (a registry, a file elsewhere) are skipped, so a pre-commit
    hook can pass every staged YAML file.
    """
    root = Path(root)
    if not root.is_dir():
        raise KBError(f"knowledge-base folder {display_path(root)} not found")
    schema_dir = canonical.find_schema_dir(root)
    if not check:
        _writable_kb(root)
    lock = None if check else _lock(root, timeout)
    try:
        if lock is not None:
            _clean_stale(root)
            # Reformatting a file an interrupted change still has to rewrite
            # would make that change impossible to finish.
            _finish_pending(root)
        files = store.node_files(root)
        if paths is not None:
            wanted = {os.path.realpath(p) for p in paths}
            files = [f for f in files if os.path.realpath(f) in wanted]
        changed, problems = [], []
        for path in files:
            display = display_path(path)
            if not is_valid_id(path.stem):
                problems.append(Problem(display, 1, 1, "bad-id", f"file name '{path.name}' is not a valid id"))
                continue
            original, errs = _read_for_format(path, display, root)
            node = None
            if not errs:
                node, errs = parsing.parse_node(original, display)
            if errs:
                problems.extend(parsing.locate(errs, {display: original} if original is not None else None))
                continue
            text = canonical.format_text(original, node, path, root, schema_dir)
            if text is None:
                problems.append(Problem(display, 1, 1, "cannot-format",
                                        "the canonical layout cannot keep this file's comments; left as it is"))
                continue
            if text != original:
                changed.append(path)
                if not check:
                    store.write_atomic(path, text, root)
        return FormatResult(changed, problems)
    finally:
        if lock is not None:
            lock.release()


def _read_for_format(path: Path, display: str, root: Path) -> tuple[str | None, list[Problem]]:
    # Line endings are compared as read: a CRLF file is in the canonical layout
    # when its lines are, and a rewrite keeps it CRLF (see kb.data.store.write_atomic).
    try:
        return store.read_text(path, store.MAX_FILE_BYTES, root), []
    except store.Refused as exc:
        return None, [Problem(display, 1, 1, exc.code, str(exc))]
    except OSError as exc:
        return None, [Problem(display, 1, 1, "io", f"cannot read file: {exc.strerror or exc}")]
    except UnicodeDecodeError:
        return None, [Problem(display, 1, 1, "encoding", "file is not valid UTF-8")]


# --- cheap look-ups for prompts and shell completion -------------------------------------------


def node_ids(root: Path) -> list[str]:
    """Every node id, from file names alone: fast enough to run on each key press."""
    return sorted({p.stem for p in store.node_files(Path(root))})


def _registry(root: Path, name: str, label: str) -> dict[str, str]:
    path = Path(root) / name
    data, errs = parsing.parse_yaml(path, name, Path(root)) if os.path.lexists(path) else (None, [])
    if errs or not isinstance(data, list):
        return {}
    return {str(e["id"]): str(e.get(label) or "") for e in data if isinstance(e, dict) and e.get("id")}


def people(root: Path) -> dict[str, str]:
    """Person id -> name, read straight from people.yaml."""
    return _registry(root, store.PEOPLE_FILE, "name")


def sources(root: Path) -> dict[str, str]:
    """Source id -> title, read straight from sources.yaml."""
    return _registry(root, store.SOURCES_FILE, "title")


# --- changing a node's fields ------------------------------------------------------------------

SETTABLE = ("title", "text", "kind", "speaker", "presenter", "document", "quote", "section", "note")
CLEARABLE = ("presenter", "quote", "section", "note")  # an empty value removes them


def _folded(text: str):
    """text as a ``>-`` block folded like the canonical layout, or double-quoted when it cannot be."""
    lines = canonical.folded(text, canonical.INDENT)
    if lines is None:
        return roundtrip.quoted(text)
    value = FoldedScalarString(text)
    positions, at = [], -1
    for line in lines[:-1]:
        at += len(line) - len(canonical.INDENT) + 1
        positions.append(at)
    value.fold_pos = positions
    return value


def set_fields(root: Path, node_id: str, values: dict[str, str], add_tags: Sequence[str] = (),
               remove_tags: Sequence[str] = (), dry_run: bool = False, timeout: float = LOCK_TIMEOUT,
               cache: bool = True) -> Outcome:
    """Change some of a node's fields in place, keeping the rest of its file as it is.

    values maps names in SETTABLE to new values; an empty string removes a
    field that may be absent (CLEARABLE). People, sources and the kind are
    checked first, everything else by the same rules as kb check.
    """
    unknown = set(values) - set(SETTABLE)
    if unknown:
        raise KBError(f"cannot set {', '.join(sorted(unknown))} (settable: {', '.join(SETTABLE)})")
    for name, value in values.items():
        if value == "" and name not in CLEARABLE:
            raise KBError(f"{name} cannot be empty")
    if "kind" in values and values["kind"] not in KINDS:
        raise KBError(f"unknown kind '{values['kind']}' (one of {', '.join(KINDS)})")
    for tag in [*add_tags, *remove_tags]:
        check_id(tag, "tag")
    if not values and not add_tags and not remove_tags:
        raise KBError("nothing to change: give at least one of --title, --text, --quote, ... --tag, --untag")
    with _session(root, dry_run, timeout, cache) as state:
        _node_id(state, node_id)
        node = state.kb.nodes[node_id]
        if values.get("speaker"):
            _person(state, values["speaker"], "speaker")
        if values.get("presenter"):
            _person(state, values["presenter"], "presenter")
        if values.get("document"):
            _source(state, values["document"])
        missing = [t for t in remove_tags if t not in node.tags]
        if missing:
            raise KBError(f"'{node_id}' has no tag {', '.join(missing)}" + (f" (its tags: {', '.join(node.tags)})"
                                                                          if node.tags else ""))
        current = {"title": node.title, "text": node.text, "kind": node.kind, "speaker": node.speaker,
                   "presenter": node.presenter or "", "document": node.source.document,
                   "quote": node.source.quote or "", "section": node.source.section or "", "note": node.note or ""}
        changed = {k: v for k, v in values.items() if current[k] != v}
        new_tags = [t for t in add_tags if t not in node.tags]
        if not changed and not new_tags and not remove_tags:
            raise KBError(f"'{node_id}' already has those values; nothing to change")

        def change(data) -> None:
            for name, value in changed.items():
                if name in ("document", "quote", "section"):
                    source = data["source"]
                    key = name
                    if value == "":
                        source.pop(key, None)
                    elif key == "document":
                        source[key] = value
                    elif key in source:
                        source[key] = roundtrip.quoted(value)
                    else:  # section before quote, as the canonical layout has it
                        at = len(source) if key == "quote" or "quote" not in source else list(source).index("quote")
                        source.insert(at, key, roundtrip.quoted(value))
                elif value == "":
                    data.pop(name, None)
                elif name == "text":
                    data["text"] = _folded(value)
                elif name in ("kind", "speaker", "presenter"):
                    if name in data:
                        data[name] = value
                    else:
                        roundtrip.ensure_key(data, name, lambda: value)
                        data[name] = value
                else:
                    if name in data:
                        data[name] = roundtrip.quoted(value)
                    else:
                        roundtrip.ensure_key(data, name, lambda: None)
                        data[name] = roundtrip.quoted(value)
            if new_tags or remove_tags:
                tags = roundtrip.ensure_key(data, "tags", lambda: roundtrip.flow_seq([]))
                for i in reversed(range(len(tags))):
                    if str(tags[i]) in remove_tags:
                        del tags[i]
                tags.extend(new_tags)
                roundtrip.drop_if_empty(data, "tags")

        said = [f"{'source' if k == 'document' else k} {'removed' if v == '' else 'set'}" for k, v in changed.items()]
        said += [f"tag {t} added" for t in new_tags] + [f"tag {t} removed" for t in remove_tags]
        summary = f"'{node_id}': " + ", ".join(said)
        return _commit(state, [_edit(state, node_id, change)], summary, dry_run, f"kb set {node_id}", node_id)


def tags(root: Path) -> list[str]:
    """Every tag in use, read with a line scan rather than a full load: fast enough for completion."""
    found: set[str] = set()
    for path in store.node_files(Path(root)):
        try:
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                if line.startswith("tags:"):
                    found.update(t.strip().strip("'\"") for t in line[5:].strip().strip("[]").split(",") if t.strip())
        except OSError:
            continue
    return sorted(t for t in found if is_valid_id(t))
