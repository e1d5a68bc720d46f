"""Grounded labels (IN / OUT / UNDEC): Dung's sceptical verdict on the argument map.

The map is translated into an attack-only framework whose grounded labelling,
restricted to the original nodes, is the answer. Supports enter it through
Cayrol & Lagasquie-Schiex's (2005) derived defeats, undercuts and linked
premises through small gadgets in the style of ASPIC+, where an undercut
defeats the inference it names rather than either of its ends:

* a conjunction gadget AND(x1, …, xk) is an auxiliary argument attacked by one
  auxiliary ¬xi per conjunct, each ¬xi attacked by xi: it is IN when every xi is
  IN and OUT as soon as one is OUT. A conjunct may also be negated (an
  undercutter u, which then attacks the gadget directly);
* a linked argument stands only as AND(its premises);
* an undercut inference stands only as AND(its premises, ¬undercutters): the
  attack it carries, or the derived defeats that run through the support it
  carries, hold only while it does. The undercutter is *not* made an attacker of
  the inference's conclusion, which Cayrol's indirect defeat would otherwise do.

Restatements of one claim share one label. Everything stays linear in the size
of the map. Nothing here does I/O.
"""

from __future__ import annotations

from typing import NamedTuple

from kb.analysis.network import Network, rows, tarjan


def label_framework(n: int, src: list[int], dst: list[int]) -> bytearray:
    """Grounded labelling of an abstract framework in O(n + |edges|): 1 IN, 2 OUT, 0 UNDEC.

    An argument is IN once all its attackers are OUT and OUT as soon as one
    attacker is IN; what neither rule reaches is UNDEC. Each edge is looked at a
    bounded number of times.
    """
    ptr, targets = rows(n, src, dst)
    live = [0] * n  # attackers not yet OUT
    for v in dst:
        live[v] += 1
    label = bytearray(n)
    todo = [i for i in range(n) if not live[i]]
    for i in todo:
        label[i] = 1
    while todo:
        u = todo.pop()
        for k in range(ptr[u], ptr[u + 1]):
            v = targets[k]
            if label[v]:
                continue
            label[v] = 2
            for q in range(ptr[v], ptr[v + 1]):
                w = targets[q]
                live[w] -= 1
                if not live[w] and not label[w]:
                    label[w] = 1
                    todo.append(w)
    return label


class _Framework:
    """An attack-only framework under construction: node count and attack lists."""

    def __init__(self, n: int):
        self.size = n
        self.src: list[int] = []
        self.dst: list[int] = []

    def new(self) -> int:
        self.size += 1
        return self.size - 1

    def attack(self, a: int, b: int) -> None:
        self.src.append(a)
        self.dst.append(b)

    def conj(self, positive: list[int], negative: list[int]) -> int:
        """An argument IN exactly when every ``positive`` one is IN and every ``negative`` one OUT."""
        if len(positive) == 1 and not negative:
            return positive[0]
        k = self.new()
        for x in positive:
            not_x = self.new()
            self.attack(x, not_x)
            self.attack(not_x, k)
        for u in negative:
            self.attack(u, k)
        return k


class _Arg(NamedTuple):
    target: int
    sign: int
    premises: tuple[int, ...]
    cutters: list[int]  # undercutters with a positive weight


def _live_arguments(net: Network):
    """Every argument of positive weight, read from the network's flat arrays."""
    arg_ptr, sup_end, a_src, a_w, extra = net.arg_ptr, net.sup_end, net.a_src, net.a_w, net.a_extra
    for i in range(net.size):
        for k in range(arg_ptr[i], arg_ptr[i + 1]):
            if a_w[k] <= 0.0:
                continue
            x = extra.get(k) if extra else None
            if x is None:
                yield _Arg(i, 1 if k < sup_end[i] else -1, (a_src[k],), [])
            else:
                yield _Arg(i, 1 if k < sup_end[i] else -1, x[0], [u for u, v in x[1] if v > 0.0])


