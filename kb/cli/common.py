"""Shared plumbing for the command modules: error handling and output helpers."""

from __future__ import annotations

import sys

import click

from kb.errors import KBError


def run_main(group: click.Group) -> None:
    """Run the CLI so that expected failures print a message and exit 1, never a traceback."""
    try:
        code = group.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KBError as exc:
        for problem in exc.problems:
            click.echo(problem.format(), err=True)
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except BrokenPipeError:
        sys.exit(0)
    sys.exit(code if isinstance(code, int) else 0)


def kb_dir(ctx: click.Context) -> str:
    return ctx.find_root().obj["kb_dir"]
