"""Shared fixtures: small knowledge bases assembled in a temporary folder."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
BASE = FIXTURES / "base" / "claims"
MODES = FIXTURES / "modes"
SOURCES = FIXTURES / "sources"
REPO = Path(__file__).resolve().parent.parent

# bench/synth.py, the synthetic debate-shaped maps the benchmarks measure (bench/ is not a package).
_spec = importlib.util.spec_from_file_location("synth", REPO / "bench" / "synth.py")
synth = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(synth)


@pytest.fixture(scope="session")
def synthetic_map(tmp_path_factory):
    """``synthetic_map(n, seed)``: a synthetic map written once per test run; tests that edit it take a copy."""
    made: dict[tuple[int, int], Path] = {}

    def make(n: int, seed: int) -> Path:
        if (n, seed) not in made:
            made[n, seed] = tmp_path_factory.mktemp("synth") / "claims"
            synth.generate(made[n, seed], n, seed=seed)
        return made[n, seed]
    return make


def copied(root: Path, tmp_path: Path) -> Path:
    """A copy of the map at root, in tmp_path/claims, for a test to edit."""
    shutil.copytree(root, tmp_path / "claims")
    return tmp_path / "claims"


def assemble(tmp_path: Path, *modes: str) -> Path:
    """A copy of the valid base knowledge base with the given failure modes' files laid over it."""
    root = tmp_path / "claims"
    shutil.copytree(BASE, root)
    for mode in modes:
        shutil.copytree(MODES / mode, root, dirs_exist_ok=True)
    return root


@pytest.fixture
def base_kb(tmp_path: Path) -> Path:
    return assemble(tmp_path)


@pytest.fixture
def chdir_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The base knowledge base as ``claims`` in a temporary working folder (for tests that run `kb` there)."""
    monkeypatch.chdir(tmp_path)
    assemble(tmp_path)
    return Path("claims")


def kb_here(*args: str):
    """`kb --kb claims ARGS` run in process, from the working folder."""
    from click.testing import CliRunner

    from kb.cli import cli

    return CliRunner().invoke(cli, ["--kb", "claims", *args])
