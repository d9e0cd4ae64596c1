"""The project learner: one model of a project's coding, measured per code, gated, explained.

::

    from qualcode.coders.learner import learn
    result = learn(corpus, codebook, human, decisions)       # the whole loop, as a pure function
    result["codes"]          # per code: n, kappa [low, high], precision, recall, source, state
    result["suggestions"]    # codings to review: calibrated score, memo = why

What it learns from. The codebook (definitions, inclusion and exclusion rules, examples, keywords:
the codebook-trained coder, :class:`~qualcode.coders.codebook_trained.CodebookCoder`, when the
semantic extra is installed; else the TF-IDF :class:`~qualcode.coders.classifier.ClassifierCoder`
on hand coding alone), every human coding, and the review decisions: an accepted suggestion is a
human coding already, a rejected one a negative example of its code. Once two interviews are
coded, the TF-IDF classifier is fitted and measured too, and per code the one with the higher
cross-validated kappa on the project's own coding suggests (``use_words=False``: the codebook
coder alone): on the sample's synthetic interviews word features win for many codes once a few
hundred turns are coded. ``coder=NAME`` restricts all
of it to one coder's codings and decisions (a blind project: the model suggesting to a coder
learns from that coder only).

How each code is measured (its figure's ``source``):

* ``project``: cross-validated over the coded documents (no document in both parts), once the code
  has ``min_examples`` coded segments, or the model made that many held-out guesses the hand
  coding can judge. Figures: Cohen's kappa with a 90% interval (bootstrap over documents),
  precision, recall, n. Each fold's held-out decisions are cut where the other folds' held-out
  scores put the cut-off (:func:`~qualcode.coders.labels.crossfit_decide`), so the figure
  measures the cut-off's choice too; a cut-off is tuned only for a code with
  :data:`~qualcode.coders.codebook_trained.MIN_CUTOFF_POSITIVES` held-out positives.
* ``codebook``: before that, estimated on the codebook's own examples (each example held out in
  turn by folds and coded by a model trained on the rest of the codebook); labelled as such, since
  no coding of the student's says anything about the code yet.

The gate (its defaults live here and only here): a code suggests when its figure's kappa is at
least ``kappa_floor`` (default :data:`KAPPA_FLOOR`). The floor cannot be set below
:data:`KAPPA_MINIMUM` unless ``show_all`` (the "show everything" switch), which suggests every code
with a model and labels every suggestion unmeasured. No suggestion overlaps a span on which the
coder (every human coder, without ``coder``) already applied that code, or on which a person
accepted or rejected it.

Each suggestion says why (``memo``): where its code's figure comes from, a keyword of the code
found in the passage, and the nearest hand-coded passage of the code (else the nearest codebook
example). Scores are calibrated on held-out hand coding when there is some
(:mod:`qualcode.coders.calibration`). The review order (``uncertainty``) ranks uncoded passages by
the smallest margin between a score and its code's cut-off, spread over interviews (the first
passage of every interview, then the second ...), so a queue never sits in one interview.

An optional chat model (``llm={"url", "model", "budget", "allow_remote"}``, see
:mod:`qualcode.coders.llm`) is asked about the ``budget`` passages the learner is least sure of,
and about up to ``budget`` hand-coded passages to measure it like any other coder; its answers
are cached by content, so a retrain asks only about new passages.

:func:`measure` is the expensive part (a function of the corpus, codebook, human coding and
decisions); :func:`gate` is cheap, so a new floor or a rejection reuses the last measurement.
"""
from __future__ import annotations

import json
import time
import warnings

import numpy as np
import pandas as pd

from ..errors import QualcodeError
from .calibration import apply_calibration, fit_calibration, per_code_kappa
from .codebook_trained import MIN_CUTOFF_POSITIVES, CodebookCoder, codebook_texts, rejected_rows
from .factory import default_method
from .labels import best_f1_thresholds, crossfit_decide, document_folds, human_labels
from .learner_llm import LLM_BUDGET, ask_llm, empty_codings as _empty  # noqa: F401 (LLM_BUDGET: part of the API)
from .reasons import drop_known, overlaps, why  # noqa: F401 (overlaps: part of the learner's API)

