"""Agreement coefficients on a coders x units matrix.

``data`` is a list of coders, each a list of values per unit (``None`` or NaN = missing), a 2-D
numpy array, or a DataFrame with one row per coder. Values are categories: numbers or strings.
``categories=[...]`` fixes the category set and its order (used for weights, ordinal distances and
the number of categories ``q``); categories nobody used are kept. Without it the categories are the
distinct values in the data, sorted.

Every result is a ``float`` (:class:`Coefficient`) that also carries ``n_units``, the number of
units it rests on. Missing ratings: Fleiss' kappa, Conger's kappa, Gwet's AC1/AC2 and
Brennan-Prediger follow Gwet (2014) (observed agreement over units with two or more ratings,
chance agreement from all ratings), as irrCAC computes them; Cohen's kappa by default uses the units
both coders coded (scikit-learn), ``missing="gwet"`` Gwet's reading. ``weights=`` takes the
families of :mod:`qualcode.agreement.weights` (irrCAC's) or a q x q matrix.

Every coefficient is a ratio; when its denominator is zero (e.g. every value in one category, or no
unit coded by two coders) the function returns :class:`Undefined`, a ``float`` that is NaN and
carries a one-sentence ``reason``, never a made-up number.

Implementation: the matrix is encoded to integer category codes and compressed to its distinct unit
columns ("patterns") with their multiplicities. Each coefficient is a few sums over units of
per-pattern features followed by a closed formula on those sums (``_Metric.features`` and
``_Metric.finish``). The same two steps give the point estimate (weights = multiplicities) and a
whole bootstrap in one matrix product (weights = multinomial resamples of the units), see
:mod:`qualcode.agreement.bootstrap`. Tests prove equality with the ``krippendorff`` package and
scikit-learn on random data, and with irrCAC (missing data and weights included).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from .reliability import Reliability, compress, compress_with_inverse, encode, prepare  # noqa: F401
from .weights import WEIGHT_FAMILIES, kappa_disagreement, weight_matrix

__all__ = [
    "Undefined", "Coefficient", "is_undefined", "percent_agreement", "cohen_kappa", "scott_pi",
    "fleiss_kappa", "conger_kappa", "fleiss_category_kappas", "krippendorff_alpha", "gwet_ac1",
    "brennan_prediger", "LEVELS", "WEIGHTS", "WEIGHT_FAMILIES", "FLEISS_MISSING", "COHEN_MISSING",
]

LEVELS = ("nominal", "ordinal", "interval", "ratio")
WEIGHTS = (None, "linear", "quadratic")
FLEISS_MISSING = ("gwet", "complete")
COHEN_MISSING = ("both", "gwet")
_EPS = 1e-12


class Undefined(float):
    """NaN that says why: the value of a coefficient whose formula divides zero by zero.

    >>> a = Undefined("no unit was coded by two or more coders")
    >>> a != a, a.reason
    (True, 'no unit was coded by two or more coders')
    """

    reason: str
    n_units: float

    def __new__(cls, reason: str, n_units: float = 0):
        self = super().__new__(cls, "nan")
        self.reason = reason
        self.n_units = n_units
        return self

    def __repr__(self) -> str:
        return f"Undefined({self.reason!r})"

    def __reduce__(self):
        return (Undefined, (self.reason, self.n_units))


class Coefficient(float):
    """A coefficient's value (a plain ``float``) that also says how many units it used.

    ``n_units``: the units the agreement part rests on (units with two or more values; for
    Cohen's kappa and Scott's pi units both coders coded; for Fleiss' kappa with
    ``missing="complete"`` units every coder coded), counted with the units' weights.

    >>> k = percent_agreement([[1, 2, 3, None], [1, 2, 1, 4]])
    >>> k, k.n_units
    (0.6666666666666666, 3)
    """

    n_units: float

    def __new__(cls, value: float, n_units: float):
        self = super().__new__(cls, value)
        self.n_units = n_units
        return self

    def __reduce__(self):
        return (Coefficient, (float(self), self.n_units))


def is_undefined(value) -> bool:
    """True for an :class:`Undefined` result (or any NaN)."""
    return isinstance(value, float) and value != value


# --------------------------------------------------------------------------------------------
# metrics as (features, finish)


@dataclass(frozen=True)
class _Metric:
    """``features(rel) -> (P x f)``; ``finish(S (B x f), rel) -> (values (B,), reasons list)``.

    ``count`` is the feature column whose sum is the number of units used.
    """

    features: Callable
    finish: Callable
    count: int = 0


def _whole(n: float):
    return int(n) if float(n).is_integer() else float(n)


def _evaluate(metric: _Metric, rel: Reliability) -> float:
    sums = (rel.weights @ metric.features(rel))[None, :]
    return _result(metric, sums, rel)


def _result(metric: _Metric, sums: np.ndarray, rel: Reliability) -> float:
    values, reasons = metric.finish(sums, rel)
    n = _whole(sums[0, metric.count]) if sums.shape[1] else 0
    if reasons[0] is not None:
        return Undefined(reasons[0], n)
    return Coefficient(float(values[0]), n)


def _ratio_reasons(bad_masks: list[tuple[np.ndarray, str]], size: int) -> list:
    reasons = [None] * size
    for mask, why in reversed(bad_masks):  # the first listed reason wins
        for i in np.flatnonzero(mask):
            reasons[i] = why
    return reasons


def _pair_agreement(n_uk: np.ndarray, w: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per unit: pairable (>= 2 values) and the (weighted) share of agreeing ordered coder pairs,
    ``sum_k r_uk (r*_uk - 1) / (r_u (r_u - 1))`` with ``r*_uk = sum_l w_kl r_ul`` (Gwet 2014)."""
    r = n_uk.sum(axis=1)
    pairable = r >= 2
    denom = np.where(pairable, r * (r - 1), 1.0)
    star = n_uk if w is None else n_uk @ w.T
    agree = np.where(pairable, (n_uk * (star - 1)).sum(axis=1) / denom, 0.0)
    return pairable.astype(float), agree


