"""One palette for every picture of the map: the site's interactive maps and the DOT export.

A reader who learns on the site that a vermilion box is a rebuttal should find
the same box in Graphviz, so colours and shapes live here and nowhere else.
Colours are the Okabe–Ito set, which stays distinguishable under the common
forms of colour blindness, darkened where needed so that every fill stands
3:1 against a white page and every label 4.5:1 against its fill (WCAG AA for
graphics and for small text); each kind also has its own shape, so the map
still reads in greyscale.

Shapes are named twice because the two renderers spell them differently:
``dot`` is a Graphviz node shape, ``vis`` a vis-network one.
"""

from __future__ import annotations

from dataclasses import dataclass

from kb.data.models import KINDS


@dataclass(frozen=True)
class KindStyle:
    label: str  # how a legend names the kind
    fill: str
    font: str  # text colour with enough contrast on the fill
    dot: str
    vis: str


@dataclass(frozen=True)
class RelationStyle:
    label: str
    colour: str
    dot_style: str  # Graphviz edge style
    dot_arrowhead: str
    dashes: bool  # vis-network


KIND_STYLES: dict[str, KindStyle] = {
    "claim": KindStyle("Claim", "#3A93C9", "#000000", "box", "box"),
    "theory_of_impact": KindStyle("Theory of impact", "#0072B2", "#FFFFFF", "hexagon", "hexagon"),
    "rebuttal": KindStyle("Rebuttal", "#D55E00", "#000000", "octagon", "diamond"),
    "evidence": KindStyle("Evidence", "#009E73", "#000000", "cylinder", "database"),
    "question": KindStyle("Question", "#9A8C00", "#000000", "ellipse", "ellipse"),
    "proposal": KindStyle("Proposal", "#CC79A7", "#000000", "parallelogram", "star"),
}
assert set(KIND_STYLES) == set(KINDS), "every kind needs a style"

RELATION_STYLES: dict[str, RelationStyle] = {
    "supports": RelationStyle("supports", "#009E73", "solid", "normal", False),
    "attacks": RelationStyle("attacks", "#D55E00", "dashed", "tee", True),
    "undercuts": RelationStyle("undercuts", "#E69F00", "dotted", "tee", True),
    "restates": RelationStyle("restates", "#999999", "dotted", "none", True),
}

# Theses are the conclusions everything argues about: drawn with a heavier border.
THESIS_TAG = "thesis"
THESIS_BORDER = 3.0
BORDER = "#333333"

# Grounded labels, for pictures that show them (a border colour, a badge): dark enough for white text (4.5:1).
LABEL_COLOURS = {"IN": "#007A5A", "OUT": "#B34A00", "UNDEC": "#666666"}


def kind_style(kind: str | None) -> KindStyle:
    """The style of a kind; an unknown kind (a half-written file) is drawn as a claim."""
    return KIND_STYLES.get(kind or "", KIND_STYLES["claim"])


def edge_width(weight: float) -> float:
    """Line width for an edge: a full-weight edge is three times as thick as a weightless one."""
    return round(1.0 + 2.0 * max(0.0, min(1.0, weight)), 2)
