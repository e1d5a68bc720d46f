"""`kb check`: one fixture knowledge base per failure mode, each with its exact code and location."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import cli
from kb.rules import validate
from conftest import SOURCES, assemble

# mode -> (file relative to claims/, line, col, code, severity, text the message must contain).
# Lines and columns were worked out by hand from the fixture files in tests/fixtures/modes.
CASES = {
    "malformed-yaml": ("bad.yaml", 3, 5, "yaml-syntax", "error", "expected ',' or ']'"),
    "not-utf8": ("latin1.yaml", 2, 11, "encoding", "error", "not valid UTF-8"),
    "python-tag": ("evil.yaml", 2, 8, "yaml-tag", "error", "python/object/apply"),
    "alias-bomb": ("bomb.yaml", 2, 8, "yaml-alias", "error", "aliases are not allowed"),
    "bad-id": ("Not..Valid.yaml", 1, 1, "bad-id", "error", "not a valid id"),
    "empty": ("empty.yaml", 1, 1, "empty", "error", "empty"),
    "list-not-mapping": ("listy.yaml", 1, 1, "not-a-mapping", "error", "got a list"),
    "nested-list": ("nested.yaml", 5, 1, "not-a-mapping", "error", "source: expected a mapping, got a list"),
    "duplicate-key": ("dup.yaml", 5, 1, "duplicate-key", "error", "'title'"),
    "unknown-field": ("extra.yaml", 7, 1, "unknown-field", "error", "'colour'"),
    "missing-field": ("missing.yaml", 1, 1, "missing-field", "error", "'text'"),
    "bad-weight": ("weight.yaml", 8, 5, "invalid-value", "error", "supports.0.weight"),
    "unknown-target": ("dangling.yaml", 7, 5, "unknown-target", "error", "did you mean see-inside"),
    "unknown-speaker": ("who.yaml", 4, 1, "unknown-speaker", "error", "'carol'"),
    "unknown-source": ("where.yaml", 6, 3, "unknown-source", "error", "did you mean doc1"),
    "unknown-person": ("stance.yaml", 9, 3, "unknown-person", "error", "'zed'"),
    "self-edge": ("selfie.yaml", 6, 24, "self-edge", "error", "itself"),
    "duplicate-edge": ("twice.yaml", 8, 5, "duplicate-edge", "error", "already listed under supports"),
    "id-mismatch": ("named.yaml", 1, 1, "id-mismatch", "error", "'other-name'"),
    "duplicate-id": ("other/audits.yaml", 1, 1, "duplicate-id", "error", "audits.yaml"),
    "quote-not-found": ("misquote.yaml", 7, 3, "quote-not-found", "error", "Audits demand it."),
    "orphan": ("alone.yaml", 1, 1, "orphan", "warning", "no edges"),
    "unchallenged-theory": ("toi.yaml", 1, 1, "unchallenged-theory", "warning", "theory of impact"),
    "missing-quote": ("noquote.yaml", 5, 1, "missing-quote", "warning", "no quote"),
}


def run_check(root: Path, *args: str):
    return CliRunner().invoke(cli, ["--kb", str(root), "check", "--sources", str(SOURCES), *args])


def test_base_fixture_is_clean(base_kb):
    result = run_check(base_kb, "--strict")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "checked 5 files: no problems"


@pytest.mark.parametrize("mode", sorted(CASES))
def test_failure_mode_reports_exact_code_and_location(tmp_path, monkeypatch, mode):
    root = assemble(tmp_path, mode)
    monkeypatch.chdir(tmp_path)
    rel, line, col, code, severity, fragment = CASES[mode]
    result = run_check(Path("claims"), "--format", "json")
    assert "Traceback" not in result.output
    problems = json.loads(result.output)["problems"]
    # The seeded mistake is the only problem: the base is clean and nothing else leaks.
    assert [(p["path"], p["line"], p["col"], p["code"], p["severity"]) for p in problems] == [
        (f"claims/{rel}", line, col, code, severity)
    ]
    assert fragment in problems[0]["message"]
    assert result.exit_code == (1 if severity == "error" else 0)


@pytest.mark.parametrize("mode", ["orphan", "unchallenged-theory", "missing-quote"])
def test_strict_turns_warnings_into_errors(tmp_path, mode):
    root = assemble(tmp_path, mode)
    result = run_check(root, "--strict")
    assert result.exit_code == 1
    assert f"error[{mode}]" in result.output


def test_oversized_file_is_refused_before_parsing(tmp_path, monkeypatch):
    root = assemble(tmp_path)
    (root / "huge.yaml").write_text("kind: claim\ntext: " + "x" * (1 << 20) + "\n")
    monkeypatch.chdir(tmp_path)
    result = run_check(Path("claims"))
    assert result.exit_code == 1
    assert result.output.splitlines()[0].startswith("claims/huge.yaml:1:1: error[too-large]:")


def test_every_seeded_mistake_is_reported_in_one_run_as_a_real_process(tmp_path):
    """All failure modes at once, through the installed entry point: every problem, one per line."""
    assemble(tmp_path, *CASES)
    proc = subprocess.run(
        [sys.executable, "-m", "kb", "check", "--sources", str(SOURCES)],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    for rel, line, col, code, severity, _ in CASES.values():
        if code == "duplicate-id":
            continue  # other/ sorts after the root, so the root's audits.yaml wins either way
        assert f"claims/{rel}:{line}:{col}: {severity}[{code}]:" in proc.stdout, code
    assert lines[-1].startswith(f"checked ")
    assert len(lines) - 1 >= len(CASES)


def test_alias_bomb_is_refused_quickly(tmp_path):
    root = assemble(tmp_path, "alias-bomb")
    result = validate.check(root)
    assert [p.code for p in result.errors] == ["yaml-alias"]


def test_python_tag_is_never_executed(tmp_path):
    root = assemble(tmp_path)
    marker = tmp_path / "pwned"
    (root / "evil.yaml").write_text(f'kind: !!python/object/apply:os.system ["touch {marker}"]\n')
    validate.check(root)
    assert not marker.exists()


def test_quotes_match_after_folding_typographic_quotes_and_white_space(base_kb):
    # see-inside.yaml quotes 'lets us "see" inside the model' with straight quotes across a
    # line break, while the source has curly quotes; wont-scale.yaml quotes a curly apostrophe.
    result = validate.check(base_kb, SOURCES, strict=True)
    assert result.problems == []


def test_missing_source_text_is_an_error(base_kb, tmp_path):
    empty = tmp_path / "nosources"
    empty.mkdir()
    result = run_check(base_kb)
    assert result.exit_code == 0
    result = CliRunner().invoke(cli, ["--kb", str(base_kb), "check", "--sources", str(empty)])
    assert result.exit_code == 1
    assert "error[source-file-missing]" in result.output


def test_json_and_text_formats_carry_the_same_problems(tmp_path):
    root = assemble(tmp_path, "unknown-target", "orphan")
    text = run_check(root).output.splitlines()[:-1]
    data = json.loads(run_check(root, "--format", "json").output)
    assert [f"{p['path']}:{p['line']}:{p['col']}: {p['severity']}[{p['code']}]: {p['message']}" for p in data["problems"]] == text
    assert (data["errors"], data["warnings"]) == (1, 1)


def test_parallel_parsing_finds_exactly_what_serial_parsing_finds(tmp_path, monkeypatch):
    from kb.data import store

    root = assemble(tmp_path, *CASES)
    serial = validate.check(root, SOURCES)
    monkeypatch.setattr(store, "PARALLEL_MIN_FILES", 1)
    parallel = validate.check(root, SOURCES, parallel=True)
    assert parallel.problems == serial.problems
    assert parallel.kb.nodes == serial.kb.nodes and len(serial.problems) >= len(CASES)
