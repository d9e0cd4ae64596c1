"""From codings to reliability data: compare coders per code at segment, character or span level.

``compare(corpus, codings, unit=...)`` returns one row per code (and an ``(all codes)`` row), and
optionally per coder pair and per document; ``disagreements(...)`` lists the disputed passages.

Units (issue 3, DESIGN.md "Agreement"):

``segment``
    The corpus's codable segments (``corpus.segments`` rows with ``is_interviewer`` False). Per
    code, a coder coded a segment (1) when one of their codings of that code overlaps it by at
    least one character (``coding.start < segment.end and coding.end > segment.start``), else 0.
``character``
    Every character of the codable segments; a coder coded it when it lies inside one of their
    spans of that code (NVivo's unit, but with qualcode's coverage rule and one kappa over the
    pooled characters; ``nvivo`` gives NVivo's own figures). Computed on the stretches between
    consecutive span and segment boundaries, weighted by their length, never character by
    character.
``overlap``
    Span matching: a span of coder A and a span of coder B of the same code in the same document
    match when ``overlap / length of the longer span >= threshold`` (default 0.9). Two readings
    (``overlap_base``): ``"pairs"`` (default) matches spans one to one, best matches first, and
    agreement is ``matched pairs / (matched pairs + unmatched spans)``; ``"segments"`` checks every
    coded segment of both coders on its own (a segment agrees when the other coder has a matching
    span; a match is counted from each side) and agreement is ``agreeing segments / all
    segments``, the base of MAXQDA's segment-level agreement table. Span matching produces no units
    that both coders left uncoded, so chance-corrected coefficients are not defined at this level
    and are left empty.
``nvivo``
    NVivo's coding comparison as NVivo documents it: see :mod:`qualcode.agreement.nvivo`.
``unitizing``
    Krippendorff's u-alpha for free-span coding: see :mod:`qualcode.agreement.unitizing`.

Coverage: only material a coder covered counts. A coder covered a document when they have at least
one coding in it (any code); on other documents the coder is missing, not "0". A coder who shares
no document with any other coder is an error.

The ``(all codes)`` row pools the code x unit pairs of all codes. Bootstrap intervals (for Cohen's
kappa and Krippendorff's alpha) resample segments, keeping each segment's codes and characters
together, ``n_boot`` times with ``seed``.

``group="strategy"`` treats the codes ``strategy.*`` as mutually exclusive: one nominal variable
per unit whose value is the code, or ``(none)``; a unit given two codes of the group by one coder
is an error.
"""
from __future__ import annotations

from itertools import combinations
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from ..codings import segment_pairs, span_overlaps
from ..errors import CodingsError
from .bootstrap import percentile_interval, resample
from .metrics import metric_spec
from .nvivo import nvivo_table
from .prepare import ALL_CODES, ALL_DOCUMENTS, _setup, _Setup, _tidy
from .reliability import compress_with_inverse
from .unitizing import unitizing_table

__all__ = ["compare", "disagreements", "reliability_data", "UNITS", "METRICS", "ALL_CODES",
           "OVERLAP_BASES"]

UNITS = ("segment", "character", "overlap", "nvivo", "unitizing")
OVERLAP_BASES = ("pairs", "segments")
METRICS = ("percent_agreement", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha", "gwet_ac1",
           "brennan_prediger")
NONE = "(none)"
_WITH_CI = {"cohen_kappa": "cohen_kappa", "krippendorff_alpha": "alpha"}
OVERLAP_NOTE = ("span matching has no units both coders left uncoded, so chance-corrected "
                 "coefficients are not defined; use unit='segment' or 'character'")


