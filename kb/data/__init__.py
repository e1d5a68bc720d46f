"""The data layer: the models (the single source of truth for every schema), reading and writing
node files, the caches beside a knowledge base, and the small vocabularies every other layer reads.
"""
