"""canonical.node_bodies (one read-back for a whole import) gives byte for byte what node_body gives each node."""

from __future__ import annotations

from kb.data import canonical
from kb.data.models import Node

TEXTS = [
    "A plain sentence that is long enough to be folded over more than one line of the canonical layout, "
    "surely, once it goes on and on for a while.",
    "Two lines\nof text",
    "Ends with a newline\n",
    "  leading spaces", "trailing space ", "tab\there", "# not a comment", "- not a list", "key: value",
    "x. === y ===", "quote \" and backslash \\", "line\n\n\nwith blank lines\n  and indented", "a\u2028b",
    "yes", "1.5", "", "…unicode ünïcödé 日本語",
]


def _node(i: int, text: str) -> Node:
    return Node.model_validate({"kind": "claim", "title": f"t{i}", "text": text or " ", "speaker": "p",
                                "source": {"document": "d"}})


def test_bulk_rendering_equals_rendering_each_node_alone():
    nodes = [_node(i, t) for i, t in enumerate(TEXTS)]
    assert canonical.node_bodies(nodes) == [canonical.node_body(n) for n in nodes]
    # and it does use the compact forms where they read back
    assert any(">-" in body for body in canonical.node_bodies(nodes))
