"""The data the site's scripts compute with in the reader's browser, as JSON-ready values.

Two files, written into the site's assets at build time:

* ``perspectives.json``: every node's strength and verdict from each perspective
  the site shows, as :mod:`kb.analysis.semantics` computed them for the build. The
  perspective switcher rewrites a page's numbers and recolours its maps from
  it, so a reader changes perspective without a reload and the browser never
  recomputes what the library already did.
* ``stand.json``: the argument graph compiled by :class:`kb.analysis.network.Network`
  (its arguments, linked premises, undercuts, restatement classes and
  strongly connected components), the titles, the main theses and their
  cruxes, and each participant's base scores. The "Where do you stand?" page
  solves it again in the browser for the reader's own credences
  (``kb/publishing/assets/kb-semantics.js``). Shipping the compiled arrays rather than the
  files means the browser repeats only the solver, not the compilation, so
  the two cannot disagree about what an argument is.

Nothing here does I/O.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kb.analysis import network as kbnet
from kb.analysis import semantics

if TYPE_CHECKING:
    from kb.publishing.site import SiteAnalysis

PERSPECTIVES_FILE = "perspectives.json"
STAND_FILE = "stand.json"
VERDICT_CODE = {"accepted": "a", "rejected": "r", "balanced": "b"}
STRENGTH_DIGITS = 4  # enough for the two decimals pages show; verdicts travel exactly, as codes


def perspective_data(analysis: SiteAnalysis, names: dict[str, str]) -> dict:
    """Strength and verdict of every node from each perspective (``names``: perspective -> display name).

    Nodes are listed once, in sorted order; pages refer to a node by its
    position in that list (``data-k``), which is shorter than its id on pages
    that show hundreds of numbers.
    """
    ids = sorted(analysis.graph.nodes)
    out = []
    for p in analysis.perspectives:
        s = analysis.strengths[p]
        out.append({
            "id": p,
            "name": names.get(p, p),
            "strengths": [round(s[n], STRENGTH_DIGITS) for n in ids],
            "verdicts": "".join(VERDICT_CODE[semantics.verdict(s[n])] for n in ids),
            "provisional": [k for k, n in enumerate(ids) if not s.final(n)],
        })
    return {"version": 1, "method": analysis.method, "ids": ids, "perspectives": out}


def network_data(net: kbnet.Network) -> dict:
    """A compiled network as plain lists: what kb-semantics.js needs to solve it as kb.analysis.network does."""
    extra = {str(k): [list(premises), [[u, w] for u, w in cutters]] for k, (premises, cutters) in
             sorted(net.a_extra.items())}
    return {
        "ids": net.ids,
        "root": net.root,
        "arg_ptr": net.arg_ptr,
        "sup_end": net.sup_end,
        "a_src": net.a_src,
        "a_w": net.a_w,
        "extra": extra,
        "order": net.order,
        "bounds": net.bounds,
        "cyclic": [c for c in range(net.n_components) if net.cyclic[c]],
        "tolerance": kbnet.TOLERANCE,
        "max_iterations": kbnet.MAX_ITERATIONS,
        "min_damping": kbnet.MIN_DAMPING,
        "damping_window": kbnet.DAMPING_WINDOW,
        "dr_ratio": kbnet.DR_RATIO,
    }


def stand_data(analysis: SiteAnalysis, net: kbnet.Network, theses: list[str], names: dict[str, str],
               page: str, titles: dict[str, str]) -> dict:
    """Everything the stand page computes with: the network, titles, theses and their cruxes, participants.

    ``theses`` come main first; ``page`` is a node page's address from the
    site's root with ``{id}`` for the id. Claims are offered main theses'
    cruxes first (neutral perspective, each thesis's strongest, in order), then
    the rest. Participants' base scores are those the site's analysis used
    (recorded, else implied), listed only where they differ from 0.5.
    """
    index = net.index
    first: list[int] = []
    for t in theses:
        report = analysis.thesis_cruxes.get(t, {}).get(semantics.NEUTRAL)
        for c in report.cruxes if report is not None else ():
            k = index[c.id]
            if k not in first:
                first.append(k)
    people = []
    for p in analysis.perspectives:
        if p == semantics.NEUTRAL:
            continue
        priors = analysis.priors.get(p, {})
        people.append({"id": p, "name": names.get(p, p),
                       "tau": {str(index[n]): prior.value for n, prior in sorted(priors.items())
                               if prior.value != kbnet.NEUTRAL_SCORE}})
    return {
        "version": 1,
        "method": semantics.DEFAULT_METHOD,
        "network": network_data(net),
        "titles": [titles.get(n, n) for n in net.ids],
        "theses": [index[t] for t in theses],
        "first": first,
        "people": people,
        "page": page,
    }
