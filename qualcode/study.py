"""A whole study, end to end: what ``qualcode demo`` and ``qualcode report`` run.

load transcripts -> codebook -> human codings -> keyword coding -> classifier (cross-validated
against the human reference, then trained on all of it) -> agreement between the human coders
and between machine and humans -> cross-case matrices -> one HTML report and CSV tables.

Every number comes from the library functions named in each step; this module only sequences
them and writes the outputs.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from . import matrix as matrix_mod
from .agreement import compare, disagreements
from .codebook import Codebook
from .coders.evaluate import evaluate
from .coders.factory import make_coder
from .codings import (ensure_validated, map_to_segments, refuse_human_file, select_coder,
                      write_codings)
from .corpus import Corpus
from .errors import QualcodeError
from .fileio import check_writable, write_dataframe
from .formatting import MISSING
from .report import ReportData, agreement_view, write_report
from .saturation import SaturationError, saturation_of

OUTPUTS = {
    "report": "report.html",
    "keyword_codings": "codings_keyword.csv",
    "classifier_codings": "codings_classifier.csv",
    "agreement": "agreement_humans.csv",
    "disagreements": "disagreements_humans.csv",
    "machine_agreement": "agreement_machine_vs_humans.csv",
    "keyword_evaluation": "evaluation_keyword.csv",
    "classifier_evaluation": "evaluation_classifier.csv",
    "case_by_code": "case_by_code.csv",
    "strategy_by_case": "strategy_by_case.csv",
    "strategy_vs_published": "strategy_vs_published.csv",
    "framework": "framework_strategies.csv",
}


@dataclass
class StudyResult:
    corpus: object
    codebook: Codebook
    human: pd.DataFrame
    keyword: pd.DataFrame
    classifier: pd.DataFrame | None
    agreement: pd.DataFrame
    disagreements: pd.DataFrame
    machine_agreement: pd.DataFrame
    keyword_evaluation: object
    classifier_evaluation: object | None
    strategy: matrix_mod.StrategyMatrix | None
    case_by_code: pd.DataFrame
    themes: pd.DataFrame | None = None
    reference: str | None = None
    report: ReportData | None = None
    outputs: dict[str, Path] = field(default_factory=dict)


def choose_reference(codings: pd.DataFrame, reference: str | None = None,
                     setting: str | None = None) -> tuple[str, str]:
    """The reference coder of a study and why it is that one, said in the report: ``reference``
    when given (a coder, or ``"any"``/``"majority"`` of the coders), else the project's
    ``setting`` when that coder has codings, else the only human coder, else the coder with the
    most codings (ties: the first by name)."""
    counts = codings["coder"].astype(str).value_counts() if len(codings) else pd.Series(dtype=int)
    coders = sorted(counts.index)
    if reference:
        if reference not in coders and reference not in ("any", "majority"):
            raise QualcodeError(f"no human codings by reference coder {reference!r} (coders: "
                                f"{', '.join(coders) or 'none'})")
        return reference, "as asked"
    if setting and setting in coders:
        return setting, "the project's reference_coder"
    if len(coders) == 1:
        return coders[0], "the only human coder"
    top = max(coders, key=lambda c: (int(counts[c]), [-ord(ch) for ch in c]))
    why = f"the coder with the most codings ({int(counts[top])})"
    if setting:
        why += f"; the project's reference_coder {setting!r} has none"
    return top, why + "; set reference_coder in qualcode.yaml or pass --reference to choose"


def run_study(corpus, codebook, codings: pd.DataFrame, output_dir=None, *,
              reference: str | None = None, reference_setting: str | None = None,
              folds: int = 5, n_boot: int = 1000, classifier: bool = True, min_segments: int = 2,
              where: dict | None = None, themes: str | None = None,
              report_labels: dict | None = None, force: bool = False, report_path=None,
              title: str = "qualcode study report", notes: list[str] | None = None,
              progress: Callable[[str], None] | None = None) -> StudyResult:
    """Run the study on a loaded :class:`~qualcode.corpus.Corpus`, a
    :class:`~qualcode.codebook.Codebook` and a codings DataFrame (human rows are used; a file is
    read by the caller, e.g. :func:`qualcode.io.read_codings`). ``output_dir``: where the CSV
    tables and ``report.html`` go (None: nothing but ``report_path`` is written; the report is
    ``result.report`` either way, :func:`qualcode.exports.report_bytes` renders it).
    ``reference``: the human coder (or ``"any"``/``"majority"``) the machine is evaluated
    against and the matrices are built from; None: :func:`choose_reference` with the project's
    ``reference_setting``, named in the report with the reason. ``where``: which cases the
    strategy matrix covers (e.g. ``{"group": "B2B firm"}``; default all). ``themes``: a code whose
    children and grandchildren the report lists with quotes (:func:`qualcode.matrix.themes`;
    ``"*"``: every category); ``report_labels``: headings for that section
    (:class:`~qualcode.report.ReportData`'s ``themes_title``, ``themes_nav``, ``themes_group``);
    ``notes``: lines the report shows at the top (what was left out). The bundled replication's
    settings are :data:`qualcode.studies.b2b_influencer_marketing.STUDY`."""
    say = progress or (lambda msg: None)
    targets = {}
    if output_dir is not None:
        output_dir = Path(output_dir)
        targets = {k: output_dir / v for k, v in OUTPUTS.items()}
        if not classifier:
            targets.pop("classifier_codings")
            targets.pop("classifier_evaluation")
    if report_path is not None:
        targets["report"] = Path(report_path)
    for path in targets.values():  # refuse before any work, so nothing is half-written
        check_writable(path, force=force)
    for key in ("keyword_codings", "classifier_codings"):
        if key in targets:
            refuse_human_file(targets[key])

    if not isinstance(corpus, Corpus) or not isinstance(codebook, Codebook) \
            or not isinstance(codings, pd.DataFrame):
        raise TypeError("run_study takes a Corpus, a Codebook and a codings DataFrame; load "
                        "files with qualcode.load_transcripts, Codebook.load, io.read_codings")
    cb = codebook
    human = codings
    if "method" in human.columns:
        human = human[human["method"].fillna("human") == "human"]
    human = ensure_validated(human.reset_index(drop=True), corpus=corpus, codebook=cb)
    coders = sorted(human["coder"].unique())
    if len(coders) < 1:
        raise QualcodeError("no human codings yet: code some passages before making a report")
    # the human codings mapped onto the segments once; every step below reuses it
    mapping = map_to_segments(human, corpus.segments)
    reference, reference_why = choose_reference(human, reference, reference_setting)
    matrix_coder = reference if reference in coders else None

    say(f"keyword coding {len(corpus.codable_segments())} segments")
    kw = make_coder("keyword", cb)
    keyword = kw.code(corpus)
    say("evaluating the keyword coder against the human reference")
    kw_eval = evaluate(kw, corpus, human, reference=reference, level="category", codebook=cb,
                       mapping=mapping)

    clf_codings, clf_eval = None, None
    if classifier and human["document"].nunique() < 2:
        # cross-validation holds out whole interviews: one coded interview cannot be split
        say("classifier skipped: cross-validation needs human codings in two or more documents")
        classifier = False
    if classifier:
        say(f"cross-validating the classifier over documents ({folds} folds)")
        clf_eval = evaluate(make_coder("classifier", cb), corpus, human, folds=folds, reference=reference,
                            level="category", codebook=cb, mapping=mapping)
        say("training the classifier on all human coding and coding the corpus")
        model = make_coder("classifier", cb, label_rule="any").fit(corpus, human)
        clf_codings = model.code(corpus)

    say(f"intercoder agreement between {', '.join(coders)} ({n_boot} bootstrap replicates)")
    agreement = compare(corpus, human, unit="segment", n_boot=n_boot, by=("pair",),
                        mapping=mapping) if len(coders) >= 2 else pd.DataFrame()
    disputed = disagreements(corpus, human, unit="segment", mapping=mapping) \
        if len(coders) >= 2 else pd.DataFrame()

    say("agreement of the machine coders with each human coder")
    machine_rows = []
    # the classifier is compared through its out-of-fold codings: never on interviews it learned
    held_out = clf_eval.codings if clf_eval is not None else None
    for machine in [keyword] + ([held_out] if held_out is not None else []):
        if machine is None or machine.empty:
            continue
        name = machine["coder"].iloc[0]
        for human_coder in coders:
            h = select_coder(human, human_coder)
            both = pd.concat([h, machine[machine["document"].isin(set(h["document"]))]],
                             ignore_index=True)
            table = compare(corpus, both[["document", "start", "end", "code", "coder"]],
                            unit="segment", n_boot=0)
            pooled = table[table["code"] == "(all codes)"]
            label = f"{name} (held-out folds)" if machine is held_out else name
            machine_rows.append(pooled.assign(machine=label, human=human_coder))
    machine_agreement = pd.concat(machine_rows, ignore_index=True) if machine_rows else pd.DataFrame()
    if len(machine_agreement):
        machine_agreement = machine_agreement[["machine", "human", "n_units", "percent_agreement",
                                               "cohen_kappa", "alpha", "gwet_ac1", "note"]]

    say("cross-case matrices")
    case_table = matrix_mod.case_by_code(corpus, human, coder=matrix_coder, codebook=cb, depth=1,
                                         mapping=mapping)
    strategy = None
    if "strategy" in cb:
        strategy = matrix_mod.strategy_by_case(corpus, human, cb, coder=matrix_coder, where=where,
                                               min_segments=min_segments, mapping=mapping)
    framework = matrix_mod.framework(corpus, human, coder=matrix_coder,
                                     codes=cb.children("strategy") if "strategy" in cb else None,
                                     mapping=mapping)

    # themes="*": every category of the codebook with its codes' quotes (any project's codebook)
    theme_table = matrix_mod.themes(corpus, human, cb, None if themes == "*" else themes,
                                    coder=matrix_coder, mapping=mapping) \
        if themes is not None else None
    result = StudyResult(corpus, cb, human, keyword, clf_codings, agreement, disputed,
                         machine_agreement, kw_eval, clf_eval, strategy, case_table, theme_table,
                         reference=reference)
    lines = list(notes or []) + [
        f"Reference coder: {reference} ({reference_why}). The matrices, themes and the machine "
        "evaluation use " + (f"{reference}'s coding." if matrix_coder else
                             "every human coder's coding (a passage any of them coded counts).")]
    result.report = _report_data(result, title, reference, matrix_coder, folds,
                                 report_labels or {}, lines)

    say("writing outputs")
    out = result.outputs
    tables = {
        "agreement": agreement, "disagreements": disputed, "machine_agreement": machine_agreement,
        "keyword_evaluation": kw_eval.to_frame(),
        "case_by_code": case_table.reset_index(), "framework": framework.reset_index(),
    }
    if clf_eval is not None:
        tables["classifier_evaluation"] = clf_eval.to_frame()
    if strategy is not None:
        tables["strategy_by_case"] = strategy.table()
        if strategy.published:  # Table 4's comparison only when the codebook publishes one
            tables["strategy_vs_published"] = strategy.compare()
    for key, table in tables.items():
        if key in targets:
            out[key] = write_dataframe(table, targets[key], force=force)
    if "keyword_codings" in targets:
        out["keyword_codings"] = write_codings(keyword, targets["keyword_codings"], force=force)
    if clf_codings is not None and "classifier_codings" in targets:
        out["classifier_codings"] = write_codings(clf_codings, targets["classifier_codings"], force=force)
    if "report" in targets:
        out["report"] = write_report(result.report, targets["report"], force=force)
    return result


def _eval_table(ev) -> pd.DataFrame:
    t = ev.to_frame()
    return t[["code", "support", "precision", "recall", "f1", "kappa"]]


def _report_data(r: StudyResult, title: str, reference: str, matrix_coder, folds: int,
                 labels: dict, notes: list[str]) -> ReportData:
    agreement, agreement_notes = agreement_view(r.agreement)
    evaluation = _eval_table(r.classifier_evaluation or r.keyword_evaluation)
    summary = {"keyword coder: pooled kappa": r.keyword_evaluation.overall["kappa"],
               "keyword coder: micro F1": r.keyword_evaluation.overall["micro_f1"]}
    if r.classifier_evaluation is not None:
        summary["classifier: pooled kappa"] = r.classifier_evaluation.overall["kappa"]
        summary["classifier: micro F1"] = r.classifier_evaluation.overall["micro_f1"]
    what = "classifier" if r.classifier_evaluation is not None else "keyword coder"
    note = (f"Per category of the codebook (codes rolled up), the {what} against the human "
            f"reference {reference!r}. "
            + (f"The classifier is cross-validated over {folds} folds of whole interviews: it never "
               "codes an interview it was trained on. " if r.classifier_evaluation is not None else "")
            + "The keyword coder needs no training and is scored on all interviews.")
    undefined = sorted(set(n for note in agreement_notes for n in note.split("; ")))
    return ReportData(
        summary=r.corpus.summary(), codebook=r.codebook, coders=sorted(set(r.human["coder"])),
        title=title, coder=matrix_coder, frequencies=frequency_table(r.case_by_code, r.codebook),
        strategy=r.strategy, strategy_compare=r.strategy.compare() if r.strategy and r.strategy.published else None,
        themes=r.themes, agreement=agreement,
        agreement_note=(f"One human coder ({', '.join(sorted(set(r.human['coder'])))}): "
                        "agreement needs two or more coders of the same interviews; nothing to "
                        "show." if r.human["coder"].nunique() < 2 else
                        "Segment level: each codable turn is coded / not coded with each code by each "
                        "coder who covered the interview (a coder who did not code an interview is "
                        "missing there, not 'not coded'); 95% bootstrap intervals over segments. "
                        "Cohen's kappa per coder pair, on the interviews both coded. "
                        + (f"Undefined values ('{MISSING}'): {' | '.join(undefined)}"
                           if agreement_notes else "")),
        machine_agreement=r.machine_agreement, evaluation=evaluation,
        evaluation_summary=summary, evaluation_note=note,
        disagreements=_disagreements_view(r.disagreements, r.codebook), notes=notes, **labels,
        saturation=_saturation(r),
    )


def frequency_table(case_by_code: pd.DataFrame, codebook) -> pd.DataFrame:
    """A :func:`~qualcode.matrix.case_by_code` table with its columns in codebook order."""
    return case_by_code[[c for c in codebook.ids() if c in case_by_code.columns]]


def report_data(corpus, codebook, codings: pd.DataFrame, *, coder: str | None = None,
                strategy=None, themes: str | None = None, mapping: pd.DataFrame | None = None,
                **parts) -> ReportData:
    """A :class:`ReportData` for ``codings`` (the matrices computed here, for ``coder`` or all):
    the frequencies (codes at depth 1), the strategy comparison of ``strategy`` (a
    :class:`~qualcode.matrix.StrategyMatrix`) and the themes under ``themes``; ``parts`` fill the
    other fields (agreement, evaluation, title, ...)."""
    frequencies = matrix_mod.case_by_code(corpus, codings, coder=coder, codebook=codebook, depth=1,
                                          mapping=mapping)
    theme_table = matrix_mod.themes(corpus, codings, codebook, themes, coder=coder,
                                    mapping=mapping) if themes is not None else None
    return ReportData(summary=corpus.summary(), codebook=codebook,
                      coders=sorted(set(codings["coder"])) if len(codings) else [], coder=coder,
                      frequencies=frequency_table(frequencies, codebook), strategy=strategy,
                      strategy_compare=strategy.compare() if strategy is not None else None,
                      themes=theme_table, **parts)


def _disagreements_view(table: pd.DataFrame, codebook) -> pd.DataFrame:
    """Disputed passages in codebook order, offsets shown as plain numbers."""
    if table is None or table.empty:
        return table
    order = {cid: i for i, cid in enumerate(codebook.ids())}
    out = table.assign(_o=table["code"].map(order).fillna(len(order))).sort_values(
        ["_o", "document", "start"], kind="stable").drop(columns="_o")
    return out.assign(start=out["start"].astype(str), end=out["end"].astype(str))


def _saturation(r: StudyResult) -> dict | None:
    """The report's saturation curve (every human coder, document order, the defaults of
    ``qualcode saturation``), or None where it cannot be assessed (too few interviews)."""
    try:
        return saturation_of(r.corpus, r.codebook, r.human)
    except SaturationError:
        return None
