"""Editing a hand-written YAML file without disturbing what the edit does not touch.

People comment their claim files, order keys their own way and wrap text by
hand; an edit from the command line must change only the lines it is about.
ruamel.yaml's round-trip mode keeps comments and styles, but it still
normalises a few things (indentation, spacing inside flow lists). So the edit
is made twice over the same parse, once empty and once real, and only the
lines in which those two dumps differ are carried over to the original text.
"""

from __future__ import annotations

import difflib
import io
from typing import Callable

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from kb.data.models import Node

_SafeLoader = getattr(pyyaml, "CSafeLoader", pyyaml.SafeLoader)


def _yaml(mapping: int = 2, offset: int = 2) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long line the edit did not touch
    yaml.indent(mapping=mapping, sequence=offset + 2, offset=offset)
    return yaml


def guess_indent(text: str) -> tuple[int, int]:
    """The file's own mapping indent and the offset of its list dashes (2 and 2 by default).

    Dumping with the file's own indentation makes the untouched dump match the
    original nearly everywhere, so that new lines come out indented like their
    neighbours.
    """
    mapping = offset = None
    try:
        root = pyyaml.compose(text, Loader=_SafeLoader)
    except pyyaml.YAMLError:
        return 2, 2
    stack = [root]
    while stack and (mapping is None or offset is None):
        node = stack.pop(0)
        if isinstance(node, pyyaml.MappingNode):
            for key, value in node.value:
                if value.start_mark.line == key.start_mark.line or value.flow_style:
                    continue
                if isinstance(value, pyyaml.MappingNode) and value.value and mapping is None:
                    mapping = value.start_mark.column - key.start_mark.column
                elif isinstance(value, pyyaml.SequenceNode) and value.value and offset is None:
                    offset = value.value[0].start_mark.column - 2 - key.start_mark.column
                stack.append(value)
        elif isinstance(node, pyyaml.SequenceNode):
            stack.extend(node.value)
    mapping = mapping if mapping and mapping > 0 else 2
    offset = offset if offset is not None and 0 <= offset < mapping + 2 else min(2, mapping)
    return mapping, offset


def _dump(yaml: YAML, data) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def edit(text: str, change: Callable[[CommentedMap], None]) -> str:
    """Apply change to the parsed document and return the new text.

    change mutates the round-trip mapping in place; everything outside the lines
    it alters is kept byte for byte.
    """
    yaml = _yaml(*guess_indent(text))
    data = yaml.load(text)
    untouched = _dump(yaml, data)
    change(data)
    edited = _dump(yaml, data)
    if untouched == text:
        return edited
    spliced = splice(text, untouched, edited)
    if spliced is None or _data(spliced) != _data(edited):
        return edited  # keeping the edit right matters more than keeping the layout
    return spliced


def _data(text: str):
    try:
        return pyyaml.load(text, Loader=_SafeLoader)
    except pyyaml.YAMLError:
        return None


def splice(original: str, untouched: str, edited: str) -> str | None:
    """Carry the differences between untouched and edited over to original.

    None when a changed line of untouched cannot be matched to the original
    (the dump normalised that very spot); the caller then uses edited whole.
    """
    o, n, e = (t.splitlines(keepends=True) for t in (original, untouched, edited))
    to_original: dict[int, int] = {}
    for block in difflib.SequenceMatcher(None, n, o, autojunk=False).get_matching_blocks():
        for k in range(block.size):
            to_original[block.a + k] = block.b + k
    out: list[str] = []
    pos = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, n, e, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if i1 < i2:
            if any(k not in to_original for k in range(i1, i2)) or to_original[i2 - 1] - to_original[i1] != i2 - 1 - i1:
                return None
            start, stop = to_original[i1], to_original[i2 - 1] + 1
        elif i1 > 0 and i1 - 1 in to_original:
            start = stop = to_original[i1 - 1] + 1
        elif i1 in to_original:
            start = stop = to_original[i1]
        elif i1 == 0:
            start = stop = 0
        else:
            return None
        if start < pos:
            return None
        out += o[pos:start] + e[j1:j2]
        pos = stop
    out += o[pos:]
    return "".join(out)


# --- edits on a node mapping -------------------------------------------------------------------

FIELD_ORDER = list(Node.model_fields)


def ensure_key(data: CommentedMap, key: str, factory: Callable[[], object]):
    """The value under key, inserting a new one where the models' field order puts it."""
    value = data.get(key)
    if key in data and value is not None and not (isinstance(value, (list, dict)) and not value and _is_flow(value)):
        return value
    new = factory()
    if key in data:
        data[key] = new
        return new
    rank = FIELD_ORDER.index(key) if key in FIELD_ORDER else len(FIELD_ORDER)
    position = len(data)
    for i, existing in enumerate(data):
        if existing in FIELD_ORDER and FIELD_ORDER.index(existing) > rank:
            position = i
            break
    data.insert(position, key, new)
    return new


def _is_flow(value) -> bool:
    fa = getattr(value, "fa", None)
    return bool(fa and fa.flow_style())


def edge_item(target: str, weight: float, note: str | None, premises: tuple[str, ...] = ()):
    """An edge in the canonical short form when it can be, the long form otherwise."""
    if weight == 1.0 and note is None and not premises:
        return target
    item = CommentedMap()
    item["target"] = target
    if premises:
        item["with"] = flow_seq(premises)
    if weight != 1.0:
        item["weight"] = weight
    if note is not None:
        item["note"] = DoubleQuotedScalarString(note)
    return item


def item_target(item) -> str | None:
    if isinstance(item, str):
        return str(item)
    if isinstance(item, dict):
        target = item.get("target")
        return None if target is None else str(target)
    return None


def drop_if_empty(data: CommentedMap, key: str) -> None:
    value = data.get(key)
    if key in data and isinstance(value, (list, dict)) and not value:
        del data[key]


def new_seq() -> CommentedSeq:
    seq = CommentedSeq()
    seq.fa.set_block_style()
    return seq


def flow_seq(items) -> CommentedSeq:
    """A one-line list (``[a, b]``), as the canonical layout writes premises and tags."""
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def undercut_item(source: str, target: str, weight: float, note: str | None) -> CommentedMap:
    item = CommentedMap()
    item["source"] = source
    item["target"] = target
    if weight != 1.0:
        item["weight"] = weight
    if note is not None:
        item["note"] = DoubleQuotedScalarString(note)
    return item


def new_map() -> CommentedMap:
    mapping = CommentedMap()
    mapping.fa.set_block_style()
    return mapping


def quoted(text: str) -> DoubleQuotedScalarString:
    return DoubleQuotedScalarString(text)
