"""`kb export --format json`: the documented shape, checked by an independent JSON Schema validator,
and its content compared with the knowledge base and the analysis layer."""

from __future__ import annotations

import json

import jsonschema
import pytest
from click.testing import CliRunner

from conftest import REPO
from interchange_helpers import INTERCHANGE, MAPS, load, signed_edges
from kb.analysis import graph, semantics
from kb.cli import cli
from kb.publishing.export import core


def _validator():
    return jsonschema.Draft202012Validator(json.loads((REPO / "schema" / "export.schema.json").read_text()))


@pytest.mark.parametrize("name", sorted(MAPS))
def test_export_validates_against_the_committed_schema(name):
    data = json.loads(core.export(load(MAPS[name]), "json").text)
    assert list(_validator().iter_errors(data)) == []
    assert (data["format"], data["version"]) == ("kb-export", 1)


def test_schema_rejects_a_document_missing_its_analysis():
    """The schema is not vacuous: it refuses what the export would never write."""
    data = json.loads(core.export(load(INTERCHANGE), "json").text)
    del data["analysis"]
    data["nodes"][0]["label"] = "MAYBE"
    messages = {e.message for e in _validator().iter_errors(data)}
    assert any("analysis" in m for m in messages) and any("MAYBE" in m for m in messages)


def test_nodes_edges_people_and_sources_match_the_knowledge_base():
    kb = load(INTERCHANGE)
    data = json.loads(core.export(kb, "json").text)
    assert [n["id"] for n in data["nodes"]] == sorted(kb.nodes)
    for entry in data["nodes"]:
        node = kb.nodes[entry["id"]]
        assert (entry["kind"], entry["title"], entry["text"], entry["speaker"]) == (node.kind, node.title, node.text, node.speaker)
        assert entry["source"] == node.source.model_dump(exclude_none=True)
        assert entry["stances"] == {p: s.model_dump(exclude_none=True) for p, s in node.stances.items()}
        assert entry["path"] == kb.paths[entry["id"]].relative_to(INTERCHANGE).as_posix()
    assert {(e["source"], e["target"], e["relation"]) for e in data["edges"]} == signed_edges(kb)
    weights = {(e["source"], e["target"]): (e["weight"], e.get("note")) for e in data["edges"]}
    assert weights[("audits", "see-inside")] == (0.5, "Our reading: the audit claim is only implied.")
    assert weights[("dual-use", "audits")][0] == 0.0
    assert [p["id"] for p in data["people"]] == sorted(kb.people)
    assert [s["id"] for s in data["sources"]] == sorted(kb.sources)


def test_strengths_and_labels_are_the_analysis_layers():
    kb = load(INTERCHANGE)
    data = json.loads(core.export(kb, "json").text)
    G = graph.build(kb)
    expected = semantics.strengths(G)
    labels = semantics.grounded(G)
    for entry in data["nodes"]:
        assert entry["strength"] == pytest.approx(expected[entry["id"]], abs=1e-12)
        assert entry["label"] == str(labels[entry["id"]])
    # The fixture's mutual attack is settled by the unattacked evidence behind one side
    # (Cayrol's supported defeat); its support cycle converges.
    by_id = {n["id"]: n for n in data["nodes"]}
    assert (by_id["scale-is-fine"]["label"], by_id["wont-scale"]["label"]) == ("IN", "OUT")
    assert data["analysis"]["converged"] is True and all(n["strength_final"] for n in data["nodes"])


def test_a_selection_keeps_whole_map_numbers_and_only_its_own_registries():
    kb = load(INTERCHANGE)
    whole = {n["id"]: n for n in json.loads(core.export(kb, "json").text)["nodes"]}
    data = json.loads(core.export(kb, "json", "source:doc2").text)
    assert data["selection"] == "source:doc2"
    assert {n["id"] for n in data["nodes"]} == {"dual-use", "fund-evals", "wont-scale-again"}
    assert data["edges"] == []  # doc2's nodes argue only about doc1's
    assert all(n["strength"] == whole[n["id"]]["strength"] and n["label"] == whole[n["id"]]["label"] for n in data["nodes"])
    assert [s["id"] for s in data["sources"]] == ["doc2"]
    assert [p["id"] for p in data["people"]] == ["bob", "carol"]


def test_export_is_deterministic():
    kb = load(INTERCHANGE)
    assert core.export(kb, "json").text == core.export(load(INTERCHANGE), "json").text


def test_cli_writes_the_file_and_refuses_a_broken_map(tmp_path):
    runner = CliRunner()
    out = tmp_path / "map.json"
    result = runner.invoke(cli, ["--kb", str(INTERCHANGE), "export", "--format", "json", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text()) == json.loads(core.export(load(INTERCHANGE), "json").text)
    broken = tmp_path / "broken"
    (broken).mkdir()
    result = runner.invoke(cli, ["--kb", str(broken), "export", "--format", "json"])
    assert result.exit_code != 0
