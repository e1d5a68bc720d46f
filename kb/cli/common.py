"""Shared plumbing for the command modules: error handling and output helpers."""

from __future__ import annotations

import importlib
import io
import os
import sys
import time
from types import ModuleType

import click

from kb.data.errors import KBError
from kb.rules.report import printable


class _OnFirstUse:
    """A module imported when a command first reads from it (see :func:`on_first_use`)."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attribute: str):
        return getattr(importlib.import_module(self._name), attribute)


def on_first_use(name: str) -> ModuleType:
    """Module ``name``, imported only when something is first read from it.

    The editing library brings in pydantic and the models (a third of a
    second): ``kb --help``, which loads every command to list it, and tab
    completion need none of it.
    """
    return _OnFirstUse(name)  # type: ignore[return-value]


class _Printable(io.TextIOBase):
    """A terminal's stream that shows control characters as escapes instead of obeying them.

    Everything kb prints can hold text from the repository (a title, a key, a
    file name); on a terminal, an escape sequence in it could clear the screen,
    retitle the window or fake earlier output. Pipes and files get the text as
    it is (JSON escapes control characters itself).
    """

    def __init__(self, stream):
        self._stream = stream
        self.before_write = None  # called once, before the first write (a progress bar clears itself)

    def write(self, text: str) -> int:
        if self.before_write is not None:
            hook, self.before_write = self.before_write, None
            hook()
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


# Seconds of work before a progress bar appears ($KB_PROGRESS_AFTER changes it, for tests).
PROGRESS_AFTER = 1.0


class _Bar:
    """Draws the library's progress reports as a rich bar on the terminal, once work has taken a while.

    Only when both standard output and error are terminals, and never for
    ``--format json``: a script reading the output must see nothing else. rich
    is imported only when a bar is actually drawn.
    """

    def __init__(self, stream):
        self._stream = stream
        self._start = time.monotonic()
        try:
            self._after = float(os.environ.get("KB_PROGRESS_AFTER", PROGRESS_AFTER))
        except ValueError:
            self._after = PROGRESS_AFTER
        self._progress = None
        self._tasks: dict[str, object] = {}
        self._off = False

    def __call__(self, what: str, done: int, total: int) -> None:
        if self._off:
            return
        if self._progress is None:
            if time.monotonic() - self._start < self._after:
                return
            ctx = click.get_current_context(silent=True)
            if ctx is not None and ctx.params.get("fmt") == "json":
                self._off = True
                return
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                       TimeRemainingColumn)

            # The time left, estimated from the pace so far: on a large circular map a crux search can run
            # for hours, and a person should see that at once rather than wait to find out.
            self._progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                      TimeElapsedColumn(), TimeRemainingColumn(), TextColumn("left"),
                                      console=Console(file=self._stream), transient=True,
                                      redirect_stdout=False, redirect_stderr=False)
            self._progress.start()
        task = self._tasks.get(what)
        if task is None:
            task = self._tasks[what] = self._progress.add_task(what, total=total)
        self._progress.update(task, completed=done, total=total)

    def close(self) -> None:
        """Clear the bar for good: called before the command's first line of output."""
        self._off = True
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def _terminal(stream) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):
        return False


def run_main(group: click.Group) -> None:
    """Run the CLI so that expected failures print a message and exit 1, never a traceback."""
    from kb.data import progress

    bar = _Bar(sys.stderr) if _terminal(sys.stdout) and _terminal(sys.stderr) else None
    progress.listen(bar)
    guard_terminal()
    if bar is not None:
        for stream in (sys.stdout, sys.stderr):
            if isinstance(stream, _Printable):
                stream.before_write = bar.close
    try:
        _run(group)
    finally:
        if bar is not None:
            bar.close()
        progress.listen(None)


def _run(group: click.Group) -> None:
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
