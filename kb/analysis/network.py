"""The argument graph compiled for solving: flat, integer-indexed arrays and the solver.

A node's strength depends on its *arguments*: each support or attack into it,
with a weight, one or more premises (a linked argument has several) and any
undercutters of that inference. Restatements of one claim are merged into one
class: every argument into any member is an argument into the class, every use
of a member as a premise or undercutter reads the class's value, and every
member reports the class's strength.

The gradual semantics is modular (Mossakowski & Neuhaus 2018; Potyka 2019):
an *aggregation* combines the contributions of the supporting and attacking
arguments into one number and an *influence function* turns the base score and
that number into a strength (see :mod:`kb.analysis.semantics` for the catalogue).

Strongly connected components of the dependency graph (premises and
undercutters to the node argued about) are visited in topological order, so the
acyclic bulk of a map costs one exact update per node and only genuinely
circular arguments are iterated.

Nothing here does I/O.
"""

from __future__ import annotations

import functools
import heapq
import math
import operator
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

from kb.data.relations import ARGUMENT_RELATIONS

if TYPE_CHECKING:
    import networkx as nx

NEUTRAL_SCORE = 0.5
TOLERANCE = 1e-9
MAX_ITERATIONS = 10_000
# Smallest damping step: below it an iteration that still oscillates is given up on
# (and reported) rather than crawled through.
MIN_DAMPING = 1.0 / 1024
DAMPING_WINDOW = 20
# Incremental propagation (:meth:`Network.propagate`) passes a change inside a circular
# component on only when it exceeds this share of the tolerance: a neighbour then sees
# at most a few such unpassed changes, which keeps its residual within the tolerance.
PROPAGATION_SHARE = 0.1
# After this many passed-on changes of one node, a circular component is handed to the
# damped whole-component iteration: an undamped sweep that keeps moving may be oscillating.
RELAX_LIMIT = 200
# A change this small is rounding: values in [0, 1] are spaced about 1e-16 apart.
ROUNDING = 1e-15
# The diminishing-returns sum discounts the k-th strongest contribution (k = 0, 1, …) by DR_RATIO**k.
DR_RATIO = 0.5

AGGREGATIONS: tuple[str, ...] = ("sum", "product", "top", "drsum")
INFLUENCES: tuple[str, ...] = ("linear", "euler", "quadratic")
_AGG = {name: i for i, name in enumerate(AGGREGATIONS)}
_INF = {name: i for i, name in enumerate(INFLUENCES)}


def _left(step: float, before: float) -> float:
    """How far an iteration still has to go after a step of ``step`` that followed one of ``before``.

    A step's size understates the distance to the fixed point when the
    iteration contracts slowly: steps that shrink by a ratio ρ leave about
    step·ρ/(1 − ρ) to go (ten times the step at ρ = 0.9, as in two claims that
    back each other towards 1). Steps that do not shrink leave an unknown
    distance (infinite here); a first step (``before`` infinite), nothing known
    beyond itself (0).
    """
    if step >= before:
        return math.inf
    ratio = step / before
    return step * ratio / (1.0 - ratio)


@dataclass
class Solution:
    """A solved network in index space: what :class:`Network` hands the cruxes module."""

    values: list[float]
    failed: set[int]  # components that did not converge
    iterations: int = 0
    residual: float = 0.0


def tarjan(n: int, ptr: Sequence[int], dst: Sequence[int]) -> tuple[list[int], list[int]]:
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


def rows(n: int, src: Sequence[int], dst: Sequence[int]) -> tuple[list[int], list[int]]:
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


@dataclass(frozen=True)
class Argument:
    """One support or attack into a node, after restatements are merged (indices, not ids)."""

    target: int
    sign: int  # +1 support, -1 attack
    weight: float
    premises: tuple[int, ...]  # sorted; one for a plain edge
    undercutters: tuple[tuple[int, float], ...]  # (node, undercut weight), sorted


