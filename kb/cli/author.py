"""Editing commands: ``kb add``, ``link``, ``unlink``, ``stance``, ``rm``, ``mv``, ``fmt`` and ``recover``.

The library (kb.changes.authoring) does the work and all the checking; these commands
gather arguments, asking for missing ones when a person is at the terminal,
and report the outcome.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

import click
from click.shell_completion import CompletionItem

from kb.cli import cli, complete
from kb.cli.common import kb_dir, on_first_use, use_cache
from kb.data.errors import KBError
from kb.data.kinds import KINDS
from kb.data.relations import EDGE_RELATIONS

if TYPE_CHECKING:
    from kb.changes import answers, authoring
else:  # the editing library loads pydantic: not for `kb --help` or completion
    answers, authoring = on_first_use("kb.changes.answers"), on_first_use("kb.changes.authoring")

# --- completion ---------------------------------------------------------------------------------

complete_ids, complete_people, complete_sources, complete_tags = complete.ids, complete.people, complete.sources, complete.tags


def complete_link_ends(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    return complete_ids(ctx, param, incomplete)


def complete_unlink_ends(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    words = [CompletionItem("undercuts")] if "undercuts".startswith(incomplete) and not ctx.params.get("ends") else []
    return words + complete_ids(ctx, param, incomplete)


# --- prompting ---------------------------------------------------------------------------------


def interactive() -> bool:
    """Whether someone is at the terminal to answer questions."""
    return sys.stdin.isatty()


@contextmanager
def _tab_completes(words: Iterable[str]) -> Iterator[None]:
    try:
        import readline
    except ImportError:  # no readline (Windows): plain prompts
        yield
        return
    choices = sorted(words)
    matches: list[str] = []

    def complete(text: str, state: int) -> str | None:
        if state == 0:
            matches[:] = [w for w in choices if w.startswith(text)]
        return matches[state] if state < len(matches) else None

    old_completer, old_delims = readline.get_completer(), readline.get_completer_delims()
    readline.set_completer(complete)
    readline.set_completer_delims(" \t\n,")
    readline.parse_and_bind("tab: complete")
    try:
        yield
    finally:
        readline.set_completer(old_completer)
        readline.set_completer_delims(old_delims)


def _ask(value, option: str, label: str, check: Callable[[str], object],
         words: Callable[[], Iterable[str]] | None = None, optional: bool = False):
    """value when given; otherwise ask on the terminal until check accepts the answer.

    A wrong answer is explained (with suggestions) and asked again, so nothing
    typed before it is lost. An optional question takes Enter for none.
    """
    if value is not None:
        return value
    if not interactive():
        raise click.UsageError(f"missing {option} (no terminal to ask on)")
    hint = (" (Tab completes; Enter for none)" if optional else " (Tab completes)") if words else (
        " (Enter for none)" if optional else "")
    with _tab_completes(words() if words else ()):
        while True:
            answer = click.prompt(label + hint, default="" if optional else None, show_default=False)
            if optional and not answer.strip():
                return check("")
            try:
                return check(answer)
            except KBError as exc:
                click.echo(f"  {exc}; try again", err=True)


# --- reporting ---------------------------------------------------------------------------------


def _fail(ctx: click.Context, exc: KBError) -> None:
    for problem in exc.problems:
        click.echo(problem.format(), err=True)
    click.echo(f"error: {exc}", err=True)
    ctx.exit(1)


def _run(ctx: click.Context, operation: Callable[..., authoring.Outcome], *args, **kwargs) -> authoring.Outcome:
    try:
        return operation(*args, **kwargs)
    except KBError as exc:
        _fail(ctx, exc)
        raise AssertionError("unreachable")  # pragma: no cover - ctx.exit raises


def _change(ctx: click.Context, operation: Callable[..., authoring.Outcome], *args, **kwargs) -> authoring.Outcome:
    """:func:`_run` for an operation that loads the knowledge base: through the cache unless --no-cache."""
    return _run(ctx, operation, *args, cache=use_cache(ctx), **kwargs)


def _report(outcome: authoring.Outcome, show_diff: bool = True) -> None:
    if outcome.recovered:
        click.echo(f"finished the interrupted `{outcome.recovered}` first", err=True)
    if outcome.dry_run:
        if show_diff:
            click.echo(outcome.diff(), nl=False)
        click.echo(f"dry run, nothing written: {outcome.summary}", err=True)
    else:
        click.echo(outcome.summary)
    for warning in outcome.warnings:
        click.echo(warning.format(), err=True)
    if outcome.remaining_errors:
        n = outcome.remaining_errors
        click.echo(f"note: the knowledge base still has {n} error{'s' * (n != 1)} this change did not cause "
                   "(see kb check)", err=True)


def _root(ctx: click.Context) -> Path:
    return Path(kb_dir(ctx))


dry_run_option = click.option("--dry-run", "-n", is_flag=True, help="Show the change; write nothing.")


# --- commands ----------------------------------------------------------------------------------


@cli.command()
@click.argument("kind", required=False, type=click.Choice(KINDS, case_sensitive=False))
@click.option("--title", help="Short label for maps (at most 100 characters).")
@click.option("--text", help="The claim in the knowledge base's own words.")
@click.option("--speaker", shell_complete=complete_people, help="Person who asserts it (an id from people.yaml).")
@click.option("--presenter", shell_complete=complete_people,
              help="Person who presents or reports it, when not its holder (an id from people.yaml).")
@click.option("--source", "document", shell_complete=complete_sources, help="Source document id (sources.yaml).")
@click.option("--quote", help="Verbatim anchor from the source; an empty string for none.")
@click.option("--section", help="Heading of the section the quote sits under.")
@click.option("--supports", multiple=True, shell_complete=complete_ids, metavar="ID", help="A node this one supports (repeatable).")
@click.option("--attacks", multiple=True, shell_complete=complete_ids, metavar="ID", help="A node this one attacks (repeatable).")
@click.option("--tag", "tags", multiple=True, shell_complete=complete.tags, help="A tag (repeatable).")
@click.option("--id", "node_id", help="The node's id; by default a unique slug of the title.")
@click.option("--dir", "folder", help="Folder inside the knowledge base; by default the source's folder if it has one.")
@click.option("--dry-run", "-n", is_flag=True, help="Print the file that would be written; write nothing.")
@click.pass_context
def add(ctx: click.Context, kind: str | None, title: str | None, text: str | None, speaker: str | None,
        presenter: str | None, document: str | None, quote: str | None, section: str | None, supports: tuple[str, ...],
        attacks: tuple[str, ...], tags: tuple[str, ...], node_id: str | None, folder: str | None,
        dry_run: bool) -> None:
    """Create a node. Missing values are asked for on a terminal, and are an error otherwise.

    Each answer is checked as it is typed: a wrong one is explained, with
    suggestions, and asked again. People and sources may be answered by name.
    """
    root = _root(ctx)
    check = answers.Answers.load(root) if interactive() else answers.Answers(root)
    kind = _ask(kind, "KIND", f"kind ({', '.join(KINDS)})", check.kind, lambda: KINDS).lower()
    title = _ask(title, "--title", "title", check.title)
    text = _ask(text, "--text", "text", check.text)
    speaker = _ask(speaker, "--speaker", "speaker (id or name)", check.person, lambda: check.people)
    document = _ask(document, "--source", "source (id or title)", check.source, lambda: check.sources)
    if interactive():
        section = _ask(section, "--section", "section heading", str.strip, optional=True) or None
    if quote is None and not interactive():
        raise click.UsageError("missing --quote (no terminal to ask on; --quote '' for none)")
    quote = _ask(quote, "--quote", "quote (verbatim)", check.quote_in(document), optional=True)
    if not supports and not attacks and interactive():
        # A node without edges is an orphan: worth asking, never required.
        supports = _ask(None, "--supports", "supports (ids)", check.node_list, lambda: check.ids, optional=True)
        attacks = _ask(None, "--attacks", "attacks (ids)", check.node_list, lambda: check.ids, optional=True)
    if not tags and interactive():
        tags = _ask(None, "--tag", "tags", check.tags, lambda: authoring.tags(root), optional=True)
    outcome = _change(ctx, authoring.add, root, kind, title, text, speaker, document, quote or None, section,
                      supports, attacks, tags, node_id, folder, presenter=presenter, dry_run=dry_run)
    if dry_run:
        click.echo(f"# would write {outcome.changes[0].path}", err=True)
        click.echo(outcome.changes[0].after, nl=False)
    _report(outcome, show_diff=False)


@cli.command()
@click.argument("source_id", metavar="X", shell_complete=complete_ids)
@click.argument("relation", type=click.Choice(EDGE_RELATIONS))
@click.argument("ends", nargs=-1, required=True, metavar="TARGET | A B", shell_complete=complete_link_ends)
@click.option("--with", "premises", multiple=True, shell_complete=complete_ids, metavar="ID",
              help="Another premise of the same argument (repeatable): X and these support or attack TARGET jointly.")
@click.option("--weight", type=click.FloatRange(0.0, 1.0), help="How strongly the relation holds (default 1).")
@click.option("--note", help="Why the relation holds (say so when it is the knowledge base's own reading).")
@dry_run_option
@click.pass_context
def link(ctx: click.Context, source_id: str, relation: str, ends: tuple[str, ...], premises: tuple[str, ...],
         weight: float | None, note: str | None, dry_run: bool) -> None:
    """Make X support, attack or restate TARGET, or undercut the edge from A to B.

    \b
    kb link X supports T [--with P ...]   X (with P ...) argues for T
    kb link X attacks T [--with P ...]    X (with P ...) argues against T
    kb link X undercuts A B               X disputes that A supports (or attacks) B
    kb link X restates Y                  X says again what Y says
    """
    wanted = 2 if relation == "undercuts" else 1
    if len(ends) != wanted:
        raise click.UsageError(f"`kb link X {relation}` takes {'A B (the edge undercut)' if wanted == 2 else 'one target'}")
    if premises and relation not in authoring.RELATIONS:
        raise click.UsageError("--with belongs to supports and attacks")
    if relation == "restates" and (weight is not None or note is not None):
        raise click.UsageError("a restatement has no weight or note")
    root = _root(ctx)
    if relation == "undercuts":
        outcome = _change(ctx, authoring.undercut, root, source_id, ends[0], ends[1], weight, note, dry_run=dry_run)
    elif relation == "restates":
        outcome = _change(ctx, authoring.restate, root, source_id, ends[0], dry_run=dry_run)
    else:
        outcome = _change(ctx, authoring.link, root, source_id, relation, ends[0], weight, note, premises,
                          dry_run=dry_run)
    _report(outcome)


@cli.command()
@click.argument("source_id", metavar="X", shell_complete=complete_ids)
@click.argument("ends", nargs=-1, required=True, metavar="TARGET | undercuts A B", shell_complete=complete_unlink_ends)
@click.option("--with", "premises", multiple=True, shell_complete=complete_ids, metavar="ID",
              help="Remove only this premise from the linked argument X -> TARGET (repeatable).")
@dry_run_option
@click.pass_context
def unlink(ctx: click.Context, source_id: str, ends: tuple[str, ...], premises: tuple[str, ...], dry_run: bool) -> None:
    """Remove X's support, attack or restatement of TARGET, or its undercut of the edge A -> B."""
    root = _root(ctx)
    if ends and ends[0] == "undercuts":
        if len(ends) != 3:
            raise click.UsageError("`kb unlink X undercuts A B` names the undercut edge by both ends")
        outcome = _change(ctx, authoring.remove_undercut, root, source_id, ends[1], ends[2], dry_run=dry_run)
    elif len(ends) != 1:
        raise click.UsageError("`kb unlink X TARGET` or `kb unlink X undercuts A B`")
    else:
        outcome = _change(ctx, authoring.unlink, root, source_id, ends[0], premises, dry_run=dry_run)
    _report(outcome)