def cayrol_framework(net: Network) -> _Framework:
    """An attack-only framework whose grounded labels on the original nodes are those
    of the map under Cayrol and Lagasquie-Schiex's derived defeats.

    Cayrol & Lagasquie-Schiex (2005) let a attack d whenever a ⇒* b → c ⇒* d, with
    ⇒* a (possibly empty) chain of supports and → one attack: whoever argues for
    an attacker attacks too (supported defeat), and an attack on a premise reaches
    what it supports (indirect defeat). Writing that closure out can take
    quadratically many edges, so each group s of nodes that support one another
    in a cycle (through plain supports) gets auxiliary arguments computing, in the
    three-valued logic that grounded semantics follows, "some argument in s or
    supporting it is IN" (up(s)) and "up(t) holds for some attacker t of s or of a
    node supporting s" (hit(s)), each as the attacker of an argument for its
    negation; the members of s are then attacked by hit(s) alone. A node that
    nothing supports is its own up, and unless it passes attacks on, its
    attackers' ups attack it directly. Supports within a circle are collapsed into
    its group (their conditions are not read there); linked and undercut
    supports between groups pass up and hit on only through their conjunction gadget.
    """
    n = net.size
    plain_src: list[int] = []  # plain supports, as (source, target) columns
    plain_dst: list[int] = []
    other_sup: list[_Arg] = []
    attacks: list[_Arg] = []
    for a in _live_arguments(net):
        if a.sign > 0 and len(a.premises) == 1 and not a.cutters:
            plain_src.append(a.premises[0])
            plain_dst.append(a.target)
        elif a.sign > 0:
            other_sup.append(a)
        else:
            attacks.append(a)
    # Groups are the circles of *all* supports, linked and undercut ones included:
    # up and hit are least fixed points, which grounded semantics cannot reach
    # around a circle of gadgets (it would leave an unattacked circle UNDEC), so a
    # circle is collapsed into one group and only the supports between groups,
    # which form no circle, keep their conditions.
    group_src = plain_src + [p for a in other_sup for p in a.premises]
    group_dst = plain_dst + [a.target for a in other_sup for _ in a.premises]
    ptr, dst = rows(n, group_src, group_dst)
    order, bounds = tarjan(n, ptr, dst)
    groups = len(bounds) - 1
    group_of = [0] * n
    for g in range(groups):
        for k in range(bounds[g], bounds[g + 1]):
            group_of[order[k]] = g
    # A support inside a circle adds nothing the group does not already say.
    other_sup = [a for a in other_sup if all(group_of[p] != group_of[a.target] for p in a.premises)]
    supported = bytearray(groups)
    passes_on = bytearray(groups)
    attacked = bytearray(groups)
    for i, j in zip(plain_src, plain_dst):
        supported[group_of[j]] = 1
        passes_on[group_of[i]] = 1
    for a in other_sup:
        supported[group_of[a.target]] = 1
        for p in a.premises:
            passes_on[group_of[p]] = 1
    for a in attacks:
        attacked[group_of[a.target]] = 1
    F = _Framework(n)
    up = [0] * groups
    not_up = [-1] * groups
    hit = [-1] * groups  # -1: the members are attacked by their attackers' ups directly
    not_hit = [-1] * groups
    for g in range(groups):
        members = order[bounds[g]:bounds[g + 1]]
        if supported[g]:
            not_up[g] = F.new()
            up[g] = F.new()
            F.attack(not_up[g], up[g])
            for x in members:
                F.attack(x, not_up[g])
        else:
            up[g] = members[0]
        if supported[g] or (attacked[g] and passes_on[g]):
            not_hit[g] = F.new()
            hit[g] = F.new()
            F.attack(not_hit[g], hit[g])
            for x in members:
                F.attack(hit[g], x)
    for i, j in zip(plain_src, plain_dst):
        s, t = group_of[i], group_of[j]
        if s != t:
            F.attack(up[s], not_up[t])
            if hit[s] >= 0:
                F.attack(hit[s], not_hit[t])
    for a in other_sup:
        t = group_of[a.target]
        negative = a.cutters
        F.attack(F.conj([up[group_of[p]] for p in a.premises], negative), not_up[t])
        for p in a.premises:
            s = group_of[p]
            if hit[s] >= 0:
                F.attack(F.conj([hit[s]], negative), not_hit[t])
    for a in attacks:
        g = group_of[a.target]
        source = F.conj([up[group_of[p]] for p in a.premises], a.cutters)
        F.attack(source, a.target if hit[g] < 0 else not_hit[g])
    return F


def attack_framework(net: Network) -> _Framework:
    """The attacks alone (supports ignored), with linked and undercut attacks as gadgets."""
    F = _Framework(net.size)
    for a in _live_arguments(net):
        if a.sign < 0:
            F.attack(F.conj(list(a.premises), a.cutters), a.target)
    return F


def labels(net: Network, supports: str = "cayrol") -> dict[str, int]:
    """Grounded label of every node: 1 IN, 2 OUT, 0 UNDEC, in time linear in the size of the map.

    Edges of weight 0 carry no force and are ignored. ``supports`` says how
    supports enter an attack-only semantics:

    * ``"cayrol"`` (default): Cayrol & Lagasquie-Schiex's derived defeats. An
      argument for an attacker attacks too, and an attack on a node also attacks
      everything that node supports, directly or through a chain of supports. The
      label is thus a sceptical verdict: a conclusion is IN only if no standing
      objection touches it or any of the reasons given for it.
    * ``"ignore"``: the attack edges alone.
    """
    if supports == "cayrol":
        F = cayrol_framework(net)
    elif supports == "ignore":
        F = attack_framework(net)
    else:
        raise ValueError(f"supports must be 'cayrol' or 'ignore', got {supports!r}")
    result = label_framework(F.size, F.src, F.dst)
    return {node_id: result[net.root[i]] for i, node_id in enumerate(net.ids)}
