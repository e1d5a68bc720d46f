"""A real public AIF corpus (tests/fixtures/aif-corpus, see PROVENANCE.md in each collection): at least
99% of its maps import in lenient mode, each result passes `kb check`, and kb's AIF export of a seeded
sample of them imports again with the same nodes and relations."""

from __future__ import annotations

import json
import random

import pytest

from conftest import FIXTURES
from interchange_helpers import load, relation_facts
from kb.changes import importer
from kb.rules import validate
from kb.publishing.export import core

CORPUS = sorted((FIXTURES / "aif-corpus").glob("*/*.json"))
ROUND_TRIPS = 12  # a seeded sample: every map would add seconds for little more


def _i_nodes(path) -> set[str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    data = data.get("AIF", data)
    return {str(n["nodeID"]) for n in data["nodes"] if n.get("type") == "I"}


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    base = tmp_path_factory.mktemp("corpus")
    roots, failed = {}, {}
    for i, path in enumerate(CORPUS):
        root = base / f"kb{i}"
        try:
            importer.import_aif(root, path)
        except Exception as exc:  # counted below
            failed[path.name] = str(exc)
            continue
        roots[path] = root
    return roots, failed


def test_the_corpus_is_there():
    assert len(CORPUS) >= 50


def test_at_least_99_percent_imports_and_passes_check(imported):
    roots, failed = imported
    assert len(roots) / len(CORPUS) >= 0.99, failed
    for path, root in roots.items():
        check = validate.check(root)
        assert check.ok, (path.name, [p.format() for p in check.errors])
        # every I-node the lenient import did not skip is a claim that remembers its nodeID
        assert {n.aif.node for n in check.kb.nodes.values()} <= _i_nodes(path)
        assert check.kb.nodes


@pytest.mark.parametrize("index", sorted(random.Random(14).sample(range(len(CORPUS)), min(ROUND_TRIPS, len(CORPUS)))))
def test_exported_aif_imports_again_with_the_same_nodes_and_relations(index, imported, tmp_path):
    roots, _ = imported
    path = CORPUS[index]
    if path not in roots:
        pytest.skip(f"{path.name} did not import")
    first = load(roots[path])
    out = tmp_path / "out.json"
    out.write_text(core.export(first, "aif").text, encoding="utf-8")
    importer.import_aif(tmp_path / "again", out)
    again = load(tmp_path / "again")
    assert sorted(again.nodes) == sorted(first.nodes)
    assert relation_facts(again) == relation_facts(first)
    assert {n: (node.text, node.kind, node.aif) for n, node in again.nodes.items()} == \
           {n: (node.text, node.kind, node.aif) for n, node in first.nodes.items()}
