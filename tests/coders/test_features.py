"""TfidfFeatures (qualcode.coders.tfidf): the matrices of scikit-learn's TfidfVectorizer, faster."""
from __future__ import annotations

import json
import re
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from qualcode import load_transcripts
from qualcode.coders import tfidf
from qualcode.coders.features import TfidfFeatures, features_from_state, features_state

UNICODE = [
    "Café CRÈME, naïve façade — déjà vu; São Paulo & Zürich: ÆØÅ æøå ß STRASSE",
    "東京で会議をしました。数据分析 很重要 ｗｅｂｉｎａｒ ２０２４",
    "Emoji 🎉🎉 party 👩‍💻 coder 🇩🇪 flags ❤️ love",
    "“Curly quotes” and ‘single’ ones — en–dash… ellipsis",
    "Tabs\tand\nnewlines\r\nand  multiple   spaces\u00a0no-break\u2003em\u3000ideographic",
    "ΟΔΟΣ ΟΔΟΣ. İstanbul İI ǅemal ﬁne ﬂow",  # lowercasing that depends on context or lengthens
    "zero\u200bwidth joins\u200dhere, file\x1cseparator\x1fchars, tab\x0bvertical\x0cfeed",
    "e\u0301 combining accents vs é precomposed; under_score snake_case x_1 __ _",
    "   leading and trailing whitespace   ",
    "a b c d e f g h i j k l m n o p q r s t u v w x y z",
    "a bb a bb a bb ccc a ccc",
    "lone \udcff surrogate\ud800s from surrogateescape",
]
EMPTYISH = ["", " ", "\n\t ", "!!!", "... ?!", "a", "- - -", "é", "x y"]


@pytest.fixture(scope="module")
def sample(repo) -> list[str]:
    return load_transcripts(repo / "transcripts_sample").codable_segments()["text"].tolist()


def reference(texts, **params):
    """What TfidfFeatures computed before it used qualcode.coders.tfidf: scikit-learn alone."""
    vecs, parts = [], []
    for name, vec in TfidfFeatures(**params)._vectorizers():
        try:
            part = vec.fit_transform(texts)
        except ValueError:
            vec = TfidfVectorizer(analyzer=vec.analyzer, vocabulary={"\x00": 0}).fit(["\x00"])
            part = vec.transform(texts)
        vecs.append((name, vec))
        parts.append(part)
    return vecs, sp.hstack(parts, format="csr")


def assert_same_matrix(X, Y):
    assert type(X) is type(Y) and X.shape == Y.shape and X.dtype == Y.dtype == np.float64
    if X.shape[0] and X.shape[1]:
        assert abs(X - Y).max() < 1e-12


def assert_same_fit(feat, X, vecs, Y):
    assert [n for n, _ in feat.vectorizers_] == [n for n, _ in vecs]
    for (_, mine), (_, theirs) in zip(feat.vectorizers_, vecs):
        assert isinstance(mine, TfidfVectorizer)
        assert mine.get_params() == theirs.get_params()
        assert mine.vocabulary_ == theirs.vocabulary_
        assert mine.fixed_vocabulary_ == theirs.fixed_vocabulary_
        np.testing.assert_array_equal(mine.idf_, theirs.idf_)
    assert_same_matrix(X, Y)


def check(texts, new_texts=(), **params):
    """Fit both ways; the vocabularies, idf vectors and matrices are the same, and so are the
    matrices of ``new_texts``, including scikit-learn's own transform with our vectorizers."""
    feat = TfidfFeatures(**params)
    X = feat.fit_transform(texts)
    vecs, Y = reference(texts, **params)
    assert_same_fit(feat, X, vecs, Y)
    for batch in (list(texts[:7]), list(new_texts)):
        want = sp.hstack([v.transform(batch) for _, v in vecs], format="csr")
        assert_same_matrix(feat.transform(batch), want)
        assert_same_matrix(sp.hstack([v.transform(batch) for _, v in feat.vectorizers_], format="csr"),
                           want)
    return feat, X


NEW = ["Completely unseen vocabulary: zyxwv qwerty", "", "webinar webinars WEBINAR!", "東京 🎉"]


def test_same_as_scikit_learn_on_the_sample_transcripts(sample):
    check(sample, NEW + sample[:20])


@pytest.mark.parametrize("word, char", [((1, 1), (2, 4)), ((1, 3), (4, 4)), ((2, 3), (1, 6)),
                                        ((3, 3), (1, 1)), ((1, 2), None)])
