"""warning[possible-duplicate]: in kb check and at kb add, with the other node's id."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb import validate

from conftest import kb_here as kb  # noqa: F401  (the root fixture comes from conftest)




def add(title: str, quote: str = "", *extra: str):
    return kb("add", "claim", "--title", title, "--text", "T.", "--speaker", "bob", "--source", "doc1",
              "--quote", quote, *extra)


def warnings(root: Path) -> list[str]:
    return [p.format() for p in validate.check(root).problems if p.code == "possible-duplicate"]


def test_same_title_added_twice_is_written_with_a_warning(root):
    assert add("Probes find lies", "", "--supports", "audits").exit_code == 0
    result = add("Probes find lies", "", "--attacks", "wont-scale")
    assert result.exit_code == 0 and "'probes-find-lies-2'" in result.stdout
    assert ("claims/probes-find-lies-2.yaml:3:1: warning[possible-duplicate]: title nearly matches that of "
            "'probes-find-lies' (\"Probes find lies\")") in result.stderr
    assert "`kb link probes-find-lies-2 restates probes-find-lies`" in result.stderr


@pytest.mark.parametrize("title, duplicate", [
    ("audits NEED interpretability!", True),  # case and punctuation
    ("Interpretability audits need", True),  # word order
    ("Audits need interpretabilty", True),  # a typo
    ("Audits need no interpretability at all", False),
    ("Interpretability is needed by regulators", False),
])
def test_check_flags_near_identical_titles_only(root, title, duplicate):
    assert add(title, "", "--attacks", "wont-scale").exit_code == 0
    found = warnings(root)
    assert bool(found) == duplicate, found
    if duplicate:
        assert "'audits'" in found[0]


def test_the_same_long_quote_is_flagged_short_ones_are_not(root):
    sentence = "Interpretability lets us see inside the model, or so the argument goes."
    for node_id in ("first", "second"):
        text = (root / "audits.yaml").read_text().replace("Audits need interpretability", f"Title {node_id} unlike")
        (root / f"{node_id}.yaml").write_text(text.replace("quote: Audits need it.", f'quote: "{sentence}"'))
    found = warnings(root)
    assert len(found) == 1 and found[0].startswith("claims/second.yaml:8:3: warning[possible-duplicate]: quote")
    assert "'first'" in found[0]
    # Short anchors ("Audits need it." in three files here) are not evidence of a duplicate.
    assert not any("audits" in w for w in found)


def test_pairs_already_linked_are_not_flagged(root):
    assert add("Audits need interpretability", "", "--attacks", "wont-scale", "--id", "again").exit_code == 0
    assert warnings(root)
    assert kb("link", "again", "restates", "audits").exit_code == 0
    assert warnings(root) == []
