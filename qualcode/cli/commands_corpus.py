"""``qualcode load`` and ``qualcode demo``."""
from __future__ import annotations

from pathlib import Path

import click

from .. import corpus as corpus_mod
from ..codebook import Codebook
from ..fileio import check_writable, write_dataframe
from . import main
from .common import bundled, echo_table


@main.command("load")
@click.argument("transcripts", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--cases", type=click.Path(path_type=Path), default=None,
              help="Cases file (csv/xlsx): column 'case' plus attributes. Default: cases.csv in the folder.")
@click.option("--unit", type=click.Choice(corpus_mod.UNITS), default="turn", show_default=True,
              help="Coding unit the segments table is cut into.")
@click.option("--interviewer", multiple=True,
              help="Speaker label to treat as interviewer (repeatable). Default: Interviewer, I, Q.")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Write the segments table to this .csv/.xlsx/.md file.")
@click.option("--cases-output", type=click.Path(path_type=Path), default=None,
              help="Write the merged cases table to this .csv/.xlsx/.md file.")
@click.option("--force", is_flag=True, help="Replace output files that already exist.")
def load_cmd(transcripts, cases, unit, interviewer, output, cases_output, force):
    """Load transcripts (a folder or files: txt, md, docx, odt, pdf, vtt, srt, csv, tsv, xlsx)
    and print a summary of documents, speakers and segments."""
    for out in (output, cases_output):
        if out is not None:
            check_writable(out, force=force)  # refuse before the work, so the error is one line
    path = transcripts[0] if len(transcripts) == 1 else list(transcripts)
    corpus = corpus_mod.load_transcripts(path, cases=cases, unit=unit,
                                         interviewer=list(interviewer) or None)
    for w in corpus.warnings:
        click.echo(f"warning: {w}", err=True)
    _print_corpus(corpus)
    if output:
        write_dataframe(corpus.segments, output, force=force)
        click.echo(f"segments written to {output}")
    if cases_output:
        write_dataframe(corpus.cases, cases_output, force=force)
        click.echo(f"cases written to {cases_output}")


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
              show_default=True, help="Folder for the demo's outputs.")
@click.option("--force", is_flag=True, help="Replace outputs of an earlier demo run.")
def demo_cmd(output_dir, force):
    """Run the bundled sample study end to end and print where the results are."""
    sample = bundled("transcripts_sample")
    cb_path = bundled("codebooks/b2b_influencer_marketing.yaml")
    click.echo(f"Loading transcripts from {sample} ...")
    corpus = corpus_mod.load_transcripts(sample)
    _print_corpus(corpus)
    cb = Codebook.load(cb_path)
    click.echo(f"\nCodebook {cb.name!r} v{cb.version}: {len(cb)} codes, "
               f"{len(cb.roots())} top-level categories, {len(cb.with_keywords())} with keywords")
    output_dir.mkdir(parents=True, exist_ok=True)
    write_dataframe(corpus.segments, output_dir / "segments.csv", force=force)
    click.echo(f"\nSegments written to {output_dir / 'segments.csv'}")
