"""``kb diff``: what a change does to the map and to what the analysis says."""

from __future__ import annotations

import json
from pathlib import Path

import click

from kb.analysis import diffing
from kb.cli import cli
from kb.cli.common import kb_dir, on_first_use
from kb.data.errors import KBError

revisions = on_first_use("kb.data.revisions")  # reads revisions through pydantic: not for `kb --help`


@cli.command("diff")
@click.argument("revs", nargs=-1, metavar="[OLD [NEW]]")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True,
              help="Markdown fits a pull-request comment.")
@click.option("--threshold", type=click.FloatRange(0.0, 1.0), default=diffing.THRESHOLD, show_default=True,
              help="Report strengths that move by more than this (verdict flips always).")
@click.option("--top", type=click.IntRange(min=1), default=diffing.CRUX_TOP, show_default=True,
              help="How many cruxes of each thesis to compare.")
@click.pass_context
def diff(ctx: click.Context, revs: tuple[str, ...], fmt: str, threshold: float, top: int) -> None:
    """Compare the map at git revision OLD (default HEAD) with NEW (default: the working tree).

    Nodes, edges, people and sources added, removed, renamed and changed field
    by field; then strengths that moved beyond --threshold under each
    perspective, verdict flips, grounded labels and crux rankings.
    """
    if len(revs) > 2:
        raise click.UsageError("give at most two revisions: OLD [NEW]")
    old = revs[0] if revs else "HEAD"
    new = revs[1] if len(revs) == 2 else revisions.WORKING_TREE
    try:
        report = revisions.diff(Path(kb_dir(ctx)), old, new, threshold, top)
    except KBError as exc:
        click.echo(f"error: {exc}", err=True)
        ctx.exit(1)
        return
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(diffing.render_text(report, markdown=fmt == "markdown"), nl=False)
