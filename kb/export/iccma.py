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

Undercuts and linked premises, which Dung frameworks cannot say directly, go
through an auxiliary argument per inference (ASPIC+-style): each linked or
undercut inference gets an argument ``~lead relation target`` that carries its
support or attack in the premises' place. It stands only while every premise
does (each premise p attacks an auxiliary ``~not p in …``, which attacks the
inference) and is attacked by each undercutter, so an undercut defeats the
inference, never either of its ends. These attacks on the inference stay where
they are: an objection to a premise of a linked or undercut inference defeats
the inference, and so whatever the inference carried, but does not become an
attack on its conclusion as Cayrol's indirect defeat would make it. Restatements of one claim are supports
both ways under ``cayrol`` (so they share attackers and targets) and share
their attacks explicitly under ``ignore``.

The derived attacks are written out, one line each, so that every Dung
semantics (not only grounded) sees Cayrol's framework itself. Their number can
grow with the product of support-chain lengths; past a million the export is
refused with a hint, and ``ignore`` (or a ``--select``) stays linear.
"""

from __future__ import annotations

from kb.errors import KBError

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


def _inference_name(argument) -> str:
    return f"~{argument.lead} {argument.relation} {argument.target}"


def framework(bundle, supports: str = "cayrol", limit: int = MAX_ATTACKS) -> tuple[list[str], set[tuple[str, str]]]:
    """The framework's arguments (the selected node ids, then auxiliary ones) and its attack relation.

    Refuses (KBError) rather than write more than ``limit`` derived attacks, which
    only a map with long support chains under many attacks reaches.
    """
    if supports not in MODES:
        raise KBError(f"unknown support mode '{supports}' (one of {', '.join(MODES)})")
    names = list(bundle.ids)
    cut_by: dict = {}
    for cut in bundle.undercuts():
        if cut.weight > 0:
            cut_by.setdefault(cut.argument, []).append(cut.cutter)
    edges: list[tuple[str, str, str]] = []  # what Cayrol's derivation reads
    fixed: set[tuple[str, str]] = set()  # attacks that stay as they are
    for argument in bundle.arguments():
        if argument.weight <= 0:
            continue
        if not argument.linked and argument not in cut_by:
            edges.append((argument.lead, argument.target, argument.relation))
            continue
        inference = _inference_name(argument)
        names.append(inference)
        for premise in argument.premises:
            negation = f"~not {premise} in {inference[1:]}"
            names.append(negation)
            fixed.update(((premise, negation), (negation, inference)))
        fixed.update((cutter, inference) for cutter in cut_by.get(argument, ()))
        edges.append((inference, argument.target, argument.relation))
    restated = bundle.restatements()
    if supports == "cayrol":
        edges += [(a, b, "supports") for a, b in restated] + [(b, a, "supports") for a, b in restated]
    derived = _derive(edges, supports, limit)
    if supports == "ignore" and restated:
        derived = _share_within_classes(derived, restated)
    return names, derived | fixed


def _share_within_classes(attacks: set[tuple[str, str]], restated: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Every restatement of a claim attacks and is attacked as the claim is."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for a, b in restated:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    members: dict[str, set[str]] = {}
    for n in {n for pair in restated for n in pair}:
        members.setdefault(find(n), set()).add(n)

    def same(x: str) -> set[str]:
        return members.get(find(x), {x})

    return {(a, b) for x, y in attacks for a in same(x) for b in same(y)}


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
    from kb.export.core import Output

    names, relation = framework(bundle, supports)
    number = {name: i for i, name in enumerate(names, start=1)}
    pairs = sorted((number[a], number[b]) for a, b in relation)
    lines = [f"p af {len(number)}"] + [f"{a} {b}" for a, b in pairs]
    side = "".join(f"{i}\t{node_id}\n" for node_id, i in number.items())
    return Output("\n".join(lines) + "\n", {SIDE_SUFFIX: side})
