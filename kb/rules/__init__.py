"""The rules layer: what ``kb check`` reports about a knowledge base, and how problems are written.
"""
