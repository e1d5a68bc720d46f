"""kb.data.workers: tasks on forked processes, in order, reading what the parent handed over."""

from __future__ import annotations

import os

import pytest

from kb.data import progress, workers


def _task(x: int) -> tuple[int, int, object]:
    progress.report("task", x, 10)
    return x * x, os.getpid(), workers.inherited()


@pytest.mark.parametrize("n", [1, 2, 3])
def test_results_come_back_in_order_with_the_state_each_task_inherited(n):
    state = {"big": list(range(1000))}
    out = list(workers.fork_map(_task, range(25), n, state=state, chunksize=2))
    assert [r[0] for r in out] == [x * x for x in range(25)]
    assert all(r[2] == state for r in out)
    pids = {r[1] for r in out}
    if n == 1:
        assert pids == {os.getpid()}  # in process
    else:
        assert os.getpid() not in pids and 1 <= len(pids) <= n  # forked workers, at most n of them
    assert workers.inherited() is None  # handed back once the map is done


def test_workers_report_no_progress_and_one_worker_does():
    seen = []
    previous = progress.listen(lambda what, done, total: seen.append(done))
    try:
        list(workers.fork_map(_task, range(5), 2))
        assert seen == []  # a worker's reports would otherwise reach a bar it cannot draw on
        list(workers.fork_map(_task, range(5), 1))
        assert seen == [0, 1, 2, 3, 4]
    finally:
        progress.listen(previous)


def test_available_is_at_least_one_and_at_most_the_limit():
    assert 1 <= workers.available() <= 8
    assert workers.available(limit=1) == 1
