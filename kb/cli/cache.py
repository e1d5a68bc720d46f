"""``kb cache clear``: drop the knowledge base's cache (always safe; the next command rebuilds it)."""

from __future__ import annotations

from pathlib import Path

import click

from kb.data import cache
from kb.cli import cli
from kb.cli.common import kb_dir
from kb.data.store import display_path


@cli.group("cache")
def cache_group() -> None:
    """The cache of parsed files kept beside the knowledge base (git-ignored, safe to delete)."""


@cache_group.command("clear")
@click.pass_context
def clear_cmd(ctx: click.Context) -> None:
    """Delete the cache; the next command reads every file again and rebuilds it."""
    removed = cache.clear(Path(kb_dir(ctx)))
    where = display_path(cache.cache_path(Path(kb_dir(ctx))))
    click.echo(f"removed {where}" if removed else f"no cache to remove ({where})")
