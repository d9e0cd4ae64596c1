"""``qualcode codebook validate|show|export``."""
from __future__ import annotations

from pathlib import Path

import click

from ..io import read_codebook
from ..fileio import write_dataframe, write_text
from .app import main
from .projectopts import open_project, project_option


@main.group("codebook")
def codebook_group():
    """Check, show and export codebooks (YAML, or REFI-QDA .qdc/.qdpx)."""


@codebook_group.command("validate")
@click.argument("codebook", type=click.Path(path_type=Path))
def validate_cmd(codebook):
    """Check a codebook and print a one-line summary (exit 1 with the error otherwise)."""
    cb = read_codebook(codebook)
    n_kw = sum(len(c.keywords) for c in cb)
    click.echo(f"{codebook}: valid — {len(cb)} codes ({len(cb.roots())} top level, "
               f"{len(cb.leaves())} leaves), {n_kw} keyword phrases, version {cb.version or '-'}")


@codebook_group.command("show")
@click.argument("codebook", type=click.Path(path_type=Path))
@click.option("--code", "code_id", default=None, help="Show one code (and its children) in full.")
def show_cmd(codebook, code_id):
    """Print the code tree, or one code's definition, rules, examples and properties."""
    cb = read_codebook(codebook)
    if code_id is None:
        for c in cb:
            click.echo(f"{'  ' * c.depth}{c.id}  {c.name}")
        return
    if code_id not in cb:
        raise click.ClickException(f"{codebook}: unknown code id {code_id!r}")
    c = cb[code_id]
    click.echo(f"{c.id}  {c.name}")
    for label, value in (("definition", c.description), ("include", c.inclusion),
                         ("exclude", c.exclusion), ("source", c.source)):
        if value:
            click.echo(f"  {label}: {value}")
    if c.keywords:
        click.echo(f"  keywords: {', '.join(c.keywords)}")
    for k, v in c.properties.items():
        click.echo(f"  {k}: {', '.join(map(str, v)) if isinstance(v, list) else v}")
    for ex in c.examples:
        click.echo(f"  example: \"{ex['quote']}\" ({ex.get('source', '')})")
    if c.children:
        click.echo(f"  children: {', '.join(c.children)}")


@codebook_group.command("export")
@click.argument("codebook", type=click.Path(path_type=Path), required=False)
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="Output file: .md (an appendix), .csv/.xlsx (one row per code), .yaml, or .qdc.")
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@project_option
def export_cmd(codebook, output, force, project_dir):
    """Export a codebook as Markdown, CSV/XLSX, YAML or a REFI-QDA .qdc codebook.

    Without CODEBOOK: the project's current codebook (its file plus the codes created, renamed,
    moved, merged and deleted while coding), validated by the same rules."""
    if codebook is None:
        with open_project(project_dir, required=True) as project:
            cb = project.codebook
    else:
        cb = read_codebook(codebook)
    suffix = output.suffix.lower()
    if suffix in (".md", ".markdown"):
        write_text(output, cb.to_markdown(), force=force)
    elif suffix in (".csv", ".xlsx"):
        write_dataframe(cb.to_frame(), output, force=force)
    elif suffix in (".yaml", ".yml"):
        write_text(output, cb.to_yaml(), force=force)
    elif suffix == ".qdc":
        from .. import refi

        refi.write_qdc(cb, output, force=force)
    else:
        raise click.ClickException(f"{output}: unknown export format; use .md, .csv, .xlsx, .yaml or .qdc")
    click.echo(f"{len(cb)} codes written to {output}")
