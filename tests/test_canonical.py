"""The canonical layout: any node survives it exactly, formatting is idempotent, comments are kept."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from kb.data import canonical, parsing, roundtrip, store
from kb.data.models import KINDS, SourceRef, Node

from conftest import BASE

ids = st.from_regex(r"[a-z0-9]{1,6}(-[a-z0-9]{1,6}){0,2}", fullmatch=True)
# Everything a person might paste: unicode, quotes, '#', ': ', tabs, line breaks, controls.
free_text = st.text(min_size=1, max_size=300)
edges = st.lists(st.builds(lambda t, w, n: {"target": t, "weight": w, "note": n}, ids,
                           st.sampled_from([1.0, 0.5, 0.25, 1e-05, 0.0]), st.none() | free_text), max_size=3,
                 unique_by=lambda e: e["target"])


@st.composite
def nodes(draw) -> Node:
    return Node.model_validate({
        "id": draw(st.none() | ids),
        "kind": draw(st.sampled_from(KINDS)),
        "title": draw(st.text(min_size=1, max_size=100)),
        "text": draw(free_text),
        "speaker": draw(ids),
        "source": {"document": draw(ids), "quote": draw(st.none() | free_text),
                   "section": draw(st.none() | free_text)},
        "supports": draw(edges),
        "attacks": draw(edges),
        "tags": draw(st.lists(ids, max_size=3)),
        "stances": draw(st.dictionaries(ids, st.builds(
            lambda c, q: {"credence": c, "quote": q}, st.floats(0, 1), st.none() | free_text), max_size=3)),
        "note": draw(st.none() | free_text),
    })


@settings(max_examples=300, deadline=None)
@given(nodes())
def test_every_node_reads_back_exactly_and_formats_idempotently(node):
    path, root = Path("/kb/claims/sub/x.yaml"), Path("/kb/claims")
    text = canonical.node_text(node, path, root, Path("/kb/schema"))
    assert text.startswith("# yaml-language-server: $schema=../../schema/node.schema.json\n")
    parsed, errs = parsing.parse_node(text, "x.yaml")
    assert errs == [] and parsed == node
    assert canonical.format_text(text, parsed, path, root, Path("/kb/schema")) == text


@settings(max_examples=100, deadline=None)
@given(nodes(), st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
                                 max_size=30), min_size=1, max_size=4))
def test_comments_survive_formatting(node, words):
    path, root = Path("/kb/claims/x.yaml"), Path("/kb/claims")
    text = canonical.node_text(node, path, root, Path("/kb/schema"))
    lines = text.splitlines()
    comments = [f"# c{i} {w}".rstrip() for i, w in enumerate(words)]
    # One comment above each of a few top-level keys, and one at the end.
    keyed = [i for i, line in enumerate(lines) if line[:1].isalpha()][1:]
    for comment, at in reversed(list(zip(comments, keyed))):
        lines.insert(at, comment)
    commented = "\n".join(lines) + f"\n{comments[-1]} end\n"
    out = canonical.format_text(commented, node, path, root, Path("/kb/schema"))
    assert out is not None
    for comment in comments:
        assert comment in out
    assert parsing.parse_node(out, "x")[0] == node


def test_ids_that_yaml_would_misread_are_quoted():
    for value in ("no", "yes", "on", "null", "123", "0x1f", "2024-01-01", "1_000"):
        rendered = canonical.plain_id(value)
        assert rendered.startswith('"'), value
    assert canonical.plain_id("see-inside") == "see-inside"


def test_long_text_is_folded_at_100_columns():
    node = Node.model_validate({"kind": "claim", "title": "t", "text": "word " * 60 + "end", "speaker": "a",
                                "source": {"document": "d"}})
    text = canonical.node_body(node)
    assert text.startswith("kind: claim\ntitle: \"t\"\ntext: >-\n  word word")
    assert max(len(line) for line in text.splitlines()) <= 100


def test_source_order_covers_every_field():
    assert sorted(canonical.SOURCE_ORDER) == sorted(SourceRef.model_fields)


def test_base_fixture_formats_to_valid_equal_nodes(tmp_path):
    for path in sorted(BASE.rglob("*.yaml")):
        if path.name in store.REGISTRIES:
            continue
        original = path.read_text()
        node, errs = parsing.parse_node(original, str(path))
        assert not errs
        out = canonical.format_text(original, node, path, BASE)
        assert parsing.parse_node(out, "x")[0] == node


# --- round-trip edits ---------------------------------------------------------------------------


def test_edit_keeps_unusual_indentation_outside_the_changed_lines():
    text = ("kind: claim   # note\n"
            "source:\n"
            "    document: doc1     # four spaces\n"
            "supports:\n"
            "- a\n"
            "- b    # two\n"
            "tags: [x,y]\n")

    def change(data):
        data["supports"].append("c")

    assert roundtrip.edit(text, change) == text.replace("- b    # two\n", "- b    # two\n- c\n")


def test_new_keys_go_where_the_model_order_puts_them():
    text = "kind: claim\ntitle: t\ntext: x\nspeaker: a\nsource:\n  document: d\ntags: [x]\n"

    def change(data):
        roundtrip.ensure_key(data, "attacks", roundtrip.new_seq).append("z")

    assert roundtrip.edit(text, change) == text.replace("tags:", "attacks:\n  - z\ntags:")


def test_splice_gives_up_when_the_dump_normalised_the_changed_spot():
    assert roundtrip.splice("a:  [1,2]\n", "a: [1, 2]\n", "a: [1, 2, 3]\n") is None
