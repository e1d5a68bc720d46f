"""Shell completion of ids, people, sources, tags and perspectives, for every command that takes them.

The look-ups read file names and the registries only, and are imported when a
completion runs, so commands that merely declare them pay nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from click.shell_completion import CompletionItem


def _root(ctx: click.Context) -> Path:
    # While completing, the group's callback has not run, so ctx.obj is unset.
    return Path(ctx.find_root().params.get("kb_dir") or os.environ.get("KB_DIR") or "claims")


def ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    from kb.changes import authoring

    return [CompletionItem(i) for i in authoring.node_ids(_root(ctx)) if i.startswith(incomplete)]


def people(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    from kb.changes import authoring

    return [CompletionItem(i, help=name) for i, name in authoring.people(_root(ctx)).items()
            if i.startswith(incomplete)]


def perspectives(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """'neutral' and every person: whose base scores an analysis starts from."""
    head = [CompletionItem("neutral", help="every base score 0.5")] if "neutral".startswith(incomplete) else []
    return head + people(ctx, param, incomplete)


def sources(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    from kb.changes import authoring

    return [CompletionItem(i, help=title) for i, title in authoring.sources(_root(ctx)).items()
            if i.startswith(incomplete)]


def tags(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    from kb.changes import authoring

    return [CompletionItem(t) for t in authoring.tags(_root(ctx)) if t.startswith(incomplete)]