@cli.command()
@click.argument("person", shell_complete=complete_people)
@click.argument("node_id", metavar="ID", shell_complete=complete_ids)
@click.argument("credence", type=click.FloatRange(0.0, 1.0))
@click.option("--quote", help="Verbatim words showing where they stand.")
@click.option("--source", "document", shell_complete=complete_sources,
              help="The document the quote comes from, when it is not the node's own.")
@click.option("--note", help="How the credence was read from the text.")
@dry_run_option
@click.pass_context
def stance(ctx: click.Context, person: str, node_id: str, credence: float, quote: str | None, document: str | None,
           note: str | None, dry_run: bool) -> None:
    """Record how strongly PERSON accepts claim ID, from 0 (rejects) to 1 (accepts)."""
    _report(_change(ctx, authoring.stance, _root(ctx), person, node_id, credence, quote, document, note,
                    dry_run=dry_run))


@cli.command("set")
@click.argument("node_id", metavar="ID", shell_complete=complete_ids)
@click.option("--title", help="Short label for maps (at most 100 characters).")
@click.option("--text", help="The claim in the knowledge base's own words.")
@click.option("--kind", type=click.Choice(KINDS, case_sensitive=False))
@click.option("--speaker", shell_complete=complete_people, help="Who holds the claim.")
@click.option("--presenter", shell_complete=complete_people, help="Who presents or reports it ('' removes it).")
@click.option("--source", "document", shell_complete=complete_sources, help="Source document id.")
@click.option("--quote", help="Verbatim anchor from the source ('' removes it).")
@click.option("--section", help="Heading the quote sits under ('' removes it).")
@click.option("--note", help="Editorial note ('' removes it).")
@click.option("--tag", "tags", multiple=True, shell_complete=complete_tags, help="Add a tag (repeatable).")
@click.option("--untag", "untags", multiple=True, shell_complete=complete_tags, help="Remove a tag (repeatable).")
@dry_run_option
@click.pass_context
def set_(ctx: click.Context, node_id: str, tags: tuple[str, ...], untags: tuple[str, ...], dry_run: bool,
         **fields: str | None) -> None:
    """Change fields of node ID in place; the rest of its file is kept as it is."""
    values = {name: value for name, value in fields.items() if value is not None}
    if "kind" in values:
        values["kind"] = values["kind"].lower()
    _report(_change(ctx, authoring.set_fields, _root(ctx), node_id, values, tags, untags, dry_run=dry_run))


