"""KeywordCoder: lemma matching, wildcards, exclusions, several codes, empty codebooks."""
from __future__ import annotations

import pytest
import spacy

from qualcode import Codebook, Corpus, QualcodeError
from qualcode.coders import KeywordCoder


def corpus_of(*turns: str, interviewer: str | None = None) -> Corpus:
    lines = [f"Interviewer: {interviewer}"] if interviewer else []
    lines += [f"P1: {t}" for t in turns]
    return Corpus.from_texts({"d": "\n".join(lines) + "\n"})


def cb(*codes) -> Codebook:
    return Codebook.from_dict({"codes": list(codes)})


def test_lemmas_match_inflected_forms(codebook):
    corpus = corpus_of("Last year we measured ROI for the first time.")
    out = KeywordCoder(codebook).code(corpus)
    seg = corpus.codable_segments().iloc[0]
    assert out[["document", "start", "end", "segment", "code", "coder", "method", "score", "memo"]] \
        .values.tolist() == [["d", seg["start"], seg["end"], seg["segment"], "roi", "qualcode-keyword",
                              "keyword", 1.0, "measure roi"]]


def test_keywords_are_lemmatized_too():
    kc = KeywordCoder(cb({"id": "roi", "name": "ROI", "keywords": ["measuring roi"]}))
    assert kc.normalize("Measuring the ROI") == "measure the roi"
    assert kc.match_texts(["We measure ROI.", "we measured roi", "we measure the roi"]) == [
        {"roi": ["measuring roi"]}, {"roi": ["measuring roi"]}, {}]


def test_wildcard_is_exactly_one_token(codebook):
    kc = KeywordCoder(codebook)
    hits = kc.match_texts(["We build strong relationships.", "We build relationships.",
                           "We build very strong relationships.", "They built lasting relationship"])
    assert [h.get("rel") for h in hits] == [["build * relationship"], None, None,
                                            ["build * relationship"]]


def test_anchor_and_matcher_wildcards_agree():
    book = cb({"id": "a", "name": "A", "keywords": ["build * relationship", "set * goal",
                                                    "part of * strategy", "goal"]},
              {"id": "b", "name": "B", "keywords": ["build * * trust", "part of"]})
    texts = ["we set clear goals and build good relationships", "part of our strategy",
             "part of the whole strategy", "we build up mutual trust", "build relationships",
             "set goals", "", "build build strong relationship relationship"]
    fast = KeywordCoder(book).match_texts(texts)
    assert fast == KeywordCoder(book, wildcards="matcher").match_texts(texts)
    assert fast[0] == {"a": ["build * relationship", "set * goal", "goal"]}
    assert fast[1] == {"a": ["part of * strategy"], "b": ["part of"]}
    assert fast[2] == {"b": ["part of"]}  # two tokens between: no hit
    assert fast[3] == {"b": ["build * * trust"]}
    assert fast[7] == {"a": ["build * relationship"]}


def test_several_codes_in_one_segment_in_codebook_order(codebook):
    corpus = corpus_of("We build strong relationships and measured ROI through conversions.")
    out = KeywordCoder(codebook).code(corpus)
    assert out["code"].tolist() == ["roi", "rel"]
    assert out["memo"].tolist() == ["measure roi; conversion", "build * relationship"]
    assert out["segment"].nunique() == 1


def test_exclude_keywords_suppress_the_code(codebook):
    kc = KeywordCoder(codebook)
    assert kc.match_texts(["We build strong relationships, like a family relationship.",
                           "We build strong relationships."]) == [{}, {"rel": ["build * relationship"]}]


def test_codebook_without_keywords_gives_empty_codings():
    from qualcode.errors import QualcodeWarning

    with pytest.warns(QualcodeWarning) as caught:
        kc = KeywordCoder(cb({"id": "a", "name": "A"}, {"id": "a.b", "name": "B"}))
    out = kc.code(corpus_of("We measured ROI."))
    assert out.empty
    assert list(out.columns) == ["document", "start", "end", "code", "coder", "segment", "method",
                                 "score", "memo"]
    assert [str(w.message) for w in caught] == [
        "the codebook has no keywords: the keyword coder suggests nothing (add 'keywords:' "
        "phrases to codes)"]


