"""Why a node is as strong as it is: each incoming argument's share of its strength.

The contribution function is the Shapley value (Kampik, Potyka, Yin, Čyras &
Toni 2024, "Contribution functions for quantitative bipolar argumentation
graphs"), taken over the node's *direct* arguments — each support, attack or
linked argument into it, with its undercuts folded in — in the node's own
update, every other strength held at its solved value. Of the contribution
functions they study it is the one that is symmetric, gives nothing to an
argument that changes nothing, and adds up exactly: the contributions sum to
the strength minus the base score (for a node on a cycle, to the fixed point's
strength minus the base score, the other members held where they settled).
The removal-based contribution (the strength minus the strength without that
one argument) is given beside it; it need not add up.

Up to :data:`EXACT_LIMIT` arguments the Shapley values are exact; beyond, a
seeded Monte-Carlo average over random orders, whose marginals still add up
exactly in every order, with a standard error per argument.

Nothing here does I/O.
"""

from __future__ import annotations

import math
import random
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Mapping

from kb.analysis.graph import require_node
from kb.analysis.network import aggregate, influence, method_codes
from kb.analysis.semantics import DEFAULT_METHOD, NEUTRAL, Network, Prior, priors, to_strengths, verdict

if TYPE_CHECKING:
    import networkx as nx

EXACT_LIMIT = 12
PERMUTATIONS = 2000
SEED = 0


@dataclass(frozen=True)
class Contribution:
    relation: str  # "supports" or "attacks"
    premises: list[str]  # one id, or several for a linked argument
    undercutters: list[str]
    weight: float
    strength: float  # the argument's own strength: weight · min σ(premises) · Π(1 − v·σ(undercutter))
    shapley: float
    removal: float  # σ(node) − σ(node without this argument), others held
    stderr: float | None = None  # Monte-Carlo only

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Explanation:
    id: str
    title: str | None
    method: str
    perspective: str
    base: float
    origin: str  # where the base score comes from (see kb.analysis.semantics.priors)
    strength: float
    verdict: str
    converged: bool
    contributions: list[Contribution]  # by |shapley|, largest first
    total: float  # sum of the Shapley contributions: strength − base
    estimate: str  # "exact" or "monte-carlo"
    permutations: int | None
    restates: list[str]  # other members of its restatement class (their arguments are its own)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["contributions"] = [c.to_dict() for c in self.contributions]
        return d


def _value(agg: int, inf: int, t: float, sup: list[float], att: list[float]) -> float:
    return influence(inf, t, aggregate(agg, sup, att))


def shapley(agg: int, inf: int, t: float, parts: list[tuple[int, float]], *, exact_limit: int = EXACT_LIMIT,
            permutations: int = PERMUTATIONS, seed: int = SEED) -> tuple[list[float], list[float] | None]:
    """Shapley values of signed contributions ``(sign, c)`` in the game v(S) = ι(τ, α(S)).

    Returns the values and, for a Monte-Carlo estimate, their standard errors.
    """
    n = len(parts)

    def v(members: list[int]) -> float:
        return _value(agg, inf, t, [parts[k][1] for k in members if parts[k][0] > 0],
                      [parts[k][1] for k in members if parts[k][0] < 0])

    if n <= exact_limit:
        from kb.analysis.cruxes import _shapley_exact

        return _shapley_exact(n, [v([k for k in range(n) if mask >> k & 1]) for mask in range(1 << n)]), None
    rng = random.Random(seed)
    total = [0.0] * n
    squares = [0.0] * n
    order = list(range(n))
    for _ in range(permutations):
        rng.shuffle(order)
        sup: list[float] = []
        att: list[float] = []
        before = v([])
        for k in order:
            sign, c = parts[k]
            (sup if sign > 0 else att).append(c)
            after = _value(agg, inf, t, sup, att)
            gain = after - before
            total[k] += gain
            squares[k] += gain * gain
            before = after
    mean = [x / permutations for x in total]
    err = [math.sqrt(max(sq / permutations - m * m, 0.0) / permutations) for sq, m in zip(squares, mean)]
    return mean, err


def explain(G: nx.DiGraph, node_id: str, *, perspective: str = NEUTRAL, method: str = DEFAULT_METHOD,
            implied: bool = True, tau: Mapping[str, Prior] | None = None, network: Network | None = None,
            seed: int = SEED, permutations: int = PERMUTATIONS) -> Explanation:
    """Each direct argument's contribution to ``node_id``'s strength (see the module's docstring)."""
    require_node(G, node_id)
    agg, inf = method_codes(method)
    net = network or Network(G)
    pri = dict(tau) if tau is not None else priors(G, perspective, implied)
    taus = net.tau_list({n: p.value for n, p in pri.items()})
    solution = net.solve(taus, method)
    result = to_strengths(net, solution, method)
    i = net.canon(node_id)
    values = solution.values
    sup, att = net.contributions(i, values)
    a, m, b = net.arg_ptr[i], net.sup_end[i], net.arg_ptr[i + 1]
    parts = [(1, c) for c in sup] + [(-1, c) for c in att]
    phi, err = shapley(agg, inf, taus[i], parts, seed=seed, permutations=permutations)
    full = _value(agg, inf, taus[i], sup, att)
    out = []
    for pos, k in enumerate(range(a, b)):
        sign = 1 if k < m else -1
        premises, cutters = net.a_extra.get(k, ((net.a_src[k],), ()))
        rest_sup = [c for j, c in enumerate(sup) if j != pos] if sign > 0 else sup
        rest_att = [c for j, c in enumerate(att) if j != pos - len(sup)] if sign < 0 else att
        out.append(Contribution(
            relation="supports" if sign > 0 else "attacks",
            premises=[net.ids[p] for p in premises],
            undercutters=[net.ids[u] for u, _ in cutters],
            weight=net.a_w[k],
            strength=parts[pos][1],
            shapley=phi[pos],
            removal=full - _value(agg, inf, taus[i], rest_sup, rest_att),
            stderr=None if err is None else err[pos],
        ))
    out.sort(key=lambda c: (-abs(c.shapley), c.premises))
    members = sorted(net.ids[j] for j, r in enumerate(net.root) if r == i and net.ids[j] != node_id)
    strength = result[node_id]
    return Explanation(
        id=node_id, title=G.nodes[node_id].get("title"), method=method, perspective=perspective,
        base=taus[i], origin=pri[net.ids[i]].origin if net.ids[i] in pri else "default",
        strength=strength, verdict=verdict(strength), converged=result.final(node_id),
        contributions=out, total=math.fsum(phi), estimate="exact" if err is None else "monte-carlo",
        permutations=None if err is None else permutations, restates=members,
    )
