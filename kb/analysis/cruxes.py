"""What a conclusion hinges on, and where two people's disagreement about it comes from.

A *crux* of a target is a node whose acceptance moves the target most: its
swing is σ(target) with the node forced to 1 (its own incoming edges cut) minus
σ(target) with it forced to 0. A *double crux* of two perspectives A and B is a
claim on which they hold different base scores and whose adoption by either
side would close much of their gap on the target. The gap itself is split over
the disputed claims by Shapley values, which are the one split that is
symmetric, ignores claims that change nothing, and adds up to the gap.

Every intervention changes one node, so only the nodes between it and the
target can move, and of those only the ones the change actually reaches: each
is computed from one solved baseline by propagating that change alone
(:meth:`kb.analysis.network.Network.propagate`), then writing back what it overwrote.

Nothing here does I/O.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Mapping

from kb.analysis.graph import require_node, theses, upstream
from kb.data import workers as kbworkers
from kb.data.progress import EVERY, report, track
from kb.analysis.semantics import (
    DEFAULT_METHOD,
    MAX_ITERATIONS,
    TOLERANCE,
    Method,
    Network,
    Solution,
    flips,
    verdict,
)

if TYPE_CHECKING:  # the questions read a graph, networkx's or the cache's view (kb.analysis.graphview)
    import networkx as nx

EXACT_SHAPLEY_LIMIT = 12
SHAPLEY_SAMPLES = 256
SHAPLEY_SEED = 0
# A gap smaller than this is no disagreement: fractions of it would be noise.
GAP_EPS = 1e-9
# A Monte-Carlo estimate stops early, after at least MIN_PAIRS antithetic pairs of
# orders, once every part's standard error is at most this (None: never early).
SHAPLEY_PRECISION = 0.01
MIN_PAIRS = 8
# Below this many claims a crux or double-crux search runs in process whatever it is offered:
# forking workers and sending each order's results back would cost more than it saves...
PARALLEL_MIN_CLAIMS = 1000
# ...unless each step re-settles a large circle: fewer claims then still make long work when
# their number times the largest circular component among the target's ancestors reaches this.
PARALLEL_MIN_CIRCLING = 10_000
# Claims per task when adoptions or a crux search are spread over workers: few enough tasks to
# send cheaply, enough to keep every worker busy and the progress bar moving.
TASK_CLAIMS = 64
# Iterations inside a Monte-Carlo estimate stop at this residual: far below the
# estimate's own standard error, and a third fewer iterations than the default.
MC_TOLERANCE = 1e-7
# How far the Shapley parts' sum may stray from the gap before the split is reported as not adding up.
# An order ends within about MC_TOLERANCE of its fixed point, and the gap is solved to the default
# tolerance, so a few MC_TOLERANCEs are iteration; another fixed point strays by far more.
ADDS_UP_TOLERANCE = 10 * MC_TOLERANCE
# A swing below this moves a conclusion by less than a reader could act on: when no
# crux reaches it, the report says that nothing decides the target instead of ranking ties.
NOISE_SWING = 0.01


def _plain(report) -> dict:
    """A report's fields as a dictionary, one level deep: what ``dataclasses.asdict`` gives for fields of
    scalars and of dictionaries of scalars, without its deep copy of every value (0.15-0.8 s for a
    double-crux report of 7,787 claims). Fields holding other reports are the caller's to convert."""
    return {f.name: dict(v) if isinstance(v := getattr(report, f.name), dict) else v for f in fields(report)}


@dataclass(frozen=True)
class Crux:
    """One ancestor of the target and how much the target hinges on it."""

    id: str
    title: str | None
    speaker: str | None
    strength: float  # the crux's own strength in the baseline
    strength_final: bool  # False when that strength did not converge
    high: float  # σ(target) with the crux forced to 1
    low: float  # σ(target) with the crux forced to 0
    swing: float  # high − low
    strict: bool  # the verdict on the target flips between the two
    converged: bool  # False when high or low is provisional
    label: str | None = None  # the crux's grounded label, when the caller asked for labels

    @property
    def sign(self) -> str:
        return "pro" if self.swing > 0 else "con" if self.swing < 0 else "none"

    def to_dict(self) -> dict:
        d = _plain(self)
        d["sign"] = self.sign
        return d


