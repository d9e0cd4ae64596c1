"""``python -m qualcode``: the same as the ``qualcode`` command."""
from qualcode.cli import run

run()
