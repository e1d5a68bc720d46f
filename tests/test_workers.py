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


ORPHANED = """
import os, sys, time
from kb.data import workers

def task(folder):
    with open(os.path.join(folder, str(os.getpid())), "w"):
        pass
    time.sleep(60)  # far longer than the test waits: only the parent's end can stop it

list(workers.fork_map(task, [sys.argv[1]] * 2, 2))
"""


def _alive(pid: int) -> bool:
    """Whether a process runs (a zombie, ended but not yet reaped by whoever adopted it, does not)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads process states from /proc")
def test_workers_end_when_the_command_that_forked_them_is_killed(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    parent = subprocess.Popen([sys.executable, "-c", ORPHANED, str(tmp_path)])
    try:
        deadline = time.monotonic() + 60
        while len(list(tmp_path.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        pids = [int(p.name) for p in tmp_path.iterdir()]
        assert len(pids) == 2 and all(_alive(pid) for pid in pids)
    finally:
        parent.send_signal(signal.SIGTERM)  # what a timeout or `kill` sends: to the parent alone
        parent.wait()
    deadline = time.monotonic() + 10 * workers.ORPHAN_CHECK_SECONDS + 5
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [pid for pid in pids if _alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, "workers outlived the command that forked them"
