"""Published values for missing ratings and weights (Gwet 2014; irrCAC's documented examples)."""
import math
import pickle

import numpy as np
import pytest

from qualcode import agreement as ag

# Gwet, K. L. (2014). Handbook of Inter-Rater Reliability, 4th ed.: 4 raters x 12 subjects,
# 5 categories, no rater scored every unit. Data as shipped in irrCAC (R: cac.raw4raters;
# Python irrCAC 0.4.4: irrCAC.datasets.raw_4raters); raters as rows here.
RAW_4RATERS = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, None],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, 3],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]

# Gwet (2014): 5 observers x 15 units on a 0-3 scale; only observer 3 scored every unit.
# irrCAC.datasets.raw_5observers (R: cac.raw5obser).
RAW_5OBSERVERS = [
    [1, 1, 2, None, 0, 0, 1, 1, 2, 2, None, 0, 1, 3, 1],
    [1, 1, 3, 0, 0, 0, 0, None, 2, 1, 1, 0, 2, 3, 1],
    [2, 0, 3, 0, 0, 0, 2, 2, 2, 1, 0, 0, 2, 2, 1],
    [None, 1, 3, None, None, None, None, 0, None, 1, 0, 0, 2, 2, None],
    [2, None, None, 0, 0, 0, 1, None, 2, None, None, None, None, 3, 1],
]


def test_raw_4raters_as_published_by_irrcac():
    # irrCAC 0.4.4 documentation (module irrCAC.raw, worked example on raw_4raters), 5 decimals:
    # AC1 0.77544 (pa 0.81818), Fleiss' kappa 0.76117, AC2 with bipolar weights 0.90037.
    assert round(ag.gwet_ac1(RAW_4RATERS), 5) == 0.77544
    assert round(ag.percent_agreement(RAW_4RATERS), 5) == 0.81818
    assert round(ag.fleiss_kappa(RAW_4RATERS), 5) == 0.76117
    assert round(ag.gwet_ac1(RAW_4RATERS, weights="bipolar"), 5) == 0.90037
    # the 11 units with two or more ratings carry the agreement part
    assert ag.fleiss_kappa(RAW_4RATERS).n_units == 11


def test_raw_5observers_fleiss_as_in_gwets_handbook():
    # Gwet (2014), Fleiss' kappa on the 5-observer example with missing ratings: 0.458
    # (3 decimals). The complete-units reading keeps 1 unit of 15 and gives -0.25.
    kappa = ag.fleiss_kappa(RAW_5OBSERVERS)
    assert round(kappa, 3) == 0.458
    assert kappa.n_units == 15
    complete = ag.fleiss_kappa(RAW_5OBSERVERS, missing="complete")
    assert complete == pytest.approx(-0.25) and complete.n_units == 1


def test_cohen_missing_gwet_by_hand():
    a = [1, 1, 2, 2, 1, None, None]
    b = [1, 2, 2, 2, None, 1, 2]
    # both coded units 0-3: p_o = 3/4. Marginals over each coder's own units:
    # A: 1 x3, 2 x2 of 5 -> (0.6, 0.4); B: 1 x2, 2 x4 of 6 -> (1/3, 2/3).
    # p_e = 0.6/3 + 0.4 * 2/3 = 7/15; kappa = (3/4 - 7/15) / (8/15) = 17/32.
    k = ag.cohen_kappa([a, b], missing="gwet")
    assert k == pytest.approx(17 / 32, abs=1e-12) and k.n_units == 4
    # the default keeps units both coded (scikit-learn): A (2, 2), B (1, 3) -> p_e = 1/2
    assert ag.cohen_kappa([a, b]) == pytest.approx(0.5, abs=1e-12)
    assert ag.conger_kappa([a, b]) == pytest.approx(17 / 32, abs=1e-12)


def test_weights_families_match_the_handbook_definitions():
    from qualcode.agreement.weights import weight_matrix

    # irrCAC vignette "Weighted Chance-corrected Agreement Coefficients": radical.weights(1:3)
    # off-diagonal neighbour 0.2928932, linear.weights(1:3) 0.5
    assert round(weight_matrix("radical", [1, 2, 3])[0, 1], 7) == 0.2928932
    assert weight_matrix("linear", [1, 2, 3])[0, 1] == 0.5
    assert weight_matrix("quadratic", [1, 2, 3])[0, 1] == 0.75
    for family in ("linear", "quadratic", "ordinal", "radical", "ratio", "circular", "bipolar"):
        w = weight_matrix(family, [1, 2, 4, 5])
        assert np.allclose(np.diag(w), 1) and np.allclose(w, w.T) and w.min() >= -1e-12
    with pytest.raises(ValueError, match="weights must be one of"):
        ag.gwet_ac1(RAW_4RATERS, weights="cubic")
    with pytest.raises(ValueError, match="5 x 5"):
        ag.gwet_ac1(RAW_4RATERS, weights=np.eye(3))


