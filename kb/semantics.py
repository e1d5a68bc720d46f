"""How strong each node of the argument map is, and whether it stands.

Two complementary readings of the same graph:

* **Gradual strengths** in [0, 1] under a semantics for weighted bipolar
  argumentation: the quadratic energy model (``"qe"``, Potyka 2018, the default)
  or DF-QuAD (``"dfquad"``, Rago et al. 2016). Each node starts from a base score
  τ, which comes from a *perspective* (see :func:`base_scores`), and is pushed up
  by its supporters and down by its attackers, each in proportion to the edge's
  weight and the arguer's own strength.
* **Grounded labels** (IN / OUT / UNDEC): Dung's sceptical verdict on the attack
  graph, with supports translated into attacks (see :func:`grounded`).

Strengths are computed component by component: the strongly connected
components of the graph are visited in topological order, so the acyclic bulk of
a map costs one exact update per node and only genuinely circular arguments are
iterated. An iteration that does not settle is reported, never passed off as a
final value (:attr:`Strengths.unconverged`).

The graph is compiled once into integer-indexed lists (:class:`Network`), both
for speed and so that the cruxes module can re-solve just the part of the graph
an intervention can change. Node ids are sorted before indexing, which makes
every result independent of the order of files and edges, bit for bit.

Nothing here does I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Iterable, Literal, Mapping, Sequence

from kb.errors import UnknownId
from kb.suggest import closest

if TYPE_CHECKING:
    import networkx as nx

Method = Literal["qe", "dfquad"]
METHODS: tuple[str, ...] = ("qe", "dfquad")
SupportMode = Literal["cayrol", "ignore"]

NEUTRAL = "neutral"
NEUTRAL_SCORE = 0.5
TOLERANCE = 1e-9
MAX_ITERATIONS = 10_000
# Smallest damping step: below it an iteration that still oscillates is given up on
# (and reported) rather than crawled through.
MIN_DAMPING = 1.0 / 1024
DAMPING_WINDOW = 20
# Within this distance of 0.5 a strength is neither accepted nor rejected, so that
# rounding noise cannot flip a verdict.
VERDICT_EPS = 1e-9


class Label(str, Enum):
    """A grounded label; a ``str`` so that it serialises as itself in JSON."""

    IN = "IN"
    OUT = "OUT"
    UNDEC = "UNDEC"

    def __str__(self) -> str:
        return self.value


Verdict = Literal["accepted", "rejected", "balanced"]


def verdict(strength: float) -> Verdict:
    """Which side of 0.5 a strength falls on: the yes/no reading of a gradual value."""
    if strength > NEUTRAL_SCORE + VERDICT_EPS:
        return "accepted"
    if strength < NEUTRAL_SCORE - VERDICT_EPS:
        return "rejected"
    return "balanced"


def flips(before: float, after: float) -> bool:
    """True when the verdict goes from accepted to rejected or back (balanced is neither)."""
    return {verdict(before), verdict(after)} == {"accepted", "rejected"}


# --- base scores -------------------------------------------------------------------


def perspectives(G: nx.DiGraph) -> list[str]:
    """Every perspective the graph supports: ``neutral`` and each known person."""
    people = set(G.graph.get("people", {}))
    for stances in dict(G.nodes(data="stances")).values():
        people.update(stances or {})
    return [NEUTRAL, *sorted(people - {NEUTRAL})]


def base_scores(G: nx.DiGraph, perspective: str = NEUTRAL) -> dict[str, float]:
    """Base scores τ for every node, as seen from a perspective.

    ``neutral`` gives every node τ = 0.5: no prior either way, so every strength
    comes from the structure of the argument alone. A person's id gives each node
    that person's recorded credence (its ``stances`` entry) and 0.5 where they
    recorded none: silence is read as having no prior, not as disagreement.
    Raises :class:`~kb.errors.UnknownId` for an id that names nobody.
    """
    if perspective == NEUTRAL:
        return {n: NEUTRAL_SCORE for n in G.nodes}
    known = perspectives(G)
    if perspective not in known:
        raise UnknownId("person", perspective, closest(perspective, known))
    out = {}
    for n, stances in G.nodes(data="stances"):
        value = (stances or {}).get(perspective)
        out[n] = NEUTRAL_SCORE if value is None else float(value)
    return out


# --- results -----------------------------------------------------------------------


@dataclass(frozen=True)
class Strengths:
    """Strength of every node, with how the computation ended.

    ``converged`` is False when some circular component did not settle within
    the iteration cap; ``unconverged`` then names every node whose value depends
    on such a component (the component and everything downstream of it). Those
    values are the last iterate, to be shown as provisional, never as final.
    """

    values: dict[str, float]
    method: str
    converged: bool = True
    iterations: int = 0  # most iterations any circular component needed (0: acyclic)
    cyclic_components: int = 0
    residual: float = 0.0  # largest |f(σ) − σ| left in a circular component
    unconverged: frozenset[str] = field(default_factory=frozenset)

    def __getitem__(self, node_id: str) -> float:
        return self.values[node_id]

    def final(self, node_id: str) -> bool:
        return node_id not in self.unconverged


@dataclass
class Solution:
    """A solved network in index space: what :class:`Network` hands the cruxes module."""

    values: list[float]
    failed: set[int]  # components that did not converge
    iterations: int = 0
    residual: float = 0.0


# --- the compiled network -----------------------------------------------------------


def _tarjan(n: int, ptr: Sequence[int], dst: Sequence[int]) -> tuple[list[int], list[int]]:
    """Strongly connected components of a graph in compressed rows, sources first.

    Returns ``(order, bounds)``: component ``c`` is ``order[bounds[c]:bounds[c + 1]]``
    (members sorted), and every component comes after all the components that
    reach it. Iterative, because argument chains in synthetic maps are deeper
    than Python's recursion limit; flat lists rather than a list per component,
    because a map of 10^5 nodes has 10^5 of them.
    """
    index = [-1] * n
    low = [0] * n
    on_stack = bytearray(n)
    nxt = list(ptr[:n])
    stack: list[int] = []
    emitted: list[int] = []  # members, component after component, sinks first
    ends: list[int] = []
    counter = 0
    for root in range(n):
        if index[root] != -1:
            continue
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = 1
        call = [root]
        while call:
            v = call[-1]
            p = nxt[v]
            if p < ptr[v + 1]:
                nxt[v] = p + 1
                w = dst[p]
                if index[w] == -1:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack[w] = 1
                    call.append(w)
                elif on_stack[w] and index[w] < low[v]:
                    low[v] = index[w]
                continue
            call.pop()
            if call:
                u = call[-1]
                if low[v] < low[u]:
                    low[u] = low[v]
            if low[v] == index[v]:
                start = len(emitted)
                while True:
                    w = stack.pop()
                    on_stack[w] = 0
                    emitted.append(w)
                    if w == v:
                        break
                if len(emitted) - start > 1:
                    emitted[start:] = sorted(emitted[start:])
                ends.append(len(emitted))
    order: list[int] = []
    bounds = [0]
    for c in range(len(ends) - 1, -1, -1):
        order.extend(emitted[ends[c - 1] if c else 0:ends[c]])
        bounds.append(len(order))
    return order, bounds


def _rows(n: int, src: Sequence[int], dst: Sequence[int]) -> tuple[list[int], list[int]]:
    """Compressed rows ``(ptr, targets)`` of the edges ``src[k] -> dst[k]``, each row in edge order."""
    ptr = [0] * (n + 1)
    for u in src:
        ptr[u + 1] += 1
    for i in range(n):
        ptr[i + 1] += ptr[i]
    fill = ptr[:n]
    out = [0] * len(src)
    for u, v in zip(src, dst):
        p = fill[u]
        out[p] = v
        fill[u] = p + 1
    return ptr, out


class Network:
    """The argument graph compiled to flat, integer-indexed arrays.

    Index ``i`` is the position of the node id in sorted order. The in-edges of
    node ``i`` are ``in_src[in_ptr[i]:in_ptr[i + 1]]`` with signed weights
    ``in_w`` (supports +w, attacks −w): supporters first, up to ``sup_end[i]``,
    then attackers, each group sorted by source, so sums are taken in one fixed
    order whatever order the graph was built in. Out-edges are ``out_dst``
    rows of ``out_ptr``. Component ``c`` (strongly connected, in topological
    order: every component after all that feed it) is :meth:`members` ``(c)``.
    Flat lists rather than a list per node keep a 10^5-node map cheap to build.
    """

    def __init__(self, G: nx.DiGraph):
        ids = sorted(G.nodes)
        index = {n: i for i, n in enumerate(ids)}
        n = len(ids)
        src: list[int] = []
        dst: list[int] = []
        wts: list[float] = []
        adj = G.adj
        for u in ids:
            i = index[u]
            nbrs = adj[u]
            targets = sorted((index[v], v) for v in nbrs) if len(nbrs) > 1 else [(index[v], v) for v in nbrs]
            for j, v in targets:
                data = nbrs[v]
                weight = float(data.get("weight", 1.0))
                if not 0.0 <= weight <= 1.0:
                    raise ValueError(f"edge {u} -> {v}: weight must be in [0, 1], got {weight}")
                relation = data.get("relation")
                if relation == "attacks":
                    weight = -weight
                elif relation != "supports":
                    raise ValueError(f"edge {u} -> {v}: relation must be 'supports' or 'attacks', got {relation!r}")
                src.append(i)
                dst.append(j)
                wts.append(weight)
        m = len(src)
        # In-edges by counting sort on the target: edges are visited by ascending
        # source, so each row comes out sorted by source; supports fill a row first.
        # Attack weights are stored negated, an attack of weight 0 as −0.0: the sign
        # bit, not a comparison with 0, tells the two relations apart.
        n_sup = [0] * n
        in_ptr = [0] * (n + 1)
        for j, w in zip(dst, wts):
            in_ptr[j + 1] += 1
            if not math.copysign(1.0, w) < 0:
                n_sup[j] += 1
        for i in range(n):
            in_ptr[i + 1] += in_ptr[i]
        sup_fill = in_ptr[:n]
        att_fill = [in_ptr[i] + n_sup[i] for i in range(n)]
        in_src = [0] * m
        in_w = [0.0] * m
        for i, j, w in zip(src, dst, wts):
            if math.copysign(1.0, w) < 0:
                k = att_fill[j]
                att_fill[j] = k + 1
            else:
                k = sup_fill[j]
                sup_fill[j] = k + 1
            in_src[k] = i
            in_w[k] = w
        self.ids: list[str] = ids
        self.index: dict[str, int] = index
        self.size = n
        self.in_ptr = in_ptr
        self.sup_end = [in_ptr[i] + n_sup[i] for i in range(n)]
        self.in_src = in_src
        self.in_w = in_w
        self.out_ptr, self.out_dst = _rows(n, src, dst)
        self.order, self.bounds = _tarjan(n, self.out_ptr, self.out_dst)
        self.n_components = len(self.bounds) - 1
        self.comp_of = [0] * n
        comp_of, order, bounds = self.comp_of, self.order, self.bounds
        cyclic = bytearray(self.n_components)
        for c in range(self.n_components):
            a, b = bounds[c], bounds[c + 1]
            if b - a > 1:
                cyclic[c] = 1
                for k in range(a, b):
                    comp_of[order[k]] = c
            else:
                comp_of[order[a]] = c
        for i, j in zip(src, dst):
            if i == j:
                cyclic[comp_of[i]] = 1
        self.cyclic = cyclic
        # The whole graph as a plan (see :meth:`plan`): one step per component.
        self.plan_all = [-(c + 1) if cyclic[c] else order[bounds[c]] for c in range(self.n_components)]

    # -- index helpers --

    def members(self, c: int) -> list[int]:
        return self.order[self.bounds[c]:self.bounds[c + 1]]

    def tau_list(self, tau: Mapping[str, float] | None) -> list[float]:
        """Base scores in index order; nodes missing from ``tau`` get the neutral 0.5."""
        out = [NEUTRAL_SCORE] * self.size
        if tau is None:
            return out
        for node_id, value in tau.items():
            i = self.index.get(node_id)
            if i is None:
                raise ValueError(f"base score given for unknown node {node_id!r}")
            value = float(value)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"base score of {node_id!r} must be in [0, 1], got {value}")
            out[i] = value
        return out

    def ancestors_mask(self, target: int) -> bytearray:
        """1 for the target and every node with a path to it."""
        mask = bytearray(self.size)
        mask[target] = 1
        todo = [target]
        in_ptr, in_src = self.in_ptr, self.in_src
        while todo:
            v = todo.pop()
            for k in range(in_ptr[v], in_ptr[v + 1]):
                u = in_src[k]
                if not mask[u]:
                    mask[u] = 1
                    todo.append(u)
        return mask

    def between(self, source: int, mask: bytearray) -> list[int]:
        """``source`` and every node it reaches inside ``mask`` (the nodes a change at ``source`` can move)."""
        seen = {source}
        todo = [source]
        out_ptr, out_dst = self.out_ptr, self.out_dst
        while todo:
            v = todo.pop()
            for k in range(out_ptr[v], out_ptr[v + 1]):
                w = out_dst[k]
                if mask[w] and w not in seen:
                    seen.add(w)
                    todo.append(w)
        return list(seen)

    def plan(self, nodes: Iterable[int], fixed: int | None = None) -> list[int]:
        """The steps that recompute ``nodes``, in topological order.

        A step is a node index for a node outside any cycle, or ``-(c + 1)`` for
        the circular component ``c`` (to be iterated as a whole). ``nodes`` must
        hold every member of each circular component it touches, apart from
        ``fixed``, the node whose value the caller pins (it gets no step of its own).
        """
        comp_of, cyclic = self.comp_of, self.cyclic
        steps = []
        seen_cycles = set()
        for i in sorted(nodes, key=comp_of.__getitem__):
            c = comp_of[i]
            if cyclic[c]:
                if c not in seen_cycles:
                    seen_cycles.add(c)
                    steps.append(-(c + 1))
            elif i != fixed:
                steps.append(i)
        return steps

    # -- solving --

    def solve(self, tau: Sequence[float], method: Method = "qe", tol: float = TOLERANCE,
              max_iterations: int = MAX_ITERATIONS) -> Solution:
        """Strengths of every node from base scores in index order."""
        values = list(tau)
        solution = Solution(values, set())
        solution.failed.update(self._run(self.plan_all, values, tau, method, tol, max_iterations, solution))
        return solution

    def resolve(self, solution: Solution, tau: Sequence[float], plan: Sequence[int], method: Method = "qe",
                tol: float = TOLERANCE, max_iterations: int = MAX_ITERATIONS, fixed: int | None = None) -> bool:
        """Recompute only the steps of ``plan`` (see :meth:`plan`), reading all else from ``solution``.

        This is what makes interventions cheap: after changing a node's base score
        or pinning its value, only the components downstream of it (and upstream
        of whatever is being watched) can move. ``fixed`` is a node whose value has
        been set by the caller and whose incoming edges are to be treated as cut;
        the rest of its component is iterated around it. Returns False when a
        circular component did not converge.
        """
        return not self._run(plan, solution.values, tau, method, tol, max_iterations, solution, fixed)

    def _run(self, plan: Iterable[int], values: list[float], tau: Sequence[float], method: str, tol: float,
             max_iterations: int, solution: Solution, fixed: int | None = None) -> list[int]:
        """Carry out a plan's steps in order; return the circular components that did not converge."""
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}")
        qe = method == "qe"
        in_ptr, sup_end, in_src, in_w = self.in_ptr, self.sup_end, self.in_src, self.in_w
        fixed_comp = self.comp_of[fixed] if fixed is not None else -1
        failed = []
        for i in plan:
            if i < 0:
                c = -i - 1
                members = self.members(c)
                if c == fixed_comp:
                    members = [m for m in members if m != fixed]
                if members and not self._iterate(members, values, tau, qe, tol, max_iterations, solution):
                    failed.append(c)
                continue
            t = tau[i]
            a, b = in_ptr[i], in_ptr[i + 1]
            if a == b:
                values[i] = t
            elif qe:
                e = 0.0
                for k in range(a, b):
                    e += in_w[k] * values[in_src[k]]
                if e > 0.0:
                    e *= e
                    values[i] = t + (1.0 - t) * e / (1.0 + e)
                elif e < 0.0:
                    e *= e
                    values[i] = t - t * e / (1.0 + e)
                else:
                    values[i] = t
            else:
                m = sup_end[i]
                s = 1.0
                for k in range(a, m):
                    s *= 1.0 - in_w[k] * values[in_src[k]]
                r = 1.0
                for k in range(m, b):
                    r *= 1.0 + in_w[k] * values[in_src[k]]  # attack weights are stored negated
                influence = r - s  # (1 − s) − (1 − r): aggregated support minus aggregated attack
                values[i] = t + influence * ((1.0 - t) if influence >= 0.0 else t)
        return failed

    def _update(self, i: int, values: list[float], tau: Sequence[float], qe: bool) -> float:
        t = tau[i]
        a, m, b = self.in_ptr[i], self.sup_end[i], self.in_ptr[i + 1]
        in_src, in_w = self.in_src, self.in_w
        if qe:
            e = 0.0
            for k in range(a, b):
                e += in_w[k] * values[in_src[k]]
            h = e * e / (1.0 + e * e)
            return t + (1.0 - t) * h if e > 0.0 else t - t * h
        s = 1.0
        for k in range(a, m):
            s *= 1.0 - in_w[k] * values[in_src[k]]
        r = 1.0
        for k in range(m, b):
            r *= 1.0 + in_w[k] * values[in_src[k]]
        influence = r - s
        return t + influence * ((1.0 - t) if influence >= 0.0 else t)

    def _iterate(self, members: list[int], values: list[float], tau: Sequence[float], qe: bool,
                 tol: float, max_iterations: int, solution: Solution) -> bool:
        """Damped fixed-point iteration σ ← σ + δ(f(σ) − σ) on one circular component.

        A plain update (δ = 1) can oscillate around the fixed point of a circular
        attack. So every :data:`DAMPING_WINDOW` iterations the residual is
        compared with the window's start, and δ halved unless it at least halved:
        the iteration then becomes an ever finer explicit Euler integration of
        dσ/dt = f(σ) − σ, whose rest points are the same fixed points. Judging by
        windows rather than single steps leaves alone iterations that converge
        unevenly.
        """
        update = self._update
        damping = 1.0
        window_start = math.inf
        residual = math.inf
        for iteration in range(1, max_iterations + 1):
            new = [update(i, values, tau, qe) for i in members]
            residual = max(abs(x - values[i]) for x, i in zip(new, members))
            if residual <= tol:
                for x, i in zip(new, members):
                    values[i] = x
                solution.iterations = max(solution.iterations, iteration)
                solution.residual = max(solution.residual, residual)
                return True
            if iteration % DAMPING_WINDOW == 1:
                if residual > window_start / 2.0:
                    damping = max(damping / 2.0, MIN_DAMPING)
                window_start = residual
            for x, i in zip(new, members):
                values[i] += damping * (x - values[i])
        solution.iterations = max(solution.iterations, max_iterations)
        solution.residual = max(solution.residual, residual)
        return False

    def unconverged(self, solution: Solution) -> set[int]:
        """Nodes whose values depend on a component that did not converge."""
        if not solution.failed:
            return set()
        bad = bytearray(self.size)
        in_ptr, in_src = self.in_ptr, self.in_src
        for c in range(self.n_components):
            members = self.members(c)
            if c in solution.failed:
                for i in members:
                    bad[i] = 1
                continue
            for i in members:
                if any(bad[in_src[k]] for k in range(in_ptr[i], in_ptr[i + 1])):
                    bad[i] = 1
        return {i for i in range(self.size) if bad[i]}

    def to_strengths(self, solution: Solution, method: str) -> Strengths:
        bad = self.unconverged(solution)
        return Strengths(
            values=dict(zip(self.ids, solution.values)),
            method=method,
            converged=not solution.failed,
            iterations=solution.iterations,
            cyclic_components=sum(self.cyclic),
            residual=solution.residual,
            unconverged=frozenset(self.ids[i] for i in bad),
        )


