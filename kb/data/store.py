"""Reading and writing the knowledge base on disk.

Loading never raises on bad input: every file's problems are collected so that
one run reports all of them. YAML goes through the safe loader only (libyaml's C
loader when present), with aliases, unknown tags and duplicate keys refused.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.data.errors import KBError
from kb.data.kinds import is_valid_id
from kb.rules.report import Problem

if TYPE_CHECKING:
    from filelock import FileLock

    from kb.data.models import Node, Person, Source

MAX_FILE_BYTES = 1 << 20
PEOPLE_FILE = "people.yaml"
SOURCES_FILE = "sources.yaml"
REGISTRIES = (PEOPLE_FILE, SOURCES_FILE)
SCHEMA_COMMENT = "# yaml-language-server: $schema="
# Written before a change that spans several files and removed once it is done,
# so that an interrupted change can be finished (see kb.changes.authoring).
PENDING_FILE = ".kb-pending.json"
# Taken by every writer, so that concurrent commands queue.
LOCK_FILE = ".kb.lock"

def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Refused(KBError):
    """A path or file the knowledge base must not touch; ``code`` is the problem code to report."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def _real(path: Path | str) -> str:
    return os.path.realpath(path)


def is_inside(real_root: str, real_path: str) -> bool:
    """Whether a resolved path is the resolved root or lies under it."""
    return real_path == real_root or real_path.startswith(real_root.rstrip(os.sep) + os.sep)


def check_inside(root: Path, path: Path, *, follow: bool = True) -> None:
    """Refuse a path that leads out of root once symbolic links are resolved.

    With ``follow`` the path itself is resolved (for reading, and for writing
    through it); without, only its folder is (the path is replaced or deleted,
    not followed, so a link there is harmless).
    """
    real_root = _real(root)
    real = _real(path) if follow else os.path.join(_real(Path(path).parent), Path(path).name)
    if not is_inside(real_root, real):
        raise Refused("outside-kb", f"{display_path(Path(path))} leads outside {display_path(Path(root))} "
                      "(through a symbolic link); kb does not read or write there")


def read_regular(path: Path, limit: int = MAX_FILE_BYTES, root: Path | None = None, walked: bool = False) -> bytes:
    """The bytes of a regular file no larger than limit, or :class:`Refused` / OSError saying why not.

    The checks are made on the open file, not on its name: a link to
    ``/dev/zero`` reports a size of 0 and a FIFO would block the read forever.
    With root, the file must lie inside it once links are resolved, judged by
    the file actually opened where the platform can say which that is.

    ``walked`` says the file was found by :func:`scan`, which never follows a
    folder link: then only the file itself can lead out, and when it is not a
    link it is opened with O_NOFOLLOW (so it cannot become one in between)
    instead of resolving its whole path, which loading thousands of files
    would pay for.
    """
    path = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    confirm = root is not None
    if root is not None:
        if walked and getattr(os, "O_NOFOLLOW", 0) and not os.path.islink(path):
            flags |= os.O_NOFOLLOW
            confirm = False
        else:
            check_inside(root, path)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Refused("not-a-file", f"{display_path(path)} is not a regular file ({_file_kind(info.st_mode)})")
        if confirm and os.path.isdir("/proc/self/fd"):
            try:
                opened = os.readlink(f"/proc/self/fd/{fd}")
            except OSError:
                opened = None
            if opened is not None and not is_inside(_real(root), opened):
                raise Refused("outside-kb", f"{display_path(path)} leads outside {display_path(Path(root))}")
        if info.st_size > limit:
            raise Refused("too-large", f"file is {info.st_size} bytes; the limit is {limit} ({_size(limit)})")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 16, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise Refused("too-large", f"file is over the limit of {limit} bytes ({_size(limit)})")
        return b"".join(chunks)
    finally:
        os.close(fd)


def _size(limit: int) -> str:
    return f"{limit >> 20} MiB" if limit >= 1 << 20 else f"{limit} bytes"


