"""Cross-case matrices on a hand-made corpus whose expected tables are worked out by hand."""
from __future__ import annotations

import pandas as pd
import pytest

import qualcode as qc
from qualcode import matrix

TEXTS = {
    # codable segments (speaker not Interviewer): a#2, a#4, a#5 / b#2, b#4 / c#2
    "a": "Interviewer: q\nAnna: we record podcasts\nInterviewer: q2\nAnna: customer references\nAnna: webinars too",
    "b": "Interviewer: q\nBen: case studies\nInterviewer: x\nBen: testimonials",
    "c": "Interviewer: q\nCy: we listen on social media",
}

CB = qc.Codebook.from_dict({"codes": [
    {"id": "strategy", "name": "Strategies", "children": [
        {"id": "strategy.content_based", "name": "Content", "properties": {"associated_firms": ["A", "C*"]}},
        {"id": "strategy.reference_based", "name": "Reference", "properties": {"associated_firms": ["B", "C*"]}},
        {"id": "strategy.interaction_based", "name": "Interaction",
         "children": [{"id": "strategy.interaction_based.listening", "name": "Listening"}]},
    ]},
    {"id": "goal", "name": "Goals", "children": [{"id": "goal.sales", "name": "Sales"}]},
]})


@pytest.fixture()
def corpus():
    return qc.Corpus.from_texts(TEXTS, cases={"a": "A", "b": "B", "c": "C"})


def span(corpus, doc, seg):
    row = corpus.segments[(corpus.segments.document == doc) & (corpus.segments.segment == seg)].iloc[0]
    return doc, int(row.start), int(row.end)


@pytest.fixture()
def codings(corpus):
    rows = [
        (*span(corpus, "a", 2), "strategy.content_based", "C1"),
        (*span(corpus, "a", 5), "strategy.content_based", "C1"),
        (*span(corpus, "a", 5), "strategy.content_based", "C2"),   # same segment, second coder
        (*span(corpus, "a", 4), "strategy.reference_based", "C1"),
        (*span(corpus, "a", 4), "goal.sales", "C1"),
        (*span(corpus, "b", 2), "strategy.reference_based", "C1"),
        (*span(corpus, "b", 4), "strategy.reference_based", "C1"),
        (*span(corpus, "c", 2), "strategy.interaction_based.listening", "C2"),
    ]
    return pd.DataFrame(rows, columns=["document", "start", "end", "code", "coder"])


def test_case_by_code_counts_segments_once(corpus, codings):
    t = matrix.case_by_code(corpus, codings)
    # a: content on #2 and #5 (#5 by two coders counts once) = 2; reference #4 = 1; sales #4 = 1
    assert t.loc["A"].to_dict() == {"goal.sales": 1, "strategy.content_based": 2,
                                    "strategy.interaction_based.listening": 0,
                                    "strategy.reference_based": 1}
    assert t.loc["B", "strategy.reference_based"] == 2
    assert list(t.index) == ["A", "B", "C"]
    only_c2 = matrix.case_by_code(corpus, codings, coder="C2", value="presence")
    assert only_c2.to_dict() == {"strategy.content_based": {"A": 1, "B": 0, "C": 0},
                                 "strategy.interaction_based.listening": {"A": 0, "B": 0, "C": 1}}


def test_rollup_by_depth(corpus, codings):
    t = matrix.case_by_code(corpus, codings, codebook=CB, depth=0)
    # A: strategy on #2, #4, #5 = 3 segments; goal on #4 = 1
    assert t.loc["A"].to_dict() == {"goal": 1, "strategy": 3}
    assert t.loc["C"].to_dict() == {"goal": 0, "strategy": 1}


def test_strategy_by_case_threshold_and_hybrids(corpus, codings):
    sm = matrix.strategy_by_case(corpus, codings, CB, min_segments=1)
    # A: content 2, reference 1 -> both shown -> hybrid; B: reference 2; C: interaction (child) 1
    assert sm.counts.loc["A"].tolist() == [2, 1, 0]
    assert sm.counts.loc["C", "strategy.interaction_based"] == 1
    assert sm.hybrid.to_dict() == {"A": True, "B": False, "C": False}
    assert sm.associated == {"strategy.content_based": ["A*"],
                             "strategy.reference_based": ["B", "A*"],
                             "strategy.interaction_based": ["C"]}
    assert sm.associated_row().iloc[0].tolist() == ["A*", "B A*", "C"]
    strict = matrix.strategy_by_case(corpus, codings, CB, min_segments=2)
    # only A-content (2) and B-reference (2) reach two segments: no hybrid left
    assert strict.associated == {"strategy.content_based": ["A"], "strategy.reference_based": ["B"],
                                 "strategy.interaction_based": []}
    share = matrix.strategy_by_case(corpus, codings, CB, min_segments=1, min_share=0.5)
    # A: content 2/3 = .67 passes, reference 1/3 = .33 fails
    assert share.associated["strategy.reference_based"] == ["B"]


