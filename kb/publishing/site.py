"""What the published site needs from the analysis layer, gathered in one pass.

This is the adapter between the site and :mod:`kb.analysis.graph`, :mod:`kb.analysis.semantics`
and :mod:`kb.analysis.cruxes`: it runs each analysis once per build, for every
perspective the site shows, and keeps the results in one frozen value that page
generation reads. Page generation then never calls the analysis itself, so it
stays a function of its inputs and its tests can hand it any analysis they like.

Crux analyses solve only the target and its ancestors (see
:func:`kb.analysis.cruxes.cruxes`), and within that part re-solve twice per ancestor.
Where the ancestors form a chain that is cheap; where they go round in a large circle,
every re-solve iterates the whole circle to convergence and the cost grows
with the square of the map. Each target is costed first (its ancestors, and the
largest circle among them), and one over the site's budget is listed as not
computed, with the command that computes it, rather than making every build
wait for it. The real map is far inside the budget; random synthetic maps of
thousands of nodes, one big circle, are not.

The Shapley split of a double crux's gap is shown only where it is exact (few
disputed claims): beyond that it is a Monte-Carlo estimate whose 256 samples
cost seconds per pair of people, and ``kb cruxes TARGET --between A B`` gives it.

I/O is confined to the last section: loading a knowledge base for
publication, reading the site's settings from mkdocs.yml, and writing pages
and assets for ``kb site DIR``.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import yaml

from kb.analysis import cruxes as crux_mod
from kb.analysis import explain as explain_mod
from kb.analysis import graph as kbgraph
from kb.analysis import semantics
from kb.data import parsing, store
from kb.rules import validate
from kb.data.errors import KBError
from kb.data.store import KnowledgeBase

METHOD = semantics.DEFAULT_METHOD
TOP_CRUXES = 5
# A crux analysis is run only for targets with at most this many ancestors ...
CRUX_ANCESTOR_LIMIT = 3000
# ... none of them in a circle of arguments larger than this ...
CRUX_CYCLE_LIMIT = 50
# ... and a double-crux analysis only when at most this many claims are disputed.
DOUBLE_CRUX_LIMIT = 1000


@dataclass(frozen=True)
class SiteAnalysis:
    """Everything the pages show that is computed rather than read from the files."""

    graph: nx.DiGraph
    method: str
    perspectives: tuple[str, ...]  # "neutral" and person ids, in the order the site shows them
    strengths: dict[str, semantics.Strengths]  # perspective -> strengths of every node
    labels: dict[str, str]  # node -> grounded label: IN, OUT or UNDEC
    theses: tuple[str, ...]
    cruxes: dict[str, crux_mod.CruxReport] = field(default_factory=dict)  # node -> its top cruxes (neutral)
    crux_skipped: frozenset[str] = frozenset()  # nodes whose cruxes are over the site's budget
    thesis_cruxes: dict[str, dict[str, crux_mod.CruxReport]] = field(default_factory=dict)  # thesis -> perspective -> report
    pairs: tuple[tuple[str, str], ...] = ()
    double_cruxes: dict[tuple[str, str, str], crux_mod.DoubleCruxReport] = field(default_factory=dict)  # (thesis, a, b)
    double_skipped: frozenset[tuple[str, str, str]] = frozenset()  # (thesis, a, b) over the budget
    priors: dict[str, dict[str, semantics.Prior]] = field(default_factory=dict)  # perspective -> node -> base score
    network: semantics.Network | None = None  # the compiled graph the strengths were solved on
    # node -> premise -> that argument's Shapley contribution to the node's strength (neutral; see kb.analysis.explain);
    # premises are named by their restatement class's representative.
    contributions: dict[str, dict[str, float]] = field(default_factory=dict)


def expand_pairs(pairs: list[list[str]] | tuple, people: list[str]) -> list[tuple[str, str]]:
    """Pairs of perspectives, with shell patterns (``commenter-*``) expanded over the people's ids.

    A pattern that matches nobody yields no pair: the knowledge base may not
    have reached that document yet, and the site should still build.
    """
    out: list[tuple[str, str]] = []
    for pair in pairs:
        if len(pair) != 2:
            raise KBError(f"a pair of perspectives needs exactly two entries, got {list(pair)}")
        sides = [[p] if not any(ch in p for ch in "*?[") else sorted(fnmatch.filter(people, p)) for p in pair]
        for a in sides[0]:
            for b in sides[1]:
                if a != b and (a, b) not in out:
                    out.append((a, b))
    return out


def crux_costs(G: nx.DiGraph, ancestor_limit: int, cycle_limit: int) -> dict[str, int | None]:
    """For every node, how many ancestors a crux analysis would examine, or None when it is over budget.

    Over budget: more than ``ancestor_limit`` ancestors, or a circle of more
    than ``cycle_limit`` arguments among them (or through the node itself).
    Circles are found once for the whole map and their sizes passed down the
    condensation, so a node below a big circle is ruled out without a search.
    """
    condensed = nx.condensation(G)
    mapping = condensed.graph["mapping"]
    worst: dict[int, int] = {}
    for c in nx.topological_sort(condensed):
        members = condensed.nodes[c]["members"]
        size = len(members) if len(members) > 1 else 0
        worst[c] = max([size, *(worst[p] for p in condensed.predecessors(c))])
    out: dict[str, int | None] = {}
    for node in G.nodes:
        if worst[mapping[node]] > cycle_limit:
            out[node] = None
            continue
        seen = {node}
        todo = [node]
        while todo and len(seen) <= ancestor_limit + 1:
            for pred in G.predecessors(todo.pop()):
                if pred not in seen:
                    seen.add(pred)
                    todo.append(pred)
        out[node] = len(seen) - 1 if len(seen) <= ancestor_limit + 1 else None
    return out


def _known_perspectives(G: nx.DiGraph, wanted: list[str]) -> list[str]:
    known = set(semantics.perspectives(G))
    unknown = [p for p in wanted if p not in known]
    if unknown:
        raise KBError(f"unknown perspective{'s' * (len(unknown) > 1)}: {', '.join(unknown)} "
                      f"(a perspective is 'neutral' or the id of someone in people.yaml)")
    return list(dict.fromkeys(wanted))


def analyse(kb: KnowledgeBase, perspectives: list[str] | tuple = (semantics.NEUTRAL,),
            pairs: list | tuple = (), *, top: int = TOP_CRUXES, method: str = METHOD,
            crux_limit: int = CRUX_ANCESTOR_LIMIT, cycle_limit: int = CRUX_CYCLE_LIMIT,
            double_limit: int = DOUBLE_CRUX_LIMIT) -> SiteAnalysis:
    """Run every analysis the site shows, once per build, so that page generation only reads results."""
    G = kbgraph.build(kb)
    views = _known_perspectives(G, [semantics.NEUTRAL, *perspectives])
    net = semantics.Network(G)
    priors = {p: semantics.priors(G, p) for p in views}
    taus = {p: {n: prior.value for n, prior in priors[p].items()} for p in views}
    strengths = {p: semantics.strengths(net, taus[p], method) for p in views}
    labels = {n: str(label) for n, label in semantics.grounded(net).items()}
    theses = tuple(kbgraph.theses(G))

    costs = crux_costs(G, crux_limit, cycle_limit)
    node_cruxes: dict[str, crux_mod.CruxReport] = {}
    skipped: set[str] = set()
    for n in sorted(G.nodes):
        if costs[n] is None:
            skipped.add(n)
            continue
        if costs[n] == 0:
            continue
        node_cruxes[n] = crux_mod.cruxes(G, n, taus[semantics.NEUTRAL], method=method, top=top,
                                         perspective=semantics.NEUTRAL)
    thesis_cruxes: dict[str, dict[str, crux_mod.CruxReport]] = {}
    for t in theses:
        if not costs[t]:
            continue
        thesis_cruxes[t] = {
            p: node_cruxes[t] if p == semantics.NEUTRAL else
            crux_mod.cruxes(G, t, taus[p], method=method, top=top, perspective=p)
            for p in views
        }

    people = sorted(G.graph.get("people", {}))
    chosen = expand_pairs(pairs, people)
    for a, b in chosen:
        _known_perspectives(G, [a, b])
        taus.setdefault(a, semantics.base_scores(G, a))
        taus.setdefault(b, semantics.base_scores(G, b))
    doubles: dict[tuple[str, str, str], crux_mod.DoubleCruxReport] = {}
    double_skipped: set[tuple[str, str, str]] = set()
    for t in theses:
        if costs[t] is None:
            double_skipped.update((t, a, b) for a, b in chosen)
            continue
        upstream = kbgraph.upstream(G, t)
        for a, b in chosen:
            disputed = sum(1 for n in upstream if taus[a][n] != taus[b][n])
            if disputed > double_limit:
                double_skipped.add((t, a, b))
                continue
            # One sample: the estimated split is not shown (see the module's docstring), so it is
            # not worth the 256 re-solves per disputed claim that a faithful estimate costs.
            samples = crux_mod.SHAPLEY_SAMPLES if disputed <= crux_mod.EXACT_SHAPLEY_LIMIT else 1
            doubles[(t, a, b)] = crux_mod.double_cruxes(G, t, taus[a], taus[b],
                                                        method=method, names=(a, b), top=top, samples=samples)
    return SiteAnalysis(
        graph=G, method=method, perspectives=tuple(views), strengths=strengths, labels=labels, theses=theses,
        cruxes=node_cruxes, crux_skipped=frozenset(skipped), thesis_cruxes=thesis_cruxes, pairs=tuple(chosen),
        double_cruxes=doubles, double_skipped=frozenset(double_skipped), priors=priors, network=net,
        contributions=contributions(net, strengths[semantics.NEUTRAL], taus[semantics.NEUTRAL], method),
    )


# Pages only rank a claim's arguments by their contributions, which needs less than ``kb explain`` spends:
# exact up to 8 arguments (kb explain: 12), beyond that 100 sampled orders (kb explain: 2,000), which ranks
# all but near-ties as kb explain does. Sampling is spent on the claims with the most arguments first, up to
# a budget of marginals (orders x arguments) per build; the real map needs a fifth of it, and the claims of a
# large map beyond it are ranked by strength.
CONTRIBUTION_PERMUTATIONS = 100
CONTRIBUTION_EXACT_LIMIT = 8
CONTRIBUTION_SAMPLE_BUDGET = 100_000


def contributions(net: semantics.Network, solved: semantics.Strengths, tau: dict[str, float],
                  method: str) -> dict[str, dict[str, float]]:
    """Each argument's Shapley contribution to the strength of the node it argues about (kb.analysis.explain's split).

    The split is :func:`kb.analysis.explain.shapley` on the solved values, one node's
    update at a time, as ``kb explain`` takes it; the site uses it to rank a
    claim's reasons and objections by how much each moves it. A linked argument's
    contribution is listed under each of its premises. A claim whose split would
    be sampled beyond :data:`CONTRIBUTION_SAMPLE_BUDGET` gets none (its page
    ranks by strength).
    """
    agg, inf = semantics.method_codes(method)
    values = [solved[n] for n in net.ids]
    taus = net.tau_list(tau)
    out: dict[str, dict[str, float]] = {}
    size = [net.arg_ptr[i + 1] - net.arg_ptr[i] if net.root[i] == i else 0 for i in range(net.size)]
    sampled = sorted((i for i in range(net.size) if size[i] > CONTRIBUTION_EXACT_LIMIT),
                     key=lambda i: (-size[i], net.ids[i]))
    budget, chosen = CONTRIBUTION_SAMPLE_BUDGET, set()
    for i in sampled:
        if budget < CONTRIBUTION_PERMUTATIONS * size[i]:
            break
        budget -= CONTRIBUTION_PERMUTATIONS * size[i]
        chosen.add(i)
    for i in range(net.size):
        a, m, b = net.arg_ptr[i], net.sup_end[i], net.arg_ptr[i + 1]
        if a == b or net.root[i] != i or (size[i] > CONTRIBUTION_EXACT_LIMIT and i not in chosen):
            continue
        sup, att = net.contributions(i, values)
        parts = [(1, c) for c in sup] + [(-1, c) for c in att]
        phi, _ = explain_mod.shapley(agg, inf, taus[i], parts, exact_limit=CONTRIBUTION_EXACT_LIMIT,
                                     permutations=CONTRIBUTION_PERMUTATIONS)
        row: dict[str, float] = {}
        for pos, k in enumerate(range(a, b)):
            premises = net.a_extra.get(k, ((net.a_src[k],), ()))[0]
            for p in premises:
                row[net.ids[p]] = phi[pos]
        out[net.ids[i]] = row
    return out


# --- files ------------------------------------------------------------------------------

ASSETS_DIR = "assets/kb"  # where the site's shared scripts and styles are published
_HERE = Path(__file__).resolve().parent


def load_checked(root: Path) -> KnowledgeBase:
    """A knowledge base fit to publish: refused, with its errors, when ``kb check`` would report any.

    A site drawn from a broken knowledge base would have dangling links and
    missing people; warnings (an orphan, a missing quote) do not stop it.
    """
    kb, problems = store.load(Path(root))
    errors = [p for p in parsing.locate(problems + validate.graph_problems(kb)) if p.severity == "error"]
    if errors:
        raise KBError(f"the knowledge base in {root} has {len(errors)} error(s); run `kb check`", errors)
    return kb


class _ConfigLoader(yaml.SafeLoader):
    """Reads mkdocs.yml as MkDocs does, without running anything it names.

    MkDocs's own loader accepts Python tags (Material documents
    ``!!python/name:material.extensions.emoji.twemoji`` for its emoji
    settings), ``!ENV`` and ``!relative``; importing what they name is MkDocs's
    business at build time, not kb's. Here every such tag is read as the plain
    value written after it, so a config that builds is a config kb reads.
    """


def _plain(loader: yaml.SafeLoader, suffix: str, node: yaml.Node):
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


_ConfigLoader.add_multi_constructor("tag:yaml.org,2002:python/", _plain)
_ConfigLoader.add_multi_constructor("!", _plain)


def _setting_error(config_file: Path, what: str) -> KBError:
    return KBError(f"{config_file}: the kb plugin's {what}")


def plugin_settings(config_file: Path) -> dict:
    """The kb plugin's options in an MkDocs config, with the config's docs_dir; empty when there are none.

    ``kb site`` reads them so that the pages it writes are the ones the site
    publishes. Every setting is checked for the shape the plugin expects, so
    an odd one is an error that names it.
    """
    config_file = Path(config_file)
    if not config_file.is_file():
        return {}
    try:
        config = yaml.load(store.read_text(config_file), Loader=_ConfigLoader) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError, KBError, RecursionError) as exc:
        raise KBError(f"cannot read {config_file}: {exc}") from None
    if not isinstance(config, dict):
        raise KBError(f"{config_file}: not an MkDocs config (expected a mapping of settings)")
    plugins = config.get("plugins") or []
    if isinstance(plugins, dict):  # MkDocs also takes plugins as a mapping of name -> settings
        plugins = [{name: value} for name, value in plugins.items()]
    if not isinstance(plugins, list):
        raise KBError(f"{config_file}: 'plugins' must be a list")
    for plugin in plugins:
        if isinstance(plugin, dict) and "kb" in plugin:
            settings = plugin["kb"] or {}
            if not isinstance(settings, dict):
                raise _setting_error(config_file, "settings must be a mapping")
            docs_dir = config.get("docs_dir", "docs")
            if not isinstance(docs_dir, str):
                raise KBError(f"{config_file}: 'docs_dir' must be a folder name")
            strings = lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v)  # noqa: E731
            if "perspectives" in settings and not strings(settings["perspectives"]):
                raise _setting_error(config_file, "'perspectives' must be a list of ids")
            if "pairs" in settings and not (isinstance(settings["pairs"], list)
                                            and all(strings(p) and len(p) == 2 for p in settings["pairs"])):
                raise _setting_error(config_file, "'pairs' must be a list of pairs of ids")
            if settings.get("intro") is not None and not isinstance(settings["intro"], str):
                raise _setting_error(config_file, "'intro' must be a file name")
            return {**settings, "docs_dir": docs_dir}
    return {}


def read_intro(config_file: Path, settings: dict) -> str | None:
    """The home page's introduction named in the settings, read only from inside the config's folder.

    A repository's mkdocs.yml must not be able to publish ``../../.ssh/...``
    as the site's home page.
    """
    if not settings.get("intro"):
        return None
    base = Path(config_file).parent
    path = base / settings["docs_dir"] / settings["intro"]
    try:
        return store.read_text(path, store.MAX_FILE_BYTES, base)
    except (OSError, UnicodeDecodeError, KBError) as exc:
        raise KBError(f"cannot read the home page's introduction {path}: {exc}") from None


def vis_network_files() -> dict[str, Path]:
    """vis-network's script and stylesheet as installed with pyvis, under the names the site uses.

    pyvis bundles vis-network for its own templates; publishing that copy means
    the site needs no CDN and the repository no copy of its own.
    """
    import pyvis

    lib = Path(pyvis.__file__).resolve().parent / "lib"

    def version(path: Path) -> tuple:
        return tuple(int(p) if p.isdigit() else 0 for p in path.parent.name.removeprefix("vis-").split("."))

    scripts = sorted(lib.glob("vis-*/vis-network.min.js"), key=version)
    if not scripts:
        raise KBError(f"vis-network not found in the installed pyvis package ({lib})")
    folder = scripts[-1].parent
    return {"vis-network.min.js": folder / "vis-network.min.js", "vis-network.min.css": folder / "vis-network.css"}


def asset_files() -> dict[str, Path]:
    """Every file the site's pages load, by its name in the asset folder: vis-network, the map script, the styles."""
    own = ("kb-map.js", "kb-semantics.js", "kb-stand.js", "kb.css")
    return {**vis_network_files(), **{name: _HERE / "assets" / name for name in own}}


def _inside(out_dir: Path, rel: str) -> Path:
    target = out_dir / rel
    root = os.path.realpath(out_dir)
    if os.path.isabs(rel) or not os.path.realpath(target).startswith(root + os.sep):
        raise KBError(f"refusing to write outside {out_dir}: {rel}")
    return target


def write_pages(pages: dict[str, str], out_dir: Path) -> list[Path]:
    """Write generated pages under ``out_dir``, refusing any path that would land outside it."""
    out_dir = Path(out_dir)
    written = []
    for rel, text in sorted(pages.items()):
        target = _inside(out_dir, rel)
        # Plain writes, not the store's atomic ones: these are build output, rebuilt
        # whole on the next run, and syncing thousands of files would dominate it.
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


def copy_assets(out_dir: Path) -> list[Path]:
    """Copy the shared scripts and styles into ``out_dir``'s asset folder, as the plugin publishes them."""
    written = []
    for name, source in asset_files().items():
        target = _inside(Path(out_dir), f"{ASSETS_DIR}/{name}")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        written.append(target)
    return written
