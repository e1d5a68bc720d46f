"""Safe YAML reading: a node file's text to plain data, and problems located in that text.

Only the safe loader is used (libyaml's C loader when present), with anchors and
aliases, unknown tags, merge keys and duplicate keys refused, each as a problem
with its line and column. Kept apart from :mod:`kb.data.store` (the files and
folders of a knowledge base) so that a command answered from the cache imports
neither PyYAML nor pydantic.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

import yaml

from kb.data.errors import KBError
from kb.data.store import MAX_FILE_BYTES, Refused, _short, read_regular
from kb.rules.report import Problem

if TYPE_CHECKING:
    from pydantic import ValidationError

    from kb.data.models import Node

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


# Scalar tags a knowledge-base file may hold: everything else (``!!binary``,
# ``!!python/...``, local tags) is refused, as are tagged collections (``!!set``,
# ``!!omap``, ``!!pairs``), which would otherwise load as something the schema
# reads as empty.
_SCALAR_TAGS = {
    "tag:yaml.org,2002:null": "null", "tag:yaml.org,2002:bool": "true or false",
    "tag:yaml.org,2002:int": "whole number", "tag:yaml.org,2002:float": "number",
    "tag:yaml.org,2002:timestamp": "date",
}
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
# Deeper than any file the schema allows (a stance mapping sits 3 deep), far
# below the interpreter's recursion limit and libyaml's own.
MAX_DEPTH = 64


def _tag_name(tag: str) -> str:
    return "!!" + tag[len("tag:yaml.org,2002:"):] if tag.startswith("tag:yaml.org,2002:") else tag


def _convert(loader: _Loader, node: yaml.Node, seen: set[int], depth: int = 0) -> Any:
    """Build plain data from a composed YAML tree, refusing what a claim file never needs.

    A hand-rolled walk instead of PyYAML's constructor: it is several times faster
    on thousands of small files, and it is where duplicate keys, aliases, tags
    and nesting are caught. Aliases are refused outright: a node file never
    needs one, and they are the vehicle of "billion laughs" expansion bombs.
    Every value the schema cannot hold is a located problem here, never an
    exception: a tagged collection would otherwise load as something that reads
    as empty, and a malformed scalar (``!!float abc``, ``2023-02-29``) as a
    traceback.
    """
    if id(node) in seen:
        raise _Refused("yaml-alias", "anchors and aliases are not allowed in knowledge-base files", node)
    seen.add(id(node))
    if depth > MAX_DEPTH:
        raise _Refused("too-deep", f"nested more than {MAX_DEPTH} levels deep", node)
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _STR:
            return node.value
        if node.tag not in _SCALAR_TAGS:
            raise _Refused("yaml-tag", f"tag {_tag_name(node.tag)} is not allowed (plain YAML only)", node)
        try:
            return loader.construct_object(node)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError, ArithmeticError):
            raise _Refused("invalid-value", f"'{_short(node.value)}' is not a valid {_SCALAR_TAGS[node.tag]}"
                           " (quote it to make it text)", node) from None
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _SEQ:
            raise _Refused("yaml-tag", f"tag {_tag_name(node.tag)} is not allowed (plain YAML only)", node)
        return [_convert(loader, item, seen, depth + 1) for item in node.value]
    if node.tag != _MAP:
        raise _Refused("yaml-tag", f"tag {_tag_name(node.tag)} is not allowed (plain YAML only)", node)
    data: dict = {}
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE:
            raise _Refused("yaml-alias", "merge keys ('<<') are not allowed in knowledge-base files", key_node)
        key = _convert(loader, key_node, seen, depth + 1)
        try:
            duplicate = key in data
        except TypeError:
            raise _Refused("invalid-value", "a mapping key must be a plain value", key_node) from None
        if duplicate:
            raise _Refused("duplicate-key", f"duplicate key '{key}' in a mapping", key_node)
        data[key] = _convert(loader, value_node, seen, depth + 1)
    return data


def _loc_problem(path: str, code: str, message: str, loc: tuple = (), severity: str = "error") -> Problem:
    return Problem(path, 0, 0, code, message, severity, loc)  # type: ignore[arg-type]


def parse_yaml(path: Path, display: str, root: Path | None = None, walked: bool = False) -> tuple[Any, list[Problem]]:
    """Read one YAML file, returning its data or the problems that stop it loading."""
    try:
        raw = read_regular(path, MAX_FILE_BYTES, root, walked)
    except Refused as exc:
        return None, [Problem(display, 1, 1, exc.code, str(exc))]
    except OSError as exc:
        return None, [Problem(display, 1, 1, "io", f"cannot read file: {exc.strerror or exc}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [Problem(display, line, col, "encoding", "file is not valid UTF-8")]
    return parse_text(text, display)


def size_problems(text: str, display: str) -> list[Problem]:
    """A ``too-large`` problem for a text over the limit, so writers refuse what loading would refuse."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_FILE_BYTES:
        return [Problem(display, 1, 1, "too-large", f"file is {size} bytes; the limit is {MAX_FILE_BYTES} (1 MiB)")]
    return []


