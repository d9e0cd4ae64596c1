"""``qualcode code | train | evaluate | next``: machine coding, training, evaluation, what to code next."""
from __future__ import annotations

import warnings
from pathlib import Path

import click

from ..codings import METHODS as CODING_METHODS
from ..codings import human_codings, select_coder, write_codings
from ..corpus import UNITS, _expand, _is_side_file
from ..errors import CodingsError, ModelError, QualcodeError
from ..fileio import check_writable, read_string_table, write_dataframe
from ..formatting import number
from ..io import read_codings
from ..readers import supported_suffixes
from .app import main
from .common import CODINGS_FORMS, echo_table, is_project, load_project_inputs
from .projectopts import (codebook_for, codings_for, corpus_for, interviewer_option,
                          project_context, project_option, reference_coder_for)

METHODS = ("keyword", "classifier", "both")
#: need the semantic extra: zero-shot (calibrated when human codings are given), and the
#: classifier on sentence embeddings ("few-shot"; it cannot be saved as a .qcm model yet)
SEMANTIC = ("semantic", "semantic-fewshot")

_transcripts = click.argument("transcripts", type=click.Path(path_type=Path), required=False)
_codebook = click.option("--codebook", "codebook_path", type=click.Path(path_type=Path), default=None,
                         help="Codebook (.yaml, .qdc or .qdpx) whose code ids the codings use "
                              "(default: the project's).")
_cases = click.option("--cases", type=click.Path(path_type=Path), default=None,
                      help="Cases file; default: cases.csv in the transcripts folder, or the "
                           "project's.")
_unit = click.option("--unit", type=click.Choice(UNITS), default=None,
                     help="Coding unit the transcripts are cut into (default: the project's, "
                          "else turn).")
_codings = click.option("--codings", "codings_path", type=click.Path(path_type=Path), default=None,
                        help="Human codings (csv/xlsx/qdpx; default: the project's human "
                             "codings). " + CODINGS_FORMS)
_coder = click.option("--coder", default=None,
                      help="Use this human coder's codings only (default: all human coders; a "
                           "segment is coded when any of them coded it).")
_min_examples = click.option("--min-examples", type=int, default=3, show_default=True,
                             help="Coded segments a code needs to get a classifier.")


def _load(project, transcripts, codebook_path, cases, unit, interviewer=()):
    """Corpus and codebook: the explicit files, else the project's."""
    corpus = corpus_for(project, transcripts, cases=cases, unit=unit, interviewer=interviewer)
    return corpus, codebook_for(project, codebook_path)


def _human(project, codings_path, corpus, codebook):
    """Human codings: the --codings file, else the project's store."""
    return codings_for(project, codings_path, corpus=corpus, codebook=codebook)


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
@click.option("--method", type=click.Choice(METHODS + ("semantic", "codebook", "llm", "learner")),
              default=None,
              help="learner (the project learner: the codebook and your hand coding and review "
                   "decisions, each code measured and gated; the default in a project), "
                   "keyword rules, the trained classifier, both combined, semantic (sentence "
                   "embeddings vs the codebook's definitions and examples), codebook (classifiers "
                   "trained on the codebook's own texts, with your hand coding if --codings; both "
                   "need the semantic extra) or llm (a chat model on --llm-url) "
                   "(default: codebook when the semantic extra is installed, else keyword; both "
                   "when --model is given).")
@click.option("--codings", "codings_path", type=click.Path(path_type=Path), default=None,
              help="For --method semantic or codebook: human codings to learn cut-offs (and, for "
                   "codebook, codes) from; codes whose cross-validated kappa is below the floor "
                   "are withheld. In a project, --method codebook learns from its stored human "
                   "codings and rejected suggestions when this is not given.")
@click.option("--kappa-floor", type=float, default=None,
              help="For --method learner or codebook: withhold codes below this kappa (default "
                   "0.2; not below 0.1 without --show-everything).")
@click.option("--show-everything", "show_all", is_flag=True,
              help="For --method learner: suggest every code with a model, each suggestion "
                   "labelled unmeasured (allows a kappa floor below the minimum).")
@click.option("--llm-url", default=None,
              help="For --method llm: an OpenAI-compatible API (default http://127.0.0.1:8080/v1, "
                   "a server on this machine).")
@click.option("--llm-model", default="local", show_default=True,
              help="For --method llm: the model name sent.")
