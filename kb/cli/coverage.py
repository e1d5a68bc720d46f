"""``kb coverage``: which paragraphs of each source text carry no anchored claim yet."""

from __future__ import annotations

import json
from pathlib import Path

import click

from kb.analysis import coverage as cov
from kb.cli import cli, complete
from kb.cli.common import kb_dir
from kb.data.errors import KBError


@cli.command("coverage")
@click.argument("source", required=False, shell_complete=complete.sources)
@click.option("--sources", "sources_dirs", multiple=True, type=click.Path(file_okay=False),
              help="Folder of source texts (repeatable). Default: sources_dir in kb.toml.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def coverage(ctx: click.Context, source: str | None, sources_dirs: tuple[str, ...], fmt: str) -> None:
    """For each source text (or SOURCE), the share of paragraphs with an anchored claim and those without."""
    try:
        results = cov.coverage(Path(kb_dir(ctx)), source, sources_dirs)
    except KBError as exc:
        click.echo(f"error: {exc}", err=True)
        ctx.exit(1)
        return
    if fmt == "json":
        click.echo(json.dumps({"sources": [r.to_dict() for r in results]}, indent=2, ensure_ascii=False))
        return
    for r in results:
        if r.missing:
            click.echo(f"{r.source}: text {r.file or '(none named)'} not found in the sources folder")
            continue
        click.echo(f"{r.source} ({r.title}): {r.covered} of {len(r.paragraphs)} paragraphs carry a claim "
                   f"({r.share:.0%})")
        for p in r.paragraphs:
            if not p.covered_by:
                shown = p.text if len(p.text) <= 90 else p.text[:89] + "…"
                click.echo(f"  {r.file}:{p.line}: {shown}")
        if r.unplaced:
            click.echo(f"  quotes not found in the text: {', '.join(r.unplaced)} (see kb check)")
