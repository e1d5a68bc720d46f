"""Reading the graph's edge attributes, for exporters and for the JSON export's schema alike.

Kept apart from :mod:`kb.publishing.export.core` so that ``kb schema`` and ``kb check``, which
import the JSON export's models, do not load the analysis stack.
"""

from __future__ import annotations


def vias(d: dict) -> tuple[str, ...]:
    """The sources of the edges an undercut edge disputes (``via`` is one id, or a tuple of them)."""
    via = d.get("via")
    if via is None:
        return ()
    return (via,) if isinstance(via, str) else tuple(via)