@click.option("--allow-remote", is_flag=True,
              help="For --method llm: allow a server that is not on this machine (the passages and "
                   "the codebook are sent to it).")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Machine codings file to write (.csv or .xlsx); never a file with human codings. "
                   "In a project the suggestions go into its store, and to this file when given.")
@click.option("--force", is_flag=True, help="Replace the output file if it holds machine codings.")
@click.option("--coder", default=None,
              help="For --method learner: learn from this coder's codings and review decisions "
                   "only (the codebook alone when they have none), stored as that coder's own "
                   "suggestions: the model a blind project's workbench trains for them.")
@_cases
@_unit
@interviewer_option
@project_option
def code_cmd(transcripts, codebook_path, model_path, method, codings_path, kappa_floor, show_all,
             llm_url, llm_model, allow_remote, output, force, coder, cases, unit, interviewer,
             project_dir):
    """Suggest codes for TRANSCRIPTS (default: the project's) with the project learner, keyword
    rules, a trained classifier, sentence embeddings or a local chat model; in a project they are
    stored as suggestions to review."""
    from ..coders.learner import check_gate  # lazy: scikit-learn

    gate = check_gate(kappa_floor, show_all=show_all)  # before any work: the floor's minimum
    if method is None and model_path is None and transcripts is None and cases is None \
            and codings_path is None and unit is None and not interviewer:
        with project_context(project_dir) as project:
            if project is not None:
                method = "learner"
    if method is None:
        from ..coders.factory import default_method  # lazy: qualcode.coders at CLI start-up

        method = "both" if model_path else default_method()
    if method == "learner":
        if model_path is not None or codings_path is not None or llm_url is not None:
            raise click.UsageError("--method learner learns from the project's own coding: no "
                                   "--model, --codings or --llm-url")
        _learner_code(project_dir, gate, output, force, coder=coder)
        return
    if show_all:
        raise click.UsageError("--show-everything is only used with --method learner")
    if coder is not None:
        raise click.UsageError("--coder is only used with --method learner (the project "
                               "learner, the default in a project)")
    if method in ("semantic", "codebook", "llm") and model_path is not None:
        raise click.UsageError(f"--method {method} uses no --model")
    if codings_path is not None and method not in ("semantic", "codebook"):
        raise click.UsageError("--codings is only used with --method semantic or codebook")
    if (llm_url is not None or allow_remote) and method != "llm":
        raise click.UsageError("--llm-url and --allow-remote are only used with --method llm")
    if method not in ("keyword", "semantic", "codebook", "llm") and model_path is None:
        raise click.UsageError(f"--method {method} needs --model (train one with 'qualcode train')")
    with project_context(project_dir) as project:
        # suggestions are stored when the project's own transcripts were coded
        into_store = project is not None and transcripts is None and cases is None \
            and unit in (None, project.settings.unit)
        if output is None and not into_store:
            raise click.UsageError("give -o FILE for the suggestions (or run in a project on its "
                                   "own transcripts to store them there)")
        if output is not None:
            check_machine_output(output, force=force, inputs=[transcripts, cases, codebook_path,
                                                              model_path, codings_path])
        corpus, codebook = _load(project, transcripts, codebook_path, cases, unit, interviewer)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if method == "semantic":
                coder = _semantic_coder(codebook, corpus, codings_path)
            elif method == "codebook":
                coder = _codebook_coder(codebook, corpus, codings_path, gate["kappa_floor"],
                                        project=project if into_store else None)
            elif method == "llm":
                coder = _llm_coder(codebook, llm_url, llm_model, allow_remote)
            else:
                coder = _make_coder(method, codebook, model=model_path)
            machine = coder.code(corpus)
        _echo_warnings(caught)
        n_codable = len(corpus.codable_segments())
        n_seg = machine[["document", "segment"]].drop_duplicates().shape[0]
        by_method = ", ".join(f"{m} {n}" for m, n in
                              machine["method"].value_counts().sort_index().items())
        click.echo(f"{len(machine)} suggestions ({by_method or 'none'}) on {n_seg} of {n_codable} "
                   f"codable segments, {machine['code'].nunique()} codes")
        if method == "llm":
            st = coder.stats_
            click.echo(f"model answers: {st['answers']} ({st['cached']} from the cache); not "
                       f"suggested: {st['invalid_json']} not valid JSON, {st['unknown_code']} "
                       f"unknown code ids, {st['evidence_not_found']} evidence not in the passage")
        if output is not None:
            write_codings(machine, output, force=force)
            click.echo(f"written to {output}")
        if into_store:
            runs = project.store_machine_codings(
                machine, method=method, model=model_path,
                parameters={"unit": corpus.unit, "codings": None if codings_path is None
                            else str(codings_path)})
            n = len(project.suggestions())
            click.echo(f"stored in {project.store.path.name} (run {', '.join(map(str, runs))}): "
                       f"{n} suggestions await review ('qualcode suggestions')")


