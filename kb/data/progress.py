"""Progress of long work, told to whoever listens; nobody does by default.

Library code never prints: it reports how far it is (``report``), and the
command line, on a terminal, draws a bar from that once the work has taken
longer than a moment. Reporting is cheap enough for a loop's every few items.
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator, TypeVar

Listener = Callable[[str, int, int], None]
T = TypeVar("T")

_listener: Listener | None = None
# Report every this many items: often enough for a smooth bar, rarely enough to cost nothing.
EVERY = 64


def listen(listener: Listener | None) -> Listener | None:
    """Send reports to listener (None: to nobody); the previous listener is returned."""
    global _listener
    previous, _listener = _listener, listener
    return previous


def report(what: str, done: int, total: int) -> None:
    if _listener is not None:
        _listener(what, done, total)


def track(items: Iterable[T], what: str, total: int) -> Iterator[T]:
    """The items, reporting progress through them every :data:`EVERY` items and at the end."""
    if _listener is None:
        yield from items
        return
    done = 0
    for done, item in enumerate(items, 1):
        if done % EVERY == 0:
            report(what, done, total)
        yield item
    report(what, done, total)
