"""Krippendorff's alpha for unitized (free-span) coding: u-alpha (Krippendorff 2004, sec. 11.6).

Each coder cuts a continuum (here: the characters of the documents) into units of a category and
the gaps between them; u-alpha compares those cuts without first deciding what the units are.
For one category ``c``, with ``m`` coders, continuum length ``L``, segments ``g`` (units and gaps)
of coder ``i`` of length ``l_ig``, ``w_ig = 1`` for a unit of ``c`` and ``N_c`` units of ``c`` in
all:

* distance of two overlapping segments of two coders: both units:
  ``(b_g - b_h)**2 + (e_g - e_h)**2`` (squared differences of their starts and ends); a unit lying
  inside a gap of the other coder: ``l**2`` (its length squared); otherwise 0;
* observed disagreement ``uD_o = sum_{i != j} sum_gh d(ig, jh) / (m (m - 1) L**2)``;
* expected disagreement ``uD_e = 2 / (L (mL (mL - 1) - sum w_ig l_ig (l_ig - 1)))
  * sum_ig w_ig [ (N_c - 1)/3 (2 l_ig**3 - 3 l_ig**2 + l_ig)
  + l_ig**2 sum_jh (1 - w_jh) (l_jh - l_ig + 1) [l_jh >= l_ig] ]``;
* ``u-alpha_c = 1 - uD_o / uD_e`` and, over categories, ``1 - sum_c uD_o / sum_c uD_e``.

Checked against Krippendorff's (2004, p. 254) worked example. This is the 2004 u-alpha; the later
cu-alpha / |cu-alpha| family (Krippendorff, Mathet, Bouvry & Widlöcher 2016) that ATLAS.ti reports
treats several categories on one continuum jointly and gives different numbers.

A coder's overlapping or touching units of one category are merged first (u-alpha needs a
partition). A continuum may have several sections (documents): gaps end at section boundaries.
"""
from __future__ import annotations

from itertools import combinations
from typing import Sequence

import numpy as np
import pandas as pd

from .metrics import Undefined
from .prepare import ALL_CODES, ALL_DOCUMENTS, _setup, _tidy

__all__ = ["unitizing_alpha", "unitizing_table"]

ALL = "(all)"


