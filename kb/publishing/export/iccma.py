"""The attack graph for Dung solvers, in the ICCMA 2023 ``p af n`` format.

Arguments are numbered 1..n in id order, then come the auxiliary arguments
described below; a side file (``.ids.tsv``: number, tab, id) maps them back
(auxiliary names start with ``~``, which no id does). The main file holds no comments, since not every reader
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

Undercuts, linked premises and restatements, which Dung frameworks cannot say
directly, make the export write the framework ``kb``'s own grounded labels are
computed on (:mod:`kb.analysis.grounded`): conjunction gadgets make a linked or undercut
inference stand only while every premise is IN and every undercutter OUT, and
derived defeats run through it only while it stands; an undercut defeats the
inference, never either of its ends. Its auxiliary arguments are ``~aux N``;
each restatement merged into its class gets the class's status through a
``~same`` argument.

The derived attacks are written out, one line each, so that every Dung
semantics (not only grounded) sees Cayrol's framework itself. Their number can
grow with the product of support-chain lengths; past a million the export is
refused with a hint, and ``ignore`` (or a ``--select``) stays linear.
"""

from __future__ import annotations

from kb.data.errors import KBError

SIDE_SUFFIX = ".ids.tsv"
MODES = ("cayrol", "ignore")
MAX_ATTACKS = 1_000_000


def _reach(start: str, succ: dict[str, list[str]], budget: int) -> set[str] | None:
    """start and every node a chain of supports leads to from it; None past ``budget`` nodes."""
    seen, todo = {start}, [start]
    while todo:
        for m in succ.get(todo.pop(), ()):
            if m not in seen:
                seen.add(m)
                if len(seen) > budget:
                    return None
                todo.append(m)
    return seen


def framework(bundle, supports: str = "cayrol", limit: int = MAX_ATTACKS) -> tuple[list[str], set[tuple[str, str]]]:
    """The framework's arguments (the selected node ids, then auxiliary ones) and its attack relation.

    Refuses (KBError) rather than write more than ``limit`` derived attacks, which
    only a map with long support chains under many attacks reaches.
    """
    if supports not in MODES:
        raise KBError(f"unknown support mode '{supports}' (one of {', '.join(MODES)})")
    if any(a.linked for a in bundle.arguments()) or bundle.undercuts() or bundle.restatements():
        return _gadget_framework(bundle, supports)
    edges = [(a.lead, a.target, a.relation) for a in bundle.arguments() if a.weight > 0]
    return list(bundle.ids), _derive(edges, supports, limit)


def _gadget_framework(bundle, supports: str) -> tuple[list[str], set[tuple[str, str]]]:
    """The framework kb's own grounded labels are computed on, for maps with linked or undercut inferences.

    Cayrol's derived defeats run through a linked or undercut support only while
    it stands (every premise IN, every undercutter OUT), which no plain attack
    can say: the framework of :mod:`kb.analysis.grounded`, with its conjunction gadgets
    and its up/hit arguments per circle of supports, says it in linear size. Its
    auxiliary arguments are named ``~aux N``. A restatement that the analysis
    merges into its class gets the class's status through ``~same`` (the class's
    representative attacks it, and it attacks the restatement).
    """
    from kb.analysis.grounded import attack_framework, cayrol_framework
    from kb.analysis.network import Network

    net = Network(bundle.graph)
    F = cayrol_framework(net) if supports == "cayrol" else attack_framework(net)
    names = list(net.ids) + [f"~aux {k}" for k in range(net.size, F.size)]
    relation = {(names[a], names[b]) for a, b in zip(F.src, F.dst)}
    for i, r in net.mirrors:
        same = f"~same {net.ids[i]}"
        names.append(same)
        relation.update(((net.ids[r], same), (same, net.ids[i])))
    return names, relation


def attacks(bundle, supports: str = "cayrol", limit: int = MAX_ATTACKS) -> set[tuple[str, str]]:
    """The attack relation of the exported framework (auxiliary arguments included)."""
    return framework(bundle, supports, limit)[1]


def _derive(edges: list[tuple[str, str, str]], supports: str, limit: int) -> set[tuple[str, str]]:
    direct = {(u, v) for u, v, r in edges if r == "attacks"}
    if supports == "ignore":
        return direct
    forward: dict[str, list[str]] = {}  # n -> what n supports
    backward: dict[str, list[str]] = {}  # n -> what supports n
    for u, v, r in edges:
        if r == "supports":
            forward.setdefault(u, []).append(v)
            backward.setdefault(v, []).append(u)
    too_many = KBError(f"supports turn the {len(direct)} attacks into more than {limit} derived attacks; "
                       "export with --supports ignore, or --select a part of the map")
    up: dict[str, set[str]] = {}  # b -> b and everything that supports it, transitively
    down: dict[str, set[str]] = {}  # c -> c and everything it supports, transitively
    derived: set[tuple[str, str]] = set()
    work = 0
    for b, c in sorted(direct):
        for memo, node, succ in ((up, b, backward), (down, c, forward)):
            if node not in memo:
                found = _reach(node, succ, limit)
                if found is None:
                    raise too_many
                memo[node] = found
        work += len(up[b]) * len(down[c])
        if work > 20 * limit:  # pairs repeat across attacks; stop before the repeats cost minutes
            raise too_many
        derived.update((a, d) for a in up[b] for d in down[c])
        if len(derived) > limit:
            raise too_many
    return derived


def export(bundle, supports: str = "cayrol"):
    from kb.publishing.export.core import Output

    names, relation = framework(bundle, supports)
    number = {name: i for i, name in enumerate(names, start=1)}
    pairs = sorted((number[a], number[b]) for a, b in relation)
    lines = [f"p af {len(number)}"] + [f"{a} {b}" for a, b in pairs]
    side = "".join(f"{i}\t{node_id}\n" for node_id, i in number.items())
    return Output("\n".join(lines) + "\n", {SIDE_SUFFIX: side})
