"""The classifier coder: one probability per code, learned from a person's coding of the corpus.

A scikit-learn estimator (STYLE.md): ``__init__`` only stores its parameters, ``fit`` validates
and returns ``self``, learned state ends in ``_``, an unfitted coder raises ``NotFittedError``, and
``sklearn.base.clone`` works.

Training labels. The units are the codable segments of the documents that the human coders coded
(a document with no human coding at all is treated as not yet coded and left out, so a student can
code some interviews and let the model suggest codes for the rest). A segment is positive for a
code when a human coding of that code overlaps it by at least one character
(:func:`qualcode.codings.segment_code_matrix`). With several human coders, ``label_rule``
decides: ``"any"`` (default, the union: one coder is enough) or ``"majority"`` (more than half of
the coders who coded that document); or pass one coder's codings only. Codes are learned as they
are coded; a parent code is not implied by its children (roll up at evaluation time instead).

Model. Per code, a logistic regression (one-vs-rest, ``class_weight="balanced"``, L2 with
inverse strength ``C``) on the featurizer's output: by default TF-IDF word 1-2-grams and character
3-5-grams (:mod:`qualcode.coders.features`). Codes with fewer than ``min_examples`` positive
segments (or no negative one) get no model: they are listed in ``skipped_`` with their count and
in a warning, never dropped silently.

Thresholds. ``threshold="auto"``: per code, the cut-off that maximises F1 on out-of-fold
probabilities from an inner cross-validation grouped by document (``inner_folds`` folds; no
interview's labels are in both parts; the TF-IDF vocabulary and idf are those of all training
segments), placed halfway between the lowest probability kept and the next one
below it. With fewer than two coded documents the threshold is 0.5. A number gives every code that
threshold.

Combining with keywords (``combine_keywords=True``). A segment gets a code when the classifier's
probability ``p`` reaches the code's threshold or the code's keywords hit (:class:`KeywordCoder`).
Score: ``1 - (1 - p) * (1 - 0.5 * k)`` with ``k`` = 1 for a keyword hit, else 0 (a keyword hit
halves the chance of "not this code"); for a code without a model, ``p`` = 0, so a keyword hit alone
scores 0.5. ``method`` says which evidence fired: ``classifier``, ``keyword`` or
``keyword+classifier``.
"""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_is_fitted

from ..codings import empty_codings, machine_codings
from ..errors import QualcodeError, warn
from ..parallel import PARALLEL_MIN_WORK, check_n_jobs, fork_map, processes
from .features import make_featurizer
from .keyword import KeywordCoder
from .labels import (LABEL_RULES, LearnsFromCodings, best_f1_thresholds, check_threshold,
                     document_folds)
from .persist import load_model, save_model

CODER_NAME = "qualcode-classifier"
KEYWORD_WEIGHT = 0.5
PREDICT_BATCH = 5000  # texts featurized at a time: bounds predict_proba's memory


