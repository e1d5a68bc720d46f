"""Query commands: ``kb cruxes``, ``kb show``, ``kb search``, ``kb list``, ``kb path`` and ``kb stats``.

Each loads and checks the knowledge base (refusing one with errors), asks one
library function, and prints its answer as a table or, with ``--format json``,
as a versioned JSON object whose shape README.md documents.
"""

from __future__ import annotations

import functools
import gc
import math
import io
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import click

from kb.data import compiled, jsonout
from kb.rules import report
from kb.analysis import semantics
from kb.cli import cli, complete
from kb.cli.common import kb_dir, use_cache
from kb.data.errors import KBError
from kb.data.kinds import KINDS

if TYPE_CHECKING:
    import networkx as nx
    from rich.table import Table

    from kb.analysis import cruxes as cruxes_mod
    from kb.analysis.graphview import GraphView

# networkx, rich and the analysis modules are imported inside the commands:
# every `kb` command imports this module, and `kb check` should not pay for them.
# The defaults below mirror kb.analysis.cruxes (a test keeps them equal).
SHAPLEY_SAMPLES = 256
SHAPLEY_SEED = 0
SHAPLEY_PRECISION = 0.01
EXACT_SHAPLEY_LIMIT = 12

JSON_VERSION = 1
PROVISIONAL = "?"  # appended to numbers whose iteration did not converge

format_option = click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
    help="A readable table, or JSON for scripts (shape documented in README.md).",
)
semantics_option = click.option(
    "--semantics", "method", type=click.Choice(semantics.METHODS), default=semantics.DEFAULT_METHOD, show_default=True,
    metavar="NAME",
    help="Gradual semantics: drqe (default), qe, dfquad, euler, or AGGREGATION-INFLUENCE with aggregation "
         "sum|product|top|drsum and influence linear|euler|quadratic (README: Strengths).",
)


def perspective_option(fn: Callable) -> Callable:
    """``--as PERSON`` and ``--recorded-only``: whose base scores, and whether silence is read."""
    fn = click.option(
        "--recorded-only", "recorded_only", is_flag=True,
        help="Use only credences the person recorded (0.5 elsewhere): no credences implied by what they hold.",
    )(fn)
    return click.option(
        "--as", "perspective", default=semantics.NEUTRAL, show_default=True, metavar="PERSON",
        shell_complete=complete.perspectives,
        help="Base scores from this person's view: recorded stances, else 0.8 on what they hold and 0.2 on "
             "what they argue against, else 0.5; or 'neutral' (all 0.5).",
    )(fn)


