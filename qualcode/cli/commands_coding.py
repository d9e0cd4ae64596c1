"""``qualcode code | train | evaluate | next``: machine coding, training, evaluation, what to code next."""
from __future__ import annotations

import warnings
from pathlib import Path

import click

from ..codings import human_codings, refuse_human_file, select_coder, write_codings
from ..io import read_codebook, read_codings
from ..corpus import UNITS, load_transcripts
from ..errors import ModelError, QualcodeError
from ..fileio import write_dataframe
from .app import main
from .common import echo_table, is_project, load_project_inputs

METHODS = ("keyword", "classifier", "both")
#: need the semantic extra: zero-shot (calibrated when human codings are given), and the
#: classifier on sentence embeddings ("few-shot"; it cannot be saved as a .qcm model yet)
SEMANTIC = ("semantic", "semantic-fewshot")

_transcripts = click.argument("transcripts", type=click.Path(path_type=Path))
_codebook = click.option("--codebook", "codebook_path", type=click.Path(path_type=Path), required=True,
                         help="Codebook (.yaml, .qdc or .qdpx) whose code ids the codings use.")
_cases = click.option("--cases", type=click.Path(path_type=Path), default=None,
                      help="Cases file; default: cases.csv in the transcripts folder.")
_unit = click.option("--unit", type=click.Choice(UNITS), default="turn", show_default=True,
                     help="Coding unit the transcripts are cut into.")
_codings = click.option("--codings", "codings_path", type=click.Path(path_type=Path), required=True,
                        help="Human codings (csv/xlsx/qdpx): document, start, end, code, coder.")
_coder = click.option("--coder", default=None,
                      help="Use this human coder's codings only (default: all human coders; a "
                           "segment is coded when any of them coded it).")
_min_examples = click.option("--min-examples", type=int, default=3, show_default=True,
                             help="Coded segments a code needs to get a classifier.")


def _load(transcripts, codebook_path, cases, unit):
    corpus = load_transcripts(transcripts, cases=cases, unit=unit)
    return corpus, read_codebook(codebook_path)


def _echo_warnings(caught) -> None:
    for w in caught:
        click.echo(f"warning: {w.message}", err=True)


def _reference(coder: str | None) -> str:
    return coder if coder else "any"


@main.command("code")
@_transcripts
@_codebook
@click.option("--model", "model_path", type=click.Path(path_type=Path), default=None,
              help="Trained model (.qcm from 'qualcode train') for --method classifier or both.")
@click.option("--method", type=click.Choice(METHODS + ("semantic", "codebook", "llm")), default=None,
              help="keyword rules, the trained classifier, both combined, semantic (sentence "
                   "embeddings vs the codebook's definitions and examples), codebook (classifiers "
                   "trained on the codebook's own texts, with your hand coding if --codings; both "
                   "need the semantic extra) or llm (a chat model on --llm-url) "
                   "(default: codebook when the semantic extra is installed, else keyword; both "
                   "when --model is given).")
@click.option("--codings", "codings_path", type=click.Path(path_type=Path), default=None,
              help="For --method semantic or codebook: human codings to learn cut-offs (and, for "
                   "codebook, codes) from; codes whose cross-validated kappa is below the floor "
                   "are withheld.")
@click.option("--kappa-floor", type=float, default=0.2, show_default=True,
              help="For --method codebook with --codings: withhold codes below this cross-validated kappa.")
@click.option("--llm-url", default=None,
              help="For --method llm: an OpenAI-compatible API (default http://127.0.0.1:8080/v1, "
                   "a server on this machine).")
@click.option("--llm-model", default="local", show_default=True, help="For --method llm: the model name sent.")
@click.option("--allow-remote", is_flag=True,
              help="For --method llm: allow a server that is not on this machine (the passages and the "
                   "codebook are sent to it).")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="Machine codings file to write (.csv or .xlsx); never a file with human codings.")
