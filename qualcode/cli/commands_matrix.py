"""``qualcode matrix``: cross-case tables written as CSV, XLSX or Markdown."""
from __future__ import annotations

from pathlib import Path

import click

from .. import matrix as matrix_mod
from ..fileio import write_dataframe
from ..io import read_codebook
from ..transcript_state import usable_codings
from .app import main
from .common import echo_table
from .projectopts import (
    codings_for,
    corpus_for,
    parse_where,
    project_context,
    project_option,
    reference_coder_for,
    skip_changed_option,
)

KINDS = ("case-by-code", "strategy", "code-by-attribute", "cooccurrence", "framework")


@main.command("matrix")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("transcripts", type=click.Path(path_type=Path), required=False)
@click.option("--codings", "codings_path", type=click.Path(path_type=Path), default=None,
              help="Codings file (csv/xlsx/qdpx) with document, start, end, code, coder "
                   "(default: the project's human codings).")
@click.option("--codebook", "codebook_path", type=click.Path(path_type=Path), default=None,
              help="Codebook (needed for 'strategy' and for --depth; default: the project's).")
@click.option("--cases", type=click.Path(path_type=Path), default=None,
              help="Cases file; default: cases.csv in the transcripts folder.")
@click.option("--coder", default=None,
              help="Use only this coder's codings (default: the project's reference coder, else "
                   "all, a segment counts once).")
@click.option("--depth", type=int, default=None,
              help="Roll codes up to their ancestor at this depth (0 = top-level categories).")
@click.option("--value", type=click.Choice(["segments", "presence", "cases"]), default=None,
              help="Cell values: coded segments, 0/1 presence, or (code-by-attribute) cases.")
@click.option("--attribute", default=None, help="Case attribute for code-by-attribute (e.g. firm_size).")
@click.option("--where", multiple=True, help="Keep cases with KEY=VALUE (repeatable), e.g. group='B2B firm'.")
@click.option("--min-segments", type=int, default=2, show_default=True,
              help="strategy: coded segments a case needs to show a strategy.")
@click.option("--min-share", type=float, default=0.0, show_default=True,
              help="strategy: share of the case's strategy-coded segments a strategy needs.")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Write the table to .csv, .xlsx or .md.")
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@skip_changed_option
@project_option
def matrix_cmd(kind, transcripts, codings_path, codebook_path, cases, coder, depth, value, attribute,
               where, min_segments, min_share, output, force, skip_changed, project_dir):
    """Build a cross-case table: case-by-code, strategy (Table 4 layout, hybrids marked *),
    code-by-attribute, cooccurrence (codes in the same segment) or framework (quotes in cells).
    In a project, its transcripts, codebook and human codings are used unless given."""
    with project_context(project_dir) as project:
        if project is None and (transcripts is None or codings_path is None):
            raise click.UsageError("give TRANSCRIPTS and --codings, or run inside a project "
                                   "(see 'qualcode init')")
        corpus = corpus_for(project, transcripts, cases=cases)
        codebook = read_codebook(codebook_path) if codebook_path else \
            (project.codebook if project is not None else None)
        codings = codings_for(project, codings_path, corpus=corpus, codebook=codebook)
        if codings_path is None:
            codings, notes = usable_codings(project, codings, skip_changed=skip_changed)
            for note in notes:
                click.echo(f"warning: {note}", err=True)
            coder = reference_coder_for(project, coder)
    if (kind == "strategy" or depth is not None) and codebook is None:
        raise click.UsageError(f"'{kind}'{' with --depth' if depth is not None else ''} needs --codebook")
    where_d = parse_where(where)
    if kind == "case-by-code":
        table = matrix_mod.case_by_code(corpus, codings, coder=coder, value=value or "segments",
                                        codebook=codebook, depth=depth, where=where_d).reset_index()
    elif kind == "strategy":
        sm = matrix_mod.strategy_by_case(corpus, codings, codebook, coder=coder, where=where_d,
                                         min_segments=min_segments, min_share=min_share)
        table = sm.table()
        echo_table(table)
        click.echo("")
        for s, firms in sm.associated.items():
            pub = " ".join(sm.published.get(s, [])) or "–"
            click.echo(f"{s}: derived {' '.join(firms) or '–'} | published {pub}")
        diffs = sm.compare()
        if len(diffs):
            n_bad = int((~diffs["agrees"]).sum())
            click.echo(f"{n_bad} of {len(diffs)} published/derived firm assignments differ")
    elif kind == "code-by-attribute":
        if not attribute:
            raise click.UsageError("code-by-attribute needs --attribute")
        table = matrix_mod.code_by_attribute(corpus, codings, attribute, coder=coder,
                                             value=value or "cases", codebook=codebook,
                                             depth=depth).reset_index()
    elif kind == "cooccurrence":
        table = matrix_mod.cooccurrence(corpus, codings, coder=coder, codebook=codebook,
                                        depth=depth).reset_index()
    else:
        table = matrix_mod.framework(corpus, codings, coder=coder, codebook=codebook, depth=depth,
                                     where=where_d).reset_index()
    if kind != "strategy":
        echo_table(table, max_width=40)
    if output:
        write_dataframe(table, output, force=force)
        click.echo(f"written to {output}")
