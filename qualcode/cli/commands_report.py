"""``qualcode report``: the study report for your own transcripts, codebook and codings."""
from __future__ import annotations

from pathlib import Path

import click

from ..fileio import check_writable, write_bytes
from ..transcript_state import usable_codings
from .app import main
from .projectopts import (
    codebook_for,
    codings_for,
    corpus_for,
    parse_where,
    project_context,
    project_option,
    skip_changed_option,
)


@main.command("report")
@click.argument("transcripts", type=click.Path(path_type=Path), required=False)
@click.option("--codebook", "codebook_path", type=click.Path(path_type=Path), default=None,
              help="Codebook (.yaml, .qdc or .qdpx); default: the project's.")
@click.option("--codings", "codings_path", type=click.Path(path_type=Path), default=None,
              help="Human codings (csv/xlsx/qdpx) of one or more coders; default: the project's.")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="The HTML file to write.")
@click.option("--tables", type=click.Path(path_type=Path), default=None,
              help="Also write the CSV tables (agreement, evaluation, matrices) into this folder.")
@click.option("--reference", default=None,
              help="Human coder the machine is evaluated against and the matrices are built from "
                   "(e.g. C1), or 'any' / 'majority' of the coders. Default: the project's "
                   "reference_coder, else the only human coder, else the coder with the most "
                   "codings (the report names it and says why).")
@click.option("--where", "where", multiple=True, metavar="ATTRIBUTE=VALUE",
              help="Cases the strategy matrix covers, by case attribute (repeatable), e.g. "
                   "--where 'group=B2B firm'.")
@click.option("--themes", default=None, metavar="CODE",
              help="A code whose children and their children the report lists with quotes "
                   "(e.g. dimension); '*' for every category of the codebook (the default in a "
                   "project).")
@click.option("--folds", type=int, default=5, show_default=True,
              help="Folds of whole interviews for the classifier's cross-validation.")
@click.option("--no-classifier", is_flag=True, help="Skip the classifier (keyword coder only).")
@click.option("--n-boot", type=int, default=1000, show_default=True,
              help="Bootstrap replicates for the confidence intervals.")
@click.option("--title", default=None,
              help="The report's title (default: 'qualcode study report', after the project's "
                   "name in a project).")
@click.option("--interviewer", multiple=True,
              help="Speaker labels never coded (added to the default rule); default: the "
                   "project's.")
@click.option("--force", is_flag=True, help="Replace existing output files.")
@skip_changed_option
@project_option
def report_cmd(transcripts, codebook_path, codings_path, output, tables, reference, where, themes,
               folds, no_classifier, n_boot, title, interviewer, force, skip_changed,
               project_dir):
    """Build one self-contained HTML report: codebook, code frequencies by case, strategy by
    case next to the codebook's published assignments, themes with quotes, agreement with
    confidence intervals, machine-versus-human evaluation and the disagreements."""
    from .. import exports  # lazy: qualcode.exports at CLI start-up
    from ..study import run_study  # lazy: qualcode.study at CLI start-up

    check_writable(output, force=force)  # refuse before the work, so nothing is half-done
    notes: list[str] = []
    with project_context(project_dir) as project:
        if project is None and (transcripts is None or codebook_path is None
                                or codings_path is None):
            raise click.UsageError("give TRANSCRIPTS, --codebook and --codings, or run inside a "
                                   "project (see 'qualcode init')")
        corpus = corpus_for(project, transcripts, interviewer=interviewer)
        codebook = codebook_for(project, codebook_path)
        if project is not None and codings_path is None:
            codings, notes = usable_codings(project, exports.project_codings(project),
                                            skip_changed=skip_changed)
        else:
            codings = codings_for(project, codings_path, corpus=corpus, codebook=codebook)
        options = exports.report_options(project, reference=reference, title=title,
                                         themes=themes)
    result = run_study(corpus, codebook, codings, tables, where=parse_where(where), folds=folds,
                       n_boot=n_boot, classifier=not no_classifier, force=force, notes=notes,
                       progress=lambda msg: click.echo(f"… {msg}", err=True), **options)
    for note in notes:
        click.echo(f"warning: {note}", err=True)
    write_bytes(output, exports.report_bytes(result), force=force)
    click.echo(f"Report: {output} (reference coder: {result.reference})")
