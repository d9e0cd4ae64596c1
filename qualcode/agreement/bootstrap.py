"""Bootstrap confidence intervals for agreement coefficients, resampling units.

A replicate draws as many units as the data has (units with at least one value), with replacement,
and recomputes the coefficient. Because every coefficient in :mod:`.metrics` is a closed formula of
sums over units, a replicate is a multinomial count vector over the data's distinct unit columns,
and all replicates together are one matrix product: 1,000 replicates cost about as much as a few
point estimates. The interval is the percentile interval of the replicates; replicates in which the
coefficient is undefined (e.g. a resample in which every value is alike) are left out, and the
interval is NaN when the point estimate is undefined or no replicate is defined.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from .metrics import metric_spec
from .reliability import Reliability, prepare

__all__ = ["bootstrap_ci", "bootstrap_replicates", "resample", "percentile_interval"]

_NAMES = {
    "percent_agreement", "cohen_kappa", "scott_pi", "fleiss_kappa", "conger_kappa",
    "krippendorff_alpha",
    "gwet_ac1", "brennan_prediger",
}


def _name(metric: str | Callable) -> str:
    name = metric if isinstance(metric, str) else getattr(metric, "__name__", "")
    if name not in _NAMES:
        raise ValueError(f"cannot bootstrap {metric!r}; use one of {', '.join(sorted(_NAMES))}.")
    return name


def bootstrap_replicates(metric: str | Callable, data, *, n_boot: int = 1000, seed: int = 0,
                         categories: Sequence | None = None, **options) -> np.ndarray:
    """``n_boot`` bootstrap values of ``metric`` on ``data`` (NaN where undefined).

    ``metric`` is one of the functions of :mod:`qualcode.agreement` or its name; ``options`` are its
    keyword arguments (``level=``, ``weights=``, ``missing=``). ``data`` may also be a prepared
    :class:`~qualcode.agreement.metrics.Reliability`. The same ``seed`` gives the same values.
    """
    if n_boot < 1:
        raise ValueError("n_boot must be at least 1.")
    spec = metric_spec(_name(metric), **options)
    rel = data if isinstance(data, Reliability) else prepare(data, categories=categories)
    return resample(spec, rel, spec.features(rel), rel.weights, n_boot=n_boot, seed=seed)


def resample(spec, rel: Reliability, features: np.ndarray, multiplicity: np.ndarray, *,
             n_boot: int, seed: int) -> np.ndarray:
    """Bootstrap values from per-cluster feature sums.

    ``features`` is clusters x f (a cluster is a unit, or a segment holding several units: its
    features are the sum of its units'), ``multiplicity`` how many identical clusters each row
    stands for. Each replicate draws ``sum(multiplicity)`` clusters with replacement.
    """
    if n_boot < 1:
        raise ValueError("n_boot must be at least 1.")
    multiplicity = np.asarray(multiplicity, dtype=float)
    n_units = int(round(multiplicity.sum()))
    if n_units == 0:
        return np.full(n_boot, np.nan)
    rng = np.random.default_rng(seed)
    p = multiplicity / multiplicity.sum()
    out = np.empty(n_boot)
    chunk = max(1, min(n_boot, 20_000_000 // max(features.size, 1)))
    for start in range(0, n_boot, chunk):
        size = min(chunk, n_boot - start)
        draws = rng.multinomial(n_units, p, size=size).astype(float)
        values, reasons = spec.finish(draws @ features, rel)
        values = np.asarray(values, dtype=float).copy()
        values[[r is not None for r in reasons]] = np.nan
        out[start:start + size] = values
    return out


def percentile_interval(replicates: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """The percentile interval of the defined replicates (NaN, NaN when none is defined)."""
    if not 0 < level < 1:
        raise ValueError("level must be between 0 and 1, e.g. 0.95.")
    reps = replicates[~np.isnan(replicates)]
    if reps.size == 0:
        return (float("nan"), float("nan"))
    tail = (1 - level) / 2
    low, high = np.quantile(reps, [tail, 1 - tail])
    return (float(low), float(high))


def bootstrap_ci(metric: str | Callable, data, *, n_boot: int = 1000, level: float = 0.95,
                 seed: int = 0, categories: Sequence | None = None,
                 **options) -> tuple[float, float]:
    """Percentile bootstrap interval ``(low, high)`` for ``metric`` on ``data``, resampling units.

    >>> from qualcode.agreement import krippendorff_alpha
    >>> low, high = bootstrap_ci(krippendorff_alpha, [[1, 2, 3, 3, 2, 1, 4, 1, 2],
    ...     [1, 2, 3, 3, 2, 2, 4, 1, 2]], n_boot=500, seed=1)
    >>> low < krippendorff_alpha([[1, 2, 3, 3, 2, 1, 4, 1, 2], [1, 2, 3, 3, 2, 2, 4, 1, 2]]) <= high
    True
    """
    if not 0 < level < 1:
        raise ValueError("level must be between 0 and 1, e.g. 0.95.")
    rel = data if isinstance(data, Reliability) else prepare(data, categories=categories)
    spec = metric_spec(_name(metric), **options)
    point, reasons = spec.finish((rel.weights @ spec.features(rel))[None, :], rel)
    if reasons[0] is not None:
        return (float("nan"), float("nan"))
    reps = bootstrap_replicates(metric, rel, n_boot=n_boot, seed=seed, **options)
    return percentile_interval(reps, level)