@dataclass(frozen=True)
class CruxReport:
    target: str
    title: str | None
    method: str
    perspective: str | None
    strength: float  # σ(target) in the baseline
    verdict: str
    converged: bool  # False when the baseline σ(target) is provisional
    candidates: int  # ancestors examined
    cruxes: list[Crux]  # ranked by |swing|, best first
    threshold: float = NOISE_SWING

    @property
    def decided(self) -> bool:
        """True when some crux moves the target by at least the threshold."""
        return any(abs(c.swing) >= self.threshold for c in self.cruxes)

    def to_dict(self) -> dict:
        return {
            "target": self.target,
            "title": self.title,
            "method": self.method,
            "perspective": self.perspective,
            "strength": self.strength,
            "verdict": self.verdict,
            "converged": self.converged,
            "candidates": self.candidates,
            "cruxes": [c.to_dict() for c in self.cruxes],
            "threshold": self.threshold,
            "decided": self.decided,
        }

    @classmethod
    def from_dict(cls, data: object) -> "CruxReport | None":
        """The report :meth:`to_dict` wrote (kept in the cache), or None when data is not one."""
        return _from_dict(cls, data)


@dataclass(frozen=True)
class DoubleCrux:
    """A claim two perspectives score differently, and what adopting the other's view does."""

    id: str
    title: str | None
    speaker: str | None
    tau_a: float
    tau_b: float
    # σ_A(target) after A adopts B's base score for this claim, and the reverse.
    a_adopting: float
    b_adopting: float
    close_a: float | None  # fraction of the gap A closes by adopting B's view (None: no gap)
    close_b: float | None
    score: float | None  # min(close_a, close_b)
    strict: bool
    converged: bool
    origin_a: str | None = None  # where each side's base score comes from (see kb.analysis.semantics.priors)
    origin_b: str | None = None

    def to_dict(self) -> dict:
        return _plain(self)


@dataclass(frozen=True)
class Shapley:
    """The gap σ_A(target) − σ_B(target) split over the disputed claims."""

    parts: dict[str, float]
    method: str  # "exact" or "monte-carlo"
    permutations: int | None  # sampled permutations (monte-carlo only)
    seed: int | None
    stderr: dict[str, float] | None  # standard error of each part (monte-carlo only)
    total: float  # sum of the parts
    converged: bool
    scheme: str = "shapley"  # "owen" when the target's own prior is a block of its own (see _shapley)
    # Whether the parts add up to the gap between the two perspectives' strengths (within
    # ADDS_UP_TOLERANCE). They telescope to v(all claims at A's) - v(none), which is the gap
    # unless a cycle has several fixed points and switching claims one at a time, each
    # re-solve starting from the last, settles in another one than solving afresh does.
    adds_up: bool = True

    def to_dict(self) -> dict:
        return _plain(self)


@dataclass(frozen=True)
class DoubleCruxReport:
    target: str
    title: str | None
    method: str
    a: str
    b: str
    strength_a: float
    strength_b: float
    verdict_a: str
    verdict_b: str
    gap: float
    converged: bool
    disputed: int  # disputed claims that can reach the target
    items: list[DoubleCrux]  # ranked by score, best first
    shapley: Shapley

    def to_dict(self) -> dict:
        d = _plain(self)
        d["items"] = [i.to_dict() for i in self.items]
        d["shapley"] = self.shapley.to_dict()
        return d

    @classmethod
    def from_dict(cls, data: object) -> "DoubleCruxReport | None":
        """The report :meth:`to_dict` wrote (kept in the cache), or None when data is not one."""
        return _from_dict(cls, data)


# The field types a report's dictionary is checked against when it is read back, by
# annotation; the nested ones name the class their value is read into.
_SCALAR_TYPES = {"str": (str,), "bool": (bool,), "int": (int,), "float": (float, int)}
_NESTED = {"Shapley": Shapley, "list[Crux]": Crux, "list[DoubleCrux]": DoubleCrux}


def _value(kind: str, value: object) -> tuple[bool, object]:
    """Whether value fits the annotation ``kind``, and the value as the field holds it."""
    if kind.endswith(" | None"):
        return (True, None) if value is None else _value(kind[: -len(" | None")], value)
    if kind in _SCALAR_TYPES:
        ok = type(value) in _SCALAR_TYPES[kind] and not (kind != "bool" and type(value) is bool)
        return ok, float(value) if ok and kind == "float" else value
    if kind == "dict[str, float]":
        ok = isinstance(value, dict) and all(type(v) in (float, int) for v in value.values())
        return ok, {k: float(v) for k, v in value.items()} if ok else value
    nested = _NESTED.get(kind)
    if nested is None:
        return False, value
    if kind.startswith("list["):
        if not isinstance(value, list):
            return False, value
        items = [_from_dict(nested, item) for item in value]
        return all(item is not None for item in items), items
    item = _from_dict(nested, value)
    return item is not None, item


