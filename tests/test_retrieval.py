"""qualcode.retrieval: coded passages with their context, and text search of the codable turns,
from a corpus, a codebook and a codings table (what a notebook and the workbench both use)."""
from __future__ import annotations

import pandas as pd
import pytest

import qualcode as qc
from qualcode import retrieval

TEXT = ("Interviewer: What do influencers do for you?\n"
        "Ann: They speak at the trade fair. Buyers trust them.\n"
        "Interviewer: And trust?\n"
        "Ann: Trust comes from the trade fair talks, mostly.")


@pytest.fixture
def corpus():
    return qc.Corpus.from_texts({"a": TEXT, "b": "Ben: nothing about fairs here"},
                                cases={"a": "Firm A", "b": "Firm B"})


@pytest.fixture
def codebook():
    return qc.Codebook.from_dict({"codes": [{"id": "goal", "name": "Goal", "children": [
        {"id": "goal.trust", "name": "Trust"}]}, {"id": "tactic", "name": "Tactic"}]})


def test_retrieve_in_reading_order_with_descendants_and_filters(corpus, codebook):
    s1, s2 = TEXT.index("Buyers trust them."), TEXT.index("They speak")
    codings = pd.DataFrame({"document": "a", "start": [s1, s2], "end": [s1 + 18, s2 + 10],
                            "code": ["goal.trust", "goal"], "coder": ["C1", "C2"], "id": [1, 2]})
    rows = retrieval.retrieve(corpus, codebook, codings, code="goal")
    assert rows["id"].tolist() == [2, 1]  # reading order, the child code included
    assert retrieval.retrieve(corpus, codebook, codings, code="goal", descendants=False)["id"] \
        .tolist() == [2]
    assert retrieval.retrieve(corpus, codebook, codings, coders=["C1"])["id"].tolist() == [1]
    docs = retrieval.case_documents(corpus, case="Firm B")
    assert docs == {"b"} and retrieval.retrieve(corpus, codebook, codings, documents=docs).empty
    with pytest.raises(retrieval.RetrievalError, match="unknown code 'nope'"):
        retrieval.retrieve(corpus, codebook, codings, code="nope")
    with pytest.raises(retrieval.RetrievalError, match="no human codings by coder 'C9'"):
        retrieval.retrieve(corpus, codebook, codings, coders=["C9"])
    p = retrieval.passages(corpus, codebook, rows, context=10)
    assert set(retrieval.PASSAGE_COLUMNS) <= set(p.columns)
    first = p.iloc[1]
    assert first["text"] == "Buyers trust them." and first["speaker"] == "Ann"
    assert first["before"] == "ade fair. " and first["after"] == ""  # the turn ends there
    assert first["case"] == "Firm A" and first["code_name"] == "Trust"


def test_search_finds_turns_with_every_term_never_the_interviewers(corpus):
    hits = retrieval.search(corpus, 'trust "trade fair"')
    assert list(hits.columns) == retrieval.HIT_COLUMNS
    assert len(hits) == 2 and set(hits["speaker"]) == {"Ann"}  # "And trust?" is the interviewer's
    last = hits.iloc[1]
    assert TEXT[last["start"]:last["end"]] == "Trust comes from the trade fair"
    assert retrieval.search(corpus, "fairs", documents={"a"}).empty
    assert retrieval.terms('a "b c"  d') == ["a", "b c", "d"]
    with pytest.raises(retrieval.RetrievalError, match="type a word"):
        retrieval.search(corpus, "  ")
