"""Helpers shared by the command modules: locating the bundled sample, printing tables."""
from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from ..codings import ensure_validated
from ..errors import InputFormatError
from ..formatting import cell

REPO_ROOT = Path(__file__).resolve().parents[2]
#: where a non-editable install keeps them (setup.py copies them into the wheel)
PACKAGE_BUNDLED = Path(__file__).resolve().parents[1] / "_bundled"


def bundled(name: str) -> Path:
    """A file or folder shipped beside the package in the repository (``transcripts_sample``,
    ``codebooks/...``), or inside the installed package, falling back to the working directory."""
    for base in (REPO_ROOT, PACKAGE_BUNDLED, Path.cwd()):
        candidate = base / name
        if candidate.exists():
            return candidate
    raise click.ClickException(
        f"cannot find {name} (looked in {REPO_ROOT}, {PACKAGE_BUNDLED} and {Path.cwd()}); "
        "reinstall qualcode (pip install qualcode) or run from a qualcode checkout")


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
    from ..refi import read_qdpx  # lazy: qualcode.refi at CLI start-up

    project = read_qdpx(path, unit=unit)
    for w in project.warnings:
        click.echo(f"warning: {path}: {w}", err=True)
    cb = codebook if codebook is not None else project.codebook
    if project.corpus is None:
        raise InputFormatError(
            f"holds no codings and no text sources, only a codebook of {len(project.codebook)} "
            "codes; use it as --codebook, or export a project with its sources", file=path)
    codings = ensure_validated(project.codings, corpus=project.corpus, codebook=cb, file=path)
    return project.corpus, cb, codings


#: the forms of a human codings table every command accepts (shown in --help)
CODINGS_FORMS = (
    "A codings table (csv/tsv/xlsx) has one coded passage per row, as "
    "document,start,end,code,coder (character offsets), or as document,segment,code,coder "
    "(segment numbers from 'qualcode load -o segments.csv' at the same --unit); rows of both kinds "
    "may be mixed. The segments table of 'qualcode load -o' itself also works: add a code column "
    "and fill it in where a code applies (blank rows are uncoded; one code per row). Without a "
    "coder column the file name is the coder. A .qdpx project works too.")
