"""The package's layers keep to their rules, read from the code itself (its syntax trees).

Library code (everything outside ``kb/cli``) must stay usable from other
programs: it never imports click and never prints. The analysis layer does no
I/O, so that its answers are functions of the graph alone; ``coverage.coverage``
is its one reader of files (the source texts), by design.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "kb"
LIBRARY = sorted(p for p in PACKAGE.rglob("*.py") if "cli" not in p.relative_to(PACKAGE).parts)
ANALYSIS = sorted((PACKAGE / "analysis").glob("*.py"))
# Calls that reach the file system (Path's methods; os, shutil and subprocess are caught by their import).
# Names that are also str's methods (replace) or common local names (rename, run) are left out.
IO_CALLS = {"open", "read_text", "read_bytes", "write_text", "write_bytes", "iterdir", "glob", "rglob",
            "stat", "unlink", "mkdir", "touch", "rmdir", "exists", "is_file", "is_dir"}
IO_MODULES = {"os", "shutil", "subprocess", "sqlite3", "tempfile", "io"}


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def _imports(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _called_names(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                names.add(func.id)
            elif isinstance(func, ast.Attribute):
                names.add(func.attr)
    return names


def test_the_layers_hold_the_modules_the_readme_lists():
    layers = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert layers == {"data", "rules", "analysis", "changes", "publishing", "cli"}
    assert sorted(p.name for p in PACKAGE.glob("*.py")) == ["__init__.py", "__main__.py"]
    readme = (PACKAGE.parent / "README.md").read_text(encoding="utf-8")
    for path in LIBRARY + ANALYSIS:
        if path.name != "__init__.py" and path.parent.name in layers:
            assert f"`{path.stem}`" in readme or f"`{path.stem}." in readme, f"{path} is not in the README's table"


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_library_code_never_imports_click_nor_prints(path):
    tree = _tree(path)
    assert "click" not in _imports(tree)
    assert "print" not in _called_names(tree)


@pytest.mark.parametrize("path", ANALYSIS, ids=lambda p: p.name)
def test_the_analysis_layer_does_no_io(path):
    tree = _tree(path)
    if path.name == "coverage.py":  # coverage.coverage reads the source texts; measure() is pure
        measure = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "measure")
        tree = ast.Module(body=[measure], type_ignores=[])
    assert not (_imports(tree) & IO_MODULES)
    assert not (_called_names(tree) & IO_CALLS)


def test_the_io_check_can_fail():
    """The checks above would catch the calls they look for (guards against a walker that finds nothing)."""
    tree = ast.parse("import os\nfrom subprocess import run\nimport click\nprint(1)\nPath('x').read_text()\n")
    assert {"os", "subprocess", "click"} <= _imports(tree)
    assert {"print", "read_text"} <= _called_names(tree)
