"""Agreement as NVivo, MAXQDA and Krippendorff's unitizing compute it, on published examples."""
import numpy as np
import pandas as pd
import pytest

from qualcode.agreement import compare, unitizing_alpha
from qualcode.corpus import Corpus

from .test_compare import ONE, TWO, codings, corpus, row  # noqa: F401 (fixture)

# -- Krippendorff's u-alpha -------------------------------------------------------------------
# Krippendorff, K. (2004). Content Analysis: An Introduction to Its Methodology, 2nd ed., p. 254
# (section 11.6, unitizing): continuum [150, 450), observers i and j, categories c and k.
# Published: c: uD_o = .0144, uD_e = .0532, u-alpha = .7286; k: uD_o = 0, uD_e = .0490,
# u-alpha = 1; both categories .8591, which the book computes from the 4-decimal components
# (1 - .0144 / .1022); unrounded it is .85867, so the overall value is asserted to 3 decimals.
# The same data and values are used by DKPro Statistics (Krippendorff2004Test).
KRIPP_2004 = pd.DataFrame([
    ("i", "c", 225, 295), ("i", "c", 370, 400), ("j", "c", 220, 300), ("j", "c", 355, 375),
    ("j", "c", 400, 420), ("i", "k", 180, 240), ("i", "k", 300, 350), ("j", "k", 180, 240),
    ("j", "k", 300, 350)], columns=["coder", "category", "start", "end"])


def test_unitizing_alpha_krippendorff_2004_example():
    t = unitizing_alpha(KRIPP_2004, (150, 450)).set_index("category")
    assert round(t.loc["c", "observed"], 4) == 0.0144
    assert round(t.loc["c", "expected"], 4) == 0.0532
    assert round(t.loc["c", "alpha"], 4) == 0.7286
    assert round(t.loc["k", "observed"], 4) == 0.0 and round(t.loc["k", "expected"], 4) == 0.0490
    assert round(t.loc["k", "alpha"], 4) == 1.0
    assert round(t.loc["(all)", "alpha"], 3) == 0.859
    assert t.loc["c", "n_units"] == 5


def test_unitizing_alpha_invariances_and_errors():
    # splitting a unit into touching pieces, or shifting everything, changes nothing
    split = pd.concat([KRIPP_2004.drop(0), pd.DataFrame([("i", "c", 225, 250), ("i", "c", 250, 295)],
                                                        columns=KRIPP_2004.columns)])
    base = unitizing_alpha(KRIPP_2004, (150, 450))["alpha"]
    assert np.allclose(unitizing_alpha(split, (150, 450))["alpha"], base)
    shifted = KRIPP_2004.assign(start=KRIPP_2004["start"] + 1000, end=KRIPP_2004["end"] + 1000)
    assert np.allclose(unitizing_alpha(shifted, (1150, 1450))["alpha"], base)
    # identical unitizing: alpha 1; a third coder equal to i raises agreement on c
    same = KRIPP_2004[KRIPP_2004["coder"] == "i"]
    assert unitizing_alpha(pd.concat([same, same.assign(coder="j")]), (150, 450))[
        "alpha"].iloc[-1] == 1.0
    three = pd.concat([KRIPP_2004, same.assign(coder="h")])
    assert unitizing_alpha(three, (150, 450))["alpha"].iloc[0] > base.iloc[0]
    with pytest.raises(ValueError, match="not inside"):
        unitizing_alpha(KRIPP_2004, (200, 450))
    with pytest.raises(ValueError, match="two or more coders"):
        unitizing_alpha(same, (150, 450))
    with pytest.raises(ValueError, match="continuum is empty"):
        unitizing_alpha(KRIPP_2004.iloc[:0], (5, 5))


def test_compare_unitizing_reproduces_the_published_example():
    # the continuum [150, 450) as one document of 300 characters (offsets minus 150)
    corp = Corpus.from_texts({"doc": "P1: " + "a" * 296})
    cod = KRIPP_2004.assign(document="doc", start=KRIPP_2004["start"] - 150,
                            end=KRIPP_2004["end"] - 150).rename(
        columns={"category": "code"})[["document", "start", "end", "code", "coder"]]
    t = compare(corp, cod, "unitizing")
    assert round(row(t, "c")["alpha"], 4) == 0.7286
    assert round(row(t, "k")["alpha"], 4) == 1.0
    assert round(row(t, "(all codes)")["alpha"], 3) == 0.859
    assert row(t, "c")["n_units"] == 5 and row(t, "c")["n_coded"] == 300
    assert np.isnan(row(t, "c")["cohen_kappa"])


