"""`kb import aif`: AIF maps (kb's own exports and AIFdb-style dialogue maps) brought into a
knowledge base, checked like `kb check`, written whole or not at all."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import BASE, FIXTURES
from interchange_helpers import INTERCHANGE, MAPS, load, run_kb, signed_edges
from kb.changes import importer
from kb.rules import validate
from kb.data.errors import KBError, UnknownId
from kb.publishing.export import core

DIALOGUE = FIXTURES / "aif" / "aifdb-dialogue.json"


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file's bytes, but the lock file: taking the lock is not a change to the map."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != importer.LOCK_FILE}


def export_aif(root: Path, tmp_path: Path, strip_kb: bool = False) -> Path:
    data = json.loads(core.export(load(root), "aif").text)
    if strip_kb:
        data.pop("kb")
        for entry in data["nodes"] + data["participants"]:
            entry.pop("kb", None)
    path = tmp_path / "map.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def node_shape(kb, node_id):
    """A node with its edges as a set: their order in the file carries no meaning."""
    node = kb.nodes[node_id]
    edges = {(r, e.target, e.weight, e.note) for r in ("supports", "attacks") for e in node.edges(r)}
    return node.model_copy(update={"supports": [], "attacks": []}), edges


@pytest.mark.parametrize("name", sorted(MAPS))
def test_round_trip_into_an_empty_knowledge_base_gives_the_same_map(name, tmp_path):
    original = load(MAPS[name])
    result = importer.import_aif(tmp_path / "new", export_aif(MAPS[name], tmp_path))
    assert result.renamed == {} and result.notes == []
    check = validate.check(tmp_path / "new")
    assert check.ok, [p.format() for p in check.errors]
    imported = check.kb
    assert sorted(imported.nodes) == sorted(original.nodes)
    assert signed_edges(imported) == signed_edges(original)
    for node_id in original.nodes:
        assert node_shape(imported, node_id) == node_shape(original, node_id)
    assert imported.people == {p: original.people[p] for p in {n.speaker for n in original.nodes.values()}}
    assert imported.sources == original.sources


def test_round_trip_of_plain_aif_keeps_texts_signed_edges_and_speakers(tmp_path):
    """Without kb's own keys only AIF itself is left: the structure must still survive."""
    original = load(INTERCHANGE)
    importer.import_aif(tmp_path / "new", export_aif(INTERCHANGE, tmp_path, strip_kb=True))
    imported = load(tmp_path / "new")
    by_text = {node.text: n for n, node in imported.nodes.items()}
    assert sorted(by_text) == sorted(node.text for node in original.nodes.values())
    rename = {n: by_text[node.text] for n, node in original.nodes.items()}
    assert signed_edges(imported) == {(rename[a], rename[b], r) for a, b, r in signed_edges(original)}
    for n, node in original.nodes.items():
        new = imported.nodes[rename[n]]
        assert new.source.quote == node.source.quote
        # Plain AIF names a speaker only through a locution, which the export writes where a quote is known.
        expected = original.people[node.speaker].name if node.source.quote else "Unattributed (imported from map)"
        assert imported.people[new.speaker].name == expected
    assert validate.check(tmp_path / "new").ok


def test_importing_into_a_map_that_has_the_same_ids_renames_and_reuses_people(tmp_path):
    root = tmp_path / "claims"
    shutil.copytree(BASE, root)
    before = snapshot(root)
    result = importer.import_aif(root, export_aif(BASE, tmp_path))
    assert result.renamed == {"audits": "audits-2", "see-inside": "see-inside-2", "wont-scale": "wont-scale-2"}
    assert result.people == [] and result.sources == []  # alice, bob and doc1 are already there
    after = snapshot(root)
    assert {k: v for k, v in after.items() if k in before} == before  # nothing existing was touched
    kb = load(root)
    assert signed_edges(kb) >= {("audits-2", "see-inside-2", "supports"), ("wont-scale-2", "see-inside-2", "attacks")}
    assert validate.check(root).ok


