"""Output at scale: long tables by the plain writer, JSON by the fast encoder, `kb path` honest about its bound."""

from __future__ import annotations

import json
import math

import pytest

from click.testing import CliRunner

from conftest import REPO, kb_here, synth
from kb.data import jsonout

@pytest.fixture(scope="module")
def big(tmp_path_factory):
    folder = tmp_path_factory.mktemp("big")
    synth.generate(folder / "claims", 260, seed=2)
    return folder


def test_long_list_is_one_line_per_row_with_every_title_whole(big, monkeypatch):
    from kb.cli import query

    monkeypatch.chdir(big)
    result = kb_here("list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    data = json.loads(kb_here("list", "--format", "json").output)["nodes"]
    assert len(data) == 260 > query.RICH_ROWS
    assert lines[0].split() == ["id", "kind", "speaker", "source", "title"]
    assert set(lines[1]) == {"─"}
    rows = lines[2:2 + len(data)]
    for line, node in zip(rows, data):
        assert line.startswith(node["id"] + " ") and line.endswith(node["title"].rstrip()), line
        assert line.index(node["kind"]) == lines[0].index("kind"), "columns are aligned"
    assert lines[-1] == "260 nodes"


def test_short_tables_are_still_drawn_by_rich(root):
    result = kb_here("list")
    assert result.exit_code == 0
    # rich's rule runs under the whole header, padding included
    assert "─" * 10 in result.output and result.output.splitlines()[0].startswith("id")


@pytest.mark.parametrize("value", [
    {"a": [1, 2.5, None, True, "é “q” \u2028 \x00"], "b": {}, "c": [], "d": -0.0, "e": 1 / 3},
    {"nan": math.nan}, {1: "int key"}, {"huge": 2 ** 70},
])
def test_json_reads_back_as_the_standard_encoder_writes_it(value):
    text = jsonout.dumps(value)
    expected = json.dumps(value, indent=2, ensure_ascii=False)
    assert json.loads(text) == json.loads(expected) or (value.get("nan") is not None and text == expected)
    assert text.splitlines()[0] == expected.splitlines()[0] and len(text.splitlines()) == len(expected.splitlines())


def _chain(root, length: int) -> None:
    for i in range(length + 1):
        supports = f"supports: [c{i + 1}]\n" if i < length else ""
        (root / f"c{i}.yaml").write_text(
            f"kind: claim\ntitle: Step {i}\ntext: Step {i} of a long chain.\nspeaker: alice\n"
            f"source:\n  document: doc1\n{supports}")


def test_path_says_when_it_stopped_at_its_length_limit(root):
    _chain(root, 14)
    result = kb_here("path", "c0", "c14")
    assert result.exit_code == 0, result.output
    assert "no argument chain of at most 12 steps" in result.output and "--max-length" in result.output
    longer = kb_here("path", "c0", "c14", "--max-length", "20")
    assert "c0 —supports→ c1" in longer.output and " 14 " in longer.output
    assert "no argument chain leads from c14 to c0" in kb_here("path", "c14", "c0").output


def test_path_default_bound_matches_the_library():
    from kb.analysis import queries
    from kb.cli import query

    option = next(p for p in query.path_cmd.params if p.name == "max_length")
    assert option.default == queries.MAX_PATH_LENGTH


def test_the_plain_writer_aligns_text_left_and_numbers_right_and_prints_cells_as_written():
    from kb.cli import query

    table = query._Rows("id", "strength", "title")
    table.add_row("a", "0.5", "{0} {title} 100%")
    table.add_row("long-id", "0.4996", "two\nlines")
    table.caption = "2 nodes"
    assert table.plain().split("\n") == [
        "id" + " " * 8 + "strength   title",
        "─" * (7 + 8 + 16 + 3 * 2),  # the widest cell of each column, three spaces between (as rich draws)
        "a" + " " * 14 + "0.5   {0} {title} 100%",
        "long-id" + " " * 5 + "0.4996   two lines",
        "2 nodes",
    ]


@pytest.mark.parametrize("width", [100, 160, 400])
def test_text_that_fits_is_written_as_rich_would_draw_it(width, monkeypatch):
    """Tables and lines that fit the width skip rich's layout: the output must be rich's to the byte."""
    from conftest import REPO
    from kb.cli import cli, query

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, ["--kb", str(REPO / "claims"), *args], env={"COLUMNS": str(width)})
        assert result.exit_code == 0, result.output
        return result.output

    plain = []
    fits = query._fits
    monkeypatch.setattr(query, "_fits", lambda *a: plain.append(fits(*a)) or plain[-1])
    commands = [("stats",), ("show", "interp-is-among-best-bets"), ("search", "probe"),
                ("search", "trains deceptively zebra"), ("list", "--speaker", "segerie"),
                ("cruxes", "interp-is-among-best-bets"), ("explain", "interp-is-among-best-bets")]
    fast = [run(*c) for c in commands]
    assert any(plain) and (width > 100 or not all(plain)), "both ways must be exercised"
    monkeypatch.setattr(query, "PLAIN_WHEN_FITS", False)
    assert [run(*c) for c in commands] == fast


def test_characters_of_uncertain_width_and_captions_wider_than_the_table_go_to_rich():
    from kb.cli import query

    assert query._narrow("Ségerie’s “probe” — 0.500") and not query._narrow("tab\there")
    assert not query._narrow("幅の広い文字") and not query._narrow("e\u0301")  # wide, and a combining accent
    table = query._Rows("id", "title")
    table.add_row("a", "short")
    assert query._fits(table, table.plain(), 100)
    table.caption = "a caption longer than the table is wide"
    assert not query._fits(table, table.plain(), 100)
    table.caption = None
    table.add_row("b", "two\nlines")
    assert not query._fits(table, table.plain(), 100)
    assert not query._fits("x" * 101, "x" * 101, 100) and query._fits("x" * 100, "x" * 100, 100)