# -- NVivo's coding comparison ----------------------------------------------------------------
# NVivo help, "Run a Coding Comparison query" (NVivo 10/11/12 help, "How is the percentage
# agreement calculated?"): a source of 1000 characters, 50 coded by both users, 150 by only one,
# 800 by neither: percentage agreement (800 + 50) / 1000 = 85%. Kappa as the same page defines
# it: EF = (a * b + (TU - a)(TU - b)) / TU, K = (TA - EF) / (TU - EF); with user A on [0, 125) and
# user B on [75, 200): EF = (125 * 125 + 875 * 875) / 1000 = 781.25, K = 68.75 / 218.75.
# Averages over sources: weighted by source size, as the page's "How can I calculate an average
# Kappa coefficient ... across multiple sources" advises.


@pytest.fixture(scope="module")
def nvivo_corpus():
    return Corpus.from_texts({"src": "P1: " + "a" * 996, "quiet": "P2: " + "b" * 496})


def test_nvivo_documented_example(nvivo_corpus):
    cod = codings([("src", 0, 125, "x", "A"), ("src", 75, 200, "x", "B")])
    t = compare(nvivo_corpus, cod, "nvivo", by=("document",))
    src = row(t, "x", "src")
    assert round(src["percent_agreement"], 2) == 0.85
    assert src["cohen_kappa"] == pytest.approx(68.75 / 218.75, abs=1e-12)
    assert (src["n_units"], src["n_coded"]) == (1000, 200)
    # the source nobody coded counts: full agreement, kappa 1 (NVivo's 0/0 reading)
    quiet = row(t, "x", "quiet")
    assert quiet["percent_agreement"] == 1.0 and quiet["cohen_kappa"] == 1.0
    overall = row(t, "x")
    assert overall["percent_agreement"] == pytest.approx((0.85 * 1000 + 500) / 1500)
    assert overall["cohen_kappa"] == pytest.approx((68.75 / 218.75 * 1000 + 500) / 1500)
    assert overall["n_units"] == 1500


def test_nvivo_differs_from_character_level(corpus):
    # character level: codable characters only (130), one pooled kappa; NVivo: every character
    # of each document (interviewer turns included), kappa per document, size-weighted average
    nv = row(compare(corpus, ONE, "nvivo"), "x")
    ch = row(compare(corpus, ONE, "character", n_boot=0), "x")
    assert nv["n_units"] == len(corpus.text("d1")) + len(corpus.text("d2"))
    assert ch["n_units"] == 130
    assert nv["percent_agreement"] != pytest.approx(ch["percent_agreement"])
    # a coder's overlapping spans count once
    dup = pd.concat([ONE, ONE[ONE["coder"] == "alice"]])
    assert row(compare(corpus, dup, "nvivo"), "x")["cohen_kappa"] == pytest.approx(
        nv["cohen_kappa"])


# -- MAXQDA's segment base and what the counts mean ---------------------------------------------


def test_overlap_segments_base_counts_every_segment_of_both_coders(corpus):
    seg = compare(corpus, ONE, "overlap", overlap_base="segments")
    # x: alice S1 (matched), S2 (not); bob S1 (matched), S3 (not): 2 of 4 segments agree,
    # where the one-to-one pairs base gives 1 pair / (1 pair + 2 unmatched) = 1/3.
    assert row(seg, "x")["percent_agreement"] == 0.5 and row(seg, "x")["n_units"] == 4
    assert row(seg, "y")["percent_agreement"] == 0
    assert row(seg, "(all codes)")["percent_agreement"] == pytest.approx(2 / 7)
    # one long span matching two short ones counts once per side, not one to one
    many = codings([("d1", 106, 141, "x", "alice"), ("d1", 106, 141, "x", "bob"),
                    ("d1", 107, 141, "x", "bob")])
    assert row(compare(corpus, many, "overlap", overlap_base="segments"), "x")[
        "percent_agreement"] == 1.0
    assert row(compare(corpus, many, "overlap"), "x")["percent_agreement"] == 0.5
    with pytest.raises(ValueError, match="overlap_base"):
        compare(corpus, ONE, "overlap", overlap_base="both")


def test_n_coded_never_exceeds_n_units(corpus):
    for unit in ("segment", "character"):
        t = compare(corpus, TWO, unit, n_boot=0)
        assert (t["n_coded"] <= t["n_units"]).all()
    # strategy.a: alice also coded S4 in d2, which bob did not cover: not compared, not counted
    assert row(compare(corpus, TWO, "segment", n_boot=0), "strategy.a")["n_coded"] == 2
