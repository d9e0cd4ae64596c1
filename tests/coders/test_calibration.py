from __future__ import annotations

import numpy as np
import pytest

from qualcode.coders.calibration import (apply_calibration, expected_calibration_error,
                                         fit_calibration, per_code_kappa, reliability_table)


def test_calibration_maps_scores_to_observed_rates():
    rng = np.random.default_rng(0)
    true = rng.uniform(size=20000)
    y = (rng.uniform(size=true.size) < true).astype(int)
    scores = true ** 3  # over-confident low, monotone: isotonic must undo it
    cal = fit_calibration(scores, y)
    before = expected_calibration_error(scores, y)
    after = expected_calibration_error(apply_calibration(cal, scores), y)
    assert before > 0.1 and after < 0.02


def test_reliability_table_bins_and_nothing_to_fit():
    t = reliability_table(np.array([0.05, 0.15, 0.95]), np.array([0, 0, 1]), bins=10)
    assert t["n"].tolist() == [1, 1, 1] and t["fraction_positive"].tolist() == [0, 0, 1]
    assert fit_calibration(np.array([0.2, 0.3]), np.array([0, 0])) is None
    assert apply_calibration(None, np.array([0.3]))[0] == 0.3


def test_per_code_kappa_matches_agreement_module():
    from qualcode.agreement import cohen_kappa

    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, size=(50, 3))
    p = np.where(rng.uniform(size=y.shape) < 0.8, y, 1 - y)
    k = per_code_kappa(y, p)
    for j in range(3):
        assert k[j] == pytest.approx(float(cohen_kappa([y[:, j].tolist(), p[:, j].tolist()])))
    assert np.isnan(per_code_kappa(np.zeros((4, 1)), np.zeros((4, 1)))[0])