def test_an_aifdb_dialogue_map_gives_claims_speakers_quotes_and_edges(tmp_path):
    root = tmp_path / "claims"
    shutil.copytree(BASE, root)
    result = importer.import_aif(root, DIALOGUE)
    kb = load(root)
    by_text = {node.text: n for n, node in kb.nodes.items() if n in result.nodes}
    claim = by_text["we should publish the audit results"]
    reason = by_text["publishing them helps other labs catch the same failures"]
    anonymised = by_text["the results are already anonymised"]
    objection = by_text["publication tells attackers where to look"]
    assert kb.nodes[claim].speaker == "alice"  # matched by name to the existing person
    assert kb.nodes[claim].source.quote == "We should publish the audit results"  # the locution, without "Alice Example : "
    assert kb.people[kb.nodes[reason].speaker].name == "Dana Reyes"
    assert kb.people[kb.nodes[objection].speaker].name == "Evan Okafor"
    # One RA with two premises: one linked support, declared by its first premise. One CA: an attack.
    assert signed_edges(kb) - signed_edges(load(BASE)) == {(reason, claim, "supports"), (objection, claim, "attacks")}
    (support,) = kb.nodes[reason].supports
    assert (support.target, support.with_, support.scheme) == (claim, [anonymised], None)
    # The CA node on the RA node: an undercut of that inference, not of either claim.
    doubter = by_text["other labs rarely read audit reports"]
    assert [(u.source, u.target) for u in kb.nodes[doubter].undercuts] == [(reason, claim)]
    assert kb.nodes[doubter].supports == kb.nodes[doubter].attacks == []
    # The MA (rephrase) node: a restatement.
    assert kb.nodes[by_text["publishing the audit results is what we should do"]].restates == [claim]
    assert result.notes == []
    assert kb.people[kb.nodes[doubter].speaker].name == "Unattributed (imported from aifdb-dialogue)"
    assert (kb.nodes[claim].aif.node, kb.nodes[doubter].aif.node) == ("103", "117")
    assert kb.sources[kb.nodes[claim].source.document].kind == "aif-map"
    assert (root / "aifdb-dialogue" / f"{claim}.yaml").is_file()
    assert validate.check(root).ok


def test_wrapped_xaif_and_options_source_prefix_speaker(tmp_path):
    root = tmp_path / "claims"
    shutil.copytree(BASE, root)
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps({"AIF": json.loads(DIALOGUE.read_text()), "text": ""}))
    result = importer.import_aif(root, wrapped, source="doc1", prefix="qt", speaker="bob")
    kb = load(root)
    assert result.sources == [] and all(n.startswith("qt-") for n in result.nodes)
    assert all(kb.nodes[n].source.document == "doc1" and kb.paths[n].parent == root / "doc1" for n in result.nodes)
    assert kb.nodes["qt-other-labs-rarely-read-audit-reports"].speaker == "bob"
    with pytest.raises(UnknownId, match="did you mean doc1"):
        importer.import_aif(root, wrapped, source="doc")
    with pytest.raises(KBError, match="prefix"):
        importer.import_aif(root, wrapped, prefix="Bad Prefix")