def _friendly(fn: Callable) -> Callable:
    """Turn expected failures (unknown ids, bad values) into one line on stderr and exit 1."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except KBError as exc:
            for problem in exc.problems:
                click.echo(problem.format(), err=True)
            click.echo(f"error: {exc}", err=True)
            raise click.exceptions.Exit(1) from None

    return wrapper


def _compiled(ctx: click.Context, around: str | None = None, recall: str | None = None) -> compiled.Compiled:
    """The checked, compiled knowledge base; analysing a broken one would mislead, so errors stop here.

    ``around``: the one node the question is about; ``recall``: a whole-map
    question whose stored answer will do (see :func:`kb.data.compiled.load`)."""
    found = compiled.load(Path(kb_dir(ctx)), cache=use_cache(ctx), parallel=True, around=around, recall=recall)
    if not found.ok:
        for problem in found.errors:
            click.echo(problem.format(), err=True)
        click.echo(report.summary(found.problems, found.files), err=True)
        click.echo("error: the knowledge base has errors; fix them (see `kb check`) before analysing it", err=True)
        raise click.exceptions.Exit(1)
    # The loaded map lives until the command exits: freezing it spares every later
    # garbage collection a rescan of it (a tenth of a second on 10^4 nodes).
    gc.freeze()
    return found


def _kept(ctx: click.Context, question: str, compute: Callable, decode: Callable = lambda data: data,
          encode: Callable = lambda answer: answer,
          found: compiled.Compiled | None = None):
    """The answer to a whole-map question: read back when the cache kept it for this map, else computed
    from the graph (``compute(view)``: the analyses read the cache's view as networkx's graph) and kept.
    ``decode`` and ``encode`` turn it into and from JSON data; a kept answer that does not decode is
    computed again. ``found``: the map already loaded with ``recall`` naming this question among others."""
    if found is None:
        found = _compiled(ctx, recall=question)
    if found.answer is not None:
        answer = decode(found.answer) if found.recalled == question else None
        if answer is not None:
            return answer
        found = _compiled(ctx)
    answer = compute(found.view)
    found.remember(question, encode(answer))
    return answer


def _load(ctx: click.Context) -> nx.DiGraph:
    return _compiled(ctx).graph


def _view(ctx: click.Context) -> nx.DiGraph | GraphView:
    """The graph for a query that only reads it: from the cache, without networkx (see kb.analysis.graphview)."""
    return _compiled(ctx).view


def _json(data: dict) -> None:
    click.echo(jsonout.dumps({"version": JSON_VERSION, **data}))


# Tables longer than this are written by a plain writer, one line per row, instead of by rich:
# rich lays out every cell (wrapping titles to the width), which cost seconds per ten thousand rows.
RICH_ROWS = 200


class _Rows:
    """A table's columns and rows, drawn by rich when short and by :meth:`plain` when long."""

    def __init__(self, *columns: str):
        self.columns = columns
        self.rows: list[tuple[str, ...]] = []
        self.caption: str | None = None
        self.caption_justify = "left"

    def add_row(self, *cells: str) -> None:
        self.rows.append(cells)

    def rich(self) -> Table:
        from rich import box
        from rich.table import Table

        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, caption=self.caption,
                      caption_justify=self.caption_justify)
        for name in self.columns:
            # Only prose wraps; ids (to be copied into the next command) and numbers stay whole.
            prose = name in PROSE_COLUMNS
            table.add_column(name, justify="left" if name in TEXT_COLUMNS else "right", no_wrap=not prose,
                             overflow="fold" if prose else "ellipsis")
        for row in self.rows:
            table.add_row(*row)
        return table

    def plain(self) -> str:
        """Aligned columns, a rule under the header, every row on one line (fit for grep and diff)."""
        # Column by column, so that the look for line breaks and the widths run at C speed.
        columns = [list(cells) for cells in zip(*self.rows)] or [[] for _ in self.columns]
        for i, cells in enumerate(columns):
            if "\n" in "".join(cells):
                columns[i] = [cell.replace("\n", " ") for cell in cells]
        widths = [max(len(name), max(map(len, cells), default=0)) for name, cells in zip(self.columns, columns)]
        rows = zip(*columns)
        left = [name in TEXT_COLUMNS for name in self.columns]

        # One format string for every row: the padding is done in C, not cell by cell.
        pattern = "   ".join(f"{{:{'<' if l else '>'}{w}}}" for w, l in zip(widths, left))
        out = [pattern.format(*self.columns).rstrip(), "─" * (sum(widths) + 3 * (len(widths) - 1))]
        out += [pattern.format(*row).rstrip() for row in rows]
        if self.caption:
            out.append(self.caption)
        return "\n".join(out)


def _render(*items) -> None:
    """Print strings and tables through click (so that tests and pipes capture them), without colour."""
    click.echo(_rendered(*items)[0])


# The narrowest width tables are laid out to (see _rendered).
MIN_WIDTH = 100


def _rendered(*items) -> tuple[str, bool]:
    """What :func:`_render` prints, and whether it is the same at every terminal width.

    Text that fits the width as it is (every line within it, no character of
    uncertain width) is written straight: rich would lay it out the same, and
    laying out costs more than the answer on a big map. Rich draws what has to
    wrap. Long tables are always written plain, one row per line. What fits
    the narrowest width, and long tables, read the same on any terminal and in
    a pipe: such text can be kept and printed again as it is.
    """
    # The terminal's width (or $COLUMNS), wide when piped; never so narrow that ids and titles are crushed.
    width = max(shutil.get_terminal_size((160, 24)).columns, MIN_WIDTH)
    out = io.StringIO()
    console = None
    fixed = True
    for item in items:
        text = item.plain() if isinstance(item, _Rows) else item if isinstance(item, str) else None
        if text is not None and isinstance(item, _Rows) and len(item.rows) > RICH_ROWS:
            out.write(text + "\n")
            continue
        if text is not None and PLAIN_WHEN_FITS and _fits(item, text, width):
            out.write(text + "\n")
            fixed = fixed and _fits(item, text, MIN_WIDTH)
            continue
        fixed = False
        wrapped = _wrapped(item, width) if PLAIN_WHEN_FITS and isinstance(item, str) else None
        if wrapped is not None:
            out.write(wrapped + "\n")
            continue
        if console is None:
            from rich.console import Console
            from rich.text import Text

            console = Console(file=out, width=width, markup=False, highlight=False,
                              emoji=False, color_system=None, soft_wrap=False)
        console.print(Text(item) if isinstance(item, str) else item.rich() if isinstance(item, _Rows) else item)
    # Tables pad every cell to the column width; trailing blanks only get in the way of diffs and greps.
    return "\n".join(line.rstrip() for line in out.getvalue().splitlines()).strip("\n"), fixed


