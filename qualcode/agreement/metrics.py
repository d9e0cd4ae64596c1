"""Agreement coefficients on a coders x units matrix.

``data`` is a list of coders, each a list of values per unit (``None`` or NaN = missing), a 2-D
numpy array, or a DataFrame with one row per coder. Values are categories: numbers or strings.
``categories=[...]`` fixes the category set and its order (used for weights, ordinal distances and
the number of categories ``q``); categories nobody used are kept. Without it the categories are the
distinct values in the data, sorted.

Every coefficient is a ratio; when its denominator is zero (e.g. every value in one category, or no
unit coded by two coders) the function returns :class:`Undefined`, a ``float`` that is NaN and
carries a one-sentence ``reason``, never a made-up number.

Implementation: the matrix is encoded to integer category codes and compressed to its distinct unit
columns ("patterns") with their multiplicities. Each coefficient is a few sums over units of
per-pattern features followed by a closed formula on those sums (``_Metric.features`` and
``_Metric.finish``). The same two steps give the point estimate (weights = multiplicities) and a
whole bootstrap in one matrix product (weights = multinomial resamples of the units), see
:mod:`qualcode.agreement.bootstrap`. Tests prove equality with the ``krippendorff`` package and
scikit-learn on random data.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from .reliability import Reliability, compress, compress_with_inverse, encode, prepare  # noqa: F401

__all__ = [
    "Undefined", "is_undefined", "percent_agreement", "cohen_kappa", "scott_pi", "fleiss_kappa",
    "fleiss_category_kappas", "krippendorff_alpha", "gwet_ac1", "brennan_prediger",
    "LEVELS", "WEIGHTS",
]

LEVELS = ("nominal", "ordinal", "interval", "ratio")
WEIGHTS = (None, "linear", "quadratic")
_EPS = 1e-12


class Undefined(float):
    """NaN that says why: the value of a coefficient whose formula divides zero by zero.

    >>> a = Undefined("no unit was coded by two or more coders")
    >>> a != a, a.reason
    (True, 'no unit was coded by two or more coders')
    """

    reason: str

    def __new__(cls, reason: str):
        self = super().__new__(cls, "nan")
        self.reason = reason
        return self

    def __repr__(self) -> str:
        return f"Undefined({self.reason!r})"

    def __reduce__(self):
        return (Undefined, (self.reason,))


def is_undefined(value) -> bool:
    """True for an :class:`Undefined` result (or any NaN)."""
    return isinstance(value, float) and value != value


# --------------------------------------------------------------------------------------------
# metrics as (features, finish)


@dataclass(frozen=True)
class _Metric:
    """``features(rel) -> (P x f)``; ``finish(S (B x f), rel) -> (values (B,), reasons list)``."""

    features: Callable
    finish: Callable


def _evaluate(metric: _Metric, rel: Reliability) -> float:
    sums = (rel.weights @ metric.features(rel))[None, :]
    values, reasons = metric.finish(sums, rel)
    if reasons[0] is not None:
        return Undefined(reasons[0])
    return float(values[0])


def _ratio_reasons(bad_masks: list[tuple[np.ndarray, str]], size: int) -> list:
    reasons = [None] * size
    for mask, why in reversed(bad_masks):  # the first listed reason wins
        for i in np.flatnonzero(mask):
            reasons[i] = why
    return reasons


def _pair_agreement(n_uk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per unit: pairable (>= 2 values) and the share of agreeing ordered coder pairs."""
    r = n_uk.sum(axis=1)
    pairable = r >= 2
    denom = np.where(pairable, r * (r - 1), 1.0)
    agree = np.where(pairable, (n_uk * (n_uk - 1)).sum(axis=1) / denom, 0.0)
    return pairable.astype(float), agree


_NO_PAIRS = "no unit was coded by two or more coders"


def _one_category(rel: Reliability) -> str:
    return (f"only {rel.q} categor{'y' if rel.q == 1 else 'ies'} "
            f"({', '.join(map(str, rel.categories)) or 'none'}); pass categories= to name the others")


def _pa_features(rel: Reliability) -> np.ndarray:
    pairable, agree = _pair_agreement(rel.counts())
    return np.column_stack([pairable, agree])


def _pa_finish(s: np.ndarray, rel: Reliability):
    with np.errstate(invalid="ignore", divide="ignore"):
        pa = s[:, 1] / s[:, 0]
    return pa, _ratio_reasons([(s[:, 0] == 0, _NO_PAIRS)], len(s))


