"""Shared by the export and import tests: the fixture maps, the real readers, and what to compare."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import BASE, FIXTURES, REPO
from kb import store
from kb.store import KnowledgeBase

# A map with every kind, a support cycle, an attack cycle, weighted and noted edges (one of
# weight 0), repeated titles, and text full of characters that other formats treat as markup.
INTERCHANGE = FIXTURES / "interchange" / "claims"
MAPS = {"base": BASE, "interchange": INTERCHANGE}
ARGDOWN = REPO / "tests" / "argdown" / "node_modules" / ".bin" / "argdown"
SKIP_ENV = "KB_SKIP_EXTERNAL"


def load(root: Path) -> KnowledgeBase:
    kb, problems = store.load(root)
    assert [p for p in problems if p.severity == "error"] == []
    return kb


def signed_edges(kb: KnowledgeBase) -> set[tuple[str, str, str]]:
    """Every edge of a knowledge base as (arguing node, node argued about, supports|attacks)."""
    return {(n, e.target, relation) for n, node in kb.nodes.items()
            for relation in ("supports", "attacks") for e in node.edges(relation)}


def external(path_or_name: str | Path, how: str) -> str:
    """The path of a real reader the tests need; a failure (not a skip) when it is missing.

    Set KB_SKIP_EXTERNAL=1 to skip these tests instead, on a machine that cannot install them.
    """
    found = shutil.which(str(path_or_name)) if not Path(path_or_name).is_absolute() else (
        str(path_or_name) if Path(path_or_name).exists() else None)
    if found:
        return found
    if os.environ.get(SKIP_ENV) == "1":
        pytest.skip(f"{path_or_name} is missing and {SKIP_ENV}=1")
    pytest.fail(f"{path_or_name} is missing: {how} (or set {SKIP_ENV}=1 to skip)")


def run_kb(args: list[str], capsys, monkeypatch) -> tuple[int, str]:
    """Run the kb command as its console script does (expected errors become messages and exit 1)."""
    import sys

    from kb.cli import main

    monkeypatch.setattr(sys, "argv", ["kb", *map(str, args)])
    with pytest.raises(SystemExit) as exit_info:
        main()
    captured = capsys.readouterr()
    return exit_info.value.code or 0, captured.out + captured.err


def argdown_json(text: str, tmp_path: Path) -> dict:
    """Parse an Argdown document with the real Argdown CLI and return its JSON export."""
    argdown = external(ARGDOWN, "run `npm ci` in tests/argdown (make test does)")
    source = tmp_path / "map.argdown"
    source.write_text(text, encoding="utf-8")
    out = tmp_path / "argdown-out"
    run = subprocess.run([argdown, "json", str(source), str(out)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"argdown failed:\n{run.stdout}\n{run.stderr}"
    assert "error" not in (run.stdout + run.stderr).lower(), run.stdout + run.stderr
    return json.loads((out / "map.json").read_text(encoding="utf-8"))