def strengths(G: nx.DiGraph | Network, tau: Mapping[str, float] | None = None, method: Method = "qe", *,
              tol: float = TOLERANCE, max_iterations: int = MAX_ITERATIONS) -> Strengths:
    """Gradual strength of every node under the quadratic energy model or DF-QuAD.

    With supporters' and attackers' edge weights w and strengths σ:

    * ``qe``: E_a = Σ w·σ(supporter) − Σ w·σ(attacker); h(x) = max(0, x)² / (1 + max(0, x)²);
      σ(a) = τ(a) − τ(a)·h(−E_a) + (1 − τ(a))·h(E_a).
    * ``dfquad``: S = 1 − Π(1 − w·σ(supporter)), A = 1 − Π(1 − w·σ(attacker)), c = S − A;
      σ(a) = τ(a) + c·(1 − τ(a)) when c ≥ 0, else τ(a) + c·τ(a).

    ``tau`` maps node ids to base scores (missing nodes get 0.5); pass a
    :class:`Network` instead of the graph to reuse its compilation.
    """
    net = G if isinstance(G, Network) else Network(G)
    solution = net.solve(net.tau_list(tau), method, tol, max_iterations)
    return net.to_strengths(solution, method)


# --- grounded labelling ----------------------------------------------------------------


def _label(n: int, src: list[int], dst: list[int]) -> bytearray:
    """Grounded labelling of an abstract framework in O(n + |edges|): 1 IN, 2 OUT, 0 UNDEC.

    An argument is IN once all its attackers are OUT and OUT as soon as one
    attacker is IN; what neither rule reaches is UNDEC. Each edge is looked at a
    bounded number of times.
    """
    ptr, targets = _rows(n, src, dst)
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


