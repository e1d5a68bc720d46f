"""Commands fed hostile input: oversized edits and imports, malformed AIF, explosive path queries, odd site settings."""

from __future__ import annotations

import json
import time

import networkx as nx
import pytest

from kb.changes import authoring
from kb.analysis import queries
from kb.publishing import site
from kb.data.errors import KBError

from hostile import disk, kb, refused, world  # noqa: F401

# --- the 1 MiB limit holds for what kb writes, not only for what it reads -------------------------


def test_an_edit_that_would_pass_the_size_limit_is_refused_and_writes_nothing(world):
    root = world / "claims"
    before = disk(world)
    with pytest.raises(authoring.Refused) as caught:
        authoring.link(root, "audits", "attacks", "wont-scale", note="n" * (1 << 20))
    assert [p.code for p in caught.value.problems] == ["too-large"]
    assert caught.value.problems[0].path.endswith("audits.yaml")
    assert disk(world) == before


def test_notes_that_add_up_past_the_limit_are_refused_on_the_edit_that_crosses_it(world):
    """The issue's case: nine notes of 120,000 characters, each through the command line."""
    root = world / "claims"
    for i in range(8):
        name = f"t{i}"
        (root / f"{name}.yaml").write_text((root / "audits.yaml").read_text().replace("see-inside", "wont-scale"))
        result = kb(world, "link", "see-inside", "attacks", name, "--note", "n" * 120_000)
        assert result.returncode == 0, result.stderr
    (root / "t8.yaml").write_text((root / "audits.yaml").read_text().replace("see-inside", "wont-scale"))
    before = disk(world)
    refused(kb(world, "link", "see-inside", "attacks", "t8", "--note", "n" * 120_000),
            "claims/see-inside.yaml:1:1: error[too-large]")
    assert disk(world) == before
    assert kb(world, "check").returncode == 0


def aif(*texts: str) -> dict:
    return {"nodes": [{"nodeID": str(i), "type": "I", "text": t} for i, t in enumerate(texts, 1)], "edges": []}


def test_an_imported_proposition_over_the_limit_is_refused(world):
    (world / "map.json").write_text(json.dumps(aif("short claim", "x " * (1 << 20))))
    before = disk(world)
    refused(kb(world, "import", "aif", "map.json"), "error[too-large]", "nothing was written")
    assert disk(world) == before


@pytest.mark.parametrize("text", [
    "[" * 100_000,
    '{"nodes": ' + "[" * 5000 + "]" * 5000 + ', "edges": []}',
    json.dumps({"nodes": [{"nodeID": "1", "type": "I", "text": "x"}], "edges": [], "locutions": 5}),
    json.dumps({"nodes": [{"nodeID": "1", "type": "I", "text": "x"}], "edges": [], "participants": [1, "a", {}]}),
    json.dumps({"nodes": [{"nodeID": ["1"], "type": "I", "text": "x"}], "edges": [{}]}),
    json.dumps({"AIF": {"nodes": {"a": 1}, "edges": "x"}}),
    json.dumps({"nodes": [{"nodeID": "1", "type": "L", "text": "x"}, {"nodeID": "2", "type": "YA"},
                          {"nodeID": "3", "type": "I", "text": "y"}],
                "edges": [{"fromID": "1", "toID": "2"}, {"fromID": "2", "toID": "3"}],
                "locutions": [{"nodeID": "1", "personID": {"a": 1}}], "participants": [{"participantID": {}}]}),
])
def test_hostile_aif_json_is_an_error_line(world, text):
    (world / "map.json").write_text(text)
    before = disk(world)
    refused(kb(world, "import", "aif", "map.json"), "map.json", "nothing was written")
    assert disk(world) == before


def test_an_aif_file_that_is_a_fifo_does_not_hang_the_import(world):
    import os

    os.mkfifo(world / "map.json")
    refused(kb(world, "import", "aif", "map.json", timeout=30), "not a regular file")


# --- kb path on a layered map -------------------------------------------------------------------


def layered(width: int, depth: int) -> nx.DiGraph:
    """A start, `depth` layers of `width` nodes each wired to every node of the next, and an end."""
    G = nx.DiGraph()
    layers = [["start"]] + [[f"n{d}-{w}" for w in range(width)] for d in range(depth)] + [["end"]]
    for upper, lower in zip(layers, layers[1:]):
        for u in upper:
            for v in lower:
                G.add_edge(u, v, relation="supports", weight=1.0)
    return G


