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


# -- search by meaning: the search box's mode ---------------------------------------------------

def test_search_by_meaning_keeps_to_the_documents_given(corpus):
    table, method = search(corpus, "campaign ROI measured", n=None, documents={"b"},
                           method="tfidf")
    assert method == "tfidf" and set(table["document"]) == {"b"}
    assert "ROI" in table["text"].iloc[0]
    none, _ = search(corpus, "campaign ROI", documents=set(), method="tfidf")
    assert none.empty and list(none.columns) == ["document", "segment", "start", "end",
                                                 "speaker", "similarity", "text"]


def test_search_by_meaning_leaves_out_what_has_nothing_in_common(corpus):
    table, _ = search(corpus, "canteen", n=None, method="tfidf")
    assert table["text"].tolist() == ["The canteen closed."]
    assert (table["similarity"] > 0).all()


def test_without_the_semantic_extra_search_ranks_by_shared_words(corpus, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "sentence_transformers" else real(name, *a))
    table, method = search(corpus, "campaign ROI measured", n=3)
    assert method == "tfidf" and "ROI" in table["text"].iloc[0]


@pytest.fixture(scope="module")
def sample():
    from pathlib import Path

    from qualcode import load_transcripts
    from qualcode.io import read_codings

    root = Path(__file__).resolve().parents[2] / "transcripts_sample"
    corpus = load_transcripts(root, cases=root / "cases.csv")
    return corpus, read_codings(root / "codings_human.csv", corpus=corpus)


def _metrics_rank(sample, method):
    """Where the passages C1 coded as metrics rank for a question about measuring results."""
    corpus, human = sample
    table, used = search(corpus, "how we measure the results of a campaign", n=None,
                         method=method)
    metrics = human[(human["coder"] == "C1") & (human["code"] == "process.evaluation.metrics")]
    spans = set(zip(metrics["document"], metrics["start"]))
    is_metric = [any(d == doc and s <= ms < e for doc, ms in spans)
                 for d, s, e in zip(table["document"], table["start"], table["end"])]
    return used, is_metric


@pytest.mark.slow  # the real embedding model over the whole sample: 11 s
def test_real_model_ranks_passages_about_metrics_first(sample, tmp_path, monkeypatch):
    from qualcode.coders import embeddings

    pytest.importorskip("sentence_transformers")
    if embeddings.bundled_model_path() is None:
        pytest.skip("the bundled all-MiniLM-L6-v2 is not installed")
    monkeypatch.setenv("QUALCODE_CACHE", str(tmp_path))
    used, is_metric = _metrics_rank(sample, "embeddings")
    assert used == "embeddings" and sum(is_metric) >= 5
    # the best three are passages C1 coded as metrics, and metrics passages rank far above
    # the rest on average (372 passages in all)
    assert all(is_metric[:3])
    ranks = [i for i, m in enumerate(is_metric) if m]
    others = [i for i, m in enumerate(is_metric) if not m]
    assert sum(ranks) / len(ranks) < 0.5 * sum(others) / len(others)
