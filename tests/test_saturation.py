"""Saturation (Guest, Namey & Chen 2020) on constructed cases with known answers.

The paper's own worked example could not be checked: its full text (and so its example's
per-interview counts) is not available offline here, and no numbers are made up for it. The rule
is checked instead on cases whose answers follow from the rule by hand."""
from __future__ import annotations

import pytest
from methods_projects import interviews, make_project

from qualcode.saturation import (SaturationError, assess, codes_by_interview, curve,
                                 interview_order, project_saturation, public, sentence)


def sets(*codes: str) -> list[set]:
    """'ab', 'c', '' -> [{'a', 'b'}, {'c'}, set()]"""
    return [set(c) for c in codes]


def test_reached_in_the_first_run():
    # base: 4 interviews with 20 codes; the first run (5-6) adds 1 (5% of 20, which is <= 5%)
    base = ["abcde", "fghij", "klmno", "pqrst"]
    r = assess(sets(*base, "aU", "b", "c"), base=4, run=2, threshold=0.05)
    assert r["base_codes"] == 20
    assert r["runs"][0] == {"start": 5, "end": 6, "new": 1, "ratio": 0.05}
    assert r["reached"] and r["at"] == 4
    assert sentence(r) == ("Saturation was reached at 4 interviews (base size 4, run length 2, "
                           "new-information threshold ≤ 5%).")


def test_reached_late():
    # base 10 codes; runs 5-6 and 6-7 add 2 new each (20%); run 7-8 adds nothing new
    base = ["abc", "def", "gh", "ij"]
    r = assess(sets(*base, "k", "l", "m", "a", "b"), base=4, run=2, threshold=0.05)
    assert [(x["start"], x["end"], x["new"]) for x in r["runs"]] == [(5, 6, 2), (6, 7, 2),
                                                                     (7, 8, 1), (8, 9, 0)]
    assert [x["ratio"] for x in r["runs"]] == [0.2, 0.2, 0.1, 0.0]
    assert r["reached"] and r["at"] == 7
    assert r["new_codes"][:3] == [["k", "l"], ["l", "m"], ["m"]]


def test_never_reached_reports_the_last_run():
    base = ["ab", "cd", "ef", "gh"]  # 8 codes
    r = assess(sets(*base, "i", "j", "k", "l"), base=4, run=2, threshold=0.1)
    assert not r["reached"] and r["at"] is None
    assert [x["new"] for x in r["runs"]] == [2, 2, 2]
    assert r["runs"][-1] == {"start": 7, "end": 8, "new": 2, "ratio": 0.25}
    assert sentence(r) == ("Saturation was not reached within 8 interviews (base size 4, run "
                           "length 2, new-information threshold ≤ 10%): the last run, interviews "
                           "7–8, added 2 new codes (25% of the 8 base codes).")


def test_run_length_three_and_a_different_base():
    # base 3 interviews (6 codes); runs of 3: 4-6 adds 'g' (1/6 > 0.1), 5-7 adds 'g' too,
    # 6-8 adds nothing seen before 6: 'g' first appeared in interview 6 -> new, ratio 1/6
    r = assess(sets("ab", "cd", "ef", "a", "b", "g", "c", "d"), base=3, run=3, threshold=0.1)
    assert [(x["start"], x["new"]) for x in r["runs"]] == [(4, 1), (5, 1), (6, 1)]
    assert not r["reached"]
    r = assess(sets("ab", "cd", "ef", "a", "b", "g", "c", "d"), base=3, run=3, threshold=0.2)
    assert r["reached"] and r["at"] == 3


def test_too_few_interviews_is_a_clear_message():
    with pytest.raises(SaturationError) as err:
        assess(sets("ab", "c", "d", "e", "f"), base=4, run=2)
    assert str(err.value) == ("saturation needs at least base size + run length = 4 + 2 = 6 "
                              "interviews; there are 5: code more interviews, or choose a smaller "
                              "--base or --run")
    with pytest.raises(SaturationError, match="no codes"):
        assess(sets("", "", "a", "b"), base=2, run=1)


def test_the_curve():
    assert curve(sets("ab", "bc", "", "ad")) == [
        {"interview": 1, "new": 2, "cumulative": 2}, {"interview": 2, "new": 1, "cumulative": 3},
        {"interview": 3, "new": 0, "cumulative": 3}, {"interview": 4, "new": 1, "cumulative": 4}]


def test_a_project_ordered_by_a_case_attribute_with_chosen_coders_and_categories(tmp_path):
    lists = [["x.a", "x.b"], ["x.c", "y.d"], ["y.e"], ["x.f"], ["z.g"], ["x.a"], ["y.d"]]
    # dates put the interview with the new category z.g last
    dates = ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-02-01", "2024-01-05",
             "2024-01-06"]
    ivs = interviews(lists, dates=dates)
    ivs[0]["codes"]["OTHER"] = ["z.h"]  # another coder's code in the first interview
    ivs.append({"name": "i08", "codes": {}, "date": "2023-12-31"})  # not coded by anyone
    with make_project(tmp_path / "p", ivs) as p:
        assert interview_order(p.corpus)[:2] == ["i01", "i02"]
        order = interview_order(p.corpus, "date")
        assert order == ["i08", "i01", "i02", "i03", "i04", "i06", "i07", "i05"]
        r = project_saturation(p, order="date", coders=["ME"], base=4, run=2, threshold=0.05)
        assert r["order"] == ["i01", "i02", "i03", "i04", "i06", "i07", "i05"]
        assert r["uncoded"] == ["i08"]
        assert r["base_codes"] == 6  # x.a x.b x.c y.d y.e x.f
        assert [(x["start"], x["new"]) for x in r["runs"]] == [(5, 0), (6, 1)]
        assert r["reached"] and r["at"] == 4
        assert [c["cumulative"] for c in r["curve"]] == [2, 4, 5, 6, 6, 6, 7]
        assert r["curve"][-1]["document"] == "i05"
        # at category level: x, y in the base; z appears last
        r = project_saturation(p, order="date", coders=["ME"], level="category", base=4, run=2,
                               threshold=0.05)
        assert r["base_codes"] == 2 and [x["new"] for x in r["runs"]] == [0, 1]
        assert list(public(r)) == ["reached", "at", "base_size", "run_length", "threshold",
                                   "base_codes", "runs", "order"]
        # every human coder: OTHER's z.h is in the base
        r = project_saturation(p, order="date", base=4, run=2)
        assert r["coders"] == ["ME", "OTHER"] and r["base_codes"] == 7
        assert [x["new"] for x in r["runs"]] == [0, 1]  # z.g is new, z.h was not
        with pytest.raises(SaturationError, match="no human codings by coder 'NOBODY'"):
            project_saturation(p, coders=["NOBODY"])
        with pytest.raises(SaturationError, match=r"no case attribute 'when' .*attributes: date"):
            project_saturation(p, order="when")
        with pytest.raises(SaturationError, match="needs at least base size"):
            project_saturation(p, base=6, run=2)


def test_codes_by_interview_levels():
    import pandas as pd

    df = pd.DataFrame({"document": ["a", "a", "b"], "code": ["x.p", "x.q", "y.r"]})
    assert codes_by_interview(df, ["b", "a"]) == [{"y.r"}, {"x.p", "x.q"}]
    assert codes_by_interview(df, ["a", "b"], level="category") == [{"x"}, {"y"}]
    with pytest.raises(SaturationError, match="level must be"):
        codes_by_interview(df, ["a"], level="theme")