def test_strategy_compare_with_published(corpus, codings):
    sm = matrix.strategy_by_case(corpus, codings, CB, min_segments=1)
    cmp = sm.compare().set_index(["strategy", "case"])
    # published content: A (plain), C*; derived: A*  -> A differs (hybrid mark), C missing
    assert cmp.loc[("strategy.content_based", "A")].tolist()[:3] == ["yes", "yes*", False]
    assert cmp.loc[("strategy.content_based", "C")].tolist()[:3] == ["yes*", "no", False]
    assert cmp.loc[("strategy.reference_based", "B")].tolist()[:3] == ["yes", "yes", True]
    # interaction_based has no published list in this codebook: not compared
    assert "strategy.interaction_based" not in cmp.index.get_level_values(0)


def test_where_filters_cases(corpus, codings):
    sm = matrix.strategy_by_case(corpus, codings, CB, min_segments=1, cases=["A", "B"])
    assert list(sm.counts.index) == ["A", "B"]


def test_cooccurrence(corpus, codings):
    co = matrix.cooccurrence(corpus, codings)
    # a#4 carries reference and sales
    assert co.loc["goal.sales", "strategy.reference_based"] == 1
    assert co.loc["strategy.reference_based", "strategy.reference_based"] == 3
    assert co.loc["strategy.content_based", "goal.sales"] == 0


def test_code_by_attribute(corpus, codings):
    corpus.cases["size"] = ["small", "large", "small"]
    t = matrix.code_by_attribute(corpus, codings, "size", codes=["strategy.content_based",
                                                                 "strategy.reference_based"])
    assert t.to_dict() == {"n_cases": {"large": 1, "small": 2},
                           "strategy.content_based": {"large": 0, "small": 1},
                           "strategy.reference_based": {"large": 1, "small": 1}}
    with pytest.raises(qc.CodingsError, match="no case attribute 'industry'"):
        matrix.code_by_attribute(corpus, codings, "industry")


def test_framework_quotes(corpus, codings):
    fw = matrix.framework(corpus, codings, codes=["strategy.content_based"], max_quotes=1)
    assert fw.loc["A", "strategy.content_based"] == "“we record podcasts” [a #2]\n(+1 more)"
    assert fw.loc["B", "strategy.content_based"] == ""


def test_themes_without_a_root_take_the_categories_or_top_level_codes():
    import pandas as pd

    import qualcode as qc
    from qualcode import matrix

    corpus = qc.Corpus.from_texts({"d": "A: one thing\nB: two things\nA: three\nB: four\n"})
    cb = qc.Codebook.from_dict({"codes": [
        {"id": "x", "name": "X", "children": [{"id": "x.a", "name": "XA"}]},
        {"id": "y", "name": "Y"}]})
    seg = corpus.segments
    codings = pd.DataFrame({"document": "d", "start": seg["start"][:2], "end": seg["end"][:2],
                            "code": ["x.a", "y"], "coder": "ME"})
    table = matrix.themes(corpus, codings, cb, None)
    assert table[["group", "theme", "segments"]].values.tolist() == [["x", "x.a", 1], ["y", "y", 1]]
    assert table["quotes"].iloc[0][0][0] == "one thing"


def test_a_quote_is_the_coded_spans_of_its_turn_only():
    """Two coded passages in one turn: the quote joins them with an ellipsis and leaves out the
    uncoded words between them (a 'Role' quote ran from one passage to the end of the other)."""
    import qualcode as qc

    text = "Interviewer: q\nAnn: We pay them. UNCODED MIDDLE WORDS. They post for us."
    corpus = qc.Corpus.from_texts({"a": text})
    first = text.index("We pay them.")
    second = text.index("They post for us.")
    codings = pd.DataFrame({"document": "a", "start": [first, second],
                            "end": [first + len("We pay them."), second + len("They post for us.")],
                            "code": "x", "coder": "C1"})
    cs = matrix.coded_segments(corpus, codings)
    assert cs["quote"].tolist() == ["We pay them. … They post for us."]
    overlapping = pd.concat([codings, codings.assign(coder="C2", start=codings["start"] + 3)])
    assert matrix.coded_segments(corpus, overlapping)["quote"].tolist() == \
        ["We pay them. … They post for us."]


def test_strategy_matrix_of_a_coder_who_coded_no_strategy_is_empty_not_an_error():
    import qualcode as qc

    corpus = qc.Corpus.from_texts({"a": "Interviewer: q\nAnn: we sell to firms"})
    cb = qc.Codebook.from_dict({"codes": [{"id": "goal", "name": "Goal"},
                                          {"id": "strategy", "name": "S", "children": [
                                              {"id": "strategy.a", "name": "A"}]}]})
    seg = corpus.codable_segments()
    codings = pd.DataFrame({"document": "a", "start": seg["start"], "end": seg["end"],
                            "code": "goal", "coder": "ME"})
    sm = matrix.strategy_by_case(corpus, codings, cb, coder="ME")
    assert int(sm.counts.to_numpy().sum()) == 0 and not sm.hybrid.any()
    with pytest.raises(qc.CodingsError, match="no human codings by coder 'C9'|no codings by coder 'C9'"):
        matrix.strategy_by_case(corpus, codings, cb, coder="C9")
