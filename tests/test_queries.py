"""kb.analysis.queries and the query commands: show, search, list, path, stats and cruxes.

Most tests use tests/fixtures/analysis, a small debate about probes:

    probes-find-lies ──supports──▶ probes-are-worth-it (thesis)
    probes-are-cheap ──supports 0.5──▶ probes-are-worth-it
    probes-overfit ──attacks──▶ probes-are-worth-it
    lies-are-rare ──attacks──▶ probes-find-lies
    benchmarks-show-lies ──attacks──▶ lies-are-rare
    overfitting-is-fixable ──attacks──▶ probes-overfit
    fixes-overfit-too ──attacks──▶ overfitting-is-fixable
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.analysis import cruxes, graph, queries, semantics
from kb.data import store
from kb.cli import cli
from kb.cli import query as cli_query
from kb.data.errors import UnknownId
from conftest import FIXTURES, assemble

ANALYSIS = FIXTURES / "analysis" / "claims"
THESIS = "probes-are-worth-it"


@pytest.fixture
def kb_root(tmp_path: Path) -> Path:
    root = tmp_path / "claims"
    shutil.copytree(ANALYSIS, root)
    return root


@pytest.fixture
def G(kb_root):
    kb, problems = store.load(kb_root)
    assert not problems
    return graph.build(kb)


def run(root: Path, *args: str):
    return CliRunner().invoke(cli, ["--kb", str(root), *args])


def run_json(root: Path, *args: str) -> dict:
    result = run(root, *args, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["version"] == 1
    return data


# --- library -------------------------------------------------------------------------


def test_show_has_the_node_its_neighbours_both_ways_strength_and_label(G):
    data = queries.show(G, "probes-find-lies")
    assert data["kind"] == "evidence" and data["speaker_name"] == "Ann Proponent"
    assert data["source"] == {"document": "talk", "title": "A debate about probes", "quote": "They catch lies.",
                              "section": None}
    assert [n["id"] for n in data["attackers"]] == ["lies-are-rare"]
    assert [n["id"] for n in data["supports"]] == [THESIS]
    assert data["supporters"] == [] and data["attacks"] == []
    assert data["strength"] == semantics.strengths(G)["probes-find-lies"]
    # lies-are-rare is knocked out by benchmarks-show-lies, so probes-find-lies stands
    assert data["label"] == "IN" and data["attackers"][0]["label"] == "OUT"
    assert data["converged"] and data["verdict"] == "rejected"
    cheap = queries.show(G, THESIS, perspective="ann", method="dfquad")["supporters"]
    assert [(n["id"], n["weight"], n["note"]) for n in cheap] == [
        ("probes-are-cheap", 0.5, "Cost matters less than usefulness."), ("probes-find-lies", 1.0, None)]
    with pytest.raises(UnknownId, match="did you mean probes-find-lies"):
        queries.show(G, "probes-find-lie")


def test_search_ranks_title_hits_first_and_needs_every_word(G):
    hits = queries.search(G, "probes lies")
    # benchmarks-show-lies has "lies" but not "probes"
    assert [h["id"] for h in hits] == ["probes-find-lies", "lies-are-rare"]
    assert hits[0]["matched"] == ["id", "title", "quote", "text"]
    assert queries.search(G, "probes zebra") == []
    assert queries.search(G, "   ") == []
    # accents and case are folded, and the speaker's name counts
    assert {h["id"] for h in queries.search(G, "BENEDICTE")} == {
        "lies-are-rare", "probes-overfit", "fixes-overfit-too"}
    assert len(queries.search(G, "probe", limit=2)) == 2


def test_list_filters_and_refuses_unknown_values(G):
    assert [n["id"] for n in queries.list_nodes(G, kind="rebuttal", speaker="ben")] == [
        "fixes-overfit-too", "lies-are-rare", "probes-overfit"]
    assert [n["id"] for n in queries.list_nodes(G, source="notes")] == [
        "fixes-overfit-too", "overfitting-is-fixable", "probes-are-cheap"]
    assert [n["id"] for n in queries.list_nodes(G, tag="thesis")] == [THESIS]
    assert len(queries.list_nodes(G)) == 8
    for kwargs, hint in (({"speaker": "bem"}, "ben"), ({"source": "tlak"}, "talk"), ({"tag": "theses"}, "thesis"),
                         ({"kind": "rebutal"}, "rebuttal")):
        with pytest.raises(UnknownId, match=f"did you mean {hint}"):
            queries.list_nodes(G, **kwargs)


def test_a_node_list_held_by_column_reads_back_as_list_nodes_gives_it_and_refuses_damage():
    from conftest import REPO

    G = graph.build(store.load(REPO / "claims")[0])
    nodes = queries.list_nodes(G)
    nodes = [dict(n, tags=[]) if i % 3 == 0 else n for i, n in enumerate(nodes)]  # every real node has tags
    assert any(n["presenter"] for n in nodes) and any(n["tags"] for n in nodes)
    kept = json.loads(json.dumps(queries.NodeList.of(nodes).to_json()))
    found = queries.NodeList.from_json(kept)
    assert found is not None and len(found) == len(nodes) and found.rows() == nodes
    assert [list(n) for n in found.rows()] == [list(n) for n in nodes]  # the keys in list_nodes' order too
    assert queries.NodeList.from_json(json.loads(json.dumps(queries.NodeList.of([]).to_json()))).rows() == []

    def damaged(change) -> object:
        data = json.loads(json.dumps(kept))
        change(data)
        return data

    for change in (lambda d: d.pop("tags"), lambda d: d["columns"].pop("title"),
                   lambda d: d["columns"]["kind"].pop(),  # columns of different lengths
                   lambda d: d["columns"]["id"].__setitem__(0, None),  # an id is never missing
                   lambda d: d["columns"]["speaker"].__setitem__(3, 7),
                   lambda d: d["tags"].update({"x": ["thesis"]}), lambda d: d["tags"].update({str(len(nodes)): []}),
                   lambda d: d["tags"].update({"0": "thesis"}), lambda d: d["columns"].update(extra=[])):
        assert queries.NodeList.from_json(damaged(change)) is None
    assert queries.NodeList.from_json([nodes]) is None


def test_paths_carry_edge_signs(G):
    data = queries.paths(G, "benchmarks-show-lies", THESIS)
    [chain] = data["paths"]
    assert chain["nodes"] == ["benchmarks-show-lies", "lies-are-rare", "probes-find-lies", THESIS]
    assert [s["relation"] for s in chain["steps"]] == ["attacks", "attacks", "supports"]
    assert chain["sign"] == "pro" and chain["length"] == 3 and not data["truncated"]
    assert queries.paths(G, "fixes-overfit-too", THESIS)["paths"][0]["sign"] == "con"
    assert queries.paths(G, THESIS, "probes-find-lies")["paths"] == []
    assert queries.paths(G, THESIS, THESIS)["paths"] == []


def test_paths_are_shortest_first_and_truncated_with_a_limit():
    G = graph.from_edges([("a", "t", "supports"), ("a", "b", "supports"), ("b", "t", "attacks"),
                          ("a", "c", "attacks"), ("c", "t", "attacks"), ("b", "c", "supports")])
    data = queries.paths(G, "a", "t")
    assert [p["nodes"] for p in data["paths"]] == [["a", "t"], ["a", "b", "t"], ["a", "c", "t"], ["a", "b", "c", "t"]]
    assert [p["sign"] for p in data["paths"]] == ["pro", "con", "pro", "con"]
    short = queries.paths(G, "a", "t", limit=2)
    assert [p["nodes"] for p in short["paths"]] == [["a", "t"], ["a", "b", "t"]] and short["truncated"]


def test_stats(G):
    data = queries.stats(G)
    assert data["nodes"] == 8 and data["edges"] == {"supports": 2, "attacks": 5}
    assert data["by_kind"] == {"claim": 2, "evidence": 2, "rebuttal": 4}
    assert data["by_source"] == {"notes": 3, "talk": 5}
    assert data["by_speaker"] == {"ann": 5, "ben": 3}
    # five nodes with one attacker each, in id order
    assert [(n["id"], n["attackers"]) for n in data["most_attacked"]] == [
        ("lies-are-rare", 1), ("overfitting-is-fixable", 1), (THESIS, 1), ("probes-find-lies", 1),
        ("probes-overfit", 1)]
    # ann .9 vs ben .2 on the thesis is the widest spread; they agree on probes-are-cheap
    assert [n["id"] for n in data["most_contested"]] == [THESIS, "lies-are-rare", "probes-find-lies", "probes-overfit"]
    assert data["most_contested"][0]["spread"] == pytest.approx(0.7)


# --- command line ---------------------------------------------------------------------------


def test_show_command(kb_root):
    result = run(kb_root, "show", "lies-are-rare")
    assert result.exit_code == 0, result.output
    assert "lies-are-rare (rebuttal): Lies are rare" in result.stdout
    assert "label     OUT (grounded)" in result.stdout
    assert "Attacked by" in result.stdout and "benchmarks-show-lies" in result.stdout
    data = run_json(kb_root, "show", "lies-are-rare", "--as", "ben", "--semantics", "dfquad")
    assert data["perspective"] == "ben" and data["method"] == "dfquad"
    assert set(data) >= {"id", "kind", "title", "text", "speaker", "source", "tags", "stances", "strength",
                         "verdict", "converged", "label", "supporters", "attackers", "supports", "attacks"}


def test_unknown_ids_exit_1_with_suggestions(kb_root):
    for args in (["show", "lies-are-rar"], ["cruxes", "lies-are-rar"], ["path", "lies-are-rar", THESIS],
                 ["cruxes", THESIS, "--as", "bne"], ["list", "--speaker", "bne"],
                 ["cruxes", THESIS, "--between", "ann", "bne"]):
        result = run(kb_root, *args)
        assert result.exit_code == 1, args
        assert "error: unknown" in result.stderr and "did you mean" in result.stderr, args
        assert result.stdout == ""


def test_a_knowledge_base_with_errors_is_not_analysed(tmp_path):
    root = assemble(tmp_path, "unknown-target")
    for args in (["cruxes"], ["show", "see-inside"], ["stats"], ["search", "x"], ["list"], ["path", "a", "b"]):
        result = run(root, *args)
        assert result.exit_code == 1
        assert "dangling.yaml:7:5: error[unknown-target]" in result.stderr
        assert "fix them (see `kb check`)" in result.stderr


def test_search_list_path_stats_commands(kb_root):
    data = run_json(kb_root, "search", "overfit")
    assert data["query"] == "overfit"
    # id, title and quote; id, title and text; id and title
    assert [r["id"] for r in data["results"]] == ["probes-overfit", "overfitting-is-fixable", "fixes-overfit-too"]
    assert [r["score"] for r in data["results"]] == [7.5, 7.0, 6.0]
    assert set(data["results"][0]) == {"id", "kind", "title", "speaker", "presenter", "source", "tags", "score",
                                       "matched"}
    assert "no node matches" in run(kb_root, "search", "zebra").stdout

    data = run_json(kb_root, "list", "--kind", "evidence")
    assert data["filters"] == {"kind": "evidence", "speaker": None, "presenter": None, "source": None, "tag": None}
    assert [n["id"] for n in data["nodes"]] == ["benchmarks-show-lies", "probes-find-lies"]
    assert "2 nodes" in run(kb_root, "list", "--kind", "evidence").stdout

    data = run_json(kb_root, "path", "benchmarks-show-lies", THESIS)
    assert data["from"] == "benchmarks-show-lies" and data["paths"][0]["sign"] == "pro"
    table = run(kb_root, "path", "benchmarks-show-lies", THESIS).stdout
    assert "benchmarks-show-lies —attacks→ lies-are-rare —attacks→ probes-find-lies —supports→" in table

    data = run_json(kb_root, "stats")
    assert data["nodes"] == 8
    assert "Most attacked" in run(kb_root, "stats").stdout


def test_cruxes_command(kb_root):
    data = run_json(kb_root, "cruxes", THESIS, "--top", "2", "--semantics", "qe")
    assert data["target"] == THESIS and data["perspective"] == "neutral" and data["method"] == "qe"
    assert [c["id"] for c in data["cruxes"]] == ["probes-find-lies", "probes-overfit"]
    assert set(data["cruxes"][0]) == {"id", "title", "speaker", "strength", "strength_final", "label", "high", "low",
                                      "swing", "sign", "strict", "converged"}
    assert [c["label"] for c in data["cruxes"]] == ["IN", "IN"]
    assert data["candidates"] == 7
    table = run(kb_root, "cruxes", THESIS).stdout
    assert "7 ancestors examined" in table and "probes-find-lies" in table and "pro" in table

    overview = run_json(kb_root, "cruxes", "--as", "ann", "--semantics", "dfquad")
    assert [t["target"] for t in overview["theses"]] == [THESIS]
    assert len(overview["theses"][0]["cruxes"]) == 3 and overview["perspective"] == "ann"

    double = run_json(kb_root, "cruxes", THESIS, "--between", "ann", "ben")
    assert (double["a"], double["b"]) == ("ann", "ben")
    assert double["shapley"]["method"] == "exact"
    assert sum(double["shapley"]["parts"].values()) == pytest.approx(double["gap"], abs=1e-9)
    # The thesis's own prior is part of the gap's split, never a double crux of itself.
    assert THESIS in double["shapley"]["parts"] and THESIS not in [i["id"] for i in double["items"]]
    scores = [i["score"] for i in double["items"]]
    assert scores == sorted(scores, reverse=True) and len(scores) == double["disputed"]
    table = run(kb_root, "cruxes", THESIS, "--between", "ann", "ben").stdout
    assert "Shapley split of the gap (exact, over every coalition" in table and "ann closes" in table
    assert "(Owen value)" in table  # the thesis's own prior is disputed: a block of its own

    assert run(kb_root, "cruxes", "--between", "ann", "ben").exit_code == 2
    assert run(kb_root, "cruxes", THESIS, "--between", "ann", "ben", "--as", "ann").exit_code == 2


def test_command_line_defaults_mirror_the_library():
    assert cli_query.SHAPLEY_SAMPLES == cruxes.SHAPLEY_SAMPLES
    assert cli_query.SHAPLEY_SEED == cruxes.SHAPLEY_SEED
    assert cli_query.SHAPLEY_PRECISION == cruxes.SHAPLEY_PRECISION
    assert cli_query.EXACT_SHAPLEY_LIMIT == cruxes.EXACT_SHAPLEY_LIMIT


def test_provisional_numbers_are_marked():
    assert cli_query._num(0.5) == "0.500"
    assert cli_query._num(0.5, final=False) == "0.500?"
    assert cli_query._num(-0.25, signed=True) == "-0.250"
    assert cli_query._num(None) == "-"
    assert "provisional" in cli_query._footnote(True)[0] and cli_query._footnote(False) == []


def test_a_strength_a_hair_off_the_middle_shows_its_side():
    # A strength a hair off the middle is printed until its number shows the side its verdict names.
    assert cli_query._num(0.4996) == "0.4996"
    assert cli_query._num(0.50004, final=False) == "0.50004?"
    assert cli_query._num(0.5 - 2e-6) == "0.499998"
    assert cli_query._num(0.5 + 1e-13) == "0.500"  # within the verdict's tolerance: balanced, so 0.500 is right
    assert cli_query._num(-0.0004, signed=True) == "-0.000"  # a signed part or gap names no verdict


def test_markup_in_titles_is_printed_as_written(kb_root):
    path = kb_root / "probes-are-cheap.yaml"
    path.write_text(path.read_text().replace("title: Probes are cheap", "title: Probes are [bold]cheap[/bold]"))
    result = run(kb_root, "list")
    assert "Probes are [bold]cheap[/bold]" in result.stdout


def test_a_target_nothing_argues_about_has_no_cruxes(kb_root):
    result = run(kb_root, "cruxes", "benchmarks-show-lies")
    assert result.exit_code == 0 and "0 ancestors examined" in result.stdout
    assert "so it has no cruxes" in result.stdout
    result = run(kb_root, "cruxes", "probes-are-cheap", "--between", "ann", "ben")
    assert "hold the same base score on every claim that reaches it" in result.stdout
