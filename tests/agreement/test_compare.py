"""From codings to units: two hand-checked fixtures at segment, character and overlap level."""
import numpy as np
import pandas as pd
import pytest

from qualcode.agreement import compare, disagreements, krippendorff_alpha, reliability_data
from qualcode.corpus import Corpus
from qualcode.errors import CodingsError

T1 = ("Interviewer: How do you work with influencers?\nP1: We pay them for posts.\n"
      "Interviewer: Anything else?\nP1: Our engineers write expert content.\n"
      "P1: And customers tell their stories.\n")
T2 = "Interviewer: Goals?\nP2: Mostly sales leads.\nP2: Some brand awareness.\n"
# Codable segments (interviewer turns excluded), end exclusive:
#   S1 d1[51, 73)  "We pay them for posts."                 22 chars
#   S2 d1[106, 141) "Our engineers write expert content."   35 chars
#   S3 d1[146, 179) "And customers tell their stories."     33 chars
#   S4 d2[24, 43)  "Mostly sales leads."                    19 chars
#   S5 d2[48, 69)  "Some brand awareness."                  21 chars      total 130 chars


@pytest.fixture(scope="module")
def corpus():
    return Corpus.from_texts({"d1": T1, "d2": T2})


def codings(rows):
    return pd.DataFrame(rows, columns=["document", "start", "end", "code", "coder"])


# Fixture 1: both coders cover both documents.
ONE = codings([
    ("d1", 51, 73, "x", "alice"), ("d1", 106, 141, "x", "alice"), ("d2", 24, 43, "y", "alice"),
    ("d1", 51, 73, "x", "bob"), ("d1", 146, 179, "x", "bob"), ("d2", 24, 35, "y", "bob"),
    ("d2", 48, 69, "y", "bob"),
])
# Fixture 2: bob codes only d1 (missing on d2); codes of group "strategy" are exclusive.
TWO = codings([
    ("d1", 51, 73, "strategy.a", "alice"), ("d1", 106, 141, "strategy.b", "alice"),
    ("d2", 24, 43, "strategy.a", "alice"),
    ("d1", 51, 60, "strategy.a", "bob"), ("d1", 106, 141, "strategy.a", "bob"),
    ("d1", 146, 179, "strategy.b", "bob"),
])


