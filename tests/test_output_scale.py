"""Output at scale: long tables by the plain writer, JSON by the fast encoder, `kb path` honest about its bound."""

from __future__ import annotations

import json
import math
import os
import shutil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def _drawn_by_rich(text: str, width: int) -> str:
    """What rich prints for plain text at ``width``, as _rendered trims it."""
    import io

    from rich.console import Console
    from rich.text import Text

    out = io.StringIO()
    Console(file=out, width=width, markup=False, highlight=False, emoji=False, color_system=None,
            soft_wrap=False).print(Text(text))
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines()).strip("\n")


_WORD = st.text(alphabet="abcxyz-.,’é0", min_size=1, max_size=14)
_GAP = st.sampled_from([" ", " ", " ", "  ", "   ", "\n", " \n"])


@settings(max_examples=600, deadline=None)
@given(st.lists(st.tuples(_WORD, _GAP), min_size=1, max_size=40), st.sampled_from(["", " ", "   "]),
       st.integers(min_value=4, max_value=70))
def test_plain_text_is_wrapped_as_rich_wraps_it(words, indent, width):
    """Long plain text is wrapped without rich (whose import costs most of a warm kb show): rich's lines, to
    the byte, or rich draws it (a word wider than a line)."""
    from kb.cli import query

    text = indent + "".join(word + gap for word, gap in words)
    mine = query._wrapped(text, width)
    if mine is None:
        assert any(len(w) > width for w in text.split()) or len(indent) + len(text.split()[0]) > width
        return
    assert "\n".join(line.rstrip() for line in mine.splitlines()).strip("\n") == _drawn_by_rich(text, width)


def test_spaces_rich_and_textwrap_break_at_differently_are_left_to_rich():
    """A no-break or thin space is a break for rich's pattern and not for textwrap: such a line goes to rich."""
    from kb.cli import query

    for space in ("\xa0", "\u2009", "\u200b"):
        assert query._wrapped(f"aaaa{space}bbbb cccc dddd", 10) is None
    assert query._wrapped("aaaa bbbb cccc dddd", 10) == "aaaa bbbb\ncccc dddd"


def test_kb_show_wraps_a_long_text_without_importing_rich(tmp_path, monkeypatch):
    """A warm kb show whose tables fit and whose text does not: no rich, and the lines rich draws."""
    import subprocess
    import sys

    from kb.cli import cli, query

    probe = ("import runpy, sys\nsys.argv = ['kb', '--kb', sys.argv[1], 'show', sys.argv[2]]\n"
             "try:\n    runpy.run_module('kb', run_name='__main__')\nexcept SystemExit:\n    pass\n"
             "print('RICH', 'rich' in sys.modules, file=sys.stderr)\n")
    root = tmp_path / "claims"
    synth.generate(root, 60, seed=3)
    env = {**os.environ, "COLUMNS": "160"}  # wide enough for its tables (titles of at most 100 characters)
    node = next(p.stem for p in sorted(root.rglob("n*.yaml")) if len(p.read_text()) > 600)
    for _ in range(2):  # the second is warm
        shown = subprocess.run([sys.executable, "-c", probe, str(root), node], capture_output=True, text=True,
                               env=env, timeout=120)
    assert shown.returncode == 0 and "RICH False" in shown.stderr, shown.stderr
    lines = shown.stdout.splitlines()
    assert max(len(line) for line in lines) <= 160 and sum(len(line) > 140 for line in lines) >= 2, "it wrapped"
    monkeypatch.setattr(query, "PLAIN_WHEN_FITS", False)  # everything drawn by rich
    drawn = CliRunner().invoke(cli, ["--kb", str(root), "show", node], env={"COLUMNS": "160"})
    assert drawn.output == shown.stdout
