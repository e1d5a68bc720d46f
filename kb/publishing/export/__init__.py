"""Exports of the knowledge base to the formats other argument tools read.

Each format is a module with a pure function from a :class:`~kb.publishing.export.core.Bundle`
(the selected graph plus the analysis of the whole map) to text; nothing here
writes files. :mod:`kb.publishing.export.core` ties them together.
"""
