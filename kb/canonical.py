"""The canonical layout of node and registry files, written by `kb add` and `kb fmt`.

One layout means diffs show only what changed in substance and a reviewer never
wades through re-quoting or key shuffles. The layout follows how the map's
authors already write by hand:

* a ``# yaml-language-server: $schema=...`` first line pointing at the schema
  beside the claims folder, so editors complete and check fields;
* keys in the order the models declare them (``kb/models.py``);
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

import os
import re
from pathlib import Path
from typing import Any, Iterable

import yaml

from kb.models import Edge, Node, SourceRef, Stance

WIDTH = 100
INDENT = "  "
SCHEMA_DIR = "schema"
NODE_SCHEMA = "node.schema.json"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_resolver = yaml.resolver.Resolver()
_STR_TAG = "tag:yaml.org,2002:str"
_NEEDS_ESCAPE = re.compile("[\\x00-\\x1f\\x7f-\\x9f\"\\\\\u2028\u2029\ufeff]")
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


# --- scalars -----------------------------------------------------------------------------------


def quoted(value: str) -> str:
    """A YAML double-quoted scalar: always correct, whatever the characters."""
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
    if "e" in text or "inf" in text or "nan" in text:
        # YAML 1.1 (and so PyYAML) reads 1e-05 as a string; spell it out.
        text = f"{value:.20f}".rstrip("0")
        text = text + "0" if text.endswith(".") else text
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


class _Emitter:
    def __init__(self, safe: bool):
        # safe: every free-text scalar double-quoted, the fallback when a compact
        # form fails to read back as the same value.
        self.safe = safe
        self.lines: list[str] = []

    def text_block(self, key: str, value: str, indent: str) -> None:
        if not self.safe:
            body = folded(value, indent + INDENT) if "\n" not in value else None
            if body is not None:
                self.lines.append(f"{indent}{key}: >-")
                self.lines.extend(body)
                return
            body = literal(value, indent + INDENT) if "\n" in value else None
            if body is not None:
                self.lines.append(f"{indent}{key}: |{'' if value.endswith(chr(10)) else '-'}")
                self.lines.extend(body)
                return
        self.lines.append(f"{indent}{key}: {quoted(value)}")

    def free(self, key: str, value: str | None, indent: str) -> None:
        if value is not None:
            self.lines.append(f"{indent}{key}: {quoted(value)}")

    def edges(self, key: str, edges: list[Edge]) -> None:
        if not edges:
            return
        self.lines.append(f"{key}:")
        for edge in edges:
            if edge.weight == 1.0 and edge.note is None:
                self.lines.append(f"{INDENT}- {plain_id(edge.target)}")
                continue
            self.lines.append(f"{INDENT}- target: {plain_id(edge.target)}")
            if edge.weight != 1.0:
                self.lines.append(f"{INDENT * 2}weight: {number(edge.weight)}")
            self.free("note", edge.note, INDENT * 2)

    def source(self, source: SourceRef) -> None:
        self.lines.append("source:")
        for name in SourceRef.model_fields:
            value = getattr(source, name)
            if name == "document":
                self.lines.append(f"{INDENT}document: {plain_id(value)}")
            else:
                self.free(name, value, INDENT)

    def stances(self, stances: dict[str, Stance]) -> None:
        if not stances:
            return
        self.lines.append("stances:")
        for person, stance in stances.items():
            if stance.quote is None and stance.source is None and stance.note is None:
                self.lines.append(f"{INDENT}{plain_id(person)}: {number(stance.credence)}")
                continue
            self.lines.append(f"{INDENT}{plain_id(person)}:")
            for name in Stance.model_fields:
                value = getattr(stance, name)
                if value is None:
                    continue
                if name == "credence":
                    self.lines.append(f"{INDENT * 2}credence: {number(value)}")
                elif name == "source":
                    self.lines.append(f"{INDENT * 2}source: {plain_id(value)}")
                else:
                    self.free(name, value, INDENT * 2)

    def node(self, node: Node) -> None:
        for name in Node.model_fields:
            value = getattr(node, name)
            if name in ("id", "kind", "speaker"):
                if value is not None:
                    self.lines.append(f"{name}: {plain_id(value)}")
            elif name == "text":
                self.text_block("text", value, "")
            elif name == "source":
                self.source(value)
            elif name in ("supports", "attacks"):
                self.edges(name, value)
            elif name == "tags":
                if value:
                    self.lines.append(f"tags: [{', '.join(plain_id(t) for t in value)}]")
            elif name == "stances":
                self.stances(value)
            else:
                self.free(name, value, "")


def node_body(node: Node) -> str:
    """The canonical YAML of a node, without the schema comment."""
    for safe in (False, True):
        emitter = _Emitter(safe)
        emitter.node(node)
        text = "\n".join(emitter.lines) + "\n"
        if safe or Node.model_validate(yaml.load(text, Loader=_Loader)) == node:
            return text
    raise AssertionError("unreachable")  # pragma: no cover


def node_text(node: Node | dict, path: Path, root: Path, schema_dir: Path | None = None) -> str:
    """The whole canonical file for a node stored at path inside the claims folder root."""
    if not isinstance(node, Node):
        node = Node.model_validate(node)
    schema_dir = find_schema_dir(root) if schema_dir is None else schema_dir
    return schema_comment(path, schema_dir) + "\n" + node_body(node)


def _registry_value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(quoted(str(v)) for v in value) + "]"
    return quoted(str(value))


def registry_text(entries: Iterable[dict], comment: str | None = None) -> str:
    """A people or sources file: a list of entries, ids plain and everything else quoted."""
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
