"""How well a coder agrees with human coding: cross-validation over documents, per-code figures.

Units. The codable segments of the documents the reference coded (a document without any
reference coding is left out). For every code (or category, see ``level``) each unit is "coded"
or "not coded" by the reference and by the machine.

Reference. With several human coders, ``reference`` picks the rule: ``"any"`` (default; the union:
a segment is coded when any human coded it), ``"majority"`` (more than half of the coders who
coded the document), or a coder name such as ``"C1"``. A learning coder is trained on the same
reference (that coder's codings, or all human codings with the same rule).

Folds. A coder with ``fit`` is cloned and trained ``folds`` times, each time on the other folds'
documents, and codes the held-out documents: a document (interview) is never in both the training
and the test part. A coder without ``fit`` (the keyword coder) codes every document once. A
callable that is not a coder is a factory returning a fresh coder per fold.

Figures, per code: ``support`` (reference positives), ``predicted``, ``tp``, ``fp``, ``fn``,
``precision``, ``recall``, ``f1`` and Cohen's kappa (:func:`qualcode.agreement.cohen_kappa`, the
machine as one more coder against the reference). Overall: micro precision/recall/F1 (counts
summed over codes), macro figures (mean over the reported codes; a precision or F1 with nothing to
divide counts as 0 there, as in scikit-learn) and a pooled kappa over all unit x code decisions.
Codes that neither the reference nor the machine ever used are not reported (their figures are
0/0); ``report.notes`` says how many.
"""
from __future__ import annotations

import inspect
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import agreement as ag
from ..codings import ensure_validated, human_codings, segment_code_matrix, select_coder
from ..errors import QualcodeError
from ..formatting import number
from .factory import make_coder
from .labels import LABEL_RULES, document_folds, human_labels

COLUMNS = ["code", "support", "predicted", "tp", "fp", "fn", "precision", "recall", "f1", "kappa"]


@dataclass
class EvaluationReport:
    """The result of :func:`evaluate`.

    ``per_code``: DataFrame with :data:`COLUMNS`; ``overall``: dict with ``units``, ``labels``,
    ``micro_precision``, ``micro_recall``, ``micro_f1``, ``macro_precision``, ``macro_recall``,
    ``macro_f1``, ``kappa`` (pooled); ``folds``: one dict per fold with ``train`` and ``test``
    document lists (empty for a coder that needs no training); ``notes``: things to say;
    ``codings``: the machine codings that were scored (for a learning coder each document is coded
    by the model of the fold that held it out, so they are never in-sample).
    """

    per_code: pd.DataFrame
    overall: dict
    folds: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    method: str = ""
    reference: str = ""
    level: str = "code"
    codings: pd.DataFrame | None = None  # the machine codings scored: out-of-fold for a learner

    def to_frame(self, *, macro: bool = True) -> pd.DataFrame:
        """``per_code`` plus the rows ``ALL (micro)`` (with the pooled kappa) and, unless
        ``macro=False``, ``ALL (macro)`` (mean kappa; no counts)."""
        o = self.overall
        tot = self.per_code[["support", "predicted", "tp", "fp", "fn"]].sum()
        micro = {"code": "ALL (micro)", **{k: int(v) for k, v in tot.items()},
                 "precision": o["micro_precision"], "recall": o["micro_recall"], "f1": o["micro_f1"],
                 "kappa": o["kappa"]}
        extra = [micro]
        if macro:
            extra.append({"code": "ALL (macro)", "precision": o["macro_precision"],
                          "recall": o["macro_recall"], "f1": o["macro_f1"], "kappa": o["macro_kappa"]})
        out = pd.concat([self.per_code, pd.DataFrame(extra)], ignore_index=True)[COLUMNS]
        counts = ["support", "predicted", "tp", "fp", "fn"]
        out[counts] = out[counts].astype("int64" if not macro else "Int64")
        return out

    def summary(self) -> str:
        """One line: micro and macro F1 and the pooled kappa."""
        o = self.overall
        unit = "segments" if self.reference != "authors" else "quotes"
        what = "categories" if self.level == "category" else f"{self.level}s"

        def prf(kind: str) -> str:
            return "/".join(number(o[f"{kind}_{k}"]) for k in ("precision", "recall", "f1"))

        return (f"overall ({o['units']} {unit} x {o['labels']} {what}): micro P/R/F1 "
                f"{prf('micro')}, macro P/R/F1 {prf('macro')}, pooled kappa {number(o['kappa'])}")