def _from_dict(cls, data: object):
    """An instance of the dataclass ``cls`` from what its ``to_dict`` wrote, every field checked
    against its annotation; None when something is missing or of another type (a damaged cache)."""
    if not isinstance(data, dict):
        return None
    values = {}
    for f in fields(cls):
        if f.name not in data:
            return None
        ok, values[f.name] = _value(str(f.type), data[f.name])
        if not ok:
            return None
    return cls(**values)


@dataclass
class _Baseline:
    net: Network
    tau: list[float]
    solution: Solution
    bad: set[int] = field(default_factory=set)


def _baseline(net: Network, tau: Mapping[str, float] | None, method: Method, tol: float,
              max_iterations: int) -> _Baseline:
    taus = net.tau_list(tau)
    solution = net.solve(taus, method, tol, max_iterations)
    return _Baseline(net, taus, solution, net.unconverged(solution))


def _upstream(G: nx.DiGraph, target: str,
              *taus: Mapping[str, float] | None) -> tuple[nx.DiGraph, list[Mapping[str, float] | None]]:
    """The target with its ancestors, and the base scores restricted to them.

    Nothing else can move the target's strength, so solving only this part gives
    the whole map's numbers while keeping a query about one claim from solving
    every other claim too.
    """
    nodes = upstream(G, target)
    # A view's adjacency goes through filters that triple the network's compilation: when the target
    # rests on the whole map (a debate's main thesis), the map itself is the same graph.
    sub = G if len(nodes) == G.number_of_nodes() else G.subgraph(nodes)
    # Membership in the plain set, not the subgraph view: the view's check goes through two
    # filter layers, which on a big map cost more than the crux search itself.
    return sub, [None if tau is None else {n: v for n, v in tau.items() if n in nodes} for tau in taus]


def _node_info(G: nx.DiGraph, node_id: str) -> tuple[str | None, str | None]:
    data = G.nodes[node_id]
    return data.get("title"), data.get("speaker")


class _Interventions:
    """Changes to one solved network, each re-solving only what it moves, and undone together.

    Every crux and every Shapley step is one change to one node (its value
    pinned, or its base score replaced) made to a baseline that is already a
    fixed point. :meth:`kb.analysis.network.Network.propagate` re-solves just the nodes
    that change moves, among those that can reach the target, starting from the
    current values; :meth:`restore` writes back what was overwritten. With
    ``reference``, each change instead re-solves every component between the
    node and the target, whole: the slower way kept so that tests and the
    benchmark can check the incremental one against it.
    """

    def __init__(self, base: _Baseline, mask: bytearray, method: Method, tol: float, max_iterations: int,
                 reference: bool = False):
        self.base, self.net, self.mask = base, base.net, mask
        self.method, self.tol, self.max_iterations = method, tol, max_iterations
        self.reference = reference
        self.saved: dict[int, float] = {}
        self.saved_tau: dict[int, float] = {}
        self._down: dict[int, list[int]] | None = None
        self._plans: dict[int, tuple[list[int], list[int]]] = {}

    def force(self, x: int, value: float) -> bool:
        """Pin node ``x`` at ``value`` (its own arguments cut); False when some iteration did not settle."""
        net, values = self.net, self.base.solution.values
        if self.reference:
            return self._force_whole(x, value)
        if x not in self.saved:
            self.saved[x] = values[x]
        values[x] = value
        seeds = net.out_dst[net.out_ptr[x]:net.out_ptr[x + 1]]
        return net.propagate(self.base.solution, self.base.tau, seeds, self.method, self.tol, self.max_iterations,
                             self.mask, self.saved, fixed=x)

    def rescore(self, x: int, value: float, tol: float | None = None) -> bool:
        """Give node ``x`` the base score ``value``; False when some iteration did not settle."""
        tau, net = self.base.tau, self.net
        if x not in self.saved_tau:
            self.saved_tau[x] = tau[x]
        tau[x] = value
        tol = self.tol if tol is None else tol
        if self.reference:
            nodes, plan = self._plan(x)
            values = self.base.solution.values
            for i in nodes:
                if i not in self.saved:
                    self.saved[i] = values[i]
            return net.resolve(self.base.solution, tau, plan, self.method, tol, self.max_iterations)
        return net.propagate(self.base.solution, tau, (x,), self.method, tol, self.max_iterations, self.mask,
                             self.saved)

    def restore(self) -> None:
        values, tau = self.base.solution.values, self.base.tau
        for i, v in self.saved.items():
            values[i] = v
        for i, v in self.saved_tau.items():
            tau[i] = v
        self.saved.clear()
        self.saved_tau.clear()

    # -- the reference: whole components between the node and the target --

    def _plan(self, x: int) -> tuple[list[int], list[int]]:
        found = self._plans.get(x)
        if found is None:
            nodes = self.net.between(x, self.mask)
            found = self._plans[x] = (nodes, self.net.plan(nodes))
        return found

    def _force_whole(self, x: int, value: float) -> bool:
        net, values = self.net, self.base.solution.values
        if self._down is None:
            self._down = _downstream(net, self.mask)
        c = net.comp_of[x]
        comps = self._down[c] if net.cyclic[c] else self._down[c][1:]  # a pinned node outside a cycle needs no step
        plan = [net.plan_all[d] for d in comps]
        for i in [x, *(j for step in plan for j in ([step] if step >= 0 else net.members(-step - 1)))]:
            if i not in self.saved:
                self.saved[i] = values[i]
        values[x] = value
        return net.resolve(self.base.solution, self.base.tau, plan, self.method, self.tol, self.max_iterations,
                           fixed=x)


