"""What every unit of agreement starts from: the codings of the chosen coders and codes, the
codable segments, and which coder covered which document, with global character positions
(``doc_idx * stride + offset``) so spans of all documents can be compared in one array.

Used by the segment and character units (:mod:`.units`), NVivo's mode (:mod:`.nvivo`) and
unitizing (:mod:`.unitizing`); it imports none of them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..codings import ensure_validated, select_coder
from ..errors import CodingsError

ALL_CODES = "(all codes)"
ALL_DOCUMENTS = "(all)"
COLUMNS = ["code", "coders", "document", "unit", "n_units", "n_coded", "percent_agreement",
           "cohen_kappa", "cohen_kappa_low", "cohen_kappa_high", "fleiss_kappa", "alpha",
           "alpha_low", "alpha_high", "gwet_ac1", "brennan_prediger", "note"]


@dataclass
class _Setup:
    segments: pd.DataFrame      # codable segments, sorted, with doc_idx, g_start, g_end
    codings: pd.DataFrame       # with coder_idx, code_idx, doc_idx, g_start, g_end
    coders: list
    codes: list
    documents: list
    covered: np.ndarray         # coders x documents
    stride: int
    coding_labels: pd.Index     # the caller's row labels of ``codings`` and ``segments``
    segment_labels: pd.Index


def _setup(corpus, codings: pd.DataFrame, codes, coders) -> _Setup:
    # checked once where the codings came in (read_codings, the store, REFI import): only a table
    # without that mark is validated here
    codings = ensure_validated(codings, corpus=corpus)
    cod = codings[["document", "start", "end", "code", "coder"]].copy()
    documents = list(corpus.document_ids)
    cod["doc_idx"] = _positions(documents, cod["document"])
    lengths = np.array([len(corpus.text(d)) for d in documents], dtype=np.int64)
    all_coders = sorted(cod["coder"].unique())
    coders = list(coders) if coders is not None else all_coders
    select_coder(cod, coders)  # each named coder has codings
    if len(coders) < 2:
        raise CodingsError("agreement needs codings from at least two coders; found only "
                           + (repr(coders[0]) if coders else "none"))
    cod = cod[cod["coder"].isin(coders)]
    cod["coder_idx"] = _positions(coders, cod["coder"])
    covered = np.zeros((len(coders), len(documents)), dtype=bool)
    covered[cod["coder_idx"].to_numpy(), cod["doc_idx"].to_numpy()] = True
    shared = covered.sum(axis=0) >= 2
    for i, c in enumerate(coders):
        if not (covered[i] & shared).any():
            others = ", ".join(x for x in coders if x != c)
            raise CodingsError(f"no document in common with the other coders ({others}), so "
                               "there is nothing to compare; code shared transcripts",
                               place=f"coder {c!r}")
    codes = list(codes) if codes is not None else sorted(cod["code"].unique())
    cod = cod[cod["code"].isin(codes)]
    cod["code_idx"] = _positions(codes, cod["code"])
    stride = int(lengths.max(initial=0)) + 1
    cod["g_start"] = cod["doc_idx"] * stride + cod["start"].astype(np.int64)
    cod["g_end"] = cod["doc_idx"] * stride + cod["end"].astype(np.int64)
    seg = corpus.segments[~corpus.segments["is_interviewer"].astype(bool)]
    seg = seg[["document", "segment", "start", "end", "text"]].copy()
    seg["doc_idx"] = _positions(documents, seg["document"])
    seg["g_start"] = seg["doc_idx"] * stride + seg["start"].astype(np.int64)
    seg["g_end"] = seg["doc_idx"] * stride + seg["end"].astype(np.int64)
    seg = seg[seg["end"] > seg["start"]].sort_values("g_start", kind="stable")
    return _Setup(seg.reset_index(drop=True), cod.reset_index(drop=True), coders, codes, documents,
                  covered, stride, cod.index, seg.index)


def _positions(labels: list, values: pd.Series) -> np.ndarray:
    """Index of each value in labels (a hash lookup; Series.map is slow on string columns)."""
    return pd.Index(labels, dtype=object).get_indexer(values.astype(object)).astype(np.int64)


def _tidy(rows) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    for c in COLUMNS:
        if c not in df.columns:
            df[c] = "" if c == "note" else np.nan
    df = df[COLUMNS]
    df["n_units"] = df["n_units"].astype("int64")
    df["n_coded"] = df["n_coded"].astype("int64")
    return df