def _segment_values(st: _Setup, mapping: pd.DataFrame | None = None) -> np.ndarray:
    """coders x codes x segments int8: 1 coded, 0 not, -1 document not covered by the coder."""
    seg, cod = st.segments, st.codings
    if mapping is not None:  # the mapping speaks of the caller's row labels
        seg, cod = seg.set_axis(st.segment_labels), cod.set_axis(st.coding_labels)
    rows, seg_idx = segment_pairs(cod, seg, mapping)
    values = np.zeros((len(st.coders), len(st.codes), len(seg)), dtype=np.int8)
    values[st.codings["coder_idx"].to_numpy()[rows], st.codings["code_idx"].to_numpy()[rows],
           seg_idx] = 1
    _mark_uncovered(values, st, st.segments["doc_idx"].to_numpy())
    return values


def _mark_uncovered(values: np.ndarray, st: _Setup, unit_doc: np.ndarray) -> None:
    for i in range(len(st.coders)):
        values[i][:, ~st.covered[i][unit_doc]] = -1


def _character_pieces(st: _Setup):
    """Stretches between consecutive boundaries inside codable segments, and their values."""
    seg, cod = st.segments, st.codings
    s_start, s_end = seg["g_start"].to_numpy(), seg["g_end"].to_numpy()
    c_start = cod["g_start"].to_numpy()
    c_end = cod["g_end"].to_numpy()
    bounds = np.unique(np.concatenate([s_start, s_end, c_start, c_end]))
    starts, ends = bounds[:-1], bounds[1:]
    seg_idx = np.searchsorted(s_start, starts, side="right") - 1
    inside = (seg_idx >= 0) & (starts < s_end[np.clip(seg_idx, 0, None)])
    keep = np.flatnonzero(inside)
    kept_pos = np.full(len(starts), -1, dtype=np.int64)
    kept_pos[keep] = np.arange(len(keep))
    # each coding covers the stretches [its start's boundary, its end's boundary)
    rows, piece = span_overlaps(c_start, c_end, starts, ends)
    piece = kept_pos[piece]
    ok = piece >= 0
    values = np.zeros((len(st.coders), len(st.codes), len(keep)), dtype=np.int8)
    values[cod["coder_idx"].to_numpy()[rows[ok]], cod["code_idx"].to_numpy()[rows[ok]],
           piece[ok]] = 1
    pieces = pd.DataFrame({"segment_idx": seg_idx[keep], "g_start": starts[keep],
                           "g_end": ends[keep]})
    _mark_uncovered(values, st, seg["doc_idx"].to_numpy()[pieces["segment_idx"].to_numpy()])
    return pieces, values


def _group_values(values: np.ndarray, st: _Setup, unit_label) -> np.ndarray:
    """coders x 1 x units: 0 = (none), k = the k-th code of the group; -1 missing."""
    count = (values > 0).sum(axis=1)
    if (count > 1).any():
        c, u = np.argwhere(count > 1)[0]
        both = [st.codes[k] for k in np.flatnonzero(values[c, :, u] > 0)][:2]
        raise CodingsError(f"coder {st.coders[c]!r} gave {unit_label(u)} two codes of the group "
                           f"({', '.join(both)}); a group's codes must be mutually exclusive")
    nominal = np.where(count > 0, values.argmax(axis=1) + 1, 0).astype(np.int8)
    nominal[(values < 0).all(axis=1)] = -1
    return nominal[:, None, :]


def _build(corpus, codings, unit, codes, coders, group, mapping=None):
    if unit not in ("segment", "character"):
        raise ValueError(f"unit must be one of {', '.join(UNITS)}, not {unit!r}.")
    if group is not None and codes is None:
        codes = sorted(c for c in codings["code"].astype(str).unique()
                       if c == group or c.startswith(group + "."))
        if not codes:
            raise CodingsError(f"no code of group {group!r} in the codings")
    st = _setup(corpus, codings, codes, coders)
    seg = st.segments
    if unit == "character":
        pieces, values = _character_pieces(st)
        seg_idx = pieces["segment_idx"].to_numpy()
        offset = seg["doc_idx"].to_numpy()[seg_idx] * st.stride
        bounds = (pieces["g_start"].to_numpy() - offset, pieces["g_end"].to_numpy() - offset)
    else:
        values = _segment_values(st, mapping)
        seg_idx = np.arange(len(seg))
        bounds = (seg["start"].to_numpy(), seg["end"].to_numpy())
    labels = st.codes
    categories = [0, 1]
    if group is not None:
        def unit_label(u):
            s = seg.iloc[seg_idx[u]]
            return f"segment {s['segment']} of {s['document']!r}"

        values = _group_values(values, st, unit_label)
        labels = [group]
        categories = [NONE] + list(st.codes)
    return st, values, seg_idx, bounds, labels, categories