@cli.command("rm")
@click.argument("node_id", metavar="ID", shell_complete=complete_ids)
@click.option("--cascade", is_flag=True, help="Also remove every reference to ID (edges, premises, undercuts, restatements).")
@dry_run_option
@click.pass_context
def rm(ctx: click.Context, node_id: str, cascade: bool, dry_run: bool) -> None:
    """Delete a node; refused while other nodes refer to it, unless --cascade."""
    _report(_change(ctx, authoring.remove, _root(ctx), node_id, cascade, dry_run=dry_run))


@cli.command("mv")
@click.argument("old_id", metavar="OLD", shell_complete=complete_ids)
@click.argument("new_id", metavar="NEW", required=False)
@click.option("--dir", "folder", help="Move the file into this folder of the knowledge base (created if needed).")
@dry_run_option
@click.pass_context
def mv(ctx: click.Context, old_id: str, new_id: str | None, folder: str | None, dry_run: bool) -> None:
    """Rename a node (and/or move it to another folder) and rewrite every reference to it."""
    if new_id is None and folder is None:
        raise click.UsageError("give NEW, --dir FOLDER, or both")
    _report(_change(ctx, authoring.rename, _root(ctx), old_id, old_id if new_id is None else new_id, folder,
                    dry_run=dry_run))


