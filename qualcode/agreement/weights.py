"""Agreement weights for weighted coefficients (Gwet 2014, ch. 3; the families irrCAC offers).

``weight_matrix(name, categories)`` is the ``q x q`` matrix ``w_kl`` in [0, 1] of how much a pair
of ratings ``(k, l)`` counts as agreement (1 on the diagonal). Numeric categories are placed at
their values (sorted order is the caller's); categories that are not numbers at their positions
``1..q``, as Gwet (2014) and irrCAC do. With ``c_min``/``c_max`` the smallest/largest value:

==============  ===============================================================================
``identity``    ``1`` if ``k == l`` else ``0`` (unweighted)
``linear``      ``1 - |c_k - c_l| / (c_max - c_min)``
``quadratic``   ``1 - (c_k - c_l)**2 / (c_max - c_min)**2``
``radical``     ``1 - sqrt|c_k - c_l| / sqrt(c_max - c_min)``
``ordinal``     ``1 - M_kl / max M`` with ``M_kl = n (n - 1) / 2``, ``n = |rank_k - rank_l| + 1``
``ratio``       ``1 - ((c_k - c_l)/(c_k + c_l))**2 / ((c_max - c_min)/(c_max + c_min))**2``
``circular``    ``1 - d_kl / max d``, ``d_kl = sin(pi (c_k - c_l) / (c_max - c_min + 1))**2``
``bipolar``     ``1 - d_kl / max d``, ``d_kl = (c_k - c_l)**2 / ((c_k + c_l - 2 c_min)
                (2 c_max - c_k - c_l))`` off the diagonal, 0 on it
==============  ===============================================================================

A matrix given instead of a name is used as it is (it must be ``q x q``).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["WEIGHT_FAMILIES", "weight_matrix", "category_values"]

WEIGHT_FAMILIES = ("identity", "linear", "quadratic", "ordinal", "radical", "ratio", "circular",
                   "bipolar")


def category_values(categories: Sequence) -> np.ndarray:
    """The categories' values when all are numbers, else their positions 1..q."""
    if categories and all(isinstance(c, (int, float, np.integer, np.floating))
                          and not isinstance(c, bool) for c in categories):
        return np.asarray(categories, dtype=float)
    return np.arange(1, len(categories) + 1, dtype=float)


def weight_matrix(weights, categories: Sequence) -> np.ndarray:
    """``q x q`` agreement weights for ``categories`` (see the module docstring)."""
    q = len(categories)
    if weights is None:
        weights = "identity"
    if not isinstance(weights, str):
        w = np.asarray(weights, dtype=float)
        if w.shape != (q, q):
            raise ValueError(f"a weights matrix must be {q} x {q} (one row and column per "
                             f"category), not {' x '.join(map(str, w.shape))}.")
        return w
    if weights not in WEIGHT_FAMILIES:
        raise ValueError(f"weights must be one of {', '.join(WEIGHT_FAMILIES)} or a q x q "
                         f"matrix, not {weights!r}.")
    if weights == "identity" or q < 2:
        return np.eye(q)
    v = category_values(categories)
    lo, hi = v.min(), v.max()
    diff = v[:, None] - v[None, :]
    span = hi - lo
    if span == 0:
        return np.eye(q)
    if weights == "linear":
        return 1 - np.abs(diff) / span
    if weights == "quadratic":
        return 1 - (diff / span) ** 2
    if weights == "radical":
        return 1 - np.sqrt(np.abs(diff)) / np.sqrt(span)
    if weights == "ordinal":
        idx = np.arange(q)
        n = np.abs(idx[:, None] - idx[None, :]) + 1
        d = n * (n - 1) / 2
        return 1 - d / d.max()
    if weights == "ratio":
        if (v <= 0).any():
            raise ValueError("ratio weights need categories greater than zero.")
        total = v[:, None] + v[None, :]
        return 1 - (diff / total) ** 2 / (span / (hi + lo)) ** 2
    if weights == "circular":
        d = np.sin(np.pi * diff / (span + 1)) ** 2
        return 1 - d / d.max()
    # bipolar
    total = v[:, None] + v[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        d = diff ** 2 / ((total - 2 * lo) * (2 * hi - total))
    d[np.eye(q, dtype=bool)] = 0.0
    d = np.nan_to_num(d, nan=0.0, posinf=0.0)
    return 1 - d / d.max()


def kappa_disagreement(weights, categories: list) -> np.ndarray:
    """Disagreement weights of Cohen's kappa: positions for linear/quadratic (as scikit-learn),
    ``1 - w`` for the other families and for a matrix of agreement weights."""
    q = len(categories)
    idx = np.arange(q, dtype=float)
    if weights is None:
        return 1.0 - np.eye(q)
    if isinstance(weights, str) and weights == "linear":
        return np.abs(idx[:, None] - idx[None, :])
    if isinstance(weights, str) and weights == "quadratic":
        return (idx[:, None] - idx[None, :]) ** 2
    return 1.0 - weight_matrix(weights, categories)
