"""Featurizers for the classifier coder: anything that turns a list of strings into a matrix.

``features="tfidf"`` (the default) is :class:`TfidfFeatures`: TF-IDF of word 1-2-grams side by side
with TF-IDF of character 3-5-grams (within word boundaries, so "webinars" and "webinar" share most
features). Any scikit-learn transformer that takes a list of strings works too (a later issue adds
sentence embeddings); only :class:`TfidfFeatures` can be saved without pickle (its state is
vocabularies and idf vectors, see :mod:`qualcode.coders.persist`).

:class:`TfidfFeatures` computes the matrices of scikit-learn's ``TfidfVectorizer`` (the same
vocabularies, idf vectors and values, see :mod:`qualcode.coders.tfidf` for how and for the one
difference: ties at the ``max_features`` cut), several times faster, and keeps fitted
``TfidfVectorizer`` objects in ``vectorizers_``: they are what a model file saves and restores.
"""
from __future__ import annotations

from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from ..errors import QualcodeError
from . import tfidf

#: the vectorizer settings a saved model records and restores (everything else is default)
VECTORIZER_PARAMS = ("analyzer", "ngram_range", "lowercase", "min_df", "max_df", "max_features",
                     "sublinear_tf", "norm", "use_idf", "smooth_idf", "token_pattern", "strip_accents")
#: the settings :mod:`qualcode.coders.tfidf` computes any value of (the others: only the default)
_FAST_PARAMS = ("analyzer", "ngram_range", "lowercase", "min_df", "max_df", "max_features",
                "sublinear_tf", "vocabulary")
_DEFAULT_PARAMS = TfidfVectorizer().get_params()


class TfidfFeatures(TransformerMixin, BaseEstimator):
    """Word n-gram and character n-gram TF-IDF, concatenated (a sparse matrix).

    Parameters
    ----------
    word_ngrams, char_ngrams : (min, max)
        N-gram ranges; ``char_ngrams=None`` leaves the character part out.
    min_df : int
        A term must occur in this many training segments (1 keeps rare words: small corpora).
    max_features : int or None
        Cap on each vocabulary, most frequent terms first (of terms equally frequent at the cap,
        the alphabetically first).
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
        """``fit(texts).transform(texts)`` with one pass over the texts (split into words once for
        both blocks, whose counts are made at once: :func:`tfidf.weigh`)."""
        texts = _Texts(_texts(texts))
        self.vectorizers_, parts, learnt = [], [], []
        for name, vec in self._vectorizers():
            try:
                part = _fit_part(vec, texts)
                if isinstance(part, tfidf.Block):
                    learnt.append((vec, part))
            except ValueError:  # empty vocabulary (e.g. only stop characters): keep a dummy term
                vec = TfidfVectorizer(analyzer=vec.analyzer, vocabulary={"\x00": 0}).fit(["\x00"])
                part = _part(vec, texts)
            self.vectorizers_.append((name, vec))
            parts.append(part)
        X = _combine(parts)  # fits the idf of the learnt blocks
        for vec, block in learnt:
            _set_fitted(vec, block.vocabulary, block.idf)
        return X

    def transform(self, texts):
        check_is_fitted(self, "vectorizers_")
        texts = _Texts(_texts(texts))
        return _combine([_part(vec, texts) for _, vec in self.vectorizers_])

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


class _Texts:
    """Texts, and the same lowercased (or not) and split into words, split once for both blocks."""

    def __init__(self, texts: list[str]):
        self.texts = texts
        self._words: dict[bool, tfidf.Words] = {}

    def words(self, lowercase: bool) -> tfidf.Words:
        if lowercase not in self._words:
            self._words[lowercase] = tfidf.Words([t.lower() for t in self.texts] if lowercase
                                                 else self.texts)
        return self._words[lowercase]


def _fit_part(vec: TfidfVectorizer, texts: _Texts):
    """Fit ``vec``'s vocabulary: a :class:`tfidf.Block` (idf and ``vec`` set later) if
    :mod:`qualcode.coders.tfidf` can, else scikit-learn's fitted matrix (``vec`` fitted)."""
    if not _fast_fit(vec):
        return vec.fit_transform(texts.texts)
    return tfidf.fit_block(texts.words(vec.lowercase), analyzer=vec.analyzer,
                           ngram_range=vec.ngram_range, min_df=vec.min_df, max_df=vec.max_df,
                           max_features=vec.max_features, sublinear_tf=vec.sublinear_tf)


def _part(vec: TfidfVectorizer, texts: _Texts):
    """The counts of a fitted ``vec``'s terms in ``texts``, a :class:`tfidf.Block`, if
    :mod:`qualcode.coders.tfidf` can count them, else ``vec.transform(texts)``."""
    if not _fast(vec):
        return vec.transform(texts.texts)
    return tfidf.count_block(texts.words(vec.lowercase), analyzer=vec.analyzer,
                             ngram_range=vec.ngram_range, vocabulary=vec.vocabulary_, idf=vec.idf_,
                             sublinear_tf=vec.sublinear_tf)


def _combine(parts: list):
    """The blocks' TF-IDF matrices side by side (csr): made at once when all are blocks."""
    if all(isinstance(p, tfidf.Block) for p in parts):
        return tfidf.weigh(parts)
    return sp.hstack([tfidf.weigh([p]) if isinstance(p, tfidf.Block) else p for p in parts],
                     format="csr")


def _fast(vec: TfidfVectorizer) -> bool:
    """Whether :mod:`qualcode.coders.tfidf` computes what ``vec`` computes: word n-grams (default
    tokens) or ``char_wb`` n-grams, l2-normalised smooth TF-IDF, nothing else changed."""
    params = vec.get_params()
    ngrams = params["ngram_range"]
    return (all(params[k] == _DEFAULT_PARAMS[k] for k in params if k not in _FAST_PARAMS)
            and params["analyzer"] in tfidf.ANALYZERS and isinstance(params["lowercase"], bool)
            and isinstance(params["sublinear_tf"], bool)
            and isinstance(ngrams, tuple) and len(ngrams) == 2 and all(_whole(n) for n in ngrams)
            and 1 <= ngrams[0] <= ngrams[1])


def _fast_fit(vec: TfidfVectorizer) -> bool:
    """:func:`_fast`, and the settings of fitting are valid (if not, scikit-learn says what is
    wrong, or the dummy vocabulary is used: as before)."""
    limit = vec.max_features
    return (_fast(vec) and vec.vocabulary is None and _document_limit(vec.min_df)
            and _document_limit(vec.max_df) and (limit is None or _whole(limit) and limit >= 1))


def _document_limit(x) -> bool:
    """A valid ``min_df`` or ``max_df``: a number of texts, or a proportion of them."""
    return _whole(x) and x >= 0 or isinstance(x, float) and 0.0 <= x <= 1.0


def _whole(x) -> bool:
    return isinstance(x, Integral) and not isinstance(x, bool)


def _set_fitted(vec: TfidfVectorizer, vocabulary: dict[str, int], idf: np.ndarray) -> None:
    """Make ``vec`` the vectorizer scikit-learn's ``fit`` would have made (its vocabulary and idf
    are what a saved model keeps, see :func:`vectorizer_state`)."""
    vec.vocabulary_ = vocabulary
    vec.idf_ = idf  # makes the fitted TfidfTransformer inside and sets fixed_vocabulary_ = False


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
