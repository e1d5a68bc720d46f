"""`kb export --format aif`, loaded by arguebuf (from PyPI), which reads AIF as AIFdb stores it.
Its I-nodes must be the claims and its scheme nodes the edges, each support an RA (Support) and each
attack a CA (Attack) between the right claims; speakers must be participants whose locutions carry
the anchor quotes."""

from __future__ import annotations

import json
import logging

import arguebuf
import pytest
from arguebuf.model.scheme import Attack, Support

from interchange_helpers import INTERCHANGE, MAPS, load, signed_edges
from kb.publishing.export import aif, core


@pytest.fixture(autouse=True)
def quiet_arguebuf(caplog):
    # arguebuf loads argument structure only; it logs a warning for each dialogue edge (L, YA) it drops.
    caplog.set_level(logging.ERROR)


@pytest.mark.parametrize("name", sorted(MAPS))
def test_arguebuf_loads_the_claims_and_signed_edges(name, tmp_path):
    kb = load(MAPS[name])
    path = tmp_path / "map.json"
    path.write_text(core.export(kb, "aif").text, encoding="utf-8")
    g = arguebuf.load.file(path)
    kb_id = {atom.id: json.loads(path.read_text())["nodes"][int(atom.id) - 1]["kb"]["id"] for atom in g.atom_nodes.values()}
    assert sorted(kb_id.values()) == sorted(kb.nodes)
    for atom in g.atom_nodes.values():
        assert atom.plain_text == kb.nodes[kb_id[atom.id]].text
    found = set()
    for scheme in g.scheme_nodes.values():
        (premise,), (conclusion,) = g.incoming_nodes(scheme), g.outgoing_nodes(scheme)
        relation = "supports" if isinstance(scheme.scheme, Support) else "attacks"
        assert isinstance(scheme.scheme, Support if relation == "supports" else Attack)
        found.add((kb_id[premise.id], kb_id[conclusion.id], relation))
    assert len(g.scheme_nodes) == len(signed_edges(kb)) and found == signed_edges(kb)


def test_speakers_are_participants_with_locutions_for_known_quotes():
    kb = load(INTERCHANGE)
    data = aif.build(core.bundle(kb))
    nodes = {n["nodeID"]: n for n in data["nodes"]}
    participants = {str(p["participantID"]): f"{p['firstname']} {p['surname']}".strip() for p in data["participants"]}
    assert sorted(participants.values()) == sorted(kb.people[p].name for p in {n.speaker for n in kb.nodes.values()})
    into: dict[str, list[str]] = {}
    for edge in data["edges"]:
        into.setdefault(edge["fromID"], []).append(edge["toID"])
    anchored = {}
    for locution in data["locutions"]:
        l_node = nodes[locution["nodeID"]]
        assert l_node["type"] == "L"
        (ya,) = into[l_node["nodeID"]]
        (claim,) = into[ya]
        assert (nodes[ya]["type"], nodes[claim]["type"]) == ("YA", "I")
        node_id = nodes[claim]["kb"]["id"]
        speaker = participants[locution["personID"]]
        assert speaker == kb.people[kb.nodes[node_id].speaker].name
        assert l_node["text"] == f"{speaker} : {kb.nodes[node_id].source.quote}"
        anchored[node_id] = speaker
    assert set(anchored) == {n for n, node in kb.nodes.items() if node.source.quote}


def test_timestamps_come_from_source_dates():
    assert aif.timestamp("2024-01-01") == "2024-01-01 00:00:00"
    assert aif.timestamp("2023-05") == "2023-05-01 00:00:00"
    assert aif.timestamp(None) is None and aif.timestamp("spring") is None
    kb = load(INTERCHANGE)
    data = aif.build(core.bundle(kb))
    by_id = {n["kb"]["id"]: n for n in data["nodes"] if n["type"] == "I"}
    assert by_id["audits"]["timestamp"] == "2024-01-01 00:00:00"
    assert by_id["dual-use"]["timestamp"] == "2023-05-01 00:00:00"


def test_a_selection_exports_only_its_claims(tmp_path):
    kb = load(INTERCHANGE)
    data = aif.build(core.bundle(kb, "descendants:audits"))
    ids = {n["kb"]["id"] for n in data["nodes"] if n["type"] == "I"}
    assert ids == {"audits", "see-inside", "interp-helps"}
    assert sum(n["type"] in ("RA", "CA") for n in data["nodes"]) == 2
