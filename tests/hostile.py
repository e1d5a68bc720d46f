"""Shared tools for the hostile-repository tests (tests/test_hostile_*.py).

Each test builds a knowledge base that a stranger could have committed, runs
`kb` on it as a real process (so a traceback, a hang or a write anywhere on
disk shows), and checks the clean outcome: an `error[...]` or `error:` line,
exit 1, and every file under the test's folder, inside the knowledge base or
not, exactly as it was.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO, assemble

# Generous: these guard against hangs and blow-ups (minutes, forever), not speed.
TIMEOUT = 90


def disk(folder: Path) -> dict[str, str]:
    """A fingerprint of everything under folder: content and mode of files, targets of links, kinds of the rest.

    kb's lock file is left out (every writer creates it, empty, and it is
    kb's own), and so is its cache of parsed files (every reader may update
    it; a real SQLite file named as kb names it, nothing else); anything else
    that appears, changes or goes shows.
    """
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = path.relative_to(folder).as_posix()
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                out[rel] = "link:" + os.readlink(path)
            elif stat.S_ISREG(info.st_mode):
                if name == ".kb.lock" and info.st_size == 0:
                    continue
                if name.startswith(".kb-cache.sqlite") and (name.endswith(("-wal", "-shm")) or path.read_bytes()
                                                            .startswith(b"SQLite format 3\0")):
                    continue
                out[rel] = f"file:{oct(info.st_mode)}:" + hashlib.sha256(path.read_bytes()).hexdigest()
            elif stat.S_ISDIR(info.st_mode):
                out[rel] = f"dir:{oct(info.st_mode)}"
            else:
                out[rel] = f"special:{oct(info.st_mode)}"
    return out


def kb(cwd: Path, *args: str, timeout: float = TIMEOUT) -> subprocess.CompletedProcess:
    """Run `kb` in cwd as a separate process; fail the test on a traceback or a hang."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    env.pop("KB_DIR", None)
    result = subprocess.run([sys.executable, "-m", "kb", *args], cwd=cwd, capture_output=True, text=True,
                            timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    assert "Traceback" not in result.stderr, result.stderr
    assert "Traceback" not in result.stdout, result.stdout
    return result


def refused(result: subprocess.CompletedProcess, *needles: str) -> str:
    """Assert a clean refusal: exit 1, an error line, and each needle in the output; the output."""
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "error[" in output or "error:" in output, output
    for needle in needles:
        assert needle in output, output
    return output


@pytest.fixture
def world(tmp_path: Path) -> Path:
    """tmp_path holding claims/ (the small valid knowledge base) and outside/ (a victim's files)."""
    assemble(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("the user's own file\n")
    (outside / "config").write_text("[core]\n\tbare = false\n")
    return tmp_path
