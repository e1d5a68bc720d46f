"""The analysis layer: the knowledge base as a graph, its strengths, labels, cruxes and queries.

Nothing here reads or writes files, except ``coverage.coverage``, which reads the source texts.
"""
