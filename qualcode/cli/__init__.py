"""The ``qualcode`` command line: a thin shell over the library.

Each command lives in a module of this package, parses its arguments, calls one library function,
and formats the result. A :class:`~qualcode.errors.QualcodeError` becomes one line on stderr and
exit status 1; ``--debug`` shows the traceback instead.
"""
from __future__ import annotations

import gc
import warnings

import click

from ..errors import QualcodeError


class QualcodeGroup(click.Group):
    """Turns library errors into one-line messages unless ``--debug`` is given."""

    def invoke(self, ctx: click.Context):
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.showwarning = _show_warning
            return self._invoke(ctx)

    def _invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except QualcodeError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            raise click.ClickException(str(exc)) from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            raise click.Abort() from None
        except Exception as exc:  # an internal error: still one line, with a way to see more
            if ctx.obj and ctx.obj.get("debug"):
                raise
            raise click.ClickException(
                f"internal error ({type(exc).__name__}: {exc}); rerun with --debug and report it"
            ) from None


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Library warnings reach the user as one line on stderr, without file and line noise."""
    click.echo(f"warning: {str(message).splitlines()[0] if str(message) else category.__name__}", err=True)


@click.group(cls=QualcodeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show full tracebacks instead of one-line errors.")
@click.version_option(package_name="qualcode")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """qualcode: code qualitative interview transcripts reproducibly.

    Load transcripts, apply a codebook, suggest codes with keyword rules or a classifier trained on
    your own coding, measure intercoder agreement, build cross-case matrices, and exchange projects
    with NVivo, ATLAS.ti and MAXQDA through REFI-QDA.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    from ..nlp import thinc_without_torch

    thinc_without_torch()  # no command loads a PyTorch-backed spaCy pipeline: seconds of start-up


def _register() -> None:
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
    # -- further command modules are imported here --


_register()


def run() -> None:
    """The ``qualcode`` console script: :func:`main`, then an exit without a last full garbage
    collection (``gc.freeze``): after a command that used spaCy, that collection over objects about
    to be freed anyway took 0.2-0.3 s of every run (benchmarks/run.py times the whole command)."""
    try:
        main()
    finally:
        gc.freeze()

