"""The ``qualcode`` command line: a thin shell over the library.

Each command lives in a module of this package, parses its arguments, calls one library function,
and formats the result. A :class:`~qualcode.errors.QualcodeError` becomes one line on stderr and
exit status 1; ``--debug`` shows the traceback instead.
"""
from __future__ import annotations

import gc

from .app import QualcodeGroup, main  # noqa: F401  (the group; commands register on it)
# Each command module adds its commands to ``main`` when imported.
from . import commands_corpus  # noqa: F401  (load, demo)
from . import commands_codebook  # noqa: F401  (codebook validate|show|export)
from . import commands_matrix  # noqa: F401  (matrix)
from . import commands_coding  # noqa: F401  (code, train, evaluate, next)
from . import commands_agree  # noqa: F401  (agree)
from . import commands_refi  # noqa: F401  (import, export: REFI-QDA .qdpx/.qdc)
from . import commands_report  # noqa: F401  (report)
from . import commands_project  # noqa: F401  (init, status, history, rehash, codebook new)
from . import commands_web  # noqa: F401  (open: the workbench)
from . import commands_backup  # noqa: F401  (backup, restore)
from . import commands_methods  # noqa: F401  (saturation, methods)


def run() -> None:
    """The ``qualcode`` console script: :func:`main`, then an exit without a last full garbage
    collection (``gc.freeze``): after a command that used spaCy, that collection over objects about
    to be freed anyway took 0.2-0.3 s of every run (benchmarks/run.py times the whole command)."""
    try:
        main()
    finally:
        gc.freeze()