def test_same_as_scikit_learn_with_other_ngram_ranges(sample, word, char):
    check(sample[:120], NEW, word_ngrams=word, char_ngrams=char)


def test_same_as_scikit_learn_on_unicode_and_empty_texts():
    check(UNICODE + EMPTYISH, NEW + UNICODE[::-1] + EMPTYISH)
    check(UNICODE, EMPTYISH, word_ngrams=(1, 3), char_ngrams=(1, 5))
    feat, _ = check(UNICODE, ["", " ", "\n\t"])  # no word at all in the new texts
    assert feat.transform([]).shape == (0, len(feat.get_feature_names_out()))


def test_min_df_limits_the_vocabulary(sample):
    for min_df in (2, 5, 0.02):
        feat, _ = check(sample, NEW, min_df=min_df)
    assert len(feat.vectorizers_[0][1].vocabulary_) < 5000
    low = [t.lower() for t in sample]
    for analyzer, ngrams in (("word", (1, 2)), ("char_wb", (3, 5))):  # max_df (TfidfFeatures: 1.0)
        for max_df in (0.05, 30):
            X, vocabulary, idf = tfidf.fit_transform(low, analyzer=analyzer, ngram_range=ngrams,
                                                     min_df=2, max_df=max_df)
            sk = TfidfVectorizer(analyzer=analyzer, ngram_range=ngrams, sublinear_tf=True, min_df=2,
                                 max_df=max_df)
            assert_same_matrix(X, sk.fit_transform(sample))
            assert vocabulary == sk.vocabulary_
            np.testing.assert_array_equal(idf, sk.idf_)


def test_texts_without_terms_keep_the_dummy_term_as_before():
    for texts in ([""], ["", " ", "!!"], ["a", "b c"]):  # no word of two letters
        feat, _ = check(texts, ["a\x00b", "x\x00 \x00", "word words"])
        assert feat.vectorizers_[0][1].vocabulary_ == {"\x00": 0}
    # no text at all: scikit-learn's dummy transform refused an empty list; now an empty matrix
    assert TfidfFeatures().fit_transform([]).shape == (0, 2)
    check(["a b", "c d"], ["a b"], min_df=2)  # every term pruned: dummy terms
    check(["one two", "two three"], ["two"], min_df=3)  # min_df above the number of texts


def test_invalid_settings_behave_as_before():
    check(["one two", "two three"], ["two"], max_features=0)  # scikit-learn refuses: dummy


def test_settings_only_scikit_learn_computes_go_to_it(sample):
    check(sample[:30], NEW, word_ngrams=(0, 2))  # n = 0 gives empty strings: scikit-learn's words


def test_max_features_without_ties_is_scikit_learn_vocabulary():
    # every word occurs a different number of times: no tie at any cut
    words = [f"w{chr(97 + i)}{chr(97 + j)}" for i in range(6) for j in range(5)]
    rng = np.random.default_rng(0)
    bag = np.repeat(words, np.arange(1, len(words) + 1))
    rng.shuffle(bag)
    texts = [" ".join(chunk) for chunk in np.array_split(bag, 40)]
    for limit in (1, 7, 29):
        feat, _ = check(texts, NEW + texts[:3], word_ngrams=(1, 1), char_ngrams=None,
                        max_features=limit)
        assert len(feat.vectorizers_[0][1].vocabulary_) == limit


@pytest.mark.parametrize("analyzer, ngrams", [("word", (1, 2)), ("char_wb", (3, 5))])
def test_max_features_ties_are_broken_alphabetically(sample, analyzer, ngrams):
    texts, limit = sample[:150], 3000
    low = [t.lower() for t in texts]
    X, vocabulary, idf = tfidf.fit_transform(low, analyzer=analyzer, ngram_range=ngrams,
                                             max_features=limit)
    total = CountVectorizer(analyzer=analyzer, ngram_range=ngrams).fit(texts)
    counts = np.asarray(total.transform(texts).sum(axis=0)).ravel()
    count = {term: counts[j] for term, j in total.vocabulary_.items()}
    cut = min(count[t] for t in vocabulary)
    above = {t for t in count if count[t] > cut}
    chosen = set(vocabulary) - above
    tied = sorted(t for t in count if count[t] == cut)
    assert len(vocabulary) == limit and above <= set(vocabulary) and len(tied) > len(chosen)
    assert chosen == set(tied[:len(chosen)])  # the alphabetically first of the tied terms
    assert list(vocabulary) == sorted(vocabulary) and list(vocabulary.values()) == list(range(limit))
    # scikit-learn keeps the same number of tied terms (others, maybe): the rest is the same
    sk = TfidfVectorizer(analyzer=analyzer, ngram_range=ngrams, sublinear_tf=True,
                         max_features=limit).fit(texts)
    assert {t for t in sk.vocabulary_ if count[t] != cut} == {t for t in vocabulary if count[t] != cut}
    # the same matrix as scikit-learn's with this vocabulary
    fixed = TfidfVectorizer(analyzer=analyzer, ngram_range=ngrams, sublinear_tf=True,
                            vocabulary=vocabulary)
    assert_same_matrix(X, fixed.fit_transform(texts))
    np.testing.assert_array_equal(idf, fixed.idf_)