def _file_kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a device"),
                       (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a plain file"


def read_text(path: Path, limit: int = MAX_FILE_BYTES, root: Path | None = None) -> str:
    """A regular file's text (UTF-8, line endings as Python's text mode reads them), checked like :func:`read_regular`.

    Raises :class:`Refused` or OSError; UnicodeDecodeError for a file that is not UTF-8.
    """
    text = read_regular(path, limit, root).decode("utf-8")
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


# Source documents are whole transcripts and posts, far larger than a node file.
MAX_SOURCE_BYTES = 32 << 20


def read_source_text(sources_dir: Path, name: str) -> str:
    """The text of a source document named in sources.yaml, read only from inside sources_dir.

    The name comes from the repository: an absolute path, ``..`` or a link
    leading out (``file: /dev/zero``) is refused like any file outside the
    knowledge base. Raises :class:`Refused`, OSError or UnicodeDecodeError.
    """
    return read_text(Path(sources_dir) / name, MAX_SOURCE_BYTES, Path(sources_dir))


@dataclass
class KnowledgeBase:
    """Everything loaded from a claims folder, plus where each item came from."""

    root: Path
    nodes: dict[str, Node] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    files: int = 0


def display_path(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # a different drive on Windows
        return str(path)


def node_files(root: Path) -> list[Path]:
    """Every node file under root, in a stable order (hidden folders skipped)."""
    return scan(root)[0]


def scan(root: Path) -> tuple[list[Path], list[Problem]]:
    """Every node file under root, and a problem for each thing the walk leaves out that may hold nodes.

    Hidden files and folders are kb's own or other tools' (``.git``) and are
    passed over in silence; a folder that cannot be read, a link to a folder
    (not followed: it could lead anywhere, or round in a circle) and a ``.yml``
    file are reported, so that "no problems" never hides a missing node.
    """
    root = Path(root)
    names, problems = scan_names(root)
    return [root / name for name in names], problems


def scan_names(root: Path) -> tuple[list[str], list[Problem]]:
    """:func:`scan`'s files as paths relative to root (text), in the same order, with the same problems.

    A command answered from the cache only needs to know which files exist and
    whether they changed; making a ``Path`` of each of 10^4 files costs more
    than the walk itself.
    """
    root_text = str(root)
    found: list[str] = []
    problems: list[Problem] = []
    real_root = _real(root)

    def unreadable(exc: OSError) -> None:
        where = Path(exc.filename) if exc.filename else Path(root)
        problems.append(Problem(display_path(where), 1, 1, "io", f"cannot read folder: {exc.strerror or exc}"))

    for dirpath, dirnames, filenames in os.walk(root_text, onerror=unreadable):
        top = dirpath == root_text
        prefix = "" if top else dirpath[len(root_text):].lstrip(os.sep) + os.sep
        kept = []
        for name in sorted(dirnames):
            if name.startswith("."):
                continue
            folder = os.path.join(dirpath, name)
            if os.path.islink(folder):
                display = display_path(Path(folder))
                if not is_inside(real_root, _real(folder)):
                    problems.append(Problem(display, 1, 1, "outside-kb", "a link to a folder outside the "
                                            "knowledge base; kb does not read it"))
                else:
                    problems.append(Problem(display, 1, 1, "skipped", "a link to a folder; kb does not follow "
                                            "folder links, so the nodes in it are not read", "warning"))
                continue
            kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            if name.endswith(".yaml"):
                if not (top and name in REGISTRIES):
                    found.append(prefix + name)
            elif name.endswith(".yml"):
                problems.append(Problem(display_path(Path(dirpath, name)), 1, 1, "skipped",
                                        "not read: node files end in .yaml", "warning"))
    return found, problems


def relative_to(path: Path, root: Path) -> str:
    """A scanned file's path inside root, without the cost of os.path.relpath for each of thousands."""
    text, head = str(path), str(root).rstrip(os.sep) + os.sep
    # pathlib drops a leading "./", so files under root "." do not start with it
    return text[len(head):] if text.startswith(head) else os.path.relpath(text, root)


def _load_registry(path: Path, model, kb_items: dict, code: str, problems: list[Problem]) -> None:
    from pydantic import ValidationError

    from kb.data.parsing import _describe, _loc_problem, parse_yaml, validation_problems

    display = display_path(path)
    if not os.path.lexists(path):
        problems.append(Problem(display, 1, 1, "missing-registry", f"{path.name} is missing"))
        return
    data, errs = parse_yaml(path, display, path.parent)
    if errs:
        problems.extend(errs)
        return
    if not isinstance(data, list):
        problems.append(_loc_problem(display, "not-a-list", f"expected a list of entries, got {_describe(data)}"))
        return
    item_model = model.model_fields["root"].annotation.__args__[0]
    for i, entry in enumerate(data):
        try:
            item = item_model.model_validate(entry)
        except ValidationError as exc:
            for p in validation_problems(display, exc, entry):
                problems.append(Problem(p.path, 0, 0, p.code, f"entry {i + 1}: {p.message}", p.severity, (i, *p.loc)))
            continue
        if item.id in kb_items:
            problems.append(_loc_problem(display, code, f"'{item.id}' is listed twice", (i, "id")))
            continue
        kb_items[item.id] = item


def load_sources(root: Path, kb: KnowledgeBase) -> None:
    """Fill in ``kb.sources`` from the registry alone (problems are left to a full load)."""
    from kb.data.models import SourcesFile

    _load_registry(Path(root) / SOURCES_FILE, SourcesFile, kb.sources, "duplicate-source", [])


PARALLEL_MIN_FILES = 2000


def _parse_item(item: tuple[Path, str, Path]) -> tuple[Any, list[Problem]]:
    from kb.data.parsing import parse_yaml

    return parse_yaml(*item, walked=True)


def _prepare_item(item: tuple[Path, str, Path]) -> tuple:
    from kb.data import cache

    sha = cache.file_sha(item[0])  # before parsing: a change in between is seen by the next command
    return cache.prepared(sha, _parse_item(item))


def _parse_all(items: list[tuple[Path, str, Path]], parallel: bool, prepare: bool = False) -> list:
    """Parse files, on every core when there are enough of them to repay the workers.

    Parsing dominates `kb check` on large knowledge bases. Workers are forked, so
    callers that run threads (a dev server) must leave ``parallel`` off. With
    ``prepare``, each file's result comes as the cache keeps it (see
    :func:`kb.data.cache.prepared`): hashing and encoding it then run on the
    workers too, and an encoded text crosses back faster than the data.
    """
    from kb.data import workers as kbworkers
    from kb.data.progress import track

    workers = kbworkers.available() if parallel and len(items) >= PARALLEL_MIN_FILES else 1
    results = kbworkers.fork_map(_prepare_item if prepare else _parse_item, items, workers,
                                 chunksize=max(1, len(items) // (workers * 16)))
    return list(track(results, "reading files", len(items)))


def prepare_all(items: list[tuple[Path, str, Path]], parallel: bool) -> list:
    """What :meth:`kb.data.cache.Cache.parse` and ``hashes`` ask of a parser: each file's result prepared."""
    return _parse_all(items, parallel, prepare=True)


def node_items(root: Path, files: list[Path], paths: dict[str, Path] | None = None
               ) -> tuple[list[tuple[Path, str, Path]], list[Problem]]:
    """The scanned files that are read as nodes, as (file, display path, root), and the problems of the rest.

    A file whose name is not a valid id, or repeats an earlier file's id, is
    not read. ``paths`` (id -> file) is filled in as a side effect.
    """
    paths = {} if paths is None else paths
    entries, problems = node_entries(root, [relative_to(path, root) for path in files])
    pending: list[tuple[Path, str, Path]] = []
    for index, node_id, display in entries:
        paths[node_id] = files[index]
        pending.append((files[index], display, root))
    return pending, problems


def node_id_of(name: str) -> str:
    """The id a node file's name gives it (a name or a path: its last part, less ``.yaml``)."""
    base = name[name.rfind(os.sep) + 1:]
    return base[:-len(".yaml")] if base.endswith(".yaml") else Path(base).stem


def node_entries(root: Path, names: list[str]) -> tuple[list[tuple[int, str, str]], list[Problem]]:
    """Which of the scanned names (see :func:`scan_names`) are read as nodes: (index, id, display path) of each.

    A file whose name is not a valid id, or repeats an earlier file's id, is
    not read; each such file gets a problem.
    """
    prefix = os.path.join(display_path(Path(root)), "")  # the display path and a separator, joined once
    entries: list[tuple[int, str, str]] = []
    problems: list[Problem] = []
    first: dict[str, str] = {}
    for index, name in enumerate(names):
        display = prefix + name
        base = name[name.rfind(os.sep) + 1:]
        node_id = node_id_of(base)
        if not is_valid_id(node_id):
            problems.append(
                Problem(display, 1, 1, "bad-id", f"file name '{base}' is not a valid id "
                        "(lowercase letters, digits and single hyphens, at most 80 characters)")
            )
            continue
        if node_id in first:
            problems.append(Problem(display, 1, 1, "duplicate-id", f"id '{node_id}' is also used by "
                                    f"{display_path(Path(root, first[node_id]))}"))
            continue
        first[node_id] = name
        entries.append((index, node_id, display))
    return entries, problems


def load(root: Path, parallel: bool = False, cache=None,
         scanned: tuple[list[Path], list[Problem]] | None = None) -> tuple[KnowledgeBase, list[Problem]]:
    """Load a knowledge base, returning it with every problem found while reading.

    Problems carry ``loc`` paths; call :func:`kb.data.parsing.locate` to fill in lines and columns.
    With ``cache`` (a :class:`kb.data.cache.Cache`), only files changed since it was
    last updated are parsed; the result is the same. ``scanned``: what
    :func:`scan` just returned for root, when the caller has it.
    """
    from kb.data.models import PeopleFile, SourcesFile
    from kb.data.parsing import node_reader

    root = Path(root)
    kb = KnowledgeBase(root=root)
    problems: list[Problem] = []
    if not root.is_dir():
        problems.append(Problem(display_path(root), 1, 1, "io", "knowledge-base folder not found"))
        return kb, problems
    if os.path.lexists(root / PENDING_FILE):
        try:
            read_journal(root)
            problems.append(Problem(display_path(root / PENDING_FILE), 1, 1, "interrupted-change",
                                    "a multi-file change (kb mv or kb rm --cascade) was interrupted; "
                                    "run `kb recover` to finish it"))
        except Refused as exc:
            problems.append(Problem(display_path(root / PENDING_FILE), 1, 1, "bad-journal",
                                    f"{exc}; kb will not act on it: if no change was interrupted, delete it"))
    _load_registry(root / PEOPLE_FILE, PeopleFile, kb.people, "duplicate-person", problems)
    _load_registry(root / SOURCES_FILE, SourcesFile, kb.sources, "duplicate-source", problems)
    kb.files = 2
    files, walk_problems = scanned if scanned is not None else scan(root)
    problems.extend(walk_problems)
    kb.files += len(files)
    pending, id_problems = node_items(root, files, kb.paths)
    problems.extend(id_problems)
    parsed = (cache.parse(pending, lambda todo: prepare_all(todo, parallel)) if cache is not None
              else _parse_all(pending, parallel))
    read = node_reader()
    for (path, display, _), (data, errs) in zip(pending, parsed):
        node_id = path.stem
        node, errs = read(data, errs, display)
        if node is not None:
            kb.nodes[node_id] = node
            continue
        problems.extend(errs)
        del kb.paths[node_id]
    return kb, problems


def _umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # no other way to read it; set back at once
    os.umask(mask)
    return mask


def _target(path: Path, root: Path | None) -> Path:
    """Where a write to path lands, refused unless it is a plain file (or nothing yet).

    A write never goes through a link that leaves root, never replaces a
    device, FIFO, folder or (outside a knowledge base) a link: ``kb export -o
    /dev/null`` must not swap the system's null device for a file.
    """
    path = Path(path)
    if root is not None:
        check_inside(root, path, follow=False)
        if os.path.islink(path):
            check_inside(root, path)
            path = Path(_real(path))
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return path
    except OSError as exc:
        raise Refused("io", f"cannot write {display_path(path)}: {exc.strerror or exc}") from None
    if stat.S_ISLNK(info.st_mode):
        raise Refused("not-a-file", f"{display_path(path)} is a symbolic link; kb replaces only plain files")
    if not stat.S_ISREG(info.st_mode):
        raise Refused("not-a-file", f"{display_path(path)} is {_file_kind(info.st_mode)}; kb replaces only plain files")
    return path


def _line_ending(path: Path) -> str:
    """The line ending of an existing file, judged by its first line, so an edit keeps a CRLF file CRLF."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(1 << 16)
    except OSError:
        return "\n"
    at = head.find(b"\n")
    return "\r\n" if at > 0 and head[at - 1: at] == b"\r" else "\n"


def _temp_file(folder: Path, name: str) -> tuple[int, str]:
    # A name only kb gives its own temporary files, so that cleaning up after a
    # killed write never touches another program's.
    return tempfile.mkstemp(prefix=f".{name[:100]}.{TEMP_MARK}", suffix=".tmp", dir=folder)


def write_atomic(path: Path, text: str, root: Path | None = None) -> None:
    """Write a file so that a crash leaves either the old or the new content, never a mix.

    An existing file keeps its permissions and its line endings (CRLF stays
    CRLF); a new one gets the permissions any new file would. With root, the
    write is refused (:class:`Refused`) when it would land outside it.
    """
    path = _target(Path(path), root)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if root is not None:
            check_inside(root, path, follow=False)
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
            newline = _line_ending(path)
        except FileNotFoundError:
            mode, newline = 0o666 & ~_umask(), "\n"
        fd, tmp = _temp_file(path.parent, path.name)
    except OSError as exc:
        raise Refused("io", f"cannot write {display_path(path)}: {exc.strerror or exc}") from None
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            raise Refused("io", f"cannot write {display_path(path)}: {exc.strerror or exc}") from None
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Make a rename or link in folder durable, where the platform allows it."""
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


def create_exclusive(path: Path, text: str, root: Path | None = None) -> None:
    """Create a new file that appears complete or not at all, and never replaces one.

    Where Linux allows it, the content goes to an unnamed file (O_TMPFILE) linked
    into place once it is on disk, so a process killed at any moment leaves
    nothing behind. Otherwise a temporary file beside it is hard-linked into
    place and removed; a kill in between can leave that temporary file, which
    :func:`stale_temp_files` finds. Raises FileExistsError when path exists,
    :class:`Refused` when it would land outside root or cannot be written.
    """
    path = Path(path)
    data = text.encode("utf-8")
    try:
        if root is not None:
            check_inside(root, path, follow=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        if root is not None:
            check_inside(root, path, follow=False)  # the folder just made may be reached through a link
        if _create_unnamed(path, data):
            return
        fd, tmp = _temp_file(path.parent, path.name)
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, 0o666 & ~_umask())
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.link(tmp, path)
        finally:
            os.unlink(tmp)
    except FileExistsError:
        raise
    except OSError as exc:
        raise Refused("io", f"cannot write {display_path(path)}: {exc.strerror or exc}") from None
    _fsync_dir(path.parent)


def _create_unnamed(path: Path, data: bytes) -> bool:
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag or not os.path.isdir("/proc/self/fd"):
        return False
    try:
        fd = os.open(path.parent, flag | os.O_WRONLY, 0o666 & ~_umask())
    except OSError:
        return False  # the file system has no unnamed files
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
        if not _link_fd(fd, path):
            return False
    finally:
        os.close(fd)
    _fsync_dir(path.parent)
    return True


def _link_fd(fd: int, path: Path) -> bool:
    """Give an unnamed file a name: through /proc, or else linkat(AT_EMPTY_PATH)."""
    try:
        os.link(f"/proc/self/fd/{fd}", path, follow_symlinks=True)
        return True
    except FileExistsError:
        raise
    except OSError:
        pass  # some sandboxes refuse the /proc route (EXDEV)
    try:
        import ctypes

        linkat = ctypes.CDLL(None, use_errno=True).linkat
    except (OSError, AttributeError):
        return False
    at_fdcwd, at_empty_path = -100, 0x1000
    if linkat(fd, b"", at_fdcwd, os.fsencode(path), at_empty_path) == 0:
        return True
    if ctypes.get_errno() == errno.EEXIST:
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(path))
    return False  # needs CAP_DAC_READ_SEARCH before Linux 6.10


# --- many new files as one change (kb import) -------------------------------------------------------


def create_all(root: Path, files: list[tuple[Path, str]]) -> None:
    """Create many new files as one change: every one of them or, when anything fails, none.

    :func:`create_exclusive` waits for the disk once per file, which makes a map
    of thousands of claims take minutes to import. Here every file is first
    written under a temporary name beside its place (named as
    :func:`_temp_file` names them, so that what a killed run leaves is found by
    :func:`stale_temp_files`), the file system is flushed once, and only then
    is each file given its name: no name ever shows a file that is not wholly
    on disk. Each folder is flushed once at the end.

    Raises FileExistsError, before anything is written, when a name is taken;
    :class:`Refused` when a file would land outside root or cannot be written.
    On any failure the files, temporary files and folders it made are removed.
    """
    root = Path(root)
    folders = list(dict.fromkeys(Path(path).parent for path, _ in files))
    made: list[Path] = []  # folders created, outermost first
    temps: list[tuple[str, Path]] = []
    linked: list[Path] = []
    current = root
    try:
        for folder in folders:
            current = folder
            check_inside(root, folder, follow=False)
            made += _make_folders(folder)
            check_inside(root, folder)  # resolved once: every file is a plain name inside it
        for path, _ in files:
            if os.path.lexists(path):
                raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(path))
        flush = _syncfs()
        # One random part for the whole change (the files' own names already differ), and the mode any
        # new file gets: per file, that saves the name drawing and the fchmod of mkstemp.
        token = "".join(_TEMP_CHARS[b % len(_TEMP_CHARS)] for b in os.urandom(8))
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        for path, text in files:
            current = path
            tmp = os.path.join(path.parent, f".{path.name[:100]}.{TEMP_MARK}{token}.tmp")
            try:
                fd = os.open(tmp, flags, 0o666)
            except FileExistsError:  # another kb temporary file, left by a killed run: draw a name
                fd, tmp = _temp_file(path.parent, path.name)
                if hasattr(os, "fchmod"):
                    os.fchmod(fd, 0o666 & ~_umask())
            temps.append((tmp, path))
            try:
                view = memoryview(text.encode("utf-8"))
                while view:
                    view = view[os.write(fd, view):]
                if flush is None:
                    os.fsync(fd)
            finally:
                os.close(fd)
        if flush is not None:
            for folder in {os.stat(folder).st_dev: folder for folder in folders}.values():
                current = folder
                flush(folder)
        for tmp, path in temps:
            current = path
            os.link(tmp, path)
            linked.append(path)
        for tmp, _ in temps:
            os.unlink(tmp)
        temps = []
        for folder in dict.fromkeys([*folders, *(m.parent for m in made)]):
            _fsync_dir(folder)
    except BaseException as exc:
        for leftover in [*linked, *(tmp for tmp, _ in temps)]:
            try:
                os.unlink(leftover)
            except OSError:
                pass
        for folder in reversed(made):
            try:
                folder.rmdir()
            except OSError:
                break
        if isinstance(exc, OSError) and not isinstance(exc, FileExistsError):
            raise Refused("io", f"cannot write {display_path(current)}: {exc.strerror or exc}") from None
        raise


def remove_all(root: Path, paths: list[Path]) -> None:
    """Delete files :func:`create_all` made, flushing each folder once rather than once per file."""
    folders = list(dict.fromkeys(Path(path).parent for path in paths))
    for folder in folders:
        check_inside(root, folder)
    for path in paths:
        os.unlink(path)
    for folder in folders:
        _fsync_dir(folder)


def _make_folders(folder: Path) -> list[Path]:
    """Create folder and its missing parents; the ones created, outermost first."""
    missing = []
    for path in (folder, *folder.parents):
        if os.path.isdir(path):
            break
        if os.path.lexists(path):
            raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(path))
        missing.append(path)
    missing.reverse()
    for path in missing:
        path.mkdir()
    return missing


def _syncfs():
    """A function flushing the file system that holds a folder (Linux's syncfs), or None where there is none.

    One call puts every file written before it on disk, instead of one fsync,
    and one wait, per file.
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        syncfs = libc.syncfs
    except (OSError, AttributeError):
        return None

    def flush(folder: Path) -> None:
        fd = os.open(folder, os.O_RDONLY)
        try:
            if syncfs(fd) != 0:
                code = ctypes.get_errno()
                raise OSError(code, os.strerror(code), str(folder))
        finally:
            os.close(fd)

    return flush


TEMP_MARK = "kbtmp-"
_TEMP_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_"
_TEMP_NAME = re.compile(r"\..+\." + TEMP_MARK + r"[a-z0-9_]{8}\.tmp")


def stale_temp_files(root: Path) -> list[Path]:
    """Temporary files that writes killed half-way left behind.

    Only kb's own (named with :data:`TEMP_MARK`), only plain files, only where
    kb writes: never another program's temporary file in a folder given by
    mistake. Only meaningful while holding the knowledge base's lock: then no
    write is in progress, so every such file is stale.
    """
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if not _TEMP_NAME.fullmatch(name):
                continue  # the name first: a path object for each of 10^4 files costs more than the walk
            path = Path(dirpath) / name
            if os.path.isfile(path) and not os.path.islink(path):
                found.append(path)
    return found


def remove_durable(path: Path, root: Path | None = None) -> None:
    """Delete a file (a link itself, never what it points to) and make the deletion survive a crash."""
    try:
        if root is not None:
            check_inside(root, Path(path), follow=False)
        os.unlink(path)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise Refused("io", f"cannot delete {display_path(Path(path))}: {exc.strerror or exc}") from None
    _fsync_dir(Path(path).parent)


MAX_FOLDER_NAME = 100


def node_folder(root: Path, folder: str) -> Path:
    """A folder for new node files, given relative to root, refused unless loading would read it.

    Not outside root (no absolute path, ``..`` or link on the way), not hidden
    (loading skips ``.git`` and the like, so a node there would be lost), not a
    file (``people.yaml``, a node file) and no name a file system refuses.
    """
    def refuse(why: str) -> Refused:
        return Refused("bad-folder", f"folder '{_short(folder, 80)}' is refused: {why}")

    if not folder or "\0" in folder or "\\" in folder or os.path.isabs(folder):
        raise refuse("give a folder inside the knowledge base, relative to it")
    parts = [part for part in folder.split("/") if part not in ("", ".")]
    if not parts:
        return Path(root)
    current = Path(root)
    for part in parts:
        if part == "..":
            raise refuse("give a folder inside the knowledge base, relative to it")
        if part.startswith("."):
            raise refuse("hidden folders are not read by kb")
        if len(part.encode("utf-8", "surrogatepass")) > MAX_FOLDER_NAME:
            raise refuse(f"a folder name is at most {MAX_FOLDER_NAME} bytes")
        if part.endswith((".yaml", ".yml", ".json")):
            raise refuse("a folder name cannot end like a data file")
        current = current / part
        if os.path.islink(current):
            raise refuse(f"{display_path(current)} is a symbolic link, which kb does not follow")
        if os.path.lexists(current) and not os.path.isdir(current):
            raise refuse(f"{display_path(current)} is not a folder")
    check_inside(root, current, follow=False)
    return current


def looks_like_kb(root: Path) -> bool:
    """Whether a folder is a knowledge base (it has a registry) or an empty folder to start one in.

    Writers check it before taking the lock or cleaning anything, so that a
    mistaken ``--kb`` (a home or project folder) is refused untouched.
    """
    root = Path(root)
    if any(os.path.lexists(root / name) for name in REGISTRIES):
        return True
    try:
        with os.scandir(root) as entries:
            return next(entries, None) is None
    except OSError:
        return False


def lock(root: Path, timeout: float) -> FileLock:
    """Take the knowledge base's exclusive lock, refusing a lock file that is not a plain file.

    The lock file is opened for writing and truncated, so a committed link in
    its place would truncate whatever it points at.
    """
    path = Path(root) / LOCK_FILE
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise KBError(f"cannot lock {display_path(Path(root))}: {exc.strerror or exc}") from None
    if info is not None and not stat.S_ISREG(info.st_mode):
        kind = "a symbolic link" if stat.S_ISLNK(info.st_mode) else _file_kind(info.st_mode)
        raise KBError(f"{display_path(path)} is {kind}, not kb's lock file; remove it and try again")
    # Imported here: filelock costs tens of milliseconds, and a reading command never locks.
    from filelock import FileLock, Timeout

    handle = FileLock(str(path), timeout=timeout)
    try:
        handle.acquire()
    except Timeout:
        raise KBError(f"another kb command is editing {display_path(Path(root))} (waited {timeout:g} s for "
                      f"{display_path(path)}); try again") from None
    except OSError as exc:
        raise KBError(f"cannot lock {display_path(Path(root))}: {exc.strerror or exc} ({display_path(path)})") from None
    return handle


# --- the journal of a multi-file change ----------------------------------------------------------

# The journal holds the new text of every file a change touches.
MAX_JOURNAL_BYTES = 64 << 20
_SHA = re.compile(r"[0-9a-f]{64}")


@dataclass
class JournalEntry:
    path: Path  # inside the knowledge base, checked
    before: str | None  # sha256 of the old text; None: the file is created
    after: str | None  # the new text; None: the file is deleted


def journal_path(root: Path, relative: object) -> Path:
    """The file a journal entry names, refused unless a kb command could have written it there.

    The journal comes from the repository, so it is untrusted: only a node
    file or a registry inside the knowledge base passes, never a hidden file
    or folder (``.git/config``), never one reached through a link that leaves it.
    """
    bad = Refused("bad-journal", f"{PENDING_FILE} names '{_short(str(relative), 80)}', which is not a file of "
                  "this knowledge base")
    if not isinstance(relative, str) or not relative or "\\" in relative or "\0" in relative or relative.startswith("/"):
        raise bad
    parts = relative.split("/")
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        raise bad
    if not (relative in REGISTRIES or (parts[-1].endswith(".yaml") and is_valid_id(parts[-1][:-5]))):
        raise bad
    path = Path(root).joinpath(*parts)
    check_inside(root, path, follow=False)
    if os.path.islink(path):
        check_inside(root, path)
    return path


def read_journal(root: Path) -> tuple[str, list[JournalEntry]]:
    """The command and the entries of an interrupted change's journal, or :class:`Refused` saying why not."""
    path = Path(root) / PENDING_FILE
    display = display_path(path)
    try:
        raw = read_regular(path, MAX_JOURNAL_BYTES, root)
        journal = json.loads(raw.decode("utf-8"))
    except Refused as exc:
        raise Refused(exc.code, f"{display}: {exc}") from None
    except OSError as exc:
        raise Refused("bad-journal", f"{display} cannot be read: {exc.strerror or exc}") from None
    except (ValueError, RecursionError):
        raise Refused("bad-journal", f"{display} is not valid JSON") from None
    if not isinstance(journal, dict) or not isinstance(journal.get("changes"), list):
        raise Refused("bad-journal", f"{display} is not a journal kb wrote (no list of changes)")
    entries = []
    for change in journal["changes"]:
        if not isinstance(change, dict):
            raise Refused("bad-journal", f"{display}: a change is not a mapping")
        before, after = change.get("before"), change.get("after")
        if not (before is None or (isinstance(before, str) and _SHA.fullmatch(before))):
            raise Refused("bad-journal", f"{display}: a change's 'before' is not a SHA-256 hash")
        if not (after is None or isinstance(after, str)):
            raise Refused("bad-journal", f"{display}: a change's 'after' is not text")
        if after is not None and len(after.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
            raise Refused("bad-journal", f"{display}: a change's new text is over the 1 MiB limit")
        try:
            entries.append(JournalEntry(journal_path(root, change.get("path")), before, after))
        except Refused as exc:
            raise Refused(exc.code, f"{display}: {exc}") from None
    command = journal.get("command")
    return (command if isinstance(command, str) else "an unknown command"), entries
