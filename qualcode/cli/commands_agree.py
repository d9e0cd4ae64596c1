"""``qualcode agree``: intercoder agreement from two or more coders' codings."""
from __future__ import annotations

import inspect
from pathlib import Path

import click
import pandas as pd

from .. import corpus as corpus_mod
from ..agreement import units as agreement_units
from ..codebook import ID_RE
from ..errors import CodingsError
from ..fileio import check_writable, write_dataframe
from ..formatting import interval, number
from ..io import read_codebook, read_codings
from ..transcript_state import usable_codings
from .app import main
from .common import CODINGS_FORMS, echo_table, is_project, load_project_inputs
from .projectopts import (corpus_for, project_context, project_option, skip_changed_option,
                          split_names)

_METRIC_COLUMNS = {
    "percent_agreement": ("agreement", "percent_agreement", None),
    "cohen_kappa": ("cohen_kappa", "cohen_kappa", "cohen_kappa"),
    "fleiss_kappa": ("fleiss_kappa", "fleiss_kappa", None),
    "krippendorff_alpha": ("alpha", "alpha", "alpha"),
    "gwet_ac1": ("gwet_ac1", "gwet_ac1", None),
    "brennan_prediger": ("bp", "brennan_prediger", None),
}


@main.command("agree")
@click.argument("codings", nargs=-1, type=click.Path(path_type=Path))
@click.option("--transcripts", "-t", default=None, type=click.Path(path_type=Path),
              help="Folder (or file) of the transcripts the codings' offsets count into. "
                   "Not needed when CODINGS is one REFI-QDA project (.qdpx), whose sources are used.")
@click.option("--cases", type=click.Path(path_type=Path), default=None,
              help="Cases file (csv/xlsx). Default: cases.csv in the transcripts folder.")
@click.option("--codebook", type=click.Path(path_type=Path), default=None,
              help="Codebook (yaml/qdc); codings naming codes outside it are an error.")
@click.option("--unit", type=click.Choice(agreement_units.UNITS), default="segment",
              show_default=True,
              help="segment: each codable segment coded or not; character: each codable "
                   "character; overlap: span matching with --threshold; nvivo: NVivo's coding "
                   "comparison (every character, per document, size-weighted averages); "
                   "unitizing: Krippendorff's u-alpha on the coded spans.")
@click.option("--segment-unit", type=click.Choice(corpus_mod.UNITS), default=None,
              help="What a segment is when --unit segment: turn, paragraph or sentence (default: "
                   "the project's unit, else turn).")
@click.option("--coders", "only_coders", multiple=True,
              help="In a project: compare only these coders (repeatable or comma-separated; "
                   "default: every human coder; a machine coder such as qualcode-keyword may be "
                   "named too).")
@click.option("--interviewer", multiple=True,
              help="Speaker labels never coded (added to the default rule); default: the "
                   "project's.")
@click.option("--metric", "metrics", multiple=True, type=click.Choice(agreement_units.METRICS),
              help="Coefficient to report (repeatable). Default: all that apply.")
@click.option("--code", "codes", multiple=True,
              help="Compare only this code (repeatable). Default: every code in the codings.")
@click.option("--group", default=None,
              help="Code-id prefix of mutually exclusive codes (e.g. strategy): compared as one "
                   "nominal variable per unit.")
@click.option("--by", type=click.Choice(["pair", "document"]), multiple=True,
              help="Also report per coder pair and/or per document (repeatable).")
@click.option("--threshold", type=click.FloatRange(0, 1, min_open=True), default=0.9,
              show_default=True, help="--unit overlap: share of the longer span two spans must "
                                      "share to match.")
@click.option("--overlap-base", type=click.Choice(agreement_units.OVERLAP_BASES),
              default="pairs", show_default=True,
              help="--unit overlap: pairs (one-to-one matched pairs) or segments (every coded "
                   "segment of both coders, as MAXQDA counts).")
@click.option("--n-boot", type=click.IntRange(0), default=1000, show_default=True,
              help="Bootstrap replicates for the kappa and alpha intervals (0 = none).")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the bootstrap (same seed, same intervals).")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Write the agreement table to this .csv/.xlsx/.md file.")
@click.option("--disagreements", "disagreements_path", type=click.Path(path_type=Path),
              default=None, help="Write the disputed passages (text and each coder's decision) "
                                 "to this .csv/.xlsx/.md file.")
@click.option("--force", is_flag=True, help="Replace output files that already exist.")
@click.option("--allow-unknown-codes", is_flag=True,
              help="Compare codes outside --codebook, and (without --codebook) code ids that are "
                   "not lowercase dotted ids such as 'experience.difficulty;materials'. Default: "
                   "such codes are an error, since they are usually typing slips or two codes in "
                   "one cell.")
