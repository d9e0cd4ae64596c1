"""make_coder: one method name -> one coder, for the CLI, the study and evaluation."""
from __future__ import annotations

import pytest

from qualcode.codebook import Codebook
from qualcode.coders.factory import METHODS, make_coder
from qualcode.errors import QualcodeError


@pytest.fixture(scope="module")
def book(repo):
    return Codebook.load(repo / "codebooks" / "b2b_influencer_marketing.yaml")


def test_each_method_builds_its_coder(book):
    from qualcode.coders import ClassifierCoder, KeywordCoder

    assert isinstance(make_coder("keyword", book), KeywordCoder)
    clf = make_coder("classifier", book, min_examples=5, label_rule="majority")
    assert isinstance(clf, ClassifierCoder)
    assert (clf.min_examples, clf.label_rule, clf.combine_keywords) == (5, "majority", False)
    assert make_coder("both", book).combine_keywords is True
    assert set(METHODS) >= {"keyword", "classifier", "both", "semantic", "semantic-fewshot"}


def test_unknown_method_and_misplaced_model_are_errors(book, tmp_path):
    with pytest.raises(QualcodeError, match="unknown coding method 'magic'; use keyword"):
        make_coder("magic", book)
    with pytest.raises(QualcodeError, match="a trained model is for the classifier"):
        make_coder("keyword", book, model=tmp_path / "m.qcm")


def test_evaluate_takes_a_method_name(book, repo):
    from qualcode.codings import read_codings
    from qualcode.coders.evaluate import evaluate
    from qualcode.corpus import load_transcripts

    corpus = load_transcripts(repo / "transcripts_sample")
    human = read_codings(repo / "transcripts_sample" / "codings_human.csv", corpus=corpus,
                         codebook=book)
    by_name = evaluate("keyword", corpus, human, reference="C1", codebook=book)
    by_coder = evaluate(make_coder("keyword", book), corpus, human, reference="C1", codebook=book)
    assert by_name.overall == by_coder.overall


def test_default_method_is_codebook_with_the_semantic_extra(monkeypatch):
    import importlib.util

    from qualcode.coders import embeddings
    from qualcode.coders.factory import default_method

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "sentence_transformers" else real(name, *a))
    assert default_method() == "keyword"
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: object())
    monkeypatch.setattr(embeddings, "bundled_model_path", lambda: "/model")
    assert default_method() == "codebook"
    monkeypatch.setattr(embeddings, "bundled_model_path", lambda: None)
    assert default_method() == "keyword"
