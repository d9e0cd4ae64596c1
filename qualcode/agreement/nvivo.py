"""NVivo's coding comparison, computed as NVivo documents it (``compare(..., unit="nvivo")``).

Per code (node) and document (source), for two coders A and B, over every character of the
document (interviewer turns included; documents nobody coded included):

* percentage agreement = (characters both coded + characters neither coded) / characters;
* kappa = ``(TA - EF) / (TU - EF)`` with ``TU`` the characters, ``TA`` the agreeing characters and
  ``EF = (a b + (TU - a)(TU - b)) / TU`` (``a``, ``b`` the characters each coder coded): Cohen's
  kappa on the 2 x 2 table of characters. When neither coder coded anything in the document the
  two agree completely and kappa is 1, NVivo's reading of the 0/0 case.

Averages over documents (a code's ``(all)`` row, and the ``(all codes)`` rows) are NVivo's
suggested average: each document's value weighted by its size in characters. This differs from
``unit="character"``, which counts codable (participant) characters only, applies qualcode's
coverage rule (a coder who coded nothing in a document is missing there) and computes one kappa
over the pooled characters.

With more than two coders every pair gets its rows (NVivo compares two users or user groups).
"""
from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from .prepare import ALL_CODES, ALL_DOCUMENTS, _setup, _tidy

__all__ = ["nvivo_table", "coded_lengths"]

NVIVO_NOTE = "NVivo: per document over all its characters; averages weighted by document size"


def coded_lengths(keys: np.ndarray, starts: np.ndarray, ends: np.ndarray, who: np.ndarray,
                  n_keys: int, span: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Characters coded by coder 0, by coder 1 and by both, per key (e.g. code x document).

    ``who`` is 0 or 1 per span; positions are ``[start, end)`` within ``span`` characters. A
    coder's overlapping spans count once.
    """
    base = keys.astype(np.int64) * span
    pos = np.r_[base + starts, base + ends]
    step = np.r_[np.ones(len(starts), np.int64), -np.ones(len(ends), np.int64)]
    coder = np.r_[who, who]
    order = np.argsort(pos, kind="stable")
    pos, step, coder = pos[order], step[order], coder[order]
    active = np.column_stack([np.cumsum(step * (coder == 0)), np.cumsum(step * (coder == 1))])
    width = np.r_[np.diff(pos), 0]
    key = pos // span
    on_a, on_b = active[:, 0] > 0, active[:, 1] > 0
    a = np.bincount(key, weights=width * on_a, minlength=n_keys)
    b = np.bincount(key, weights=width * on_b, minlength=n_keys)
    both = np.bincount(key, weights=width * (on_a & on_b), minlength=n_keys)
    return a, b, both


def _kappa(n: np.ndarray, a: np.ndarray, b: np.ndarray, both: np.ndarray):
    agree = n - a - b + 2 * both
    with np.errstate(invalid="ignore", divide="ignore"):
        pa = agree / n
        ef = (a * b + (n - a) * (n - b)) / n
        kappa = np.where(n - ef > 0, (agree - ef) / (n - ef), 1.0)
    return pa, kappa


def nvivo_table(corpus, codings: pd.DataFrame, *, codes=None, coders=None, by=()) -> pd.DataFrame:
    """The rows of ``compare(..., unit="nvivo")``: per code and document (``document`` column),
    then per code over all documents and ``(all codes)``, averaged with document sizes.

    ``n_units`` is the document's characters (summed for averages), ``n_coded`` the characters
    either coder coded; ``percent_agreement`` and ``cohen_kappa`` as NVivo computes them.
    """
    st = _setup(corpus, codings, codes, coders)
    lengths = np.array([len(corpus.text(d)) for d in st.documents], dtype=float)
    cod = st.codings
    n_docs, n_codes = len(st.documents), len(st.codes)
    span = int(lengths.max(initial=0)) + 1
    pairs = list(combinations(range(len(st.coders)), 2))
    rows = []
    for i, j in pairs:
        sel = cod[cod["coder_idx"].isin([i, j])]
        keys = sel["code_idx"].to_numpy() * n_docs + sel["doc_idx"].to_numpy()
        a, b, both = coded_lengths(keys, sel["start"].to_numpy(np.int64),
                                   sel["end"].to_numpy(np.int64),
                                   (sel["coder_idx"].to_numpy() == j).astype(int),
                                   n_codes * n_docs, span)
        n = np.tile(lengths, n_codes)
        pa, kappa = _kappa(n, a, b, both)
        names = f"{st.coders[i]}, {st.coders[j]}"
        per = pd.DataFrame({"code_idx": np.repeat(np.arange(n_codes), n_docs),
                            "doc_idx": np.tile(np.arange(n_docs), n_codes), "n": n,
                            "coded": a + b - both, "pa": pa, "kappa": kappa})
        per = per[per["n"] > 0]

        def add(frame, code, doc):
            w = frame["n"].to_numpy()
            rows.append({"code": code, "coders": names, "document": doc, "unit": "nvivo",
                         "n_units": int(w.sum()), "n_coded": int(frame["coded"].sum()),
                         "percent_agreement": float(np.average(frame["pa"], weights=w)),
                         "cohen_kappa": float(np.average(frame["kappa"], weights=w)),
                         "note": NVIVO_NOTE})

        for k, code in enumerate(st.codes):
            add(per[per["code_idx"] == k], code, ALL_DOCUMENTS)
        if n_codes > 1:
            add(per, ALL_CODES, ALL_DOCUMENTS)
        if "document" in by:
            for r in range(len(per)):
                one = per.iloc[[r]]
                add(one, st.codes[one["code_idx"].iat[0]], st.documents[one["doc_idx"].iat[0]])
    return _tidy(rows)