def _learner_code(project_dir, gate, output, force, *, coder=None) -> None:
    """``qualcode code`` in a project: the project learner (the same function the workbench's
    background loop calls), its suggestions stored as one run and listed per code."""
    from ..coders import learner  # lazy: scikit-learn

    with project_context(project_dir) as project:
        if project is None:
            raise click.UsageError("--method learner works in a project (see 'qualcode init')")
        if output is not None:
            check_machine_output(output, force=force)
        result = learner.learn_project(project, coder=coder, **gate)
        sugg = result["suggestions"]
        suggesting = [c for c in result["codes"] if c["state"] == "suggesting"]
        whose = f"{coder}'s " if coder else ""
        click.echo(f"project learner ({result['base']}) on {whose}{result['codings']} hand "
                   f"codings in {result['documents']} interviews, {result['seconds']:.1f} s: "
                   f"{len(suggesting)} of {len(result['codes'])} codes suggest")
        if result["note"]:
            click.echo(f"note: {result['note']}")
        for c in suggesting:
            where = {"project": "your coding", "codebook": "the codebook's examples"}.get(
                c["source"], "unmeasured")
            click.echo(f"  {c['code']}: kappa {number(c['kappa'])}, precision "
                       f"{number(c['precision'])}, n {c['n']} (from {where})")
        runs = learner.store(project, result, coder=coder, parameters={"source": "cli"})
        if output is not None:
            write_codings(sugg.assign(coder=learner.suggestion_coder(coder)), output, force=force)
            click.echo(f"written to {output}")
        n = len(project.suggestions())
        click.echo(f"{len(sugg)} suggestions stored in {project.store.path.name} (run "
                   f"{', '.join(map(str, runs))}): {n} suggestions await review ('qualcode "
                   "suggestions')")


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


def _codebook_coder(codebook, corpus, codings_path, kappa_floor, *, project=None):
    """The codebook-trained coder, fitted on human codings (the --codings file, else a project's
    stored hand coding with its rejected suggestions); says which codes it withholds and why."""
    coder = _make_coder("codebook", codebook, kappa_floor=kappa_floor)
    rejected = None
    if codings_path is not None:
        human = human_codings(read_codings(codings_path, corpus=corpus, codebook=codebook))
    elif project is not None:
        human = human_codings(project.codings())
        rejected = project.suggestions(status="rejected")
    else:
        human = None
    if human is None or human.empty:
        why = "no --codings" if project is None else "no hand coding in the project yet"
        click.echo(f"learning from the codebook alone ({why}): no code's kappa is measured, "
                   "so none is withheld")
        return coder
    coder.fit(corpus, human, rejected=rejected)
    w = coder.withheld_
    click.echo(f"trained on the codebook and {coder.n_segments_} human-coded segments of "
               f"{coder.n_documents_} documents; {len(w)} of {len(codebook)} codes withheld")
    for row in w.itertuples(index=False):
        kappa = "–" if row.cv_kappa != row.cv_kappa else f"{row.cv_kappa:.3f}"
        click.echo(f"  withheld {row.code}: {row.reason} (kappa {kappa}, {row.support} coded segments)")
    return coder


def _llm_coder(codebook, url, model, allow_remote):
    from ..coders.llm import DEFAULT_URL, is_local, what_is_sent  # lazy: http.client (the optional LLM coder)

    url = url or DEFAULT_URL
    if allow_remote and not is_local(url):
        click.echo(f"note: {what_is_sent(url)}", err=True)
    return _make_coder("llm", codebook, url=url, model_name=model, allow_remote=allow_remote)


def _make_coder(method: str, codebook, **options):
    """:func:`qualcode.coders.factory.make_coder`, imported only when a coder is built: the coders
    package is not loaded when the command line starts."""
    from ..coders.factory import make_coder  # lazy: qualcode.coders at CLI start-up

    return make_coder(method, codebook, **options)


def _learner(method: str, codebook, min_examples: int):
    """A fresh coder to train (or calibrate) for --method (not keyword)."""
    return _make_coder(method, codebook, min_examples=min_examples)


