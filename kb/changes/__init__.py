"""The changes layer: edits to a knowledge base (validated, locked, atomic), its registries, and
imports from AIF and Argdown.
"""
