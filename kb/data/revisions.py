"""A knowledge base as it was at a git revision, read straight from git's object store.

No worktree and no checkout: the tree of the claims folder is listed with
``git ls-tree`` and every blob is read through one ``git cat-file --batch``
process, then parsed in memory by the same loader rules as the working tree.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path, PurePosixPath

from pydantic import ValidationError

from kb.data import parsing, store
from kb.data.errors import KBError
from kb.data.models import Node, Person, Source, is_valid_id
from kb.data.store import KnowledgeBase

WORKING_TREE = None  # the revision that means "the files on disk"


def _git(cwd: Path, *args: str, data: bytes | None = None) -> bytes:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, input=data, capture_output=True, timeout=120)
    except FileNotFoundError:
        raise KBError("kb diff reads revisions with git, which is not installed") from None
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise KBError(f"git {' '.join(args[:2])}: {message[-1] if message else 'failed'}")
    return proc.stdout


def repository(root: Path) -> tuple[Path, str]:
    """The repository's top folder and the knowledge base's path inside it (POSIX, '' at the top)."""
    root = Path(root)
    if not root.is_dir():
        raise KBError(f"knowledge-base folder {store.display_path(root)} not found")
    try:
        top = Path(_git(root, "rev-parse", "--show-toplevel").decode().strip())
    except KBError:
        raise KBError(f"{store.display_path(root)} is not in a git repository; kb diff compares git revisions") from None
    prefix = os.path.relpath(os.path.realpath(root), os.path.realpath(top))
    return top, "" if prefix == "." else PurePosixPath(Path(prefix)).as_posix()


def files_at(root: Path, rev: str) -> dict[str, str]:
    """Every file under the knowledge-base folder at rev: path relative to that folder -> text."""
    top, prefix = repository(root)
    commit = _git(top, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").decode().strip()
    listing = _git(top, "ls-tree", "-r", "-z", "--full-tree", commit, "--", prefix or ".")
    entries = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        mode, kind, sha = meta.split()
        if kind != b"blob":
            continue
        relative = os.path.relpath(path.decode("utf-8", "replace"), prefix or ".")
        entries.append((PurePosixPath(Path(relative)).as_posix(), sha.decode()))
    out = _git(top, "cat-file", "--batch", data="".join(f"{sha}\n" for _, sha in entries).encode())
    texts, pos = {}, 0
    for relative, sha in entries:
        header_end = out.index(b"\n", pos)
        size = int(out[pos:header_end].split()[2])
        body = out[header_end + 1: header_end + 1 + size]
        pos = header_end + 1 + size + 1
        if size <= store.MAX_FILE_BYTES:
            texts[relative] = body.decode("utf-8", "replace")
    return texts


def _registry(text: str | None, model, display: str) -> dict:
    data, errs = parsing.parse_text(text, display) if text else (None, [])
    items = {}
    for entry in data if isinstance(data, list) else []:
        try:
            item = model.model_validate(entry)
        except ValidationError:
            continue
        items.setdefault(item.id, item)
    return items


def files_on_disk(root: Path) -> dict[str, str]:
    """The working tree's registries and node files, as files_at gives a revision's."""
    root = Path(root)
    out = {}
    for path in [root / name for name in store.REGISTRIES] + store.node_files(root):
        try:
            if path.stat().st_size <= store.MAX_FILE_BYTES:
                out[PurePosixPath(path.relative_to(root)).as_posix()] = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
    return out


def load_at(root: Path, rev: str | None, cache: dict[str, Node | None] | None = None) -> tuple[KnowledgeBase, int]:
    """The knowledge base at rev (None: the working tree) and how many of its node files do not load.

    cache maps a file's text to its parsed node: between two revisions most
    files are the same, and each is parsed once.
    """
    root = Path(root)
    texts = files_on_disk(root) if rev is WORKING_TREE else files_at(root, rev)
    cache = {} if cache is None else cache
    kb = KnowledgeBase(root=root)
    kb.people = _registry(texts.get(store.PEOPLE_FILE), Person, store.PEOPLE_FILE)
    kb.sources = _registry(texts.get(store.SOURCES_FILE), Source, store.SOURCES_FILE)
    broken = 0
    for relative in sorted(texts):
        parts = PurePosixPath(relative).parts
        if not relative.endswith(".yaml") or relative in store.REGISTRIES or any(p.startswith(".") for p in parts):
            continue
        node_id = PurePosixPath(relative).stem
        text = texts[relative]
        if text not in cache:
            cache[text] = _parse(text, relative)
        node = cache[text]
        if node is None or not is_valid_id(node_id) or node_id in kb.nodes:
            broken += 1
            continue
        kb.nodes[node_id] = node
        kb.paths[node_id] = root.joinpath(*parts)
    kb.files = len(kb.nodes) + 2
    return kb, broken


def _parse(text: str, display: str) -> Node | None:
    data, errs = parsing.parse_text(text, display)
    if errs or not isinstance(data, dict):
        return None
    try:
        return Node.model_validate(data)
    except ValidationError:
        return None


def diff(root: Path, old: str | None = "HEAD", new: str | None = WORKING_TREE, threshold: float | None = None,
         top: int | None = None):
    """The knowledge base at old against new (None: the working tree): structure and analysis."""
    from kb.analysis import diffing

    cache: dict[str, Node | None] = {}
    a, broken_a = load_at(root, old, cache)
    b, broken_b = load_at(root, new, cache)
    entries = diffing.structural(a, b)
    return diffing.Report(
        old or "working tree", new or "working tree", entries,
        diffing.analysis(a, b, diffing.THRESHOLD if threshold is None else threshold,
                         diffing.CRUX_TOP if top is None else top, diffing.renames(entries)),
        broken_a, broken_b)