def evaluate(coder_factory_or_coder, corpus, human_codings_table, *, folds: int = 5, seed: int = 0,
             level=None, reference: str = "any", codebook=None,
             mapping: pd.DataFrame | None = None,
             decisions: pd.DataFrame | None = None) -> EvaluationReport:
    """Evaluate a coder against human codings (see the module docstring).

    Parameters
    ----------
    coder_factory_or_coder
        A :class:`KeywordCoder` (coded as is), a :class:`ClassifierCoder` (or any estimator with
        ``fit(corpus, codings)``; cloned per fold), a callable returning a fresh coder, or a method
        name (``"keyword"``, ``"classifier"``, ...: :func:`~qualcode.coders.factory.make_coder`
        over ``codebook``).
    corpus : Corpus
    human_codings_table : DataFrame
        Codings table; rows with ``method`` other than ``human`` are ignored.
    folds, seed
        Number of document folds (at most the number of coded documents) and the shuffle seed.
    level
        ``None`` (codes), an int depth (each code rolled up to its ancestor at that depth, 0 = top
        level), ``"category"`` (the codebook's declared ``categories``, else its top-level codes),
        or a mapping ``{code id: label}`` (codes not in it are left out).
    reference
        ``"any"``, ``"majority"`` or a coder name (see the module docstring).
    codebook
        Default: the coder's ``codebook``.
    mapping
        :func:`qualcode.codings.map_to_segments` of ``human_codings_table`` onto
        ``corpus.segments``, when the caller has it already.
    decisions
        Review decisions (``document, start, end, code, status``, optionally ``reviewer``: a
        project's ``training_decisions()``) for a coder whose ``fit`` takes ``decisions`` (the
        project learner): each fold's coder learns from those in its training documents only,
        so a rejection in a held-out interview never tells it what not to suggest there.
    """
    if isinstance(coder_factory_or_coder, str):
        if codebook is None:
            raise QualcodeError("evaluate needs the codebook to build a coder by method name "
                                "(pass codebook=...)")
        coder_factory_or_coder = make_coder(coder_factory_or_coder, codebook)
    if codebook is None:
        probe = coder_factory_or_coder
        if not hasattr(probe, "codebook") and callable(probe):  # a factory: ask one of its coders
            probe = probe()
        codebook = getattr(probe, "codebook", None)
    if codebook is None:
        raise QualcodeError("evaluate needs the codebook (pass codebook=...)")
    human = human_codings(ensure_validated(human_codings_table, corpus=corpus,
                                           codebook=codebook))
    if reference not in LABEL_RULES:
        human = select_coder(human, reference)
    codes = codebook.ids()
    segments = corpus.codable_segments()
    ref, covered = human_labels(human, segments, codes, rule=reference, mapping=mapping)
    segments, ref = segments[covered].reset_index(drop=True), ref[covered]
    if segments.empty:
        raise QualcodeError("the human codings touch no codable segment: nothing to evaluate against")
    notes: list[str] = []
    machine, fold_info, method = _machine_codings(coder_factory_or_coder, corpus, segments, human,
                                                  folds=folds, seed=seed, reference=reference,
                                                  notes=notes, decisions=decisions)
    pred = segment_code_matrix(machine, segments, codes) if len(machine) else np.zeros_like(ref)
    mapping, level_name = level_mapping(codebook, level, notes=notes)
    labels, ref_l, pred_l = rollup(ref, pred, codes, mapping)
    per_code, overall = score_labels(ref_l, pred_l, labels, notes=notes)
    return EvaluationReport(per_code, overall, fold_info, notes, method=method,
                            reference=reference, level=level_name, codings=machine)


def _machine_codings(obj, corpus, segments, human, *, folds, seed, reference, notes,
                     decisions=None):
    """Machine codings of ``segments``: coded directly, or per held-out fold after training
    (on the fold's training documents' codings, and decisions when the coder takes them)."""
    learns = hasattr(obj, "fit")
    if not learns and hasattr(obj, "code"):  # a coder that needs no training
        return obj.code(corpus), [], getattr(obj, "method", "keyword")
    if not learns and not callable(obj):
        raise QualcodeError("evaluate takes a coder (with code or fit) or a function making one")
    docs = list(dict.fromkeys(segments["document"]))
    k = min(int(folds), len(docs))
    if k < 2:
        raise QualcodeError(f"cross-validation needs at least 2 coded documents, found {len(docs)}")
    if k < folds:
        notes.append(f"{k} folds (one per coded document) instead of {folds}")
    parts, info, n_warn, method = [], [], 0, "classifier"
    for i, test_docs in enumerate(document_folds(docs, k, seed=seed)):
        train_docs = [d for d in docs if d not in set(test_docs)]
        coder = _fresh(obj)
        method = getattr(coder, "method", None) or ("keyword+classifier" if getattr(
            coder, "combine_keywords", False) else "classifier")
        if reference == "majority" and "label_rule" in coder.get_params():
            coder.set_params(label_rule="majority")
        extra = {}
        if decisions is not None and _takes_decisions(coder):
            extra["decisions"] = decisions[decisions["document"].isin(train_docs)]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            coder.fit(corpus, human[human["document"].isin(train_docs)], **extra)
        n_warn += sum(1 for w in caught if issubclass(w.category, UserWarning))
        test = segments[segments["document"].isin(test_docs)]
        parts.append(coder.code_segments(test) if hasattr(coder, "code_segments")
                     else _restrict(coder.code(corpus), test_docs))
        info.append({"fold": i + 1, "train": train_docs, "test": list(test_docs)})
    if n_warn:
        notes.append(f"{n_warn} training warning(s) across folds (codes with too few examples in a "
                     "fold get no model there and count as never predicted)")
    return pd.concat(parts, ignore_index=True), info, method


