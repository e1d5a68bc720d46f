"""`kb export --format argdown`, parsed by the real Argdown CLI (@argdown/cli, from the npm
registry, run with Node). Its JSON must hold exactly one statement per node (same id, title, text,
kind tag and tags) and exactly one relation per edge (same ends, same sign)."""

from __future__ import annotations

import random

import pytest

from interchange_helpers import INTERCHANGE, MAPS, argdown_json, compare, load, statements_by_id
from kb.publishing.export import core


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
    weighted = {e["target"]: e for e in statements_by_id(parsed)["dual-use"]["data"]["edges"]}
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

