"""Find similar passages: by TF-IDF cosine without the semantic extra, by embeddings with it
(a fake encoder here); what the coder coded already and the query's own passage are left out."""
from __future__ import annotations

import pandas as pd
import pytest

from qualcode import Corpus, QualcodeError
from qualcode.coders.similar import search, similar_passages

from .test_semantic import FakeEncoder, fake  # noqa: F401 (fixture)

TEXTS = {
    "a": "Interviewer: Q?\nAnna: We measure the ROI of every campaign.\nInterviewer: Q?\nAnna: Lunch was late.\n",
    "b": "Interviewer: Q?\nBen: The ROI of each campaign is measured monthly.\nInterviewer: Q?\nBen: Trust matters.\n",
    "c": "Interviewer: Q?\nCai: Campaign ROI is what we measure first.\nInterviewer: Q?\nCai: The canteen closed.\n",
}


@pytest.fixture
def corpus():
    return Corpus.from_texts(TEXTS)


def test_tfidf_finds_the_same_idea_in_other_interviews(corpus):
    seg = corpus.codable_segments()
    first = seg.iloc[0]
    table, method = similar_passages(corpus, first["text"], n=2, method="tfidf",
                                     exclude=("a", int(first["start"]), int(first["end"])))
    assert method == "tfidf"
    assert set(table["document"]) == {"b", "c"} and "ROI" in table["text"].iloc[0]
    assert table["similarity"].is_monotonic_decreasing


def test_the_coders_own_coding_is_left_out(corpus):
    seg = corpus.codable_segments()
    b = seg[seg["document"] == "b"].iloc[0]
    coded = pd.DataFrame([{"document": "b", "start": int(b["start"]), "end": int(b["end"]), "code": "roi"}])
    table, _ = similar_passages(corpus, "measure campaign ROI", n=3, coded=coded, method="tfidf")
    assert not ((table["document"] == "b") & (table["start"] == b["start"])).any()


def test_embeddings_when_a_model_is_given(corpus, fake):
    table, method = search(corpus, "campaign ROI measured", n=3, model=fake)
    assert method == "embeddings" and len(table) == 3
    assert "ROI" in table["text"].iloc[0]


def test_an_empty_query_is_a_clear_error(corpus):
    with pytest.raises(QualcodeError, match="select a passage"):
        similar_passages(corpus, "  ")