# Whether text that fits is written without rich (see _render); the tests switch it off to compare.
PLAIN_WHEN_FITS = True


def _fits(item: str | _Rows, text: str, width: int) -> bool:
    """Whether rich would print text as it is: every line within width, and one cell per character."""
    lines = text.split("\n")
    if any(len(line) > width for line in lines) or not all(_narrow(line) for line in lines):
        return False
    if isinstance(item, _Rows):
        if any("\n" in cell for row in item.rows for cell in row):
            return False  # a cell of several lines is drawn on several lines by rich
        if item.caption and len(item.caption) > len(lines[1]):
            return False  # rich wraps a caption to the table's width
    return True


def _wrapped(text: str, width: int) -> str | None:
    """Text wrapped to ``width`` as rich wraps it, without importing rich (70 ms, most of a warm ``kb show``);
    None where the two could differ: a word wider than a line (rich folds it from a new line), or a
    character that does not take one cell.

    Both fill each line greedily, breaking only at spaces: a word goes on the line if it ends within the
    width (the spaces after it do not count), and the spaces at a break end the line before it.
    """
    import textwrap

    out: list[str] = []
    for line in text.split("\n"):
        if len(line) <= width or not line.strip():
            out.append(line)
            continue
        words = line.split()
        if not _narrow(line) or any(len(word) > width for word in words):
            return None
        first = len(line) - len(line.lstrip())
        if first and first + len(words[0]) > width:
            return None  # an indent that leaves the first word no room: rich then breaks differently
        out += textwrap.wrap(line, width, expand_tabs=False, replace_whitespace=False, break_long_words=False,
                             break_on_hyphens=False)
    return "\n".join(out)


def _narrow(text: str) -> bool:
    """Whether every character takes one cell on a terminal, as len() counts it (tabs and wide scripts do not)."""
    if text.isascii():
        return text.isprintable()
    import unicodedata

    return text.isprintable() and not any(
        unicodedata.east_asian_width(c) in ("W", "F") or unicodedata.combining(c) for c in text if not c.isascii())


def _num(value: float | None, final: bool = True, signed: bool = False) -> str:
    """Three decimals; a strength a hair off 0.5 gets more (up to six) until the printed number shows the
    side its verdict names, as the stand page does: "0.500 (rejected)" would puzzle a reader."""
    if value is None:
        return "-"
    text = f"{value:+.3f}" if signed else f"{value:.3f}"
    if not signed and text == "0.500" and semantics.verdict(value) != "balanced":
        for places in range(4, 7):
            text = f"{value:.{places}f}"
            if float(text) != 0.5:
                break
    return text if final else text + PROVISIONAL


PROSE_COLUMNS = {"title", "chain", "stances"}
TEXT_COLUMNS = {"crux", "claim", "id", "speaker", "title", "kind", "source", "sign", "strict", "label", "chain",
                "relation", "argument",
                "name", "stances"}


def _table(*columns: str) -> _Rows:
    return _Rows(*columns)


def _footnote(any_provisional: bool) -> list:
    if not any_provisional:
        return []
    return [f"{PROVISIONAL} did not converge within the iteration cap: a provisional value, not a result"]


# --- cruxes ---------------------------------------------------------------------------------


LABEL_LEGEND = ("the grounded label is sceptical: OUT as soon as one objection stands unanswered against a claim or "
                "a reason for it, while the strength weighs every reason against every objection.")
MARK = {"recorded": " r", "holds": " h", "disputes": " d", "default": " -"}
ORIGINS = {
    "recorded": "recorded stance",
    "holds": "implied: they hold it",
    "disputes": "implied: they argue against it",
    "default": "no prior",
}


def rank_digits(values: list[float], least: int = 3, most: int = 6) -> int:
    """The fewest decimals (at least ``least``) at which values that differ print differently."""
    distinct = sorted(set(values))
    for digits in range(least, most + 1):
        if len({f"{v:.{digits}f}" for v in distinct}) == len(distinct):
            return digits
    return most


