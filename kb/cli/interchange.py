"""``kb export`` and ``kb import``: the map in other tools' formats, and AIF maps brought in."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from kb.data import compiled, jsonout, store
from kb.cli import cli, complete
from kb.cli.common import kb_dir, use_cache
from kb.data.errors import KBError
from kb.publishing.export import FORMATS, Output, iccma
from kb.data.store import display_path

if TYPE_CHECKING:
    from kb.changes.importer import ImportResult


@cli.command("export")
@click.option("--format", "fmt", required=True, type=click.Choice(FORMATS), help="Output format.")
@click.option("--output", "-o", "output", type=click.Path(dir_okay=False), help="Write here instead of to standard output.")
@click.option("--select", "query", metavar="QUERY",
              help="Export only part of the map, e.g. 'ancestors:ID', 'source:DOC kind:rebuttal', '-tag:T' (see README).")
@click.option("--supports", type=click.Choice(iccma.MODES), default="cayrol", show_default=True,
              help="iccma only: turn supports into Cayrol's derived attacks, or leave them out.")
@click.pass_context
def export_cmd(ctx: click.Context, fmt: str, output: str | None, query: str | None, supports: str) -> None:
    """Export the map as json, graphml, dot, aif, argdown or iccma."""
    options = {"supports": supports} if fmt == "iccma" else {}
    # Kept under the map's digest: the same export of an unchanged map is read back, not made again.
    question = "export:" + jsonout.dumps([fmt, query, options])
    root, cache = Path(kb_dir(ctx)), use_cache(ctx)
    kept = compiled.recall(root, question, cache, parallel=True)
    out = Output.from_json(kept.answer) if kept.answer is not None else None
    if out is None:
        out = _export(root, cache, fmt, query, options)
        kept.remember(question, out.to_json())
    if output is None:
        if out.side:
            raise click.UsageError(f"--format {fmt} writes {1 + len(out.side)} files; give --output PATH")
        click.echo(out.text, nl=False)
        return
    path = Path(output)
    store.write_atomic(path, out.text)
    written = [display_path(path)]
    for suffix, text in out.side.items():
        side = path.with_name(path.name + suffix)
        store.write_atomic(side, text)
        written.append(display_path(side))
    click.echo(f"wrote {', '.join(written)}", err=True)


def _export(root: Path, cache: bool, fmt: str, query: str | None, options: dict):
    from kb.publishing.export import core
    from kb.rules import validate

    result = validate.check(root, parallel=True, cache=cache, warnings=False)
    if not result.ok:
        raise KBError("the knowledge base has errors (see kb check); fix them before exporting", result.errors)
    return core.export(result.kb, fmt, query, **options)


@cli.group("import")
def import_group() -> None:
    """Bring argument maps from other tools into the knowledge base."""


@import_group.command("aif")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--source", shell_complete=complete.sources, help="Source document (an id in sources.yaml) for every imported claim.")
@click.option("--prefix", help="Start every new node id with PREFIX-.")
@click.option("--speaker", shell_complete=complete.people, help="Person (an id in people.yaml) for claims the map attributes to no one.")
@click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing.")
@click.option("--strict", is_flag=True,
              help="Refuse the whole map over any fault (missing participant, relation node cut off at an end) "
                   "instead of skipping it with a note.")
@click.pass_context
def import_aif(ctx: click.Context, file: str, source: str | None, prefix: str | None, speaker: str | None,
               dry_run: bool, strict: bool) -> None:
    """Import an AIF JSON map (AIFdb, OVA): I-nodes become claims, RA/CA nodes arguments, CA nodes on
    inferences undercuts, MA nodes restatements."""
    from kb.changes import importer

    result = importer.import_aif(Path(kb_dir(ctx)), Path(file), source=source, prefix=prefix, speaker=speaker,
                                 dry_run=dry_run, strict=strict)
    _report(result)


@import_group.command("argdown")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--source", help="Source document (an id in sources.yaml) for every imported claim.")
@click.option("--prefix", help="Start every new node id with PREFIX-.")
@click.option("--speaker", help="Person (an id in people.yaml) for the imported claims.")
@click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing.")
@click.pass_context
def import_argdown(ctx: click.Context, file: str, source: str | None, prefix: str | None, speaker: str | None,
                   dry_run: bool) -> None:
    """Import an Argdown document (parsed by the Argdown CLI): statements become claims, premise–conclusion
    arguments linked premises, relations supports, attacks and undercuts."""
    from kb.changes import importer

    result = importer.import_argdown(Path(kb_dir(ctx)), Path(file), source=source, prefix=prefix, speaker=speaker,
                                     dry_run=dry_run)
    _report(result)


def _report(result: ImportResult) -> None:
    verb = "would write" if result.dry_run else "wrote"
    for change in result.changes:
        click.echo(f"{verb} {display_path(change.path)}" + ("" if change.before is None else " (appended)"))
    for old, new in sorted(result.renamed.items()):
        click.echo(f"id {old} is taken: imported as {new}")
    for note in result.notes:
        click.echo(f"note: {note}")
    for problem in result.warnings:
        click.echo(problem.format())
    edges = sum(len(n.supports) + len(n.attacks) + len(n.undercuts) + len(n.restates) for n in result.nodes.values())
    counts = [(len(result.nodes), "claim"), (edges, "edge"), (len(result.sources), "new source")]
    parts = [f"{n} {word}{'s' * (n != 1)}" for n, word in counts]
    parts.insert(2, f"{len(result.people)} new {'person' if len(result.people) == 1 else 'people'}")
    click.echo(f"{'would import' if result.dry_run else 'imported'} {', '.join(parts)}")
