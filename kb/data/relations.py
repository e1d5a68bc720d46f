"""The vocabulary of relations between nodes: defined here once, read by every stage.

Models, checks, the graph, the semantics, exports, pages and authoring all ask
this module what relations exist, what each is called in a node file, which way
it pushes its target and how to say it in prose, instead of spelling the
relations out again. Adding a relation starts here.

* ``supports`` / ``attacks``: an argument for or against another node. Either
  may be *linked* (``with:`` other premises): the premises then count as one
  argument, which stands only as far as its weakest premise does.
* ``undercuts``: an argument against an *inference* — the edge from one node to
  another — rather than against its conclusion ("true, but it does not show
  that"). It weakens the edge; it says nothing about either end.
* ``restates``: the same claim said again (in another document or voice). It
  carries no evidential weight: analysis treats a restatement class as one claim.

Nothing here does I/O or imports anything beyond the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class RelationSpec:
    name: str  # the key in a node file and the ``relation`` attribute of a graph edge
    sign: int  # +1 pushes the target up, -1 down, 0 carries no weight
    on: Literal["node", "edge"]  # what the relation points at
    verb: str  # "X supports Y"
    incoming: str  # heading for the nodes that bear this relation to a given node
    outgoing: str  # heading for the nodes a given node bears it to
    description: str  # for the JSON Schema and the README


SUPPORTS = RelationSpec(
    "supports", +1, "node", "supports", "Supported by", "Supports",
    "Nodes this one argues for (an id, or a mapping with target, weight, note and with).",
)
ATTACKS = RelationSpec(
    "attacks", -1, "node", "attacks", "Attacked by", "Attacks",
    "Nodes this one argues against (an id, or a mapping with target, weight, note and with).",
)
UNDERCUTS = RelationSpec(
    "undercuts", -1, "edge", "undercuts", "Its inferences undercut by", "Undercuts",
    "Inferences this node disputes without disputing their ends: each names an edge (source, target) "
    "of the map and says that the source, even if true, does not show (or refute) the target.",
)
RESTATES = RelationSpec(
    "restates", 0, "node", "restates", "Restated by", "Restates",
    "Nodes that make the same claim as this one, said again elsewhere. A restatement carries no "
    "evidential weight: analysis treats the restatements of one claim as a single claim.",
)

RELATIONS: tuple[RelationSpec, ...] = (SUPPORTS, ATTACKS, UNDERCUTS, RESTATES)
BY_NAME: dict[str, RelationSpec] = {r.name: r for r in RELATIONS}
# The relations that carry an argument from one node to another (with a weight, possibly linked).
ARGUMENT_RELATIONS: tuple[str, ...] = (SUPPORTS.name, ATTACKS.name)
# Every relation that is an edge of the argument graph (networkx), in a fixed order.
EDGE_RELATIONS: tuple[str, ...] = tuple(r.name for r in RELATIONS)

Relation = Literal["supports", "attacks", "undercuts", "restates"]
ArgumentRelation = Literal["supports", "attacks"]


def sign(relation: str) -> int:
    """+1 for a relation that raises its target, -1 for one that lowers it, 0 for none."""
    return BY_NAME[relation].sign


def is_pro(relation: str) -> bool:
    return BY_NAME[relation].sign > 0


def is_con(relation: str) -> bool:
    return BY_NAME[relation].sign < 0