def _crux_table(rep: cruxes_mod.CruxReport) -> tuple[Table | str, bool]:
    if not rep.cruxes:
        return "Nothing argues about it, directly or not, so it has no cruxes.", False
    if not rep.decided:
        largest = max(abs(c.swing) for c in rep.cruxes)
        return (f"Nothing decides it: no single claim moves it by {rep.threshold} or more "
                f"(the largest swing is {largest:.2g}), so ranking its cruxes would rank noise."), False
    table = _table("#", "crux", "speaker", "strength", "label", "swing", "sign", "strict", "title")
    provisional = False
    digits = rank_digits([abs(c.swing) for c in rep.cruxes])
    if any(c.label and semantics.label_note(c.strength, c.label) for c in rep.cruxes):
        table.caption = "Where a label disagrees with the strength: " + LABEL_LEGEND
        table.caption_justify = "left"
    for rank, c in enumerate(rep.cruxes, 1):
        provisional |= not (c.converged and c.strength_final)
        swing = f"{c.swing:+.{digits}f}" + ("" if c.converged else PROVISIONAL)
        table.add_row(str(rank), c.id, c.speaker or "", _num(c.strength, c.strength_final), c.label or "",
                      swing, c.sign, "yes" if c.strict else "", c.title or "")
    return table, provisional


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"


def _crux_header(rep: cruxes_mod.CruxReport) -> str:
    return (
        f"\n{rep.target}: {rep.title or ''}\n"
        f"strength {_num(rep.strength, rep.converged)} ({rep.verdict}) under {rep.method}, "
        f"perspective {rep.perspective}; {_plural(rep.candidates, 'ancestor')} examined\n"
    )


def _print_double(rep: cruxes_mod.DoubleCruxReport) -> None:
    from kb.analysis.cruxes import GAP_EPS

    head = (
        f"{rep.target}: {rep.title or ''}\n"
        f"{rep.a}: {_num(rep.strength_a, rep.converged)} ({rep.verdict_a})   "
        f"{rep.b}: {_num(rep.strength_b, rep.converged)} ({rep.verdict_b})   "
        f"gap {rep.a} − {rep.b} = {_num(rep.gap, rep.converged, signed=True)} under {rep.method}; "
        f"{_plural(rep.disputed, 'disputed claim')} can reach it"
    )
    legend = (f"\nDouble cruxes (\"{rep.a} closes\": the share of the gap {rep.a} closes by adopting {rep.b}'s base "
              f"score for the claim, and the reverse; score: the smaller of the two; τ: r recorded, "
              f"h implied as held, d implied as disputed, - no prior)\n")
    table = _table("#", "claim", f"τ {rep.a}", f"τ {rep.b}", f"{rep.a} closes", f"{rep.b} closes", "score", "strict",
                   "title")
    provisional = not rep.converged
    for rank, d in enumerate(rep.items, 1):
        provisional |= not d.converged
        table.add_row(str(rank), d.id, f"{d.tau_a:.2f}{MARK.get(d.origin_a, '')}",
                      f"{d.tau_b:.2f}{MARK.get(d.origin_b, '')}", _num(d.close_a, d.converged),
                      _num(d.close_b, d.converged), _num(d.score, d.converged), "yes" if d.strict else "",
                      d.title or "")
    sh = rep.shapley
    how = ("exact, over every coalition" if sh.method == "exact"
           else f"Monte-Carlo estimate from {sh.permutations} random orders in antithetic pairs (seed {sh.seed})")
    if sh.scheme == "owen":
        how += (f"; {rep.target}'s own base score, where the two start, counts as a block of its own "
                "(Owen value): it gets the average of switching it before and after every claim")
    parts = _table("claim", "part", "share")
    ranked = sorted(sh.parts.items(), key=lambda p: (-abs(p[1]), p[0]))
    shown = ranked[:max(len(rep.items), 10)]
    for node_id, part in shown:
        share = f"{100 * part / rep.gap:.0f}%" if abs(rep.gap) > GAP_EPS else "-"
        if sh.stderr:
            part_text = f"{part:+.3f} ± {sh.stderr[node_id]:.3f}"
        else:
            part_text = _num(part, sh.converged, signed=True)
        parts.add_row(node_id, part_text, share)
    total = (f"parts add up to {_num(sh.total, sh.converged, signed=True)}; "
             f"gap {_num(rep.gap, rep.converged, signed=True)}")
    if not sh.adds_up:
        total += ("\nThe parts do not add up to the gap: a cycle among these claims has several stable states, "
                  "and switching the claims one at a time settled in another one than solving afresh does, "
                  "so the split is only indicative.")
    if len(ranked) > len(shown):
        rest = math.fsum(p for _, p in ranked[len(shown):])
        total = (f"… and {len(ranked) - len(shown)} smaller parts, together {rest:+.3f}\n" + total)
    same = f"\n{rep.a} and {rep.b} hold the same base score on every claim that reaches it."
    items = [head, legend, table] if rep.items else [head, same]
    if rep.items and rep.disputed > len(rep.items):
        items.append(f"… and {rep.disputed - len(rep.items)} more disputed claims (--top N lists more)")
    if sh.parts:
        items += [f"\nShapley split of the gap ({how})\n", parts, "", total]
    _render(*items, *_footnote(provisional))


