"""Featurizers for the classifier coder: anything that turns a list of strings into a matrix.

``features="tfidf"`` (the default) is :class:`TfidfFeatures`: TF-IDF of word 1-2-grams side by side
with TF-IDF of character 3-5-grams (within word boundaries, so "webinars" and "webinar" share most
features). Any scikit-learn transformer that takes a list of strings works too (a later issue adds
sentence embeddings); only :class:`TfidfFeatures` can be saved without pickle (its state is
vocabularies and idf vectors, see :mod:`qualcode.coders.persist`).
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from ..errors import QualcodeError

#: the vectorizer settings a saved model records and restores (everything else is default)
VECTORIZER_PARAMS = ("analyzer", "ngram_range", "lowercase", "min_df", "max_df", "max_features",
                     "sublinear_tf", "norm", "use_idf", "smooth_idf", "token_pattern", "strip_accents")


class TfidfFeatures(TransformerMixin, BaseEstimator):
    """Word n-gram and character n-gram TF-IDF, concatenated (a sparse matrix).

    Parameters
    ----------
    word_ngrams, char_ngrams : (min, max)
        N-gram ranges; ``char_ngrams=None`` leaves the character part out.
    min_df : int
        A term must occur in this many training segments (1 keeps rare words: small corpora).
    max_features : int or None
        Cap on each vocabulary, most frequent terms first.
    """

    def __init__(self, *, word_ngrams=(1, 2), char_ngrams=(3, 5), min_df: int = 1,
                 max_features: int | None = 50000):
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.max_features = max_features

    def _vectorizers(self) -> list[tuple[str, TfidfVectorizer]]:
        out = [("word", TfidfVectorizer(analyzer="word", ngram_range=tuple(self.word_ngrams),
                                        lowercase=True, sublinear_tf=True, min_df=self.min_df,
                                        max_features=self.max_features))]
        if self.char_ngrams:
            out.append(("char", TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(self.char_ngrams),
                                                lowercase=True, sublinear_tf=True, min_df=self.min_df,
                                                max_features=self.max_features)))
        return out

    def fit(self, texts, y=None):
        self.fit_transform(texts)
        return self

    def fit_transform(self, texts, y=None):
        """``fit(texts).transform(texts)`` with one pass of the analyzers over the texts (the
        character n-grams are most of a classifier's featurizing time: benchmarks/run.py)."""
        texts = _texts(texts)
        self.vectorizers_, parts = [], []
        for name, vec in self._vectorizers():
            try:
                part = vec.fit_transform(texts)
            except ValueError:  # empty vocabulary (e.g. only stop characters): keep a dummy term
                vec = TfidfVectorizer(analyzer=vec.analyzer, vocabulary={"\x00": 0}).fit(["\x00"])
                part = vec.transform(texts)
            self.vectorizers_.append((name, vec))
            parts.append(part)
        return sp.hstack(parts, format="csr")

    def transform(self, texts):
        check_is_fitted(self, "vectorizers_")
        texts = _texts(texts)
        return sp.hstack([vec.transform(texts) for _, vec in self.vectorizers_], format="csr")

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "vectorizers_")
        return np.concatenate([[f"{n}:{f}" for f in vec.get_feature_names_out()]
                               for n, vec in self.vectorizers_])


def make_featurizer(features):
    """A fresh (unfitted) featurizer for the ``features`` parameter of the classifier."""
    if isinstance(features, str):
        if features == "tfidf":
            return TfidfFeatures()
        raise QualcodeError(f"unknown features {features!r}; use 'tfidf' or a scikit-learn "
                            "transformer on a list of strings")
    if not (hasattr(features, "fit") and hasattr(features, "transform")):
        raise QualcodeError("features must be 'tfidf' or a scikit-learn transformer (fit/transform)")
    return clone(features)


def _texts(texts) -> list[str]:
    if isinstance(texts, str):
        raise QualcodeError("give a list of texts, not one string")
    return ["" if t is None else str(t) for t in texts]


# -- state without pickle -------------------------------------------------------------------------


def vectorizer_state(vec: TfidfVectorizer) -> tuple[dict, np.ndarray]:
    """A fitted vectorizer as (JSON-able settings + vocabulary, idf vector)."""
    params = {k: getattr(vec, k) for k in VECTORIZER_PARAMS}
    params["ngram_range"] = list(params["ngram_range"])
    vocab = {str(term): int(i) for term, i in vec.vocabulary_.items()}
    return {"params": params, "vocabulary": vocab}, np.asarray(vec.idf_, dtype=np.float64)


def vectorizer_from_state(state: dict, idf: np.ndarray) -> TfidfVectorizer:
    """Rebuild a fitted vectorizer from :func:`vectorizer_state` output."""
    params = dict(state["params"])
    params["ngram_range"] = tuple(params["ngram_range"])
    unknown = set(params) - set(VECTORIZER_PARAMS)
    if unknown:
        raise QualcodeError(f"unknown vectorizer setting {sorted(unknown)[0]!r} in the model file")
    vocab = state["vocabulary"]
    if len(vocab) != len(idf) or sorted(vocab.values()) != list(range(len(idf))):
        raise QualcodeError("the model's vocabulary and idf vector do not match")
    vec = TfidfVectorizer(**params, vocabulary=vocab)
    vec.idf_ = idf  # sets the fitted TfidfTransformer inside
    return vec


def features_state(feat: TfidfFeatures) -> tuple[dict, dict[str, np.ndarray]]:
    states, arrays = [], {}
    for name, vec in feat.vectorizers_:
        st, idf = vectorizer_state(vec)
        states.append({"name": name, **st})
        arrays[f"idf_{name}"] = idf
    params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in feat.get_params().items()}
    return {"kind": "tfidf", "params": params, "vectorizers": states}, arrays


def features_from_state(state: dict, arrays) -> TfidfFeatures:
    if state.get("kind") != "tfidf":
        raise QualcodeError(f"unknown feature kind {state.get('kind')!r} in the model file")
    params = dict(state["params"])
    for k in ("word_ngrams", "char_ngrams"):
        if params.get(k) is not None:
            params[k] = tuple(params[k])
    feat = TfidfFeatures(**params)
    feat.vectorizers_ = [(v["name"], vectorizer_from_state(v, arrays[f"idf_{v['name']}"]))
                         for v in state["vectorizers"]]
    return feat
