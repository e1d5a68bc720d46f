"""`kb export --format argdown`, parsed by the real Argdown CLI (@argdown/cli, from the npm
registry, run with Node). Its JSON must hold exactly one statement per node (same id, title, text,
kind tag and tags) and exactly one relation per edge (same ends, same sign)."""

from __future__ import annotations

import random

import pytest

from conftest import REPO
from interchange_helpers import MAPS, INTERCHANGE, argdown_json, load, signed_edges
from kb import validate
from kb.export import argdown, core

RELATION = {"support": "supports", "attack": "attacks"}


def _text(member: dict) -> str:
    """A statement's text as Argdown reads it, without the tags it appends."""
    text = member["text"]
    starts = [r["start"] for r in member.get("ranges", []) if r["type"] == "tag"]
    return text[: min(starts)].rstrip() if starts else text.strip()


def _statements(parsed: dict) -> dict[str, dict]:
    """Statements by the kb id in their data block."""
    out = {}
    for title, statement in parsed["statements"].items():
        definitions = [m for m in statement["members"] if not m.get("isReference")]
        assert len(definitions) == 1, f"{title!r} is defined {len(definitions)} times"
        node_id = statement["data"]["id"]
        assert node_id not in out, f"two statements claim id {node_id}"
        out[node_id] = {"title": title, "text": _text(definitions[0]), "tags": statement.get("tags", []),
                        "data": statement["data"]}
    return out


def compare(kb, parsed: dict) -> None:
    statements = _statements(parsed)
    assert set(statements) == set(kb.nodes)
    titles = argdown.titles(core.bundle(kb))
    for node_id, statement in statements.items():
        node = kb.nodes[node_id]
        assert statement["title"] == titles[node_id]
        assert statement["text"] == " ".join(node.text.split())
        assert statement["tags"] == list(dict.fromkeys([node.kind, *node.tags]))
        data = statement["data"]
        assert (data["kind"], data["title"], data["speaker"]) == (node.kind, node.title, node.speaker)
        assert data.get("quote") == node.source.quote and data.get("section") == node.source.section
    by_title = {s["title"]: node_id for node_id, s in statements.items()}
    relations = [(by_title[r["from"]], by_title[r["to"]], RELATION[r["relationType"]]) for r in parsed["relations"]]
    assert len(relations) == len(set(relations))
    assert set(relations) == signed_edges(kb)


@pytest.mark.parametrize("name", sorted(MAPS))
def test_argdown_parses_the_export_into_the_same_statements_and_relations(name, tmp_path):
    kb = load(MAPS[name])
    compare(kb, argdown_json(core.export(kb, "argdown").text, tmp_path))


def test_source_metadata_becomes_sections_with_data(tmp_path):
    kb = load(INTERCHANGE)
    parsed = argdown_json(core.export(kb, "argdown").text, tmp_path)
    sections = {s["data"]["source"]: s for s in parsed["sections"]}
    assert set(sections) == set(kb.sources)
    for source_id, section in sections.items():
        source = kb.sources[source_id]
        assert {k: v for k, v in section["data"].items() if k != "source"} == source.model_dump(mode="json", exclude_none=True, exclude={"id"})
    weighted = {e["target"]: e for e in _statements(parsed)["dual-use"]["data"]["edges"]}
    assert weighted["see-inside"] == {"target": "see-inside", "relation": "attacks", "weight": 0.3,
                                      "note": 'Our reading: "speeds up" {implies} [attack] #1'}


def test_escaping_survives_hostile_text(tmp_path):
    """Random strings over Argdown's markup characters come back from the parser unchanged."""
    kb = load(INTERCHANGE)
    rng = random.Random(7)
    alphabet = list("\\@#*_[]<>{}/.:-+,;()=!?'\"` abcxyz09é—…\t") + ["//", "/*", "*/", "<!--", "-->", "--", ":x:", ".y.", "@[", "@<", "\n"]
    node = kb.nodes["audits"]
    for i in range(60):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))).strip() or "x"
        clone = node.model_copy(update={"text": text, "title": f"Hostile {i} " + "".join(rng.choice(alphabet[:20]) for _ in range(6))})
        kb.nodes[f"hostile-{i}"] = clone
        kb.paths[f"hostile-{i}"] = kb.paths["audits"]
    compare(kb, argdown_json(core.export(kb, "argdown").text, tmp_path))


def test_the_real_knowledge_base_round_trips_through_argdown(tmp_path):
    result = validate.check(REPO / "claims")
    assert result.ok, [p.format() for p in result.errors]
    compare(result.kb, argdown_json(core.export(result.kb, "argdown").text, tmp_path))
