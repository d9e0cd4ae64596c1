"""``qualcode matrix``: cross-case tables written as CSV, XLSX or Markdown."""
from __future__ import annotations

from pathlib import Path

import click

from .. import matrix as matrix_mod
from ..io import read_codebook, read_codings
from ..corpus import load_transcripts
from ..fileio import write_dataframe
from .app import main
from .common import echo_table

KINDS = ("case-by-code", "strategy", "code-by-attribute", "cooccurrence", "framework")


def _where(values: tuple[str, ...]) -> dict | None:
    out: dict[str, list[str]] = {}
    for item in values:
        if "=" not in item:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--where")
        key, value = item.split("=", 1)
        out.setdefault(key.strip(), []).append(value.strip())
    return out or None


@main.command("matrix")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("transcripts", type=click.Path(path_type=Path))
@click.option("--codings", "codings_path", type=click.Path(path_type=Path), required=True,
              help="Codings file (csv/xlsx/qdpx) with document, start, end, code, coder.")
@click.option("--codebook", "codebook_path", type=click.Path(path_type=Path), default=None,
              help="Codebook (needed for 'strategy' and for --depth).")
@click.option("--cases", type=click.Path(path_type=Path), default=None,
              help="Cases file; default: cases.csv in the transcripts folder.")
@click.option("--coder", default=None, help="Use only this coder's codings (default: all, a segment counts once).")
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
def matrix_cmd(kind, transcripts, codings_path, codebook_path, cases, coder, depth, value, attribute,
               where, min_segments, min_share, output, force):
    """Build a cross-case table: case-by-code, strategy (Table 4 layout, hybrids marked *),
    code-by-attribute, cooccurrence (codes in the same segment) or framework (quotes in cells)."""
    corpus = load_transcripts(transcripts, cases=cases)
    codebook = read_codebook(codebook_path) if codebook_path else None
    codings = read_codings(codings_path, corpus=corpus, codebook=codebook)
    if (kind == "strategy" or depth is not None) and codebook is None:
        raise click.UsageError(f"'{kind}'{' with --depth' if depth is not None else ''} needs --codebook")
    where_d = _where(where)
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
