"""GraphML, for Gephi, yEd, networkx and igraph.

GraphML attributes are typed scalars, so lists become comma-separated strings
and stances are left out (they are in the JSON export). Edges carry the graph's
own attributes: ``relation`` (and its ``sign``: +1, -1, or 0 for a restatement),
``linked`` (the premises of a linked argument, comma-separated), ``lead`` and,
on an undercut, ``via`` (the undercut edge runs from ``via`` to the target). Gephi takes a node's
caption from ``label``, its colour from ``r``/``g``/``b`` and an edge's
thickness from ``weight``; those are written under the names it looks for.
The grounded label is therefore called ``grounded``, not ``label``.

Written with the standard library's XML writer rather than networkx's, so that
the tests' readers (networkx and igraph) check a file they did not write.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from kb.data import relations
from kb.publishing import style
from kb.publishing.export.attrs import vias

NS = "http://graphml.graphdrawing.org/xmlns"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_LOCATION = f"{NS} http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd"
# XML 1.0 forbids most control characters even when escaped.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

NODE_KEYS = (
    ("label", "string"), ("kind", "string"), ("title", "string"), ("text", "string"),
    ("speaker", "string"), ("speaker_name", "string"), ("source", "string"), ("section", "string"),
    ("quote", "string"), ("tags", "string"), ("note", "string"), ("strength", "double"),
    ("strength_final", "boolean"), ("grounded", "string"), ("color", "string"),
    ("r", "int"), ("g", "int"), ("b", "int"),
)
EDGE_KEYS = (("relation", "string"), ("sign", "int"), ("weight", "double"), ("note", "string"), ("label", "string"),
             ("linked", "string"), ("lead", "string"), ("via", "string"))


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return _FORBIDDEN.sub(" ", str(value))


def _data(parent: ET.Element, key: str, value) -> None:
    if value is None or value == "":
        return
    ET.SubElement(parent, "data", key=key).text = _text(value)


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def export(bundle):
    from kb.publishing.export.core import Output

    kb = bundle.kb
    root = ET.Element("graphml", {"xmlns": NS, "xmlns:xsi": _XSI, "xsi:schemaLocation": _LOCATION})
    for scope, keys, prefix in (("node", NODE_KEYS, "n"), ("edge", EDGE_KEYS, "e")):
        for name, kind in keys:
            ET.SubElement(root, "key", {"id": f"{prefix}_{name}", "for": scope, "attr.name": name, "attr.type": kind})
    graph = ET.SubElement(root, "graph", id="kb", edgedefault="directed")
    for node_id in bundle.ids:
        node = kb.nodes[node_id]
        person = kb.people.get(node.speaker)
        fill = style.kind_style(node.kind).fill
        r, g, b = _rgb(fill)
        element = ET.SubElement(graph, "node", id=node_id)
        values = {
            "label": node.title, "kind": node.kind, "title": node.title, "text": node.text,
            "speaker": node.speaker, "speaker_name": person.name if person else None,
            "source": node.source.document, "section": node.source.section, "quote": node.source.quote,
            "tags": ",".join(node.tags), "note": node.note,
            "strength": float(bundle.strengths[node_id]), "strength_final": bundle.strengths.final(node_id),
            "grounded": str(bundle.labels[node_id]), "color": fill, "r": r, "g": g, "b": b,
        }
        for name, _ in NODE_KEYS:
            _data(element, f"n_{name}", values[name])
    for i, (u, v, d) in enumerate(bundle.edges()):
        element = ET.SubElement(graph, "edge", id=f"e{i}", source=u, target=v)
        values = {"relation": d["relation"], "sign": relations.sign(d["relation"]),
                  "weight": float(d["weight"]), "note": d.get("note"), "label": d["relation"],
                  "linked": ",".join(d.get("linked") or ()), "lead": d.get("lead"), "via": ",".join(vias(d))}
        for name, _ in EDGE_KEYS:
            _data(element, f"e_{name}", values[name])
    ET.indent(root)
    # XML readers turn a bare carriage return into a line feed; a character reference keeps it.
    text = ET.tostring(root, encoding="unicode", xml_declaration=False).replace("\r", "&#13;")
    return Output('<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n")