def _stats(parts, categories, n_coders, *, metrics, level, n_boot, seed, ci_level) -> dict:
    """Coefficients of the units in ``parts`` = [(codes matrix, unit weights, cluster ids)]."""
    prepared = []
    n_units = n_coded = 0.0
    for mat, w, cluster in parts:
        rel, inv = compress_with_inverse(mat, categories, w)
        prepared.append((rel, inv, w, cluster))
        ok = rel.patterns >= 0
        n_units += rel.weights[ok.sum(axis=0) >= 2].sum()
        n_coded += rel.weights[(rel.patterns > 0).any(axis=0) & (ok.sum(axis=0) >= 2)].sum()
    out = {"n_units": n_units, "n_coded": n_coded}
    reasons = []
    for name in metrics:
        if (name == "cohen_kappa") != (n_coders == 2) and name in ("cohen_kappa", "fleiss_kappa"):
            continue  # Cohen's kappa for two coders, Fleiss' for more
        opts = {"level": level} if name == "krippendorff_alpha" else {}
        spec = metric_spec(name, **opts)
        feats = [spec.features(rel) for rel, *_ in prepared]
        sums = sum(rel.weights @ f for (rel, *_), f in zip(prepared, feats))
        rel0 = prepared[0][0]
        value, why = spec.finish(np.atleast_2d(sums), rel0)
        column = _WITH_CI.get(name, name)
        out[column] = np.nan if why[0] is not None else float(value[0])
        if why[0] is not None:
            reasons.append(f"{column}: {why[0]}")
        if name in _WITH_CI and n_boot and why[0] is None:
            if len(prepared) == 1 and prepared[0][3] is None:
                rel = prepared[0][0]
                reps = resample(spec, rel, feats[0], rel.weights, n_boot=n_boot, seed=seed)
            else:
                g, mult = _cluster_features(prepared, feats)
                reps = resample(spec, rel0, g, mult, n_boot=n_boot, seed=seed)
            out[column + "_low"], out[column + "_high"] = percentile_interval(reps, ci_level)
    out["note"] = "; ".join(dict.fromkeys(reasons))
    return out


def _cluster_features(prepared, feats) -> tuple[np.ndarray, np.ndarray]:
    n_clusters = max(int(c.max(initial=-1)) + 1 for *_, c in prepared)
    f = feats[0].shape[1]
    g = np.zeros((n_clusters, f))
    for (rel, inv, w, cluster), feat in zip(prepared, feats):
        ok = inv >= 0
        unit_feats = feat[inv[ok]] * w[ok, None]
        for j in range(f):
            g[:, j] += np.bincount(cluster[ok], weights=unit_feats[:, j], minlength=n_clusters)
    g = g[np.abs(g).sum(axis=1) > 0]
    if len(g) == 0:
        return np.zeros((0, f)), np.zeros(0)
    uniq, counts = np.unique(g, axis=0, return_counts=True)
    return uniq, counts.astype(float)


