"""The committed JSON Schema is generated from the models and must not drift from them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from kb.rules import schema
from kb.cli import cli
from conftest import BASE, MODES, REPO


def test_committed_schema_matches_the_models():
    stale = schema.drift(REPO / "schema")
    assert stale == [], f"run `kb schema`: {stale} differ from the models"


def test_schema_check_flags_a_stale_file(tmp_path):
    runner = CliRunner()
    assert runner.invoke(cli, ["schema", "--out", str(tmp_path)]).exit_code == 0
    assert runner.invoke(cli, ["schema", "--out", str(tmp_path), "--check"]).exit_code == 0
    node = tmp_path / "node.schema.json"
    node.write_text(node.read_text().replace("Short label", "Long label"))
    result = runner.invoke(cli, ["schema", "--out", str(tmp_path), "--check"])
    assert result.exit_code == 1 and "node.schema.json" in result.output


def _validator(name: str):
    return jsonschema.Draft202012Validator(json.loads((REPO / "schema" / name).read_text()))


@pytest.mark.parametrize("path", sorted(BASE.rglob("*.yaml")), ids=lambda p: p.name)
def test_valid_files_pass_the_json_schema(path):
    name = {"people.yaml": "people.schema.json", "sources.yaml": "sources.schema.json"}.get(path.name, "node.schema.json")
    assert list(_validator(name).iter_errors(yaml.safe_load(path.read_text()))) == []


@pytest.mark.parametrize(
    "mode", ["unknown-field", "missing-field", "bad-weight", "nested-list", "list-not-mapping"]
)
def test_schema_rejects_what_the_models_reject(mode):
    """The editor's schema and `kb check` agree on shape errors (independent validator)."""
    (path,) = (MODES / mode).rglob("*.yaml")
    assert list(_validator("node.schema.json").iter_errors(yaml.safe_load(path.read_text())))


def test_real_node_files_carry_the_schema_comment():
    files = [p for p in (REPO / "claims").rglob("*.yaml") if p.parent != REPO / "claims"]
    assert files, "the knowledge base has no node files"
    bad = [str(p) for p in files if not p.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=")]
    assert bad == []
    for p in files:
        first = p.read_text(encoding="utf-8").splitlines()[0]
        target = (p.parent / first.split("$schema=", 1)[1]).resolve()
        assert target == (REPO / "schema" / "node.schema.json").resolve(), p