@skip_changed_option
@project_option
def agree_cmd(codings, transcripts, cases, codebook, unit, segment_unit, only_coders, interviewer,
              metrics, codes, group, by, threshold, overlap_base, n_boot, seed, output,
              disagreements_path, force, allow_unknown_codes, skip_changed, project_dir):
    """Measure intercoder agreement between the coders in CODINGS files (csv/tsv/xlsx/qdpx;
    one or more files, each with a coder column or named after its coder).

    In a project, without CODINGS, the project's human coders are compared (--coders to choose).

    Prints per code: units compared, coders, percent agreement, Cohen's kappa (two coders) or
    Fleiss' kappa (three or more), Krippendorff's alpha with bootstrap intervals, Gwet's AC1 and
    Brennan-Prediger. Only documents a coder coded count as that coder's material.
    """
    for path in (output, disagreements_path):
        if path is not None:
            check_writable(path, force=force)
    cb = None
    if codebook is not None:
        cb = read_codebook(codebook)
    frames, coder_files = [], {}
    with project_context(project_dir) as project:
        in_project = project is not None and transcripts is None and not (
            len(codings) == 1 and is_project(codings[0]))
        if in_project:
            segment_unit = segment_unit or project.settings.unit
            corpus = corpus_for(project, None, cases=cases, unit=segment_unit,
                                interviewer=interviewer)
            if not codings:
                table_in, notes = usable_codings(
                    project, _project_codings(project, split_names(only_coders)),
                    skip_changed=skip_changed)
                for note in notes:
                    click.echo(f"warning: {note}", err=True)
                coder_files = {c: project.store.path for c in table_in["coder"].unique()}
                frames.append(table_in)
            for path in codings:
                df = read_codings(path, corpus=corpus,
                                  codebook=None if allow_unknown_codes else cb, coder=path.stem)
                if cb is None and not allow_unknown_codes:
                    _refuse_malformed_ids(df, path)
                for c in df["coder"].unique():
                    coder_files.setdefault(c, path)
                frames.append(df)
    segment_unit = segment_unit or "turn"
    if not codings and not frames:
        raise click.UsageError("give CODINGS files, or run inside a project (see 'qualcode init')")
    if frames:
        pass  # the project's corpus and codings
    elif transcripts is None:
        if len(codings) != 1 or not is_project(codings[0]):
            raise click.UsageError("give --transcripts, or one .qdpx project whose text sources "
                                   "are the transcripts")
        corpus, _, table_in = load_project_inputs(
            codings[0], codebook=None if allow_unknown_codes else cb, unit=segment_unit)
        if not len(table_in):
            raise CodingsError("holds no codings: nothing to compare", file=codings[0])
        coder_files = {c: codings[0] for c in table_in["coder"].unique()}
        frames.append(table_in)
    else:
        corpus = corpus_for(None, transcripts, cases=cases, unit=segment_unit,
                            interviewer=interviewer)
        for path in codings:
            df = read_codings(path, corpus=corpus, codebook=None if allow_unknown_codes else cb,
                              coder=path.stem)
            if cb is None and not allow_unknown_codes:
                _refuse_malformed_ids(df, path)
            for c in df["coder"].unique():
                coder_files.setdefault(c, path)
            frames.append(df)
    table_in = pd.concat(frames, ignore_index=True)
    options = dict(codes=list(codes) or None, group=group, threshold=threshold)
    try:
        table = agreement_units.compare(corpus, table_in, unit, by=by, n_boot=n_boot, seed=seed,
                                        metrics=list(metrics) or None,
                                        overlap_base=overlap_base, **options)
        disputed = (agreement_units.disagreements(corpus, table_in, unit, **options)
                    if disagreements_path is not None else None)
    except CodingsError as exc:
        raise _with_file(exc, coder_files, codings) from None
    _print(table, unit, metrics, n_boot, overlap_base)
    if output is not None:
        write_dataframe(table, output, force=force)
        click.echo(f"written to {output}")
    if disputed is not None:
        write_dataframe(disputed, disagreements_path, force=force)
        click.echo(f"{len(disputed)} disputed passages written to {disagreements_path}")


agree_cmd.help = inspect.cleandoc(agree_cmd.help or "") + "\n\n" + CODINGS_FORMS


