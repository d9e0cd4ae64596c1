"""Agreement coefficients: published cases, reference implementations, hand checks, edge cases."""
import json
import math
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qualcode import agreement as ag
from qualcode.agreement.metrics import prepare

CASES_DIR = Path(__file__).resolve().parents[3] / "shared" / "agreement-cases"
if not CASES_DIR.exists():  # repository checked out elsewhere
    CASES_DIR = Path("/work/shared/agreement-cases")
CASES = sorted(CASES_DIR.glob("*.json"))


def _run_case(case):
    fn = getattr(ag, case["metric"])
    kw = {}
    if case.get("categories"):
        kw["categories"] = case["categories"]
    if case["metric"] == "krippendorff_alpha":
        kw["level"] = case["level"]
    if case["metric"] == "cohen_kappa":
        kw["weights"] = None if case["weights"] == "unweighted" else case["weights"]
    if case["data_layout"] == "units_x_categories_counts":
        return fn(counts=case["data"], **kw)
    return fn(case["data"], **kw)


def test_cases_are_there():
    assert len(CASES) >= 17


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_published_case(path):
    case = json.loads(path.read_text())
    value = _run_case(case)
    expected = case["expected"]
    if expected.get("undefined"):
        assert math.isnan(value)
        assert isinstance(value, ag.Undefined) and value.reason
    elif expected.get("tolerance") is not None:
        assert abs(value - expected["value"]) <= expected["tolerance"]
    elif expected.get("decimals") is None:
        assert value == expected["value"]
    else:
        assert round(value, expected["decimals"]) == expected["value"]


def test_published_precision_of_wikipedia_example_and_cohen_parts():
    case = json.loads((CASES_DIR / "wikipedia_3x15_nominal.json").read_text())
    assert round(ag.krippendorff_alpha(case["data"]), 3) == 0.691
    cohen = json.loads((CASES_DIR / "cohen1960_p45_cohen_kappa.json").read_text())
    assert round(ag.percent_agreement(cohen["data"]), 2) == 0.70


def test_fleiss_1971_category_kappas():
    case = json.loads((CASES_DIR / "fleiss1971_diagnoses_fleiss_kappa.json").read_text())
    got = ag.fleiss_category_kappas(counts=case["data"], categories=case["categories"])
    for cat, value in case["expected"]["category_kappas"].items():
        assert abs(got[int(cat)] - value) <= case["expected"]["category_kappas_tolerance"]


def test_perfect_agreement_is_one_for_every_coefficient():
    data = [[1, 2, 3, 4]] * 3
    for level in ag.metrics.LEVELS:
        assert ag.krippendorff_alpha(data, level=level) == 1.0
    assert ag.fleiss_kappa(data) == 1.0
    assert ag.gwet_ac1(data) == 1.0
    assert ag.brennan_prediger(data) == 1.0
    assert ag.percent_agreement(data) == 1.0
    assert ag.scott_pi(data[:2]) == 1.0
    assert ag.cohen_kappa(data[:2]) == 1.0


# -- reference implementations on random data ----------------------------------------------


def _random_data(rng, m, n, q, missing):
    truth = rng.integers(1, q + 1, n)
    x = np.vstack([np.where(rng.random(n) < 0.7, truth, rng.integers(1, q + 1, n)) for _ in range(m)])
    x = x.astype(float)
    x[rng.random(x.shape) < missing] = np.nan
    return x


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
@pytest.mark.parametrize("seed", range(4))
def test_alpha_equals_krippendorff_package(level, seed):
    krippendorff = pytest.importorskip("krippendorff")
    rng = np.random.default_rng(seed)
    x = _random_data(rng, m=2 + seed, n=60 + 40 * seed, q=3 + 2 * seed, missing=0.2)
    ours = ag.krippendorff_alpha(x, level=level)
    theirs = krippendorff.alpha(reliability_data=x, level_of_measurement=level)
    assert ours == pytest.approx(theirs, abs=1e-12)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
@pytest.mark.parametrize("seed", range(4))
def test_cohen_equals_sklearn(weights, seed):
    from sklearn.metrics import cohen_kappa_score

    rng = np.random.default_rng(100 + seed)
    x = _random_data(rng, m=2, n=80, q=4, missing=0.0)
    cats = [1, 2, 3, 4, 5]  # 5 is never used; it still counts for the weights
    ours = ag.cohen_kappa(x, weights=weights, categories=cats)
    theirs = cohen_kappa_score(x[0], x[1], weights=weights, labels=cats)
    assert ours == pytest.approx(theirs, abs=1e-12)


