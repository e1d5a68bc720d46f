"""``kb check`` and ``kb schema``."""

from __future__ import annotations

from pathlib import Path

import click

from kb import report, schema, validate
from kb.cli import cli
from kb.cli.common import kb_dir


@cli.command()
@click.option("--sources", "sources_dir", type=click.Path(file_okay=False), help="Folder of source texts: also check every quote.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--analysis", is_flag=True,
              help="Also warn where the computed strengths and cruxes would mislead (saturation, contradicted "
                   "stances, mutually attacking claims both accepted, theses without a crux).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def check(ctx: click.Context, sources_dir: str | None, strict: bool, analysis: bool, fmt: str) -> None:
    """Validate every file and the graph; report every problem in one run."""
    result = validate.check(Path(kb_dir(ctx)), Path(sources_dir) if sources_dir else None, strict, parallel=True,
                            analysis=analysis)
    formatter = report.format_json if fmt == "json" else report.format_text
    click.echo(formatter(result.problems, result.kb.files))
    ctx.exit(0 if result.ok else 1)


@cli.command("schema")
@click.option("--out", "out_dir", default="schema", show_default=True, type=click.Path(file_okay=False))
@click.option("--check", "check_only", is_flag=True, help="Exit 1 if the files differ from the models; write nothing.")
@click.pass_context
def schema_cmd(ctx: click.Context, out_dir: str, check_only: bool) -> None:
    """Write the JSON Schema files generated from the models."""
    if check_only:
        stale = schema.drift(Path(out_dir))
        for name in stale:
            click.echo(f"{Path(out_dir) / name}: out of date; run `kb schema`")
        ctx.exit(1 if stale else 0)
    changed = schema.write(Path(out_dir))
    click.echo(f"wrote {len(changed)} of {len(schema.SCHEMAS)} schema files" + (f": {', '.join(changed)}" if changed else " (all up to date)"))