_PERCENT = _Metric(_pa_features, _pa_finish)


def _bp_finish(s: np.ndarray, rel: Reliability):
    with np.errstate(invalid="ignore", divide="ignore"):
        pa = s[:, 1] / s[:, 0]
        pe = 1.0 / rel.q if rel.q else np.nan
        val = (pa - pe) / (1 - pe)
    bad = [(s[:, 0] == 0, _NO_PAIRS), (np.full(len(s), rel.q < 2), _one_category(rel))]
    return val, _ratio_reasons(bad, len(s))


_BP = _Metric(_pa_features, _bp_finish)


def _ac1_features(rel: Reliability) -> np.ndarray:
    n_uk = rel.counts()
    pairable, agree = _pair_agreement(n_uk)
    r = n_uk.sum(axis=1)
    share = n_uk / np.where(r > 0, r, 1.0)[:, None]
    return np.column_stack([pairable, agree, (r > 0).astype(float), share])


def _ac1_finish(s: np.ndarray, rel: Reliability):
    q = rel.q
    with np.errstate(invalid="ignore", divide="ignore"):
        pa = s[:, 1] / s[:, 0]
        pi = s[:, 3:] / s[:, 2:3]
        pe = (pi * (1 - pi)).sum(axis=1) / (q - 1) if q > 1 else np.full(len(s), np.nan)
        val = (pa - pe) / (1 - pe)
    bad = [(s[:, 0] == 0, _NO_PAIRS), (np.full(len(s), q < 2), _one_category(rel))]
    return val, _ratio_reasons(bad, len(s))


_AC1 = _Metric(_ac1_features, _ac1_finish)


def _fleiss_features_from_counts(n_uk: np.ndarray, m: int) -> np.ndarray:
    r = n_uk.sum(axis=1)
    complete = (r == m) & (m >= 2)
    _, agree = _pair_agreement(n_uk)
    c = complete.astype(float)
    return np.column_stack([c, c * agree, n_uk * c[:, None]])


def _fleiss_features(rel: Reliability) -> np.ndarray:
    return _fleiss_features_from_counts(rel.counts(), rel.n_coders)


def _fleiss_finish(s: np.ndarray, rel: Reliability):
    with np.errstate(invalid="ignore", divide="ignore"):
        p_bar = s[:, 1] / s[:, 0]
        p_j = s[:, 2:] / s[:, 2:].sum(axis=1, keepdims=True)
        pe = (p_j ** 2).sum(axis=1)
        val = (p_bar - pe) / (1 - pe)
    bad = [(s[:, 0] == 0, "no unit was coded by every coder (Fleiss' kappa uses complete units "
                          "only; use krippendorff_alpha for missing data)"),
           (np.abs(1 - pe) < _EPS, "every rating falls in one category, so chance agreement is 1")]
    return val, _ratio_reasons(bad, len(s))


_FLEISS = _Metric(_fleiss_features, _fleiss_finish)


