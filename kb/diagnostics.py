"""Analysis warnings for map authors: where the computed answers would mislead a reader.

``kb check --analysis`` runs these after the schema and graph checks. Each is a
:class:`~kb.report.Problem` located in the file that can fix it:

* ``saturated``: a strength within 0.01 of 0 or 1 only because many arguments
  pile up — no single one of them would put it there. The number then says
  more about how many nodes were written than about the debate.
* ``mutual-attack-accepted``: two nodes that attack each other are both
  accepted under some perspective: the map says both of two incompatible
  claims hold.
* ``perspective-contradicts-stance``: a person's recorded credence on a node is
  on the other side of 0.5 from the strength computed from their own
  perspective: the map does not model what they said.
* ``no-crux``: a thesis that no single claim moves by 0.05 or more, so its cruxes
  are noise.

Pure functions of a loaded knowledge base and its graph; nothing here does I/O.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kb import cruxes as crux_mod
from kb.explain import _value
from kb.graph import theses
from kb.network import method_codes
from kb.report import Problem
from kb.semantics import DEFAULT_METHOD, NEUTRAL, Network, base_scores, perspectives, verdict
from kb.store import KnowledgeBase, display_path

if TYPE_CHECKING:
    import networkx as nx

SATURATION = 0.01
THESIS_SWING = 0.05


def _problem(kb: KnowledgeBase, node_id: str, code: str, message: str, loc: tuple = ()) -> Problem:
    path = kb.paths.get(node_id)
    return Problem(display_path(path) if path else node_id, 0, 0, code, message, "warning", loc)


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
        for u, v in mutual:
            if verdict(values[net.index[u]]) == verdict(values[net.index[v]]) == "accepted":
                both.setdefault((u, v), []).append(view)
        if view == NEUTRAL:
            continue
        for n, data in G.nodes(data=True):
            credence = (data.get("stances") or {}).get(view)
            if credence is None:
                continue
            said, computed = verdict(credence), verdict(values[net.index[n]])
            if {said, computed} == {"accepted", "rejected"}:
                out.append(_problem(kb, n, "perspective-contradicts-stance",
                                    f"{view} records {credence:g} but the map, from {view}'s perspective, computes "
                                    f"{values[net.index[n]]:.3f} ({computed}): what argues about it does not "
                                    f"reflect their view", ("stances", view)))
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


def _views(views: list[str]) -> str:
    if len(views) > 3:
        return f"{', '.join(views[:3])} and {len(views) - 3} more perspectives"
    return ", ".join(views)