def _takes_decisions(coder) -> bool:
    try:
        return "decisions" in inspect.signature(coder.fit).parameters
    except (TypeError, ValueError):
        return False


def _fresh(obj):
    if hasattr(obj, "fit"):
        from sklearn.base import clone  # lazy: scikit-learn

        return clone(obj)
    return obj()


def _restrict(codings: pd.DataFrame, docs) -> pd.DataFrame:
    return codings[codings["document"].isin(set(docs))]


def level_mapping(codebook, level, *, notes: list | None = None) -> tuple[dict | None, str]:
    """``{code id: label}`` for ``level`` (None = codes as they are) and the level's name."""
    if level is None or level == "code":
        return None, "code"
    if isinstance(level, str) and level.isdigit():
        level = int(level)
    if isinstance(level, int):
        return codebook.rollup(level), f"depth-{level} code"
    if level == "category":
        mapping = codebook.category_mapping()
        if notes is not None and not codebook.categories:
            notes.append("the codebook declares no categories ('categories:'); using its top-level "
                         "codes")
        left = [cid for cid in codebook.ids() if cid not in mapping]
        if left and notes is not None:
            roots = list(dict.fromkeys(cid.split(".")[0] for cid in left))
            notes.append(f"{len(left)} codes outside the codebook's categories are left out "
                         f"(e.g. {', '.join(r + '.*' for r in roots[:2])})")
        return mapping, "category"
    if isinstance(level, dict):
        return dict(level), "category"
    raise QualcodeError(f"unknown level {level!r}; use 'category', a depth such as 0, or a mapping")


def rollup(ref: np.ndarray, pred: np.ndarray, codes: list[str], mapping: dict | None):
    """Units x labels matrices: a unit has a label when it has any code mapped to it."""
    if mapping is None:
        return list(codes), ref, pred
    labels = list(dict.fromkeys(mapping[c] for c in codes if c in mapping))
    col = {lab: j for j, lab in enumerate(labels)}
    r = np.zeros((ref.shape[0], len(labels)), dtype=np.int8)
    p = np.zeros_like(r)
    for i, c in enumerate(codes):
        if c in mapping:
            j = col[mapping[c]]
            r[:, j] |= ref[:, i].astype(np.int8)
            p[:, j] |= pred[:, i].astype(np.int8)
    return labels, r, p


def score_labels(ref: np.ndarray, pred: np.ndarray, labels: list[str], *, mask=None,
                 notes: list | None = None, keep_unused: bool = False):
    """Per-label table and overall dict (see the module docstring). ``mask`` (units x labels,
    bool) limits which units count for which label; ``keep_unused`` reports labels nobody used."""
    ref = np.asarray(ref, dtype=np.int8)
    pred = np.asarray(pred, dtype=np.int8)
    mask = np.ones(ref.shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    rows, pooled_r, pooled_p = [], [], []
    unused = 0
    for j, lab in enumerate(labels):
        m = mask[:, j]
        r, p = ref[m, j], pred[m, j]
        if not keep_unused and r.sum() == 0 and p.sum() == 0:
            unused += 1
            continue
        tp = int((r & p).sum())
        fp = int(((1 - r) & p).sum())
        fn = int((r & (1 - p)).sum())
        kappa = float(ag.cohen_kappa([r.tolist(), p.tolist()], categories=[0, 1])) if len(r) else np.nan
        rows.append({"code": lab, "support": int(r.sum()), "predicted": int(p.sum()), "tp": tp,
                     "fp": fp, "fn": fn, "precision": _div(tp, tp + fp), "recall": _div(tp, tp + fn),
                     "f1": _div(2 * tp, 2 * tp + fp + fn), "kappa": kappa})
        pooled_r.append(r)
        pooled_p.append(p)
    if unused and notes is not None:
        notes.append(f"{unused} of {len(labels)} codes were used by neither the reference nor the "
                     "machine and are not reported")
    per = pd.DataFrame(rows, columns=COLUMNS)
    tp, fp, fn = (int(per[c].sum()) for c in ("tp", "fp", "fn"))
    if pooled_r:
        all_r, all_p = np.concatenate(pooled_r), np.concatenate(pooled_p)
        pooled = float(ag.cohen_kappa([all_r.tolist(), all_p.tolist()], categories=[0, 1]))
    else:
        pooled = np.nan
    overall = {
        "units": int(ref.shape[0]), "labels": len(per),
        "micro_precision": _div(tp, tp + fp), "micro_recall": _div(tp, tp + fn),
        "micro_f1": _div(2 * tp, 2 * tp + fp + fn),
        "macro_precision": _mean0(per["precision"]), "macro_recall": _mean0(per["recall"]),
        "macro_f1": _mean0(per["f1"]),
        "macro_kappa": float(per["kappa"].mean()) if len(per) and per["kappa"].notna().any() else np.nan,
        "kappa": pooled,
    }
    return per, overall


def _div(a: float, b: float) -> float:
    return float(a / b) if b else np.nan


def _mean0(s: pd.Series) -> float:
    return float(s.fillna(0).mean()) if len(s) else np.nan