def test_cohen_uses_units_both_coded_only():
    from sklearn.metrics import cohen_kappa_score

    a = [1, 2, 2, 3, None, 1, 3, 3]
    b = [1, 2, 3, 3, 2, None, 3, 1]
    both = [i for i in range(8) if a[i] is not None and b[i] is not None]
    expected = cohen_kappa_score([a[i] for i in both], [b[i] for i in both])
    assert ag.cohen_kappa([a, b]) == pytest.approx(expected, abs=1e-12)


def test_unused_category_changes_weighted_kappa_positions():
    data = [[1, 2, 3, 3, 2, 1], [1, 3, 3, 2, 1, 1]]
    # with a category 0 in front, positions shift but differences stay the same: equal
    assert ag.cohen_kappa(data, "linear", categories=[0, 1, 2, 3]) == pytest.approx(
        ag.cohen_kappa(data, "linear"))
    # a category between 2 and 3 makes 2 and 3 twice as far apart: different
    # hand check: disagreements (2,3), (3,2), (2,1); marginals A = (2, 2, 2), B = (3, 1, 2).
    # positions 0, 1, 2: sum w*o = 3, sum w*e = sum_ij A_i B_j |i-j| / 6 = 34/6 -> 1 - 18/34 = 8/17.
    # positions 0, 1, 3 (2.5 sits between 2 and 3): sum w*o = 2 + 2 + 1 = 5, sum w*e = 50/6
    # -> 1 - 30/50 = 0.4.
    assert ag.cohen_kappa(data, "linear") == pytest.approx(8 / 17)
    assert ag.cohen_kappa(data, "linear", categories=[1, 2, 2.5, 3]) == pytest.approx(0.4)


def test_fleiss_equals_scott_for_two_complete_coders_and_counts_form():
    rng = np.random.default_rng(7)
    x = _random_data(rng, m=2, n=50, q=3, missing=0.0)
    assert ag.fleiss_kappa(x) == pytest.approx(ag.scott_pi(x), abs=1e-12)
    x3 = _random_data(rng, m=4, n=40, q=3, missing=0.0)
    counts = np.stack([(x3 == k).sum(axis=0) for k in (1, 2, 3)], axis=1)
    assert ag.fleiss_kappa(x3) == pytest.approx(ag.fleiss_kappa(counts=counts), abs=1e-12)


def test_fleiss_complete_drops_incomplete_units_and_gwet_keeps_them():
    data = [[1, 2, 2, 1, None], [1, 2, 1, 1, 2], [1, 2, 2, 2, 2]]
    complete = ag.fleiss_kappa(data, missing="complete")
    assert complete == pytest.approx(ag.fleiss_kappa([r[:4] for r in data]))
    assert complete.n_units == 4
    gwet = ag.fleiss_kappa(data)
    assert gwet != pytest.approx(complete) and gwet.n_units == 5


def test_fleiss_counts_with_unequal_rows_is_an_error_only_for_complete_units():
    with pytest.raises(ValueError, match="same number of ratings"):
        ag.fleiss_kappa(counts=[[1, 1], [2, 1]], missing="complete")
    data = [[1, 1], [2, 1], [None, 2]]  # the same two units as a coders x units matrix
    assert ag.fleiss_kappa(counts=[[1, 1], [2, 1]], categories=[1, 2]) == pytest.approx(
        ag.fleiss_kappa(data))


# -- hand checks ----------------------------------------------------------------------------


def test_two_coder_gwet_brennan_prediger_by_hand():
    data = [[1, 1, 1, 2], [1, 1, 2, 2]]
    # p_a = 3/4. pi_1 = (1 + 1 + 1/2 + 0)/4 = 0.625, pi_2 = 0.375;
    # p_e(AC1) = 2 * 0.625 * 0.375 / (2 - 1) = 0.46875 -> AC1 = 0.28125 / 0.53125 = 9/17.
    assert ag.percent_agreement(data) == 0.75
    assert ag.gwet_ac1(data) == pytest.approx(9 / 17, abs=1e-12)
    # BP: (3/4 - 1/2) / (1/2) = 1/2; with a third unused category (3/4 - 1/3)/(2/3) = 5/8.
    assert ag.brennan_prediger(data) == pytest.approx(0.5)
    assert ag.brennan_prediger(data, categories=[1, 2, 3]) == pytest.approx(5 / 8)


