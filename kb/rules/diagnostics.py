"""Analysis warnings for map authors: where the computed answers would mislead a reader.

``kb check --analysis`` runs these after the schema and graph checks. Each is a
:class:`~kb.rules.report.Problem` located in the file that can fix it:

* ``saturated``: a strength within 0.01 of 0 or 1 only because many arguments
  pile up — no single one of them would put it there. The number then says
  more about how many nodes were written than about the debate.
* ``mutual-attack-accepted``: two nodes that attack each other are both
  accepted under some perspective: the map says both of two incompatible
  claims hold. From a person's perspective, only when they are still both
  accepted with the arguments that person never addressed left out (see
  ``unanswered``); otherwise it is an ``unanswered`` note.
* ``perspective-contradicts-stance``: a person's recorded credence on a node is
  on the other side of 0.5 from the strength computed from their own
  perspective, *and stays there when the arguments they never addressed are
  left out*: what they did engage with does not add up to what they said, so
  the map misrepresents them (a wrong edge, a stance the text does not give).
* ``unanswered`` (a note, not a warning: ``--strict`` leaves it alone): the
  same contradiction (or the same two incompatible claims both accepted), but
  only because of arguments the person never addressed — a rebuttal they did
  not answer in these documents is a fact about the debate, not a defect of
  the map. A node is *unaddressed* by a
  person when they have no credence on it, recorded or implied (see
  :func:`kb.analysis.semantics.priors`), and none on anything upstream of it; leaving
  it out means a base score of 0, so that it and everything it feeds carries
  no weight.
* ``no-crux``: a thesis that no single claim moves by 0.05 or more, so its cruxes
  are noise.

Pure functions of a loaded knowledge base and its graph; nothing here does I/O.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

from kb.analysis import cruxes as crux_mod
from kb.analysis.explain import _value, explain
from kb.analysis.graph import theses
from kb.analysis.network import method_codes
from kb.data.relations import sign as relation_sign
from kb.rules.report import Problem
from kb.analysis.semantics import DEFAULT_METHOD, NEUTRAL, Network, Prior, base_scores, perspectives, priors, verdict
from kb.data.store import KnowledgeBase, display_path

if TYPE_CHECKING:
    import networkx as nx

SATURATION = 0.01
THESIS_SWING = 0.05
NAMED = 3  # unanswered arguments named in a note


def unaddressed(G: nx.DiGraph, pri: Mapping[str, Prior]) -> set[str]:
    """Nodes a person never engaged with: no credence of theirs on it, nor on anything upstream of it.

    A credence implied by what they hold or dispute counts as engagement, as a
    recorded one does. Restatements are one claim, so reaching one member reaches
    the class.
    """
    todo = [n for n, p in pri.items() if p.origin != "default"]
    reached = set(todo)
    while todo:
        u = todo.pop()
        nbrs = list(G.succ[u]) + [w for w, d in G.pred[u].items() if d.get("relation") == "restates"]
        for w in nbrs:
            if w not in reached:
                reached.add(w)
                todo.append(w)
    return set(G.nodes) - reached


def _problem(kb: KnowledgeBase, node_id: str, code: str, message: str, loc: tuple = (),
             severity: str = "warning") -> Problem:
    path = kb.paths.get(node_id)
    return Problem(display_path(path) if path else node_id, 0, 0, code, message, severity, loc)  # type: ignore[arg-type]


def _saturated(net: Network, values: list[float], tau: list[float], i: int, agg: int, inf: int) -> bool:
    sigma = values[i]
    if SATURATION <= sigma <= 1.0 - SATURATION:
        return False
    sup, att = net.contributions(i, values)
    side = sup if sigma > 0.5 else att
    if len(side) < 2:
        return False
    # Would the strongest single argument on the dominant side, alone, put the node there?
    best = max(side)
    alone = _value(agg, inf, tau[i], [best] if sigma > 0.5 else [], [best] if sigma < 0.5 else [])
    return SATURATION <= alone <= 1.0 - SATURATION


def analysis_problems(kb: KnowledgeBase, G: nx.DiGraph, method: str = DEFAULT_METHOD) -> list[Problem]:
    """Every analysis warning on the map (see the module's docstring), unlocated (``loc`` set)."""
    return [p for p in analysis_findings(kb, G, method) if p.severity == "warning"]


def analysis_findings(kb: KnowledgeBase, G: nx.DiGraph, method: str = DEFAULT_METHOD) -> list[Problem]:
    """The analysis warnings and the ``unanswered`` notes (severity ``note``), unlocated (``loc`` set)."""
    agg, inf = method_codes(method)
    net = Network(G)
    views = perspectives(G)
    out: list[Problem] = []
    saturated: dict[str, list[str]] = {}
    both: dict[tuple[str, str], list[str]] = {}
    mutual = sorted((u, v) for u, v, r in G.edges(data="relation")
                    if r == "attacks" and u < v and G.has_edge(v, u) and G[v][u]["relation"] == "attacks")
    for view in views:
        tau_map = base_scores(G, view)
        tau = net.tau_list(tau_map)
        solution = net.solve(tau, method)
        values = solution.values
        for i in range(net.size):
            if net.root[i] == i and _saturated(net, values, tau, i, agg, inf):
                saturated.setdefault(net.ids[i], []).append((view, "1" if values[i] > 0.5 else "0"))
        engaged = Engaged(G, net, view, method)
        for u, v in mutual:
            if verdict(values[net.index[u]]) == verdict(values[net.index[v]]) == "accepted":
                if view == NEUTRAL or engaged.both_accepted(u, v):
                    both.setdefault((u, v), []).append(view)
                else:
                    out.append(_problem(kb, u, "unanswered",
                                        f"'{u}' and '{v}' attack each other and are both accepted from {view}'s "
                                        f"perspective only through arguments {view} never addressed (from what "
                                        f"{view} engaged with: {engaged.value(u):.3f} and {engaged.value(v):.3f})",
                                        ("attacks",), "note"))
        if view != NEUTRAL:
            out += _stance_findings(kb, G, net, view, values, method, engaged)
    for n, found in sorted(saturated.items()):
        out.append(_problem(kb, n, "saturated",
                            f"strength within {SATURATION} of {found[0][1]} only because many arguments add up "
                            f"(no single one would put it there), from {_views([v for v, _ in found])}"))
    for (u, v), views_ in sorted(both.items()):
        out.append(_problem(kb, u, "mutual-attack-accepted",
                            f"'{u}' and '{v}' attack each other, yet both are accepted from {_views(views_)}",
                            ("attacks",)))
    tau = base_scores(G, NEUTRAL)
    for t in theses(G):
        rep = crux_mod.cruxes(G, t, tau, method=method, top=1)
        best = abs(rep.cruxes[0].swing) if rep.cruxes else 0.0
        if best < THESIS_SWING:
            out.append(_problem(kb, t, "no-crux",
                                f"no single claim moves this thesis by {THESIS_SWING} or more (largest swing "
                                f"{best:.4f}): its cruxes would be noise", ("tags",)))
    return out


class Engaged:
    """One person's perspective with the arguments they never addressed left out, computed on first use."""

    def __init__(self, G: nx.DiGraph, net: Network, view: str, method: str):
        self.G, self.net, self.view, self.method = G, net, view, method
        self._values: list[float] | None = None
        self._priors: dict[str, Prior] | None = None
        self._silent: set[str] | None = None

    @property
    def priors(self) -> dict[str, Prior]:
        if self._priors is None:
            self._priors = priors(self.G, self.view)
        return self._priors

    @property
    def silent(self) -> set[str]:
        """The nodes this person never addressed (see :func:`unaddressed`)."""
        if self._silent is None:
            self._silent = unaddressed(self.G, self.priors)
        return self._silent

    def _solve(self) -> list[float]:
        if self._values is None:
            tau = {n: 0.0 if n in self.silent else p.value for n, p in self.priors.items()}
            self._values = self.net.solve(self.net.tau_list(tau), self.method).values
        return self._values

    def value(self, n: str) -> float:
        return self._solve()[self.net.index[n]]

    def both_accepted(self, u: str, v: str) -> bool:
        return verdict(self.value(u)) == verdict(self.value(v)) == "accepted"


def _stance_findings(kb: KnowledgeBase, G: nx.DiGraph, net: Network, view: str, values: list[float],
                     method: str, engaged: Engaged) -> list[Problem]:
    """Contradicted stances of one person: warnings where what they engaged with contradicts them, else notes."""
    found = [(n, credence) for n, credence in ((n, (d.get("stances") or {}).get(view)) for n, d in G.nodes(data=True))
             if credence is not None and {verdict(credence), verdict(values[net.index[n]])} == {"accepted", "rejected"}]
    out = []
    for n, credence in found:
        full, kept = values[net.index[n]], engaged.value(n)
        pri, silent = engaged.priors, engaged.silent
        if {verdict(credence), verdict(kept)} == {"accepted", "rejected"}:
            out.append(_problem(kb, n, "perspective-contradicts-stance",
                                f"{view} records {credence:g} but the map, from {view}'s perspective, computes "
                                f"{full:.3f} ({verdict(full)}), and still {kept:.3f} from what {view} engaged with "
                                f"alone: what argues about it does not reflect their view", ("stances", view)))
            continue
        names = _unanswered_arguments(G, net, n, view, pri, silent, against=-1 if credence > 0.5 else 1, method=method)
        out.append(_problem(kb, n, "unanswered",
                            f"{view} records {credence:g}; the arguments {view} never answered bring it to {full:.3f} "
                            f"({kept:.3f} without them){': ' + names if names else ''}", ("stances", view), "note"))
    return out


def _unanswered_arguments(G: nx.DiGraph, net: Network, n: str, view: str, pri: Mapping[str, Prior], silent: set[str],
                          against: int, method: str, depth: int = 0) -> str:
    """The unaddressed arguments into ``n`` that pull against the stance, largest contribution first.

    When every argument into ``n`` is one the person engaged with, the unaddressed ones are further up:
    those that strengthen the engaged argument pulling hardest against the stance (two steps at most).
    """
    rep = explain(G, n, perspective=view, method=method, tau=pri, network=net)
    ranked: list[tuple[float, str]] = []
    for c in rep.contributions:
        if relation_sign(c.relation) == against:
            ranked += [(abs(c.shapley), p) for p in c.premises if p in silent]
        else:  # an argument for the stance, weakened by an undercut the person never answered: named last
            ranked += [(0.0, f"{u} (undercutting {'+'.join(c.premises)})")
                       for u in c.undercutters if u in silent]
    seen: list[str] = []
    for _, name in sorted(ranked, key=lambda x: -x[0]):
        if name not in seen:
            seen.append(name)
    if not seen and depth < 1:
        for c in rep.contributions:
            if relation_sign(c.relation) != against:
                continue
            for p in c.premises:
                inner = _unanswered_arguments(G, net, p, view, pri, silent, 1, method, depth + 1)
                if inner:
                    return f"through {p}, {inner}"
    more = len(seen) - NAMED
    return ", ".join(seen[:NAMED]) + (f" and {more} more" if more > 0 else "")


def _views(views: list[str]) -> str:
    if len(views) > 3:
        return f"{', '.join(views[:3])} and {len(views) - 3} more perspectives"
    return ", ".join(views)
