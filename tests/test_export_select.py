"""The --select query language: each term compared with the set of nodes it should pick on the
interchange fixture, and every format restricted to the same subgraph."""

from __future__ import annotations

import json

import networkx as nx
import pytest

from interchange_helpers import INTERCHANGE, load, run_kb
from kb.analysis import graph, select
from kb.data.errors import KBError, UnknownId
from kb.publishing.export import core


@pytest.fixture(scope="module")
def G():
    return graph.build(load(INTERCHANGE))


@pytest.mark.parametrize("query, expected", [
    ("ancestors:see-inside", {"see-inside", "audits", "what-counts", "wont-scale", "dual-use", "scale-is-fine",
                              "benchmark-results", "wont-scale-again"}),
    ("descendants:audits", {"audits", "see-inside", "interp-helps"}),
    ("neighbours:audits", {"audits", "see-inside", "what-counts", "dual-use", "wont-scale-again"}),
    ("id:audits,dual-use", {"audits", "dual-use"}),
    ("source:doc2", {"dual-use", "fund-evals", "wont-scale-again"}),
    ("kind:rebuttal", {"wont-scale", "scale-is-fine", "dual-use", "wont-scale-again"}),
    ("kind:question,proposal", {"what-counts", "fund-evals"}),
    ("tag:thesis", {"interp-helps"}),
    ("speaker:carol", {"what-counts", "wont-scale-again", "fund-evals"}),
    ("ancestors:audits -kind:question", {"audits", "dual-use", "wont-scale-again"}),
    ("source:doc1 kind:rebuttal", {"wont-scale", "scale-is-fine"}),
    ("-source:doc1", {"dual-use", "fund-evals", "wont-scale-again"}),
])
def test_each_term_selects_what_it_says(G, query, expected):
    assert select.select(G, query) == expected


def test_ancestors_and_descendants_follow_cycles(G):
    assert {"careful-1", "careful-2"} <= select.select(G, "ancestors:careful-1")
    assert select.select(G, "ancestors:careful-1") == {"careful-1", "careful-2"}
    assert select.select(G, "descendants:careful-2") == {"careful-1", "careful-2", "interp-helps"}


@pytest.mark.parametrize("query, error, message", [
    ("ancestors:audit", UnknownId, "did you mean audits"),
    ("kind:rebutal", UnknownId, "did you mean rebuttal"),
    ("tag:thesys", UnknownId, "did you mean thesis"),
    ("speaker:carl", UnknownId, "did you mean carol"),
    ("source:doc3", UnknownId, "doc1"),
    ("ancestor:audits", KBError, "did you mean ancestors"),
    ("audits", KBError, "KEY:VALUE"),
    ("kind:", KBError, "no value"),
    ("", KBError, "empty"),
    ("kind:question kind:proposal", KBError, "matches no node"),
])
def test_mistakes_are_errors_with_suggestions(G, query, error, message):
    with pytest.raises(error, match=message):
        select.subgraph(G, query)


def test_subgraph_keeps_only_edges_between_selected_nodes(G):
    sub = select.subgraph(G, "descendants:audits")
    assert set(sub.edges) == {("audits", "see-inside"), ("see-inside", "interp-helps")}
    assert nx.utils.graphs_equal(select.subgraph(G, None), G)


@pytest.mark.parametrize("fmt", ["json", "graphml", "aif", "argdown", "dot"])
def test_every_format_exports_the_same_selection(fmt):
    kb = load(INTERCHANGE)
    query = "ancestors:audits -kind:question"
    whole = core.export(kb, fmt).text
    part = core.export(kb, fmt, query).text
    for node_id in kb.nodes:
        marker = {"json": f'"id": "{node_id}"', "graphml": f'<node id="{node_id}"', "aif": f'"id": "{node_id}"',
                  "argdown": f'{{"id": "{node_id}"', "dot": f'  "{node_id}" ['}[fmt]
        assert marker in whole
        assert (marker in part) == (node_id in {"audits", "dual-use", "wont-scale-again"}), node_id


def test_cli_select(capsys, monkeypatch):
    code, output = run_kb(["--kb", INTERCHANGE, "export", "--format", "json", "--select", "tag:thesis"], capsys, monkeypatch)
    assert code == 0 and [n["id"] for n in json.loads(output)["nodes"]] == ["interp-helps"]
    code, output = run_kb(["--kb", INTERCHANGE, "export", "--format", "json", "--select", "tag:thesys"], capsys, monkeypatch)
    assert code == 1 and "did you mean thesis" in output