def _downstream(net: Network, mask: bytearray) -> dict[int, list[int]]:
    """For each component inside ``mask``: itself and every component it reaches there, in topological order.

    Built once from the target backwards, each list being the component plus the
    merge of its successors' lists (a plain concatenation for the usual single
    successor), so that no candidate needs a search of its own. Only the
    reference path of :class:`_Interventions` uses it.
    """
    comp_of, out_ptr, out_dst = net.comp_of, net.out_ptr, net.out_dst
    down: dict[int, list[int]] = {}
    for c in range(net.n_components - 1, -1, -1):
        members = net.members(c)
        if not mask[members[0]]:
            continue
        nexts = set()
        for v in members:
            for k in range(out_ptr[v], out_ptr[v + 1]):
                w = out_dst[k]
                if mask[w] and comp_of[w] != c:
                    nexts.add(comp_of[w])
        if not nexts:
            down[c] = [c]
        elif len(nexts) == 1:
            down[c] = [c, *down[nexts.pop()]]
        else:
            down[c] = [c, *sorted(set().union(*(down[d] for d in nexts)))]
    return down


# What progress is reported under: one line each on a terminal, however many targets a caller asks
# about (the site asks about every node).
SEARCHING = "finding cruxes"
ADOPTING = "adopting each other's views"
SPLITTING = "splitting the gap (Shapley)"


def _worth_forking(net: Network, mask: bytearray, claims: int) -> bool:
    """Whether a search over ``claims`` claims (crux candidates, or disputed claims) is worth spreading over workers.

    Each candidate, each adoption and each step of an order re-solves what one
    claim moves among the nodes in ``mask``: a path on a tree, but about a whole
    circular component inside one. So many claims, or fewer times a large
    circle, make long work; anything less would cost more to fork than it saves.
    """
    if claims >= PARALLEL_MIN_CLAIMS:
        return True
    largest = max((net.bounds[c + 1] - net.bounds[c] for c in range(net.n_components)
                   if net.cyclic[c] and mask[net.order[net.bounds[c]]]), default=1)
    return claims * largest >= PARALLEL_MIN_CIRCLING


def _swing(change: _Interventions, t: int, x: int) -> tuple[float, float, bool]:
    """σ(target) with ``x`` forced true and forced false, each from the baseline, and whether both settled."""
    values = change.base.solution.values
    ok_high = change.force(x, 1.0)
    high = values[t]
    change.restore()
    ok_low = change.force(x, 0.0)
    low = values[t]
    change.restore()
    return high, low, ok_high and ok_low


def _swing_task(candidates: list[int]) -> list[tuple[float, float, bool]]:
    """:func:`_swing` of each candidate (a task of :func:`kb.data.workers.fork_map`)."""
    change, t = kbworkers.inherited()
    return [_swing(change, t, x) for x in candidates]


def _ranked_cruxes(G: nx.DiGraph, base: _Baseline, target: int, method: Method, top: int | None, tol: float,
                   max_iterations: int, labels: Mapping[str, str] | None,
                   reference: bool = False, workers: int = 1) -> tuple[list[Crux], int]:
    net, solution = base.net, base.solution
    values = solution.values
    mask = net.ancestors_mask(target)
    change = _Interventions(base, mask, method, tol, max_iterations, reference)
    target_ok = target not in base.bad
    root = net.root
    # The target is never its own crux, nor is a restatement of it (one claim);
    # other members of a restatement class are represented by their class.
    candidates = [x for x in range(net.size) if mask[x] and x != target and root[x] == x]
    if workers < 2 or not _worth_forking(net, mask, len(candidates)):
        swings = [_swing(change, target, x) for x in track(candidates, SEARCHING, len(candidates))]
    else:
        # Each candidate starts from the same baseline, so chunks walked in other processes
        # give the numbers this one would.
        chunks = [candidates[k:k + TASK_CLAIMS] for k in range(0, len(candidates), TASK_CLAIMS)]
        swings = []
        for chunk in kbworkers.fork_map(_swing_task, chunks, workers, state=(change, target)):
            swings += chunk
            report(SEARCHING, len(swings), len(candidates))
    rows = [(-abs(high - low), net.ids[x], x, high, low, ok) for x, (high, low, ok) in zip(candidates, swings)]
    rows.sort()
    out = []
    for _, node_id, x, high, low, ok in rows if top is None else rows[:top]:
        title, speaker = _node_info(G, node_id)
        out.append(Crux(
            id=node_id, title=title, speaker=speaker,
            strength=values[x], strength_final=x not in base.bad,
            high=high, low=low, swing=high - low,
            strict=flips(high, low),
            converged=target_ok and ok,
            label=None if labels is None else str(labels[node_id]),
        ))
    return out, len(rows)