def _merge(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Union of half-open intervals as sorted disjoint intervals (touching ones joined)."""
    if len(starts) == 0:
        return starts, ends
    order = np.argsort(starts, kind="stable")
    s, e = starts[order], ends[order]
    reach = np.maximum.accumulate(e)
    new = np.r_[True, s[1:] > reach[:-1]]
    return s[new], np.maximum.reduceat(e, np.flatnonzero(new))


def _segments(u_start, u_end, sections) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Units and the gaps around them within the sections: (start, end, is_unit), sorted."""
    # within a section the boundaries run section start, unit start, unit end, ..., section end:
    # a gap goes from a section start or unit end to the next unit start or section end
    gap_from = np.sort(np.r_[sections[:, 0], u_end])
    gap_to = np.sort(np.r_[u_start, sections[:, 1]])
    keep = gap_to > gap_from
    starts = np.r_[u_start, gap_from[keep]]
    ends = np.r_[u_end, gap_to[keep]]
    unit = np.r_[np.ones(len(u_start), bool), np.zeros(int(keep.sum()), bool)]
    order = np.argsort(starts, kind="stable")
    return starts[order], ends[order], unit[order]


def _observed_pair(a, b) -> float:
    """Sum of distances over overlapping segment pairs of two coders (one direction)."""
    sa, ea, ua = a
    sb, eb, ub = b
    bounds = np.unique(np.r_[sa, ea, sb, eb])
    left = bounds[:-1]
    ia = np.searchsorted(sa, left, side="right") - 1
    ib = np.searchsorted(sb, left, side="right") - 1
    ok = (ia >= 0) & (ib >= 0)
    ok[ok] &= (left[ok] < ea[ia[ok]]) & (left[ok] < eb[ib[ok]])
    pairs = np.unique(np.column_stack([ia[ok], ib[ok]]), axis=0)
    if len(pairs) == 0:
        return 0.0
    g, h = pairs[:, 0], pairs[:, 1]
    both = ua[g] & ub[h]
    d = np.where(both, (sa[g] - sb[h]) ** 2.0 + (ea[g] - eb[h]) ** 2.0, 0.0)
    a_in_b = ua[g] & ~ub[h] & (sb[h] <= sa[g]) & (ea[g] <= eb[h])
    b_in_a = ub[h] & ~ua[g] & (sa[g] <= sb[h]) & (eb[h] <= ea[g])
    d += np.where(a_in_b, (ea[g] - sa[g]) ** 2.0, 0.0)
    d += np.where(b_in_a, (eb[h] - sb[h]) ** 2.0, 0.0)
    return float(d.sum())


def _expected(unit_lengths: np.ndarray, gap_lengths: np.ndarray, m: int, length: float) -> float:
    l = unit_lengths.astype(float)
    n_c = len(l)
    if n_c == 0:
        return 0.0
    gaps = np.sort(gap_lengths.astype(float))
    suffix = np.r_[np.cumsum(gaps[::-1])[::-1], 0.0]
    idx = np.searchsorted(gaps, l, side="left")
    count = len(gaps) - idx
    gap_term = suffix[idx] - (l - 1) * count
    within = (n_c - 1) / 3 * (2 * l ** 3 - 3 * l ** 2 + l)
    total = (within + l ** 2 * gap_term).sum()
    denom = m * length * (m * length - 1) - (l * (l - 1)).sum()
    return float(2 * total / (length * denom))


def unitizing_alpha(spans: pd.DataFrame, continuum, *, coders: Sequence | None = None,
                    categories: Sequence | None = None) -> pd.DataFrame:
    """u-alpha per category and over all categories (see the module docstring).

    Parameters
    ----------
    spans
        DataFrame with columns ``coder, category, start, end`` (half-open ``[start, end)`` on the
        continuum's scale).
    continuum
        ``(begin, end)`` or a list of such sections (e.g. one per document), not overlapping.
    coders, categories
        The coders (default: those in ``spans``; a listed coder with no span of a category cut
        the whole continuum as gap) and categories (default: those in ``spans``).

    Returns
    -------
    DataFrame with columns ``category, n_units, observed, expected, alpha``: one row per category
    and an ``(all)`` row (``1 - sum observed / sum expected``). ``n_units`` counts the coders'
    (merged) units. An undefined alpha (no unit at all) is NaN.

    >>> spans = pd.DataFrame({"coder": ["i", "i", "j", "j", "j"], "category": "c",
    ...     "start": [225, 370, 220, 355, 400], "end": [295, 400, 300, 375, 420]})
    >>> round(float(unitizing_alpha(spans, (150, 450))["alpha"].iloc[0]), 4)
    0.7286
    """
    missing = [c for c in ("coder", "category", "start", "end") if c not in spans.columns]
    if missing:
        raise ValueError(f"spans lack column(s) {', '.join(missing)}.")
    sections = np.atleast_2d(np.asarray(continuum, dtype=np.int64))
    if sections.shape[1] != 2 or (sections[:, 1] < sections[:, 0]).any():
        raise ValueError("continuum must be (begin, end) or a list of (begin, end) sections.")
    sections = sections[np.argsort(sections[:, 0])]
    if (sections[1:, 0] < sections[:-1, 1]).any():
        raise ValueError("the continuum's sections overlap.")
    length = float((sections[:, 1] - sections[:, 0]).sum())
    if length <= 0:
        raise ValueError("the continuum is empty; give (begin, end) with end > begin.")
    coders = list(coders) if coders is not None else sorted(spans["coder"].unique())
    categories = list(categories) if categories is not None else \
        sorted(spans["category"].unique())
    m = len(coders)
    if m < 2:
        raise ValueError("unitizing alpha needs two or more coders.")
    start = spans["start"].to_numpy(np.int64)
    end = spans["end"].to_numpy(np.int64)
    sec = np.searchsorted(sections[:, 0], start, side="right") - 1
    inside = (sec >= 0) & (end <= sections[np.clip(sec, 0, None), 1]) & (start < end)
    if not inside.all():
        raise ValueError(f"span {start[~inside][0]}-{end[~inside][0]} is not inside one section "
                         "of the continuum.")
    rows = []
    for cat in categories:
        mask_c = (spans["category"] == cat).to_numpy()
        segs, unit_l, gap_l = [], [], []
        for coder in coders:
            mask = mask_c & (spans["coder"] == coder).to_numpy()
            s, e = _merge(start[mask], end[mask])
            seg = _segments(s, e, sections)
            segs.append(seg)
            lengths = seg[1] - seg[0]
            unit_l.append(lengths[seg[2]])
            gap_l.append(lengths[~seg[2]])
        observed = 2 * sum(_observed_pair(segs[i], segs[j]) for i, j in combinations(range(m), 2))
        observed /= m * (m - 1) * length ** 2
        expected = _expected(np.concatenate(unit_l), np.concatenate(gap_l), m, length)
        rows.append({"category": cat, "n_units": int(sum(len(u) for u in unit_l)),
                     "observed": observed, "expected": expected})
    out = pd.DataFrame(rows, columns=["category", "n_units", "observed", "expected"])
    total = pd.DataFrame([{"category": ALL, "n_units": int(out["n_units"].sum()),
                           "observed": out["observed"].sum(), "expected": out["expected"].sum()}])
    out = pd.concat([out, total], ignore_index=True) if len(out) else total
    with np.errstate(invalid="ignore", divide="ignore"):
        out["alpha"] = np.where(out["expected"] > 0, 1 - out["observed"] / out["expected"], np.nan)
    return out


_NO_UNITS = "no coder marked a unit of this code on the shared documents"


def unitizing_table(corpus, codings: pd.DataFrame, *, codes=None, coders=None,
                    by=()) -> pd.DataFrame:
    """``compare(..., unit="unitizing")``: u-alpha per code over the documents every compared
    coder covered (each document's whole text is the continuum, one section per document). When
    no document was covered by every coder, the rows are per coder pair.

    Rows as :func:`~qualcode.agreement.units.compare`; ``alpha`` is u-alpha, ``n_units`` the
    number of (merged) coded spans of all coders, ``n_coded`` the characters of the continuum.
    """
    st = _setup(corpus, codings, codes, coders)
    lengths = np.array([len(corpus.text(d)) for d in st.documents], dtype=np.int64)
    cod = st.codings
    pairs = [(list(p), ALL_DOCUMENTS, None) for p in combinations(range(len(st.coders)), 2)
             if (st.covered[p[0]] & st.covered[p[1]]).any()]
    groups = []
    if st.covered.all(axis=0).any():
        groups.append((list(range(len(st.coders))), ALL_DOCUMENTS, None))
    if len(st.coders) > 2 and ("pair" in by or not groups):
        # u-alpha needs one continuum that every coder cut: without a document all coders
        # covered, each pair that shares documents gets its rows instead
        groups += pairs
    if "document" in by:
        for d in range(len(st.documents)):
            who = [i for i in range(len(st.coders)) if st.covered[i, d]]
            if len(who) >= 2:
                groups.append((who, st.documents[d], d))
    rows = []
    for who, doc_label, only in groups:
        docs = np.flatnonzero(st.covered[who].all(axis=0))
        if only is not None:
            docs = np.array([only])
        offset = np.zeros(len(st.documents), dtype=np.int64)
        offset[docs] = np.r_[0, np.cumsum(lengths[docs])[:-1]]
        sections = np.column_stack([offset[docs], offset[docs] + lengths[docs]])
        sel = cod[cod["coder_idx"].isin(who) & cod["doc_idx"].isin(docs)]
        spans = pd.DataFrame({
            "coder": sel["coder_idx"].to_numpy(), "category": sel["code_idx"].to_numpy(),
            "start": offset[sel["doc_idx"].to_numpy()] + sel["start"].to_numpy(np.int64),
            "end": offset[sel["doc_idx"].to_numpy()] + sel["end"].to_numpy(np.int64)})
        res = unitizing_alpha(spans, sections, coders=who, categories=range(len(st.codes)))
        names = ", ".join(st.coders[i] for i in who)
        n_chars = int((sections[:, 1] - sections[:, 0]).sum())
        for rec in res.itertuples(index=False):
            label = ALL_CODES if rec.category == ALL else st.codes[rec.category]
            if label == ALL_CODES and len(st.codes) < 2:
                continue
            defined = rec.expected > 0
            rows.append({"code": label, "coders": names, "document": doc_label,
                         "unit": "unitizing", "n_units": rec.n_units, "n_coded": n_chars,
                         "alpha": rec.alpha if defined else np.nan,
                         "note": "" if defined else f"alpha: {Undefined(_NO_UNITS).reason}"})
    return _tidy(rows)
