"""``kb check`` and ``kb schema``."""

from __future__ import annotations

from pathlib import Path

import click

from kb.data import compiled
from kb.rules import report
from kb.cli import cli
from kb.cli.common import kb_dir, use_cache
from kb.data.errors import KBError


@cli.command()
@click.option("--sources", "sources_dirs", multiple=True, type=click.Path(file_okay=False),
              help="Folder of source texts (repeatable): check every quote. Default: sources_dir in kb.toml.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--analysis", is_flag=True,
              help="Also warn where the computed strengths and cruxes would mislead (saturation, contradicted "
                   "stances, mutually attacking claims both accepted, theses without a crux).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def check(ctx: click.Context, sources_dirs: tuple[str, ...], strict: bool, analysis: bool, fmt: str) -> None:
    """Validate every file and the graph; report every problem in one run."""
    try:
        result = compiled.check(Path(kb_dir(ctx)), [Path(d) for d in sources_dirs], strict, parallel=True,
                                configured=True, analysis=analysis, cache=use_cache(ctx))
    except KBError as exc:
        for problem in exc.problems:
            click.echo(problem.format(), err=True)
        click.echo(f"error: {exc}", err=True)
        ctx.exit(1)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    formatter = report.format_json if fmt == "json" else report.format_text
    click.echo(formatter(result.problems, result.files))
    ctx.exit(0 if result.ok else 1)


@cli.command("schema")
@click.option("--out", "out_dir", default="schema", show_default=True, type=click.Path(file_okay=False))
@click.option("--check", "check_only", is_flag=True, help="Exit 1 if the files differ from the models; write nothing.")
@click.pass_context
def schema_cmd(ctx: click.Context, out_dir: str, check_only: bool) -> None:
    """Write the JSON Schema files generated from the models."""
    from kb.rules import schema  # builds every model: only this command needs them

    if check_only:
        stale = schema.drift(Path(out_dir))
        for name in stale:
            click.echo(f"{Path(out_dir) / name}: out of date; run `kb schema`")
        ctx.exit(1 if stale else 0)
    changed = schema.write(Path(out_dir))
    click.echo(f"wrote {len(changed)} of {len(schema.SCHEMAS)} schema files" + (f": {', '.join(changed)}" if changed else " (all up to date)"))