#: the gate's defaults, the one place they are defined (CLI, workbench and library read them here)
KAPPA_FLOOR = 0.2
KAPPA_MINIMUM = 0.1
MIN_EXAMPLES = 3
#: uncoded codable turns in a row between two coded ones still taken as read (:func:`read_mask`)
READ_GAP = 2
FOLDS = 3
CODER = "qualcode-learner"
HUMAN_COLUMNS = ["document", "start", "end", "code", "coder", "method"]
CODEBOOK_LABEL = "estimated on the codebook's own examples; no coding of yours yet"
UNMEASURED_LABEL = "unmeasured (show everything is on)"
_ESTIMATES: dict = {}  # examples-only estimates per codebook and model (they depend on nothing else)


class GateError(QualcodeError):
    """A gate setting outside what the learner allows."""


def check_gate(kappa_floor=None, *, show_all: bool = False, min_examples=None) -> dict:
    """The gate's settings, checked: ``{"kappa_floor", "min_examples", "show_all"}``. A floor below
    :data:`KAPPA_MINIMUM` needs ``show_all``; None takes the default."""
    floor = KAPPA_FLOOR if kappa_floor is None else kappa_floor
    if isinstance(floor, bool) or not isinstance(floor, (int, float)) or not -1 <= floor <= 1:
        raise GateError(f"the kappa floor must be a number from -1 to 1, not {floor!r}")
    if floor < KAPPA_MINIMUM and not show_all:
        raise GateError(f"a kappa floor of {floor:g} is below the minimum {KAPPA_MINIMUM:g}: codes "
                        "that agree with you no better than chance would suggest; raise it, or turn "
                        "on 'show everything' to see every suggestion labelled unmeasured")
    n = MIN_EXAMPLES if min_examples is None else min_examples
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise GateError(f"min_examples must be a whole number of at least 1, not {n!r}")
    return {"kappa_floor": float(floor), "min_examples": int(n), "show_all": bool(show_all)}


def suggestion_coder(coder: str | None = None) -> str:
    """The machine coder name under which the learner's suggestions (for ``coder``) are stored."""
    return CODER if not coder else f"{CODER}-for-{coder}"


def default_base() -> str:
    """``codebook`` when the semantic extra and its model are installed, else ``classifier``."""
    return "codebook" if default_method() == "codebook" else "classifier"


# ---- the human side ----------------------------------------------------------------------------

def human_rows(human: pd.DataFrame | None, coder: str | None = None) -> pd.DataFrame:
    """Human codings only (of ``coder`` when given), with :data:`HUMAN_COLUMNS`."""
    if human is None or len(human) == 0:
        return pd.DataFrame(columns=HUMAN_COLUMNS)
    h = human.copy()
    if "method" not in h.columns:
        h["method"] = "human"
    h = h[h["method"].fillna("human") == "human"]
    if coder:
        h = h[h["coder"] == coder]
    return h[HUMAN_COLUMNS].reset_index(drop=True)


def decision_rows(decisions: pd.DataFrame | None, coder: str | None = None) -> pd.DataFrame:
    """Reviewed suggestions (``document, start, end, code, status``; of ``coder``'s review)."""
    cols = ["document", "start", "end", "code", "status"]
    if decisions is None or len(decisions) == 0:
        return pd.DataFrame(columns=cols)
    d = decisions
    if coder and "reviewer" in d.columns:
        d = d[d["reviewer"] == coder]
    return d[cols].reset_index(drop=True)


# ---- measuring ---------------------------------------------------------------------------------

