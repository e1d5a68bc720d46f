"""The publishing layer: the static site's pages, maps and scripts, and the export formats.
"""
