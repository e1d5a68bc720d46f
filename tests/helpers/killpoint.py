"""Run a kb command once per step of its write path, SIGKILLing it at that step.

Usage: python killpoint.py WORKDIR STRIDE KB_ARGS...

WORKDIR/template/claims is the knowledge base to start from. The command first
runs to completion in WORKDIR/reference, counting the lines it executes inside
the functions that write (the journal, each temporary file, fsync, link,
rename, unlink). Then, for every STRIDE-th step n, a fresh copy of the
template goes to WORKDIR/kill-n and the command runs there in a forked child
that kills itself with SIGKILL just before executing step n. Forking from a
parent that has already imported kb keeps a hundred runs quick; each child is
still a real process that dies without any cleanup.

Prints JSON: {"steps": N, "killed": {n: true if the child died of SIGKILL}}.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
from pathlib import Path

WATCHED = {
    ("authoring.py", "_write"), ("authoring.py", "_apply"), ("authoring.py", "_finish_pending"),
    ("store.py", "write_atomic"), ("store.py", "create_exclusive"), ("store.py", "_create_unnamed"),
    ("store.py", "_link_fd"), ("store.py", "_fsync_dir"), ("store.py", "remove_durable"),
}


def run_child(folder: Path, args: list[str], kill_at: int, count_file: Path) -> int:
    """Fork, run kb in folder, and return the child's wait status."""
    from kb.cli import main as kb_main

    pid = os.fork()
    if pid:
        return os.waitpid(pid, 0)[1]
    os.chdir(folder)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # the parent's stdout carries the report
    os.dup2(devnull, 2)
    count = 0

    def local(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
            if count == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
        return local

    def tracer(frame, event, arg):
        code = frame.f_code
        return local if (os.path.basename(code.co_filename), code.co_name) in WATCHED else None

    sys.argv = ["kb", *args]
    code = 1
    sys.settrace(tracer)
    try:
        kb_main()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    finally:
        sys.settrace(None)
        count_file.write_text(str(count))
        os._exit(code)


def warm_up(workdir: Path, args: list[str]) -> None:
    """Run the command once in the parent, untraced, in a throwaway copy.

    A child that imported kb's modules itself would do so under the tracer,
    which is called on every function entry: importing pydantic, the models and
    the rest that way costs most of a second per child, nearly all of the test's
    time, and steps nothing the tracer counts. Children forked after this start
    with everything imported.
    """
    import contextlib
    import io

    from kb.cli import main as kb_main

    folder = workdir / "warm-up"
    shutil.copytree(workdir / "template", folder)
    cwd = os.getcwd()
    os.chdir(folder)
    sys.argv = ["kb", *args]
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            kb_main()
    except SystemExit:
        pass
    finally:
        os.chdir(cwd)


def main() -> None:
    workdir, stride, args = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    warm_up(workdir, args)
    template = workdir / "template"
    shutil.copytree(template, workdir / "reference")
    status = run_child(workdir / "reference", args, 0, workdir / "steps")
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        raise SystemExit(f"the uninterrupted run failed (status {status})")
    steps = int((workdir / "steps").read_text())
    killed = {}
    for n in range(1, steps + 1, stride):
        folder = workdir / f"kill-{n}"
        shutil.copytree(template, folder)
        status = run_child(folder, args, n, workdir / "ignored")
        killed[n] = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    print(json.dumps({"steps": steps, "killed": killed}))


if __name__ == "__main__":
    main()
