"""The ``qualcode`` command group: one-line errors, warnings as one line on stderr, ``--debug``.

Command modules add their commands to :func:`main` (``from .app import main``); the package's
``__init__`` imports them, so no command module imports the package that imports it.
"""
from __future__ import annotations

import warnings

import click

from ..errors import QualcodeError
from ..nlp import thinc_without_torch


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
        except BrokenPipeError:  # `qualcode load ... | head`: click exits quietly on EPIPE
            raise
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

    thinc_without_torch()  # no command loads a PyTorch-backed spaCy pipeline: seconds of start-up