def test_weighted_identity_equals_unweighted_and_counts_form_matches():
    for fn in (ag.gwet_ac1, ag.fleiss_kappa, ag.brennan_prediger, ag.conger_kappa):
        assert fn(RAW_4RATERS, weights="identity") == pytest.approx(fn(RAW_4RATERS), abs=1e-12)
    counts = np.array([[sum(v == k for v in col if v is not None) for k in (1, 2, 3, 4, 5)]
                       for col in zip(*RAW_4RATERS)])
    assert ag.fleiss_kappa(counts=counts, weights="quadratic", categories=[1, 2, 3, 4, 5]) == \
        pytest.approx(ag.fleiss_kappa(RAW_4RATERS, weights="quadratic"), abs=1e-12)


def test_coefficient_carries_units_and_pickles():
    k = ag.krippendorff_alpha(RAW_4RATERS)
    assert isinstance(k, float) and k.n_units == 11
    back = pickle.loads(pickle.dumps(k))
    assert back == k and back.n_units == 11
    u = ag.cohen_kappa([[1, None], [None, 1]])
    assert math.isnan(u) and u.n_units == 0


def test_spreadsheet_strings_stay_strings():
    # issue 16: "1.1" and "1.10" are different labels; "nan" is a label; "" is missing
    as_strings = [["1.1", "1.10", "2"], ["1.1", "1.1", "2.0"]]
    assert ag.percent_agreement(as_strings) == pytest.approx(1 / 3)
    assert ag.percent_agreement(np.array(as_strings)) == pytest.approx(1 / 3)
    assert ag.percent_agreement([[1.1, 1.10, 2], [1.1, 1.1, 2.0]]) == 1.0
    labels = ag.percent_agreement([["nan", "", "a"], ["nan", "b", "a"]])
    assert labels == 1.0 and labels.n_units == 2
    with pytest.raises(ValueError, match="are strings"):
        ag.percent_agreement([["1", "2"], ["1", "2"]], categories=[1, 2])
    with pytest.raises(ValueError, match="are numbers"):
        ag.percent_agreement([[1, 2], [1, 2]], categories=["1", "2"])


# irrCAC for R, vignette "Weighted Chance-corrected Agreement Coefficients" (K. L. Gwet,
# 2019-09-16; CRAN irrCAC 1.0, inst/doc/weighting.html), quadratic weights, values as printed.


def test_irrcac_weighting_vignette_raw_ratings():
    # cac.raw4raters (= RAW_4RATERS), weights = "quadratic"
    w = "quadratic"
    assert round(ag.gwet_ac1(RAW_4RATERS, weights=w), 3) == 0.914  # printed "0.914"
    assert round(ag.fleiss_kappa(RAW_4RATERS, weights=w), 5) == 0.86494
    assert round(ag.conger_kappa(RAW_4RATERS, weights=w), 5) == 0.85771
    assert round(ag.brennan_prediger(RAW_4RATERS, weights=w), 5) == 0.90152
    # krippen.alpha.raw with quadratic weights on 1..5 is interval alpha
    assert round(ag.krippendorff_alpha(RAW_4RATERS, level="interval"), 5) == 0.84911


def test_irrcac_weighting_vignette_contingency_table():
    # cont3x3abstractors: rater 1 in rows, rater 2 in columns, quadratic.weights(1:3)
    table = [[13, 0, 0], [0, 20, 7], [0, 4, 56]]
    a = [i + 1 for i in range(3) for j in range(3) for _ in range(table[i][j])]
    b = [j + 1 for i in range(3) for j in range(3) for _ in range(table[i][j])]
    data, w = [a, b], "quadratic"
    assert round(ag.cohen_kappa(data, w), 7) == 0.8921569
    assert round(ag.gwet_ac1(data, weights=w), 7) == 0.9402369
    assert round(ag.brennan_prediger(data, weights=w), 4) == 0.9175
    assert round(ag.krippendorff_alpha(data, level="interval"), 7) == 0.8926487
    # Scott's pi with weights is Fleiss' kappa for two raters with complete data
    assert round(ag.fleiss_kappa(data, weights=w), 7) == 0.8921093


def test_irrcac_weighting_vignette_distribution_of_raters():
    # distrib.6raters: 15 subjects x 5 categories, 6 raters each; fleiss.kappa.dist, quadratic
    counts = [[0, 0, 0, 6, 0], [0, 3, 0, 0, 3], [0, 1, 4, 0, 1], [0, 0, 0, 0, 6], [0, 3, 0, 3, 0],
              [2, 0, 4, 0, 0], [0, 0, 4, 0, 2], [2, 0, 3, 1, 0], [2, 0, 0, 4, 0], [0, 0, 0, 0, 6],
              [1, 0, 0, 5, 0], [1, 1, 0, 4, 0], [0, 3, 3, 0, 0], [1, 0, 0, 5, 0], [0, 2, 0, 3, 1]]
    kappa = ag.fleiss_kappa(counts=counts, weights="quadratic", categories=[1, 2, 3, 4, 5])
    assert round(kappa, 7) == 0.2511909