def _cayrol_framework(net: Network) -> tuple[int, list[int], list[int]]:
    """An attack-only framework whose grounded labels on the original nodes are those
    of the knowledge base under Cayrol and Lagasquie-Schiex's derived defeats.

    Cayrol & Lagasquie-Schiex (2005) let a attack d whenever a ⇒* b → c ⇒* d, with
    ⇒* a (possibly empty) chain of supports and → one attack: whoever argues for
    an attacker attacks too (supported defeat), and an attack on a premise reaches
    what it supports (indirect defeat). Writing that closure out can take
    quadratically many edges, so each group s of nodes that support one another
    in a cycle gets auxiliary arguments computing, in the three-valued logic that
    grounded semantics follows, "some argument in s or supporting it is IN"
    (up(s)) and "up(t) holds for some attacker t of s or of a node supporting s"
    (hit(s)), each as the attacker of an argument for its negation; the members
    of s are then attacked by hit(s) alone. A node that nothing supports is its
    own up, and unless it passes attacks on, its attackers' ups attack it
    directly. The framework stays linear in the size of the graph.
    """
    n = net.size
    in_ptr, sup_end, in_src, in_w = net.in_ptr, net.sup_end, net.in_src, net.in_w
    s_src: list[int] = []
    s_dst: list[int] = []
    for j in range(n):
        for k in range(in_ptr[j], sup_end[j]):
            if in_w[k] > 0.0:
                s_src.append(in_src[k])
                s_dst.append(j)
    ptr, dst = _rows(n, s_src, s_dst)
    order, bounds = _tarjan(n, ptr, dst)
    groups = len(bounds) - 1
    group_of = [0] * n
    for g in range(groups):
        for k in range(bounds[g], bounds[g + 1]):
            group_of[order[k]] = g
    # A group needs up(s) as its own argument when something supports it (else
    # up(s) is its single member), and hit(s) when something supports it or when
    # it is attacked and passes attacks on to a group it supports.
    supported = bytearray(groups)
    passes_on = bytearray(groups)
    attacked = bytearray(groups)
    for i, j in zip(s_src, s_dst):
        supported[group_of[j]] = 1
        passes_on[group_of[i]] = 1
    for j in range(n):
        if any(in_w[k] < 0.0 for k in range(sup_end[j], in_ptr[j + 1])):
            attacked[group_of[j]] = 1
    up = [0] * groups
    not_up = [-1] * groups
    hit = [-1] * groups  # -1: the members are attacked by their attackers' ups directly
    not_hit = [-1] * groups
    size = n
    src: list[int] = []
    dst_: list[int] = []
    for g in range(groups):
        a, b = bounds[g], bounds[g + 1]
        members = order[a:b]
        if supported[g]:
            not_up[g], up[g] = size, size + 1
            size += 2
            src.append(not_up[g])
            dst_.append(up[g])
            for x in members:
                src.append(x)
                dst_.append(not_up[g])
        else:
            up[g] = members[0]
        if supported[g] or (attacked[g] and passes_on[g]):
            not_hit[g], hit[g] = size, size + 1
            size += 2
            src.append(not_hit[g])
            dst_.append(hit[g])
            for x in members:
                src.append(hit[g])
                dst_.append(x)
    for i, j in zip(s_src, s_dst):
        a, b = group_of[i], group_of[j]
        if a != b:
            src.append(up[a])
            dst_.append(not_up[b])
            if hit[a] >= 0:
                src.append(hit[a])
                dst_.append(not_hit[b])
    for j in range(n):
        g = group_of[j]
        for k in range(sup_end[j], in_ptr[j + 1]):
            if in_w[k] < 0.0:
                src.append(up[group_of[in_src[k]]])
                dst_.append(j if hit[g] < 0 else not_hit[g])
    return size, src, dst_