def cruxes(G: nx.DiGraph, target: str, tau: Mapping[str, float] | None = None, *, method: Method = DEFAULT_METHOD,
           top: int | None = None, perspective: str | None = None, network: Network | None = None,
           labels: Mapping[str, str] | None = None, tol: float = TOLERANCE,
           max_iterations: int = MAX_ITERATIONS, reference: bool = False, workers: int = 1) -> CruxReport:
    """Every ancestor of ``target`` ranked by how far forcing it true rather than false moves the target.

    A strict crux is one whose two interventions put the target on opposite
    sides of 0.5. ``perspective`` is only recorded in the report (``tau`` carries
    its base scores). Pass ``network`` to reuse a compiled graph, and ``labels``
    (from :func:`kb.analysis.semantics.grounded`) to have each crux carry its label.
    ``reference`` re-solves everything between each candidate and the target
    instead of only what moves (see :class:`_Interventions`): for tests and benchmarks.
    ``workers`` > 1 spreads the candidates over that many forked processes when
    the search is long enough (:func:`_worth_forking`), with the same numbers.
    """
    require_node(G, target)
    if network is None:
        sub, (tau,) = _upstream(G, target, tau)
        network = Network(sub)
    base = _baseline(network, tau, method, tol, max_iterations)
    return _report(G, base, target, method, top, perspective, tol, max_iterations, labels, reference, workers)


def _report(G: nx.DiGraph, base: _Baseline, target: str, method: Method, top: int | None,
            perspective: str | None, tol: float, max_iterations: int,
            labels: Mapping[str, str] | None, reference: bool = False, workers: int = 1) -> CruxReport:
    t = base.net.canon(target)
    ranked, candidates = _ranked_cruxes(G, base, t, method, top, tol, max_iterations, labels, reference, workers)
    strength = base.solution.values[t]
    return CruxReport(
        target=target, title=G.nodes[target].get("title"), method=method, perspective=perspective,
        strength=strength, verdict=verdict(strength), converged=t not in base.bad,
        candidates=candidates, cruxes=ranked,
    )


def overview(G: nx.DiGraph, tau: Mapping[str, float] | None = None, *, method: Method = DEFAULT_METHOD, top: int = 3,
             perspective: str | None = None, network: Network | None = None,
             labels: Mapping[str, str] | None = None, tol: float = TOLERANCE,
             max_iterations: int = MAX_ITERATIONS, workers: int = 1) -> list[CruxReport]:
    """The strongest cruxes of each top-level thesis (see :func:`kb.analysis.graph.theses`)."""
    net = network or Network(G)
    base = _baseline(net, tau, method, tol, max_iterations)
    return [_report(G, base, t, method, top, perspective, tol, max_iterations, labels, workers=workers)
            for t in theses(G)]


# --- double cruxes -----------------------------------------------------------------------


def _shapley_exact(n: int, value: list[float]) -> list[float]:
    """Shapley values from the value of every coalition, indexed by bit mask."""
    weight = [math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n) for k in range(n)]
    phi = [0.0] * n
    for mask in range(1 << n):
        size = mask.bit_count()
        for j in range(n):
            bit = 1 << j
            if not mask & bit:
                phi[j] += weight[size] * (value[mask | bit] - value[mask])
    return phi


def _adopt(change: _Interventions, t: int, x: int, value: float) -> tuple[float, bool]:
    """σ(target) with claim ``x`` given the base score ``value``, and whether it converged; then undone."""
    ok = change.rescore(x, value)
    result = change.base.solution.values[t]
    change.restore()
    return result, ok


def _adopt_task(claims: list[int]) -> list[tuple[float, bool, float, bool]]:
    """Each claim adopted by A from B and by B from A (a task of :func:`kb.data.workers.fork_map`)."""
    (a, b), t = kbworkers.inherited()
    return [(*_adopt(a, t, x, b.base.tau[x]), *_adopt(b, t, x, a.base.tau[x])) for x in claims]