_NO_PAIRS = "no unit was coded by two or more coders"


def _one_category(rel: Reliability) -> str:
    return (f"only {rel.q} categor{'y' if rel.q == 1 else 'ies'} "
            f"({', '.join(map(str, rel.categories)) or 'none'}); pass categories= to name the others")


def _weights(weights, rel: Reliability) -> np.ndarray | None:
    """The q x q agreement weights, or None for identity (the fast unweighted path)."""
    if weights is None or (isinstance(weights, str) and weights == "identity"):
        return None
    return weight_matrix(weights, rel.categories)


def _check_family(weights):
    if weights is None or not isinstance(weights, str):
        return weights
    if weights == "unweighted":
        return None
    if weights not in WEIGHT_FAMILIES:
        raise ValueError(f"weights must be one of {', '.join(WEIGHT_FAMILIES)} or a q x q "
                         f"matrix, not {weights!r}.")
    return weights


def _total_weight(w: np.ndarray | None, q: int) -> float:
    return float(q) if w is None else float(w.sum())


def _pa_metric(weights) -> Callable:
    def features(rel: Reliability) -> np.ndarray:
        pairable, agree = _pair_agreement(rel.counts(), _weights(weights, rel))
        return np.column_stack([pairable, agree])
    return features


def _pa_finish(s: np.ndarray, rel: Reliability):
    with np.errstate(invalid="ignore", divide="ignore"):
        pa = s[:, 1] / s[:, 0]
    return pa, _ratio_reasons([(s[:, 0] == 0, _NO_PAIRS)], len(s))


_PERCENT = _Metric(_pa_metric(None), _pa_finish)


def _bp_metric(weights) -> _Metric:
    def finish(s: np.ndarray, rel: Reliability):
        q = rel.q
        with np.errstate(invalid="ignore", divide="ignore"):
            pa = s[:, 1] / s[:, 0]
            pe = _total_weight(_weights(weights, rel), q) / q ** 2 if q else np.nan
            val = (pa - pe) / (1 - pe)
        bad = [(s[:, 0] == 0, _NO_PAIRS), (np.full(len(s), q < 2), _one_category(rel))]
        return val, _ratio_reasons(bad, len(s))

    return _Metric(_pa_metric(weights), finish)


def _share_features(weights) -> Callable:
    """pairable, weighted agreement, rated (>= 1 value), per-category share r_uk / r_u."""
    def features(rel: Reliability) -> np.ndarray:
        n_uk = rel.counts()
        pairable, agree = _pair_agreement(n_uk, _weights(weights, rel))
        r = n_uk.sum(axis=1)
        share = n_uk / np.where(r > 0, r, 1.0)[:, None]
        return np.column_stack([pairable, agree, (r > 0).astype(float), share])
    return features


