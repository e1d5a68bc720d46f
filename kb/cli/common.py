"""Shared plumbing for the command modules: error handling and output helpers."""

from __future__ import annotations

import io
import sys

import click

from kb.errors import KBError
from kb.report import printable


class _Printable(io.TextIOBase):
    """A terminal's stream that shows control characters as escapes instead of obeying them.

    Everything kb prints can hold text from the repository (a title, a key, a
    file name); on a terminal, an escape sequence in it could clear the screen,
    retitle the window or fake earlier output. Pipes and files get the text as
    it is (JSON escapes control characters itself).
    """

    def __init__(self, stream):
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(printable(text))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self):  # type: ignore[override]
        return self._stream.encoding

    @property
    def errors(self):  # type: ignore[override]
        return self._stream.errors

    @property
    def buffer(self):
        return self._stream.buffer

    def writable(self) -> bool:
        return True


def guard_terminal() -> None:
    """Route standard output and error through :class:`_Printable` when they are terminals."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        try:
            tty = stream is not None and stream.isatty()
        except (AttributeError, ValueError):
            tty = False
        if tty and not isinstance(stream, _Printable):
            setattr(sys, name, _Printable(stream))


def run_main(group: click.Group) -> None:
    """Run the CLI so that expected failures print a message and exit 1, never a traceback."""
    guard_terminal()
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


def use_cache(ctx: click.Context) -> bool:
    """Whether the command may read and update the knowledge base's cache (off with --no-cache)."""
    return ctx.find_root().obj.get("cache", True)