class ClassifierCoder(LearnsFromCodings, BaseEstimator):
    """Suggest codes with a multi-label classifier trained on human codings.

    Parameters
    ----------
    codebook : Codebook
        The codes to learn (their ids are the classes).
    features : "tfidf" or a scikit-learn transformer on a list of strings
    threshold : "auto" or float in (0, 1)
    min_examples : int
        Positive segments a code needs to get a model.
    C : float
        Inverse regularisation strength of each logistic regression.
    combine_keywords : bool
        Also use the codebook's keyword hits (see the module docstring for the rule).
    random_state : int
    label_rule : "any" | "majority"
        How several human coders' codings become one label per segment and code.
    class_weight : "balanced" or None
    inner_folds : int
        Document-grouped folds used to choose the thresholds.
    tol : float
        Stopping tolerance of each logistic regression (liblinear). The default 0.01 (scikit-learn's
        is 0.0001) needs about 11 instead of 19 passes on 20k segments and gave the same scores on
        the sample study (category micro F1 0.438 vs 0.437, kappa 0.366 vs 0.365).
    max_negatives : int or None
        Per code and fit, at most this many negative segments (a seeded random sample) enter the
        logistic regression, each weighted up by (negatives / sampled) so that the weighted loss
        is the full data's in expectation (``class_weight`` is computed on all segments). ``None``
        (default) uses every segment. A speed option for large training sets: on 20,000
        synthetic segments x 50 codes, 5000 trained in 42.7 s instead of 73.5 s and scored
        held-out micro F1 0.624 instead of 0.641 (``benchmarks/classifier_options.py``).
    n_jobs : int or None
        Processes fitting codes at once (forked: see :mod:`qualcode.parallel`); ``None``: one per
        available core on Linux when the training set is large. The model does not depend on it
        (beyond floating-point rounding).

    Fitted attributes: ``classes_`` (code ids with a model, in codebook order), ``thresholds_``
    (array, one per class), ``skipped_`` ({code id: positive segments} for codes without a model),
    ``featurizer_``, ``coef_`` (classes x features), ``intercept_``, ``n_segments_``,
    ``n_documents_``, ``support_`` (positives per class), ``training_hash_``,
    ``codebook_fingerprint_``.
    """

    def __init__(self, codebook=None, *, features="tfidf", threshold="auto", min_examples: int = 3,
                 C: float = 1.0, combine_keywords: bool = False, random_state=0,
                 label_rule: str = "any", class_weight="balanced", inner_folds: int = 3,
                 tol: float = 1e-2, max_negatives: int | None = None, n_jobs: int | None = None):
        self.codebook = codebook
        self.features = features
        self.threshold = threshold
        self.min_examples = min_examples
        self.C = C
        self.combine_keywords = combine_keywords
        self.random_state = random_state
        self.label_rule = label_rule
        self.class_weight = class_weight
        self.inner_folds = inner_folds
        self.tol = tol
        self.max_negatives = max_negatives
        self.n_jobs = n_jobs

    # -- fitting (fit: :class:`LearnsFromCodings`) --------------------------------------------------

    _nothing = "nothing to learn from (code some interviewee turns first)"

    def fit_segments(self, segments: pd.DataFrame, labels: np.ndarray, codes: list[str]):
        """Learn from a segments table (``document``, ``text``) and its segments x codes 0/1 matrix."""
        self._check_params()
        texts = segments["text"].tolist()
        groups = segments["document"].to_numpy()
        labels = np.asarray(labels, dtype=np.int8)
        counts = labels.sum(axis=0)
        n = len(texts)
        keep = [j for j, c in enumerate(codes) if self.min_examples <= counts[j] < n]
        self.classes_ = np.array([codes[j] for j in keep], dtype=object)
        self.skipped_ = {codes[j]: int(counts[j]) for j in range(len(codes)) if j not in set(keep)}
        self.support_ = counts[keep].astype(int)
        self.n_segments_ = n
        self.n_documents_ = int(len(set(groups)))
        self.codebook_fingerprint_ = self.codebook.fingerprint()
        self.training_hash_ = training_hash(texts, labels, codes)
        _warn_skipped(self.skipped_, self.min_examples)
        y = labels[:, keep]
        self.featurizer_ = make_featurizer(self.features)
        if hasattr(self.featurizer_, "fit_transform"):  # one pass over the texts, not two
            X = self.featurizer_.fit_transform(texts)
        else:
            X = self.featurizer_.fit(texts).transform(texts)
        self.coef_, self.intercept_ = self._fit_models(X, y)
        if self.threshold == "auto":
            self.thresholds_ = self._auto_thresholds(X, y, groups)
        else:
            self.thresholds_ = np.full(len(keep), float(self.threshold))
        return self

    def _check_params(self) -> None:
        if self.codebook is None:
            raise QualcodeError("ClassifierCoder needs a codebook")
        if self.label_rule not in LABEL_RULES:
            raise QualcodeError(f"label_rule must be 'any' or 'majority', not {self.label_rule!r}")
        check_threshold(self.threshold)
        if int(self.min_examples) < 1:
            raise QualcodeError("min_examples must be at least 1")
        check_n_jobs(self.n_jobs)
        if self.max_negatives is not None and (not isinstance(self.max_negatives, int)
                                               or self.max_negatives < 1):
            raise QualcodeError(f"max_negatives must be None or a whole number of at least 1, "
                                f"not {self.max_negatives!r}")
        if not (isinstance(self.tol, (int, float)) and self.tol > 0):
            raise QualcodeError(f"tol must be a positive number, not {self.tol!r}")

    def _fit_models(self, X, y: np.ndarray):
        """One logistic regression per column of ``y`` (in ``n_jobs`` processes when large)."""
        # the dual problem is much faster with fewer segments than features (measured 25x)
        dual = X.shape[0] < X.shape[1]

        def fit(j: int) -> tuple[np.ndarray | None, float]:
            yj = y[:, j]
            if yj.min() == yj.max():  # an inner fold without positives (or negatives)
                return None, _logit(0.999 if yj[0] else 0.001)
            rows, weights = self._sample(yj, seed=j)
            lr = LogisticRegression(C=self.C, class_weight=None, solver="liblinear", dual=dual,
                                    random_state=self.random_state, max_iter=1000, tol=self.tol)
            if rows is None:
                lr.fit(X, yj, sample_weight=weights)
            else:
                lr.fit(X[rows], yj[rows], sample_weight=weights)
            return lr.coef_[0], float(lr.intercept_[0])

        nonzeros = X.nnz if hasattr(X, "nnz") else X.size  # sparse TF-IDF or dense embeddings
        n = processes(self.n_jobs, y.shape[1], worth_it=nonzeros * y.shape[1] >= PARALLEL_MIN_WORK)
        fits = fork_map(fit, range(y.shape[1]), n)
        coef = np.zeros((y.shape[1], X.shape[1]))
        for j, (row, _) in enumerate(fits):
            if row is not None:
                coef[j] = row
        return coef, np.array([b for _, b in fits], dtype=float)

    def _sample(self, yj: np.ndarray, *, seed: int):
        """The rows one code's fit uses (``None``: all) and their weights: ``class_weight``
        computed on all rows, negatives beyond ``max_negatives`` sampled and weighted up."""
        n, pos = len(yj), int(yj.sum())
        neg = n - pos
        if self.class_weight == "balanced":
            w_pos, w_neg = n / (2 * pos), n / (2 * neg)
        elif isinstance(self.class_weight, dict):
            w_pos, w_neg = float(self.class_weight.get(1, 1.0)), float(self.class_weight.get(0, 1.0))
        else:
            w_pos = w_neg = 1.0
        if self.max_negatives is None or neg <= self.max_negatives:
            return None, np.where(yj == 1, w_pos, w_neg)
        rng = np.random.default_rng([_seed(self.random_state), seed])
        negatives = np.flatnonzero(yj == 0)
        rows = np.sort(np.concatenate([np.flatnonzero(yj == 1),
                                       rng.choice(negatives, self.max_negatives, replace=False)]))
        return rows, np.where(yj[rows] == 1, w_pos, w_neg * neg / self.max_negatives)

    def _auto_thresholds(self, X, y: np.ndarray, groups: np.ndarray) -> np.ndarray:
        # The inner folds reuse the features fitted on all training segments: the vocabulary and
        # idf see the held-out texts (no labels), which saves refitting the featurizer per fold.
        docs = list(dict.fromkeys(groups))
        k = min(int(self.inner_folds), len(docs))
        if k < 2 or y.shape[1] == 0:
            return np.full(y.shape[1], 0.5)
        oof = np.zeros(y.shape, dtype=float)
        for test_docs in document_folds(docs, k, seed=self.random_state):
            test = np.isin(groups, test_docs)
            coef, icpt = self._fit_models(X[~test], y[~test])
            oof[test] = expit(np.asarray(safe_sparse_dot(X[test], coef.T, dense_output=True)) + icpt)
        return best_f1_thresholds(oof, y)

    # -- predicting -------------------------------------------------------------------------------

    def predict_proba(self, texts) -> np.ndarray:
        """Probabilities, texts x ``classes_``."""
        check_is_fitted(self, "classes_")
        if isinstance(texts, str):
            raise QualcodeError("predict_proba takes a list of texts, not one string")
        texts = list(texts)
        if not texts or len(self.classes_) == 0:
            return np.zeros((len(texts), len(self.classes_)))
        # in batches: the features of 143k segments (10M words) at once took 3.4 GB
        out = np.empty((len(texts), len(self.classes_)))
        for i in range(0, len(texts), PREDICT_BATCH):
            X = self.featurizer_.transform(texts[i:i + PREDICT_BATCH])
            out[i:i + PREDICT_BATCH] = np.asarray(safe_sparse_dot(X, self.coef_.T, dense_output=True))
        return expit(out + self.intercept_)

    def predict(self, texts) -> np.ndarray:
        """0/1 matrix, texts x ``classes_``: probability at or above the code's threshold."""
        return (self.predict_proba(texts) >= self.thresholds_).astype(np.int8)

    def code(self, corpus) -> pd.DataFrame:
        """Code a corpus's codable segments; codings with ``method`` and ``score`` (see module doc).

        Columns: ``document, start, end, code, coder, segment, method, score, memo``.
        """
        return self.code_segments(corpus.codable_segments())

    def code_segments(self, segments: pd.DataFrame) -> pd.DataFrame:
        check_is_fitted(self, "classes_")
        if segments.empty:
            return empty_codings()
        proba = self.predict_proba(segments["text"].tolist())
        codes = self.codebook.ids()
        col = {c: j for j, c in enumerate(codes)}
        p = np.zeros((len(segments), len(codes)))
        fired = np.zeros(p.shape, dtype=bool)
        idx = [col[c] for c in self.classes_ if c in col]
        p[:, idx] = proba
        fired[:, idx] = proba >= self.thresholds_
        kw = np.zeros(p.shape, dtype=bool)
        memo = {}
        if self.combine_keywords:
            for i, hits in enumerate(self.keyword_coder().match_texts(segments["text"].tolist())):
                for c, phrases in hits.items():
                    kw[i, col[c]] = True
                    memo[(i, col[c])] = "; ".join(phrases)
        rows_i, cols_j = np.nonzero(fired | kw)
        if len(rows_i) == 0:
            return empty_codings()
        pp, kk, ff = p[rows_i, cols_j], kw[rows_i, cols_j], fired[rows_i, cols_j]
        score = 1 - (1 - pp) * (1 - KEYWORD_WEIGHT * kk)
        method = np.where(kk & ff, "keyword+classifier", np.where(kk, "keyword", "classifier"))
        seg = segments.iloc[rows_i]
        out = pd.DataFrame({
            "document": seg["document"].to_numpy(), "start": seg["start"].to_numpy(),
            "end": seg["end"].to_numpy(), "code": [codes[j] for j in cols_j],
            "segment": seg["segment"].to_numpy(), "method": method, "score": score,
            "memo": [memo.get((i, j), "") for i, j in zip(rows_i, cols_j)],
        })
        return machine_codings(out, coder=CODER_NAME)

    def keyword_coder(self) -> KeywordCoder:
        """The keyword coder used when ``combine_keywords`` is on (built once)."""
        kc = getattr(self, "_keyword_coder", None)
        if kc is None or kc.codebook is not self.codebook:
            kc = self._keyword_coder = KeywordCoder(self.codebook)
        return kc

    # -- persistence ------------------------------------------------------------------------------

    def save(self, path, *, force: bool = False):
        """Save to a ``.qcm`` file (zip of JSON + .npz; no pickle): see :mod:`.persist`."""
        return save_model(self, path, force=force)

    @classmethod
    def load(cls, path, *, codebook=None) -> "ClassifierCoder":
        """Load a model saved with :meth:`save`; ``codebook`` is checked against the model's."""
        return load_model(path, cls, codebook=codebook)