def _ac_metric(weights) -> _Metric:
    def finish(s: np.ndarray, rel: Reliability):
        q = rel.q
        w = _weights(weights, rel)
        with np.errstate(invalid="ignore", divide="ignore"):
            pa = s[:, 1] / s[:, 0]
            pi = s[:, 3:] / s[:, 2:3]
            pe = (_total_weight(w, q) * (pi * (1 - pi)).sum(axis=1) / (q * (q - 1)) if q > 1
                  else np.full(len(s), np.nan))
            val = (pa - pe) / (1 - pe)
        bad = [(s[:, 0] == 0, _NO_PAIRS), (np.full(len(s), q < 2), _one_category(rel))]
        return val, _ratio_reasons(bad, len(s))

    return _Metric(_share_features(weights), finish)


def _chance_from_shares(pi: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    if w is None:
        return (pi ** 2).sum(axis=1)
    return np.einsum("bk,kl,bl->b", pi, w, pi)


_ONE_CATEGORY_ALL = "every rating falls in one category, so chance agreement is 1"


def _fleiss_gwet_metric(weights) -> _Metric:
    def finish(s: np.ndarray, rel: Reliability):
        with np.errstate(invalid="ignore", divide="ignore"):
            pa = s[:, 1] / s[:, 0]
            pi = s[:, 3:] / s[:, 2:3]
            pe = _chance_from_shares(pi, _weights(weights, rel))
            val = (pa - pe) / (1 - pe)
        bad = [(s[:, 0] == 0, _NO_PAIRS), (~(np.abs(1 - pe) >= _EPS), _ONE_CATEGORY_ALL)]
        return val, _ratio_reasons(bad, len(s))

    return _Metric(_share_features(weights), finish)


def _fleiss_complete_features(n_uk: np.ndarray, m: int, w) -> np.ndarray:
    r = n_uk.sum(axis=1)
    complete = (r == m) & (m >= 2)
    _, agree = _pair_agreement(n_uk, w)
    c = complete.astype(float)
    return np.column_stack([c, c * agree, n_uk * c[:, None]])


def _fleiss_complete_metric(weights) -> _Metric:
    def features(rel: Reliability) -> np.ndarray:
        return _fleiss_complete_features(rel.counts(), rel.n_coders, _weights(weights, rel))

    def finish(s: np.ndarray, rel: Reliability):
        with np.errstate(invalid="ignore", divide="ignore"):
            p_bar = s[:, 1] / s[:, 0]
            p_j = s[:, 2:] / s[:, 2:].sum(axis=1, keepdims=True)
            pe = _chance_from_shares(p_j, _weights(weights, rel))
            val = (p_bar - pe) / (1 - pe)
        bad = [(s[:, 0] == 0, "no unit was coded by every coder (missing='complete' keeps "
                              "complete units only; the default missing='gwet' keeps the others)"),
               (~(np.abs(1 - pe) >= _EPS), _ONE_CATEGORY_ALL)]
        return val, _ratio_reasons(bad, len(s))

    return _Metric(features, finish)


def _conger_metric(weights) -> _Metric:
    def features(rel: Reliability) -> np.ndarray:
        n_uk = rel.counts()
        pairable, agree = _pair_agreement(n_uk, _weights(weights, rel))
        eye = np.vstack([np.eye(rel.q), np.zeros((1, rel.q))])  # row -1: missing
        per_coder = [eye[row] for row in rel.patterns]
        return np.column_stack([pairable, agree] + per_coder)

    def finish(s: np.ndarray, rel: Reliability):
        m, q = rel.n_coders, rel.q
        w = _weights(weights, rel)
        n_gk = s[:, 2:].reshape(len(s), m, q)
        n_g = n_gk.sum(axis=2, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            pa = s[:, 1] / s[:, 0]
            p = n_gk / n_g
            p_bar = p.mean(axis=1)
            outer = p_bar[:, :, None] * p_bar[:, None, :]
            s2 = (np.einsum("bgk,bgl->bkl", p, p) - m * outer) / (m - 1)
            chance = outer - s2 / m
            pe = (np.einsum("bkl,kl->b", chance, w) if w is not None
                  else np.einsum("bkk->b", chance))
            val = (pa - pe) / (1 - pe)
        bad = [(s[:, 0] == 0, _NO_PAIRS),
               ((n_g[:, :, 0] == 0).any(axis=1), "a coder rated no unit"),
               (~(np.abs(1 - pe) >= _EPS), _ONE_CATEGORY_ALL)]
        return val, _ratio_reasons(bad, len(s))

    return _Metric(features, finish)


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
            return np.column_stack([(coinc * inv[:, None, None]).reshape(len(n_uk), q * q),
                                    pairable])
        d_u = ((n_uk @ delta) * n_uk).sum(axis=1) * inv
        return np.column_stack([d_u, n_uk * pairable[:, None], pairable])

    def finish(s: np.ndarray, rel: Reliability):
        q = rel.q
        if level == "ordinal":
            o = s[:, :q * q].reshape(len(s), q, q)
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
            n_c = s[:, 1:1 + q]
            observed = s[:, 0]
            expected = np.einsum("bc,ck,bk->b", n_c, delta, n_c)
        n = n_c.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            val = 1 - (n - 1) * observed / expected
        bad = [(n == 0, "no unit has values from two or more coders"),
               (~(expected > 0),
                "all pairable values are alike, so the expected disagreement is zero")]
        return val, _ratio_reasons(bad, len(s))

    return _Metric(features, finish, count=-1)


_ALPHA = {level: _alpha_metric(level) for level in LEVELS}


def _cohen_metric(weights, missing: str) -> _Metric:
    def codes(rel: Reliability):
        if rel.n_coders != 2:
            raise ValueError(f"cohen_kappa needs exactly two coders, not {rel.n_coders}; use "
                             "conger_kappa, fleiss_kappa or krippendorff_alpha for more.")
        a, b = rel.patterns
        return a, b

    def features(rel: Reliability) -> np.ndarray:
        a, b = codes(rel)
        both = ((a >= 0) & (b >= 0)).astype(float)
        delta = kappa_disagreement(weights, rel.categories)
        eye = np.vstack([np.eye(rel.q), np.zeros((1, rel.q))])  # row -1: missing
        if missing == "gwet":  # marginals over every unit each coder rated
            row, col = eye[a], eye[b]
        else:
            row, col = eye[a] * both[:, None], eye[b] * both[:, None]
        return np.column_stack([both, both * delta[np.maximum(a, 0), np.maximum(b, 0)], row, col])

    def finish(s: np.ndarray, rel: Reliability):
        q = rel.q
        delta = kappa_disagreement(weights, rel.categories)
        n = s[:, 0]
        row, col = s[:, 2:2 + q], s[:, 2 + q:]
        with np.errstate(invalid="ignore", divide="ignore"):
            p_row = row / row.sum(axis=1, keepdims=True)
            p_col = col / col.sum(axis=1, keepdims=True)
            expected = np.einsum("bi,ij,bj->b", p_row, delta, p_col)
            val = 1 - (s[:, 1] / n) / expected
        bad = [(n == 0, "no unit was coded by both coders"),
               (~(expected > 0),
                "both coders used one and the same category only, so chance agreement is 1")]
        return val, _ratio_reasons(bad, len(s))

    return _Metric(features, finish)


def _scott_features(rel: Reliability) -> np.ndarray:
    if rel.n_coders != 2:
        raise ValueError(f"scott_pi needs exactly two coders, not {rel.n_coders}; use "
                         "fleiss_kappa or krippendorff_alpha for more.")
    a, b = rel.patterns
    both = (a >= 0) & (b >= 0)
    a, b = np.where(both, a, 0), np.where(both, b, 0)
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
    """The (features, finish) pair of a coefficient, for the bootstrap.

    ``options``: ``weights=`` (every coefficient but alpha, percent agreement and Scott's pi),
    ``missing=`` (Cohen's and Fleiss' kappa), ``level=`` (alpha).
    """
    weights = options.get("weights")
    if name == "percent_agreement":
        return _PERCENT
    if name == "cohen_kappa":
        return _cohen_metric(_check_weights(weights),
                             _check_missing(options.get("missing", "both"), COHEN_MISSING))
    if name == "scott_pi":
        return _SCOTT
    if name == "fleiss_kappa":
        missing = _check_missing(options.get("missing", "gwet"), FLEISS_MISSING)
        weights = _check_family(weights)
        return _fleiss_gwet_metric(weights) if missing == "gwet" else \
            _fleiss_complete_metric(weights)
    if name == "conger_kappa":
        return _conger_metric(_check_family(weights))
    if name == "krippendorff_alpha":
        return _ALPHA[_check_level(options.get("level", "nominal"))]
    if name == "gwet_ac1":
        return _ac_metric(_check_family(weights))
    if name == "brennan_prediger":
        return _bp_metric(_check_family(weights))
    raise ValueError(f"unknown metric {name!r}.")


def _check_level(level: str) -> str:
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}.")
    return level


def _check_missing(missing: str, allowed: tuple) -> str:
    if missing not in allowed:
        raise ValueError(f"missing must be one of {', '.join(map(repr, allowed))}, "
                         f"not {missing!r}.")
    return missing


def _check_weights(weights):
    if isinstance(weights, str) and weights in ("unweighted", "none", "identity"):
        weights = None
    if weights is None or not isinstance(weights, str):
        return weights
    if weights not in WEIGHT_FAMILIES:
        raise ValueError(f"weights must be None, 'linear', 'quadratic', another of "
                         f"{', '.join(WEIGHT_FAMILIES[3:])} or a q x q matrix, not {weights!r}.")
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


def cohen_kappa(data, weights=None, *, missing: str = "both",
                categories: Sequence | None = None) -> float:
    """Cohen's kappa for two coders, optionally weighted.

    ``kappa = 1 - sum_ij w_ij o_ij / sum_ij w_ij e_ij`` with ``o`` the observed and ``e`` the
    chance (product of the coders' marginals) proportions, and disagreement weights ``w_ij`` =
    ``i != j`` (unweighted), ``|i - j|`` (``"linear"``) or ``(i - j)**2`` (``"quadratic"``) over the
    positions of the categories in ``categories`` (Cohen 1960, 1968). Same as
    ``sklearn.metrics.cohen_kappa_score(..., labels=categories)``. Another family of
    :mod:`qualcode.agreement.weights` (or a q x q agreement matrix) uses ``1 - w`` as disagreement.

    ``missing="both"`` (default) uses the units both coders coded, as scikit-learn does;
    ``missing="gwet"`` keeps observed agreement on those units but takes each coder's marginals
    from every unit that coder rated (Gwet 2014, sec. 2.5; Conger's kappa for two coders, as
    irrCAC computes it). The result's ``n_units`` is the number of units both coded.

    >>> round(cohen_kappa([[0] * 46 + [1] * 44 + [2] * 10, [0] * 50 + [1] * 40 + [2] * 10]), 4)
    0.9315
    """
    spec = metric_spec("cohen_kappa", weights=weights, missing=missing)
    return _evaluate(spec, prepare(data, categories=categories))


def scott_pi(data, *, categories: Sequence | None = None) -> float:
    """Scott's pi for two coders on the units both coded.

    ``pi = (p_o - p_e) / (1 - p_e)``, ``p_e = sum_k p_k**2`` with ``p_k`` the share of category
    ``k`` among both coders' values pooled (Scott 1955).
    """
    return _evaluate(_SCOTT, prepare(data, categories=categories))


def fleiss_kappa(data=None, *, counts=None, weights=None, missing: str = "gwet",
                 categories: Sequence | None = None) -> float:
    """Fleiss' kappa, from a coders x units matrix or a units x categories ``counts`` table.

    ``kappa = (p_a - p_e) / (1 - p_e)`` (Fleiss 1971) with, by default (``missing="gwet"``),
    Gwet's (2014, ch. 2 and 3) generalisation to missing ratings and weights, as irrCAC computes
    it: ``p_a`` is the mean over units with two or more ratings of
    ``sum_k r_uk (r*_uk - 1) / (r_u (r_u - 1))``, ``r*_uk = sum_l w_kl r_ul``;
    ``p_e = sum_kl w_kl pi_k pi_l`` with ``pi_k`` the mean over units with at least one rating of
    ``r_uk / r_u``. With complete data and no weights this is Fleiss' formula.
    ``missing="complete"`` keeps only the units every coder coded (statsmodels' reading; a
    ``counts`` table then needs equal row sums). ``weights``: a family of
    :mod:`qualcode.agreement.weights` or a q x q matrix. ``categories`` labels the counts table's
    columns.

    >>> round(fleiss_kappa(counts=[[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6],
    ...     [0, 3, 9, 2, 0], [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2],
    ...     [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]), 3)
    0.21
    """
    if (data is None) == (counts is None):
        raise ValueError("give either data (coders x units) or counts (units x categories).")
    spec = metric_spec("fleiss_kappa", weights=weights, missing=missing)
    if data is not None:
        return _evaluate(spec, prepare(data, categories=categories))
    n_uk, rel = _counts_table(counts, categories, equal_rows=missing == "complete")
    w = _weights(weights, rel)
    if missing == "complete":
        feats = _fleiss_complete_features(n_uk, rel.n_coders, w)
    else:
        pairable, agree = _pair_agreement(n_uk, w)
        r = n_uk.sum(axis=1)
        feats = np.column_stack([pairable, agree, (r > 0).astype(float),
                                 n_uk / np.where(r > 0, r, 1.0)[:, None]])
    return _result(spec, feats.sum(axis=0)[None, :], rel)


def conger_kappa(data, *, weights=None, categories: Sequence | None = None) -> float:
    """Conger's (1980) kappa: Cohen's kappa for any number of coders, with missing ratings.

    ``p_a`` as in :func:`fleiss_kappa`; ``p_e = sum_kl w_kl (pbar_k pbar_l - s2_kl / r)`` where
    ``p_gk`` is coder ``g``'s share of category ``k`` over the units ``g`` rated, ``pbar_k`` its
    mean over the ``r`` coders and ``s2_kl`` the coders' sample covariance of ``p_gk`` and
    ``p_gl`` (Gwet 2014, sec. 2.5 and 3.3; irrCAC's ``conger``). For two coders it is
    ``cohen_kappa(..., missing="gwet")``.
    """
    return _evaluate(metric_spec("conger_kappa", weights=weights),
                     prepare(data, categories=categories))


def _counts_table(counts, categories, *, equal_rows: bool = True) -> tuple[np.ndarray, Reliability]:
    n_uk = np.asarray(counts, dtype=float)
    if n_uk.ndim != 2 or (n_uk < 0).any() or (n_uk != np.floor(n_uk)).any():
        raise ValueError("counts must be a units x categories table of whole numbers >= 0.")
    cats = list(categories) if categories is not None else list(range(n_uk.shape[1]))
    if len(cats) != n_uk.shape[1]:
        raise ValueError(f"counts has {n_uk.shape[1]} columns but {len(cats)} categories.")
    r = n_uk.sum(axis=1)
    r_set = np.unique(r[r > 0])
    if equal_rows and len(r_set) > 1:
        raise ValueError("with missing='complete' every unit in counts needs the same number of "
                         f"ratings (found {', '.join(str(int(x)) for x in r_set[:4])}).")
    m = int(r_set.max()) if len(r_set) else 0
    return n_uk, Reliability(np.zeros((m, 0), np.int64), np.zeros(0), cats)


def fleiss_category_kappas(data=None, *, counts=None, categories: Sequence | None = None) -> dict:
    """Fleiss' (1971) kappa for each category against all others: ``{category: kappa}``.

    ``kappa_k = 1 - sum_u n_uk (n - n_uk) / (N n (n - 1) p_k (1 - p_k))``; undefined (NaN) for a
    category nobody or everybody used. Fleiss' formula needs the same number of ratings per unit:
    only units every coder rated are used (``fleiss_kappa(..., missing="complete")``'s units).
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


def gwet_ac1(data, *, weights=None, categories: Sequence | None = None) -> float:
    """Gwet's AC1 (AC2 when weighted) for any number of coders, with missing values (Gwet 2014,
    ch. 4 and 5).

    ``AC = (p_a - p_e) / (1 - p_e)`` with ``p_a`` as in :func:`fleiss_kappa`,
    ``p_e = T_w / (q (q - 1)) * sum_k pi_k (1 - pi_k)``, ``T_w`` the sum of the weights (``q``
    unweighted) and ``pi_k = (1/n) sum_u r_uk / r_u`` over the ``n`` units with at least one
    value; ``q`` is the number of categories (pass ``categories`` to count categories nobody used).
    For two coders with complete data this is Gwet's (2008) AC1. ``weights``: a family of
    :mod:`qualcode.agreement.weights` or a q x q matrix.
    """
    return _evaluate(metric_spec("gwet_ac1", weights=weights),
                     prepare(data, categories=categories))


def brennan_prediger(data, *, weights=None, categories: Sequence | None = None) -> float:
    """Brennan and Prediger's (1981) kappa: ``(p_a - p_e) / (1 - p_e)``, ``p_e = T_w / q**2``.

    ``p_a`` as in :func:`fleiss_kappa` (multi-coder, missing values allowed), ``q`` the number of
    categories (pass ``categories`` to count categories nobody used) and ``T_w`` the sum of the
    weights (``q`` unweighted, so ``p_e = 1/q``), as in Gwet (2014) and irrCAC.
    """
    return _evaluate(metric_spec("brennan_prediger", weights=weights),
                     prepare(data, categories=categories))
