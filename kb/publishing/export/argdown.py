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
``//``, ``{``, ``.x.``, ``--``, ``===`` and so on); line breaks become spaces. The kind and the
tags become Argdown tags; the id and the source metadata go in a data block, as
JSON (which YAML, and so Argdown, reads), with braces escaped inside strings so
that the block ends where it should.

Relations are listed under the statement they are about, as Argdown's incoming
``+`` (support) and ``-`` (attack), so every edge appears exactly once. An
inference that is linked (several premises) or undercut becomes an Argdown
argument with a premise–conclusion structure instead, under a final
"Inferences" heading: its premises, then ``----``, then the conclusion — the
target itself for a support; for an attack an auxiliary conclusion "Not so: …"
(data ``{"against": id}``) that attacks the target. Undercutters are listed
under the conclusion as ``_ [undercutter]``, which Argdown reads as an undercut
of that inference. Restatements of one claim are one Argdown equivalence class:
each node is still defined once, with its own text, tags and data block, but
under the title the class shares.
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
                or (char in "-=" and char in (previous, following))):
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


def restatement_class(bundle) -> dict[str, str]:
    """Node id -> the id whose title its restatement class shares (itself when it restates nothing)."""
    from kb.analysis.graph import restatement_classes

    G = bundle.graph.edge_subgraph([(u, v) for u, v in bundle.restatements()])
    return {n: restatement_classes(G).get(n, n) for n in bundle.ids}


def titles(bundle) -> dict[str, str]:
    """An Argdown title for every node: its own title, or ``title (id)`` where titles repeat.

    The restatements of one claim share the title of the class's first node, which
    makes them one equivalence class in Argdown.
    """
    rep = restatement_class(bundle)
    plain = {n: clean_title(bundle.kb.nodes[n].title) for n in bundle.ids if rep[n] == n}
    counts: dict[str, int] = {}
    for title in plain.values():
        counts[title] = counts.get(title, 0) + 1
    own = {n: (t if counts[t] == 1 else f"{t} ({n})") for n, t in plain.items()}
    return {n: own[rep[n]] for n in bundle.ids}


def inference_title(argument) -> str:
    """The Argdown argument that stands for a linked or undercut inference."""
    return f"{argument.lead} {argument.relation} {argument.target}"


def against_title(names: dict[str, str], argument) -> str:
    return f"Against {names[argument.target]} ({inference_title(argument)})"


def _tag(value: str) -> str:
    return f"#{value}" if re.fullmatch(r"[A-Za-z0-9_-]+", value) else f"#({value.replace(')', '')})"


def _edge_data(weight: float, note: str | None) -> dict:
    return {**({"weight": weight} if weight != 1 else {}), **({"note": note} if note else {})}


def export(bundle):
    from kb.publishing.export.core import Output

    kb = bundle.kb
    names = titles(bundle)
    cuts: dict = {}
    for cut in bundle.undercuts():
        cuts.setdefault(cut.argument, []).append(cut)
    plain = [a for a in bundle.arguments() if not a.linked and a not in cuts]
    inferences = [a for a in bundle.arguments() if a.linked or a in cuts]
    incoming: dict[str, list[tuple[str, str]]] = {}
    weights: dict[str, list[dict]] = {}
    for argument in plain:
        incoming.setdefault(argument.target, []).append((argument.lead, argument.relation))
        if argument.weight != 1 or argument.note:
            entry = {"target": argument.target, "relation": argument.relation, "weight": argument.weight}
            if argument.note:
                entry["note"] = argument.note
            weights.setdefault(argument.lead, []).append(entry)
    restates: dict[str, list[str]] = {}
    for a, b in bundle.restatements():
        restates.setdefault(a, []).append(b)
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
            if node_id in restates:
                data["restates"] = restates[node_id]
            tags = " ".join(_tag(t) for t in dict.fromkeys([node.kind, *node.tags]))
            out.append(f"[{names[node_id]}]: {escape(node.text)} {tags} {data_block(data)}")
            for other, relation in incoming.get(node_id, []):
                out.append(f"  {'+' if relation == 'supports' else '-'} [{names[other]}]")
            out.append("")
    if inferences:
        out += [f"# Inferences {data_block({'inferences': True})}", ""]
    for argument in inferences:
        data = {"inference": argument.relation, "lead": argument.lead, "premises": list(argument.premises),
                "target": argument.target, **_edge_data(argument.weight, argument.note)}
        undercuts = [{"by": c.cutter, "source": c.source, **_edge_data(c.weight, c.note)} for c in cuts.get(argument, [])]
        if undercuts:
            data["undercuts"] = undercuts
        what = "jointly support" if argument.relation == "supports" else "jointly attack"
        if not argument.linked:
            what = what.replace("jointly ", "") + "s"
        out += [f"<{inference_title(argument)}>: {escape(', '.join(names[p] for p in argument.premises))} "
                f"{what} {escape(names[argument.target])}. {data_block(data)}", ""]
        number = 0
        for number, premise in enumerate(argument.premises, start=1):
            out.append(f"({number}) [{names[premise]}]")
        out.append("----")
        if argument.relation == "supports":
            out.append(f"({number + 1}) [{names[argument.target]}]")
        else:
            against = {"against": argument.target}
            out.append(f"({number + 1}) [{against_title(names, argument)}]: "
                       f"{escape('Not so: ' + ' '.join(kb.nodes[argument.target].text.split()))} {data_block(against)}")
        for cut in cuts.get(argument, []):
            out.append(f"  _ [{names[cut.cutter]}]")
        if argument.relation == "attacks":
            out.append(f"  -> [{names[argument.target]}]")
        out.append("")
    return Output("\n".join(out).rstrip("\n") + "\n")