@click.option("--force", is_flag=True, help="Replace the output file if it holds machine codings.")
@_cases
@_unit
def code_cmd(transcripts, codebook_path, model_path, method, codings_path, kappa_floor, llm_url,
             llm_model, allow_remote, output, force, cases, unit):
    """Suggest codes for TRANSCRIPTS with keyword rules, a trained classifier, sentence embeddings
    or a local chat model."""
    if method is None:
        from ..coders.factory import default_method

        method = "both" if model_path else default_method()
    if method in ("semantic", "codebook", "llm") and model_path is not None:
        raise click.UsageError(f"--method {method} uses no --model")
    if codings_path is not None and method not in ("semantic", "codebook"):
        raise click.UsageError("--codings is only used with --method semantic or codebook")
    if (llm_url is not None or allow_remote) and method != "llm":
        raise click.UsageError("--llm-url and --allow-remote are only used with --method llm")
    if method not in ("keyword", "semantic", "codebook", "llm") and model_path is None:
        raise click.UsageError(f"--method {method} needs --model (train one with 'qualcode train')")
    refuse_human_file(output)
    corpus, codebook = _load(transcripts, codebook_path, cases, unit)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if method == "semantic":
            coder = _semantic_coder(codebook, corpus, codings_path)
        elif method == "codebook":
            coder = _codebook_coder(codebook, corpus, codings_path, kappa_floor)
        elif method == "llm":
            coder = _llm_coder(codebook, llm_url, llm_model, allow_remote)
        else:
            coder = _make_coder(method, codebook, model=model_path)
        machine = coder.code(corpus)
    _echo_warnings(caught)
    n_codable = len(corpus.codable_segments())
    n_seg = machine[["document", "segment"]].drop_duplicates().shape[0]
    by_method = ", ".join(f"{m} {n}" for m, n in machine["method"].value_counts().sort_index().items())
    click.echo(f"{len(machine)} suggestions ({by_method or 'none'}) on {n_seg} of {n_codable} "
               f"codable segments, {machine['code'].nunique()} codes")
    if method == "llm":
        st = coder.stats_
        click.echo(f"model answers: {st['answers']} ({st['cached']} from the cache); not suggested: "
                   f"{st['invalid_json']} not valid JSON, {st['unknown_code']} unknown code ids, "
                   f"{st['evidence_not_found']} evidence not in the passage")
    write_codings(machine, output, force=force)
    click.echo(f"written to {output}")


def _semantic_coder(codebook, corpus, codings_path):
    """A zero-shot semantic coder, calibrated on human codings when a file is given."""

    coder = _make_coder("semantic", codebook)
    if codings_path is None:
        return coder
    human = human_codings(read_codings(codings_path, corpus=corpus, codebook=codebook))
    coder.fit(corpus, human)
    click.echo(f"cut-offs chosen on {coder.n_segments_} human-coded segments of "
               f"{coder.n_documents_} documents ({int(coder.calibrated_.sum())} codes used there)")
    return coder


def _codebook_coder(codebook, corpus, codings_path, kappa_floor):
    """The codebook-trained coder, fitted on human codings when a file is given; says which codes
    it withholds and why."""
    coder = _make_coder("codebook", codebook, kappa_floor=kappa_floor)
    if codings_path is None:
        click.echo("learning from the codebook alone (no --codings): no code's kappa is measured, "
                   "so none is withheld")
        return coder
    human = human_codings(read_codings(codings_path, corpus=corpus, codebook=codebook))
    coder.fit(corpus, human)
    w = coder.withheld_
    click.echo(f"trained on the codebook and {coder.n_segments_} human-coded segments of "
               f"{coder.n_documents_} documents; {len(w)} of {len(codebook)} codes withheld")
    for row in w.itertuples(index=False):
        kappa = "–" if row.cv_kappa != row.cv_kappa else f"{row.cv_kappa:.3f}"
        click.echo(f"  withheld {row.code}: {row.reason} (kappa {kappa}, {row.support} coded segments)")
    return coder


def _llm_coder(codebook, url, model, allow_remote):
    from ..coders.llm import DEFAULT_URL, is_local, what_is_sent

    url = url or DEFAULT_URL
    if allow_remote and not is_local(url):
        click.echo(f"note: {what_is_sent(url)}", err=True)
    return _make_coder("llm", codebook, url=url, model_name=model, allow_remote=allow_remote)


def _make_coder(method: str, codebook, **options):
    """:func:`qualcode.coders.factory.make_coder`, imported only when a coder is built: the coders
    package is not loaded when the command line starts."""
    from ..coders.factory import make_coder

    return make_coder(method, codebook, **options)


def _learner(method: str, codebook, min_examples: int):
    """A fresh coder to train (or calibrate) for --method (not keyword)."""
    return _make_coder(method, codebook, min_examples=min_examples)


@main.command("train")
@_transcripts
@_codebook
@_codings
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="Model file to write (.qcm: a zip of JSON and numeric arrays, no pickle).")
@click.option("--force", is_flag=True, help="Replace the model file if it exists.")
@_coder
@click.option("--label-rule", type=click.Choice(["any", "majority"]), default="any", show_default=True,
              help="With several coders: a segment is positive when any / a majority coded it.")
@_min_examples
@click.option("--C", "C", type=float, default=1.0, show_default=True,
              help="Inverse regularisation strength of the logistic regressions.")
