"""Training labels and thresholds shared by the classifier, the semantic coder and evaluation.

Nothing here needs scikit-learn, so importing :mod:`qualcode.coders` (and the keyword coder's
command line) stays fast: the classifier's module loads scikit-learn only when it is used.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..codings import ensure_validated, human_codings, segment_code_matrix, select_coder
from ..errors import CodingsError, QualcodeError

LABEL_RULES = ("any", "union", "majority")
__all__ = ["LABEL_RULES", "LearnsFromCodings", "human_codings", "training_data", "human_labels", "document_folds",
           "best_f1_threshold", "best_f1_thresholds", "crossfit_decide", "check_threshold"]


class LearnsFromCodings:
    """``fit(corpus, codings)`` for a coder whose ``fit_segments(segments, labels, codes)`` does the
    learning: the human codings become the covered segments and their labels
    (:func:`training_data`, by the coder's ``label_rule``). ``_nothing`` ends the error when no
    human coding touches a codable segment."""

    _nothing = "nothing to learn from"

    def fit(self, corpus, codings, y=None):
        """Learn from human ``codings`` (a codings table) of ``corpus``; returns ``self``."""
        self._check_params()
        segments, labels, codes = training_data(corpus, codings, self.codebook,
                                                rule=self.label_rule, nothing=self._nothing)
        return self.fit_segments(segments, labels, codes)


def training_data(corpus, codings, codebook, *, rule: str, nothing: str):
    """The codable segments the human ``codings`` cover, their segments x codes 0/1 labels (by
    ``rule``) and the code ids; a :class:`CodingsError` ending in ``nothing`` when there are none."""
    codings = ensure_validated(codings, corpus=corpus, codebook=codebook)
    segments = corpus.codable_segments()
    codes = codebook.ids()
    labels, covered = human_labels(codings, segments, codes, rule=rule)
    segments, labels = segments[covered], labels[covered]
    if segments.empty:
        raise CodingsError(f"no human codings touch a codable segment: there is {nothing}")
    return segments, labels, codes


def human_labels(codings: pd.DataFrame, segments: pd.DataFrame, codes: list[str], *,
                 rule: str = "any", mapping: pd.DataFrame | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Segments x codes 0/1 labels from human codings, and which segments were coded at all.

    ``rule``: ``"any"``/``"union"`` (a segment is positive when any coder coded it), ``"majority"``
    (when more than half of the coders who coded its document did), or a coder name (that coder
    only). A segment counts as coded when its document has at least one coding by a selected coder.
    Rows follow ``segments``. ``mapping``: :func:`qualcode.codings.map_to_segments` of the codings
    (or a table they are rows of) onto the segments (or a table they are rows of), to reuse.
    """
    codings = human_codings(codings)
    if rule not in LABEL_RULES:
        codings = select_coder(codings, rule)
    coders = list(dict.fromkeys(codings["coder"]))
    votes = np.zeros((len(segments), len(codes)), dtype=np.int32)
    voters = np.zeros(len(segments), dtype=np.int32)
    for c in coders:
        cc = codings[codings["coder"] == c]
        votes += segment_code_matrix(cc, segments, codes, mapping=mapping)
        voters += segments["document"].isin(set(cc["document"])).to_numpy()
    if rule == "majority":
        y = (votes * 2 > voters[:, None]).astype(np.int8)
    else:
        y = (votes > 0).astype(np.int8)
    return y, voters > 0


def document_folds(documents, k: int, *, seed=0) -> list[list]:
    """Split documents into ``k`` folds after a seeded shuffle (sizes differ by at most one)."""
    docs = list(documents)
    order = np.random.default_rng(seed if isinstance(seed, (int, np.integer)) else 0).permutation(len(docs))
    return [[docs[i] for i in order[f::k]] for f in range(k)]


def check_threshold(threshold) -> None:
    """A coder's ``threshold``: ``"auto"`` or a probability strictly between 0 and 1."""
    if threshold == "auto":
        return
    try:
        t = float(threshold)
    except (TypeError, ValueError):
        t = -1.0
    if not 0 < t < 1:
        raise QualcodeError(f"threshold must be 'auto' or a number between 0 and 1, not {threshold!r}")


def best_f1_threshold(proba: np.ndarray, y: np.ndarray) -> float:
    """The cut-off maximising F1 of ``proba >= t`` against ``y``, halfway to the next value below.

    >>> best_f1_threshold(np.array([0.9, 0.8, 0.3, 0.2]), np.array([1, 1, 0, 0]))
    0.55
    """
    positives = int(y.sum())
    if positives == 0:
        return 0.5
    values = np.unique(proba)[::-1]  # distinct probabilities, high to low
    order = np.argsort(-proba, kind="stable")
    p_sorted, y_sorted = proba[order], y[order]
    tp = np.cumsum(y_sorted)
    last = np.searchsorted(-p_sorted, -values, side="right") - 1  # last index with p >= value
    f1 = 2 * tp[last] / (last + 1 + positives)
    best = int(np.argmax(f1))
    if f1[best] == 0:
        return 0.5
    below = values[best + 1] if best + 1 < len(values) else 0.0
    return float((values[best] + below) / 2)


def crossfit_decide(oof: np.ndarray, labels: np.ndarray, tests, decide, *, min_positives: int = 1,
                    default: float = 0.5) -> np.ndarray:
    """Held-out 0/1 decisions whose cut-offs were not chosen on the rows they decide: the rows of
    each fold (``tests``: boolean row masks, the folds the held-out scores ``oof`` came from) are
    cut by ``decide(scores, thresholds)`` at the :func:`best_f1_thresholds` of the other folds'
    rows. A cross-validated kappa of these decisions measures the choice of the cut-off too (the
    final model's cut-offs are chosen on all held-out scores); kappa of ``oof`` cut at cut-offs
    tuned on ``oof`` itself flatters every code."""
    oof, y = np.asarray(oof, dtype=float), np.asarray(labels)
    pred = np.zeros(y.shape, dtype=np.int8)
    for test in tests:
        test = np.asarray(test, dtype=bool)
        pred[test] = decide(oof[test], best_f1_thresholds(
            oof[~test], y[~test], min_positives=min_positives, default=default))
    return pred


def best_f1_thresholds(scores: np.ndarray, labels: np.ndarray, *, min_positives: int = 1,
                       default: float = 0.5) -> np.ndarray:
    """Per column of ``scores`` (segments x codes), :func:`best_f1_threshold` against ``labels``
    once the code has ``min_positives`` positives there (at least one), else ``default``."""
    y = np.asarray(labels)
    need = max(1, int(min_positives))
    return np.array([best_f1_threshold(scores[:, j], y[:, j]) if y[:, j].sum() >= need
                     else float(default) for j in range(y.shape[1])])
