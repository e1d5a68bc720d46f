"""An Argdown document that the Argdown tools parse into the same statements and relations.

Each node is one statement, defined once under a heading for its source
document::

    [Title]: The node's text. #rebuttal #dual-use {"id": "dual-use", "kind": "rebuttal", ...}
      + [Title of a node that supports it]
      - [Title of a node that attacks it]

Statements are identified by their titles in Argdown, so titles are made
unique (a repeated title gets the node id appended) and lose the square
brackets that would end them early. The text is escaped character by character
wherever Argdown would read markup into it (``*``, ``_``, ``#``, ``[``, ``<``,
``//``, ``{``, ``.x.`` and so on); line breaks become spaces. The kind and the
tags become Argdown tags; the id and the source metadata go in a data block, as
JSON (which YAML, and so Argdown, reads), with braces escaped inside strings so
that the block ends where it should.

Relations are listed under the statement they are about, as Argdown's incoming
``+`` (support) and ``-`` (attack), so every edge appears exactly once.
"""

from __future__ import annotations

import json
import re

from kb import __version__

# Characters that start markup anywhere in a line.
_ALWAYS = set("\\@#*_[]<>{}/")
# Characters that start markup only when followed by something (".x." and ":x:" are
# special characters, "--" is an inference rule).
_BEFORE_TEXT = set(".:")
_JSON_ESCAPES = {"{": "\\u007b", "}": "\\u007d", "=": "\\u003d", "\u2028": "\\u2028", "\u2029": "\\u2029",
                 "\u0085": "\\u0085", "\ufeff": "\\ufeff"}
_SPECIAL_IN_STRINGS = re.compile("[{}=\u2028\u2029\u0085\ufeff]")


def escape(text: str) -> str:
    """Statement text that Argdown reads back as exactly ``text`` with white space folded."""
    text = " ".join(text.split())
    out = []
    for i, char in enumerate(text):
        following = text[i + 1] if i + 1 < len(text) else ""
        previous = text[i - 1] if i else ""
        if (char in _ALWAYS
                or (char in _BEFORE_TEXT and following and not following.isspace())
                or (char == "-" and "-" in (previous, following))):
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def _json(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_json(str(k))}: {_json(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_json(v) for v in value) + "]"
    text = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        text = _SPECIAL_IN_STRINGS.sub(lambda m: _JSON_ESCAPES[m.group()], text)
    return text


def data_block(data: dict) -> str:
    """A data block as one-line JSON, with the characters that would end it early escaped in strings."""
    return _json(data)


def clean_title(title: str) -> str:
    title = " ".join(title.replace("[", "(").replace("]", ")").split())
    return title.lstrip("-").strip() or "untitled"


def titles(bundle) -> dict[str, str]:
    """An Argdown title for every node: its own title, or ``title (id)`` where titles repeat."""
    plain = {n: clean_title(bundle.kb.nodes[n].title) for n in bundle.ids}
    counts: dict[str, int] = {}
    for title in plain.values():
        counts[title] = counts.get(title, 0) + 1
    return {n: (t if counts[t] == 1 else f"{t} ({n})") for n, t in plain.items()}


def _tag(value: str) -> str:
    return f"#{value}" if re.fullmatch(r"[A-Za-z0-9_-]+", value) else f"#({value.replace(')', '')})"


def export(bundle):
    from kb.export.core import Output

    kb = bundle.kb
    names = titles(bundle)
    incoming: dict[str, list[tuple[str, str]]] = {}
    for u, v, d in bundle.edges():
        incoming.setdefault(v, []).append((u, d["relation"]))
    weights: dict[str, list[dict]] = {}
    for u, v, d in bundle.edges():
        if d["weight"] != 1 or d.get("note"):
            entry = {"target": v, "relation": d["relation"], "weight": d["weight"]}
            if d.get("note"):
                entry["note"] = d["note"]
            weights.setdefault(u, []).append(entry)
    heading = {"title": "kb export" + (f": {bundle.query}" if bundle.query else ""),
               "subTitle": f"written by kb {__version__}"}
    out = ["==="] + [f"{k}: {_json(v)}" for k, v in heading.items()] + ["===", ""]
    by_document: dict[str, list[str]] = {}
    for node_id in bundle.ids:
        by_document.setdefault(kb.nodes[node_id].source.document, []).append(node_id)
    for document in sorted(by_document):
        source = kb.sources.get(document)
        info = {"source": document}
        if source is not None:
            info.update(source.model_dump(mode="json", exclude_none=True, exclude={"id"}))
        title = clean_title(source.title if source else document)
        out += [f"# {escape(title)} {data_block(info)}", ""]
        for node_id in by_document[document]:
            node = kb.nodes[node_id]
            person = kb.people.get(node.speaker)
            data = {"id": node_id, "kind": node.kind, "title": node.title, "speaker": node.speaker}
            if person is not None:
                data["speaker_name"] = person.name
            data.update({k: v for k, v in node.source.model_dump(exclude_none=True).items() if k != "document"})
            if node.note:
                data["note"] = node.note
            if node_id in weights:
                data["edges"] = weights[node_id]
            tags = " ".join(_tag(t) for t in dict.fromkeys([node.kind, *node.tags]))
            out.append(f"[{names[node_id]}]: {escape(node.text)} {tags} {data_block(data)}")
            for other, relation in incoming.get(node_id, []):
                out.append(f"  {'+' if relation == 'supports' else '-'} [{names[other]}]")
            out.append("")
    return Output("\n".join(out).rstrip("\n") + "\n")
