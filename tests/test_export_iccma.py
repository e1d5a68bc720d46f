"""`kb export --format iccma`, read by python-argumentation's ICCMA 2023 reader. The grounded
extension it computes must be exactly the nodes kb's own semantics label IN, under both readings of
supports, on the fixtures, on random graphs, on selections and on the real map."""

from __future__ import annotations

import networkx as nx
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from interchange_helpers import INTERCHANGE, MAPS, kb_in, load, solver_in
from kb.analysis import graph
from kb.cli import cli
from kb.data.errors import KBError
from kb.publishing.export import core, iccma
from kb.publishing.export.core import Bundle


@pytest.mark.parametrize("supports", iccma.MODES)
@pytest.mark.parametrize("name", sorted(MAPS))
def test_grounded_extension_matches_kb_in_labels(name, supports):
    kb = load(MAPS[name])
    output = core.export(kb, "iccma", supports=supports)
    assert solver_in(output) == kb_in(graph.build(kb), supports)


def test_file_layout_and_side_file():
    kb = load(INTERCHANGE)
    output = core.export(kb, "iccma", supports="ignore")
    lines = output.text.splitlines()
    assert lines[0] == f"p af {len(kb.nodes)}"
    numbered = [line.split("\t") for line in output.side[iccma.SIDE_SUFFIX].splitlines()]
    assert [int(n) for n, _ in numbered] == list(range(1, len(kb.nodes) + 1))
    assert [i for _, i in numbered] == sorted(kb.nodes)
    number = {i: n for n, i in numbered}
    attacks = {(e.target, n) for n, node in kb.nodes.items() for e in node.attacks if e.weight > 0}
    assert {tuple(line.split()) for line in lines[1:]} == {(number[a], number[b]) for b, a in attacks}


def test_a_selection_is_solved_as_its_own_framework():
    kb = load(INTERCHANGE)
    output = core.export(kb, "iccma", "ancestors:see-inside")
    sub = core.bundle(kb, "ancestors:see-inside").graph
    assert solver_in(output) == kb_in(sub, "cayrol")


def _bundle(G: nx.DiGraph) -> Bundle:
    return Bundle(kb=None, graph=G, strengths=None, labels={})


@settings(max_examples=150, deadline=None)
@given(st.integers(2, 9).flatmap(lambda n: st.lists(
    st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.sampled_from(["supports", "attacks"]),
              st.sampled_from([0.0, 0.5, 1.0])), max_size=20).map(lambda edges: (n, edges))))
def test_derived_attacks_agree_with_kb_on_random_graphs(case):
    """The file's attacks, materialised, give the labels kb computes its own (linear-time) way."""
    n, edges = case
    seen, unique = set(), []
    for u, v, relation, weight in edges:
        if u != v and (u, v) not in seen:
            seen.add((u, v))
            unique.append((f"n{u}", f"n{v}", relation, weight))
    G = graph.from_edges(unique, nodes=[f"n{i}" for i in range(n)])
    for supports in iccma.MODES:
        assert solver_in(iccma.export(_bundle(G), supports)) == kb_in(G, supports)


def test_cli_needs_an_output_path_and_writes_both_files(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["--kb", str(INTERCHANGE), "export", "--format", "iccma"])
    assert result.exit_code != 0 and "--output" in result.output
    out = tmp_path / "map.af"
    result = runner.invoke(cli, ["--kb", str(INTERCHANGE), "export", "--format", "iccma", "-o", str(out)])
    assert result.exit_code == 0, result.output
    output = core.Output(out.read_text(), {iccma.SIDE_SUFFIX: (tmp_path / ("map.af" + iccma.SIDE_SUFFIX)).read_text()})
    assert solver_in(output) == kb_in(graph.build(load(INTERCHANGE)), "cayrol")


def test_too_many_derived_attacks_are_refused_with_a_way_out():
    """Long support chains under many attacks multiply; past the limit the export says what to do."""
    kb = load(INTERCHANGE)
    bundle = core.bundle(kb)
    assert len(iccma.attacks(bundle, "cayrol")) > 8
    with pytest.raises(KBError, match="--supports ignore"):
        iccma.attacks(bundle, "cayrol", limit=8)
    assert len(iccma.attacks(bundle, "ignore", limit=8)) == 7