@cli.command("cruxes")
@click.argument("target", required=False, shell_complete=complete.ids)
@perspective_option
@click.option("--between", nargs=2, metavar="A B", default=None, shell_complete=complete.perspectives,
              help="Double cruxes between two perspectives (people, or 'neutral').")
@click.option("--top", type=click.IntRange(min=1), default=None,
              help="How many to list  [default: 10 for a target and with --between, "
                   "3 per thesis without a target]")
@semantics_option
@click.option("--samples", type=click.IntRange(min=1), default=SHAPLEY_SAMPLES, show_default=True,
              help=f"Random orders for the Shapley estimate beyond {EXACT_SHAPLEY_LIMIT} disputed claims.")
@click.option("--seed", type=int, default=SHAPLEY_SEED, show_default=True, help="Seed of that estimate.")
@click.option("--precision", type=click.FloatRange(min=0.0), default=SHAPLEY_PRECISION, show_default=True,
              help="Stop the estimate once every part's standard error is at most this (0: use every order).")
@format_option
@click.pass_context
@_friendly
def cruxes_cmd(ctx: click.Context, target: str | None, perspective: str, recorded_only: bool,
               between: tuple[str, str] | None, top: int | None, method: str, samples: int, seed: int,
               precision: float, fmt: str) -> None:
    """What TARGET hinges on; with --between, where two people part ways on it.

    Without TARGET: the map's theses (nodes tagged `thesis`, or else those that
    argue about nothing) with the three strongest cruxes of each.
    """
    if between and target is None:
        raise click.UsageError("--between needs a TARGET")
    if between and perspective != semantics.NEUTRAL:
        raise click.UsageError("--as and --between cannot be combined: --between gives both perspectives")
    from kb.analysis import cruxes as cruxes_mod

    # Kept under the map's digest: a question asked again (another --format, say) is read back,
    # where a large map would take seconds to minutes to answer afresh.
    question = "cruxes:" + jsonout.dumps([target, perspective, recorded_only, between, top, method, samples, seed,
                                          precision])
    if between:
        rep = _kept(ctx, question, lambda G: _double_cruxes(G, target, between, recorded_only, method, samples,
                                                            seed, top or 10, precision),
                    cruxes_mod.DoubleCruxReport.from_dict, lambda r: r.to_dict())
        if fmt == "json":
            _json(rep.to_dict())
        else:
            _print_double(rep)
        return
    if target is None:
        reports = _kept(ctx, question, lambda G: _cruxes(G, None, perspective, recorded_only, method, top or 3),
                        _decode_all, lambda rs: [r.to_dict() for r in rs])
        if fmt == "json":
            _json({"method": method, "perspective": perspective, "theses": [r.to_dict() for r in reports]})
            return
        items: list = []
        provisional = False
        for rep in reports:
            table, bad = _crux_table(rep)
            provisional |= bad or not rep.converged
            items += [_crux_header(rep), table]
        _render(*(items or ["no theses: the map is empty"]), *_footnote(provisional))
        return
    rep = _kept(ctx, question, lambda G: _cruxes(G, target, perspective, recorded_only, method, top or 10),
                cruxes_mod.CruxReport.from_dict, lambda r: r.to_dict())
    if fmt == "json":
        _json(rep.to_dict())
        return
    table, provisional = _crux_table(rep)
    _render(_crux_header(rep), table, *_footnote(provisional or not rep.converged))


def _cruxes(G: nx.DiGraph, target: str | None, perspective: str, recorded_only: bool, method: str, top: int):
    """The crux report on target, or without one the list of each thesis's."""
    from kb.analysis import cruxes as cruxes_mod
    from kb.data import workers

    tau = semantics.base_scores(G, perspective, not recorded_only)
    net = semantics.Network(G)
    labels = semantics.grounded(net)
    if target is None:
        return cruxes_mod.overview(G, tau, method=method, top=top, perspective=perspective, network=net,
                                   labels=labels, workers=workers.available())
    return cruxes_mod.cruxes(G, target, tau, method=method, top=top, perspective=perspective, network=net,
                             labels=labels, workers=workers.available())


