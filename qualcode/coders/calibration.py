"""Scores that mean what they say, and knowing which codes a coder cannot yet predict.

Pure functions on arrays (segments x codes):

* :func:`fit_calibration` / :func:`apply_calibration`: one isotonic map, pooled over all codes,
  from a coder's held-out scores to the fraction of them the humans coded (a score of 0.7 then
  is right about 70% of the time on held-out hand coding). Pooled because one code rarely has the
  positives to calibrate on its own. The map is two plain arrays (saved without pickle).
* :func:`reliability_table`: the reliability-diagram data (per score bin: how many, the mean
  score, the fraction coded by the humans) and :func:`expected_calibration_error`.
* :func:`per_code_kappa`: Cohen's kappa of held-out decisions against the humans, per code.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["fit_calibration", "apply_calibration", "reliability_table", "expected_calibration_error",
           "per_code_kappa"]


def fit_calibration(scores: np.ndarray, labels: np.ndarray) -> dict | None:
    """An isotonic map from held-out ``scores`` to the chance of a human positive, pooled over
    codes: ``{"x": ..., "y": ...}`` (increasing knots), or None without positives and negatives."""
    from sklearn.isotonic import IsotonicRegression  # lazy: scikit-learn

    s, y = np.ravel(scores).astype(float), np.ravel(labels).astype(float)
    if len(s) == 0 or y.min() == y.max():
        return None
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(s, y)
    return {"x": np.asarray(iso.X_thresholds_, dtype=float),
            "y": np.asarray(iso.y_thresholds_, dtype=float)}


def apply_calibration(calibration: dict | None, scores: np.ndarray) -> np.ndarray:
    """``scores`` through the map of :func:`fit_calibration` (unchanged when it is None).

    >>> apply_calibration({"x": np.array([0.2, 0.8]), "y": np.array([0.1, 0.9])}, np.array([0.5]))
    array([0.5])
    """
    if calibration is None:
        return np.asarray(scores, dtype=float)
    s = np.asarray(scores, dtype=float)
    return np.interp(s, calibration["x"], calibration["y"])


def reliability_table(scores: np.ndarray, labels: np.ndarray, *, bins: int = 10) -> pd.DataFrame:
    """Reliability-diagram data: columns ``lower``, ``upper`` (the score bin), ``n`` (decisions
    in it), ``mean_score``, ``fraction_positive`` (the humans' rate); empty bins are left out.

    >>> reliability_table(np.array([0.05, 0.95, 0.9]), np.array([0, 1, 0]), bins=2)["n"].tolist()
    [1, 2]
    """
    s, y = np.ravel(scores).astype(float), np.ravel(labels).astype(float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(s, edges[1:-1], right=False), 0, bins - 1)
    rows = []
    for b in range(bins):
        m = which == b
        if m.any():
            rows.append((edges[b], edges[b + 1], int(m.sum()), float(s[m].mean()), float(y[m].mean())))
    return pd.DataFrame(rows, columns=["lower", "upper", "n", "mean_score", "fraction_positive"])


def expected_calibration_error(scores: np.ndarray, labels: np.ndarray, *, bins: int = 10) -> float:
    """The bins' |mean score - fraction positive|, weighted by their share of decisions."""
    t = reliability_table(scores, labels, bins=bins)
    if t.empty:
        return float("nan")
    return float((t["n"] * (t["mean_score"] - t["fraction_positive"]).abs()).sum() / t["n"].sum())


def per_code_kappa(labels: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Cohen's kappa per column of two 0/1 matrices (units x codes); nan where undefined (both
    constant and equal, 0/0).

    >>> per_code_kappa(np.array([[1], [0], [1], [0]]), np.array([[1], [0], [0], [0]])).round(3)
    array([0.5])
    """
    y, p = np.asarray(labels, dtype=float), np.asarray(pred, dtype=float)
    n = len(y)
    if n == 0:
        return np.full(y.shape[1] if y.ndim == 2 else 0, np.nan)
    po = (y == p).mean(axis=0)
    py, pp = y.mean(axis=0), p.mean(axis=0)
    pe = py * pp + (1 - py) * (1 - pp)
    with np.errstate(invalid="ignore", divide="ignore"):
        k = (po - pe) / (1 - pe)
    return np.where(np.isclose(pe, 1.0), np.nan, k)