def measure(corpus, codebook, human: pd.DataFrame | None, decisions: pd.DataFrame | None = None, *,
            coder: str | None = None, base: str | None = None, min_examples: int = MIN_EXAMPLES,
            folds: int = FOLDS, base_options: dict | None = None, llm: dict | None = None,
            use_words: bool = True) -> dict:
    """Fit the project's model and measure every code (see the module docstring).

    Returns ``{"base", "codes": {code: figures}, "scores": segments x codes calibrated
    scores, "raw", "thresholds", "predicted": 0/1, "segments": the codable segments,
    "uncertainty": {(document, segment): rank}, "llm": dict or None, "llm_suggestions": DataFrame,
    "documents", "codings", "seconds", "note"}``; ``codes[code]`` has ``n, source, kappa,
    kappa_low, kappa_high, precision, recall, n_measured``.
    """
    t0 = time.perf_counter()
    base = base or default_base()
    if base not in ("codebook", "classifier"):
        raise QualcodeError(f"unknown learner base {base!r}; use 'codebook' or 'classifier'")
    human = human_rows(human, coder)
    dec = decision_rows(decisions, coder)
    segments = corpus.codable_segments().reset_index(drop=True)
    codes = codebook.ids()
    docs = sorted(set(human["document"]))
    out = {"base": base, "documents": len(docs), "codings": len(human), "note": "",
           "segments": segments, "llm": None, "llm_suggestions": _empty()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if base == "codebook":
            fitted = _fit_codebook(corpus, codebook, human, dec, folds=folds,
                                   options=base_options or {})
        else:
            fitted = _fit_classifier(corpus, codebook, human, folds=folds, min_examples=min_examples)
    covered, labels, oof_pred = fitted["covered"], fitted["labels"], fitted["oof_pred"]
    support = labels.sum(axis=0).astype(int) if labels is not None else np.zeros(len(codes), int)
    thresholds = fitted["thresholds"]
    if len(docs) < 2:
        out["note"] = ("code passages in at least two interviews: the model is then checked on "
                       "interviews it did not learn from" if len(docs) else CODEBOOK_LABEL)
    figures = {}
    project = _cv_figures(oof_pred, labels, covered, codes) if oof_pred is not None else {}
    estimate = fitted.get("estimate") or {}
    for j, code in enumerate(codes):
        n = int(support[j])
        fig = project.get(code)
        if fig is not None and (n >= min_examples or fig["guesses"] >= min_examples):
            figures[code] = {"n": n, "source": "project", **fig}
        elif code in estimate:
            figures[code] = {"n": n, "source": "codebook", **estimate[code]}
        else:
            figures[code] = {"n": n, "source": None, "kappa": None, "kappa_low": None,
                             "kappa_high": None, "precision": None, "recall": None, "n_measured": 0}
    raw, scores = np.array(fitted["raw"], dtype=float), np.array(fitted["scores"], dtype=float)
    thresholds = np.array(thresholds, dtype=float)
    if base == "codebook" and len(docs) >= 2 and use_words:
        # the TF-IDF classifier too, measured the same way: per code, the better of the two
        # (by the project's own cross-validated kappa) suggests
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            alt = _fit_classifier(corpus, codebook, human, folds=folds, min_examples=min_examples)
        if alt["oof_pred"] is not None:
            alt_fig = _cv_figures(alt["oof_pred"], alt["labels"], alt["covered"], codes)
            for j, code in enumerate(codes):
                a, f = alt_fig.get(code), figures[code]
                if (a is None or a["kappa"] is None or alt["thresholds"][j] > 1.0
                        or int(support[j]) < min_examples):
                    continue
                if f["source"] != "project" or f["kappa"] is None or a["kappa"] > f["kappa"]:
                    figures[code] = {"n": int(support[j]), "source": "project", **a, "model": "words"}
                    raw[:, j], scores[:, j] = alt["raw"][:, j], alt["scores"][:, j]
                    thresholds[j] = alt["thresholds"][j]
    out["codes"] = figures
    out["texts"] = {d: corpus.text(d) for d in docs}
    out["raw"], out["scores"], out["thresholds"] = raw, scores, thresholds
    out["predicted"] = fitted["decide"](raw, thresholds)
    uncoded = ~read_mask(segments, human)
    out["uncertainty"] = uncertainty_ranks(segments, raw, thresholds, fitted["has_model"], uncoded)
    if llm:
        out["llm"], out["llm_suggestions"] = ask_llm(corpus, codebook, segments, human, llm,
                                                      out["uncertainty"])
    out["seconds"] = time.perf_counter() - t0
    return out


def read_mask(segments: pd.DataFrame, human: pd.DataFrame, *, gap: int = READ_GAP) -> np.ndarray:
    """Which of ``segments`` a person has looked at, so that "not coded" means "does not apply":
    every segment a human coding touches, and the uncoded segments between two touched ones of
    the same document (or before a document's first touched one) when there are at most ``gap``
    of them in a row: a coder reading an interview in order passes over a turn or two with nothing
    to code. A longer uncoded run, and everything after a document's last coding, is not taken
    for negatives: a coder who stopped halfway, or coded passages here and there from the review
    queue, said nothing about the turns between (taking them for negatives taught the model that
    the codes found there later do not apply). A rejected suggestion says only that its code does
    not apply (a counter-example of that code, see :func:`measure`)."""
    seen = np.zeros(len(segments), dtype=bool)
    if human is None or len(human) == 0:
        return seen
    doc = segments["document"].to_numpy()
    start, end = segments["start"].to_numpy(), segments["end"].to_numpy()
    for d, g in human.groupby("document"):
        rows = np.flatnonzero(doc == d)
        rows = rows[np.argsort(start[rows], kind="stable")]
        touched = np.zeros(len(rows), dtype=bool)
        for s_, e_ in zip(g["start"], g["end"]):
            touched |= (start[rows] < e_) & (end[rows] > s_)
        marks = np.flatnonzero(touched)
        read = touched.copy()
        for a_, b_ in zip(np.concatenate([[-1], marks[:-1]]), marks):
            if b_ - a_ - 1 <= gap:
                read[a_ + 1:b_] = True
        seen[rows] = read
    return seen


def _labelled(corpus, codebook, human, dec):
    """The looked-at codable segments (:func:`read_mask`) and their segments x codes labels, or
    (None, None) when there are none."""
    segs = corpus.codable_segments().reset_index(drop=True)
    seen = read_mask(segs, human)
    if not seen.any():
        return None, None
    labels, _ = human_labels(human, segs, codebook.ids(), rule="any")
    return segs[seen].reset_index(drop=True), labels[seen]


def _fit_codebook(corpus, codebook, human, dec, *, folds, options):
    # no cap on codes per turn: a turn C1 coded carries 3.2 codes on average, a third more than 3,
    # and the codebook coder's default cap of 3 lowered held-out kappa at every step of
    # benchmarks/learning_curve.py (the README gives both runs)
    options = {"kappa_floor": None, "cv_folds": folds, "max_codes": None,
               "min_cutoff_positives": MIN_CUTOFF_POSITIVES, **options}
    cc = CodebookCoder(codebook, **options)
    labels = covered = oof_pred = None
    if len(human):
        rejected = dec[dec["status"] == "rejected"]
        segs, labels = _labelled(corpus, codebook, human, dec)
        if segs is not None:
            # a rejection elsewhere: a counter-example of its code only
            extra = rejected_rows(rejected, corpus, segs, codebook.ids())
            cc.fit_segments(segs, labels, codebook.ids(), rejected=extra)
            covered = segs
            oof_pred = cc.cv_pred_  # each fold cut at the cut-offs of the other folds
    texts = corpus.codable_segments()["text"].tolist()
    raw = cc.predict_proba(texts)
    scores = cc.predict_calibrated(texts)
    has_model = np.array([m is not None for m in cc._models()])
    return {"model": cc, "labels": labels, "covered": covered, "oof_pred": oof_pred, "raw": raw,
            "scores": scores, "thresholds": cc.thresholds(), "decide": cc._decide,
            "has_model": has_model, "estimate": codebook_estimate(cc)}


def _fit_classifier(corpus, codebook, human, *, folds, min_examples):
    from .classifier import ClassifierCoder  # lazy: scikit-learn

    codes = codebook.ids()
    n_seg = len(corpus.codable_segments())
    empty = np.zeros((n_seg, len(codes)))
    decide = _threshold_decide
    out = {"model": None, "labels": None, "covered": None, "oof_pred": None, "raw": empty,
           "scores": empty, "thresholds": np.full(len(codes), 2.0), "decide": decide,
           "has_model": np.zeros(len(codes), bool)}
    if len(human) == 0:
        return out
    segs, labels = _labelled(corpus, codebook, human, None)
    if segs is None:
        return out
    out.update(labels=labels, covered=segs)
    clf = ClassifierCoder(codebook, min_examples=min_examples, threshold=0.5)
    try:
        clf.fit_segments(segs, labels, codes)
    except QualcodeError:
        return out
    if len(clf.classes_) == 0:
        return out
    col = [codes.index(c) for c in clf.classes_]

    def full(p, fill):
        m = np.full((len(p), len(codes)), fill, dtype=float)
        m[:, col] = p
        return m

    docs = list(dict.fromkeys(segs["document"]))
    oof = None
    if len(docs) >= 2:
        # held-out raw scores by document folds; cut-offs are chosen on these (not by a second,
        # inner cross-validation inside every fold: four fits instead of sixteen)
        oof = np.zeros(labels.shape)
        tests = [segs["document"].isin(t).to_numpy()
                 for t in document_folds(docs, min(folds, len(docs)), seed=0)]
        for test in tests:
            part = ClassifierCoder(codebook, min_examples=min_examples, threshold=0.5)
            try:
                part.fit_segments(segs[~test], labels[~test], codes)
            except QualcodeError:
                continue
            if len(part.classes_) == 0:
                continue
            pc = [codes.index(c) for c in part.classes_]
            oof[np.ix_(test, pc)] = part.predict_proba(segs.loc[test, "text"].tolist())
    thresholds = np.full(len(codes), 2.0)  # codes without a model never fire
    if oof is not None:
        thresholds[col] = best_thresholds(oof, labels)[col]
        out["oof_pred"] = crossfit_decide(oof, labels, tests, _threshold_decide,
                                          min_positives=MIN_CUTOFF_POSITIVES)
    else:
        thresholds[col] = clf.thresholds_
    texts = corpus.codable_segments()["text"].tolist()
    raw = full(clf.predict_proba(texts), 0.0)
    cal = fit_calibration(oof, labels) if oof is not None else None
    out.update(model=clf, raw=raw, scores=apply_calibration(cal, raw), thresholds=thresholds,
               has_model=thresholds <= 1.0)
    return out


def best_thresholds(oof: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per code, the best-F1 cut-off on held-out scores, once the code has
    :data:`~qualcode.coders.codebook_trained.MIN_CUTOFF_POSITIVES` positives among them (else
    0.5, the models' own)."""
    return best_f1_thresholds(oof, labels, min_positives=MIN_CUTOFF_POSITIVES)


def _threshold_decide(scores, thresholds):
    return (np.asarray(scores) >= np.asarray(thresholds)).astype(np.int8)


def _cv_figures(pred, labels, covered, codes, *, reps: int = 200) -> dict:
    """Per code, from held-out 0/1 decisions: kappa with a 90% bootstrap interval over documents,
    precision, recall, and the number of held-out positive guesses."""
    pred = np.asarray(pred)
    y = np.asarray(labels)
    kappa = per_code_kappa(y, pred)
    tp = (pred * y).sum(axis=0)
    guesses, pos = pred.sum(axis=0), y.sum(axis=0)
    docs = covered["document"].to_numpy()
    uniq = np.unique(docs)
    idx = [np.flatnonzero(docs == d) for d in uniq]
    rng = np.random.default_rng(0)
    boot = []
    if len(uniq) >= 2:
        for _ in range(reps):
            rows = np.concatenate([idx[i] for i in rng.integers(0, len(uniq), len(uniq))])
            boot.append(per_code_kappa(y[rows], pred[rows]))
    boot = np.array(boot) if boot else None
    out = {}
    for j, code in enumerate(codes):
        low = high = None
        if boot is not None:
            col = boot[:, j][~np.isnan(boot[:, j])]
            if len(col) >= reps // 2:
                low, high = float(np.quantile(col, 0.05)), float(np.quantile(col, 0.95))
        out[code] = {"kappa": _num(kappa[j]), "kappa_low": low, "kappa_high": high,
                     "precision": _num(tp[j] / guesses[j]) if guesses[j] else None,
                     "recall": _num(tp[j] / pos[j]) if pos[j] else None,
                     "n_measured": len(y), "guesses": int(guesses[j])}
    return out


def _num(v):
    v = float(v)
    return None if np.isnan(v) else v


def codebook_estimate(cc, *, folds: int = 3) -> dict:
    """Per code, figures estimated on the codebook's own examples: the examples are split into
    ``folds``; each fold's examples are coded by a model trained on the rest of the codebook's
    texts, against the codes they are examples of (and those codes' ancestors). Cached per codebook
    and embedding model."""
    key = (cc.codebook.fingerprint(), str(cc.model), float(cc.C), float(cc.keyword_weight),
           float(cc.exclusion_weight), cc.max_codes)
    if key in _ESTIMATES:
        return _ESTIMATES[key]
    table = codebook_texts(cc.codebook)
    X, y, w = cc._codebook_rows()
    examples = np.flatnonzero(table["kind"].to_numpy() == "example")
    codes = cc.codebook.ids()
    out: dict = {}
    if len(examples) >= 2 * folds:
        order = np.random.default_rng(0).permutation(examples)
        pred = np.zeros((len(examples), len(codes)), dtype=np.int8)
        truth = np.clip(y[order], 0, 1)
        kw = cc._keyword_matrix(table["text"].to_numpy()[order].tolist())
        threshold = cc.thresholds()
        for f in range(folds):
            held = order[f::folds]
            keep = np.ones(len(table), bool)
            keep[held] = False
            models = cc._train(X[keep], y[keep], w[keep])
            pos = np.arange(f, len(order), folds)
            pred[pos] = cc._decide(cc._scores(models, X[held], kw[pos]), threshold)
        kappa = per_code_kappa(truth, pred)
        for j, code in enumerate(codes):
            n_pos, guesses = int(truth[:, j].sum()), int(pred[:, j].sum())
            if n_pos == 0:
                continue
            tp = int((truth[:, j] * pred[:, j]).sum())
            out[code] = {"kappa": _num(kappa[j]), "kappa_low": None, "kappa_high": None,
                         "precision": tp / guesses if guesses else None, "recall": tp / n_pos,
                         "n_measured": len(order), "guesses": guesses, "examples": n_pos}
    _ESTIMATES[key] = out
    return out


# ---- the review order ---------------------------------------------------------------------------

def uncertainty_ranks(segments, raw, thresholds, has_model, todo) -> dict:
    """``{(document, segment): rank}`` of the ``todo`` segments, smallest margin
    ``|score - cut-off|`` over the codes with a model first, spread over documents."""
    if not has_model.any() or not todo.any():
        return {}
    margin = np.abs(raw[:, has_model] - np.asarray(thresholds)[has_model]).min(axis=1)
    table = segments.loc[todo, ["document", "segment"]].assign(margin=margin[todo])
    from .active import spread_over_documents  # lazy: scikit-learn

    table = spread_over_documents(table, "margin")
    return {(str(d), int(s)): i + 1 for i, (d, s) in enumerate(zip(table["document"], table["segment"]))}


def next_table(measured: dict, codebook, *, n: int = 20, preview: int = 100) -> pd.DataFrame:
    """The ``n`` first passages of the review order (:func:`uncertainty_ranks`) with the columns
    of :func:`qualcode.coders.active.next_segments`: each passage's most uncertain code, its
    score, cut-off and margin."""
    from .active import COLUMNS, _preview  # lazy: scikit-learn

    ranks = measured["uncertainty"]
    if not ranks:
        return pd.DataFrame(columns=COLUMNS)
    seg = measured["segments"]
    thr = np.asarray(measured["thresholds"], dtype=float)
    modelled = thr <= 1.0
    codes = np.asarray(codebook.ids(), dtype=object)[modelled]
    raw = np.asarray(measured["raw"])[:, modelled]
    margins = np.abs(raw - thr[modelled])
    pos = {(str(d), int(s)): i for i, (d, s) in enumerate(zip(seg["document"], seg["segment"]))}
    rows = []
    for key in sorted(ranks, key=ranks.get)[: int(n)]:
        i = pos[key]
        j = int(margins[i].argmin())
        r = seg.iloc[i]
        rows.append({"rank": ranks[key], "document": r["document"], "segment": int(r["segment"]),
                     "start": int(r["start"]), "end": int(r["end"]), "speaker": r["speaker"],
                     "code": codes[j], "probability": float(raw[i, j]),
                     "threshold": float(thr[modelled][j]), "margin": float(margins[i, j]),
                     "preview": _preview(r["text"], preview)})
    return pd.DataFrame(rows, columns=COLUMNS)


# ---- the gate -----------------------------------------------------------------------------------

def gate(measured: dict, codebook, human: pd.DataFrame | None = None,
         decisions: pd.DataFrame | None = None, *, coder: str | None = None,
         kappa_floor: float | None = None, min_examples: int | None = None,
         show_all: bool = False, changed=()) -> dict:
    """Which codes suggest, and their suggestions (see the module docstring); cheap.

    Returns ``{"codes": [per code: code, n, source, kappa, kappa_low, kappa_high, precision,
    recall, state, label], "suggestions": codings (method codebook or classifier, memo = why),
    "llm_suggestions", "llm", "uncertainty", "documents", "codings", "seconds", "note", "base",
    "settings"}``. ``changed``: documents whose transcript changed since coding (no suggestions).
    """
    settings = check_gate(kappa_floor, show_all=show_all, min_examples=min_examples)
    floor = settings["kappa_floor"]
    rows, good = [], []
    modelled = dict(zip(codebook.ids(), np.asarray(measured["thresholds"]) <= 1.0))
    for code in codebook.ids():
        fig = measured["codes"].get(code) or {"n": 0, "source": None, "kappa": None}
        kappa = fig.get("kappa")
        if show_all and (fig.get("source") is not None or modelled[code]):
            state, label = "suggesting", UNMEASURED_LABEL
        elif fig.get("source") is None:
            state, label = ("not coded yet" if fig["n"] == 0 else "needs more examples"), ""
        elif kappa is not None and kappa >= floor:
            state = "suggesting"
            label = CODEBOOK_LABEL if fig["source"] == "codebook" else \
                f"cross-validated on your coding of {measured['documents']} interviews"
        else:
            state = "needs more examples"
            label = CODEBOOK_LABEL if fig["source"] == "codebook" else ""
        if state == "suggesting":
            good.append(code)
        rows.append({"code": code, **{k: fig.get(k) for k in (
            "n", "source", "kappa", "kappa_low", "kappa_high", "precision", "recall")},
            "state": state, "label": label})
    labels = {r["code"]: r["label"] for r in rows}
    sugg = _suggestions(measured, codebook, good, labels)
    human = human_rows(human, coder)
    dec = decision_rows(decisions, coder)
    sugg = drop_known(sugg, human, dec)
    llm_sugg = drop_known(measured.get("llm_suggestions", _empty()), human, dec)
    if changed:
        sugg = sugg[~sugg["document"].isin(set(changed))]
        llm_sugg = llm_sugg[~llm_sugg["document"].isin(set(changed))]
    if len(sugg):
        sugg = sugg.assign(memo=why(measured, codebook, human, sugg))
    return {"codes": rows, "suggestions": sugg.reset_index(drop=True),
            "llm_suggestions": llm_sugg.reset_index(drop=True), "llm": measured.get("llm"),
            "uncertainty": measured["uncertainty"], "documents": measured["documents"],
            "codings": measured["codings"], "seconds": measured["seconds"],
            "note": measured["note"], "base": measured["base"], "settings": settings}


def _suggestions(measured, codebook, good, labels) -> pd.DataFrame:
    codes = codebook.ids()
    use = np.isin(codes, good)
    pred = measured["predicted"] * use
    i, j = np.nonzero(pred)
    if len(i) == 0:
        return _empty()
    seg = measured["segments"].iloc[i]
    method = "codebook" if measured["base"] == "codebook" else "classifier"
    return pd.DataFrame({
        "document": seg["document"].to_numpy(), "start": seg["start"].to_numpy(),
        "end": seg["end"].to_numpy(), "code": [codes[k] for k in j],
        "coder": CODER, "segment": seg["segment"].to_numpy(), "method": method,
        "score": np.clip(measured["scores"][i, j], 0.0, 1.0), "memo": [labels[codes[k]] for k in j],
    })


def learn(corpus, codebook, human, decisions=None, *, coder=None, kappa_floor=None,
          min_examples=None, show_all=False, changed=(), **options) -> dict:
    """:func:`measure` then :func:`gate`: the project's suggestions and per-code figures."""
    settings = check_gate(kappa_floor, show_all=show_all, min_examples=min_examples)
    measured = measure(corpus, codebook, human, decisions, coder=coder,
                       min_examples=settings["min_examples"], **options)
    return gate(measured, codebook, human, decisions, coder=coder, changed=changed, **settings)


def learn_project(project, *, coder=None, kappa_floor=None, min_examples=None, show_all=False,
                  **options) -> dict:
    """:func:`learn` over a :class:`qualcode.Project`'s current state (its human codings, review
    decisions, changed transcripts)."""
    return learn(project.corpus, project.codebook, project.codings(include_machine=False),
                 project.training_decisions(), coder=coder, kappa_floor=kappa_floor,
                 min_examples=min_examples, show_all=show_all,
                 changed=list(project.changed_documents()["document"]), **options)


def store(project, result: dict, *, coder=None, parameters: dict | None = None) -> list[int]:
    """Write a result's suggestions into the project as one machine run per source (the learner,
    and the chat model when asked); ``parameters`` joins the run's record with the per-code
    figures, so the project's learning curve can be drawn from its runs. Every run records whose
    work it learned from (``learned_from``: ``[coder]``, else every human coder and reviewer): a
    blind project shows a coder only the suggestions of a model of their own work."""
    name = suggestion_coder(coder)
    parameters = dict(parameters or {})
    if parameters.get("learned_from") is None:
        parameters["learned_from"] = learned_from(project, coder)
    sugg = result["suggestions"].assign(coder=name)
    curve = {"codings": int(result["codings"]), "documents": int(result["documents"]),
             "kappa": _mean([c["kappa"] for c in result["codes"] if c["source"] == "project"]),
             "suggesting": sum(c["state"] == "suggesting" for c in result["codes"])}
    params = {**result["settings"], **parameters, "learner": curve, "for_coder": coder,
              "seconds": round(float(result["seconds"]), 3)}
    runs = [project.replace_suggestions(sugg, coder=name, run={
        "method": "codebook" if result["base"] == "codebook" else "classifier",
        "model": f"project learner ({result['base']})", "parameters": params,
        "codes": [c["code"] for c in result["codes"] if c["state"] == "suggesting"]})]
    llm = result.get("llm")
    if llm:
        lname = f"qualcode-llm-for-{coder}" if coder else "qualcode-llm"
        runs.append(project.replace_suggestions(result["llm_suggestions"].assign(coder=lname),
                                                coder=lname, run={
            "method": "llm", "model": llm["model"], "parameters": {
                "url": llm["url"], **llm, "learned_from": parameters["learned_from"]}}))
    return runs


def learned_from(project, coder: str | None = None) -> list[str]:
    """Whose work the learner learns from in ``project``: ``[coder]``, else every human coder
    and reviewer."""
    if coder:
        return [coder]
    human = project.codings(include_machine=False)
    reviewers = project.training_decisions()["reviewer"].dropna()
    return sorted(set(human["coder"]) | set(reviewers))


def _mean(values):
    v = [x for x in values if x is not None]
    return float(np.mean(v)) if v else None


def learning_curve(runs: pd.DataFrame, coder: str | None = None) -> list[dict]:
    """From a project's machine runs (``Project.machine_runs()``): one point per run of the
    learner (for ``coder``) with a measured kappa, ``{"codings", "kappa", "time"}``, oldest first
    (repeats of the same number of codings keep the last)."""
    points: dict = {}
    if runs is None or len(runs) == 0 or "parameters" not in runs.columns:
        return []
    if "coder" in runs.columns:
        runs = runs[runs["coder"] == suggestion_coder(coder)]
    for r in runs.itertuples():
        try:
            p = json.loads(r.parameters) if isinstance(r.parameters, str) else (r.parameters or {})
        except ValueError:
            continue
        cur = p.get("learner") if isinstance(p, dict) else None
        if not isinstance(cur, dict) or cur.get("kappa") is None:
            continue
        points[int(cur["codings"])] = {"codings": int(cur["codings"]), "kappa": float(cur["kappa"]),
                                       "time": str(getattr(r, "started_at", "") or "")}
    return [points[k] for k in sorted(points)]


# ---- helpers ------------------------------------------------------------------------------------------

# ---- as an estimator (for evaluate) -------------------------------------------------------------

try:
    from sklearn.base import BaseEstimator as _Base
except ImportError:  # pragma: no cover - scikit-learn is a core dependency
    _Base = object


class ProjectLearner(_Base):
    """:func:`learn` as a coder with ``fit(corpus, codings)`` and ``code_segments``, so
    :func:`qualcode.coders.evaluate.evaluate` cross-validates the whole learner, gate included."""

    method = "learner"

    def __init__(self, codebook=None, *, kappa_floor=None, min_examples=None, show_all=False,
                 base=None, folds=FOLDS, base_options=None, coder=None):
        self.codebook = codebook
        self.kappa_floor = kappa_floor
        self.min_examples = min_examples
        self.show_all = show_all
        self.base = base
        self.folds = folds
        self.base_options = base_options
        self.coder = coder

    def fit(self, corpus, codings, y=None, *, decisions=None):
        self.result_ = learn(corpus, self.codebook, codings, decisions, coder=self.coder,
                             kappa_floor=self.kappa_floor, min_examples=self.min_examples,
                             show_all=self.show_all, base=self.base, folds=self.folds,
                             base_options=self.base_options)
        return self

    def code(self, corpus) -> pd.DataFrame:
        if not hasattr(self, "result_"):
            self.fit(corpus, None)
        return self.result_["suggestions"]

    def code_segments(self, segments: pd.DataFrame) -> pd.DataFrame:
        sugg = self.result_["suggestions"]
        keys = set(zip(segments["document"], segments["segment"].astype(int)))
        keep = [(d, int(s)) in keys for d, s in zip(sugg["document"], sugg["segment"])]
        return sugg[keep].reset_index(drop=True)