def _input_files(inputs) -> set[Path]:
    """Every file the command reads: each given path, the transcripts a folder holds, and the
    folder's cases.csv."""
    files: set[Path] = set()
    for item in inputs:
        if item is None:
            continue
        item = Path(item)
        if item.is_dir():
            try:
                files.update(f.resolve() for f in _expand(item))
            except QualcodeError:
                pass
            files.add((item / "cases.csv").resolve())
        else:
            files.add(item.resolve())
    return files


def check_machine_output(path: Path, *, force: bool, inputs=()) -> None:
    """Before any work: refuse an output path that is one of the command's inputs (a transcript,
    the cases table, the codebook ...), an existing file without ``force``, and, even with
    ``force``, an existing file that does not hold machine codings only (a human codings table, a
    cases table, a transcript, anything unreadable): ``--force`` replaces earlier suggestions, never
    someone's work."""
    path = Path(path)
    if path.resolve() in _input_files(inputs):
        raise CodingsError("is an input of this command; write the suggestions to another -o file",
                           file=path)
    folders = [Path(i).resolve() for i in inputs if i is not None and Path(i).is_dir()]
    if (path.resolve().parent in folders and path.suffix.lower() in supported_suffixes()
            and not _is_side_file(path)):
        raise CodingsError("is in the transcripts folder, where the next run would read it as a "
                           "transcript; name it codings-....csv or write it elsewhere", file=path)
    check_writable(path, force=force)  # a folder, or an existing file without --force
    if not path.exists():
        return
    try:
        df = read_string_table(path)
    except Exception:  # noqa: BLE001 (any unreadable file: we cannot tell, so we keep it)
        why = "cannot be read as a codings table, so it may hold someone's work"
    else:
        cols = {str(c).strip().lower(): c for c in df.columns}
        machine = CODING_METHODS - {"human"}
        if "code" not in cols:
            why = ("is not a codings table (no 'code' column): a transcript, a cases table or "
                   "someone's work")
        elif ("method" not in cols
              or not df[cols["method"]].fillna("").str.strip().isin(machine).all()):
            why = "holds human codings"
        else:
            return
    raise CodingsError(f"{why}; machine suggestions are never written over it (choose another "
                       "-o file)", file=path)


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
@interviewer_option
@project_option
def train_cmd(transcripts, codebook_path, codings_path, output, force, coder, label_rule, min_examples,
              C, threshold, cases, unit, interviewer, project_dir):
    """Train a classifier on human codings of TRANSCRIPTS and save it as a model file (in a
    project: its transcripts and human codings, accepted suggestions included)."""
    with project_context(project_dir) as project:
        corpus, codebook = _load(project, transcripts, codebook_path, cases, unit, interviewer)
        codings = human_codings(_human(project, codings_path, corpus, codebook))
    where = codings_path or (project.store.path if project is not None else None)
    if coder:
        codings = select_coder(codings, coder, file=where)
    thr = threshold if threshold == "auto" else _probability(threshold)
    clf = _make_coder("classifier", codebook, min_examples=min_examples, C=C, threshold=thr,
                     label_rule=label_rule)
    with warnings.catch_warnings(record=True):  # the skipped codes are listed below instead
        warnings.simplefilter("always")
        clf.fit(corpus, codings)
    if len(clf.classes_) == 0:
        raise ModelError(f"no code has {min_examples} or more coded segments; code more or lower "
                         "--min-examples", file=where)
    click.echo(f"trained on {clf.n_segments_} segments of {clf.n_documents_} documents: "
               f"{len(clf.classes_)} codes modelled")
    few = {c: n for c, n in clf.skipped_.items() if n > 0}
    if few:
        click.echo(f"skipped (fewer than {min_examples} coded segments): "
                   + ", ".join(f"{c} ({n})" for c, n in few.items()))
    never = [c for c, n in clf.skipped_.items() if n == 0]
    if never:
        click.echo(f"never coded (no model): {', '.join(never)}")
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
@click.option("--method", type=click.Choice(METHODS + SEMANTIC + ("codebook", "llm", "learner")),
              default=None,
              help="Coder to evaluate: learner (the project learner, gate included, as 'qualcode "
                   "code' and the workbench suggest; the default in a project on its own "
                   "transcripts and coding), keyword rules (the default otherwise), a classifier "
                   "(cross-validated), both combined, semantic (zero-shot, cut-offs chosen on the "
                   "training folds), semantic-fewshot (a classifier on sentence embeddings), "
                   "codebook (trained on the codebook's texts and the training folds) or llm (a "
                   "chat model on the local server).")
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
@interviewer_option
@project_option
def evaluate_cmd(transcripts, codebook_path, codings_path, coder, method, folds, seed, level,
                 min_examples, quotes, seeds, output, force, cases, unit, interviewer, project_dir):
    """Measure a coder against human codings: per code support, precision, recall, F1, kappa.

    In a project (no TRANSCRIPTS, --codings, --cases, --unit or --interviewer) the project
    learner is measured by default: each interview is coded by the learner fitted, as the
    workbench fits it, on the codebook and the other folds' hand coding and review decisions,
    and scored against the human coding of it. Otherwise (explicit files, --quotes) the keyword
    rules; --method names another coder."""
    with project_context(project_dir) as project:
        _evaluate(project, transcripts, codebook_path, codings_path, coder, method, folds, seed,
                  level, min_examples, quotes, seeds, output, force, cases, unit, interviewer)


