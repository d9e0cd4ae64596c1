"""The package version (one place; ``qualcode.__version__`` and the files qualcode writes)."""
__version__ = "0.1.0"