@click.option("--threshold", default="auto", show_default=True,
              help="'auto' (per code, best F1 in document-grouped inner cross-validation) or a "
                   "probability such as 0.5 for all codes.")
@_cases
@_unit
def train_cmd(transcripts, codebook_path, codings_path, output, force, coder, label_rule, min_examples,
              C, threshold, cases, unit):
    """Train a classifier on human codings of TRANSCRIPTS and save it as a model file."""

    corpus, codebook = _load(transcripts, codebook_path, cases, unit)
    codings = human_codings(read_codings(codings_path, corpus=corpus, codebook=codebook))
    if coder:
        codings = select_coder(codings, coder, file=codings_path)
    thr = threshold if threshold == "auto" else _probability(threshold)
    clf = _make_coder("classifier", codebook, min_examples=min_examples, C=C, threshold=thr,
                     label_rule=label_rule)
    with warnings.catch_warnings(record=True):  # the skipped codes are listed below instead
        warnings.simplefilter("always")
        clf.fit(corpus, codings)
    if len(clf.classes_) == 0:
        raise ModelError(f"no code has {min_examples} or more coded segments; code more or lower "
                         "--min-examples", file=codings_path)
    click.echo(f"trained on {clf.n_segments_} segments of {clf.n_documents_} documents: "
               f"{len(clf.classes_)} codes modelled")
    few = {c: n for c, n in clf.skipped_.items() if n > 0}
    if few:
        click.echo(f"skipped (fewer than {min_examples} coded segments): "
                   + ", ".join(f"{c} ({n})" for c, n in few.items()))
    never = len(clf.skipped_) - len(few)
    if never:
        click.echo(f"{never} codes never coded: no model")
    clf.save(output, force=force)
    click.echo(f"written to {output}")


def _probability(value: str) -> float:
    try:
        v = float(value)
    except ValueError:
        v = -1.0
    if not 0 < v < 1:
        raise click.BadParameter(f"{value!r} is neither 'auto' nor a probability between 0 and 1",
                                 param_hint="--threshold")
    return v


def _level(value: str | None):
    if value is None or value == "code":
        return None
    if value.isdigit():
        return int(value)
    if value == "category":
        return "category"
    raise click.BadParameter(f"{value!r}: use 'code', 'category' or a depth such as 0",
                             param_hint="--level")


@main.command("evaluate")
@click.argument("transcripts", type=click.Path(path_type=Path), required=False)
@_codebook
@click.option("--codings", "codings_path", type=click.Path(path_type=Path), default=None,
              help="Human codings to compare with (and, for the classifier, to train on).")
@click.option("--coder", default=None,
              help="Reference coder, e.g. C1 (default: the union of all human coders).")
@click.option("--method", type=click.Choice(METHODS + SEMANTIC + ("codebook", "llm")), default="keyword",
              show_default=True,
              help="Coder to evaluate: keyword rules, a classifier (cross-validated), both combined, "
                   "semantic (zero-shot, cut-offs chosen on the training folds), semantic-fewshot "
                   "(a classifier on sentence embeddings), codebook (trained on the codebook's texts "
                   "and the training folds) or llm (a chat model on the local server).")
@click.option("--folds", type=int, default=5, show_default=True,
              help="Cross-validation folds over documents (no interview in both parts).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the document shuffle.")
@click.option("--level", default=None,
              help="'code' (default), 'category' (the DESIGN.md categories) or a depth (0 = top level).")
@_min_examples
@click.option("--quotes", is_flag=True,
              help="Evaluate against the papers' own quotes (per category) instead; with TRANSCRIPTS "
                   "and --codings, a classifier is trained on them first.")