def _double_cruxes(G: nx.DiGraph, target: str, between: tuple[str, str], recorded_only: bool, method: str,
                   samples: int, seed: int, top: int, precision: float):
    from kb.analysis import cruxes as cruxes_mod
    from kb.analysis import graph
    from kb.data import workers

    a, b = between
    pri_a = semantics.priors(G, a, not recorded_only)
    pri_b = semantics.priors(G, b, not recorded_only)
    tau_a = {n: p.value for n, p in pri_a.items()}
    tau_b = {n: p.value for n, p in pri_b.items()}
    origins = ({n: p.origin for n, p in pri_a.items()}, {n: p.origin for n, p in pri_b.items()})
    graph.require_node(G, target)
    return cruxes_mod.double_cruxes(G, target, tau_a, tau_b, method=method, names=(a, b), samples=samples,
                                    seed=seed, top=top, precision=precision or None, origins=origins,
                                    workers=workers.available())


def _decode_all(data: object):
    from kb.analysis.cruxes import CruxReport

    if not isinstance(data, list):
        return None
    reports = [CruxReport.from_dict(item) for item in data]
    return None if any(r is None for r in reports) else reports



def _node_question(fn: Callable) -> Callable:
    """The arguments and options of a question about one node from a perspective (show, explain)."""
    for decorate in reversed((click.argument("node_id", metavar="ID", shell_complete=complete.ids),
                              perspective_option, semantics_option, format_option, click.pass_context, _friendly)):
        fn = decorate(fn)
    return fn

# --- show, search, list, path, stats -----------------------------------------------------------


@cli.command("show")
@_node_question
def show_cmd(ctx: click.Context, node_id: str, perspective: str, recorded_only: bool, method: str, fmt: str) -> None:
    """One node: its claim, source, stances, supporters and attackers both ways, strength and label."""
    from kb.analysis import queries

    found = _compiled(ctx, around=node_id)
    data = queries.show(found.view, node_id, perspective=perspective, method=method, implied=not recorded_only,
                        analysis=lambda: found.analysis(perspective, method, not recorded_only))
    if fmt == "json":
        _json(data)
        return
    src = data["source"]
    lines = [
        f"{data['id']} ({data['kind']}): {data['title']}",
        "",
        data["text"].strip(),
        "",
        f"speaker   {data['speaker']}" + (f" ({data['speaker_name']})" if data["speaker_name"] else "")
        + (f", presented by {data['presenter']}" if data["presenter"] else ""),
        f"source    {src['document']}" + (f": {src['title']}" if src["title"] else "")
        + (f", section “{src['section']}”" if src["section"] else ""),
    ]
    if src["quote"]:
        lines.append(f"quote     “{src['quote']}”")
    if data["tags"]:
        lines.append(f"tags      {', '.join(data['tags'])}")
    if data["stances"]:
        lines.append("stances   " + ", ".join(f"{p} {c:.2f}" for p, c in sorted(data["stances"].items())))
    lines.append(f"strength  {_num(data['strength'], data['converged'])} ({data['verdict']}) under {data['method']}, "
                 f"perspective {data['perspective']}")
    lines.append(f"base      {data['base']:.2f} ({ORIGINS[data['base_origin']]})")
    lines.append(f"label     {data['label']} (grounded)")
    note = semantics.label_note(data["strength"], data["label"])
    if note:
        lines.append(f"          {note}")
    if data["path"]:
        lines.append(f"file      {data['path']}")
    items: list = ["\n".join(lines)]
    provisional = not data["converged"]
    mismatch = False
    for key, heading in (("supporters", "Supported by"), ("attackers", "Attacked by"),
                         ("undercutters", "Its inferences undercut by"), ("restatements", "Restatements (one claim)"),
                         ("supports", "Supports"), ("attacks", "Attacks"), ("undercuts", "Undercuts")):
        if not data[key]:
            continue
        table = _table("id", "weight", "strength", "label", "title")
        for n in data[key]:
            provisional |= not n["converged"]
            mismatch |= semantics.label_note(n["strength"], n["label"]) is not None
            title = n["title"] or ""
            if n["linked"]:
                title += f"  [linked with {', '.join(n['linked'])}]"
            if n["via"]:
                title += f"  [the inference from {', '.join(n['via'])}]"
            table.add_row(n["id"], f"{n['weight']:.2f}", _num(n["strength"], n["converged"]), n["label"], title)
        items += [f"\n{heading}\n", table]
    if mismatch:
        items.append("\nWhere a label disagrees with the strength: " + LABEL_LEGEND)
    _render(*items, *_footnote(provisional))


