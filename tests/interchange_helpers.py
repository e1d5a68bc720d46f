"""Shared by the export and import tests: the fixture maps, the real readers, and what to compare."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest
from py_arg.algorithms.semantics.get_grounded_extension import get_grounded_extension
from py_arg.import_export.argumentation_framework_from_iccma23_format_reader import (
    ArgumentationFrameworkFromICCMA23FormatReader as IccmaReader,
)

from conftest import BASE, FIXTURES, REPO
from kb.analysis import semantics
from kb.data import store
from kb.publishing.export import argdown, core, iccma
from kb.data.store import KnowledgeBase

# A map with every kind, a support cycle, an attack cycle, weighted and noted edges (one of
# weight 0), repeated titles, and text full of characters that other formats treat as markup.
INTERCHANGE = FIXTURES / "interchange" / "claims"
MAPS = {"base": BASE, "interchange": INTERCHANGE}
# Every relation kb has: a linked support and a linked attack, undercuts of a plain support, of a plain
# attack and of a linked support (through its second premise), and a restatement.
RELATIONS = FIXTURES / "relations" / "claims"
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


def relation_facts(kb: KnowledgeBase) -> dict[str, set]:
    """Every relation of a knowledge base in a form that does not depend on which file declares it.

    An argument is (its premises, target, relation, weight, note, scheme); an undercut names the
    argument it cuts by its premises and target.
    """
    arguments, undercuts, restates = set(), set(), set()
    premises_of = {}
    for n, node in kb.nodes.items():
        for relation in ("supports", "attacks"):
            for e in node.edges(relation):
                premises = frozenset((n, *e.with_))
                arguments.add((premises, e.target, relation, e.weight, e.note, e.scheme))
                for p in premises:
                    premises_of[(p, e.target)] = premises
        restates.update((n, r) for r in node.restates)
    for n, node in kb.nodes.items():
        undercuts.update((n, premises_of[(u.source, u.target)], u.target, u.weight, u.note) for u in node.undercuts)
    return {"arguments": arguments, "undercuts": undercuts, "restates": restates}


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


# --- Argdown: the parsed JSON against the knowledge base ---

RELATION = {"support": "supports", "attack": "attacks"}


def _text(member: dict) -> str:
    """A statement's text as Argdown reads it, without the tags it appends."""
    text = member["text"]
    starts = [r["start"] for r in member.get("ranges", []) if r["type"] == "tag"]
    if not starts:
        return text.strip()
    # Argdown's ranges count UTF-16 code units, as JavaScript strings do.
    units = text.encode("utf-16-le")[: 2 * min(starts)]
    return units.decode("utf-16-le", errors="ignore").rstrip()


def statements_by_id(parsed: dict) -> dict[str, dict]:
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
    statements = statements_by_id(parsed)
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


# --- Graphviz ---

SVG = "{http://www.w3.org/2000/svg}"


def render(text: str, tmp_path) -> ET.Element:
    binary = external("dot", "install Graphviz: apt-get install graphviz (make test does)")
    source = tmp_path / "map.dot"
    source.write_text(text, encoding="utf-8")
    run = subprocess.run([binary, "-Tsvg", str(source)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and run.stderr.strip() == "", run.stderr
    return ET.fromstring(run.stdout)


# --- ICCMA: a Dung solver's grounded extension ---

def solver_in(output: core.Output) -> set[str]:
    """The grounded extension a Dung solver finds in the file, as kb ids via the side file."""
    ids = dict(line.split("\t") for line in output.side[iccma.SIDE_SUFFIX].splitlines())
    framework = IccmaReader.from_iccma23(output.text)
    return {ids[argument.name[1:]] for argument in get_grounded_extension(framework)}


def kb_in(G: nx.DiGraph, supports: str) -> set[str]:
    return {n for n, label in semantics.grounded(G, supports).items() if label == semantics.Label.IN}