def training_hash(texts: list[str], labels: np.ndarray, codes: list[str]) -> str:
    """A short hash of the training texts, labels and code list (changes when any of them does)."""
    h = hashlib.sha256()
    h.update("\x1f".join(codes).encode("utf-8"))
    for text, row in zip(texts, np.asarray(labels, dtype=np.int8)):
        h.update(b"\x1e" + text.encode("utf-8") + b"\x1f" + row.tobytes())
    return h.hexdigest()[:16]


def _seed(random_state) -> int:
    return int(random_state) if isinstance(random_state, (int, np.integer)) else 0


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def _warn_skipped(skipped: dict[str, int], min_examples: int) -> None:
    few = {c: n for c, n in skipped.items() if n > 0}
    never = len(skipped) - len(few)
    if not skipped:
        return
    listed = ", ".join(f"{c} ({n})" for c, n in list(few.items())[:12])
    more = f" and {len(few) - 12} more" if len(few) > 12 else ""
    parts = []
    if few:
        parts.append(f"{len(few)} code(s) have fewer than {min_examples} positive segments (or no "
                     f"negative one) and get no model: {listed}{more}")
    if never:
        nevers = [c for c, n in skipped.items() if n == 0]
        more = f" and {len(nevers) - 12} more" if len(nevers) > 12 else ""
        parts.append(f"{never} code(s) were never coded: {', '.join(nevers[:12])}{more}")
    warn("; ".join(parts) + " (see skipped_)", stacklevel=4)