@cli.command("explain")
@_node_question
def explain_cmd(ctx: click.Context, node_id: str, perspective: str, recorded_only: bool, method: str, fmt: str) -> None:
    """How much each argument into ID moves its strength (Shapley contributions that add up)."""
    from kb.analysis.explain import explain

    G = _load(ctx)
    rep = explain(G, node_id, perspective=perspective, method=method, implied=not recorded_only)
    if fmt == "json":
        _json(rep.to_dict())
        return
    head = (f"{rep.id}: {rep.title or ''}\n"
            f"strength {_num(rep.strength, rep.converged)} ({rep.verdict}) under {rep.method}, perspective "
            f"{rep.perspective}; base score {rep.base:.2f} ({ORIGINS[rep.origin]})")
    if rep.restates:
        head += f"\nthe same claim as {', '.join(rep.restates)}: their arguments are its own"
    if not rep.contributions:
        _render(head, "\nNothing argues about it: its strength is its base score.")
        return
    how = ("exact" if rep.estimate == "exact"
           else f"Monte-Carlo estimate from {rep.permutations} random orders, ± one standard error")
    digits = rank_digits([abs(c.shapley) for c in rep.contributions])
    table = _table("#", "relation", "argument", "strength", "contribution", "removal", "title")
    for rank, c in enumerate(rep.contributions, 1):
        argument = " + ".join(c.premises)
        if c.undercutters:
            argument += f"  (undercut by {', '.join(c.undercutters)})"
        part = f"{c.shapley:+.{digits}f}" + (f" ± {c.stderr:.{digits}f}" if c.stderr is not None else "")
        title = " + ".join(G.nodes[p].get("title") or "" for p in c.premises)
        table.add_row(str(rank), c.relation, argument, f"{c.strength:.3f}", part, f"{c.removal:+.{digits}f}", title)
    total = (f"contributions add up to {rep.total:+.{digits}f} = strength {rep.strength:.{digits}f} − base "
             f"{rep.base:.{digits}f}")
    legend = (f"\nContribution: Shapley value of each argument in this claim's update ({how}); removal: the "
              "strength minus the strength without that argument alone. Other claims are held at their strengths.\n")
    _render(head, legend, table, "", total)


@cli.command("search")
@click.argument("text")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@format_option
@click.pass_context
@_friendly
def search_cmd(ctx: click.Context, text: str, limit: int, fmt: str) -> None:
    """Nodes whose id, title, text, quote or speaker contain every word of TEXT, best first.

    When none has every word, nodes matching some of them are listed instead,
    words compared by their stems, most words matched first; the output says so.
    """
    from kb.analysis import textsearch

    result = _kept(ctx, "search:" + jsonout.dumps([text, limit]), lambda G: textsearch.search(G, text, limit),
                   textsearch.SearchResult.from_json, textsearch.SearchResult.to_json)
    hits = result.hits
    if fmt == "json":
        _json({"query": text, "partial": result.partial, "stems": result.stems, "results": hits})
        return
    n = len(result.stems)
    table = _table("#", "id", "kind", "speaker", *(["words"] if result.partial else []), "score", "title")
    for rank, h in enumerate(hits, 1):
        words = [f"{h['words']}/{n}"] if result.partial else []
        table.add_row(str(rank), h["id"], h["kind"] or "", h["speaker"] or "", *words, f"{h['score']:.1f}",
                      h["title"] or "")
    if not hits:
        _render(f"no node matches “{text}”")
    elif result.partial:
        _render(f"no node matches every word of “{text}”; these match some of them, words compared by their "
                f"stems ({', '.join(result.stems)}), most words first", table)
    else:
        _render(table)


@cli.command("list")
@click.option("--kind", type=click.Choice(KINDS), default=None)
@click.option("--speaker", default=None, metavar="PERSON", shell_complete=complete.people, help="Only what this person holds.")
@click.option("--presenter", default=None, metavar="PERSON", shell_complete=complete.people,
              help="Only what this person presents or reports without holding it.")
