"""Which gradual semantics should be the default? Measured on the real map.

For every aggregation–influence pair (and with implied credences on and off) this
prints what issue 10 asks a default to get right on `claims/`:

* agree: recorded credences on theses whose side of 0.5 the computed strength
  from that person's perspective matches (out of all such credences);
* both-acc: perspectives under which two theses that attack each other are both
  accepted;
* the two main theses' neutral strengths and the largest crux swing on each;
* saturated: nodes within 0.01 of 0 or 1 under the neutral perspective.

Usage: ``python bench/choose_semantics.py [KB_DIR]``.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kb.analysis import cruxes, graph, semantics
from kb.data import store  # noqa: E402
from kb.analysis.network import AGGREGATIONS, INFLUENCES  # noqa: E402

PRO, CON = "interp-is-among-best-bets", "most-interp-tois-fail"


def measure(G, net, method: str, implied: bool) -> dict:
    thesis_ids = graph.theses(G)
    agree = total = 0
    both = 0
    mutual = [(u, v) for u, v, r in G.edges(data="relation")
              if r == "attacks" and u in thesis_ids and v in thesis_ids and u < v
              and G.has_edge(v, u) and G[v][u]["relation"] == "attacks"]
    neutral = None
    for view in semantics.perspectives(G):
        s = semantics.strengths(net, semantics.base_scores(G, view, implied), method)
        if view == semantics.NEUTRAL:
            neutral = s
        for t in thesis_ids:
            c = (G.nodes[t].get("stances") or {}).get(view)
            if c is not None and view != semantics.NEUTRAL and c != 0.5:
                total += 1
                agree += semantics.verdict(c) == semantics.verdict(s[t])
        both += any(s[u] > 0.5 and s[v] > 0.5 for u, v in mutual)
    tau = semantics.base_scores(G, semantics.NEUTRAL)
    swings = {}
    for t in (PRO, CON):
        if t in G:
            rep = cruxes.cruxes(G, t, tau, method=method, top=1)
            swings[t] = abs(rep.cruxes[0].swing) if rep.cruxes else 0.0
    sat = sum(1 for n in G if n in neutral.values and not 0.01 <= neutral[n] <= 0.99)
    return {"agree": f"{agree}/{total}", "both": both, "pro": neutral.values.get(PRO), "con": neutral.values.get(CON),
            "swing_pro": swings.get(PRO), "swing_con": swings.get(CON), "saturated": sat}


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / "claims"
    kb, _ = store.load(root)
    G = graph.build(kb)
    net = semantics.Network(G)
    n_views = len(semantics.perspectives(G))
    print(f"{root}: {len(G)} nodes, {G.number_of_edges()} edges, {n_views} perspectives")
    print(f"{'semantics':<20} {'implied':<8} {'agree':>7} {'both-acc':>8} {'pro':>7} {'con':>7} "
          f"{'swing pro':>9} {'swing con':>9} {'saturated':>9}")
    names = [*semantics.PRESETS, *(f"{a}-{i}" for a in AGGREGATIONS for i in INFLUENCES)]
    seen = set()
    for name in names:
        codes = semantics.method_codes(name)
        if codes in seen:
            continue
        seen.add(codes)
        for implied in (True, False):
            m = measure(G, net, name, implied)
            print(f"{name:<20} {str(implied):<8} {m['agree']:>7} {m['both']:>8} {m['pro']:>7.3f} {m['con']:>7.3f} "
                  f"{m['swing_pro']:>9.4f} {m['swing_con']:>9.4f} {m['saturated']:>9}")


if __name__ == "__main__":
    main()