def _evaluate(project, transcripts, codebook_path, codings_path, coder, method, folds, seed, level,
              min_examples, quotes, seeds, output, force, cases, unit, interviewer):
    from ..coders.evaluate import evaluate  # lazy: qualcode.coders at CLI start-up

    lvl = _level(level)
    in_project = project is not None and transcripts is None and codings_path is None \
        and cases is None and unit is None and not interviewer
    if method is None:  # the project learner in a project, as `qualcode code` there
        method = "learner" if in_project and not quotes else "keyword"
    if quotes and method == "learner":
        raise click.UsageError("--quotes takes a coder, not the project learner; use --method codebook")
    codebook = codebook_for(project, codebook_path)
    if quotes:
        report = _evaluate_quotes(project, transcripts, codebook, codings_path, coder, method,
                                  min_examples, seeds, cases, unit, interviewer)
    else:
        if transcripts is not None and codings_path is None and is_project(transcripts):
            # a REFI-QDA project carries the transcripts and the human codings together
            corpus, _, codings = load_project_inputs(transcripts, codebook=codebook,
                                                     unit=unit or "turn")
            codings_path = transcripts
        elif project is None and (transcripts is None or codings_path is None):
            raise click.UsageError("evaluate needs TRANSCRIPTS and --codings, a .qdpx project as "
                                   "TRANSCRIPTS, --quotes, or a project (see 'qualcode init')")
        else:
            corpus = corpus_for(project, transcripts, cases=cases, unit=unit,
                                interviewer=interviewer)
            codings = _human(project, codings_path, corpus, codebook)
            coder = reference_coder_for(project, coder) if codings_path is None else coder
        if coder:
            select_coder(human_codings(codings), coder, file=codings_path)
        decisions = base = None
        if method == "learner":
            from ..coders import learner  # lazy: scikit-learn

            base = learner.default_base()
            subject = learner.ProjectLearner(codebook, min_examples=min_examples, base=base,
                                             coder=coder or None)
            if in_project:  # the reference coder's own decisions, as the learner takes them
                decisions = project.training_decisions()
                if coder:
                    decisions = decisions[decisions["reviewer"] == coder]
        else:
            subject = _make_coder(method, codebook,
                                 min_examples=None if method == "keyword" else min_examples)
        report = evaluate(subject, corpus, codings, folds=folds, seed=seed, level=lvl,
                          reference=_reference(coder), decisions=decisions)
        n_docs = len(set(d for f in report.folds for d in f["test"])) if report.folds else None
        how = f", {len(report.folds)}-fold cross-validation over {n_docs} documents" \
            if report.folds else " (no training needed)"
        whom = coder or "all human coders (union)"
        click.echo(f"{method} coder vs {whom}{how}")
        click.echo(_evaluated_how(method, base, coder, decisions, report, in_project))
    table = report.to_frame()
    echo_table(report.to_frame(macro=False))
    click.echo(report.summary())
    for note in report.notes:
        click.echo(f"note: {note}")
    if output:
        write_dataframe(table, output, force=force)
        click.echo(f"written to {output}")


