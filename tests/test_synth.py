"""bench/synth.py: the benchmark's synthetic knowledge base must be valid and deterministic."""

from __future__ import annotations


from conftest import synth
from kb.rules import validate

def test_synthetic_kb_is_valid_with_quotes(tmp_path):
    synth.generate(tmp_path / "claims", 400, seed=3, sources_dir=tmp_path / "texts")
    result = validate.check(tmp_path / "claims", tmp_path / "texts", strict=True)
    assert result.problems == []
    assert len(result.kb.nodes) == 400
    edges = sum(len(n.supports) + len(n.attacks) for n in result.kb.nodes.values())
    assert 2.5 <= edges / 400 <= 3.5


def test_synthetic_kb_is_deterministic(tmp_path):
    synth.generate(tmp_path / "a", 50, seed=1)
    synth.generate(tmp_path / "b", 50, seed=1)
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.yaml"))
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*.yaml"))
    assert files_a == files_b
    assert all((tmp_path / "a" / f).read_text() == (tmp_path / "b" / f).read_text() for f in files_a)


def test_synthetic_kb_is_in_the_canonical_layout(tmp_path):
    from kb.changes import authoring

    synth.generate(tmp_path / "claims", 60, seed=2)
    assert authoring.fmt(tmp_path / "claims", check=True).changed == []
