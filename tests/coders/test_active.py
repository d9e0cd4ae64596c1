"""next_segments: uncertainty sampling over the documents nobody has coded yet."""
from __future__ import annotations

import pytest

from qualcode import ModelError
from qualcode.coders import ClassifierCoder, next_segments


def test_orders_uncoded_segments_by_margin(codebook, study):
    corpus, human = study
    coded = human[human["document"].isin(["doc0", "doc1", "doc2", "doc3"])]
    table = next_segments(corpus, coded, codebook, n=5)
    assert list(table.columns) == ["rank", "document", "segment", "start", "end", "speaker", "code",
                                   "probability", "threshold", "margin", "preview"]
    assert table["rank"].tolist() == [1, 2, 3, 4, 5]
    assert set(table["document"]) <= {"doc4", "doc5"}
    assert table["margin"].is_monotonic_increasing
    assert (table["margin"] - (table["probability"] - table["threshold"]).abs()).abs().max() < 1e-12
    everything = next_segments(corpus, coded, codebook, n=100)
    assert len(everything) == 12  # six interviewee turns in each of the two uncoded documents


def test_fitted_coder_is_used_as_is(codebook, study):
    corpus, human = study
    coded = human[human["document"] != "doc5"]
    with pytest.warns(UserWarning):
        coder = ClassifierCoder(codebook, threshold=0.5).fit(corpus, coded)
    table = next_segments(corpus, coded, coder=coder, n=3)
    assert set(table["threshold"]) == {0.5}


def test_nothing_to_learn_or_nothing_left(codebook, study):
    corpus, human = study
    with pytest.raises(ModelError, match="no code has 3 or more coded segments yet"):
        next_segments(corpus, human.iloc[:2], codebook)
    assert next_segments(corpus, human, codebook).empty
