"""Problem records and their formatters.

Every problem carries a file, a line and a column so that editors and CI logs can
jump straight to it; the same records feed the text and JSON outputs.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Iterable, Literal

Severity = Literal["error", "warning"]


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
        return f"{self.path}:{self.line}:{self.col}: {self.severity}[{self.code}]: {self.message}"

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("loc")
        return d


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.path, p.line, p.col, p.code, p.message))


def summary(problems: list[Problem], files: int) -> str:
    counts = Counter(p.severity for p in problems)
    errors, warnings = counts["error"], counts["warning"]
    if not problems:
        return f"checked {files} files: no problems"
    return f"checked {files} files: {errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


def format_text(problems: list[Problem], files: int) -> str:
    lines = [p.format() for p in problems]
    lines.append(summary(problems, files))
    return "\n".join(lines)


def format_json(problems: list[Problem], files: int) -> str:
    counts = Counter(p.severity for p in problems)
    return json.dumps(
        {
            "version": 1,
            "files": files,
            "errors": counts["error"],
            "warnings": counts["warning"],
            "problems": [p.to_dict() for p in problems],
        },
        indent=2,
        ensure_ascii=False,
    )