@click.option("--source", default=None, metavar="DOCUMENT", shell_complete=complete.sources)
@click.option("--tag", default=None, shell_complete=complete.tags)
@format_option
@click.pass_context
@_friendly
def list_cmd(ctx: click.Context, kind: str | None, speaker: str | None, presenter: str | None, source: str | None,
             tag: str | None, fmt: str) -> None:
    """Nodes matching every filter given, by id (--speaker: what a person holds; --presenter: what they present)."""
    from kb.analysis import queries

    filters = {"kind": kind, "speaker": speaker, "presenter": presenter, "source": source, "tag": tag}
    question = "list:" + jsonout.dumps(filters)
    # What was printed is kept too: at 10^5 nodes, laying out the lines again costs as much as the rest.
    printed = f"printed:{fmt}:{question}"
    found = _compiled(ctx, recall=(printed, question))
    if found.recalled == printed:
        text = compiled.unsealed(found.answer)
        if text is not None:
            click.echo(text)
            return
    nodes = _kept(ctx, question, lambda G: queries.NodeList.of(queries.list_nodes(G, **filters)),
                  queries.NodeList.from_json, lambda found: found.to_json(), found=found)
    if fmt == "json":
        text, fixed = jsonout.dumps({"version": JSON_VERSION, "filters": filters, "nodes": nodes.rows()}), True
    else:
        table = _table("id", "kind", "speaker", "source", "title")
        column = nodes.columns
        who = [s or "" for s in column["speaker"]]
        for i, presenter in enumerate(column["presenter"]):
            if presenter:
                who[i] += f" (presented by {presenter})"

        def text_of(field: str) -> list[str]:
            return [value or "" for value in column[field]]

        table.rows = list(zip(column["id"], text_of("kind"), who, text_of("source"), text_of("title")))
        text, fixed = _rendered(table, f"{len(nodes)} node{'s' * (len(nodes) != 1)}")
    click.echo(text)
    if fixed:
        found.remember(printed, compiled.sealed(text))


def _step(step: dict) -> str:
    weight = "" if step["weight"] == 1.0 else f" {step['weight']:.2f}"
    return f" —{step['relation']}{weight}→ {step['to']}"


@cli.command("path")
@click.argument("start", metavar="A", shell_complete=complete.ids)
@click.argument("end", metavar="B", shell_complete=complete.ids)
@click.option("--limit", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--max-length", type=click.IntRange(min=1), default=12, show_default=True,
              help="Follow chains of at most this many steps.")
@format_option
@click.pass_context
@_friendly
def path_cmd(ctx: click.Context, start: str, end: str, limit: int, max_length: int, fmt: str) -> None:
    """The argument chains from A to B, shortest first: pro when they argue for B, con against."""
    from kb.analysis import queries

    G = _load(ctx)
    data = queries.paths(G, start, end, limit, max_length)
    if fmt == "json":
        _json(data)
        return
    if not data["paths"]:
        if data["stopped"] == "length":
            _render(f"no argument chain of at most {max_length} steps leads from {start} to {end}, but a longer one "
                    "does (--max-length N follows longer chains)")
        else:
            _render(f"no argument chain leads from {start} to {end}")
        return
    table = _table("#", "sign", "len", "chain")
    for rank, p in enumerate(data["paths"], 1):
        chain = p["nodes"][0] + "".join(_step(s) for s in p["steps"])
        table.add_row(str(rank), p["sign"], str(p["length"]), chain)
    items: list = [table]
    if data["stopped"] == "time":
        items.append(f"the search stopped after {queries.PATH_SECONDS:g} s; showing the {len(data['paths'])} "
                     "shortest chains found, and longer ones may exist")
    elif data["stopped"] == "length":
        items.append(f"longer chains than {max_length} steps were not followed (--max-length)")
    elif data["truncated"]:
        items.append(f"more chains exist; showing the {len(data['paths'])} shortest (--limit)")
    _render(*items)


@cli.command("stats")
@click.option("--top", type=click.IntRange(min=1), default=5, show_default=True)
@format_option
@click.pass_context
@_friendly
def stats_cmd(ctx: click.Context, top: int, fmt: str) -> None:
    """Counts by kind and source, and the most attacked and most contested nodes."""
    from kb.analysis import queries

    data = _kept(ctx, f"stats:{top}", lambda G: queries.stats(G, top),
                 lambda data: data if isinstance(data, dict) and isinstance(data.get("edges"), dict) else None)
    if fmt == "json":
        _json(data)
        return
    head = f"{data['nodes']} nodes, {data['edges']['supports']} supports, {data['edges']['attacks']} attacks"
    tables: list = [head]
    for key, heading in (("by_kind", "By kind"), ("by_source", "By source"), ("by_speaker", "By speaker")):
        table = _table("name", "count")
        for name, count in data[key].items():
            table.add_row(name, str(count))
        tables += [f"\n{heading}\n", table]
    attacked = _table("id", "attackers", "supporters", "title")
    for n in data["most_attacked"]:
        attacked.add_row(n["id"], str(n["attackers"]), str(n["supporters"]), n["title"] or "")
    contested = _table("id", "spread", "stances", "title")
    for n in data["most_contested"]:
        stances = ", ".join(f"{p} {c:.2f}" for p, c in sorted(n["stances"].items()))
        contested.add_row(n["id"], f"{n['spread']:.2f}", stances, n["title"] or "")
    _render(*tables, "\nMost attacked\n", attacked,
            "\nMost contested (widest spread of recorded stances)\n", contested)
