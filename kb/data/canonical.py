"""The canonical layout of node and registry files, written by `kb add` and `kb fmt`.

One layout means diffs show only what changed in substance and a reviewer never
wades through re-quoting or key shuffles. The layout follows how the map's
authors already write by hand:

* a ``# yaml-language-server: $schema=...`` first line pointing at the schema
  beside the claims folder, so editors complete and check fields;
* keys in the order the models declare them (``kb/data/models.py``), except that a
  source's ``section`` comes before its ``quote``;
* block style, with ``text`` folded (``>-``) at 100 columns, free text
  (titles, quotes, sections, notes) double-quoted, ids plain, ``tags`` on one
  line, and the short forms ``- target`` and ``person: credence`` whenever
  nothing else is said;
* defaults (weight 1, empty lists, absent notes) left out.

The layout is produced from the validated model, never from the raw text, so it
is deterministic; every rendering is parsed back and compared, and any scalar
the compact rules might misrender falls back to a double-quoted string.
"""

from __future__ import annotations

import bisect
import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

import yaml

from kb.data.models import Edge, Node, SourceRef, Stance, Undercut

WIDTH = 100
INDENT = "  "
SCHEMA_DIR = "schema"
NODE_SCHEMA = "node.schema.json"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_resolver = yaml.resolver.Resolver()
_STR_TAG = "tag:yaml.org,2002:str"
# Characters a YAML reader refuses or reinterprets when written raw: controls,
# line and paragraph separators, the byte-order mark and U+FFFE/U+FFFF.
_NEEDS_ESCAPE = re.compile("[\\x00-\\x1f\\x7f-\\x9f\"\\\\\u2028\u2029\ufeff\ufffe\uffff]")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


def find_schema_dir(root: Path) -> Path:
    """The schema folder for a claims folder: the nearest ``schema/`` above it, else one beside it.

    Searching upwards lets a knowledge base nested inside a larger repository (a
    test fixture, say) point at the one schema folder the repository has.
    """
    root = Path(os.path.abspath(root))
    for folder in root.parents:
        if (folder / SCHEMA_DIR / NODE_SCHEMA).is_file():
            return folder / SCHEMA_DIR
    return root.parent / SCHEMA_DIR


def schema_comment(path: Path, schema_dir: Path, schema: str = NODE_SCHEMA) -> str:
    rel = os.path.relpath(Path(schema_dir) / schema, Path(os.path.abspath(path)).parent)
    return f"# yaml-language-server: $schema={Path(rel).as_posix()}"


def repoint_schema(text: str, path: Path, root: Path) -> str:
    """text with its schema comment counted from path's folder, for a file moved to another depth."""
    first, sep, rest = text.partition("\n")
    if not first.startswith("# yaml-language-server: $schema="):
        return text
    return schema_comment(path, find_schema_dir(root)) + sep + rest


# --- scalars -----------------------------------------------------------------------------------


def quoted(value: str) -> str:
    """Free text double-quoted: correct whatever the characters, and never read as ``no`` or ``1.0``."""
    if not _NEEDS_ESCAPE.search(value):
        return f'"{value}"'
    return '"' + _NEEDS_ESCAPE.sub(lambda m: _ESCAPES.get(m.group(), f"\\u{ord(m.group()):04x}"), value) + '"'


def plain_id(value: str) -> str:
    """An id written plain unless YAML would read it as something else (``no``, ``2024-01-01``)."""
    if _resolver.resolve(yaml.ScalarNode, value, (True, False)) == _STR_TAG:
        return value
    return quoted(value)


def number(value: float) -> str:
    text = repr(float(value))
    if "e" in text:
        # YAML 1.1 (and so PyYAML) reads 1e-05 as a string: spell out the same
        # shortest decimal without an exponent.
        text = format(Decimal(text), "f")
        text = text if "." in text else text + ".0"
    return text