def compare(corpus, codings: pd.DataFrame, unit: str = "segment", *,
            codes: Sequence[str] | None = None, coders: Sequence[str] | None = None,
            group: str | None = None, by: Iterable[str] = (), threshold: float = 0.9,
            level: str = "nominal", metrics: Iterable[str] | None = None, n_boot: int = 1000,
            ci_level: float = 0.95, seed: int = 0, overlap_base: str = "pairs",
            mapping: pd.DataFrame | None = None) -> pd.DataFrame:
    """Intercoder agreement per code (and pooled), from a codings table.

    Parameters
    ----------
    corpus
        A :class:`~qualcode.corpus.Corpus`: its codable segments are the units.
    codings
        Codings of two or more coders: ``document, start, end, code, coder``.
    unit
        ``segment``, ``character``, ``overlap``, ``nvivo`` or ``unitizing`` (see the module
        docstring).
    codes, coders
        Restrict to these codes / coders (default: all in ``codings``). A listed code nobody
        used is kept (its coefficients are undefined or trivially perfect).
    group
        A code-id prefix whose codes are mutually exclusive: one nominal variable instead of one
        0/1 variable per code.
    by
        Extra breakdowns: ``"pair"`` (every coder pair that shares a document, when there are more than two coders)
        and/or ``"document"`` (the coders who covered each document).
    threshold
        Overlap level only: the share of the longer span two spans must share to match.
    overlap_base
        Overlap level only: ``"pairs"`` (one-to-one matched pairs) or ``"segments"`` (every coded
        segment of both coders, as MAXQDA counts).
    level
        Krippendorff's alpha level (``nominal`` for 0/1 and group variables).
    metrics
        Which of ``percent_agreement, cohen_kappa, fleiss_kappa, krippendorff_alpha, gwet_ac1,
        brennan_prediger`` to compute (default all). Cohen's kappa is given for two coders,
        Fleiss' kappa (Gwet's generalisation to missing ratings) for three or more.
    n_boot, ci_level, seed
        Bootstrap replicates (0 = no intervals), interval level and seed.
    mapping
        Segment level: :func:`qualcode.codings.map_to_segments` of these codings (or a table they
        are rows of) onto ``corpus.segments``, computed once and reused (it is checked to fit).

    Returns
    -------
    DataFrame with columns ``code, coders, document, unit, n_units, n_coded, percent_agreement,
    cohen_kappa, cohen_kappa_low, cohen_kappa_high, fleiss_kappa, alpha, alpha_low, alpha_high,
    gwet_ac1, brennan_prediger, note``: one row per code and an ``(all codes)`` row, over all
    coders and documents, then per pair / per document rows when asked. What the counts mean:

    * segment / character: ``n_units`` the units (segments; characters) two or more coders
      covered, which the coefficients use; ``n_coded`` those of them at least one coder gave the
      code (so ``n_coded <= n_units``). The ``(all codes)`` row counts code x unit pairs.
    * overlap: ``n_units`` = ``n_coded`` = matched pairs + unmatched spans (``"pairs"``), or all
      coded segments of both coders (``"segments"``).
    * nvivo: ``n_units`` the documents' characters, ``n_coded`` those either coder coded.
    * unitizing: ``n_units`` the coders' merged spans, ``n_coded`` the continuum's characters.

    A coefficient that is undefined is NaN and ``note`` says why.
    """
    by = tuple(by)
    for b in by:
        if b not in ("pair", "document"):
            raise ValueError(f"by takes 'pair' and/or 'document', not {b!r}.")
    metrics = tuple(metrics) if metrics is not None else METRICS
    for m in metrics:
        if m not in METRICS:
            raise ValueError(f"unknown metric {m!r}; use {', '.join(METRICS)}.")
    if unit in ("overlap", "nvivo", "unitizing") and group is not None:
        raise ValueError("group= is for segment and character units.")
    if unit == "overlap":
        if overlap_base not in OVERLAP_BASES:
            raise ValueError(f"overlap_base must be one of {', '.join(OVERLAP_BASES)}, not "
                             f"{overlap_base!r}.")
        return _overlap_table(corpus, codings, codes, coders, threshold, by, overlap_base)
    if unit == "nvivo":
        return nvivo_table(corpus, codings, codes=codes, coders=coders, by=by)
    if unit == "unitizing":
        return unitizing_table(corpus, codings, codes=codes, coders=coders, by=by)
    st, values, seg_idx, bounds, labels, categories = _build(corpus, codings, unit, codes,
                                                             coders, group, mapping)
    weights = (bounds[1] - bounds[0]).astype(float) if unit == "character" else \
        np.ones(len(seg_idx))
    unit_doc = st.segments["doc_idx"].to_numpy()[seg_idx]
    opts = dict(metrics=metrics, level=level, n_boot=n_boot, seed=seed, ci_level=ci_level)
    cluster = None if unit == "segment" else seg_idx
    subsets = [(list(range(len(st.coders))), ALL_DOCUMENTS, slice(None))]
    if "pair" in by and len(st.coders) > 2:
        # a pair that shares no document has nothing to compare: it gets no row
        subsets += [(list(p), ALL_DOCUMENTS, slice(None))
                    for p in combinations(range(len(st.coders)), 2)
                    if (st.covered[p[0]] & st.covered[p[1]]).any()]
    if "document" in by:
        for d in np.unique(unit_doc):
            mask = np.flatnonzero(unit_doc == d)
            who = [i for i in range(len(st.coders)) if st.covered[i, d]]
            if len(who) >= 2:
                subsets.append((who, st.documents[d], mask))
    rows = []
    for who, doc, mask in subsets:
        sub = values[who][:, :, mask]
        w, cl = weights[mask], (None if cluster is None else cluster[mask])
        names = ", ".join(st.coders[i] for i in who)
        for k, label in enumerate(labels):
            stats = _stats([(sub[:, k, :], w, cl)], categories, len(who), **opts)
            rows.append({"code": label, "coders": names, "document": doc, "unit": unit, **stats})
        if len(labels) > 1:
            seg_cl = cl if cl is not None else np.arange(sub.shape[2])
            parts = [(sub[:, k, :], w, seg_cl) for k in range(len(labels))]
            stats = _stats(parts, categories, len(who), **opts)
            rows.append({"code": ALL_CODES, "coders": names, "document": doc, "unit": unit,
                         **stats})
    return _tidy(rows)


