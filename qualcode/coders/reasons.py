"""Why the project learner suggests what it does, and what it never suggests again.

:func:`why` writes a suggestion's reason: the label of its code's figure (where it comes from),
the code's keyword found in the passage, and the nearest hand-coded passage of the code (TF-IDF
cosine), else the nearest codebook example. :func:`drop_known` leaves out suggestions of a code on
a span where a person already applied it, or accepted or rejected it (:func:`overlaps`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def overlaps(a: pd.DataFrame, b: pd.DataFrame) -> np.ndarray:
    """For each row of ``a``: does a row of ``b`` with the same document and code overlap it?"""
    hit = np.zeros(len(a), dtype=bool)
    if len(a) == 0 or b is None or len(b) == 0:
        return hit
    groups = {k: g for k, g in b.groupby(["document", "code"])}
    for i, (doc, code, s, e) in enumerate(zip(a["document"], a["code"], a["start"], a["end"])):
        g = groups.get((doc, code))
        if g is not None and bool(((g["start"].to_numpy() < e) & (g["end"].to_numpy() > s)).any()):
            hit[i] = True
    return hit


def drop_known(pred: pd.DataFrame, human: pd.DataFrame, decisions=None) -> pd.DataFrame:
    """No suggestion where a person already coded that code (or accepted or rejected it)."""
    keep = ~overlaps(pred, human)
    if decisions is not None and len(decisions):
        keep &= ~overlaps(pred, decisions)
    return pred[keep]


def why(measured, codebook, human: pd.DataFrame, pred: pd.DataFrame) -> list[str]:
    """Why each suggestion: the label of its code's figure, the code's keyword found in it, and
    the nearest hand-coded passage of the code (TF-IDF cosine), else its nearest codebook
    example."""
    from sklearn.feature_extraction.text import TfidfVectorizer  # lazy: scikit-learn

    from .codebook_trained import codebook_texts  # lazy: scikit-learn

    corpus_text = {}
    seg = measured["segments"]
    text_of = {(d, int(s)): t for d, s, t in zip(seg["document"], seg["segment"], seg["text"])}
    pr_text = [text_of.get((d, int(s)), "") for d, s in zip(pred["document"], pred["segment"])]
    ex = human[human["code"].isin(set(pred["code"]))]
    ex_text, ex_where = [], []
    for d, s, e in zip(ex["document"], ex["start"], ex["end"]):
        if d not in corpus_text:
            corpus_text[d] = _doc_text(measured, d)
        ex_text.append(corpus_text[d][s:e])
        ex_where.append(str(d))
    ex_codes = list(ex["code"])
    book = codebook_texts(codebook, kinds=("example",))
    book = book[book["kind"] == "example"]
    ex_text += book["text"].tolist()
    ex_codes += book["code"].tolist()
    ex_where += ["codebook example"] * len(book)
    human_n = len(ex)
    vec = TfidfVectorizer(sublinear_tf=True).fit(ex_text + pr_text) if (ex_text or pr_text) else None
    E = vec.transform(ex_text) if vec is not None and ex_text else None
    P = vec.transform(pr_text) if vec is not None else None
    ex_codes = np.asarray(ex_codes, dtype=object)
    out = []
    for i, (code, memo) in enumerate(zip(pred["code"], pred["memo"])):
        parts = [memo] if memo else []
        low = pr_text[i].lower()
        for kw in codebook[code].keywords or []:
            k = str(kw).replace("*", "").strip().lower()
            if k and k in low:
                parts.append(f"keyword “{kw}”")
                break
        idx = np.flatnonzero(ex_codes == code) if E is not None else []
        mine = [k for k in idx if k < human_n]
        idx = mine or list(idx)
        if len(idx):
            sims = (E[idx] @ P[i].T).toarray().ravel()
            j = idx[int(sims.argmax())]
            quote = " ".join(ex_text[j].split())
            quote = quote if len(quote) <= 140 else quote[:139] + "…"
            parts.append(f"like “{quote}” ({ex_where[j]}, similarity {sims.max():.2f})")
        out.append("; ".join(parts))
    return out


def _doc_text(measured, document) -> str:
    return measured.get("texts", {}).get(document, "")
