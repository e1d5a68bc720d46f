"""Reading and writing the knowledge base on disk.

Loading never raises on bad input: every file's problems are collected so that
one run reports all of them. YAML goes through the safe loader only (libyaml's C
loader when present), with aliases, unknown tags and duplicate keys refused.
"""

from __future__ import annotations

import errno
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml
from pydantic import ValidationError

from kb.models import Node, PeopleFile, Person, Source, SourcesFile, is_valid_id
from kb.report import Problem

MAX_FILE_BYTES = 1 << 20
PEOPLE_FILE = "people.yaml"
SOURCES_FILE = "sources.yaml"
REGISTRIES = (PEOPLE_FILE, SOURCES_FILE)
SCHEMA_COMMENT = "# yaml-language-server: $schema="
# Written before a change that spans several files and removed once it is done,
# so that an interrupted change can be finished (see kb.authoring).
PENDING_FILE = ".kb-pending.json"

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Refused(Exception):
    def __init__(self, code: str, message: str, node: yaml.Node):
        super().__init__(message)
        self.code, self.message, self.node = code, message, node


_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader whose composed tree is turned into data by :func:`_convert`."""

    def resolve(self, kind, value, implicit):
        # Fast path for the common case: a plain scalar whose first character no
        # implicit resolver (bool, int, float, null, timestamp) can start with
        # is a string, with no regex to run. Everything else takes the full path.
        if kind is yaml.ScalarNode and implicit[0] and value and value[0] not in self.yaml_implicit_resolvers:
            return _STR
        return super().resolve(kind, value, implicit)


def _convert(loader: _Loader, node: yaml.Node, seen: set[int]) -> Any:
    """Build plain data from a composed YAML tree, refusing what a claim file never needs.

    A hand-rolled walk instead of PyYAML's constructor: it is several times faster
    on thousands of small files, and it is where duplicate keys and aliases are
    caught. Aliases are refused outright: a node file never needs one, and they
    are the vehicle of "billion laughs" expansion bombs. Non-string scalars and
    explicit tags go through the safe constructor, which rejects unknown tags.
    """
    if id(node) in seen:
        raise _Refused("yaml-alias", "anchors and aliases are not allowed in knowledge-base files", node)
    seen.add(id(node))
    if isinstance(node, yaml.ScalarNode):
        return node.value if node.tag == _STR else loader.construct_object(node)
    if isinstance(node, yaml.SequenceNode):
        if node.tag != "tag:yaml.org,2002:seq":
            return loader.construct_object(node)
        return [_convert(loader, item, seen) for item in node.value]
    if node.tag != "tag:yaml.org,2002:map":
        return loader.construct_object(node)
    data: dict = {}
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE:
            raise _Refused("yaml-alias", "merge keys ('<<') are not allowed in knowledge-base files", key_node)
        key = _convert(loader, key_node, seen)
        try:
            duplicate = key in data
        except TypeError:
            raise _Refused("invalid-value", "a mapping key must be a plain value", key_node) from None
        if duplicate:
            raise _Refused("duplicate-key", f"duplicate key '{key}' in a mapping", key_node)
        data[key] = _convert(loader, value_node, seen)
    return data


def _loc_problem(path: str, code: str, message: str, loc: tuple = (), severity: str = "error") -> Problem:
    return Problem(path, 0, 0, code, message, severity, loc)  # type: ignore[arg-type]


def parse_yaml(path: Path, display: str) -> tuple[Any, list[Problem]]:
    """Read one YAML file, returning its data or the problems that stop it loading."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [Problem(display, 1, 1, "too-large", f"file is {size} bytes; the limit is {MAX_FILE_BYTES} (1 MiB)")]
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(display, 1, 1, "io", f"cannot read file: {exc.strerror or exc}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [Problem(display, line, col, "encoding", "file is not valid UTF-8")]
    return parse_text(text, display)


def parse_text(text: str, display: str) -> tuple[Any, list[Problem]]:
    """Parse YAML held in memory, so an edit can be checked before it is written."""
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        return None, [Problem(display, 1, 1, "empty", "file is empty")]
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        return (None if root is None else _convert(loader, root, set())), []
    except _Refused as exc:
        mark = exc.node.start_mark
        if exc.code == "yaml-alias":
            mark = _first_alias_mark(text) or mark
        return None, [Problem(display, mark.line + 1, mark.column + 1, exc.code, exc.message)]
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        if exc.problem and "could not determine a constructor" in exc.problem:
            tag = exc.problem.split("tag", 1)[-1].strip()
            return None, [Problem(display, line, col, "yaml-tag", f"tag {tag} is not allowed (plain YAML only)")]
        return None, [Problem(display, line, col, "yaml-syntax", str(exc.problem or exc))]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = exc.problem or "malformed YAML"
        if exc.context:
            message = f"{message} ({exc.context})"
        return None, [Problem(display, line, col, "yaml-syntax", message)]
    except yaml.YAMLError as exc:
        return None, [Problem(display, 1, 1, "yaml-syntax", str(exc))]
    finally:
        loader.dispose()


def _first_alias_mark(text: str):
    # An alias shares the node of its anchor, so the node's mark points at the
    # anchor; the event stream knows where the alias itself was written.
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, yaml.AliasEvent):
            return event.start_mark
    return None


