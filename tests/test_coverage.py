"""kb coverage on small hand-built cases: paragraphs, line-by-line texts, stance quotes, missing texts."""

from __future__ import annotations

import json

from kb.analysis import coverage

from conftest import SOURCES, kb_here as kb  # noqa: F401  (the root fixture comes from conftest)




def test_paragraphs_skip_headings_and_blank_blocks():
    text = "# Title\n\nFirst *para*\nwraps here.\n\n\n## Part\n\n---\n\nSecond para.\n"
    assert [(p.line, p.text) for p in coverage.paragraphs(text)] == [(3, "First para wraps here."), (11, "Second para.")]


def test_a_text_without_blank_lines_is_read_line_by_line(root):
    # doc1.txt: four lines, no blank line. see-inside's quote runs across lines 1 and 2 and covers
    # both; wont-scale quotes line 3, audits line 4.
    result = kb("coverage", "--sources", str(SOURCES), "--format", "json")
    assert result.exit_code == 0, result.output
    (doc,) = json.loads(result.stdout)["sources"]
    assert (doc["paragraphs"], doc["covered"], doc["uncovered"]) == (4, 4, [])
    assert kb("set", "audits", "--quote", "").exit_code == 0
    (doc,) = json.loads(kb("coverage", "--sources", str(SOURCES), "--format", "json").stdout)["sources"]
    assert (doc["covered"], doc["uncovered"]) == (3, [{"line": 4, "text": "Alice: Audits need it."}])


def test_stance_quotes_count_and_misquotes_are_listed(root, tmp_path):
    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / "doc1.txt").write_text("Alpha claim here.\n\nBeta claim there.\n\nGamma is unmapped.\n")
    for name in ("audits", "see-inside"):
        path = root / f"{name}.yaml" if name == "audits" else root / "see-inside.yaml"
        path.write_text(path.read_text().replace("quote: Audits need it.", "quote: Alpha claim here.")
                        .replace('quote: lets us "see" inside the model', "quote: Not in the text."))
    (root / "sub" / "wont-scale.yaml").write_text((root / "sub" / "wont-scale.yaml").read_text().replace(
        '"It won’t scale to frontier models."', '"Alpha claim"') + "stances:\n  alice:\n    credence: 0.1\n"
        "    quote: Beta claim there.\n")
    (root / "kb.toml").write_text('sources_dir = "../texts"\n')
    result = kb("coverage")
    assert result.exit_code == 0, result.output
    assert "doc1 (A small debate): 2 of 3 paragraphs carry a claim (67%)" in result.stdout
    assert "  doc1.txt:5: Gamma is unmapped." in result.stdout
    assert "quotes not found in the text: see-inside (see kb check)" in result.stdout


def test_missing_text_and_unknown_source(root, tmp_path):
    (tmp_path / "empty").mkdir()
    result = kb("coverage", "--sources", "empty")
    assert result.exit_code == 0 and "doc1: text doc1.txt not found in the sources folder" in result.stdout
    result = kb("coverage", "doc", "--sources", "empty")
    assert result.exit_code == 1 and "unknown source 'doc' (did you mean doc1?)" in result.stderr
    result = kb("coverage")
    assert result.exit_code == 1 and "no sources folder" in result.stderr