def double_cruxes(G: nx.DiGraph, target: str, tau_a: Mapping[str, float], tau_b: Mapping[str, float], *,
                  method: Method = DEFAULT_METHOD, names: tuple[str, str] = ("A", "B"), samples: int = SHAPLEY_SAMPLES,
                  precision: float | None = SHAPLEY_PRECISION,
                  origins: tuple[Mapping[str, str], Mapping[str, str]] | None = None,
                  seed: int = SHAPLEY_SEED, exact_limit: int = EXACT_SHAPLEY_LIMIT, top: int | None = None,
                  tol: float = TOLERANCE, max_iterations: int = MAX_ITERATIONS,
                  reference: bool = False, workers: int = 1) -> DoubleCruxReport:
    """Where perspectives A and B part ways on ``target``, claim by claim.

    The disputed claims are those that can reach the target (the target
    included) on which A's and B's base scores differ. For each, ``close_a`` is
    the fraction of the gap σ_A(target) − σ_B(target) that A closes by adopting
    B's base score for it (``close_b`` the reverse), and its score is the smaller
    of the two: a good double crux is one that would move both. It is strict when
    A and B sit on opposite sides of 0.5 on the claim itself (their base scores)
    and adopting the other's view flips each one's verdict on the target.

    ``origins`` (node id -> origin of each side's base score, from
    :func:`kb.analysis.semantics.priors`) is carried into each item for display.

    The split of the gap (Shapley, or Owen with the target's own prior as a
    block when that is disputed: see :func:`_shapley`) is exact (every
    coalition, visited in Gray-code order so that each step re-solves one
    claim's downstream) for up to ``exact_limit`` disputed claims, and otherwise
    estimated from at most ``samples`` random orders drawn with ``seed``, in
    antithetic pairs, stopping early once every part's standard error is at most
    ``precision``; each sampled order telescopes to the gap, so the estimated
    parts still add up to it. Each adoption and each step of an order changes
    one base score and re-solves only what that moves (:class:`_Interventions`;
    ``reference`` re-solves everything between the claim and the target instead).

    ``workers`` > 1 spreads the adoptions and the sampled orders over that many
    forked processes (see :mod:`kb.data.workers`) once the work is long enough
    (:func:`_worth_forking`); every number is the same as
    in process, since each adoption and each pair of orders starts from the
    same baseline and the pairs are summed in the order they were drawn.
    """
    require_node(G, target)
    sub, (tau_a, tau_b) = _upstream(G, target, tau_a, tau_b)
    net = Network(sub)
    a = _baseline(net, tau_a, method, tol, max_iterations)
    b = _baseline(net, tau_b, method, tol, max_iterations)
    t = net.canon(target)
    mask = net.ancestors_mask(t)
    # The target's own prior stays a Shapley player, so that the parts still add up
    # to the gap, but it is where the two start, not a claim the target hinges on:
    # it is never listed as a double crux.
    players = [i for i in range(net.size) if mask[i] and net.root[i] == i and a.tau[i] != b.tau[i]]
    changes = (_Interventions(a, mask, method, tol, max_iterations, reference),
               _Interventions(b, mask, method, tol, max_iterations, reference))
    sa, sb = a.solution.values[t], b.solution.values[t]
    gap = sa - sb
    converged = t not in a.bad and t not in b.bad

    claims = [p for p in players if p != t]
    if not _worth_forking(net, mask, len(claims)):
        workers = 1
    chunks = [claims[k:k + TASK_CLAIMS] for k in range(0, len(claims), TASK_CLAIMS)]
    adopted = []
    for chunk in kbworkers.fork_map(_adopt_task, chunks, workers, state=(changes, t)):
        adopted += chunk
        report(ADOPTING, len(adopted), len(claims))
    items = []
    for x, (a_adopting, ok_a, b_adopting, ok_b) in zip(claims, adopted):
        if abs(gap) > GAP_EPS:
            close_a = (sa - a_adopting) / gap
            close_b = (b_adopting - sb) / gap
            score = min(close_a, close_b)
        else:
            close_a = close_b = score = None
        opposite = (a.tau[x] - 0.5) * (b.tau[x] - 0.5) < 0
        node_id = net.ids[x]
        title, speaker = _node_info(G, node_id)
        items.append(DoubleCrux(
            id=node_id, title=title, speaker=speaker, tau_a=a.tau[x], tau_b=b.tau[x],
            origin_a=origins[0].get(node_id) if origins else None,
            origin_b=origins[1].get(node_id) if origins else None,
            a_adopting=a_adopting, b_adopting=b_adopting, close_a=close_a, close_b=close_b, score=score,
            strict=opposite and flips(sa, a_adopting) and flips(sb, b_adopting),
            converged=converged and ok_a and ok_b,
        ))
    items.sort(key=lambda d: (d.score is None, -(d.score or 0.0), d.id))
    shapley = _shapley(changes[1], a.tau, players, t, samples, seed, exact_limit, precision, workers)
    if shapley.parts and abs(shapley.total - gap) > ADDS_UP_TOLERANCE:
        shapley = replace(shapley, adds_up=False, converged=False)
    return DoubleCruxReport(
        target=target, title=G.nodes[target].get("title"), method=method, a=names[0], b=names[1],
        strength_a=sa, strength_b=sb, verdict_a=verdict(sa), verdict_b=verdict(sb), gap=gap,
        converged=converged and shapley.converged, disputed=len(items),
        items=items if top is None else items[:top], shapley=shapley,
    )


