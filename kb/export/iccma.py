"""The attack graph for Dung solvers, in the ICCMA 2023 ``p af n`` format.

Arguments are numbered 1..n in id order; a side file (``.ids.tsv``: number, tab,
id) maps them back. The main file holds no comments, since not every reader
skips them.

A Dung framework has attacks only, so supports must be translated or dropped.
By default (``supports="cayrol"``) the attacks are Cayrol and
Lagasquie-Schiex's derived defeats, the reading ``kb``'s own grounded labels
use: a attacks d whenever a ⇒* b → c ⇒* d, where ⇒* is a chain of zero or more
supports and → one attack (whoever argues for an attacker attacks too, and an
attack on a reason reaches what it supports). A solver's grounded extension of
this file is then exactly the set of nodes ``kb`` labels IN. With
``supports="ignore"`` the file holds the attack edges alone. Edges of weight 0
carry no force and are left out either way.

The derived attacks are written out, one line each, so their number can grow
with the product of support-chain lengths; for maps of thousands of nodes with
long support chains, ``ignore`` stays linear.
"""

from __future__ import annotations

from kb.errors import KBError

SIDE_SUFFIX = ".ids.tsv"
MODES = ("cayrol", "ignore")


def attacks(bundle, supports: str = "cayrol") -> set[tuple[str, str]]:
    """The attack relation over the selected node ids."""
    if supports not in MODES:
        raise KBError(f"unknown support mode '{supports}' (one of {', '.join(MODES)})")
    edges = [(u, v, d["relation"]) for u, v, d in bundle.edges() if d["weight"] > 0]
    direct = {(u, v) for u, v, r in edges if r == "attacks"}
    if supports == "ignore":
        return direct
    up: dict[str, set[str]] = {n: {n} for n in bundle.ids}  # n and everything that supports it, transitively
    down: dict[str, set[str]] = {n: {n} for n in bundle.ids}  # n and everything it supports, transitively
    support_succ: dict[str, list[str]] = {n: [] for n in bundle.ids}
    for u, v, r in edges:
        if r == "supports":
            support_succ[u].append(v)
    for start in bundle.ids:
        todo = [start]
        while todo:
            n = todo.pop()
            for m in support_succ[n]:
                if m not in down[start]:
                    down[start].add(m)
                    up[m].add(start)
                    todo.append(m)
    return {(a, d) for b, c in direct for a in up[b] for d in down[c]}


def export(bundle, supports: str = "cayrol"):
    from kb.export.core import Output

    number = {node_id: i for i, node_id in enumerate(bundle.ids, start=1)}
    pairs = sorted((number[a], number[b]) for a, b in attacks(bundle, supports))
    lines = [f"p af {len(number)}"] + [f"{a} {b}" for a, b in pairs]
    side = "".join(f"{i}\t{node_id}\n" for node_id, i in number.items())
    return Output("\n".join(lines) + "\n", {SIDE_SUFFIX: side})