def grounded(G: nx.DiGraph | Network, supports: SupportMode = "cayrol") -> dict[str, Label]:
    """Grounded label (Dung 1995) of every node, in time linear in the size of the graph.

    Edges of weight 0 carry no force and are ignored. ``supports`` says how
    supports enter an attack-only semantics:

    * ``"cayrol"`` (default): Cayrol & Lagasquie-Schiex's derived defeats. An
      argument for an attacker attacks too, and an attack on a node also attacks
      everything that node supports, directly or through a chain of supports. The
      label is thus a sceptical verdict: a conclusion is IN only if no standing
      objection touches it or any of the reasons given for it.
    * ``"ignore"``: the attack edges alone.
    """
    net = G if isinstance(G, Network) else Network(G)
    if supports == "cayrol":
        size, src, dst = _cayrol_framework(net)
    elif supports == "ignore":
        size, src, dst = net.size, [], []
        for j in range(net.size):
            for k in range(net.sup_end[j], net.in_ptr[j + 1]):
                if net.in_w[k] < 0.0:
                    src.append(net.in_src[k])
                    dst.append(j)
    else:
        raise ValueError(f"supports must be 'cayrol' or 'ignore', got {supports!r}")
    labels = _label(size, src, dst)
    names = (Label.UNDEC, Label.IN, Label.OUT)
    return {node_id: names[labels[i]] for i, node_id in enumerate(net.ids)}