# --------------------------------------------------------------------------------------------
# span matching


def _match_spans(a: pd.DataFrame, b: pd.DataFrame, threshold: float) -> list[tuple[int, int]]:
    """One-to-one matches (index in a, index in b) of same-code spans, best overlap first."""
    if a.empty or b.empty:
        return []
    cand = a.reset_index().merge(b.reset_index(), on=["doc_idx", "code"], suffixes=("_a", "_b"))
    inter = np.minimum(cand["end_a"], cand["end_b"]) - np.maximum(cand["start_a"], cand["start_b"])
    longer = np.maximum(cand["end_a"] - cand["start_a"], cand["end_b"] - cand["start_b"])
    cand = cand.assign(ratio=inter / longer)
    cand = cand[cand["ratio"] >= threshold].sort_values("ratio", ascending=False, kind="stable")
    used_a, used_b, out = set(), set(), []
    for ia, ib in zip(cand["index_a"], cand["index_b"]):
        if ia not in used_a and ib not in used_b:
            used_a.add(ia)
            used_b.add(ib)
            out.append((ia, ib))
    return out


def _any_match(a: pd.DataFrame, b: pd.DataFrame, threshold: float) -> list:
    """Indexes of spans in a that some same-code span of b matches (not one to one)."""
    if a.empty or b.empty:
        return []
    cand = a.reset_index().merge(b.reset_index(), on=["doc_idx", "code"], suffixes=("_a", "_b"))
    inter = np.minimum(cand["end_a"], cand["end_b"]) - np.maximum(cand["start_a"], cand["start_b"])
    longer = np.maximum(cand["end_a"] - cand["start_a"], cand["end_b"] - cand["start_b"])
    return cand.loc[inter / longer >= threshold, "index_a"].unique().tolist()


def _overlap_pairs(st: _Setup, threshold: float):
    """Per coder pair: spans of each coder on shared documents and the matches between them."""
    cod = st.codings
    for i, j in combinations(range(len(st.coders)), 2):
        shared = st.covered[i] & st.covered[j]
        on_shared = shared[cod["doc_idx"].to_numpy()]
        a = cod[(cod["coder_idx"] == i) & on_shared]
        b = cod[(cod["coder_idx"] == j) & on_shared]
        yield i, j, a, b, _match_spans(a, b, threshold)