def _complex_arguments(G: nx.DiGraph, index: Mapping[str, int], root: list[int],
                       edges: list[tuple[str, str, dict]]) -> list[Argument]:
    """The arguments that are not a plain edge: linked, undercut, or touching a restatement class.

    Two arguments that become the same after merging restatements (the same
    premises, sign and target, stated once in each of two restatements) are one
    argument with the larger weight: saying a reason twice does not make it two
    reasons.
    """
    cuts: dict[tuple[str, str], list[tuple[str, float]]] = {}
    for u, v, d in G.edges(data=True):
        if d.get("relation") == "undercuts":
            for via in d.get("via") or ():
                cuts.setdefault((via, v), []).append((u, float(d.get("weight", 1.0))))
    merged: dict[tuple, list] = {}
    for u, v, d in edges:
        relation = d.get("relation")
        weight = float(d.get("weight", 1.0))
        linked = d.get("linked") or ()
        if linked and u != min(linked):
            continue  # a linked argument is read once, from its smallest premise
        premises_ids = tuple(linked) if linked else (u,)
        t = root[index[v]]
        premises = tuple(sorted({root[index[p]] for p in premises_ids if p in index}))
        if t in premises:
            continue  # a restatement arguing for itself carries nothing
        cutters: dict[int, float] = {}
        for p in premises_ids:
            for cutter, w in cuts.get((p, v), ()):
                c = root[index[cutter]]
                cutters[c] = max(cutters.get(c, 0.0), w)
        sign = 1 if relation == "supports" else -1
        key = (t, sign, premises)
        entry = merged.get(key)
        if entry is None:
            merged[key] = [weight, cutters]
        else:
            entry[0] = max(entry[0], weight)
            for c, w in cutters.items():
                entry[1][c] = max(entry[1].get(c, 0.0), w)
    return [Argument(t, sign, weight, premises, tuple(sorted(cutters.items())))
            for (t, sign, premises), (weight, cutters) in sorted(merged.items())]