def folded(text: str, indent: str, width: int = WIDTH) -> list[str] | None:
    """Lines of a ``>-`` block for text, or None when a folded block cannot hold it exactly.

    Lines break only at a single space between two visible characters: that is
    the only place where folding turns a line break back into exactly one space.
    """
    if not text or text != text.strip() or _has_specials(text):
        return None
    words = re.split(r"(?<=\S) (?=\S)", text)
    lines, current = [], ""
    room = width - len(indent)
    for word in words:
        if current and len(current) + 1 + len(word) > room:
            lines.append(indent + current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(indent + current)
    return lines


def literal(text: str, indent: str) -> list[str] | None:
    """Lines of a literal block for multi-line text, or None when one cannot hold it exactly."""
    body = text[:-1] if text.endswith("\n") else text
    if not body or body.endswith("\n") or body[0] in " \n" or _has_specials(body.replace("\n", "")):
        return None
    if any(line != line.rstrip() for line in body.split("\n")):
        return None
    return [indent + line if line else "" for line in body.split("\n")]


def _has_specials(text: str) -> bool:
    return any(c in text for c in "\t\r") or bool(_NEEDS_ESCAPE.search(text.replace('"', "").replace("\\", "")))


# --- documents ---------------------------------------------------------------------------------


Path_ = tuple  # a key/index path into a node's YAML, as in Problem.loc
# The one departure from the models' field order: a section heading reads
# before the words quoted under it, which is how the map's authors write it.
SOURCE_ORDER = ("document", "section", "quote")


class _Emitter:
    """Writes the canonical lines of a node, noting which key or item each line starts."""

    def __init__(self, safe: bool):
        # safe: every free-text scalar double-quoted, the fallback when a compact
        # form fails to read back as the same value.
        self.safe = safe
        self.lines: list[str] = []
        self.paths: list[list[Path_]] = []
        self.blocks: list[tuple[int, str]] = []  # (index of its first line, value) of each compact text block

    def add(self, line: str, *paths: Path_) -> None:
        self.lines.append(line)
        self.paths.append(list(paths))

    def text_block(self, key: str, value: str, indent: str, path: Path_) -> None:
        if not self.safe:
            body = folded(value, indent + INDENT) if "\n" not in value else literal(value, indent + INDENT)
            if body is not None:
                style = ">-" if "\n" not in value else ("|" if value.endswith("\n") else "|-")
                self.blocks.append((len(self.lines), value))
                self.add(f"{indent}{key}: {style}", path)
                for line in body:
                    self.add(line)
                return
        self.add(f"{indent}{key}: {quoted(value)}", path)

    def free(self, key: str, value: str | None, indent: str, path: Path_) -> None:
        if value is not None:
            self.add(f"{indent}{key}: {quoted(value)}", path)

    def edges(self, key: str, edges: list[Edge]) -> None:
        if not edges:
            return
        self.add(f"{key}:", (key,))
        for i, edge in enumerate(edges):
            item = (key, i)
            if edge.weight == 1.0 and edge.note is None and not edge.with_ and edge.scheme is None:
                self.add(f"{INDENT}- {plain_id(edge.target)}", item)
                continue
            self.add(f"{INDENT}- target: {plain_id(edge.target)}", item, item + ("target",))
            if edge.with_:
                self.add(f"{INDENT * 2}with: [{', '.join(plain_id(p) for p in edge.with_)}]", item + ("with",))
            if edge.weight != 1.0:
                self.add(f"{INDENT * 2}weight: {number(edge.weight)}", item + ("weight",))
            self.free("note", edge.note, INDENT * 2, item + ("note",))
            self.free("scheme", edge.scheme, INDENT * 2, item + ("scheme",))

    def undercuts(self, undercuts: list[Undercut]) -> None:
        if not undercuts:
            return
        self.add("undercuts:", ("undercuts",))
        for i, cut in enumerate(undercuts):
            item = ("undercuts", i)
            self.add(f"{INDENT}- source: {plain_id(cut.source)}", item, item + ("source",))
            self.add(f"{INDENT * 2}target: {plain_id(cut.target)}", item + ("target",))
            if cut.weight != 1.0:
                self.add(f"{INDENT * 2}weight: {number(cut.weight)}", item + ("weight",))
            self.free("note", cut.note, INDENT * 2, item + ("note",))

    def source(self, source: SourceRef) -> None:
        self.add("source:", ("source",))
        for name in SOURCE_ORDER:
            value = getattr(source, name)
            if name == "document":
                self.add(f"{INDENT}document: {plain_id(value)}", ("source", name))
            else:
                self.free(name, value, INDENT, ("source", name))

    def stances(self, stances: dict[str, Stance]) -> None:
        if not stances:
            return
        self.add("stances:", ("stances",))
        for person, stance in stances.items():
            path = ("stances", person)
            if stance.quote is None and stance.source is None and stance.note is None:
                self.add(f"{INDENT}{plain_id(person)}: {number(stance.credence)}", path)
                continue
            self.add(f"{INDENT}{plain_id(person)}:", path)
            for name in Stance.model_fields:
                value = getattr(stance, name)
                if value is None:
                    continue
                if name == "credence":
                    self.add(f"{INDENT * 2}credence: {number(value)}", path + (name,))
                elif name == "source":
                    self.add(f"{INDENT * 2}source: {plain_id(value)}", path + (name,))
                else:
                    self.free(name, value, INDENT * 2, path + (name,))

    def node(self, node: Node) -> None:
        for name in Node.model_fields:
            value = getattr(node, name)
            if name in ("id", "kind", "speaker", "presenter"):
                if value is not None:
                    self.add(f"{name}: {plain_id(value)}", (name,))
            elif name == "text":
                self.text_block("text", value, "", (name,))
            elif name == "source":
                self.source(value)
            elif name in ("supports", "attacks"):
                self.edges(name, value)
            elif name == "undercuts":
                self.undercuts(value)
            elif name == "restates":
                if value:
                    self.add("restates:", (name,))
                    for i, target in enumerate(value):
                        self.add(f"{INDENT}- {plain_id(target)}", (name, i))
            elif name == "tags":
                if value:
                    self.add(f"tags: [{', '.join(plain_id(t) for t in value)}]", (name,))
            elif name == "stances":
                self.stances(value)
            elif name == "aif":
                if value is not None:
                    self.add("aif:", (name,))
                    self.free("node", value.node, INDENT, (name, "node"))
                    self.free("nodeset", value.nodeset, INDENT, (name, "nodeset"))
            else:
                self.free(name, value, "", (name,))


def _emit(node: Node) -> _Emitter:
    for safe in (False, True):
        emitter = _Emitter(safe)
        emitter.node(node)
        if safe or _reads_as(node, "\n".join(emitter.lines) + "\n"):
            return emitter
    raise AssertionError("unreachable")  # pragma: no cover


def _reads_as(node: Node, text: str) -> bool:
    try:
        return Node.model_validate(yaml.load(text, Loader=_Loader)) == node
    except Exception:  # any failure to read back means the rendering is wrong
        return False


def node_body(node: Node) -> str:
    """The canonical YAML of a node, without the schema comment (whose path depends on the file's folder)."""
    return "\n".join(_emit(node).lines) + "\n"


def node_bodies(nodes: list[Node]) -> list[str]:
    """The canonical YAML of many nodes (as :func:`node_body` gives each), read back in one parse.

    Only the compact form of a text (a folded or literal block) can fail to
    read back: every other value is written the same way in the safe form. So
    instead of parsing each file again, all compact blocks go into one YAML
    list, parsed once, and only a node whose block reads back as something
    else is rendered again, by :func:`node_body`. An import of thousands of
    claims spends most of its time on the per-file read-back otherwise.
    """
    emitters = []
    for node in nodes:
        emitter = _Emitter(False)
        emitter.node(node)
        emitters.append(emitter)
    check: list[str] = []
    expected: list[tuple[int, str]] = []  # (node index, value) of each block in check, in order
    for i, emitter in enumerate(emitters):
        for start, value in emitter.blocks:
            key_line = emitter.lines[start]
            # The block's own lines sit one indent deeper than its key, as a list item's do.
            indent = len(key_line) - len(key_line.lstrip(" "))
            check.append("- " + key_line[key_line.index(":") + 2:])
            end = start + 1
            while end < len(emitter.lines) and (not emitter.lines[end] or emitter.lines[end].startswith(" " * (indent + 1))):
                check.append(emitter.lines[end][indent:])
                end += 1
            expected.append((i, value))
    try:
        read = yaml.load("\n".join(check) + "\n", Loader=_Loader) if check else []
    except yaml.YAMLError:
        read = None
    if not isinstance(read, list) or len(read) != len(expected):
        wrong = {i for i, _ in expected}  # the list itself did not read back: check each node alone
    else:
        wrong = {i for (i, value), got in zip(expected, read) if got != value}
    return [node_body(nodes[i]) if i in wrong else "\n".join(e.lines) + "\n" for i, e in enumerate(emitters)]


def node_text(node: Node | dict, path: Path, root: Path, schema_dir: Path | None = None) -> str:
    """The whole canonical file for a node stored at path inside the claims folder root."""
    if not isinstance(node, Node):
        node = Node.model_validate(node)
    schema_dir = find_schema_dir(root) if schema_dir is None else schema_dir
    return schema_comment(path, schema_dir) + "\n" + node_body(node)


# --- comments ----------------------------------------------------------------------------------


class Comments:
    """The comments of a file, each tied to the key or item it sits on or above."""

    def __init__(self) -> None:
        self.header: list[str] = []  # above the first key: stays at the top
        self.above: dict[Path_, list[str]] = {}  # full-line comments above a key
        self.after: dict[Path_, list[str]] = {}  # end-of-line comments on a key's line
        self.trailing: list[str] = []  # below the last key

    def __bool__(self) -> bool:
        return bool(self.header or self.above or self.after or self.trailing)


def extract_comments(text: str) -> Comments:
    """Find every comment of a YAML text and the key or item it belongs to.

    A ``#`` starts a comment only at the start of a line or after white space,
    and never inside a quoted or block scalar; the composed YAML tree says where
    those scalars are, and on which line each key and item starts.
    """
    comments = Comments()
    tree = yaml.compose(text, Loader=_Loader)
    spans: list[tuple[int, int]] = []
    starts: dict[int, list[Path_]] = {}

    def walk(node: yaml.Node, path: Path_) -> None:
        if isinstance(node, yaml.ScalarNode):
            if node.style in ("|", ">"):
                # A block scalar's header line (``>-  # note``) can end in a
                # comment; its text starts on the next line.
                newline = text.find("\n", node.start_mark.index)
                start = node.end_mark.index if newline == -1 else min(newline + 1, node.end_mark.index)
                spans.append((start, node.end_mark.index))
            elif node.style:
                spans.append((node.start_mark.index, node.end_mark.index))
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = path + (str(key.value),)
                starts.setdefault(key.start_mark.line, []).append(child)
                walk(key, path)
                walk(value, child)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                starts.setdefault(item.start_mark.line, []).append(path + (i,))
                walk(item, path + (i,))

    if tree is not None:
        walk(tree, ())
    spans.sort()
    first_key = min(starts, default=None)
    pending: list[str] = []
    last_path: Path_ | None = None
    offset = 0
    for number_, line in enumerate(text.splitlines(keepends=True)):
        comment_at = _comment_start(line, offset, spans)
        offset += len(line)
        if number_ in starts:
            if pending:
                comments.above.setdefault(starts[number_][0], []).extend(pending)
                pending = []
            last_path = starts[number_][0]
        if comment_at is None:
            continue
        comment = line[comment_at:].rstrip()
        if line[:comment_at].strip():
            if last_path is not None:
                comments.after.setdefault(last_path, []).append(comment)
            else:
                comments.header.append(comment)
        elif comment.startswith(SCHEMA_PREFIX):
            continue
        elif first_key is None or number_ < first_key:
            comments.header.append(comment)
        else:
            pending.append(comment)
    comments.trailing = pending
    return comments


SCHEMA_PREFIX = "# yaml-language-server:"


def _comment_start(line: str, offset: int, spans: list[tuple[int, int]]) -> int | None:
    i = line.find("#")
    while i != -1:
        if (i == 0 or line[i - 1] in " \t") and not _inside(offset + i, spans):
            return i
        i = line.find("#", i + 1)
    return None


def _inside(index: int, spans: list[tuple[int, int]]) -> bool:
    at = bisect.bisect_right(spans, (index, float("inf"))) - 1
    return at >= 0 and spans[at][0] <= index < spans[at][1]


def _with_comments(emitter: _Emitter, comments: Comments) -> list[str]:
    emitted = {p for paths in emitter.paths for p in paths}
    above: dict[Path_, list[str]] = {}
    after: dict[Path_, list[str]] = {}
    trailing: list[str] = []
    # A comment whose key the layout drops (an empty list, a default) moves to
    # the nearest enclosing key that remains, or to the end: it is never lost.
    for source, target in ((comments.above, above), (comments.after, after)):
        for path, lines in source.items():
            while path and path not in emitted:
                path = path[:-1]
            if path:
                target.setdefault(path, []).extend(lines)
            else:
                trailing.extend(lines)
    out = list(comments.header)
    for line, paths in zip(emitter.lines, emitter.paths):
        indent = line[: len(line) - len(line.lstrip(" "))]
        eol: list[str] = []
        for path in paths:
            out.extend(indent + c for c in above.pop(path, []))
            eol.extend(after.pop(path, []))
        out.extend(indent + c for c in eol[1:])
        out.append(f"{line}  {eol[0]}" if eol else line)
    out.extend(trailing + comments.trailing)
    return out


def format_text(original: str, node: Node, path: Path, root: Path, schema_dir: Path | None = None) -> str | None:
    """A file's text in the canonical layout, keeping its comments.

    None when the comments cannot be kept without changing what the file says
    (the caller then leaves the file alone).
    """
    schema_dir = find_schema_dir(root) if schema_dir is None else schema_dir
    emitter = _emit(node)
    lines = _with_comments(emitter, extract_comments(original))
    text = schema_comment(path, schema_dir) + "\n" + "\n".join(lines) + "\n"
    return text if _reads_as(node, text) else None


def _registry_value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(quoted(str(v)) for v in value) + "]"
    return quoted(str(value))


def registry_text(entries: Iterable[dict], comment: str | None = None) -> str:
    """A people or sources file, for generated knowledge bases (the real registries are edited by hand)."""
    lines = [comment] if comment else []
    for entry in entries:
        first = True
        for key, value in entry.items():
            if value is None:
                continue
            rendered = plain_id(value) if key == "id" else _registry_value(value)
            lines.append(f"{'- ' if first else INDENT}{key}: {rendered}")
            first = False
    return "\n".join(lines) + "\n"