def _delta(level: str, rel: Reliability) -> np.ndarray | None:
    """Squared distances between categories (None for ordinal: it depends on the marginals)."""
    q = rel.q
    if level == "nominal":
        return 1.0 - np.eye(q)
    if level == "ordinal":
        return None
    try:
        v = np.asarray(rel.categories, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{level} alpha needs numeric values, not {rel.categories[:3]!r}.") from None
    diff = v[:, None] - v[None, :]
    if level == "interval":
        return diff ** 2
    if (v < 0).any():
        raise ValueError("ratio alpha needs values of zero or more.")
    total = v[:, None] + v[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total == 0, 0.0, (diff / np.where(total == 0, 1, total)) ** 2)


def _alpha_metric(level: str) -> _Metric:
    def features(rel: Reliability) -> np.ndarray:
        n_uk = rel.counts()
        r = n_uk.sum(axis=1)
        pairable = r >= 2
        inv = np.where(pairable, 1.0 / np.where(pairable, r - 1, 1.0), 0.0)
        delta = _delta(level, rel)
        if delta is None:  # ordinal: keep the whole per-unit coincidence matrix
            q = rel.q
            coinc = n_uk[:, :, None] * n_uk[:, None, :]
            coinc[:, np.arange(q), np.arange(q)] -= n_uk
            return (coinc * inv[:, None, None]).reshape(len(n_uk), q * q)
        d_u = ((n_uk @ delta) * n_uk).sum(axis=1) * inv
        return np.column_stack([d_u, n_uk * pairable[:, None]])

    def finish(s: np.ndarray, rel: Reliability):
        q = rel.q
        if level == "ordinal":
            o = s.reshape(len(s), q, q)
            n_c = o.sum(axis=2)
            idx = np.arange(q)
            lo, hi = np.minimum.outer(idx, idx), np.maximum.outer(idx, idx)
            cs = np.cumsum(n_c, axis=1)
            between = cs[:, hi] - cs[:, lo] + n_c[:, lo]
            delta = (between - (n_c[:, :, None] + n_c[:, None, :]) / 2) ** 2
            observed = (o * delta).sum(axis=(1, 2))
            expected = np.einsum("bc,bck,bk->b", n_c, delta, n_c)
        else:
            delta = _delta(level, rel)
            n_c = s[:, 1:]
            observed = s[:, 0]
            expected = np.einsum("bc,ck,bk->b", n_c, delta, n_c)
        n = n_c.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            val = 1 - (n - 1) * observed / expected
        bad = [(n == 0, "no unit has values from two or more coders"),
               (~(expected > 0),
                "all pairable values are alike, so the expected disagreement is zero")]
        return val, _ratio_reasons(bad, len(s))

    return _Metric(features, finish)


_ALPHA = {level: _alpha_metric(level) for level in LEVELS}


def _pair_codes(rel: Reliability, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if rel.n_coders != 2:
        raise ValueError(f"{name} needs exactly two coders, not {rel.n_coders}; use fleiss_kappa "
                         "or krippendorff_alpha for more.")
    a, b = rel.patterns
    both = (a >= 0) & (b >= 0)
    return np.where(both, a, 0), np.where(both, b, 0), both.astype(float)


def _kappa_delta(weights, q: int) -> np.ndarray:
    idx = np.arange(q, dtype=float)
    if weights is None:
        return 1.0 - np.eye(q)
    if weights == "linear":
        return np.abs(idx[:, None] - idx[None, :])
    return (idx[:, None] - idx[None, :]) ** 2


def _cohen_metric(weights) -> _Metric:
    def features(rel: Reliability) -> np.ndarray:
        a, b, both = _pair_codes(rel, "cohen_kappa")
        q = rel.q
        delta = _kappa_delta(weights, q)
        eye = np.eye(q)
        return np.column_stack([both, both * delta[a, b], eye[a] * both[:, None],
                                eye[b] * both[:, None]])

    def finish(s: np.ndarray, rel: Reliability):
        q = rel.q
        delta = _kappa_delta(weights, q)
        n = s[:, 0]
        row, col = s[:, 2:2 + q], s[:, 2 + q:]
        with np.errstate(invalid="ignore", divide="ignore"):
            expected = np.einsum("bi,ij,bj->b", row, delta, col) / n
            val = 1 - s[:, 1] / expected
        bad = [(n == 0, "no unit was coded by both coders"),
               (~(expected > 0),
                "both coders used one and the same category only, so chance agreement is 1")]
        return val, _ratio_reasons(bad, len(s))

    return _Metric(features, finish)


_COHEN = {w: _cohen_metric(w) for w in WEIGHTS}


def _scott_features(rel: Reliability) -> np.ndarray:
    a, b, both = _pair_codes(rel, "scott_pi")
    eye = np.eye(rel.q)
    return np.column_stack([both, both * (a == b), (eye[a] + eye[b]) * both[:, None]])


def _scott_finish(s: np.ndarray, rel: Reliability):
    n = s[:, 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        po = s[:, 1] / n
        p = s[:, 2:] / (2 * n[:, None])
        pe = (p ** 2).sum(axis=1)
        val = (po - pe) / (1 - pe)
    bad = [(n == 0, "no unit was coded by both coders"),
           (np.abs(1 - pe) < _EPS, "every value falls in one category, so chance agreement is 1")]
    return val, _ratio_reasons(bad, len(s))


_SCOTT = _Metric(_scott_features, _scott_finish)


def metric_spec(name: str, **options) -> _Metric:
    """The (features, finish) pair of a coefficient, for the bootstrap."""
    if name == "percent_agreement":
        return _PERCENT
    if name == "cohen_kappa":
        return _COHEN[_check_weights(options.get("weights"))]
    if name == "scott_pi":
        return _SCOTT
    if name == "fleiss_kappa":
        return _FLEISS
    if name == "krippendorff_alpha":
        return _ALPHA[_check_level(options.get("level", "nominal"))]
    if name == "gwet_ac1":
        return _AC1
    if name == "brennan_prediger":
        return _BP
    raise ValueError(f"unknown metric {name!r}.")


def _check_level(level: str) -> str:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}.")
    return level


def _check_weights(weights):
    if weights in ("unweighted", "none"):
        weights = None
    if weights not in WEIGHTS:
        raise ValueError(f"weights must be None, 'linear' or 'quadratic', not {weights!r}.")
    return weights


# --------------------------------------------------------------------------------------------
# public functions


def percent_agreement(data, *, categories: Sequence | None = None) -> float:
    """Share of agreeing coder pairs, averaged over units coded by two or more coders.

    ``p_a = (1/n') * sum_u sum_k r_uk (r_uk - 1) / (r_u (r_u - 1))`` over the ``n'`` units with
    ``r_u >= 2`` values, ``r_uk`` coders putting unit ``u`` in category ``k`` (Gwet 2014, eq. 2.7;
    for two coders: the share of units both coded on which they agree).

    >>> percent_agreement([[1, 2, 3, None], [1, 2, 1, 4]])
    0.6666666666666666
    """
    return _evaluate(_PERCENT, prepare(data, categories=categories))


def cohen_kappa(data, weights: str | None = None, *, categories: Sequence | None = None) -> float:
    """Cohen's kappa for two coders on the units both coded, optionally weighted.

    ``kappa = 1 - sum_ij w_ij o_ij / sum_ij w_ij e_ij`` with ``o`` the observed and ``e`` the
    chance (product of the coders' marginals) proportions, and disagreement weights ``w_ij`` =
    ``i != j`` (unweighted), ``|i - j|`` (``"linear"``) or ``(i - j)**2`` (``"quadratic"``) over the
    positions of the categories in ``categories`` (Cohen 1960, 1968). Same as
    ``sklearn.metrics.cohen_kappa_score(..., labels=categories)``.

    >>> round(cohen_kappa([[0] * 46 + [1] * 44 + [2] * 10, [0] * 50 + [1] * 40 + [2] * 10]), 4)
    0.9315
    """
    weights = _check_weights(weights)
    return _evaluate(_COHEN[weights], prepare(data, categories=categories))


def scott_pi(data, *, categories: Sequence | None = None) -> float:
    """Scott's pi for two coders on the units both coded.

    ``pi = (p_o - p_e) / (1 - p_e)``, ``p_e = sum_k p_k**2`` with ``p_k`` the share of category
    ``k`` among both coders' values pooled (Scott 1955).
    """
    return _evaluate(_SCOTT, prepare(data, categories=categories))


def fleiss_kappa(data=None, *, counts=None, categories: Sequence | None = None) -> float:
    """Fleiss' kappa, from a coders x units matrix or a units x categories ``counts`` table.

    ``kappa = (P_bar - P_e) / (1 - P_e)``: ``P_bar`` is the mean over units of
    ``sum_k n_uk (n_uk - 1) / (n (n - 1))`` and ``P_e = sum_k p_k**2`` with ``p_k`` the share of all
    ratings in category ``k`` (Fleiss 1971). Fleiss' formula assumes every unit has the same number
    ``n`` of ratings: from a coders x units matrix only the units that every coder coded are used
    (use :func:`krippendorff_alpha` to keep incomplete units); a ``counts`` table must have equal
    row sums. ``categories`` labels the counts table's columns.

    >>> round(fleiss_kappa(counts=[[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6],
    ...     [0, 3, 9, 2, 0], [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2],
    ...     [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]), 3)
    0.21
    """
    if (data is None) == (counts is None):
        raise ValueError("give either data (coders x units) or counts (units x categories).")
    if data is not None:
        return _evaluate(_FLEISS, prepare(data, categories=categories))
    n_uk, rel = _counts_table(counts, categories)
    sums = _fleiss_features_from_counts(n_uk, rel.n_coders).sum(axis=0)[None, :]
    values, reasons = _fleiss_finish(sums, rel)
    return Undefined(reasons[0]) if reasons[0] is not None else float(values[0])


def _counts_table(counts, categories) -> tuple[np.ndarray, Reliability]:
    n_uk = np.asarray(counts, dtype=float)
    if n_uk.ndim != 2 or (n_uk < 0).any() or (n_uk != np.floor(n_uk)).any():
        raise ValueError("counts must be a units x categories table of whole numbers >= 0.")
    cats = list(categories) if categories is not None else list(range(n_uk.shape[1]))
    if len(cats) != n_uk.shape[1]:
        raise ValueError(f"counts has {n_uk.shape[1]} columns but {len(cats)} categories.")
    r = n_uk.sum(axis=1)
    r_set = np.unique(r[r > 0])
    if len(r_set) > 1:
        raise ValueError("every unit in counts needs the same number of ratings "
                         f"(found {', '.join(str(int(x)) for x in r_set[:4])}).")
    m = int(r_set[0]) if len(r_set) else 0
    return n_uk, Reliability(np.zeros((m, 0), np.int64), np.zeros(0), cats)


def fleiss_category_kappas(data=None, *, counts=None, categories: Sequence | None = None) -> dict:
    """Fleiss' (1971) kappa for each category against all others: ``{category: kappa}``.

    ``kappa_k = 1 - sum_u n_uk (n - n_uk) / (N n (n - 1) p_k (1 - p_k))``; undefined (NaN) for a
    category nobody or everybody used. Units as in :func:`fleiss_kappa`.
    """
    if (data is None) == (counts is None):
        raise ValueError("give either data (coders x units) or counts (units x categories).")
    if data is not None:
        rel = prepare(data, categories=categories)
        n_uk = np.repeat(rel.counts(), rel.weights.astype(int), axis=0)
        n_uk = n_uk[n_uk.sum(axis=1) == rel.n_coders]
        m = rel.n_coders
    else:
        n_uk, rel = _counts_table(counts, categories)
        n_uk = n_uk[n_uk.sum(axis=1) > 0]
        m = rel.n_coders
    out = {}
    units = len(n_uk)
    for k, cat in enumerate(rel.categories):
        p = n_uk[:, k].sum() / (units * m) if units and m else np.nan
        denom = units * m * (m - 1) * p * (1 - p)
        if not units or m < 2 or not denom > _EPS:
            out[cat] = Undefined(f"category {cat!r} was used by every rating or by none")
        else:
            out[cat] = float(1 - (n_uk[:, k] * (m - n_uk[:, k])).sum() / denom)
    return out


def krippendorff_alpha(data, level: str = "nominal", *, categories: Sequence | None = None) -> float:
    """Krippendorff's alpha for any number of coders, with missing values.

    ``alpha = 1 - (n - 1) * sum_ck o_ck d_ck / sum_ck n_c n_k d_ck`` where ``o`` is the coincidence
    matrix (each unit with ``m_u >= 2`` values adds its ordered value pairs divided by ``m_u - 1``),
    ``n_c`` its marginals, ``n`` the number of pairable values and ``d`` the squared distance of the
    ``level``: nominal ``c != k``; ordinal ``(sum_{g=c..k} n_g - (n_c + n_k)/2)**2`` over the
    category order; interval ``(c - k)**2``; ratio ``((c - k)/(c + k))**2`` (Krippendorff 2011,
    "Computing Krippendorff's alpha-reliability"). Units with fewer than two values add nothing.
    Equals ``krippendorff.alpha(..., level_of_measurement=level)`` and is much faster.

    >>> round(krippendorff_alpha([[1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    ...     [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3], [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    ...     [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]]), 3)
    0.743
    """
    return _evaluate(_ALPHA[_check_level(level)], prepare(data, categories=categories))


def gwet_ac1(data, *, categories: Sequence | None = None) -> float:
    """Gwet's AC1 for any number of coders, with missing values (Gwet 2014, ch. 4).

    ``AC1 = (p_a - p_e) / (1 - p_e)`` with ``p_a`` as in :func:`percent_agreement`,
    ``p_e = sum_k pi_k (1 - pi_k) / (q - 1)`` and ``pi_k = (1/n) sum_u r_uk / r_u`` over the ``n``
    units with at least one value; ``q`` is the number of categories (pass ``categories`` to count
    categories nobody used). For two coders with complete data this is Gwet's (2008) AC1.
    """
    return _evaluate(_AC1, prepare(data, categories=categories))


def brennan_prediger(data, *, categories: Sequence | None = None) -> float:
    """Brennan and Prediger's (1981) kappa: ``(p_a - 1/q) / (1 - 1/q)``.

    ``p_a`` as in :func:`percent_agreement` (multi-coder, missing values allowed) and ``q`` the
    number of categories; pass ``categories`` to count categories nobody used.
    """
    return _evaluate(_BP, prepare(data, categories=categories))