class Network:
    """The argument graph compiled to flat, integer-indexed arrays.

    Index ``i`` is the position of the node id in sorted order. The arguments into
    node ``i`` are ``arg_ptr[i]:arg_ptr[i + 1]``, supports first (up to
    ``sup_end[i]``); a plain argument is ``a_src[k]`` with weight ``a_w[k]``,
    while linked or undercut arguments also have an entry in ``a_extra``:
    ``(premises, undercutters)``. Only class representatives have arguments;
    ``mirrors`` lists ``(member, representative)`` for the other members of each
    restatement class. The dependency graph (premises and undercutters to the
    node they bear on) gives ``out_ptr``/``out_dst``, ``in_ptr``/``in_src`` and the
    components: component ``c`` (strongly connected, in topological order) is
    :meth:`members` ``(c)``.
    """

    def __init__(self, G: nx.DiGraph):
        ids = sorted(G.nodes)
        index = {n: i for i, n in enumerate(ids)}
        n = len(ids)
        from kb.analysis.graph import restatement_classes  # local: keeps networkx out of `import kb.analysis.semantics`

        roots = restatement_classes(G)
        root = list(range(n))
        for node_id, r in roots.items():
            root[index[node_id]] = index[r]
        self.ids: list[str] = ids
        self.index: dict[str, int] = index
        self.size = n
        self.root = root
        self.mirrors = [(i, r) for i, r in enumerate(root) if i != r]
        # Plain edges (one premise, no undercut, no restatement at either end) go
        # straight into flat arrays; the rest, rare, through _complex_arguments.
        # Sources are visited in sorted order, so every row comes out sorted by source.
        in_class = bytearray(n)
        for node_id in roots:
            in_class[index[node_id]] = 1
        p_src: list[int] = []
        p_dst: list[int] = []
        p_w: list[float] = []
        p_sup: list[bool] = []
        complex_edges: list[tuple[str, str, dict]] = []
        undercut_pairs: set[tuple[str, str]] = set()
        adj = G._adj  # the plain dict of dicts: its views cost a third of the compilation at 10^5 nodes
        for u in ids:
            i = index[u]
            nbrs = adj[u]
            for v in (sorted(nbrs) if len(nbrs) > 1 else nbrs):
                d = nbrs[v]
                relation = d.get("relation")
                if relation == "undercuts":
                    undercut_pairs.update((via, v) for via in d.get("via") or ())
                    continue
                if relation == "restates":
                    continue
                weight = float(d.get("weight", 1.0))
                if not 0.0 <= weight <= 1.0:
                    raise ValueError(f"edge {u} -> {v}: weight must be in [0, 1], got {weight}")
                if relation not in ARGUMENT_RELATIONS:
                    raise ValueError(
                        f"edge {u} -> {v}: relation must be one of {ARGUMENT_RELATIONS}, got {relation!r}")
                j = index[v]
                if d.get("linked") or in_class[i] or in_class[j]:
                    complex_edges.append((u, v, d))
                    continue
                p_src.append(i)
                p_dst.append(j)
                p_w.append(weight)
                p_sup.append(relation == "supports")
        if undercut_pairs:  # undercut plain edges move to the complex ones, keeping sorted order
            keep = [(ids[i], ids[j]) not in undercut_pairs for i, j in zip(p_src, p_dst)]
            for i, j, k in zip(p_src, p_dst, keep):
                if not k:
                    complex_edges.append((ids[i], ids[j], adj[ids[i]][ids[j]]))
            p_src = [x for x, k in zip(p_src, keep) if k]
            p_dst = [x for x, k in zip(p_dst, keep) if k]
            p_w = [x for x, k in zip(p_w, keep) if k]
            p_sup = [x for x, k in zip(p_sup, keep) if k]
        extra_args = _complex_arguments(G, index, root, complex_edges) if complex_edges else []
        self._extra_args = extra_args
        n_sup = [0] * n
        arg_ptr = [0] * (n + 1)
        for j, sup in zip(p_dst, p_sup):
            arg_ptr[j + 1] += 1
            if sup:
                n_sup[j] += 1
        for a_ in extra_args:
            arg_ptr[a_.target + 1] += 1
            if a_.sign > 0:
                n_sup[a_.target] += 1
        for i in range(n):
            arg_ptr[i + 1] += arg_ptr[i]
        sup_end = [arg_ptr[i] + n_sup[i] for i in range(n)]
        sup_fill = arg_ptr[:n]
        att_fill = list(sup_end)
        m_all = arg_ptr[n]
        a_src = [0] * m_all
        a_w = [0.0] * m_all
        for i, j, w, sup in zip(p_src, p_dst, p_w, p_sup):
            if sup:
                k = sup_fill[j]
                sup_fill[j] = k + 1
            else:
                k = att_fill[j]
                att_fill[j] = k + 1
            a_src[k] = i
            a_w[k] = w
        a_extra: dict[int, tuple[tuple[int, ...], tuple[tuple[int, float], ...]]] = {}
        plain = bytearray(b"\x01") * n  # 1: every argument into the node is a plain edge
        dep_src = list(p_src)
        dep_dst = list(p_dst)
        for a_ in extra_args:
            if a_.sign > 0:
                k = sup_fill[a_.target]
                sup_fill[a_.target] = k + 1
            else:
                k = att_fill[a_.target]
                att_fill[a_.target] = k + 1
            a_src[k] = a_.premises[0]
            a_w[k] = a_.weight
            a_extra[k] = (a_.premises, a_.undercutters)
            plain[a_.target] = 0
            for p in a_.premises:
                dep_src.append(p)
                dep_dst.append(a_.target)
            for c, _ in a_.undercutters:
                dep_src.append(c)
                dep_dst.append(a_.target)
        self.arg_ptr = arg_ptr
        self.sup_end = sup_end
        self.a_src = a_src
        self.a_w = a_w
        self.a_extra = a_extra
        self.plain = plain
        src, dst = dep_src, dep_dst
        self.out_ptr, self.out_dst = rows(n, src, dst)
        self.in_ptr, self.in_src = rows(n, dst, src)
        self.order, self.bounds = tarjan(n, self.out_ptr, self.out_dst)
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
        self.cyclic = cyclic
        self._splits: dict[int, tuple] = {}  # see _split, filled lazily for members of circular components
        self._updaters: dict[tuple[int, int], _Updaters] = {}  # see updaters()
        # The whole graph as a plan (see :meth:`plan`): one step per component.
        self.plan_all = [-(c + 1) if cyclic[c] else order[bounds[c]] for c in range(self.n_components)]

    # -- index helpers --

    def members(self, c: int) -> list[int]:
        return self.order[self.bounds[c]:self.bounds[c + 1]]

    def canon(self, node_id: str) -> int:
        """The index whose value stands for this node: its restatement class's representative."""
        return self.root[self.index[node_id]]

    def tau_list(self, tau: Mapping[str, float] | None) -> list[float]:
        """Base scores in index order; nodes missing from ``tau`` get the neutral 0.5.

        A restatement class gets the mean of its members' base scores (equal
        already when they come from :func:`kb.analysis.semantics.base_scores`).
        """
        out = [NEUTRAL_SCORE] * self.size
        if tau is not None:
            for node_id, value in tau.items():
                i = self.index.get(node_id)
                if i is None:
                    raise ValueError(f"base score given for unknown node {node_id!r}")
                value = float(value)
                if not 0.0 <= value <= 1.0:
                    raise ValueError(f"base score of {node_id!r} must be in [0, 1], got {value}")
                out[i] = value
        if self.mirrors:
            sums: dict[int, list[float]] = {}
            for i, r in self.mirrors:
                sums.setdefault(r, [out[r]]).append(out[i])
            for r, values in sums.items():
                mean = math.fsum(values) / len(values)
                out[r] = mean
            for i, r in self.mirrors:
                out[i] = out[r]
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

    # -- the update of one node --

    def contributions(self, i: int, values: Sequence[float]) -> tuple[list[float], list[float]]:
        """Weighted strengths of the supporting and the attacking arguments of node ``i``.

        A plain argument contributes w·σ(premise); a linked one w·min σ(premises),
        since it stands only as far as its weakest premise does; an undercut
        argument is scaled by Π(1 − v·σ(undercutter)) over its undercutters, each
        of undercut weight v: an undercutter that fully stands cancels the
        inference, one at strength 0 leaves it whole.
        """
        a, m, b = self.arg_ptr[i], self.sup_end[i], self.arg_ptr[i + 1]
        a_src, a_w, extra = self.a_src, self.a_w, self.a_extra
        if self.plain[i]:
            return ([a_w[k] * values[a_src[k]] for k in range(a, m)],
                    [a_w[k] * values[a_src[k]] for k in range(m, b)])
        out: list[float] = []
        for k in range(a, b):
            x = extra.get(k) if extra else None
            if x is None:
                out.append(a_w[k] * values[a_src[k]])
                continue
            premises, cutters = x
            c = a_w[k] * min(values[p] for p in premises)
            for u, v in cutters:
                c *= 1.0 - v * values[u]
            out.append(c)
        return out[: m - a], out[m - a:]

    def updaters(self, agg: int, inf: int) -> _Updaters:
        """Every node's update under one semantics, each compiled on first use (see :func:`_compile_update`).

        Solving, re-solving and propagating all call these, so a node's arithmetic
        is written once; what is compiled is only which operations run, decided
        once per node rather than on every call.
        """
        key = (agg, inf)
        found = self._updaters.get(key)
        if found is None:
            found = self._updaters[key] = _Updaters(self, agg, inf)
        return found

    # -- solving --

    def solve(self, tau: Sequence[float], method: str = "qe", tol: float = TOLERANCE,
              max_iterations: int = MAX_ITERATIONS) -> Solution:
        """Strengths of every node from base scores in index order."""
        values = list(tau)
        solution = Solution(values, set())
        solution.failed.update(self._run(self.plan_all, values, tau, method, tol, max_iterations, solution))
        return solution

    def resolve(self, solution: Solution, tau: Sequence[float], plan: Sequence[int], method: str = "qe",
                tol: float = TOLERANCE, max_iterations: int = MAX_ITERATIONS, fixed: int | None = None) -> bool:
        """Recompute only the steps of ``plan`` (see :meth:`plan`), reading all else from ``solution``.

        This is what makes interventions cheap: after changing a node's base score
        or pinning its value, only the components downstream of it (and upstream
        of whatever is being watched) can move. ``fixed`` is a node whose value has
        been set by the caller and whose incoming arguments are to be treated as
        cut; the rest of its component is iterated around it. Returns False when
        a circular component did not converge.

        A circular component is iterated from its current values, which after a
        small change are near the new fixed point: far fewer sweeps than from the
        base scores on a map with a large cycle. Where a cycle has several fixed
        points (two claims that fully back each other, from base scores of 0,
        stand anywhere from 0 to 1 together) this can settle in another one than
        :meth:`solve`, which starts from the base scores; callers that need the
        two to agree compare them (see ``kb.analysis.cruxes.Shapley.adds_up``). Restatement mirrors are not
        updated here: read a class through :meth:`canon`.
        """
        return not self._run(plan, solution.values, tau, method, tol, max_iterations, solution, fixed,
                             mirror=False)

    def _run(self, plan: Iterable[int], values: list[float], tau: Sequence[float], method: str, tol: float,
             max_iterations: int, solution: Solution, fixed: int | None = None, mirror: bool = True) -> list[int]:
        """Carry out a plan's steps in order; return the circular components that did not converge."""
        agg, inf = method_codes(method)
        fixed_comp = self.comp_of[fixed] if fixed is not None else -1
        update = self.updaters(agg, inf)
        failed = []
        for i in plan:
            if i < 0:
                c = -i - 1
                members = self.members(c)
                if c == fixed_comp:
                    members = [m for m in members if m != fixed]
                if members and not self._iterate(members, values, tau, agg, inf, tol, max_iterations, solution):
                    failed.append(c)
                continue
            values[i] = update[i](values, tau)
        if mirror:
            for i, r in self.mirrors:
                values[i] = values[r]
        return failed

    def _split(self, i: int) -> tuple[list[int], list[int], list[tuple[bool, int]], list[tuple[bool, int]]]:
        """Node ``i``'s arguments split by whether they depend on its own circular component.

        Returns plain external supports and attacks, complex (linked or undercut)
        external arguments and internal arguments, the last two as (is support, index).
        """
        comp, comp_of = self.comp_of[i], self.comp_of
        a, m, b = self.arg_ptr[i], self.sup_end[i], self.arg_ptr[i + 1]
        sup_plain: list[int] = []
        att_plain: list[int] = []
        complex_ext: list[tuple[bool, int]] = []
        internal: list[tuple[bool, int]] = []
        for k in range(a, b):
            x = self.a_extra.get(k)
            premises, cutters = x if x is not None else ((self.a_src[k],), ())
            if any(comp_of[d] == comp for d in premises) or any(comp_of[u] == comp for u, _ in cutters):
                internal.append((k < m, k))
            elif x is not None:
                complex_ext.append((k < m, k))
            else:
                (sup_plain if k < m else att_plain).append(k)
        return sup_plain, att_plain, complex_ext, internal

    def _updater(self, i: int, values: list[float], tau: Sequence[float], agg: int, inf: int):
        """The update of node ``i`` inside its circular component, as a function of (values, base scores).

        Arguments whose premises and undercutters all lie outside the component
        cannot change while it is iterated. Where that saves work (a sum, or a
        node with linked or undercut arguments) their contributions are computed
        once, so that each iteration only recomputes the few that circle back.
        The function is for the ``values`` and ``tau`` given here: it may have
        read them already.
        """
        split = self._splits.get(i)
        if split is None:
            split = self._splits[i] = self._split(i)
        sup_plain, att_plain, complex_ext, internal = split
        if self.plain[i] and agg != 0:
            # Only a sum splits into a fixed part and a moving one. The others (a product
            # could, but folding its fixed part costs a pass over every argument on every
            # re-solve) take the compiled update: it reads every argument in one call, and
            # sorts a diminishing-returns side again only when one of them moved.
            return self.updaters(agg, inf)[i]
        a_src, a_w, extra = self.a_src, self.a_w, self.a_extra
        ext_sup = [a_w[k] * values[a_src[k]] for k in sup_plain]
        ext_att = [a_w[k] * values[a_src[k]] for k in att_plain]
        for is_sup, k in complex_ext:
            premises, cutters = extra[k]
            c = a_w[k] * min(values[p] for p in premises)
            for u, v in cutters:
                c *= 1.0 - v * values[u]
            (ext_sup if is_sup else ext_att).append(c)
        t = tau[i]

        def contribution(k: int) -> float:
            x = extra.get(k)
            if x is None:
                return a_w[k] * values[a_src[k]]
            c = a_w[k] * min(values[p] for p in x[0])
            for u, v in x[1]:
                c *= 1.0 - v * values[u]
            return c

        if agg == 0:
            base_sum = math.fsum(ext_sup) - math.fsum(ext_att)

            def update(values: Sequence[float], tau: Sequence[float]) -> float:
                e = base_sum
                for is_sup, k in internal:
                    e += contribution(k) if is_sup else -contribution(k)
                return influence(inf, t, e)
        else:
            def update(values: Sequence[float], tau: Sequence[float]) -> float:
                sup = ext_sup + [contribution(k) for is_sup, k in internal if is_sup]
                att = ext_att + [contribution(k) for is_sup, k in internal if not is_sup]
                return influence(inf, t, aggregate(agg, sup, att))
        return update

    def _iterate(self, members: list[int], values: list[float], tau: Sequence[float], agg: int, inf: int,
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
        updaters = [self._updater(i, values, tau, agg, inf) for i in members]
        damping = 1.0
        window_start = math.inf
        residual = previous = math.inf
        for iteration in range(1, max_iterations + 1):
            new = [update(values, tau) for update in updaters]
            residual = max(abs(x - values[i]) for x, i in zip(new, members))
            if residual <= tol and (residual <= ROUNDING or _left(residual, previous) <= tol):
                for x, i in zip(new, members):
                    values[i] = x
                solution.iterations = max(solution.iterations, iteration)
                solution.residual = max(solution.residual, residual)
                return True
            if iteration % DAMPING_WINDOW == 1:
                if residual > window_start / 2.0:
                    damping = max(damping / 2.0, MIN_DAMPING)
                window_start = residual
            previous = residual
            for x, i in zip(new, members):
                values[i] += damping * (x - values[i])
        solution.iterations = max(solution.iterations, max_iterations)
        solution.residual = max(solution.residual, residual)
        return False

    def propagate(self, solution: Solution, tau: Sequence[float], seeds: Iterable[int], method: str,
                  tol: float, max_iterations: int, mask: Sequence[int], saved: dict[int, float],
                  fixed: int | None = None) -> bool:
        """Bring ``solution`` back to a fixed point after a change that only ``seeds`` read directly.

        The caller has changed something (a base score, or the pinned value of
        ``fixed``) that the update of each seed depends on. Only nodes inside
        ``mask`` (those that can reach what the caller watches) are recomputed,
        components in topological order, each at most once, and only where some
        input actually moved: an acyclic node whose value does not change stops
        the wave there, so on an acyclic map the result is bit for bit what
        recomputing every descendant would give. Inside a circular component the
        current values are the warm start and a worklist re-evaluates just the
        members whose inputs moved by more than a share of ``tol``
        (:data:`PROPAGATION_SHARE`); a component that keeps moving
        (:data:`RELAX_LIMIT`), or that had not converged before the change, is
        iterated whole, damped, as :meth:`solve` does. So the cost of one
        intervention is the size of the region it really moves, not of
        everything between it and the target.

        Every overwritten value is recorded in ``saved`` (first value wins), so
        that the caller restores the baseline by writing ``saved`` back. ``fixed``
        is never recomputed. Returns False when a circular component did not
        converge.
        """
        values = solution.values
        agg, inf = method_codes(method)
        comp_of, cyclic, out_ptr, out_dst = self.comp_of, self.cyclic, self.out_ptr, self.out_dst
        order, bounds = self.order, self.bounds
        update = self.updaters(agg, inf)
        push, pop = heapq.heappush, heapq.heappop
        heap: list[int] = []  # components to recompute, by topological position
        queued: set[int] = set()
        touched: dict[int, list[int]] = {}  # circular component -> its members whose inputs moved

        def enqueue(w: int) -> None:
            cw = comp_of[w]
            if cw not in queued:
                queued.add(cw)
                push(heap, cw)
            if cyclic[cw]:
                touched.setdefault(cw, []).append(w)

        for i in seeds:
            if mask[i] and i != fixed:
                enqueue(i)
        ok = True
        while heap:
            c = pop(heap)
            if not cyclic[c]:
                i = order[bounds[c]]  # the one member of a component outside any cycle
                while True:
                    new = update[i](values, tau)
                    old = values[i]
                    if new == old:
                        break
                    if i not in saved:
                        saved[i] = old
                    values[i] = new
                    p, q = out_ptr[i], out_ptr[i + 1]
                    if q - p == 1 and not heap:
                        # A chain, the bulk of a tree-shaped map: with nothing else pending, the
                        # one successor comes next in topological order, so no queue is needed.
                        w = out_dst[p]
                        if mask[w] and w != fixed and not cyclic[comp_of[w]]:
                            i = w
                            continue
                    for k in range(p, q):
                        w = out_dst[k]
                        if mask[w] and w != fixed:
                            enqueue(w)
                    break
                continue
            converged, moved = self._relax(c, touched.pop(c), values, tau, agg, inf, tol, max_iterations, solution,
                                           saved, fixed)
            ok = ok and converged
            for i in moved:
                for k in range(out_ptr[i], out_ptr[i + 1]):
                    w = out_dst[k]
                    if mask[w] and w != fixed and comp_of[w] != c:
                        enqueue(w)
        return ok

    def _relax(self, c: int, seeds: list[int], values: list[float], tau: Sequence[float], agg: int, inf: int,
               tol: float, max_iterations: int, solution: Solution, saved: dict[int, float],
               fixed: int | None) -> tuple[bool, Iterable[int]]:
        """One circular component brought back to its fixed point from its current values.

        Returns whether it converged and the members whose value changed. A
        worklist (Gauss-Seidel order: each update reads the newest values) is
        seeded with the members whose outside inputs moved; a member is queued
        again only when a neighbour inside the component moved by more than
        ``tol`` × :data:`PROPAGATION_SHARE`.
        """
        members = self.members(c)
        if c in solution.failed:  # no fixed point to start from: the whole, damped iteration
            return self._relax_whole(members, values, tau, agg, inf, tol, max_iterations, solution, saved, fixed)
        comp_of, out_ptr, out_dst = self.comp_of, self.out_ptr, self.out_dst
        # Inputs from outside the component are final by now (components go in topological
        # order): each member's update is compiled once, on first use, with them folded in.
        updaters: dict[int, object] = {}
        eps = tol * PROPAGATION_SHARE
        limit = min(max_iterations, RELAX_LIMIT)
        queue = deque()
        queued = set()
        for i in seeds:
            if i not in queued:
                queued.add(i)
                queue.append(i)
        counts: dict[int, int] = {}
        steps: dict[int, float] = {}  # each member's last change, to tell how fast it settles
        moved: set[int] = set()
        while queue:
            i = queue.popleft()
            queued.discard(i)
            f = updaters.get(i)
            if f is None:
                f = updaters[i] = self._updater(i, values, tau, agg, inf)
            new = f(values, tau)
            old = values[i]
            if new == old:
                continue
            if i not in saved:
                saved[i] = old
            values[i] = new
            moved.add(i)
            step = abs(new - old)
            before = steps.get(i, math.inf)
            steps[i] = step
            if step <= eps and (step <= ROUNDING or _left(step, before) <= eps):
                continue
            n_i = counts.get(i, 0) + 1
            if n_i > limit:
                return self._relax_whole(members, values, tau, agg, inf, tol, max_iterations, solution, saved,
                                         fixed)
            counts[i] = n_i
            for k in range(out_ptr[i], out_ptr[i + 1]):
                w = out_dst[k]
                if comp_of[w] == c and w != fixed and w not in queued:
                    queued.add(w)
                    queue.append(w)
        return True, moved

    def _relax_whole(self, members: list[int], values: list[float], tau: Sequence[float], agg: int, inf: int,
                     tol: float, max_iterations: int, solution: Solution, saved: dict[int, float],
                     fixed: int | None) -> tuple[bool, list[int]]:
        """The damped iteration of a whole component (:meth:`_iterate`), recording what it overwrites."""
        free = [m for m in members if m != fixed]
        for i in free:
            if i not in saved:
                saved[i] = values[i]
        converged = self._iterate(free, values, tau, agg, inf, tol, max_iterations, solution)
        return converged, free

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
        for i, r in self.mirrors:
            bad[i] = bad[r]
        return {i for i in range(self.size) if bad[i]}


# --- the modular framework ------------------------------------------------------------------


PRESETS: dict[str, tuple[str, str]] = {
    "qe": ("sum", "quadratic"),  # quadratic energy model (Potyka 2018)
    "dfquad": ("product", "linear"),  # DF-QuAD (Rago et al. 2016)
    "euler": ("sum", "euler"),  # Euler-based semantics (Amgoud & Ben-Naim 2018)
    "drqe": ("drsum", "quadratic"),  # diminishing-returns sum with quadratic energy influence
}


@functools.lru_cache(maxsize=64)
def method_codes(method: str) -> tuple[int, int]:
    """(aggregation, influence) codes of a semantics name: a preset or ``AGGREGATION-INFLUENCE``.

    Cached: every step of a Shapley order asks again.
    """
    pair = PRESETS.get(method)
    if pair is None:
        agg, _, inf = method.partition("-")
        pair = (agg, inf)
    if pair[0] not in _AGG or pair[1] not in _INF:
        raise ValueError(f"unknown semantics {method!r}: use a preset ({', '.join(PRESETS)}) or "
                         f"AGGREGATION-INFLUENCE with aggregation in {AGGREGATIONS} and influence in {INFLUENCES}")
    return _AGG[pair[0]], _INF[pair[1]]


def aggregate(agg: int, sup: list[float], att: list[float]) -> float:
    """Aggregate the supporting and attacking contributions into one number.

    * sum: Σ sup − Σ att (unbounded: many weak supporters add up without limit);
    * product: Π(1 − att) − Π(1 − sup), in [−1, 1] (DF-QuAD's);
    * top: max sup − max att, in [−1, 1] (only the strongest reason on each side counts);
    * drsum: each side sorted strongest first, the k-th contribution (k = 0, 1, …)
      discounted by ``DR_RATIO**k``, then subtracted: in [−2, 2], so a hundred
      weak reasons cannot outweigh two strong ones.
    """
    if agg == 0:
        return math.fsum(sup) - math.fsum(att)
    if agg == 1:
        s = 1.0
        for c in sup:
            s *= 1.0 - c
        r = 1.0
        for c in att:
            r *= 1.0 - c
        return r - s
    if agg == 2:
        return (max(sup) if sup else 0.0) - (max(att) if att else 0.0)
    return _drsum(sup) - _drsum(att)


_DR_WEIGHTS = [1.0]


def _dr_weights(n: int) -> list[float]:
    """The discounts 1, r, r², … of the diminishing-returns sum, at least ``n`` of them."""
    weights = _DR_WEIGHTS
    while len(weights) < n:
        weights.append(weights[-1] * DR_RATIO)
    return weights


def _drsum(values: list[float]) -> float:
    return sum(map(operator.mul, sorted(values, reverse=True), _dr_weights(len(values))))


def influence(inf: int, t: float, e: float) -> float:
    """The strength of a node with base score ``t`` whose arguments aggregate to ``e``.

    * linear: t + (1 − t)·e for e ≥ 0, t + t·e for e < 0, with e clipped to [−1, 1];
    * euler: 1 − (1 − t²)/(1 + t·exp(e)) (Amgoud & Ben-Naim's Euler-based influence);
    * quadratic: t + (1 − t)·h(e) − t·h(−e), h(x) = max(0, x)²/(1 + max(0, x)²).
    """
    return _INFLUENCE[inf](t, e)


def _linear(t: float, e: float) -> float:
    if e >= 0.0:
        return t + (1.0 - t) * min(e, 1.0)
    return t + t * max(e, -1.0)


def _euler(t: float, e: float) -> float:
    if e > 700.0:
        return 1.0 if t > 0.0 else 0.0
    return 1.0 - (1.0 - t * t) / (1.0 + t * math.exp(e))


def _quadratic(t: float, e: float) -> float:
    if e > 0.0:
        e *= e
        return t + (1.0 - t) * e / (1.0 + e)
    if e < 0.0:
        e *= e
        return t - t * e / (1.0 + e)
    return t


_INFLUENCE = (_linear, _euler, _quadratic)  # in the order of INFLUENCES


class _Updaters(dict):
    """Node index -> that node's update ``f(values, tau) -> strength``, compiled when first asked for."""

    def __init__(self, net: Network, agg: int, inf: int):
        super().__init__()
        self.net, self.agg, self.inf = net, agg, inf

    def __missing__(self, i: int):
        f = self[i] = _compile_update(self.net, i, self.agg, self.inf)
        return f


def _compile_update(net: Network, i: int, agg: int, inf: int):
    """Node ``i``'s update as a function of (values, base scores), its shape decided once.

    A node is updated once per solve but up to once per step of every Shapley
    order, so what its update does on each call matters: here the choice of
    path (no arguments, a sum or a diminishing-returns sum of plain edges, or
    the general case), the reading of each side's premises, and whether a
    weight multiplies at all are settled when the function is built. Every path
    performs the operations :func:`aggregate` and :func:`influence` define, in
    the same order (a weight of exactly 1 multiplies nothing, so leaving it
    out changes no bit).
    """
    a, m, b = net.arg_ptr[i], net.sup_end[i], net.arg_ptr[i + 1]
    shape = _INFLUENCE[inf]
    if a == b:
        return lambda values, tau: tau[i]
    if not net.plain[i] or agg in (1, 2):
        contributions = net.contributions

        def general(values: Sequence[float], tau: Sequence[float]) -> float:
            sup, att = contributions(i, values)
            return shape(tau[i], aggregate(agg, sup, att))
        return general
    a_src, a_w = net.a_src, net.a_w
    if agg == 0:
        sup_args = [(a_w[k], a_src[k]) for k in range(a, m)]
        att_args = [(a_w[k], a_src[k]) for k in range(m, b)]

        def plain_sum(values: Sequence[float], tau: Sequence[float]) -> float:
            e = 0.0
            for w, s in sup_args:
                e += w * values[s]
            for w, s in att_args:
                e -= w * values[s]
            return shape(tau[i], e)
        return plain_sum
    sup = _dr_side(a_src[a:m], a_w[a:m])
    att = _dr_side(a_src[m:b], a_w[m:b])
    if att is None:
        return lambda values, tau: shape(tau[i], sup(values))
    if sup is None:
        return lambda values, tau: shape(tau[i], 0.0 - att(values))
    return lambda values, tau: shape(tau[i], sup(values) - att(values))


def _dr_side(sources: list[int], weights: list[float]):
    """One side's diminishing-returns sum as a function of the values, or None for an empty side.

    Up to two arguments, the sorted sum is written out (max + r·min). Past
    that, ``operator.itemgetter`` reads every premise in one C call, and the
    last premises read and their sum are kept: a change reaches a node through
    one argument, so the other side, unchanged, is not sorted again. Equal
    values give the same products and so the same sum.
    """
    n = len(sources)
    if n == 0:
        return None
    unit = all(w == 1.0 for w in weights)
    if n == 1:
        s, w = sources[0], weights[0]
        return (lambda values: values[s]) if unit else (lambda values: w * values[s])
    if n == 2:
        (s1, s2), (w1, w2) = sources, weights
        r = DR_RATIO

        def two(values: Sequence[float]) -> float:
            x, y = w1 * values[s1], w2 * values[s2]
            return x + r * y if x >= y else y + r * x
        return two
    get = operator.itemgetter(*sources)
    discounts = _dr_weights(n)
    mul = operator.mul
    last: list = [((), 0.0)]  # (premises read, their sum), replaced whole so that threads never see half

    def many(values: Sequence[float]) -> float:
        read = get(values)
        kept = last[0]
        if read == kept[0]:
            return kept[1]
        total = sum(map(mul, sorted(read if unit else map(mul, weights, read), reverse=True), discounts))
        last[0] = (read, total)
        return total
    return many