def test_interviewer_turns_are_not_coded_unless_asked(codebook):
    corpus = corpus_of("Nothing here.", interviewer="Did you measure ROI?")
    assert KeywordCoder(codebook).code(corpus).empty
    out = KeywordCoder(codebook, unit_filter="all").code(corpus)
    assert out["code"].tolist() == ["roi"] and out["segment"].tolist() == [1]


def test_pipeline_without_lemmas_matches_lowercase_words(codebook):
    kc = KeywordCoder(codebook, nlp=spacy.blank("en"))
    assert kc.mode == "lower"
    assert kc.match_texts(["We MEASURE ROI.", "We measured ROI."]) == [{"roi": ["measure roi"]}, {}]


def test_given_pipelines_with_lemmas_agree_with_the_default(codebook, nlp):
    texts = ["We measured ROI.", "They built strong relationships", "conversions!", "nothing"]
    default = KeywordCoder(codebook).match_texts(texts)
    assert KeywordCoder(codebook, nlp=nlp).match_texts(texts) == default
    other = spacy.blank("en")  # lemmas from a pipeline with more than the lemmatizer: slow path
    other.add_pipe("sentencizer")
    other.add_pipe("lemmatizer", config={"mode": "lookup"})
    other.initialize()
    slow = KeywordCoder(codebook, nlp=other)
    assert slow.mode == "lemma" and not slow._fast
    assert slow.match_texts(texts) == default == [{"roi": ["measure roi"]}, {"rel": ["build * relationship"]},
                                                  {"roi": ["conversion"]}, {}]


def test_the_shared_pipeline_is_not_changed(codebook, nlp):
    KeywordCoder(codebook, nlp=nlp)
    doc = nlp("Measured")
    assert doc[0].norm_ == "measured" and doc[0].lemma_ == "Measured"


def test_processes_give_the_same_hits_in_the_same_order(codebook):
    texts = ["We measured ROI and built strong relationships.", "nothing here", "conversions!",
             "a family relationship we built * relationship", "They built real relationships"] * 50
    serial = KeywordCoder(codebook, n_jobs=1).match_texts(texts)
    assert KeywordCoder(codebook, n_jobs=3).match_texts(texts) == serial
    assert serial[:3] == [{"roi": ["measure roi"], "rel": ["build * relationship"]}, {},
                          {"roi": ["conversion"]}]
    corpus = corpus_of(*texts[:40])
    assert KeywordCoder(codebook, n_jobs=2).code(corpus).equals(KeywordCoder(codebook, n_jobs=1).code(corpus))


def test_n_jobs_must_be_a_whole_number(codebook):
    for bad in (0, -1, 1.5, "2", True):
        with pytest.raises(QualcodeError, match="n_jobs"):
            KeywordCoder(codebook, n_jobs=bad)


def test_shares_are_contiguous_cover_everything_and_balance_length():
    from qualcode.coders.keyword import _shares

    assert _shares([1, 1, 1, 1, 4], 2) == [(0, 4), (4, 5)]
    assert _shares([5] * 10, 3) == [(0, 4), (4, 7), (7, 10)]
    assert _shares([1, 1], 4) == [(0, 1), (1, 2)]  # fewer texts than parts
    assert _shares([7], 2) == [(0, 1)]


def test_idiom_is_not_a_keyword_hit():
    """'it paid off' is not payment: the lemma 'pay' starting the idiom 'pay off' is no hit,
    while 'pay' elsewhere in the same segment still is (issue 18)."""
    from qualcode.codebook import Codebook

    cb = Codebook.from_dict({"name": "t", "codes": [
        {"id": "money", "name": "Money", "keywords": ["pay"]},
        {"id": "payoff", "name": "Payoff", "keywords": ["pay off"]}]})
    hits = KeywordCoder(cb).match_texts(["It really paid off.", "We paid them and it paid off.",
                                         "We paid attention.", "We pay them."])
    assert hits == [{"payoff": ["pay off"]}, {"money": ["pay"], "payoff": ["pay off"]}, {},
                    {"money": ["pay"]}]
