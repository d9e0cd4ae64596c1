"""``qualcode load`` and ``qualcode demo``."""
from __future__ import annotations

from pathlib import Path

import click

from .. import corpus as corpus_mod
from ..corpus import load_transcripts
from ..fileio import check_writable, write_dataframe
from ..io import read_codebook, read_codings
from ..studies import b2b_influencer_marketing as replication
from ..transcript_state import problem_lines
from .app import main
from .common import bundled, echo_table
from .projectopts import corpus_for, project_context, project_option


@main.command("load")
@click.argument("transcripts", nargs=-1, type=click.Path(path_type=Path))
@click.option("--cases", type=click.Path(path_type=Path), default=None,
              help="Cases file (csv/xlsx): column 'case' plus attributes. Default: cases.csv in the "
                   "folder, or the project's.")
@click.option("--unit", type=click.Choice(corpus_mod.UNITS), default=None,
              help="Coding unit the segments table is cut into (default: the project's, else turn).")
@click.option("--interviewer", multiple=True,
              help="Speaker label to treat as interviewer (repeatable or comma-separated), added to "
                   "the default rule (Interviewer, I, Q, Moderator) and to an 'interviewer' column "
                   "of the cases table.")
@click.option("--speakers", multiple=True,
              help="Labels that are speakers even when used only once (repeatable).")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Write the segments table to this .csv/.xlsx/.md file.")
@click.option("--cases-output", type=click.Path(path_type=Path), default=None,
              help="Write the merged cases table to this .csv/.xlsx/.md file.")
@click.option("--force", is_flag=True, help="Replace output files that already exist.")
@project_option
def load_cmd(transcripts, cases, unit, interviewer, speakers, output, cases_output, force,
             project_dir):
    """Load transcripts (a folder or files: txt, md, docx, odt, pdf, vtt, srt, csv, tsv, xlsx;
    default: the project's) and print a summary of documents, the speakers found with their turn
    counts, and the segments."""
    for out in (output, cases_output):
        if out is not None:
            check_writable(out, force=force)  # refuse before the work, so the error is one line
    with project_context(project_dir) as project:
        corpus = corpus_for(project, list(transcripts), cases=cases, unit=unit,
                            interviewer=interviewer, speakers=speakers)
        if project is not None and not transcripts:
            for line in problem_lines(project):
                click.echo(f"warning: {line}", err=True)
    _print_corpus(corpus)
    _print_speakers(corpus)
    if output:
        write_dataframe(corpus.segments, output, force=force)
        click.echo(f"segments written to {output}")
    if cases_output:
        write_dataframe(corpus.cases, cases_output, force=force)
        click.echo(f"cases written to {cases_output}")


def _print_speakers(corpus) -> None:
    """The speakers found, with their turn counts: a wrong split shows at once."""
    turns = corpus.turns
    if not len(turns):
        return
    table = turns.assign(speaker=turns["speaker"].replace("", "(no label)")).groupby(
        "speaker", sort=False).agg(turns=("turn", "size"),
                                   role=("is_interviewer", lambda x: "interviewer" if x.all()
                                         else "participant" if not x.any() else "mixed"),
                                   documents=("document", "nunique"))
    click.echo("\nSpeakers (interviewer turns are not coded):")
    echo_table(table.reset_index().sort_values("turns", ascending=False, kind="stable"))


def _print_corpus(corpus) -> None:
    s = corpus.summary()
    click.echo(f"{s['documents']} documents, {s['cases']} cases, {s['words']:,} words; "
               f"{s['segments']} {s['unit']} segments ({s['codable_segments']} codable, "
               f"{s['segments'] - s['codable_segments']} interviewer)")
    seg = corpus.segments
    per_doc = seg.groupby("document", sort=False).agg(
        case=("case", "first"), speakers=("speaker", "nunique"), segments=("segment", "size"),
        codable=("is_interviewer", lambda x: int((~x).sum())))
    per_doc = per_doc.reset_index()
    per_doc["words"] = per_doc["document"].map(
        dict(zip(corpus.documents["document"], corpus.documents["n_words"])))
    echo_table(per_doc)


@main.command("demo")
@click.option("-o", "--output-dir", type=click.Path(path_type=Path), default=Path("qualcode-demo"),
              show_default=True, help="Folder for the demo's outputs (report.html and CSV tables).")
@click.option("--n-boot", type=int, default=1000, show_default=True,
              help="Bootstrap replicates for the agreement confidence intervals.")
@click.option("--force", is_flag=True, help="Replace outputs of an earlier demo run.")
def demo_cmd(output_dir, n_boot, force):
    """Run the bundled sample study end to end: load the 22 interviews, keyword and classifier
    coding, agreement between the human coders and between machine and humans, the cross-case
    matrices (Table 4 layout) and the HTML report; print where the report is."""
    from ..study import run_study  # lazy: qualcode.study at CLI start-up

    sample = bundled(replication.SAMPLE)
    corpus = load_transcripts(sample)
    cb = read_codebook(bundled(replication.CODEBOOK))
    codings = read_codings(sample / "codings_human.csv", corpus=corpus, codebook=cb)
    result = run_study(corpus, cb, codings, output_dir, n_boot=n_boot,
                       force=force, title=replication.TITLE, **replication.STUDY,
                       progress=lambda msg: click.echo(f"… {msg}", err=True))
    _print_study(result)
    click.echo(f"\nReport: {result.outputs['report']}")


def _print_study(result) -> None:
    click.echo("")
    _print_corpus(result.corpus)
    cb = result.codebook
    click.echo(f"\nCodebook {cb.name!r} v{cb.version}: {len(cb)} codes; human codings: "
               f"{len(result.human)} by {', '.join(sorted(result.human['coder'].unique()))}")
    ag = result.agreement
    if len(ag):
        pooled = ag[ag["code"] == "(all codes)"][["coders", "n_units", "percent_agreement",
                                                  "cohen_kappa", "alpha", "alpha_low", "alpha_high"]]
        click.echo("\nIntercoder agreement, all codes pooled (segment level):")
        echo_table(pooled)
    click.echo("\nMachine versus human reference (per category of the codebook):")
    click.echo(f"  keyword coder: {result.keyword_evaluation.summary()}")
    if result.classifier_evaluation is not None:
        click.echo(f"  classifier (cross-validated over interviews): "
                   f"{result.classifier_evaluation.summary()}")
    if result.strategy is not None:
        sm = result.strategy
        click.echo("\nStrategy by firm (Table 4 layout), derived from the human coding:")
        for s, firms in sm.associated.items():
            click.echo(f"  {s}: derived {' '.join(firms) or '–'} | published "
                       f"{' '.join(sm.published.get(s, [])) or '–'}")
        cmp = sm.compare()
        if len(cmp):
            click.echo(f"  {int((~cmp['agrees']).sum())} of {len(cmp)} firm assignments differ from "
                       "the published Table 4")
