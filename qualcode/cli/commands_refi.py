"""``qualcode import`` (a REFI-QDA project into files) and ``qualcode export`` (to .qdpx / .qdc)."""
from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from ..codings import is_human, refuse_human_file
from ..fileio import check_writable, write_bytes, write_folder
from ..io import read_codings
from .app import main
from .commands_project import _set_only_human_coder
from .projectopts import (
    codebook_for, corpus_for, open_project, project_context, project_option, skip_changed_option,
)


def _refi():
    from .. import refi  # lazy: qualcode.refi at CLI start-up

    return refi


@main.command("import")
@click.argument("project", metavar="FILE", type=click.Path(path_type=Path))
@click.option("-o", "--output-dir", type=click.Path(path_type=Path), default=None,
              help="Folder to write a .qdpx into: transcripts/ (one .txt per document with 'case:' "
                   "and 'speakers:' front matter, plus cases.csv), codings.csv, codebook.yaml and "
                   "notes.csv. Without it, FILE's codings go into the current project.")
@click.option("--coder", default=None,
              help="Into a project: the coder of a codings file that has no coder column.")
@project_option
@click.option("--offsets", type=click.Choice(["auto", "codepoint", "codepoint-lf", "utf16", "utf16-lf"]),
              default="auto", show_default=True,
              help="How the producing tool counted positions: auto (detect from the tool and check "
                   "every selection), codepoint (the spec), utf16 (NVivo), or -lf for a CRLF counted "
                   "as one character.")
@click.option("--force", is_flag=True, help="Replace files that already exist in the output folder.")
def import_cmd(project, output_dir, coder, offsets, force, project_dir):
    """Import a REFI-QDA project (.qdpx, or a loose .qde) from NVivo, ATLAS.ti, MAXQDA, QualCoder
    or Taguette into files with -o (documents, codebook, codings, cases; what was skipped is
    printed), or a codings file (csv/tsv/xlsx/qdpx) into the current project's store, keeping
    each row's method, status and memo."""
    if output_dir is None:
        _import_into_project(project, coder, project_dir)
        return
    from ..project_io import qdpx_folder_plan  # lazy: qualcode.project_io at CLI start-up

    refi = _refi()
    p = refi.read_qdpx(project, offsets=offsets)
    docs = [] if p.corpus is None else p.corpus.document_ids
    out = Path(output_dir)
    tdir = out / "transcripts"
    planned, renamed = qdpx_folder_plan(p, out, file=project)
    write_folder(planned, out, force=force)
    for old, new in renamed.items():
        why = ("its name is too long for a file name" if len(old) > len(new)
               else f"a file named {old}.txt is skipped by 'qualcode load'")
        click.echo(f"  document {old!r} written as {new}.txt ({why})")

    s = p.summary()
    coders = ", ".join(sorted(p.codings["coder"].unique())) if len(p.codings) else "none"
    click.echo(f"Imported {project} (origin: {p.origin or 'unknown'}; positions counted as "
               f"{p.offsets}: {p.offsets_reason})")
    click.echo(f"  {s['documents']} documents, {s['codes']} codes, {s['codings']} codings "
               f"(coders: {coders}), {s['cases']} cases, {s['notes']} notes")
    for w in p.warnings:
        click.echo(f"  skipped or changed: {w}")
    if not p.warnings:
        click.echo("  nothing skipped")
    click.echo(f"Written to {out}: " + ", ".join(
        str(t.relative_to(out)) for t, _ in planned if t.parent != tdir or t.name == "cases.csv"))
    if docs:
        click.echo(f"  and {len(docs)} transcript(s) in {tdir}; load them with: qualcode load {tdir}")


def _import_into_project(path: Path, coder, project_dir) -> None:
    with open_project(project_dir, required=True) as project:
        ids = project.import_codings(path, coder=coder)
        rows = project.store.codings(ids=ids)
        kinds = ", ".join(f"{c} ({m}) {n}" for (c, m), n in
                          rows.groupby(["coder", "method"]).size().items())
        click.echo(f"imported {len(ids)} codings from {path} into {project.store.path.name}: "
                   f"{kinds or 'none'}" + (f"; {ids.skipped} already in the store, skipped"
                                           if getattr(ids, "skipped", 0) else ""))
        _set_only_human_coder(project)


@main.command("export")
@click.option("--format", "fmt", type=click.Choice(["qdpx", "qdc", "csv", "xlsx"]), default=None,
              help="What to write: a REFI-QDA project (qdpx) or codebook (qdc), or (in a project) "
                   "its codings as csv/xlsx. Default: the output file's suffix.")
@click.option("--transcripts", type=click.Path(path_type=Path), default=None,
              help="Transcripts folder or file (in a project: its own; outside one, needed for a "
                   "qdpx with codings; without it the .qdpx holds the codebook only); a cases.csv "
                   "in the folder is used.")
