"""Every exporter fed hypothesis-generated text (markup of every format, control characters, long
strings, any Unicode) and read back by its real reader: json, networkx's GraphML reader, Graphviz,
arguebuf and kb's own AIF importer, and the Argdown CLI. The text must come back as it went in (as
each format can hold it: GraphML turns XML-forbidden characters into spaces, DOT drops control
characters, Argdown folds white space), and no reader may fail."""

from __future__ import annotations

import json
import logging
import re
import tempfile
from pathlib import Path

import arguebuf
import networkx as nx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interchange_helpers import INTERCHANGE, SVG, argdown_json, load, render, statements_by_id
from kb.changes import importer
from kb.publishing.export import core, dot

MARKUP = ["===", "x. === y ===", "[", "]", "<", ">", "{", "}", "#", "@", "*", "_", "//", "/*", "*/", "-->", "<!--",
          "\\", "\"", "'", "&", "&amp;", "\n", "\r\n", "\t", "\x00", "\x07", "\x1b", "\u2028", "\ufeff", "->", "+>",
          "_>", "><", "(1)", "----", "-- r --", ":x:", ".y.", "\\n", "\\N", "%", "$", "\u202e", "é", "😀", "\ud7ff"]
TEXT = st.lists(st.one_of(st.sampled_from(MARKUP), st.text(st.characters(exclude_categories=["Cs"]), max_size=12)),
                min_size=1, max_size=12).map("".join).filter(lambda t: t.strip() != "")
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _map(texts: list[str]):
    kb = load(INTERCHANGE)
    ids = sorted(kb.nodes)
    for node_id, text in zip(ids, texts):
        kb.nodes[node_id] = kb.nodes[node_id].model_copy(update={"text": text})
    return kb, ids[: len(texts)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(TEXT, min_size=1, max_size=6))
def test_json_graphml_and_aif_hold_any_text(texts):
    kb, ids = _map(texts)
    data = json.loads(core.export(kb, "json").text)
    assert {n["id"]: n["text"] for n in data["nodes"] if n["id"] in ids} == {i: kb.nodes[i].text for i in ids}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "map.graphml"
        path.write_text(core.export(kb, "graphml").text, encoding="utf-8")
        read = nx.read_graphml(path)
        for i in ids:
            assert read.nodes[i]["text"] == _XML_FORBIDDEN.sub(" ", kb.nodes[i].text)
        aif = Path(tmp) / "map.json"
        aif.write_text(core.export(kb, "aif").text, encoding="utf-8")
        logging.disable(logging.WARNING)
        try:
            graph = arguebuf.load.file(aif)
        finally:
            logging.disable(logging.NOTSET)
        assert sorted(a.plain_text for a in graph.atom_nodes.values()) == sorted(n.text for n in kb.nodes.values())
        importer.import_aif(Path(tmp) / "back", aif)
        back = load(Path(tmp) / "back")
        assert {i: back.nodes[i].text for i in ids} == {i: kb.nodes[i].text.strip() for i in ids}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(TEXT, min_size=1, max_size=8), st.integers(0, 40_000))
def test_graphviz_draws_any_text(texts, padding):
    texts[0] = texts[0] + "x" * padding  # past Graphviz's 16 KB limit on a quoted string
    kb, ids = _map(texts)
    with tempfile.TemporaryDirectory() as tmp:
        svg = render(core.export(kb, "dot").text, Path(tmp))
    titles = {g.find(SVG + "title").text: g for g in svg.iter(SVG + "g") if g.get("class") == "node"}
    assert set(titles) == set(kb.nodes)
    for i in ids:
        link = titles[i].find(f".//{SVG}a")
        shown = link.get("{http://www.w3.org/1999/xlink}title")
        wanted = dot._CONTROL.sub("", kb.nodes[i].text).replace("\r\n", "\n").replace("\r", "\n")
        # Graphviz's SVG writes a space that follows a space as a no-break space, so that the run shows
        # (checked with dot: "x  y" gives "x &#160;y")
        wanted = re.sub("(?<= ) ", "\xa0", wanted)
        wanted = wanted.replace("\\", dot.BACKSLASH).replace("\t", " ")  # XML reads a tab in an attribute as a space
        assert shown.startswith(wanted[:200].rstrip()) or shown.startswith(wanted[: len(shown) - 1][:200].rstrip())
        assert len(shown.encode("utf-8")) <= dot.MAX_TOOLTIP_BYTES


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(TEXT, min_size=1, max_size=12))
def test_the_argdown_cli_reads_any_text(texts):
    kb, ids = _map(texts)
    with tempfile.TemporaryDirectory() as tmp:
        parsed = argdown_json(core.export(kb, "argdown").text, Path(tmp))
    statements = statements_by_id(parsed)
    for i in ids:
        assert statements[i]["text"] == " ".join(kb.nodes[i].text.split())