@cli.command("fmt")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--check", "check_only", is_flag=True, help="List files not in the canonical layout and exit 1; write nothing.")
@click.pass_context
def fmt(ctx: click.Context, files: tuple[str, ...], check_only: bool) -> None:
    """Rewrite node files into the canonical layout, keeping their comments.

    FILES limits it to those files (others, such as people.yaml, are skipped).
    """
    try:
        result = authoring.fmt(_root(ctx), [Path(f) for f in files] if files else None, check_only)
    except KBError as exc:
        _fail(ctx, exc)
        return
    for problem in result.problems:
        click.echo(problem.format(), err=True)
    if check_only:
        for path in result.changed:
            click.echo(f"{authoring.display_path(path)}: not in the canonical layout (run kb fmt)")
        ctx.exit(1 if result.changed or result.problems else 0)
    n = len(result.changed)
    click.echo(f"formatted {n} file{'s' * (n != 1)}" + (f", skipped {len({p.path for p in result.problems})} that do not load"
                                                         if result.problems else ""))
    ctx.exit(1 if result.problems else 0)


@cli.command()
@click.pass_context
def recover(ctx: click.Context) -> None:
    """Finish a `kb mv` or `kb rm --cascade` that was interrupted."""
    try:
        command = authoring.recover(_root(ctx))
    except KBError as exc:
        _fail(ctx, exc)
        return
    click.echo(f"finished the interrupted `{command}`" if command else "nothing to recover")
