"""Randomised differential test: every coefficient qualcode and irrCAC (or krippendorff) both
compute agrees to 1e-9, missing ratings and all eight weight families included.

irrCAC (Python port of Gwet's R package, 0.4.4) is an optional test dependency, installed with
``--no-deps`` because its pins would downgrade pandas; the test skips without it.
"""
import numpy as np
import pandas as pd
import pytest

from qualcode import agreement as ag
from qualcode.agreement.weights import WEIGHT_FAMILIES, weight_matrix

irr_raw = pytest.importorskip("irrCAC.raw")
krippendorff = pytest.importorskip("krippendorff")

TOL = 1e-9


def _matrix(seed):
    """coders x units floats with NaN; categories positive numbers, sometimes unevenly spaced."""
    rng = np.random.default_rng(seed)
    while True:
        m = int(rng.integers(2, 7))
        n = int(rng.integers(8, 90))
        q = int(rng.integers(2, 7))
        cats = np.sort(rng.choice(np.arange(1, 12), q, replace=False)).astype(float) \
            if seed % 3 == 0 else np.arange(1, q + 1, dtype=float)
        truth = rng.integers(0, q, n)
        idx = np.vstack([np.where(rng.random(n) < 0.6, truth, rng.integers(0, q, n))
                         for _ in range(m)])
        x = cats[idx]
        x[rng.random(x.shape) < rng.uniform(0, 0.4)] = np.nan
        counts = (~np.isnan(x)).sum(axis=0)
        used = np.unique(x[:, counts >= 2][~np.isnan(x[:, counts >= 2])])
        if (counts >= 2).sum() >= 2 and len(used) >= 2 and (~np.isnan(x)).any(axis=1).all():
            return x, [float(c) for c in cats]


def _irr(x, weights, cats):
    frame = pd.DataFrame(x.T, columns=[f"r{i}" for i in range(len(x))])
    return irr_raw.CAC(frame, weights=weights, categories=cats, digits=15)


def _value(result):
    return float(result["est"]["coefficient_value"])


@pytest.mark.parametrize("seed", range(30))
def test_every_coefficient_equals_irrcac_with_missing_data_and_weights(seed):
    x, cats = _matrix(seed)
    for weights in WEIGHT_FAMILIES:
        cac = _irr(x, weights, cats)
        pairs = [
            (ag.gwet_ac1(x, weights=weights, categories=cats), cac.gwet()),
            (ag.fleiss_kappa(x, weights=weights, categories=cats), cac.fleiss()),
            (ag.brennan_prediger(x, weights=weights, categories=cats), cac.bp()),
            (ag.conger_kappa(x, weights=weights, categories=cats), cac.conger()),
        ]
        if len(x) == 2:
            # cohen_kappa's "linear"/"quadratic" are scikit-learn's (category positions);
            # irrCAC's use the category values: compare with irrCAC's matrix itself
            matrix = weight_matrix(weights, cats)
            pairs.append((ag.cohen_kappa(x, weights=matrix, missing="gwet", categories=cats),
                          cac.conger()))
        for ours, theirs in pairs:
            assert ours == pytest.approx(_value(theirs), abs=TOL), (weights, theirs["est"])


@pytest.mark.parametrize("seed", range(30))
def test_alpha_equals_irrcac_and_krippendorff(seed):
    x, cats = _matrix(seed)
    # irrCAC's alpha with identity / quadratic / ratio weights is nominal / interval / ratio alpha
    for weights, level in (("identity", "nominal"), ("quadratic", "interval"), ("ratio", "ratio")):
        ours = ag.krippendorff_alpha(x, level=level, categories=cats)
        assert ours == pytest.approx(_value(_irr(x, weights, cats).krippendorff()), abs=TOL)
    for level in ("nominal", "ordinal", "interval", "ratio"):
        ours = ag.krippendorff_alpha(x, level=level)
        theirs = krippendorff.alpha(reliability_data=x, level_of_measurement=level)
        assert ours == pytest.approx(theirs, abs=TOL)


@pytest.mark.parametrize("seed", range(10))
def test_string_labels_equal_irrcac(seed):
    """Labels that are not numbers are weighted by position 1..q in both."""
    x, cats = _matrix(3 * seed + 1)  # evenly spaced 1..q
    labels = [f"c{int(c):02d}" for c in cats]
    s = np.full(x.shape, None, dtype=object)
    ok = ~np.isnan(x)
    s[ok] = np.array(labels, dtype=object)[x[ok].astype(int) - 1]
    frame = pd.DataFrame(s.T, columns=[f"r{i}" for i in range(len(x))])
    for weights in ("identity", "linear", "quadratic", "ordinal"):
        cac = irr_raw.CAC(frame.copy(), weights=weights, categories=labels, digits=15)
        assert ag.gwet_ac1(s, weights=weights, categories=labels) == pytest.approx(
            _value(cac.gwet()), abs=TOL)
        assert ag.fleiss_kappa(s, weights=weights, categories=labels) == pytest.approx(
            _value(cac.fleiss()), abs=TOL)