def test_saved_state_is_the_same_as_scikit_learns(sample):
    params = {"word_ngrams": (1, 2), "char_ngrams": (3, 5), "min_df": 2, "max_features": 50000}
    feat = TfidfFeatures(**params).fit(sample)
    old = TfidfFeatures(**params)
    old.vectorizers_ = reference(sample, **params)[0]
    (state, arrays), (old_state, old_arrays) = features_state(feat), features_state(old)
    assert json.dumps(state, sort_keys=True) == json.dumps(old_state, sort_keys=True)
    assert arrays.keys() == old_arrays.keys()
    for k in arrays:
        np.testing.assert_array_equal(arrays[k], old_arrays[k])


def test_fitting_and_loaded_transform_do_not_use_scikit_learn_counting(sample, monkeypatch):
    feat = TfidfFeatures().fit(sample[:50])
    state, arrays = features_state(feat)
    loaded = features_from_state(json.loads(json.dumps(state)), arrays)

    def refuse(*args, **kwargs):
        raise AssertionError("scikit-learn counted the n-grams")

    monkeypatch.setattr(TfidfVectorizer, "fit_transform", refuse)
    monkeypatch.setattr(TfidfVectorizer, "transform", refuse)
    X = TfidfFeatures().fit_transform(sample[:50])
    assert_same_matrix(loaded.transform(sample[:50] + NEW), feat.transform(sample[:50] + NEW))
    assert_same_matrix(loaded.transform(sample[:50]), X)
    assert list(loaded.get_feature_names_out()) == list(feat.get_feature_names_out())


@pytest.mark.parametrize("ngrams", [(1, 1), (1, 3), (3, 5), (2, 4), (4, 4), (5, 7)])
def test_char_wb_ngrams_of_one_word_as_scikit_learn(ngrams):
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=ngrams)
    for length in range(10):
        word = "abcdefghij"[:length] or "é"
        assert tfidf.char_wb_ngrams(word, *ngrams) == vec._char_wb_ngrams(word)


def test_char_grams_of_distinct_words_are_char_wb_ngrams():
    rng = np.random.default_rng(1)
    alphabet = list("abcé東🎉\udcff_-'")
    words = ["a", "ab", "abc", "aaaa", "ababab", "é", "🎉🎉", "x" * 12]
    words += ["".join(rng.choice(alphabet, rng.integers(1, 9))) for _ in range(300)]
    words = list(dict.fromkeys(words))
    for ngrams in [(1, 1), (1, 3), (3, 5), (2, 4), (4, 4), (5, 7), (6, 9)]:
        grams = tfidf._CharGrams(words, ngrams)
        names = grams.strings(np.arange(grams.n_grams))
        assert len(set(names)) == len(names)
        for w, row in zip(words, grams.matrix):
            got = {names[j]: c for j, c in zip(row.indices, row.data)}
            want = {}
            for g in tfidf.char_wb_ngrams(w, *ngrams):
                want[g] = want.get(g, 0) + 1
            assert got == want, (w, ngrams)


def test_whitespace_and_word_characters_are_what_the_counting_assumes():
    r"""Splitting on whitespace is scikit-learn's char_wb split (its ``\s\s+`` -> " " changes
    nothing) and a token of ``\w`` characters never spans whitespace (see qualcode.coders.tfidf)."""
    space, word = re.compile(r"\s"), re.compile(r"\w")
    for code in range(sys.maxunicode + 1):
        c = chr(code)
        assert bool(space.match(c)) == c.isspace()
        assert not (c.isspace() and word.match(c))


def test_one_string_is_refused():
    from qualcode import QualcodeError

    with pytest.raises(QualcodeError, match="list of texts"):
        TfidfFeatures().fit_transform("one text")