def row(table, code, document="(all)"):
    hit = table[(table["code"] == code) & (table["document"] == document)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_fixture_one_segment(corpus):
    t = compare(corpus, ONE, "segment", n_boot=0)
    assert list(t["code"]) == ["x", "y", "(all codes)"]
    x = row(t, "x")
    # x: alice 1,1,0,0,0 / bob 1,0,1,0,0 over S1..S5. Agree on S1, S4, S5: 3/5.
    # Cohen: p1(alice) = p1(bob) = 2/5, p_e = .16 + .36 = .52, kappa = (.6 - .52)/.48 = 1/6.
    # alpha: o11 = 2, o00 = 4, o01 = o10 = 2, n1 = 4, n0 = 6, n = 10:
    #   1 - 9 * 4 / (2 * 4 * 6) = 0.25.
    # AC1: pi1 = (1 + .5 + .5 + 0 + 0)/5 = .4, p_e = 2 * .4 * .6 = .48, (.6 - .48)/.52 = 3/13.
    # BP: (.6 - .5)/.5 = .2
    assert (x["n_units"], x["n_coded"]) == (5, 3)
    assert x["percent_agreement"] == pytest.approx(0.6)
    assert x["cohen_kappa"] == pytest.approx(1 / 6)
    assert x["alpha"] == pytest.approx(0.25)
    assert x["gwet_ac1"] == pytest.approx(3 / 13)
    assert x["brennan_prediger"] == pytest.approx(0.2)
    assert np.isnan(x["fleiss_kappa"])  # two coders: Cohen's kappa, not Fleiss'
    y = row(t, "y")
    # y: alice 0,0,0,1,0 / bob 0,0,0,1,1 (bob's 24-35 overlaps S4). Agree 4/5.
    # Cohen: p1 = .2 / .4, p_e = .08 + .48 = .56, kappa = .24/.44 = 6/11.
    # alpha: o11 = 2, o01 = o10 = 1, o00 = 6, n1 = 3, n0 = 7: 1 - 9 * 2 / (2 * 3 * 7) = 4/7.
    assert y["percent_agreement"] == pytest.approx(0.8)
    assert y["cohen_kappa"] == pytest.approx(6 / 11)
    assert y["alpha"] == pytest.approx(4 / 7)
    pooled = row(t, "(all codes)")
    # 10 code x segment units: (1,1) 2, (1,0) 1, (0,1) 2, (0,0) 5. Agree 7/10.
    # Cohen: p1 = .3 / .4, p_e = .12 + .42 = .54, kappa = .16/.46 = 8/23.
    # alpha: o11 = 4, o01 = o10 = 3, o00 = 10, n1 = 7, n0 = 13, n = 20: 1 - 19*6/(2*7*13) = 34/91.
    assert pooled["n_units"] == 10
    assert pooled["percent_agreement"] == pytest.approx(0.7)
    assert pooled["cohen_kappa"] == pytest.approx(8 / 23)
    assert pooled["alpha"] == pytest.approx(34 / 91)


def test_fixture_one_character(corpus):
    t = compare(corpus, ONE, "character", n_boot=0)
    x = row(t, "x")
    # x over 130 chars: both 22 (S1), alice only 35 (S2), bob only 33 (S3), neither 40.
    # p_o = 62/130; p_e = (57 * 55 + 73 * 75)/130^2 = 8610/16900; kappa = (8060 - 8610)/(16900 - 8610)
    assert x["n_units"] == 130 and x["n_coded"] == 90
    assert x["percent_agreement"] == pytest.approx(62 / 130)
    assert x["cohen_kappa"] == pytest.approx(-550 / 8290)
    y = row(t, "y")
    # y: both 11 (24-35), alice only 8 (35-43), bob only 21 (S5), neither 90. p_o = 101/130;
    # p_e = (19 * 32 + 111 * 98)/16900 = 11486/16900; kappa = (13130 - 11486)/(16900 - 11486).
    assert y["percent_agreement"] == pytest.approx(101 / 130)
    assert y["cohen_kappa"] == pytest.approx(1644 / 5414)


def test_fixture_one_overlap(corpus):
    t = compare(corpus, ONE, "overlap")
    # x: S1 spans identical (match); alice's S2 and bob's S3 unmatched: 1/(1 + 2).
    # y: bob's 24-35 shares 11 of alice's 19 chars (.58 < .9): no match; 0/(0 + 3).
    assert row(t, "x")["percent_agreement"] == pytest.approx(1 / 3)
    assert row(t, "y")["percent_agreement"] == 0
    assert row(t, "(all codes)")["percent_agreement"] == pytest.approx(1 / 6)
    assert row(t, "x")["n_units"] == 3
    assert np.isnan(row(t, "x")["cohen_kappa"]) and "not defined" in row(t, "x")["note"]
    # at 50% the y spans match (11/19 = .58): 1/(1 + 1)
    assert row(compare(corpus, ONE, "overlap", threshold=0.5), "y")["percent_agreement"] == 0.5


def test_fixture_one_disagreements(corpus):
    seg = disagreements(corpus, ONE, "segment")
    assert seg[["document", "start", "end", "code", "alice", "bob"]].values.tolist() == [
        ["d1", 106, 141, "x", 1, 0], ["d1", 146, 179, "x", 0, 1], ["d2", 48, 69, "y", 0, 1]]
    assert seg["text"].iloc[0] == "Our engineers write expert content."
    char = disagreements(corpus, ONE, "character")
    assert char[["start", "end", "code", "text"]].values.tolist() == [
        [106, 141, "x", "Our engineers write expert content."],
        [146, 179, "x", "And customers tell their stories."],
        [35, 43, "y", "s leads."], [48, 69, "y", "Some brand awareness."]]
    spans = disagreements(corpus, ONE, "overlap")
    assert len(spans) == 5 and set(spans["code"]) == {"x", "y"}


def test_fixture_two_missing_coverage(corpus):
    t = compare(corpus, TWO, "segment", n_boot=0)
    a = row(t, "strategy.a")
    # alice 1,0,0,1,0; bob 1,1,0,-,- (bob coded nothing in d2: missing there, not 0).
    # Pairable units S1..S3: agree on S1, S3 -> 2/3. Cohen on S1..S3: p1 = 1/3 and 2/3,
    # p_e = 2/9 + 2/9 = 4/9, kappa = (6/9 - 4/9)/(5/9) = .4.
    # alpha: o11 = 2, o01 = o10 = 1, o00 = 2, n = 6: 1 - 5 * 2 / (2 * 3 * 3) = 4/9.
    # AC1 (all 5 rated units): pi1 = (1 + .5 + 0 + 1 + 0)/5 = .5, p_e = .5, (2/3 - .5)/.5 = 1/3.
    assert a["n_units"] == 3
    assert a["percent_agreement"] == pytest.approx(2 / 3)
    assert a["cohen_kappa"] == pytest.approx(0.4)
    assert a["alpha"] == pytest.approx(4 / 9)
    assert a["gwet_ac1"] == pytest.approx(1 / 3)


def test_fixture_two_group(corpus):
    t = compare(corpus, TWO, "segment", group="strategy", n_boot=0)
    assert list(t["code"]) == ["strategy"]
    g = t.iloc[0]
    # S1 (a, a), S2 (b, a), S3 ((none), b); S4, S5 bob missing. Agree 1/3.
    # Cohen over (none), a, b: alice 1/1/1, bob 0/2/1 -> p_e = (0 + 2 + 1)/9 = 1/3, kappa = 0.
    # alpha: o_aa = 2, o_ab = o_ba = 1, o_nb = o_bn = 1; n_a = 3, n_b = 2, n_none = 1, n = 6;
    #   sum n_c n_k d = 2 * (6 + 3 + 2) = 22 -> 1 - 5 * 4 / 22 = 1/11.
    assert g["percent_agreement"] == pytest.approx(1 / 3)
    assert g["cohen_kappa"] == pytest.approx(0, abs=1e-12)
    assert g["alpha"] == pytest.approx(1 / 11)
    dis = disagreements(corpus, TWO, "segment", group="strategy")
    assert dis[["start", "alice", "bob"]].values.tolist() == [
        [106, "strategy.b", "strategy.a"], [146, "(none)", "strategy.b"]]


def test_fixture_two_character_and_overlap(corpus):
    t = compare(corpus, TWO, "character", n_boot=0)
    a = row(t, "strategy.a")
    # d1 only (90 chars): both 9 (51-60), alice only 13, bob only 35 (S2), neither 33.
    # p_o = 42/90; p_e = (22 * 44 + 68 * 46)/8100 = 4096/8100; kappa = (3780 - 4096)/(8100 - 4096)
    assert a["n_units"] == 90
    assert a["percent_agreement"] == pytest.approx(42 / 90)
    assert a["cohen_kappa"] == pytest.approx(-316 / 4004)
    o = compare(corpus, TWO, "overlap")
    # shared document d1 only: a: alice [51,73) vs bob [51,60) is 9/22 < .9 -> 0 of 3 spans;
    # alice's d2 span is not on shared material and does not count.
    assert (row(o, "strategy.a")["percent_agreement"], row(o, "strategy.a")["n_units"]) == (0, 3)


def test_by_document_and_pairs(corpus):
    three = pd.concat([ONE, ONE[ONE["coder"] == "alice"].assign(coder="carol")])
    t = compare(corpus, three, "segment", by=("pair", "document"), n_boot=0)
    assert set(t["coders"]) == {"alice, bob, carol", "alice, bob", "alice, carol", "bob, carol"}
    pair = t[(t["coders"] == "alice, carol") & (t["code"] == "x")].iloc[0]
    assert pair["percent_agreement"] == 1.0 and np.isnan(pair["fleiss_kappa"])
    full = row(t[t["coders"] == "alice, bob, carol"], "x")
    assert not np.isnan(full["fleiss_kappa"]) and np.isnan(full["cohen_kappa"])
    d1 = t[(t["document"] == "d1") & (t["code"] == "x")].iloc[0]
    assert d1["n_units"] == 3


def test_bootstrap_interval_is_reproducible(corpus):
    a = compare(corpus, ONE, "segment", n_boot=300, seed=3)
    b = compare(corpus, ONE, "segment", n_boot=300, seed=3)
    pd.testing.assert_frame_equal(a, b)
    x = row(a, "(all codes)")
    assert x["alpha_low"] <= x["alpha"] <= x["alpha_high"]
    c = compare(corpus, ONE, "character", n_boot=200, seed=3)
    assert row(c, "x")["cohen_kappa_low"] <= row(c, "x")["cohen_kappa_high"]


def test_reliability_data_feeds_the_metrics(corpus):
    data = reliability_data(corpus, TWO, "strategy.a")
    assert data.loc["bob"].isna().sum() == 2
    assert krippendorff_alpha(data) == pytest.approx(4 / 9)


@pytest.mark.parametrize("rows,message", [
    ([("d1", 51, 73, "x", "alice")], "at least two coders; found only 'alice'"),
    ([("d1", 51, 73, "x", "alice"), ("d2", 24, 43, "x", "bob")], "no document in common with the other coders"),
    ([("d1", 51, 73, "x", "alice"), ("d9", 1, 2, "x", "bob")], "unknown document 'd9' \\(not among"),
    ([("d1", 51, 73, "x", "alice"), ("d1", 170, 999, "x", "bob")], "outside document 'd1'"),
])
def test_errors(corpus, rows, message):
    with pytest.raises(CodingsError, match=message):
        compare(corpus, codings(rows))


def test_group_codes_must_exclude_each_other(corpus):
    bad = pd.concat([TWO, codings([("d1", 51, 73, "strategy.b", "alice")])])
    with pytest.raises(CodingsError, match="two codes of the group"):
        compare(corpus, bad, group="strategy")


def test_character_level_equals_brute_force_per_character(corpus):
    from qualcode.agreement import cohen_kappa, percent_agreement

    rng = np.random.default_rng(5)
    seg = corpus.segments[~corpus.segments["is_interviewer"]]
    rows = []
    for coder in ("alice", "bob"):
        for _ in range(12):
            doc = str(rng.choice(["d1", "d2"]))
            n = len(corpus.text(doc))
            s = int(rng.integers(0, n - 1))
            rows.append((doc, s, int(rng.integers(s + 1, min(n, s + 60) + 1)),
                         str(rng.choice(["x", "y"])), coder))
    cod = codings(rows)
    table = compare(corpus, cod, "character", n_boot=0)
    for code in ("x", "y"):
        data = []
        for coder in ("alice", "bob"):
            values = []
            mine = cod[(cod["coder"] == coder) & (cod["code"] == code)]
            covered = set(cod.loc[cod["coder"] == coder, "document"])
            for r in seg.itertuples():
                for ch in range(r.start, r.end):
                    hit = ((mine["document"] == r.document) & (mine["start"] <= ch)
                           & (mine["end"] > ch)).any()
                    values.append(int(hit) if r.document in covered else None)
            data.append(values)
        got = row(table, code)
        assert got["percent_agreement"] == pytest.approx(percent_agreement(data, categories=[0, 1]))
        expected = krippendorff_alpha(data, categories=[0, 1])
        assert got["alpha"] == pytest.approx(expected) or (np.isnan(got["alpha"])
                                                           and np.isnan(expected))
        kappa = cohen_kappa(data, categories=[0, 1])
        assert got["cohen_kappa"] == pytest.approx(kappa) or np.isnan(kappa)


def test_pairs_without_a_shared_document_get_no_row():
    """C1 coded both interviews, C2 only x and C3 only y (the papers' design): C2-C3 share nothing."""
    import pandas as pd

    import qualcode as qc
    from qualcode import agreement as ag

    corpus = qc.Corpus.from_texts({"x": "Interviewer: q\nP: one\nInterviewer: q\nP: two",
                                   "y": "Interviewer: q\nR: three\nInterviewer: q\nR: four"})
    seg = corpus.codable_segments().reset_index(drop=True)
    rows = [(seg.document[i], seg.start[i], seg.end[i], "a", coder)
            for i, coder in [(0, "C1"), (0, "C2"), (2, "C1"), (3, "C3")]]
    codings = pd.DataFrame(rows, columns=["document", "start", "end", "code", "coder"])
    table = ag.compare(corpus, codings, by=("pair",), n_boot=0)
    assert sorted(set(table["coders"])) == ["C1, C2", "C1, C2, C3", "C1, C3"]
    c13 = table[(table["coders"] == "C1, C3") & (table["code"] == "a")].iloc[0]
    # on y: segment 1 coded by C1 only, segment 2 by C3 only -> agreement 0 of 2
    assert c13["n_units"] == 2 and c13["percent_agreement"] == 0.0
