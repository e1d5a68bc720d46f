"""kb: a git-native argument-mapping knowledge base.

Claims live as one YAML file per node under ``claims/``; this package loads,
validates, analyses and publishes them.
"""

__version__ = "0.1.0"