def _evaluated_how(method, base, coder, decisions, report, in_project) -> str:
    """Which coder ran and where its figures come from, in a line or two."""
    whom = coder or "all human coders (union)"
    if method == "learner":
        what = {"codebook": "the codebook-trained coder (semantic extra)",
                "classifier": "the TF-IDF classifier (no semantic extra)"}.get(base, base)
        default = "the default in a project" if in_project else "as --method learner"
        learned = "the codebook and the other folds' hand coding" + (
            f" and review decisions ({len(decisions)} in the project"
            f"{', by ' + coder if coder else ''})" if decisions is not None and len(decisions)
            else "")
        head = (f"method: the project learner ({default}; --method keyword, classifier, codebook "
                f"... for another coder) on {what}, gate included, as 'qualcode code' and the "
                f"workbench suggest")
        return (f"{head}\nfigures: each document coded by the learner fitted on {learned} "
                f"(never on its own), scored against {whom}'s coding of it; a code the gate "
                "withholds in a fold predicts nothing there")
    if report.folds:
        return (f"figures: each document coded by a {method} coder trained on the other folds' "
                f"documents (never on its own), scored against {whom}'s coding of it")
    return (f"figures: every document with human coding coded once by the {method} coder (it "
            f"learns nothing from the coding), scored against {whom}'s coding of it")


def _evaluate_quotes(project, transcripts, codebook, codings_path, coder, method, min_examples, seeds,
                     cases, unit, interviewer):
    from ..studies.quotes import check_codebook, evaluate_on_quotes, extract_quotes  # lazy: qualcode.coders at CLI start-up

    check_codebook(codebook)  # before any training: the quotes must belong to this codebook
    if method in SEMANTIC + ("codebook", "llm"):
        from ..coders.semantic import without_examples_from  # lazy: scikit-learn

        codebook, removed = without_examples_from(codebook, extract_quotes(seeds)["text"])
        if removed:
            click.echo(f"note: {removed} codebook examples that are the papers' quotes are left out "
                       "(a coder is not scored on its own examples)")
    if method in ("keyword", "llm") or (method in ("semantic", "codebook") and codings_path is None):
        subject = _make_coder(method, codebook)
        click.echo(f"{method} coder vs the papers' authors on their visible quotes (category level)")
    else:
        if project is None and (transcripts is None or codings_path is None):
            raise click.UsageError(f"--quotes with --method {method} needs TRANSCRIPTS and --codings "
                                   "to train the classifier on")
        corpus = corpus_for(project, transcripts, cases=cases, unit=unit, interviewer=interviewer)
        codings = human_codings(_human(project, codings_path, corpus, codebook))
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
@click.option("--method", type=click.Choice(("learner", "classifier") + SEMANTIC), default=None,
              help="Whose uncertainty ranks the segments: the project learner (the default in a "
                   "project: the workbench's review order), the TF-IDF classifier (the default "
                   "otherwise), the calibrated semantic coder, or the classifier on sentence "
                   "embeddings (semantic extra).")
@_coder
@_min_examples
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Also write the list to .csv, .xlsx or .md.")
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@_cases
@_unit
@interviewer_option
@project_option
def next_cmd(transcripts, codebook_path, codings_path, n, method, coder, min_examples, output, force,
             cases, unit, interviewer, project_dir):
    """List uncoded segments to code next, those the model is least sure of first (smallest
    margin to a code's cut-off), spread over interviews; interviewer turns are never listed. (On
    the sample this order has not taught the model faster than coding interviews in turn: README,
    "How fast it learns".)"""
    from ..coders.active import next_segments  # lazy: scikit-learn

    with project_context(project_dir) as project:
        corpus, codebook = _load(project, transcripts, codebook_path, cases, unit, interviewer)
        codings = _human(project, codings_path, corpus, codebook)
        in_project = project is not None and codings_path is None and transcripts is None
        if method is None:
            method = "learner" if in_project else "classifier"
        if method == "learner":
            if not in_project:
                raise click.UsageError("--method learner works in a project on its own coding")
            from ..coders import learner  # lazy: scikit-learn

            measured = learner.measure(corpus, codebook, codings, project.training_decisions(),
                                       coder=coder, min_examples=min_examples)
            table = learner.next_table(measured, codebook, n=n)
    if codings_path is None:
        coder = reference_coder_for(project, coder)
    if coder:
        select_coder(human_codings(codings), coder, file=codings_path)
    if method != "learner":
        table = next_segments(corpus, codings, codebook, n=n, reference=_reference(coder),
                              coder=_learner(method, codebook, min_examples), spread=True)
    if table.empty:
        click.echo("no uncoded segments: every transcript already has human codings")
        return
    click.echo(f"{len(table)} segments to code next (smallest margin |p - threshold| first, "
               f"spread over {table['document'].nunique()} interviews):")
    echo_table(table[["rank", "document", "segment", "code", "probability", "margin", "preview"]],
               max_width=70)
    if output:
        write_dataframe(table, output, force=force)
        click.echo(f"written to {output}")