def parse_text(text: str, display: str) -> tuple[Any, list[Problem]]:
    """Parse YAML held in memory, so an edit can be checked before it is written.

    The size limit is checked here too, so that a change is refused before it
    writes a file that loading would then refuse.
    """
    too_large = size_problems(text, display)
    if too_large:
        return None, too_large
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


def parse_node(text: str, display: str) -> tuple[Node | None, list[Problem]]:
    """A node from YAML text in memory, or the problems loading its file would report."""
    return node_reader()(*parse_text(text, display), display)


def node_reader() -> Callable[[Any, list[Problem], str], tuple[Node | None, list[Problem]]]:
    """A function from a node file's parse result ``(data, problems)`` and display path to the node, or
    None and the problems that stop it being read.

    Made once by a caller that reads many files (imports and the model's field
    names are looked up here, not once per file).
    """
    from pydantic import ValidationError

    from kb.data.models import Node

    allowed = list(Node.model_fields)
    validate = Node.model_validate

    def read(data: Any, errs: list[Problem], display: str) -> tuple[Node | None, list[Problem]]:
        if not errs and not isinstance(data, dict):
            errs = [Problem(display, 1, 1, "not-a-mapping",
                            f"a node file must be a mapping of fields, got {_describe(data)}")]
        if errs:
            return None, errs
        try:
            return validate(data), []
        except ValidationError as exc:
            return None, validation_problems(display, exc, data, allowed)

    return read


def _walk(node: yaml.Node, loc: tuple, index: dict[int, dict[str, tuple]]) -> yaml.Node:
    """The YAML node a loc path points at: the key for a field, the item for an index.

    Pydantic locations can name things the document lacks (a missing field); the
    walk stops at the deepest part that exists. Each mapping's keys are indexed
    once (in ``index``), so locating many problems in one large mapping stays
    linear.
    """
    current = node
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(current, yaml.MappingNode):
            keys = index.get(id(current))
            if keys is None:
                keys = index[id(current)] = {}
                for key_node, value_node in current.value:
                    keys.setdefault(str(key_node.value), (key_node, value_node))
            hit = keys.get(str(part))
            if hit is None:
                return current
            current = hit[0] if last else hit[1]
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
    trees: dict[str, tuple[yaml.Node | None, dict]] = {}
    out = []
    for p in problems:
        if p.line:
            out.append(p)
            continue
        if p.path not in trees:
            tree = None
            try:
                if p.path in documents:
                    text = documents[p.path]
                else:
                    text = read_regular(Path(p.path)).decode("utf-8")
                tree = yaml.compose(text, Loader=_BaseLoader)
            except (OSError, UnicodeDecodeError, yaml.YAMLError, KBError, RecursionError):
                tree = None
            trees[p.path] = (tree, {})
        tree, index = trees[p.path]
        line, col = 1, 1
        if tree is not None:
            mark = _walk(tree, p.loc, index).start_mark
            line, col = mark.line + 1, mark.column + 1
        out.append(Problem(p.path, line, col, p.code, p.message, p.severity, p.loc))
    return out