def _shapley(change: _Interventions, tau_a: list[float], players: list[int], t: int, samples: int, seed: int,
             exact_limit: int, precision: float | None = None, workers: int = 1) -> Shapley:
    """The gap split over the players of the game v(S) = σ(target) with B's base scores except A's on S.

    When the target's own base score is disputed, it is not one claim among the
    others but where the two start: the split is then the Owen value with the
    target's prior as one block and the claims as the other. The prior gets
    what switching it is worth on average before and after all the claims are
    switched; each claim gets the average of its Shapley values with the prior
    at B's and at A's score. The parts still add up to the gap exactly, and a
    Monte-Carlo estimate no longer carries the large variance of the prior's
    interaction with everything else. Without a disputed prior it is the plain
    Shapley value. Works on B's baseline in place (through ``change``, so that
    each step of an order re-solves only what switching one claim moves, from
    the state the previous step left) and restores it before returning.

    With ``workers`` > 1 the sampled pairs of orders are walked by that many
    forked processes, in batches; they are summed, and the stopping rule
    applied, pair by pair in the order they were drawn, so the estimate is the
    one a single process gives (a batch's pairs past the stopping point are
    dropped).
    """
    b, net, tol = change.base, change.net, change.tol
    ids = [net.ids[x] for x in players]
    values, tau = b.solution.values, b.tau
    tau_b = {x: tau[x] for x in players}
    ok = t not in b.bad
    own = players.index(t) if t in players else None
    rest = [j for j in range(len(players)) if j != own]
    restore = change.restore

    def toggle(j: int, to_a: bool, tolerance: float = tol) -> float:
        nonlocal ok
        x = players[j]
        ok = change.rescore(x, tau_a[x] if to_a else tau_b[x], tolerance) and ok
        return values[t]

    empty = values[t]
    n = len(rest)
    phi = [0.0] * len(players)
    if n <= exact_limit:
        k_all = len(players)
        v = [0.0] * (1 << k_all)
        v[0] = empty
        mask = 0
        for k in range(1, 1 << k_all):
            j = (k & -k).bit_length() - 1  # Gray code: step k flips bit j
            mask ^= 1 << j
            v[mask] = toggle(j, bool(mask & (1 << j)))
        restore()
        if own is None:
            phi = _shapley_exact(k_all, v) if k_all else []
        else:
            bit = 1 << own
            full = (1 << k_all) - 1

            def sub(with_own: bool) -> list[float]:
                out = []
                for m in range(1 << n):
                    big = sum(1 << rest[r] for r in range(n) if m >> r & 1)
                    out.append(v[big | bit] if with_own else v[big])
                return out

            for r, part in enumerate(_shapley_exact(n, sub(False))):
                phi[rest[r]] += part / 2
            for r, part in enumerate(_shapley_exact(n, sub(True))):
                phi[rest[r]] += part / 2
            phi[own] = ((v[bit] - v[0]) + (v[full] - v[full ^ bit])) / 2
        parts = dict(zip(ids, phi))
        return Shapley(parts, "exact", None, None, None, math.fsum(phi), ok, "shapley" if own is None else "owen")
    # Monte-Carlo: random orders of the claims; with a disputed prior, half the
    # orders switch it first and half last (so its part is exact and the parts add up).
    # Antithetic pairs: each random order is followed by its reverse, which puts
    # every claim early exactly when it was late. Under diminishing returns two
    # strong reasons on one side split the credit by who comes first, so pairing
    # removes most of the variance; the error is estimated from the pairs' means.
    walk = _Walk(change, players, tau_a, t, own, max(tol, MC_TOLERANCE), empty)
    pairs_wanted = (samples + samples % 2) // 2
    rng = random.Random(seed)
    order = list(rest)
    total = [0.0] * len(players)
    squares = [0.0] * len(players)
    own_first = own_last = full_value = 0.0
    pairs = drawn = 0
    stop = False
    while not stop and drawn < pairs_wanted:
        # The first batch holds the pairs the estimate takes at least; then one pair per worker.
        size = pairs_wanted if precision is None else max(MIN_PAIRS - drawn, workers)
        batch = []
        for _ in range(min(size, pairs_wanted - drawn)):
            rng.shuffle(order)
            batch.append(tuple(order))
            order.reverse()  # the draws go on from the pair's second order
        # Progress over the orders the estimate takes at least (or all of them, without a
        # precision to stop at), extended while it goes on.
        planned = pairs_wanted if precision is None else min(pairs_wanted, max(MIN_PAIRS, drawn + len(batch)))
        if workers < 2:
            walked = (_walk_pair(walk, o, k, planned) for k, o in enumerate(batch, drawn))
        else:
            walked = kbworkers.fork_map(_pair_task, batch, workers, state=walk)
        drawn += len(batch)
        for sums, first_value, all_value, claims_value, pair_ok in walked:
            if stop:
                continue  # a pair walked past the stopping point: a single process would not have drawn it
            pairs += 1
            ok = ok and pair_ok
            own_first, full_value, own_last = first_value, all_value, claims_value
            for j in rest:
                m = sums[j] / 2
                total[j] += m
                squares[j] += m * m
            report(SPLITTING, 2 * pairs * n, 2 * planned * n)
            stop = precision is not None and MIN_PAIRS <= pairs < pairs_wanted and all(
                squares[j] / pairs - (total[j] / pairs) ** 2 <= precision ** 2 * max(pairs - 1, 1) for j in rest)
    samples = 2 * pairs
    report(SPLITTING, samples * n, samples * n)
    phi = [x / pairs for x in total]
    stderr = [math.sqrt(max(sq / pairs - m * m, 0.0) / max(pairs - 1, 1)) for sq, m in zip(squares, phi)]
    if own is not None:
        phi[own] = ((own_first - empty) + (full_value - own_last)) / 2
        stderr[own] = 0.0
    return Shapley(dict(zip(ids, phi)), "monte-carlo", samples, seed, dict(zip(ids, stderr)), math.fsum(phi), ok,
                   "shapley" if own is None else "owen")


