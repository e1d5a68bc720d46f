"""Work spread over forked processes: the one way kb uses more than one core.

Forked workers inherit the parent's memory, so a task can read a large
structure (a parsed file list, a solved network) without it being pickled:
the parent hands it over as ``state`` and each task reads it back with
:func:`inherited`. Forking a process that runs threads is unsafe, so callers
that may run inside a threaded server (the site's dev server) pass one
worker, which runs everything in process, in the same order, with the same
results.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_inherited: Any = None


def available(limit: int = 8) -> int:
    """How many workers this machine can usefully run (1 where processes cannot be forked)."""
    if not hasattr(os, "fork"):
        return 1
    return max(1, min(os.cpu_count() or 1, limit))


def inherited() -> Any:
    """The ``state`` of the :func:`fork_map` that is running this task."""
    return _inherited


def fork_map(fn: Callable[[T], R], items: Iterable[T], workers: int, *, state: Any = None,
             chunksize: int = 1) -> Iterator[R]:
    """``fn`` over ``items``, results in order, on ``workers`` forked processes (in process for one).

    ``fn`` must be a module-level function (it is sent to the workers by
    name). Workers report no progress: the parent reports as results arrive.
    """
    global _inherited
    previous, _inherited = _inherited, state
    try:
        if workers < 2 or not hasattr(os, "fork"):
            yield from map(fn, items)
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from kb.data import progress

        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                 initializer=progress.listen, initargs=(None,)) as pool:
            yield from pool.map(fn, items, chunksize=chunksize)
    finally:
        _inherited = previous