def _refuse_malformed_ids(df: pd.DataFrame, path) -> None:
    """Without a codebook, a code id that is not a lowercase dotted id (``a;b``, ``Cost``) is an
    error naming the codes and the first row: it would silently become a code of its own."""
    bad = df["code"][~df["code"].astype(str).str.match(ID_RE.pattern)]
    if len(bad):
        names = list(dict.fromkeys(bad.astype(str)))
        row = int(bad.index[0]) + 2  # the spreadsheet row (header is row 1)
        raise CodingsError(
            f"code id{'s' if len(names) > 1 else ''} {', '.join(repr(n) for n in names[:5])}"
            f"{' ...' if len(names) > 5 else ''} "
            f"{'are not lowercase dotted ids' if len(names) > 1 else 'is not a lowercase dotted id'}"
            " (one code per row, e.g. experience.difficulty); give --codebook to check codes, or "
            "--allow-unknown-codes",
            file=path, place=f"row {row}")


def _project_codings(project, coders: list[str]) -> pd.DataFrame:
    """The project's human codings (or the named coders', machine coders included)."""
    df = project.codings(coders or None, include_machine=bool(coders))
    if coders:
        missing = [c for c in coders if c not in set(df["coder"])]
        if missing:
            known = ", ".join(sorted(project.codings()["coder"].unique())) or "none"
            raise CodingsError(f"no codings by coder {missing[0]!r} (coders: {known})",
                               file=project.store.path)
    if df["coder"].nunique() < 2:
        raise CodingsError(f"agreement needs two or more coders; the project has "
                           f"{', '.join(sorted(df['coder'].unique())) or 'none'} (import another "
                           "coder's codings with 'qualcode import FILE')", file=project.store.path)
    cols = ["document", "start", "end", "code", "coder", "segment", "method", "score", "memo"]
    return df[cols].reset_index(drop=True)


def _with_file(exc: CodingsError, coder_files: dict, paths) -> CodingsError:
    """Name the codings file a coder's error comes from."""
    if exc.file is not None:
        return exc
    for coder, path in coder_files.items():
        if exc.place == f"coder {coder!r}":
            return CodingsError(exc.message, file=path, place=exc.place)
    if len(paths) == 1:
        return CodingsError(exc.message, file=paths[0], place=exc.place)
    return exc


def _print(table: pd.DataFrame, unit: str, metrics, n_boot: int, overlap_base: str = "pairs") -> None:
    chosen = list(metrics) or list(agreement_units.METRICS)
    show = pd.DataFrame({"code": table["code"]})
    if table["coders"].nunique() > 1:
        show["coders"] = table["coders"]
    else:
        click.echo(f"coders: {table['coders'].iloc[0]}")
    if (table["document"] != agreement_units.ALL_DOCUMENTS).any():
        show["document"] = table["document"]
    show["n_units"] = table["n_units"]
    shown = set()
    for name in chosen:
        header, column, ci = _METRIC_COLUMNS[name]
        if column not in table or table[column].isna().all():
            continue
        shown.add(column)
        if ci is not None and n_boot and f"{ci}_low" in table:
            show[header] = [interval(v, lo, hi) for v, lo, hi in
                            zip(table[column], table[f"{ci}_low"], table[f"{ci}_high"])]
        else:
            show[header] = [number(v) for v in table[column]]
    echo_table(show)
    legend = {"segment": "n_units: segments covered by two or more coders",
              "character": "n_units: characters covered by two or more coders",
              "overlap": {"pairs": "n_units: matched span pairs + unmatched spans",
                          "segments": "n_units: coded segments of both coders"}[overlap_base],
              "nvivo": "n_units: characters of the documents (all of them); agreement and kappa "
                       "per document as NVivo computes them, averaged weighted by document size",
              "unitizing": "n_units: coded spans of all coders (merged); alpha: Krippendorff's "
                           "(2004) u-alpha"}[unit]
    if n_boot and unit in ("segment", "character"):
        legend += f"; [95% bootstrap interval, {n_boot} resamples of segments]"
    click.echo(legend)
    if unit != "overlap":
        _print_undefined(table, shown)
    if unit == "overlap":
        click.echo(f"kappa and alpha: {agreement_units.OVERLAP_NOTE}")


def _print_undefined(table: pd.DataFrame, shown: set) -> None:
    """One line per (coefficient, reason) for the coefficients in the table, naming the rows."""
    groups: dict[tuple[str, str], list[str]] = {}
    for rec in table.itertuples(index=False):
        if not rec.note:
            continue
        where = rec.code if rec.document == agreement_units.ALL_DOCUMENTS else \
            f"{rec.code} in {rec.document}"
        for part in str(rec.note).split("; "):
            metric, _, reason = part.partition(": ")
            if metric in shown:
                groups.setdefault((metric, reason), []).append(where)
    for (metric, reason), rows in groups.items():
        names = ", ".join(rows[:4]) + (f" and {len(rows) - 4} more" if len(rows) > 4 else "")
        click.echo(f"undefined {metric} ({len(rows)} row{'s' if len(rows) > 1 else ''}: {names}): {reason}")