@click.option("--cases", type=click.Path(path_type=Path), default=None,
              help="Cases file (csv/xlsx): column 'case' plus attributes, exported as Cases and Variables.")
@click.option("--codebook", type=click.Path(path_type=Path), default=None,
              help="Codebook (.yaml, .qdc or .qdpx); default: the project's.")
@click.option("--codings", type=click.Path(path_type=Path), multiple=True,
              help="Codings file (csv/xlsx/qdpx); repeat for several coders. Default: the "
                   "project's human codings.")
@click.option("--include-suggestions", is_flag=True,
              help="In a project: add the machine rows (suggestions, each with its method, score "
                   "and review status) to the human codings.")
@skip_changed_option
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="The .qdpx, .qdc, .csv or .xlsx file to write.")
@click.option("--name", default=None, help="Project name written into the .qdpx (default: the "
              "project's, else the codebook's).")
@click.option("--offsets", type=click.Choice(["codepoint", "utf16"]), default="codepoint",
              show_default=True,
              help="How .qdpx positions are counted: codepoint (the REFI-QDA spec, the default) or "
                   "utf16 (UTF-16 code units, what NVivo counts).")
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@project_option
def export_cmd(fmt, transcripts, cases, codebook, codings, include_suggestions, skip_changed,
               output, name, offsets, force, project_dir):
    """Export transcripts, codebook and codings as a REFI-QDA .qdpx project (with qualcode's
    project settings), the codebook as a .qdc, for NVivo, ATLAS.ti, MAXQDA or QualCoder, or the
    project's codings as csv/xlsx (in a project: its own, human codings unless
    --include-suggestions)."""
    from .. import exports  # lazy: qualcode.exports at CLI start-up

    fmt = fmt or output.suffix.lower().lstrip(".")
    if fmt not in ("qdpx", "qdc", "csv", "xlsx"):
        raise click.ClickException(f"{output}: cannot tell the format from the suffix; pass "
                                   "--format qdpx or --format qdc")
    check_writable(output, force=force)
    with project_context(project_dir) as project:
        # in a project: its own codings (a csv/xlsx export is always the project's)
        own = project is not None and (fmt in ("csv", "xlsx") or (transcripts is None
                                                                   and not codings))
        if own and fmt in ("csv", "xlsx", "qdpx"):
            rows = exports.project_codings(project, include_suggestions=include_suggestions)
            if fmt == "qdpx":
                result = exports.project_qdpx(project, rows, skip_changed=skip_changed,
                                              name=name, offsets=offsets)
            else:
                result = exports.project_codings_file(project, rows, fmt,
                                                      skip_changed=skip_changed)
                if len(rows) and not is_human(rows).all():
                    refuse_human_file(output)
            for note in result.notes:
                click.echo(f"warning: {note}", err=True)
            write_bytes(output, result.data, force=force)
            n_docs = len(project.corpus.document_ids)
            what = "human and machine" if include_suggestions else "human"
            click.echo(f"{output}: {result.n_codings} {what} codings"
                       + (f", {n_docs} documents, {len(project.codebook)} codes and the "
                          "project's settings" if fmt == "qdpx" else
                          " (method, status and memo kept)"))
            return
        if fmt in ("csv", "xlsx"):
            raise click.UsageError("a csv/xlsx export writes a project's codings; run it "
                                   "inside a project (or use the codings files you have)")
        if codebook is None and project is None:
            raise click.UsageError("give --codebook, or run inside a project")
        cb = codebook_for(project, codebook)
        if fmt == "qdc":
            write_bytes(output, exports.qdc_bytes(cb), force=force)
            click.echo(f"{len(cb)} codes written to {output}")
            return
        if transcripts is None and project is None and codings:
            raise click.ClickException("--transcripts is required for a .qdpx export with codings")
        if transcripts is None and project is None:  # a codebook-only project, as NVivo exports
            write_bytes(output, exports.qdpx_bytes(None, cb, name=name, offsets=offsets),
                        force=force)
            click.echo(f"{output}: a project with {len(cb)} codes and no sources (give "
                       "--transcripts to include documents)")
            return
        corpus = corpus_for(project, transcripts, cases=cases)
        frames = [read_codings(f, corpus=corpus, codebook=cb) for f in codings]
        name = name or (project.settings.name if project is not None else None)
        settings = exports.project_settings(project) if project is not None else None
    df = pd.concat(frames, ignore_index=True) if frames else None
    data = exports.qdpx_bytes(corpus, cb, df, name=name, offsets=offsets, settings=settings)
    write_bytes(output, data, force=force)
    n = 0 if df is None else len(df)
    coders = 0 if df is None else df["coder"].nunique()
    click.echo(f"{output}: {len(corpus.document_ids)} documents, {len(cb)} codes, {n} codings by "
               f"{coders} coder(s), {len(corpus.cases)} cases")
