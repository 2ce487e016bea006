"""Step code, pipeline definitions and the local runtime of the secure MLOps module registry."""

__version__ = "0.4.0"