_I = '{"nodeID": "1", "type": "I", "text": "a"}'
# case -> (file text, extra options, words the error must hold, the line:col it must be reported at)
BAD_FILES = {
    "not-json": ("{nodes: [", [], "not JSON", "1:2"),
    "a-list": ("[1, 2]", [], "not an AIF map", "1:1"),
    "no-nodes": ('{"edges": []}', [], "'nodes' is missing", "1:1"),
    "edge-to-nowhere": ('{"nodes": [\n  ' + _I + '],\n "edges": [\n  {"edgeID": "9", "fromID": "1", "toID": "7"}]}', [],
                        "7 is not a node", "4:4"),
    "no-premise": ('{"nodes": [' + _I + ',\n  {"nodeID": "2", "type": "RA", "text": "x"}],\n'
                   ' "edges": [{"edgeID": "1", "fromID": "2", "toID": "1"}]}', ["--strict"], "RA node 2 has no premise", "2:4"),
    "missing-participant": ('{"nodes": [' + _I + ', {"nodeID": "2", "type": "L", "text": "Zed : a"},\n'
                            '{"nodeID": "3", "type": "YA", "text": "Asserting"}],\n'
                            '"edges": [{"edgeID": "1", "fromID": "2", "toID": "3"}, {"edgeID": "2", "fromID": "3", "toID": "1"}],\n'
                            '"locutions": [\n {"nodeID": "2", "personID": "9"}], "participants": []}', ["--strict"],
                            "names participant 9, who is not listed", "5:3"),
    "no-claims": ('{"nodes": [], "edges": []}', [], "no I-nodes", "1:2"),
    "bad-stance": ('{"nodes": [\n' + _I[:-1] + ', "kb": {"stances": {"alice": 5}}}], "edges": []}', [], "does not fit", "2:2"),
    "deep": ('{"nodes": ' + "[" * 100_000 + "]" * 100_000 + ', "edges": []}', [], "nested more than", "1:210"),
    "surrogate": ('{"nodes": [\n{"nodeID": "1", "type": "I", "text": "a \\ud800 b"}], "edges": []}', [],
                  "half of a UTF-16 surrogate pair", "2:41"),
    "float-id": ('{"nodes": [\n{"nodeID": 1.5, "type": "I", "text": "a"}], "edges": []}', [],
                 "nodeID is 1.5 (a float, not a string)", "2:2"),
    "bool-id": ('{"nodes": [\n{"nodeID": true, "type": "I", "text": "a"}], "edges": []}', [],
                "nodeID is true (a bool, not a string)", "2:2"),
    "nan-id": ('{"nodes": [\n{"nodeID": NaN, "type": "I", "text": "a"}], "edges": []}', [],
               "nodeID is NaN (a float, not a string)", "2:2"),
    "lower-case": ('{"nodes": [\n{"nodeID": "1", "type": "i", "text": "a"}], "edges": []}', [],
                   "AIF types are upper case ('I')", "2:2"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_files_get_a_located_error_and_change_nothing(case, tmp_path, capsys, monkeypatch):
    root = tmp_path / "claims"
    shutil.copytree(BASE, root)
    before = snapshot(root)
    text, options, message, at = BAD_FILES[case]
    path = tmp_path / f"{case}.json"
    path.write_text(text)
    code, output = run_kb(["--kb", root, "import", "aif", path, *options], capsys, monkeypatch)
    assert code == 1
    assert message in output and "nothing was written" in output
    assert f"{case}.json:{at}:" in output, output
    assert "Traceback" not in output
    assert snapshot(root) == before
    if case != "bad-stance":  # a malformed map is refused before the lock is even taken
        assert not (root / importer.LOCK_FILE).exists()


@pytest.mark.parametrize("case", ["surrogate", "deep", "fails-while-planning"])
def test_a_failed_import_into_a_new_folder_leaves_nothing_behind(case, tmp_path, capsys, monkeypatch):
    path = tmp_path / f"{case}.json"
    if case == "fails-while-planning":  # after the folder and its lock exist
        path = DIALOGUE

        def refuse(*args, **kwargs):
            assert (tmp_path / "new" / "claims" / importer.LOCK_FILE).exists()
            raise KBError("refused")

        monkeypatch.setattr(importer, "plan", refuse)
    else:
        path.write_text(BAD_FILES[case][0])
    code, _ = run_kb(["--kb", tmp_path / "new" / "claims", "import", "aif", path], capsys, monkeypatch)
    assert code == 1
    assert not (tmp_path / "new").exists()


def test_lenient_import_skips_cut_off_relations_and_names_missing_participants(tmp_path):
    """What real AIFdb exports hold: without --strict each fault is skipped or repaired, with a note."""
    data = json.loads(DIALOGUE.read_text())
    data["participants"] = [p for p in data["participants"] if p["firstname"] != "Dana"]
    data["nodes"].append({"nodeID": "900", "type": "RA", "text": "Default Inference"})  # no premise
    data["edges"].append({"edgeID": "900", "fromID": "900", "toID": "103"})
    data["nodes"].append({"nodeID": "901", "type": "CA", "text": "Default Conflict"})  # no conclusion
    data["edges"].append({"edgeID": "901", "fromID": "117", "toID": "901"})
    path = tmp_path / "cut.json"
    path.write_text(json.dumps(data))
    result = importer.import_aif(tmp_path / "claims", path)
    kb = load(tmp_path / "claims")
    assert sorted(kb.people[p].name for p in {n.speaker for n in kb.nodes.values()}) == [
        "Alice Example", "Dana Reyes", "Evan Okafor", "Unattributed (imported from cut)"]
    # Only people who speak: the three who do, plus the stand-in for unattributed claims.
    assert len(kb.people) == 4
    assert any("participant 2, who is not listed: took the speaker's name, Dana Reyes" in n for n in result.notes)
    assert any("RA node 900" in n for n in result.notes) and any("CA node 901" in n for n in result.notes)
    assert validate.check(tmp_path / "claims").ok
    with pytest.raises(KBError) as refused:
        importer.import_aif(tmp_path / "strict", path, strict=True)
    assert {p.code for p in refused.value.problems} == {"aif-participant", "aif-no-premise", "aif-no-conclusion"}
    assert not (tmp_path / "strict").exists()


def test_an_import_that_would_break_the_map_is_refused(tmp_path):
    """A map whose result kb check would reject: the knowledge base already has an error."""
    root = tmp_path / "claims"
    shutil.copytree(BASE, root)
    shutil.copytree(FIXTURES / "modes" / "unknown-target", root, dirs_exist_ok=True)
    before = snapshot(root)
    with pytest.raises(KBError, match="errors already"):
        importer.import_aif(root, DIALOGUE)
    assert snapshot(root) == before


def test_dry_run_reports_the_same_changes_and_writes_nothing(tmp_path, capsys, monkeypatch):
    root = tmp_path / "claims"
    shutil.copytree(BASE, root)
    before = snapshot(root)
    code, dry = run_kb(["--kb", root, "import", "aif", DIALOGUE, "--dry-run"], capsys, monkeypatch)
    assert code == 0 and "would import 6 claims, 4 edges" in dry
    assert snapshot(root) == before
    code, real = run_kb(["--kb", root, "import", "aif", DIALOGUE], capsys, monkeypatch)
    assert code == 0 and "imported 6 claims, 4 edges" in real
    assert [line.split(" ", 2)[-1] for line in dry.splitlines() if line.startswith("would write")] == \
           [line.split(" ", 1)[-1] for line in real.splitlines() if line.startswith("wrote")]
    assert not (root / ".kb-pending.json").exists()


def test_round_trip_of_a_synthetic_map_with_nested_folders_and_stances(tmp_path):
    """bench/synth.py's generator: hundreds of nodes, weighted and noted edges, stances citing other documents."""
    import importlib.util

    from conftest import REPO

    spec = importlib.util.spec_from_file_location("synth", REPO / "bench" / "synth.py")
    synth = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(synth)
    synth.generate(tmp_path / "synthetic", 300, seed=5)
    original = load(tmp_path / "synthetic")
    result = importer.import_aif(tmp_path / "new", export_aif(tmp_path / "synthetic", tmp_path))
    assert result.renamed == {} and result.notes == []
    imported = load(tmp_path / "new")
    assert signed_edges(imported) == signed_edges(original)
    assert all(node_shape(imported, n) == node_shape(original, n) for n in original.nodes)
    assert validate.check(tmp_path / "new").ok


def test_questions_schemes_and_nodesets_are_kept_and_written_back(tmp_path):
    data = json.loads(DIALOGUE.read_text())
    by_id = {n["nodeID"]: n for n in data["nodes"]}
    by_id["102"]["text"] = by_id["102"]["scheme"] = "Pure Questioning"  # node 103 is asked, not asserted
    by_id["107"]["text"] = by_id["107"]["scheme"] = "Argument From Expert Opinion"
    data["nodesetID"] = 777
    path = tmp_path / "asked.json"
    path.write_text(json.dumps(data))
    importer.import_aif(tmp_path / "claims", path)
    kb = load(tmp_path / "claims")
    by_text = {node.text: n for n, node in kb.nodes.items()}
    asked = kb.nodes[by_text["we should publish the audit results"]]
    assert asked.kind == "question" and kb.nodes[by_text["publication tells attackers where to look"]].kind == "claim"
    (support,) = kb.nodes[by_text["publishing them helps other labs catch the same failures"]].supports
    assert support.scheme == "Argument From Expert Opinion"
    assert {n.aif.nodeset for n in kb.nodes.values()} == {"777"}
    out = json.loads(core.export(kb, "aif").text)
    assert out["nodesetID"] == "777"
    (ra,) = [n for n in out["nodes"] if n["type"] == "RA"]
    assert (ra["text"], ra["scheme"]) == ("Argument From Expert Opinion", "Argument From Expert Opinion")
    assert {n["nodeID"] for n in out["nodes"] if n["type"] == "I"} == {n["nodeID"] for n in data["nodes"] if n["type"] == "I"}