def _overlap_table(corpus, codings, codes, coders, threshold, by, base="pairs") -> pd.DataFrame:
    if not 0 < threshold <= 1:
        raise ValueError("threshold must be in (0, 1], e.g. 0.9.")
    st = _setup(corpus, codings, codes, coders)
    records = []  # (pair, code, doc_idx, matched, unmatched)
    for i, j, a, b, matches in _overlap_pairs(st, threshold):
        if base == "segments":  # every segment on its own, matched from each side
            ma = set(_any_match(a, b, threshold))
            mb = set(_any_match(b, a, threshold))
        else:
            ma = {x for x, _ in matches}
            mb = {y for _, y in matches}
        share = 1.0 if base == "segments" else 0.5
        for frame, matched_set in ((a, ma), (b, mb)):
            m = frame.index.isin(list(matched_set))
            part = pd.DataFrame({"code": frame["code"], "doc": frame["doc_idx"],
                                 "matched": m * share, "unmatched": (~m).astype(float)})
            part["pair"] = f"{st.coders[i]}, {st.coders[j]}"
            records.append(part)
    spans = pd.concat(records, ignore_index=True) if records else pd.DataFrame(
        columns=["code", "doc", "matched", "unmatched", "pair"])
    rows = []
    all_names = ", ".join(st.coders)

    def add(frame, code, names, doc):
        matched, unmatched = frame["matched"].sum(), frame["unmatched"].sum()
        n = matched + unmatched
        rows.append({"code": code, "coders": names, "document": doc, "unit": "overlap",
                     "n_units": int(round(n)), "n_coded": int(round(n)),
                     "percent_agreement": matched / n if n else np.nan,
                     "note": OVERLAP_NOTE if n else "no spans of this code on shared documents"})

    groups = [(spans, all_names, ALL_DOCUMENTS)]
    if "pair" in by and len(st.coders) > 2:
        groups += [(g, p, ALL_DOCUMENTS) for p, g in spans.groupby("pair", sort=False)]
    if "document" in by:
        groups += [(g, all_names, st.documents[d]) for d, g in spans.groupby("doc")]
    for frame, names, doc in groups:
        for code in st.codes:
            add(frame[frame["code"] == code], code, names, doc)
        if len(st.codes) > 1:
            add(frame, ALL_CODES, names, doc)
    return _tidy(rows)


# --------------------------------------------------------------------------------------------
# disagreements and raw reliability data


