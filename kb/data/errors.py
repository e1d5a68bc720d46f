"""Exceptions that carry problems meant for people, not tracebacks."""

from __future__ import annotations


class KBError(Exception):
    """An error whose message is fit to show a user as it is."""

    def __init__(self, message: str, problems: list | None = None):
        super().__init__(message)
        self.problems = problems or []


class UnknownId(KBError):
    """An id that names no node, with the closest existing ids to suggest."""

    def __init__(self, what: str, value: str, suggestions: list[str]):
        hint = f" (did you mean {', '.join(suggestions)}?)" if suggestions else ""
        super().__init__(f"unknown {what} '{value}'{hint}")
        self.value = value
        self.suggestions = suggestions