def test_multi_coder_gwet_with_missing_by_hand():
    data = [["a", "a", "b", None], ["a", "b", "b", "a"], ["a", None, "b", None]]
    # unit 1: 3 x a -> agreement 1; unit 2: a, b -> 0; unit 3: 3 x b -> 1; unit 4: one value, not
    # pairable. p_a = 2/3. pi_a = (1 + 1/2 + 0 + 1)/4 = 0.625, pi_b = 0.375 (all 4 units rated);
    # p_e = 2 * 0.625 * 0.375 = 0.46875; AC1 = (2/3 - 0.46875) / 0.53125 = 0.372549...
    assert ag.percent_agreement(data) == pytest.approx(2 / 3)
    assert ag.gwet_ac1(data) == pytest.approx((2 / 3 - 0.46875) / 0.53125, abs=1e-12)


def test_scott_pi_by_hand():
    data = [[1, 1, 2, 2], [1, 2, 2, 2]]
    # p_o = 3/4; pooled: 1 x3, 2 x5 of 8 -> p_e = (9 + 25)/64 = 34/64; pi = (48/64 - 34/64)/(30/64)
    assert ag.scott_pi(data) == pytest.approx(14 / 30, abs=1e-12)


# -- input forms ----------------------------------------------------------------------------


def test_input_forms_agree():
    lists = [[1, 2, None, 3], [1, 2, 2, float("nan")], [2, 2, 2, 3]]
    arr = np.array(lists, dtype=float)
    frame = pd.DataFrame(arr, index=["ann", "bob", "cy"])
    strings = [["x", "y", None, "z"], ["x", "y", "y", None], ["y", "y", "y", "z"]]
    values = {ag.krippendorff_alpha(d) for d in (lists, arr, frame, strings)}
    assert len({round(v, 12) for v in values}) == 1


def test_value_outside_categories_is_an_error():
    with pytest.raises(ValueError, match="not among the categories"):
        ag.percent_agreement([[1, 2], [1, 3]], categories=[1, 2])
    with pytest.raises(ValueError, match="not among the categories"):
        ag.percent_agreement([["a", "b"], ["a", "c"]], categories=["a", "b"])


def test_api_misuse_errors():
    with pytest.raises(ValueError, match="exactly two coders"):
        ag.cohen_kappa([[1, 2], [1, 2], [1, 2]])
    with pytest.raises(ValueError, match="different lengths"):
        ag.krippendorff_alpha([[1, 2, 3], [1, 2]])
    with pytest.raises(ValueError, match="level must be"):
        ag.krippendorff_alpha([[1, 2], [1, 2]], level="nominl")
    with pytest.raises(ValueError, match="weights must be"):
        ag.cohen_kappa([[1, 2], [1, 2]], weights="square")
    with pytest.raises(ValueError, match="numeric values"):
        ag.krippendorff_alpha([["a", "b"], ["a", "b"]], level="interval")
    with pytest.raises(ValueError, match="either data"):
        ag.fleiss_kappa()


# -- undefined ------------------------------------------------------------------------------


@pytest.mark.parametrize("fn,data,why", [
    (ag.cohen_kappa, [[1, 1, 1], [1, 1, 1]], "one and the same category"),
    (ag.cohen_kappa, [[1, None], [None, 2]], "no unit was coded by both"),
    (ag.scott_pi, [[1, 1], [1, 1]], "one category"),
    (ag.fleiss_kappa, [[1, 1], [1, 1], [1, 1]], "one category"),
    (lambda d: ag.fleiss_kappa(d, missing="complete"), [[1, None], [None, 1], [1, 1]],
     "no unit was coded by every coder"),
    (ag.gwet_ac1, [[1, 1], [1, 1]], "pass categories="),
    (ag.brennan_prediger, [[1, 1], [1, 1]], "pass categories="),
    (ag.percent_agreement, [[1, None], [None, 1]], "two or more coders"),
    (ag.krippendorff_alpha, [[], []], "two or more coders"),
])
def test_undefined_is_nan_with_reason(fn, data, why):
    value = fn(data)
    assert isinstance(value, ag.Undefined)
    assert math.isnan(value) and ag.is_undefined(value)
    assert why in value.reason