@dataclass
class _Walk:
    """What walking an order needs: B's baseline (changed through ``change``) and A's score for each claim."""

    change: _Interventions
    players: list[int]
    tau_a: list[float]
    t: int
    own: int | None  # the target's own prior among the players, when it is disputed
    tol: float
    empty: float  # σ(target) at B's baseline


def _walk_pair(walk: _Walk, order: tuple[int, ...], index: int, planned: int
               ) -> tuple[list[float], float, float, float, bool]:
    """One antithetic pair: ``order`` (player positions) walked from B's baseline, then its reverse.

    Returns each player's two marginal contributions summed; with a disputed
    prior, σ(target) once it alone is switched, once everything is, and once
    every claim but it is; and whether every step converged. Restores the
    baseline after each order. ``index`` and ``planned`` (pairs) place the walk
    on the progress bar.
    """
    change, players, t, own = walk.change, walk.players, walk.t, walk.own
    values, tau_a, tol = change.base.solution.values, walk.tau_a, walk.tol
    n = len(order)
    sums = [0.0] * len(players)
    own_first = full_value = own_last = 0.0
    ok = True
    for second in (False, True):
        previous = walk.empty
        if own is not None and not second:
            x = players[own]
            ok = change.rescore(x, tau_a[x], tol) and ok
            previous = own_first = values[t]
        done = (2 * index + second) * n
        for step, j in enumerate(reversed(order) if second else order):
            x = players[j]
            ok = change.rescore(x, tau_a[x], tol) and ok
            current = values[t]
            sums[j] += current - previous
            previous = current
            if step % EVERY == 0:
                report(SPLITTING, done + step, 2 * planned * n)
        if own is not None:
            if second:
                own_last = previous  # v(every claim at A's, the prior still at B's)
            else:
                full_value = previous  # v(everything at A's scores)
        change.restore()
    return sums, own_first, full_value, own_last, ok


def _pair_task(order: tuple[int, ...]) -> tuple[list[float], float, float, float, bool]:
    """:func:`_walk_pair` in a worker of :func:`kb.data.workers.fork_map`."""
    return _walk_pair(kbworkers.inherited(), order, 0, 1)


__all__ = [
    "Crux", "CruxReport", "DoubleCrux", "DoubleCruxReport", "Shapley",
    "cruxes", "double_cruxes", "overview", "EXACT_SHAPLEY_LIMIT", "SHAPLEY_SAMPLES", "SHAPLEY_SEED",
]
