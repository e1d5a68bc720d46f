"""Problem records and their formatters.

Every problem carries a file, a line and a column so that editors and CI logs can
jump straight to it; the same records feed the text and JSON outputs.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Iterable, Literal

# A note is information, never a defect: it does not fail a check, --strict included.
Severity = Literal["error", "warning", "note"]

# Characters that steer a terminal rather than show: C0 controls but tab and
# newline (ESC starts every escape sequence, CR overwrites a line), DEL, C1
# controls (a single-byte CSI or OSC), and the bidirectional overrides that make
# text display in another order than it reads.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str, newlines: bool = True) -> str:
    """Text from the knowledge base made safe to print: every control character shown as an escape.

    A title or a key holding ``\\x1b[2J`` would otherwise clear the screen
    (hiding earlier errors), and an OSC sequence retitle the terminal.
    """
    out = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)
    return out if newlines else out.replace("\n", "\\n")


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    col: int
    code: str
    message: str
    severity: Severity = "error"
    # Where in the YAML document the problem sits, as a key/index path; used to
    # find line and column lazily, only for files that have problems.
    loc: tuple = field(default=(), compare=False, repr=False)

    def as_error(self) -> "Problem":
        return Problem(self.path, self.line, self.col, self.code, self.message, "error", self.loc)

    def format(self) -> str:
        # One line, fit for a terminal, whatever the file's name or the key it quotes holds.
        return printable(f"{self.path}:{self.line}:{self.col}: {self.severity}[{self.code}]: {self.message}", False)

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("loc")
        return d


class Findings:
    """Errors and verdict of a result that holds ``problems`` (a check's, read fresh or from the cache)."""

    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Problems in the order they are reported: by file and place, then code and message.

    Severity and location break the last ties, so the order never depends on
    the order the rules found them in (a check after an edit finds them in
    another, see :mod:`kb.rules.delta`).
    """
    return sorted(problems, key=lambda p: (p.path, p.line, p.col, p.code, p.message, p.severity, repr(p.loc)))


def summary(problems: list[Problem], files: int) -> str:
    counts = Counter(p.severity for p in problems)
    errors, warnings, notes = counts["error"], counts["warning"], counts["note"]
    tail = f", {notes} note{'s' * (notes != 1)}" if notes else ""
    if not errors and not warnings:
        return f"checked {files} files: no problems{tail}"
    return f"checked {files} files: {errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}{tail}"


def format_text(problems: list[Problem], files: int) -> str:
    lines = [p.format() for p in problems]
    lines.append(summary(problems, files))
    return "\n".join(lines)


def format_json(problems: list[Problem], files: int) -> str:
    counts = Counter(p.severity for p in problems)
    from kb.data import jsonout

    return jsonout.dumps(
        {
            "version": 1,
            "files": files,
            "errors": counts["error"],
            "warnings": counts["warning"],
            "notes": counts["note"],
            "problems": [p.to_dict() for p in problems],
        },
    )