def test_declared_categories_make_single_category_data_defined():
    # everybody said "not coded" (0) on every unit: AC1 with q = 2 is defined (and 1)
    assert ag.gwet_ac1([[0, 0, 0], [0, 0, 0]], categories=[0, 1]) == 1.0
    assert ag.brennan_prediger([[0, 0, 0], [0, 0, 0]], categories=[0, 1]) == 1.0
    assert ag.is_undefined(ag.cohen_kappa([[0, 0, 0], [0, 0, 0]], categories=[0, 1]))


def test_undefined_survives_pickle_and_shows_reason():
    u = ag.Undefined("why not")
    back = pickle.loads(pickle.dumps(u))
    assert math.isnan(back) and back.reason == "why not"
    assert "why not" in repr(u)


def test_adding_all_missing_units_changes_nothing():
    rng = np.random.default_rng(3)
    x = _random_data(rng, m=3, n=30, q=3, missing=0.3)
    padded = np.hstack([x, np.full((3, 10), np.nan)])
    for fn in (ag.krippendorff_alpha, ag.gwet_ac1, ag.percent_agreement, ag.fleiss_kappa,
               ag.brennan_prediger):
        assert fn(x) == fn(padded)


# -- bootstrap ------------------------------------------------------------------------------


def test_bootstrap_is_seeded_and_brackets_the_estimate():
    rng = np.random.default_rng(11)
    x = _random_data(rng, m=3, n=200, q=4, missing=0.1)
    ci = ag.bootstrap_ci(ag.krippendorff_alpha, x, n_boot=300, seed=5)
    assert ci == ag.bootstrap_ci("krippendorff_alpha", x, n_boot=300, seed=5)
    assert ci != ag.bootstrap_ci(ag.krippendorff_alpha, x, n_boot=300, seed=6)
    assert ci[0] < ag.krippendorff_alpha(x) < ci[1]
    k = ag.bootstrap_ci(ag.cohen_kappa, x[:2], n_boot=300, seed=5, weights="linear")
    assert k[0] < ag.cohen_kappa(x[:2], weights="linear") < k[1]


@pytest.mark.parametrize("name,options", [
    ("krippendorff_alpha", {"level": "ordinal"}), ("krippendorff_alpha", {"level": "interval"}),
    ("cohen_kappa", {"weights": "quadratic"}), ("gwet_ac1", {}), ("fleiss_kappa", {}),
    ("scott_pi", {}), ("brennan_prediger", {}), ("percent_agreement", {}),
    ("conger_kappa", {}), ("conger_kappa", {"weights": "ordinal"}),
    ("fleiss_kappa", {"weights": "quadratic"}), ("fleiss_kappa", {"missing": "complete"}),
    ("gwet_ac1", {"weights": "linear"}), ("brennan_prediger", {"weights": "circular"}),
    ("cohen_kappa", {"missing": "gwet"}),
])
def test_each_replicate_equals_the_metric_on_the_resampled_units(name, options):
    rng = np.random.default_rng(21)
    m = 2 if name in ("cohen_kappa", "scott_pi") else 3
    x = _random_data(rng, m=m, n=60, q=3, missing=0.15)
    reps = ag.bootstrap_replicates(name, x, n_boot=5, seed=9, **options)
    rel = prepare(x)
    draws = np.random.default_rng(9).multinomial(int(rel.weights.sum()),
                                                 rel.weights / rel.weights.sum(), size=5)
    for rep, draw in zip(reps, draws):
        resampled = np.repeat(rel.patterns, draw, axis=1).astype(float)
        resampled[resampled < 0] = np.nan
        direct = getattr(ag, name)(resampled + 1, categories=[1, 2, 3], **options)
        assert rep == pytest.approx(direct, abs=1e-12)


def test_bootstrap_of_undefined_is_nan():
    assert all(math.isnan(v) for v in ag.bootstrap_ci(ag.krippendorff_alpha, [[1, 1], [1, 1]]))