@click.option("--seeds", type=click.Path(path_type=Path), default=None,
              help="Folder with the seed papers for --quotes (default: ../shared/seeds).")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Write the per-code table to .csv, .xlsx or .md.")
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@_cases
@_unit
def evaluate_cmd(transcripts, codebook_path, codings_path, coder, method, folds, seed, level,
                 min_examples, quotes, seeds, output, force, cases, unit):
    """Measure a coder against human codings: per code support, precision, recall, F1, kappa."""
    from ..coders.evaluate import evaluate

    lvl = _level(level)
    codebook = read_codebook(codebook_path)
    if quotes:
        report = _evaluate_quotes(transcripts, codebook, codings_path, coder, method, min_examples,
                                  seeds, cases, unit)
    else:
        if transcripts is not None and codings_path is None and is_project(transcripts):
            # a REFI-QDA project carries the transcripts and the human codings together
            corpus, _, codings = load_project_inputs(transcripts, codebook=codebook, unit=unit)
            codings_path = transcripts
        elif transcripts is None or codings_path is None:
            raise click.UsageError("evaluate needs TRANSCRIPTS and --codings, a .qdpx project as "
                                   "TRANSCRIPTS, or --quotes")
        else:
            corpus = load_transcripts(transcripts, cases=cases, unit=unit)
            codings = read_codings(codings_path, corpus=corpus, codebook=codebook)
        if coder:
            select_coder(human_codings(codings), coder, file=codings_path)
        subject = _make_coder(method, codebook,
                             min_examples=None if method == "keyword" else min_examples)
        report = evaluate(subject, corpus, codings, folds=folds, seed=seed, level=lvl,
                          reference=_reference(coder))
        n_docs = len(set(d for f in report.folds for d in f["test"])) if report.folds else None
        how = f", {len(report.folds)}-fold cross-validation over {n_docs} documents" \
            if report.folds else " (no training needed)"
        click.echo(f"{method} coder vs {coder or 'all human coders (union)'}{how}")
    table = report.to_frame()
    echo_table(report.to_frame(macro=False))
    click.echo(report.summary())
    for note in report.notes:
        click.echo(f"note: {note}")
    if output:
        write_dataframe(table, output, force=force)
        click.echo(f"written to {output}")


def _evaluate_quotes(transcripts, codebook, codings_path, coder, method, min_examples, seeds, cases,
                     unit):
    from ..studies.quotes import check_codebook, evaluate_on_quotes, extract_quotes

    check_codebook(codebook)  # before any training: the quotes must belong to this codebook
    if method in SEMANTIC + ("codebook", "llm"):
        from ..coders.semantic import without_examples_from

        codebook, removed = without_examples_from(codebook, extract_quotes(seeds)["text"])
        if removed:
            click.echo(f"note: {removed} codebook examples that are the papers' quotes are left out "
                       "(a coder is not scored on its own examples)")
    if method in ("keyword", "llm") or (method in ("semantic", "codebook") and codings_path is None):
        subject = _make_coder(method, codebook)
        click.echo(f"{method} coder vs the papers' authors on their visible quotes (category level)")
    else:
        if transcripts is None or codings_path is None:
            raise click.UsageError(f"--quotes with --method {method} needs TRANSCRIPTS and --codings "
                                   "to train the classifier on")
        corpus = load_transcripts(transcripts, cases=cases, unit=unit)
        codings = human_codings(read_codings(codings_path, corpus=corpus, codebook=codebook))
        if coder:
            codings = select_coder(codings, coder, file=codings_path)
        subject = _learner(method, codebook, min_examples)
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            subject.fit(corpus, codings)
        click.echo(f"{method} coder trained on {subject.n_documents_} transcripts vs the papers' "
                   "authors on their visible quotes (category level)")
    try:
        return evaluate_on_quotes(subject, codebook, seeds_dir=seeds)
    except FileNotFoundError as exc:  # pragma: no cover (extract_quotes raises QualcodeError)
        raise QualcodeError(str(exc)) from None


@main.command("next")
@_transcripts
@_codebook
@_codings
@click.option("-n", "n", type=int, default=20, show_default=True, help="How many segments to list.")
@click.option("--method", type=click.Choice(("classifier",) + SEMANTIC), default="classifier",
              show_default=True,
              help="Whose uncertainty ranks the segments: the TF-IDF classifier, the calibrated "
                   "semantic coder, or the classifier on sentence embeddings (semantic extra).")
@_coder
@_min_examples
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Also write the list to .csv, .xlsx or .md.")
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@_cases
@_unit
def next_cmd(transcripts, codebook_path, codings_path, n, method, coder, min_examples, output, force,
             cases, unit):
    """List uncoded segments to code next, most informative first (smallest classifier margin)."""
    from ..coders.active import next_segments

    corpus, codebook = _load(transcripts, codebook_path, cases, unit)
    codings = read_codings(codings_path, corpus=corpus, codebook=codebook)
    if coder:
        select_coder(human_codings(codings), coder, file=codings_path)
    table = next_segments(corpus, codings, codebook, n=n, reference=_reference(coder),
                          coder=_learner(method, codebook, min_examples))
    if table.empty:
        click.echo("no uncoded segments: every transcript already has human codings")
        return
    click.echo(f"{len(table)} segments to code next (smallest margin |p - threshold| first):")
    echo_table(table[["rank", "document", "segment", "code", "probability", "margin", "preview"]],
               max_width=70)
    if output:
        write_dataframe(table, output, force=force)
        click.echo(f"written to {output}")
