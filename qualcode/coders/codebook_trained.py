"""A coder that learns from the codebook's own words, and from hand coding as it comes.

::

    from qualcode.coders.codebook_trained import CodebookCoder
    machine = CodebookCoder(cb).code(corpus)            # no hand coding needed
    coder = CodebookCoder(cb).fit(corpus, human)        # the student's coding joins, and dominates
    coder.withheld_                                     # codes not suggested, and why

Training rows. Every text the codebook holds for a code is a positive row for that code and for
its ancestors (a child's example also describes its parent): the definition (``"name.
description"``), the ``inclusion`` rule, each example quote and each keyword phrase. Every other
code's texts are negatives, and a code's ``exclusion`` rule is a negative row for that code
(evidence against, weighted ``exclusion_weight``). Texts become sentence embeddings
(:class:`~qualcode.coders.embeddings.SentenceEmbeddings`, the offline all-MiniLM-L6-v2), and one
balanced logistic regression per code is trained on them.

Hand coding. ``fit(corpus, codings)`` adds the human-coded segments as rows, each weighted
``human_weight`` times a codebook row, so a few dozen coded turns outweigh the codebook's handful
of texts per code. Accepted suggestions are human codings (the store turns them into ones);
rejected suggestions (``fit(..., rejected=table)``, a codings table) are negative rows for their
code with the same weight.

Keywords are evidence, not a coder: a segment in which one of a code's keyword phrases occurs
(:class:`~qualcode.coders.keyword.KeywordCoder`, idioms excluded) gets ``keyword_weight`` added to
that code's log-odds before the cut-off.

Cut-offs and abstaining. Unfitted, a code is suggested when its score reaches ``threshold``
(default :data:`DEFAULT_THRESHOLD`), at most ``max_codes`` per segment, best first. After ``fit``
with hand coding of at least two documents, the coder is also cross-validated over the coded
documents (``cv_folds`` document folds; models trained without the held-out documents): each
code's cut-off is the best-F1 cut-off on those held-out scores (once it has
``min_cutoff_positives`` positives there), the scores are calibrated on them
(:mod:`qualcode.coders.calibration`, ``calibrated_``), and each code's held-out Cohen's kappa
(``cv_kappa_``, of the held-out decisions ``cv_pred_``: each fold cut at the cut-off the other
folds' scores give, :func:`~qualcode.coders.labels.crossfit_decide`, so that the figure measures
the cut-off's choice too) decides whether it is suggested at all: below ``kappa_floor`` it is withheld
(``withheld_``: code, support, cv_kappa, reason). With no hand coding nothing is measured, and
nothing is withheld.

Estimator rules (STYLE.md): ``__init__`` stores parameters only; ``fit`` returns ``self``; learned
state ends in ``_``; ``sklearn.base.clone`` works, so :func:`~qualcode.coders.evaluate` retrains a
fresh copy per fold. Like the zero-shot semantic coder, an unfitted coder codes (it trains on the
codebook the first time it is asked).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from ..codings import empty_codings, machine_codings, segment_code_matrix
from ..errors import QualcodeError
from ..parallel import PARALLEL_MIN_WORK, fork_map, processes
from .calibration import apply_calibration, fit_calibration, per_code_kappa
from .embeddings import DEFAULT_MODEL, SentenceEmbeddings
from .keyword import KeywordCoder
from .labels import (
    LearnsFromCodings, best_f1_thresholds, check_threshold, crossfit_decide, document_folds,
    training_data,
)

CODER_NAME = "qualcode-codebook"
DEFAULT_THRESHOLD = 0.5
#: a code whose cross-validated kappa is below this is not suggested
KAPPA_FLOOR = 0.2
#: held-out positives a code needs before the project learner tunes its cut-off on them (best F1);
#: with fewer, a tuned cut-off follows one or two scores (measured: on the sample, tuning from the
#: first positive lowered held-out kappa after 50-200 hand codings, benchmarks/learning_curve.py).
#: The coder's own default (``min_cutoff_positives=1``) tunes from the first.
MIN_CUTOFF_POSITIVES = 5
TEXT_KINDS = ("definition", "inclusion", "example", "keyword")


def codebook_texts(codebook, *, kinds=TEXT_KINDS) -> pd.DataFrame:
    """The codebook's texts per code: columns ``code``, ``kind`` (:data:`TEXT_KINDS` or
    ``exclusion``), ``text``."""
    rows = []
    for c in codebook:
        if "definition" in kinds:
            rows.append((c.id, "definition", f"{c.name}. {c.description}".strip() if c.description
                         else c.name))
        if "inclusion" in kinds and c.inclusion:
            rows.append((c.id, "inclusion", c.inclusion))
        if "example" in kinds:
            for ex in c.examples:
                quote = (ex.get("quote", "") if isinstance(ex, dict) else str(ex)).strip()
                if quote:
                    rows.append((c.id, "example", quote))
        if "keyword" in kinds:
            rows.extend((c.id, "keyword", k.replace("*", " ").strip()) for k in c.keywords)
        if c.exclusion:
            rows.append((c.id, "exclusion", c.exclusion))
    return pd.DataFrame(rows, columns=["code", "kind", "text"])


class CodebookCoder(LearnsFromCodings, BaseEstimator):
    """Suggest codes with classifiers trained on the codebook's texts (and on hand coding).

    Parameters
    ----------
    codebook : Codebook
    model : str, path or object
        Sentence-transformers model (see :class:`SentenceEmbeddings`).
    C : float
        Inverse regularisation of the logistic regressions.
    human_weight, exclusion_weight : float
        Weight of a hand-coded (or rejected) segment and of an exclusion rule, a codebook row = 1.
    keyword_weight : float
        Log-odds added to a code's score where one of its keywords occurs (0: keywords unused).
    threshold : "auto" or float in (0, 1)
        "auto": :data:`DEFAULT_THRESHOLD` unfitted, per-code best-F1 on held-out hand coding after fit.
    max_codes : int or None
        At most this many codes per segment (highest scores first); None: no limit.
    kappa_floor : float or None
        Codes whose cross-validated kappa is below it are withheld after fit (None: never).
    cv_folds : int
        Document folds for the held-out scores of ``fit``.
    min_cutoff_positives : int
        With "auto", a code's cut-off is tuned on held-out scores once it has this many positives
        there (else :data:`DEFAULT_THRESHOLD`); the project learner uses :data:`MIN_CUTOFF_POSITIVES`.
    label_rule : "any" | "majority" | coder name
    cache_dir, batch_size, device
        Passed to :class:`SentenceEmbeddings`.
    """

    method = "codebook"
    _nothing = "nothing to learn from (or use the coder unfitted: it learns from the codebook)"

    def __init__(self, codebook=None, *, model=DEFAULT_MODEL, C: float = 1.0, human_weight: float = 3.0,
                 exclusion_weight: float = 2.0, keyword_weight: float = 2.0, threshold="auto",
                 max_codes: int | None = 3, kappa_floor: float | None = KAPPA_FLOOR, cv_folds: int = 3,
                 label_rule: str = "any", cache_dir=None, batch_size: int = 64, device=None,
                 min_cutoff_positives: int = 1):
        self.codebook = codebook
        self.min_cutoff_positives = min_cutoff_positives
        self.model = model
        self.C = C
        self.human_weight = human_weight
        self.exclusion_weight = exclusion_weight
        self.keyword_weight = keyword_weight
        self.threshold = threshold
        self.max_codes = max_codes
        self.kappa_floor = kappa_floor
        self.cv_folds = cv_folds
        self.label_rule = label_rule
        self.cache_dir = cache_dir
        self.batch_size = batch_size
        self.device = device

    # -- parameters, features ---------------------------------------------------------------------

    def _check_params(self) -> None:
        if self.codebook is None:
            raise QualcodeError("CodebookCoder needs a codebook")
        check_threshold(self.threshold)
        for name in ("C", "human_weight", "exclusion_weight"):
            if not float(getattr(self, name)) > 0:
                raise QualcodeError(f"{name} must be a positive number, not {getattr(self, name)!r}")
        if self.max_codes is not None and int(self.max_codes) < 1:
            raise QualcodeError(f"max_codes must be at least 1 or None, not {self.max_codes!r}")

    def embedder(self) -> SentenceEmbeddings:
        emb = getattr(self, "_embedder", None)
        if emb is None:
            emb = self._embedder = SentenceEmbeddings(self.model, cache_dir=self.cache_dir,
                                                      batch_size=self.batch_size, device=self.device,
                                                      normalize=True).fit()
        return emb

    def _keywords(self):
        kw = getattr(self, "_keyword_coder", None)
        if kw is None and self.keyword_weight:
            kw = self._keyword_coder = KeywordCoder(self.codebook, n_jobs=1)
        return kw

    def _codebook_rows(self):
        """Embeddings, labels (rows x codes, 1/0/-1 = positive/negative/not a row for that code)
        and weights of the codebook's texts."""
        table = codebook_texts(self.codebook)
        codes = self.codebook.ids()
        col = {c: j for j, c in enumerate(codes)}
        y = np.zeros((len(table), len(codes)), dtype=np.int8)
        w = np.ones(len(table))
        for i, (code, kind) in enumerate(zip(table["code"], table["kind"])):
            if kind == "exclusion":
                y[i, :] = -1  # says nothing about other codes
                y[i, col[code]] = 0
                w[i] = float(self.exclusion_weight)
                continue
            for c in [code, *self.codebook.ancestors(code)]:
                y[i, col[c]] = 1
        return self.embedder().transform(table["text"].tolist()), y, w

    # -- learning ---------------------------------------------------------------------------------

    def _train(self, X, y, w):
        """One logistic regression per code (rows with label -1 left out); None where a code has
        no positive or no negative row."""
        return self._train_many([(X, y, w)])[0]

    def _train_many(self, problems):
        """:meth:`_train` for several ``(X, y, w)`` at once (the folds and the final model): every
        (problem, code) fit in one pool of forked processes, one per core
        (:func:`qualcode.parallel.fork_map`; liblinear is single-threaded)."""
        from sklearn.linear_model import LogisticRegression  # lazy: scikit-learn

        def fit(task):
            X, y, w = problems[task[0]]
            j = task[1]
            rows = y[:, j] >= 0
            yj = y[rows, j]
            if yj.min() == yj.max():
                return None
            # liblinear: measured 15x faster than lbfgs here (87 codes x ~1,000 rows x 384)
            m = LogisticRegression(C=float(self.C), class_weight="balanced", solver="liblinear")
            m.fit(X[rows], yj, sample_weight=w[rows])
            return m.coef_[0].copy(), float(m.intercept_[0])

        k = problems[0][1].shape[1]
        tasks = [(p, j) for p in range(len(problems)) for j in range(k)]
        work = sum(X.size for X, _, _ in problems) * k
        fits = fork_map(fit, tasks, processes(None, len(tasks), worth_it=work >= PARALLEL_MIN_WORK))
        return [fits[p * k:(p + 1) * k] for p in range(len(problems))]

    def _with_codebook(self, X_h=None, y_h=None, w_h=None):
        """The codebook's rows, and the hand-coded ones after them."""
        X, y, w = self._codebook_rows()
        if X_h is not None and len(X_h):
            X, y, w = np.vstack([X, X_h]), np.vstack([y, y_h]), np.concatenate([w, w_h])
        return X, y, w

    def _fit_models(self, X_h=None, y_h=None, w_h=None):
        return self._train(*self._with_codebook(X_h, y_h, w_h))

    def fit_segments(self, segments: pd.DataFrame, labels: np.ndarray, codes: list[str], *,
                     rejected: pd.DataFrame | None = None):
        """Learn from the codebook plus hand-coded ``segments`` (``document``, ``text``) and their
        segments x ``codes`` 0/1 ``labels``. ``rejected``: rows ``text``, ``code`` of rejected
        suggestions on passages nobody coded, each a negative row for its code only (weight
        ``human_weight``; in the final model, not in the held-out measurement)."""
        self._check_params()
        ids = self.codebook.ids()
        y = np.zeros((len(segments), len(ids)), dtype=np.int8)
        col = {c: j for j, c in enumerate(codes)}
        for j, c in enumerate(ids):
            if c in col:
                y[:, j] = np.asarray(labels)[:, col[c]]
        self.classes_ = np.array(ids, dtype=object)
        self.support_ = y.sum(axis=0).astype(int)
        self.n_segments_ = int(len(segments))
        self.n_documents_ = int(segments["document"].nunique())
        self.codebook_fingerprint_ = self.codebook.fingerprint()
        texts = segments["text"].tolist()
        X = self.embedder().transform(texts)
        w = np.full(len(texts), float(self.human_weight))
        kw = self._keyword_matrix(texts)
        # the final model: the codebook, the hand coding and the rejected suggestions
        if rejected is not None and len(rejected):
            rx = self.embedder().transform(rejected["text"].tolist())
            ry = np.full((len(rejected), len(ids)), -1, dtype=np.int8)  # says nothing of other codes
            ry[np.arange(len(rejected)), [ids.index(c) for c in rejected["code"]]] = 0
            self.n_rejected_ = int(len(rejected))
            problems = [self._with_codebook(np.vstack([X, rx]), np.vstack([y, ry]), np.concatenate(
                [w, np.full(len(rx), float(self.human_weight))]))]
        else:
            self.n_rejected_ = 0
            problems = [self._with_codebook(X, y, w)]
        # held-out scores by document (models without the held-out documents): cut-offs,
        # calibration and per-code kappa; all fitted in one go with the final model
        docs = list(dict.fromkeys(segments["document"]))
        k = min(int(self.cv_folds), len(docs))
        doc = segments["document"].to_numpy()
        tests = [np.isin(doc, t) for t in document_folds(docs, k, seed=0)] if k >= 2 else []
        problems += [self._with_codebook(X[~t], y[~t], w[~t]) for t in tests]
        fitted = self._train_many(problems)
        self.models_ = fitted[0]
        oof = None
        if tests:
            oof = np.zeros(y.shape)
            for t, models in zip(tests, fitted[1:]):
                oof[t] = self._scores(models, X[t], kw[t])
        self._set_cutoffs(oof, y, tests)
        return self

    def _set_cutoffs(self, oof, y, tests) -> None:
        n = len(self.classes_)
        default = DEFAULT_THRESHOLD if self.threshold == "auto" else float(self.threshold)
        self.thresholds_ = np.full(n, default)
        self.cv_kappa_ = np.full(n, np.nan)
        self.calibration_ = None
        self.cv_scores_ = oof  # held-out raw scores (segments x codes), for the project learner
        self.cv_pred_ = None
        if oof is None:
            self.withheld_ = _withheld_frame([], [], [], [])
            return
        if self.threshold == "auto":
            self.thresholds_ = best_f1_thresholds(oof, y, min_positives=self.min_cutoff_positives,
                                                  default=default)
            # each fold cut where the other folds put the cut-off (not where its own scores do)
            pred = crossfit_decide(oof, y, tests, self._decide,
                                   min_positives=self.min_cutoff_positives, default=default)
        else:
            pred = self._decide(oof, self.thresholds_)
        self.cv_pred_ = pred  # held-out 0/1 decisions, for the project learner's figures
        self.cv_kappa_ = per_code_kappa(y, pred)
        self.calibration_ = fit_calibration(oof, y)
        withheld, kappas, support, why = [], [], [], []
        if self.kappa_floor is not None:
            for j, c in enumerate(self.classes_):
                kap = self.cv_kappa_[j]
                if not kap >= self.kappa_floor:
                    withheld.append(c)
                    kappas.append(kap)
                    support.append(int(self.support_[j]))
                    why.append("never hand-coded: nothing to measure it on" if self.support_[j] == 0
                               else f"cross-validated kappa below {self.kappa_floor:g}")
        self.withheld_ = _withheld_frame(withheld, support, kappas, why)

    def fit(self, corpus, codings, y=None, *, rejected=None):
        """Learn from the codebook and the human ``codings`` of ``corpus`` (a codings table);
        ``rejected``: a codings table of rejected suggestions (negative evidence for their code on
        segments the human coding does not cover; where it does, the human coding decides).
        Returns ``self``."""
        self._check_params()
        segments, labels, codes = training_data(corpus, codings, self.codebook,
                                                rule=self.label_rule, nothing=self._nothing)
        extra = rejected_rows(rejected, corpus, segments, codes)
        return self.fit_segments(segments, labels, codes, rejected=extra)

    # -- scoring ----------------------------------------------------------------------------------

    def _keyword_matrix(self, texts) -> np.ndarray:
        ids = self.codebook.ids()
        out = np.zeros((len(texts), len(ids)), dtype=np.int8)
        kw = self._keywords()
        if kw is None or not texts:
            return out
        col = {c: j for j, c in enumerate(ids)}
        for i, hits in enumerate(kw.match_texts(list(texts))):
            for c in hits:
                out[i, col[c]] = 1
        return out

    def _scores(self, models, X, kw) -> np.ndarray:
        logits = np.full((len(X), len(models)), -30.0)
        for j, m in enumerate(models):
            if m is not None:
                logits[:, j] = X @ m[0] + m[1]
        logits = logits + float(self.keyword_weight) * kw
        return 1.0 / (1.0 + np.exp(-logits))

    def _models(self):
        models = getattr(self, "models_", None)
        if models is None:  # unfitted: learn from the codebook alone, once
            self._check_params()
            models = getattr(self, "_prior_models", None)
            if models is None:
                models = self._prior_models = self._fit_models()
        return models

    def predict_proba(self, texts) -> np.ndarray:
        """Raw scores in [0, 1], texts x codebook codes (keyword evidence included)."""
        if isinstance(texts, str):
            raise QualcodeError("predict_proba takes a list of texts, not one string")
        texts = list(texts)
        if not texts:
            return np.zeros((0, len(self.codebook)))
        models = self._models()
        return self._scores(models, self.embedder().transform(texts), self._keyword_matrix(texts))

    def predict_calibrated(self, texts) -> np.ndarray:
        """Scores mapped to the chance they are right on held-out hand coding (raw before fit)."""
        raw = self.predict_proba(texts)
        cal = getattr(self, "calibration_", None)
        return raw if cal is None else apply_calibration(cal, raw)

    def thresholds(self) -> np.ndarray:
        t = getattr(self, "thresholds_", None)
        if t is not None:
            return t
        self._check_params()
        return np.full(len(self.codebook), DEFAULT_THRESHOLD if self.threshold == "auto"
                       else float(self.threshold))

    def _decide(self, scores, thresholds) -> np.ndarray:
        pred = scores >= thresholds
        if self.max_codes is not None and scores.shape[1] > int(self.max_codes):
            rank = np.argsort(np.argsort(-np.where(pred, scores, -1.0), axis=1), axis=1)
            pred &= rank < int(self.max_codes)
        return pred.astype(np.int8)

    def suggested_codes(self) -> np.ndarray:
        """Boolean per codebook code: suggested at all (not in ``withheld_``)."""
        withheld = getattr(self, "withheld_", None)
        ids = self.codebook.ids()
        if withheld is None or withheld.empty:
            return np.ones(len(ids), dtype=bool)
        return ~np.isin(ids, withheld["code"].to_numpy())

    def predict(self, texts) -> np.ndarray:
        """0/1, texts x codes: at or above the code's cut-off, at most ``max_codes``, not withheld."""
        return self._decide(self.predict_proba(texts), self.thresholds()) * self.suggested_codes()

    def code(self, corpus) -> pd.DataFrame:
        """Code a corpus's codable segments. Columns: ``document, start, end, code, coder``
        (``qualcode-codebook``), ``segment``, ``method`` (``codebook``), ``score`` (calibrated
        when fitted on hand coding), ``memo``."""
        return self.code_segments(corpus.codable_segments())

    def code_segments(self, segments: pd.DataFrame) -> pd.DataFrame:
        if segments.empty:
            return empty_codings()
        fp = getattr(self, "codebook_fingerprint_", None)
        if fp is not None and fp != self.codebook.fingerprint():
            raise QualcodeError("the codebook changed since this coder was fitted; fit it again")
        texts = segments["text"].tolist()
        raw = self.predict_proba(texts)
        pred = self._decide(raw, self.thresholds()) * self.suggested_codes()
        rows_i, cols_j = np.nonzero(pred)
        if len(rows_i) == 0:
            return empty_codings()

        cal = getattr(self, "calibration_", None)
        score = raw if cal is None else apply_calibration(cal, raw)
        codes = self.codebook.ids()
        seg = segments.iloc[rows_i]
        out = pd.DataFrame({
            "document": seg["document"].to_numpy(), "start": seg["start"].to_numpy(),
            "end": seg["end"].to_numpy(), "code": [codes[j] for j in cols_j],
            "segment": seg["segment"].to_numpy(), "score": score[rows_i, cols_j],
            "memo": ["" for _ in rows_i],
        })
        return machine_codings(out, coder=CODER_NAME, method=self.method)


def _withheld_frame(codes, support, kappas, why) -> pd.DataFrame:
    return pd.DataFrame({"code": list(codes), "support": pd.array(list(support), dtype="int64"),
                         "cv_kappa": np.asarray(kappas, dtype=float), "reason": list(why)})


def rejected_rows(rejected, corpus, covered: pd.DataFrame, codes) -> pd.DataFrame | None:
    """Rejected suggestions on codable passages outside ``covered`` (the segments the hand coding
    labels, which decide where they are) as counter-examples of their code only: a frame
    ``text, code`` for :meth:`CodebookCoder.fit_segments`'s ``rejected``; None when there are
    none."""
    if rejected is None or not len(rejected):
        return None
    rest = corpus.codable_segments()
    keys = set(zip(covered["document"], covered["segment"]))
    rest = rest[[k not in keys for k in zip(rest["document"], rest["segment"])]]
    m = segment_code_matrix(rejected, rest, codes)
    i, j = np.nonzero(m)
    return pd.DataFrame({"text": rest["text"].to_numpy()[i], "code": [codes[k] for k in j]})
