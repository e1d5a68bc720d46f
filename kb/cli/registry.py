"""``kb init``, ``kb source add`` and ``kb person add``: starting a knowledge base and filling its registries."""

from __future__ import annotations

from pathlib import Path

import click

from kb.cli import cli
from kb.cli.author import _change, _report, _root, _run, dry_run_option
from kb.cli.common import on_first_use
from kb.data.store import display_path

registries = on_first_use("kb.changes.registries")


@cli.command("init")
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@click.option("--sources-dir", help="Folder of the source texts, relative to the new knowledge base (kb.toml).")
@click.pass_context
def init(ctx: click.Context, directory: str | None, sources_dir: str | None) -> None:
    """Start a new, empty knowledge base in DIRECTORY (default: the --kb folder)."""
    root = Path(directory) if directory else _root(ctx)
    written = _run(ctx, registries.init, root, sources_dir)
    for path in written:
        click.echo(f"wrote {display_path(path)}")
    click.echo(f"new knowledge base in {display_path(root)}; next: kb --kb {display_path(root)} source add ...")


@cli.group("source")
def source() -> None:
    """Register source documents (sources.yaml)."""


@source.command("add")
@click.argument("source_id", metavar="ID")
@click.option("--title", required=True, help="The document's title.")
@click.option("--file", "file", help="File name of its plain text in the sources folder.")
@click.option("--kind", default="document", show_default=True, help="blog-post, transcript, commentary, paper, ...")
@click.option("--date", help="Publication or event date (ISO 8601, as precise as known).")
@click.option("--authors", "authors", multiple=True, help="An author or speaker (repeatable).")
@click.option("--url", help="Where it was published.")
@dry_run_option
@click.pass_context
def source_add(ctx: click.Context, source_id: str, title: str, file: str | None, kind: str, date: str | None,
               authors: tuple[str, ...], url: str | None, dry_run: bool) -> None:
    """Register a source document and make its claims folder."""
    _report(_change(ctx, registries.add_source, _root(ctx), source_id, title, file, url, date, authors, kind,
                    dry_run=dry_run))


@cli.group("person")
def person() -> None:
    """Register people (people.yaml)."""


@person.command("add")
@click.argument("person_id", metavar="ID")
@click.option("--name", required=True, help="Full name, or a description for someone unnamed.")
@click.option("--affiliation", help="Organisation, where known.")
@click.option("--role", help="Their part in the debate.")
@click.option("--url", help="A page about them.")
@dry_run_option
@click.pass_context
def person_add(ctx: click.Context, person_id: str, name: str, affiliation: str | None, role: str | None,
               url: str | None, dry_run: bool) -> None:
    """Register a person."""
    _report(_change(ctx, registries.add_person, _root(ctx), person_id, name, affiliation, role, url, dry_run=dry_run))