def _describe(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", type(None): "nothing"}.get(type(value), type(value).__name__)


def validation_problems(display: str, exc: ValidationError, data: Any, allowed: Iterable[str] = ()) -> list[Problem]:
    """Turn pydantic's errors into problems people can act on, with their locations."""
    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        dotted = ".".join(str(x) for x in loc)
        kind = err["type"]
        if kind == "extra_forbidden":
            hint = f" (allowed: {', '.join(allowed)})" if allowed and len(loc) == 1 else ""
            out.append(_loc_problem(display, "unknown-field", f"unknown field '{dotted}'{hint}", loc))
        elif kind == "missing":
            out.append(_loc_problem(display, "missing-field", f"missing required field '{dotted}'", loc[:-1]))
        elif kind in ("model_type", "dict_type", "model_attributes_type"):
            out.append(_loc_problem(display, "not-a-mapping", f"{dotted}: expected a mapping, got {_describe(err['input'])}", loc))
        elif kind == "list_type":
            out.append(_loc_problem(display, "invalid-value", f"{dotted}: expected a list, got {_describe(err['input'])}", loc))
        else:
            out.append(_loc_problem(display, "invalid-value", f"{dotted}: {err['msg']}", loc))
    return out


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
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        top = Path(dirpath) == root
        for name in sorted(filenames):
            if name.endswith(".yaml") and not (top and name in REGISTRIES) and not name.startswith("."):
                found.append(Path(dirpath) / name)
    return found


def _load_registry(path: Path, model, kb_items: dict, code: str, problems: list[Problem]) -> None:
    display = display_path(path)
    if not path.exists():
        problems.append(Problem(display, 1, 1, "missing-registry", f"{path.name} is missing"))
        return
    data, errs = parse_yaml(path, display)
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


PARALLEL_MIN_FILES = 2000


def _parse_item(item: tuple[Path, str]) -> tuple[Any, list[Problem]]:
    return parse_yaml(*item)


def _parse_all(items: list[tuple[Path, str]], parallel: bool) -> list[tuple[Any, list[Problem]]]:
    """Parse files, on every core when there are enough of them to repay the workers.

    Parsing dominates `kb check` on large knowledge bases. Workers are forked, so
    callers that run threads (a dev server) must leave ``parallel`` off.
    """
    workers = min(os.cpu_count() or 1, 8)
    if not parallel or workers < 2 or len(items) < PARALLEL_MIN_FILES or not hasattr(os, "fork"):
        return [_parse_item(item) for item in items]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(_parse_item, items, chunksize=max(1, len(items) // (workers * 4))))


def load(root: Path, parallel: bool = False) -> tuple[KnowledgeBase, list[Problem]]:
    """Load a knowledge base, returning it with every problem found while reading.

    Problems carry ``loc`` paths; call :func:`locate` to fill in lines and columns.
    """
    root = Path(root)
    kb = KnowledgeBase(root=root)
    problems: list[Problem] = []
    if not root.is_dir():
        problems.append(Problem(display_path(root), 1, 1, "io", "knowledge-base folder not found"))
        return kb, problems
    if (root / PENDING_FILE).exists():
        problems.append(Problem(display_path(root / PENDING_FILE), 1, 1, "interrupted-change",
                                "a multi-file change (kb mv or kb rm --cascade) was interrupted; "
                                "run `kb recover` to finish it"))
    _load_registry(root / PEOPLE_FILE, PeopleFile, kb.people, "duplicate-person", problems)
    _load_registry(root / SOURCES_FILE, SourcesFile, kb.sources, "duplicate-source", problems)
    kb.files = 2
    allowed = list(Node.model_fields)
    root_display, prefix = display_path(root), len(str(root)) + 1
    pending: list[tuple[Path, str]] = []
    for path in node_files(root):
        kb.files += 1
        display = os.path.join(root_display, str(path)[prefix:])  # relpath per file is costly
        node_id = path.stem
        if not is_valid_id(node_id):
            problems.append(
                Problem(display, 1, 1, "bad-id", f"file name '{path.name}' is not a valid id "
                        "(lowercase letters, digits and single hyphens, at most 80 characters)")
            )
            continue
        if node_id in kb.paths:
            problems.append(
                Problem(display, 1, 1, "duplicate-id", f"id '{node_id}' is also used by {display_path(kb.paths[node_id])}")
            )
            continue
        kb.paths[node_id] = path
        pending.append((path, display))
    for (path, display), (data, errs) in zip(pending, _parse_all(pending, parallel)):
        node_id = path.stem
        if not errs and not isinstance(data, dict):
            errs = [Problem(display, 1, 1, "not-a-mapping", f"a node file must be a mapping of fields, got {_describe(data)}")]
        if not errs:
            try:
                kb.nodes[node_id] = Node.model_validate(data)
                continue
            except ValidationError as exc:
                errs = validation_problems(display, exc, data, allowed)
        problems.extend(errs)
        del kb.paths[node_id]
    return kb, problems


def parse_node(text: str, display: str) -> tuple[Node | None, list[Problem]]:
    """A node from YAML text in memory, or the problems loading its file would report."""
    data, errs = parse_text(text, display)
    if not errs and not isinstance(data, dict):
        errs = [Problem(display, 1, 1, "not-a-mapping", f"a node file must be a mapping of fields, got {_describe(data)}")]
    if errs:
        return None, errs
    try:
        return Node.model_validate(data), []
    except ValidationError as exc:
        return None, validation_problems(display, exc, data, list(Node.model_fields))


def _walk(node: yaml.Node, loc: tuple) -> yaml.Node:
    """The YAML node a loc path points at: the key for a field, the item for an index.

    Pydantic locations can name things the document lacks (a missing field); the
    walk stops at the deepest part that exists.
    """
    current = node
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                if str(key_node.value) == str(part):
                    current = key_node if last else value_node
                    break
            else:
                return current
        elif isinstance(current, yaml.SequenceNode) and isinstance(part, int) and part < len(current.value):
            current = current.value[part]
        else:
            return current
    return current


def locate(problems: list[Problem], documents: dict[str, str] | None = None) -> list[Problem]:
    """Fill in line and column for problems that only know their loc path.

    ``documents`` maps display paths to texts not yet on disk (an edit being checked).
    """
    documents = documents or {}
    trees: dict[str, yaml.Node | None] = {}
    out = []
    for p in problems:
        if p.line:
            out.append(p)
            continue
        if p.path not in trees:
            try:
                text = documents[p.path] if p.path in documents else Path(p.path).read_text(encoding="utf-8")
                trees[p.path] = yaml.compose(text, Loader=_BaseLoader)
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                trees[p.path] = None
        tree = trees[p.path]
        line, col = 1, 1
        if tree is not None:
            mark = _walk(tree, p.loc).start_mark
            line, col = mark.line + 1, mark.column + 1
        out.append(Problem(p.path, line, col, p.code, p.message, p.severity, p.loc))
    return out


def write_atomic(path: Path, text: str) -> None:
    """Write a file so that a crash leaves either the old or the new content, never a mix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
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


def create_exclusive(path: Path, text: str) -> None:
    """Create a new file that appears complete or not at all, and never replaces one.

    Where Linux allows it, the content goes to an unnamed file (O_TMPFILE) linked
    into place once it is on disk, so a process killed at any moment leaves
    nothing behind. Otherwise a temporary file beside it is hard-linked into
    place and removed; a kill in between can leave that temporary file, which
    :func:`stale_temp_files` finds. Raises FileExistsError when path exists.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    if _create_unnamed(path, data):
        return
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(tmp, path)
    finally:
        os.unlink(tmp)
    _fsync_dir(path.parent)


def _create_unnamed(path: Path, data: bytes) -> bool:
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag or not os.path.isdir("/proc/self/fd"):
        return False
    try:
        fd = os.open(path.parent, flag | os.O_WRONLY, 0o644)
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


_TEMP_NAME = re.compile(r"\..+\.[A-Za-z0-9_]{8}\.tmp")


def stale_temp_files(root: Path) -> list[Path]:
    """Temporary files that writes killed half-way left behind.

    Only meaningful while holding the knowledge base's lock: then no write is in
    progress, so every such file is stale.
    """
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        found.extend(Path(dirpath) / name for name in filenames if _TEMP_NAME.fullmatch(name))
    return found


def remove_durable(path: Path) -> None:
    """Delete a file and make the deletion survive a crash."""
    os.unlink(path)
    _fsync_dir(Path(path).parent)
