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


# How often a worker looks whether the process that forked it is still there.
ORPHAN_CHECK_SECONDS = 0.5


def _start_worker(parent: int) -> None:
    """Set up a forked worker: no progress reports of its own, and an end when its parent ends.

    A kb command killed while its workers run (a timeout, ``kill``, a closed
    terminal's hang-up that reaches only the parent) would otherwise leave them
    working through their tasks for minutes, each holding a copy of the map.
    """
    import threading
    import time

    from kb.data import progress

    progress.listen(None)

    def watch() -> None:
        while True:
            time.sleep(ORPHAN_CHECK_SECONDS)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="kb-orphan-watch", daemon=True).start()


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

        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                 initializer=_start_worker, initargs=(os.getpid(),)) as pool:
            yield from pool.map(fn, items, chunksize=chunksize)
    finally:
        _inherited = previous
