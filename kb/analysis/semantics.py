"""How strong each node of the argument map is, and whether it stands.

Two complementary readings of the same graph:

* **Gradual strengths** in [0, 1] under a semantics for weighted bipolar
  argumentation, built from the modular framework of Mossakowski & Neuhaus
  (2018) and Potyka (2019): an *aggregation* of the supporting and attacking
  arguments' weighted strengths (``sum``, ``product``, ``top``, ``drsum``)
  composed with an *influence function* (``linear``, ``euler``, ``quadratic``).
  Any pair is named ``AGGREGATION-INFLUENCE``; the presets are the quadratic
  energy model ``qe`` (sum–quadratic, Potyka 2018), DF-QuAD ``dfquad``
  (product–linear, Rago et al. 2016), the Euler-based ``euler`` (sum–euler,
  Amgoud & Ben-Naim 2018) and ``drqe`` (drsum–quadratic), the default, chosen
  on the real map because its verdicts do not saturate with fan-in (README,
  "Strengths"). Each node starts from a base score τ, which comes from a
  *perspective* (see :func:`base_scores`).
* **Grounded labels** (IN / OUT / UNDEC): Dung's sceptical verdict, see
  :mod:`kb.analysis.grounded`.

Undercuts weaken the inference they dispute, linked premises count as one
argument as strong as the weakest premise, and restatements of one claim are
one claim (:mod:`kb.analysis.network`). An iteration that does not settle is reported,
never passed off as a final value (:attr:`Strengths.unconverged`). Node ids are
sorted before indexing, which makes every result independent of the order of
files and edges, bit for bit.

Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Literal, Mapping

from kb.data.errors import UnknownId
from kb.analysis.network import (  # noqa: F401  (re-exported: the cruxes module and callers use them from here)
    AGGREGATIONS,
    INFLUENCES,
    MAX_ITERATIONS,
    NEUTRAL_SCORE,
    PRESETS,
    TOLERANCE,
    Network,
    Solution,
    method_codes,
)
from kb.data.suggest import closest

if TYPE_CHECKING:
    import networkx as nx

Method = str
DEFAULT_METHOD = "drqe"
# Every name the CLI accepts: the presets, then every aggregation–influence pair.
METHODS: tuple[str, ...] = (*PRESETS, *(f"{a}-{i}" for a in AGGREGATIONS for i in INFLUENCES))
SupportMode = Literal["cayrol", "ignore"]

NEUTRAL = "neutral"
# Within this distance of 0.5 a strength is neither accepted nor rejected, so that
# rounding noise cannot flip a verdict.
VERDICT_EPS = 1e-9
# Implied credences (see :func:`priors`): what a person's silence on a node is read as
# when they hold the node, or hold a node that argues against it.
HOLDS_CREDENCE = 0.8
DISPUTES_CREDENCE = 0.2

Origin = Literal["recorded", "holds", "disputes", "default"]


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


def label_note(strength: float, label: str) -> str | None:
    """A sentence for a reader who sees a grounded label disagree with the gradual verdict, else None.

    The two readings answer different questions, so they can disagree; a reader
    should never see "accepted" beside OUT without being told why.
    """
    v = verdict(strength)
    if v == "accepted" and str(label) == "OUT":
        return ("OUT although accepted: the grounded reading is sceptical, and one objection that stands "
                "unanswered against this claim or against a reason given for it puts it OUT, while the strength "
                "weighs every reason against every objection.")
    if v == "rejected" and str(label) == "IN":
        return ("IN although rejected: no standing objection defeats it outright, but what argues against it "
                "outweighs what argues for it.")
    return None


# --- base scores -------------------------------------------------------------------


def perspectives(G: nx.DiGraph) -> list[str]:
    """Every perspective the graph supports: ``neutral`` and each known person."""
    people = set(G.graph.get("people", {}))
    for stances in dict(G.nodes(data="stances")).values():
        people.update(stances or {})
    return [NEUTRAL, *sorted(people - {NEUTRAL})]


@dataclass(frozen=True)
class Prior:
    """A base score and where it comes from: what a reader needs to trust a perspective."""

    value: float
    origin: Origin


def priors(G: nx.DiGraph, perspective: str = NEUTRAL, implied: bool = True) -> dict[str, Prior]:
    """Base score τ of every node from a perspective, with its origin.

    ``neutral`` gives every node τ = 0.5: no prior either way, so every strength
    comes from the structure of the argument alone. From a person's perspective:

    1. a credence they recorded (their ``stances`` entry) always wins (``recorded``);
    2. else, with ``implied``, a node they hold (they are its ``speaker``; a
       presenter does not hold what they present) gets :data:`HOLDS_CREDENCE`
       (``holds``): people believe what they assert;
    3. else a node that one of their nodes attacks, or whose support one of their
       nodes undercuts, gets :data:`DISPUTES_CREDENCE` (``disputes``);
    4. else 0.5 (``default``): silence is no prior.

    Restatements of one claim share their priors: recorded credences on several
    members are averaged, and holding any member is holding the claim.
    Raises :class:`~kb.data.errors.UnknownId` for an id that names nobody.
    """
    if perspective == NEUTRAL:
        return {n: Prior(NEUTRAL_SCORE, "default") for n in G.nodes}
    known = perspectives(G)
    if perspective not in known:
        raise UnknownId("person", perspective, closest(perspective, known))
    from kb.analysis.graph import restatement_classes  # local: graph imports the store, which callers of verdict() need not

    roots = restatement_classes(G)
    recorded: dict[str, list[float]] = {}
    held: set[str] = set()
    disputed: set[str] = set()
    for n, data in G.nodes(data=True):
        r = roots.get(n, n)
        value = (data.get("stances") or {}).get(perspective)
        if value is not None:
            recorded.setdefault(r, []).append(float(value))
        if implied and data.get("speaker") == perspective:
            held.add(r)
    if implied:
        for u, v, d in G.edges(data=True):
            if G.nodes[u].get("speaker") != perspective:
                continue
            relation = d.get("relation")
            if relation == "attacks":
                disputed.add(roots.get(v, v))
            elif relation == "undercuts":
                if any((G.get_edge_data(via, v) or {}).get("relation") == "supports" for via in d.get("via") or ()):
                    disputed.add(roots.get(v, v))
    out = {}
    for n in G.nodes:
        r = roots.get(n, n)
        if r in recorded:
            values = recorded[r]
            out[n] = Prior(sum(values) / len(values), "recorded")
        elif r in held:
            out[n] = Prior(HOLDS_CREDENCE, "holds")
        elif r in disputed:
            out[n] = Prior(DISPUTES_CREDENCE, "disputes")
        else:
            out[n] = Prior(NEUTRAL_SCORE, "default")
    return out


def base_scores(G: nx.DiGraph, perspective: str = NEUTRAL, implied: bool = True) -> dict[str, float]:
    """Base scores τ for every node, as seen from a perspective (see :func:`priors`)."""
    return {n: p.value for n, p in priors(G, perspective, implied).items()}


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


def to_strengths(net: Network, solution: Solution, method: str) -> Strengths:
    bad = net.unconverged(solution)
    return Strengths(
        values=dict(zip(net.ids, solution.values)),
        method=method,
        converged=not solution.failed,
        iterations=solution.iterations,
        cyclic_components=sum(net.cyclic),
        residual=solution.residual,
        unconverged=frozenset(net.ids[i] for i in bad),
    )


def strengths(G: nx.DiGraph | Network, tau: Mapping[str, float] | None = None, method: Method = DEFAULT_METHOD, *,
              tol: float = TOLERANCE, max_iterations: int = MAX_ITERATIONS) -> Strengths:
    """Gradual strength of every node under a semantics (a preset or ``AGGREGATION-INFLUENCE``).

    With the arguments' contributions c = w·σ (see :meth:`Network.contributions`):

    * ``qe``: E = Σ c(supports) − Σ c(attacks); h(x) = max(0, x)² / (1 + max(0, x)²);
      σ = τ − τ·h(−E) + (1 − τ)·h(E).
    * ``dfquad``: S = 1 − Π(1 − c(supports)), A = 1 − Π(1 − c(attacks)), e = S − A;
      σ = τ + e·(1 − τ) when e ≥ 0, else τ + e·τ.
    * ``drqe`` (default): as ``qe`` but each side's contributions, strongest first,
      discounted by 1, 1/2, 1/4, … before they are added.

    ``tau`` maps node ids to base scores (missing nodes get 0.5); pass a
    :class:`Network` instead of the graph to reuse its compilation.
    """
    method_codes(method)  # unknown names fail before any work
    net = G if isinstance(G, Network) else Network(G)
    solution = net.solve(net.tau_list(tau), method, tol, max_iterations)
    return to_strengths(net, solution, method)


def grounded(G: nx.DiGraph | Network, supports: SupportMode = "cayrol") -> dict[str, Label]:
    """Grounded label of every node (see :func:`kb.analysis.grounded.labels`)."""
    from kb.analysis.grounded import labels

    net = G if isinstance(G, Network) else Network(G)
    names = (Label.UNDEC, Label.IN, Label.OUT)
    return {node_id: names[x] for node_id, x in labels(net, supports).items()}
