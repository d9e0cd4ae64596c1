"""Helpers shared by the command modules: locating the bundled sample, printing tables."""
from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from ..formatting import cell

REPO_ROOT = Path(__file__).resolve().parents[2]


def bundled(name: str) -> Path:
    """A file or folder shipped beside the package in the repository (``transcripts_sample``,
    ``codebooks/...``), falling back to the working directory."""
    for base in (REPO_ROOT, Path.cwd()):
        candidate = base / name
        if candidate.exists():
            return candidate
    raise click.ClickException(
        f"cannot find {name} (looked in {REPO_ROOT} and {Path.cwd()}); run from a qualcode checkout "
        "or pass the path explicitly")


def echo_table(df: pd.DataFrame, *, max_width: int = 60) -> None:
    """Print a DataFrame as an aligned plain-text table (cells as :func:`qualcode.formatting.cell`
    writes them)."""
    if df.empty:
        click.echo("(no rows)")
        return
    cols = [str(c) for c in df.columns]
    cells = [[cell(v, max_width=max_width) for v in row] for row in df.itertuples(index=False)]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(cols)]
    numeric = [pd.api.types.is_numeric_dtype(df[c]) for c in df.columns]

    def line(values):
        return "  ".join(v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric)).rstrip()

    click.echo(line(cols))
    click.echo("  ".join("-" * w for w in widths))
    for r in cells:
        click.echo(line(r))


def is_project(path) -> bool:
    """A REFI-QDA project file, which carries transcripts and codings together."""
    return Path(path).suffix.lower() in (".qdpx", ".qde")


def load_project_inputs(path, *, codebook=None, unit: str = "turn"):
    """Corpus and codings from one REFI-QDA project (its text sources are the transcripts);
    with ``codebook`` the codings are checked against it, else against the project's own."""
    from ..codings import ensure_validated
    from ..refi import read_qdpx

    project = read_qdpx(path, unit=unit)
    for w in project.warnings:
        click.echo(f"warning: {path}: {w}", err=True)
    cb = codebook if codebook is not None else project.codebook
    codings = ensure_validated(project.codings, corpus=project.corpus, codebook=cb, file=path)
    return project.corpus, cb, codings