def disagreements(corpus, codings: pd.DataFrame, unit: str = "segment", *,
                  codes: Sequence[str] | None = None, coders: Sequence[str] | None = None,
                  group: str | None = None, threshold: float = 0.9,
                  mapping: pd.DataFrame | None = None) -> pd.DataFrame:
    """The disputed passages: one row per unit (or character stretch, or unmatched span) on which
    coders who covered it decided differently.

    Columns ``document, start, end, text, code`` and one column per coder with that coder's
    decision: ``1``/``0`` (coded / not coded), the group's code or ``(none)`` with ``group``, or
    empty where the coder did not cover the document. At character level adjacent characters with
    the same decisions form one passage; at overlap level each unmatched span is a row (``1`` for
    the coder whose span it is and for coders with a matching span, ``0`` for the others).
    ``unit="nvivo"`` and ``"unitizing"`` list the character-level passages. ``mapping`` as in
    :func:`compare`.
    """
    if unit in ("nvivo", "unitizing"):
        unit = "character"
    if unit == "overlap":
        return _overlap_disagreements(corpus, codings, codes, coders, threshold)
    st, values, seg_idx, (p_start, p_end), labels, categories = _build(
        corpus, codings, unit, codes, coders, group, mapping)
    seg_docs = st.segments["document"].to_numpy()  # one array, not a pandas lookup per row
    out = []
    for k, label in enumerate(labels):
        v = values[:, k, :]
        present = v >= 0
        hi = np.where(present, v, -1).max(axis=0)
        lo = np.where(present, v, np.iinfo(np.int8).max).min(axis=0)
        disputed = np.flatnonzero((present.sum(axis=0) >= 2) & (hi != lo))
        if unit == "character" and len(disputed):  # merge adjacent stretches with equal decisions
            cont = ((p_start[disputed[1:]] == p_end[disputed[:-1]])
                    & (seg_idx[disputed[1:]] == seg_idx[disputed[:-1]])
                    & (v[:, disputed[1:]] == v[:, disputed[:-1]]).all(axis=0))
            firsts = disputed[np.r_[0, np.flatnonzero(~cont) + 1]]
            lasts = disputed[np.r_[np.flatnonzero(~cont), len(disputed) - 1]]
            spans = list(zip(firsts, p_start[firsts], p_end[lasts]))
        else:
            spans = [(u, p_start[u], p_end[u]) for u in disputed]
        for u, s, e in spans:
            doc = seg_docs[seg_idx[u]]
            row = {"document": doc, "start": int(s), "end": int(e),
                   "text": corpus.text(doc)[s:e], "code": label}
            for c, name in enumerate(st.coders):
                row[_coder_column(name)] = "" if v[c, u] < 0 else categories[v[c, u]]
            out.append(row)
    cols = ["document", "start", "end", "text", "code"] + [_coder_column(c) for c in st.coders]
    return pd.DataFrame(out, columns=cols)


def _coder_column(name: str) -> str:
    return f"coder_{name}" if name in ("document", "start", "end", "text", "code") else name


def _overlap_disagreements(corpus, codings, codes, coders, threshold) -> pd.DataFrame:
    st = _setup(corpus, codings, codes, coders)
    cod = st.codings
    matched_by = {idx: set() for idx in cod.index}
    for i, j, _, _, matches in _overlap_pairs(st, threshold):
        for ia, ib in matches:
            matched_by[ia].add(j)
            matched_by[ib].add(i)
    out = []
    for idx, r in cod.iterrows():
        others = [c for c in range(len(st.coders))
                  if c != r["coder_idx"] and st.covered[c, r["doc_idx"]]]
        if all(c in matched_by[idx] for c in others):
            continue
        row = {"document": r["document"], "start": int(r["start"]), "end": int(r["end"]),
               "text": corpus.text(r["document"])[r["start"]:r["end"]], "code": r["code"]}
        for c, name in enumerate(st.coders):
            if c == r["coder_idx"] or c in matched_by[idx]:
                row[_coder_column(name)] = 1
            else:
                row[_coder_column(name)] = 0 if st.covered[c, r["doc_idx"]] else ""
        out.append(row)
    cols = ["document", "start", "end", "text", "code"] + [_coder_column(c) for c in st.coders]
    return pd.DataFrame(out, columns=cols).sort_values(["document", "start", "code"],
                                                       kind="stable").reset_index(drop=True)


def reliability_data(corpus, codings: pd.DataFrame, code: str, unit: str = "segment", *,
                     coders: Sequence[str] | None = None) -> pd.DataFrame:
    """The coders x units matrix behind :func:`compare` for one code (segment level): rows are
    coders, columns ``document:segment``, values 1 / 0 / NaN (not covered). Feed it to any
    coefficient, e.g. ``krippendorff_alpha(reliability_data(corpus, codings, "goal.sales"))``.
    """
    if unit != "segment":
        raise ValueError("reliability_data gives segment units; use compare() for the others.")
    st, values, seg_idx, _, labels, _ = _build(corpus, codings, unit, [code], coders, None)
    seg = st.segments
    cols = [f"{d}:{s}" for d, s in zip(seg["document"], seg["segment"])]
    mat = values[:, 0, :].astype(float)
    mat[mat < 0] = np.nan
    return pd.DataFrame(mat, index=pd.Index(st.coders, name="coder"), columns=cols)