def test_path_on_a_layered_map_stops_at_the_limit():
    """6 layers of 6: 46,656 chains of one length. Before, every one of them was collected."""
    G = layered(6, 6)
    started = time.monotonic()
    result = queries.paths(G, "start", "end", limit=10)
    assert time.monotonic() - started < 60
    assert len(result["paths"]) == 10 and result["truncated"] and result["stopped"] == "limit"
    assert all(p["length"] == 7 and p["nodes"][0] == "start" and p["nodes"][-1] == "end" for p in result["paths"])
    assert result["paths"] == sorted(result["paths"], key=lambda p: p["nodes"])


def test_path_says_when_its_time_budget_stopped_it():
    result = queries.paths(layered(6, 6), "start", "end", limit=10_000, budget=0.0)
    assert result["stopped"] == "time" and result["truncated"] and len(result["paths"]) == 1


def test_path_is_deterministic_whatever_the_order_of_edges():
    G = layered(4, 4)
    H = nx.DiGraph()
    H.add_edges_from(reversed(list(G.edges(data=True))))
    assert queries.paths(G, "start", "end", limit=5) == queries.paths(H, "start", "end", limit=5)


# --- mkdocs.yml as MkDocs reads it ----------------------------------------------------------------

MATERIAL_EMOJI = """site_name: x
markdown_extensions:
  - pymdownx.emoji:
      emoji_index: !!python/name:material.extensions.emoji.twemoji
      emoji_generator: !!python/name:material.extensions.emoji.to_svg
extra:
  analytics: !ENV [ANALYTICS, none]
plugins:
  - search
  - kb:
      perspectives: [neutral, alice]
"""


def test_site_reads_materials_documented_emoji_setting_without_importing_it(tmp_path):
    config = tmp_path / "mkdocs.yml"
    config.write_text(MATERIAL_EMOJI.replace("material.extensions.emoji.twemoji", "os.system"))
    assert site.plugin_settings(config) == {"perspectives": ["neutral", "alice"], "docs_dir": "docs"}


@pytest.mark.parametrize("plugin, message", [
    ("  - kb: [1, 2]", "settings must be a mapping"),
    ("  - kb:\n      perspectives: 3", "'perspectives' must be a list"),
    ("  - kb:\n      pairs: [[a]]", "'pairs' must be a list of pairs"),
    ("  - kb:\n      pairs: [[a, {b: 1}]]", "'pairs' must be a list of pairs"),
    ("  - kb:\n      intro: [x]", "'intro' must be a file name"),
])
def test_odd_plugin_settings_are_errors_that_name_them(tmp_path, plugin, message):
    config = tmp_path / "mkdocs.yml"
    config.write_text(f"site_name: x\nplugins:\n{plugin}\n")
    with pytest.raises(KBError, match=message):
        site.plugin_settings(config)


@pytest.mark.parametrize("intro", ["/etc/passwd", "../" * 30 + "etc/passwd", "../../outside/secret.txt"])
def test_kb_site_refuses_an_intro_outside_the_config_folder(world, intro):
    (world / "project").mkdir()
    (world / "project" / "site").mkdir()
    (world / "project" / "mkdocs.yml").write_text(
        f"site_name: x\ndocs_dir: site\nplugins:\n  - kb:\n      intro: {intro}\n")
    before = disk(world)
    output = refused(kb(world, "site", "out", "--config", "project/mkdocs.yml"), "introduction")
    assert "the user's own file" not in output and "root:" not in output
    assert not (world / "out").exists()
    assert disk(world) == before


@pytest.mark.parametrize("text", ["plugins: 3\n", "[1, 2]\n", "plugins:\n  - kb: !!python/object:os.system {}\n",
                                  "a: " + "[" * 2000 + "]" * 2000 + "\n"])
def test_kb_site_on_an_odd_config_is_an_error_line(world, text):
    (world / "mkdocs.yml").write_text(text)
    before = disk(world)
    result = kb(world, "site", "out")
    assert result.returncode in (0, 1)
    if result.returncode:
        assert "error:" in result.stderr
    assert {k: v for k, v in disk(world).items() if k != "out" and not k.startswith("out/")} == before
