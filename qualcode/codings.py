"""Codings tables: reading, validating, writing, and mapping codings onto segments.

A codings table (DESIGN.md, "Codings table") has the columns ``document, start, end, code, coder``
and optionally ``segment, method, score, memo, text``. ``method`` is ``human``, ``keyword``,
``classifier`` or ``semantic``. Offsets count code points into ``corpus.text(document)``.

A spreadsheet coded by hand may give ``document, segment, code, coder`` without offsets: with a
corpus, the offsets are filled in from its segments table.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .errors import CodingsError, InputFormatError
from .fileio import (
    read_csv_strings, read_string_table, read_text, require_regular_file, write_dataframe,
)

REQUIRED = ["document", "start", "end", "code", "coder"]
#: readers of codings files by suffix beyond the tables read here (:mod:`qualcode.io` adds .qdpx)
READERS: dict = {}
OPTIONAL = ["segment", "method", "score", "memo", "text"]
METHODS = {"human", "keyword", "classifier", "semantic", "keyword+classifier", "codebook", "llm"}


def empty_codings() -> pd.DataFrame:
    """An empty codings table with the documented columns and dtypes."""
    return pd.DataFrame({
        "document": pd.Series(dtype=object), "start": pd.Series(dtype="int64"),
        "end": pd.Series(dtype="int64"), "code": pd.Series(dtype=object),
        "coder": pd.Series(dtype=object), "segment": pd.Series(dtype="Int64"),
        "method": pd.Series(dtype=object), "score": pd.Series(dtype=float),
        "memo": pd.Series(dtype=object),
    })


MACHINE_COLUMNS = ["document", "start", "end", "code", "coder", "segment", "method", "score", "memo"]


def machine_codings(df: pd.DataFrame, *, coder: str, method=None, score=None) -> pd.DataFrame:
    """A coder's output as a codings table: columns :data:`MACHINE_COLUMNS` in that order, with
    the documented dtypes (``start``/``end`` int64, ``segment`` Int64, ``score`` float).

    ``df`` needs ``document, start, end, code, segment`` (and ``method``/``score`` unless given
    here: a value given here fills the whole column); ``coder`` names the machine coder; a
    missing ``memo`` is empty.
    """
    df = df.copy()
    df["coder"] = coder
    if method is not None:
        df["method"] = method
    if score is not None:
        df["score"] = score
    if "memo" not in df:
        df["memo"] = ""
    df = df[MACHINE_COLUMNS]
    return df.astype({"start": "int64", "end": "int64", "segment": "Int64", "score": float,
                      "document": object, "code": object, "coder": object, "method": object,
                      "memo": object}).reset_index(drop=True)


def read_codings(path, *, corpus=None, codebook=None, coder: str | None = None) -> pd.DataFrame:
    """Read a codings file (.csv, .tsv, .xlsx; .qdpx/.qde through :data:`READERS`, which
    :mod:`qualcode.io` fills, so this layer never imports the exchange formats).

    With ``corpus``, documents and offsets are checked against it (and missing offsets filled from
    ``segment``); with ``codebook``, code ids are checked. ``coder`` fills a missing coder column.
    Errors name the file and the row (the spreadsheet row: the header is row 1). The result is
    validated (:func:`validate_codings`) and carries the mark.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in READERS:
        df = READERS[suffix](path)
    elif suffix == ".xlsx":
        from .ziplimits import check_zip_file  # lazy: qualcode.ziplimits at CLI start-up

        require_regular_file(path, missing="no such codings file")
        check_zip_file(path, file=path, what="an .xlsx workbook")
        try:
            df = pd.read_excel(path, dtype=str)
        except FileNotFoundError:
            raise InputFormatError("no such codings file", file=path) from None
        except Exception as exc:  # openpyxl raises many kinds on a broken file
            raise InputFormatError(f"cannot read as .xlsx ({type(exc).__name__})", file=path) from None
    elif suffix in (".csv", ".tsv", ".txt"):
        text, _ = read_text(path)
        if not text.strip():
            raise InputFormatError("empty codings file", file=path)
        df = read_csv_strings(text, sep="\t" if suffix == ".tsv" else ",", file=path)
    else:
        raise InputFormatError("unknown codings format; use .csv, .tsv, .xlsx or .qdpx", file=path)
    if coder is not None and "coder" not in df.columns:
        df["coder"] = coder
    return validate_codings(df, corpus=corpus, codebook=codebook, file=path)


class CodingsTable(pd.DataFrame):
    """A codings DataFrame that :func:`validate_codings` checked, and against what.

    It is a DataFrame in every respect; the only addition is :attr:`validated_against` (the keys
    of the corpus and codebook it was checked against), which pandas' documented subclassing
    carries (``_metadata``) through filtering, copying, ``assign``, sorting and pickling, so the
    functions a table is passed to (:func:`ensure_validated`) do not check it again.
    ``pd.DataFrame(table)``, a concatenation or a merge is a table not (or no longer) known to be
    valid: it is checked again. Not ``df.attrs``: pandas documents ``attrs`` as experimental.
    """

    _metadata = ["validated_against"]
    validated_against: dict | None = None

    @property
    def _constructor(self):
        return CodingsTable


def corpus_key(corpus) -> int | None:
    """What codings are checked against in a corpus (its documents and their lengths), as a hash."""
    if corpus is None:
        return None
    return hash(tuple((d, len(corpus.text(d))) for d in corpus.document_ids))


def codebook_key(codebook) -> int | None:
    """What codings are checked against in a codebook (its code ids), as a hash."""
    return None if codebook is None else hash(tuple(codebook.ids()))


def is_validated(df: pd.DataFrame, *, corpus=None, codebook=None) -> bool:
    """Whether ``df`` carries the mark of :func:`validate_codings` for this corpus and codebook
    (None: not needed) and still has the validated columns: a cheap check, no row is read."""
    mark = df.validated_against if isinstance(df, CodingsTable) else None
    if not isinstance(mark, dict) or any(c not in df.columns for c in REQUIRED):
        return False
    if not all(pd.api.types.is_integer_dtype(df[c]) for c in ("start", "end")):
        return False
    return ((corpus is None or mark.get("corpus") == corpus_key(corpus))
            and (codebook is None or mark.get("codebook") == codebook_key(codebook)))


def ensure_validated(df: pd.DataFrame, *, corpus=None, codebook=None, file=None) -> pd.DataFrame:
    """``df`` itself when :func:`is_validated` says so, else :func:`validate_codings` of it: what
    functions taking codings call, so a table validated at the boundary is not checked again."""
    if is_validated(df, corpus=corpus, codebook=codebook):
        return df
    return validate_codings(df, corpus=corpus, codebook=codebook, file=file)


def validate_codings(df: pd.DataFrame, *, corpus=None, codebook=None, file=None) -> pd.DataFrame:
    """Check and normalise a codings table; return a new DataFrame with proper dtypes.

    Columns: ``document, start, end, code, coder`` (required; ``start``/``end`` become int64) and
    any of ``segment`` (Int64), ``method``, ``score`` (float in [0, 1]), ``memo``, ``text``. With
    ``corpus``, documents and offsets are checked against it; with ``codebook``, code ids. The result
    is a :class:`CodingsTable` saying against what (:func:`is_validated`), so the
    functions it is passed to (:func:`ensure_validated`) do not check it again. A table changed
    after validation (values edited in place) should be validated again.
    """
    df = df.copy()
    df.columns = [str(c).strip().lower() for c in df.columns]
    if "_row" not in df.columns:  # the spreadsheet row of each record, for messages
        df["_row"] = np.arange(len(df)) + 2
    if "segment" in df.columns and "code" in df.columns:
        # a segments table (qualcode load -o) with its code column partly filled in by hand:
        # the rows left blank are segments nobody coded
        blank = df["code"].isna() | df["code"].astype(str).str.strip().eq("")
        df = df[~blank]
    has_offsets = "start" in df.columns and "end" in df.columns
    if "segment" in df.columns and corpus is not None:
        if not has_offsets:
            df = _offsets_from_segments(df, corpus, file)
        else:  # rows giving a segment but no offsets, beside rows with offsets
            no_off = (df["start"].isna() | df["start"].astype(str).str.strip().eq("")
                      | df["end"].isna() | df["end"].astype(str).str.strip().eq(""))
            if no_off.any():
                filled = _offsets_from_segments(df[no_off].drop(columns=["start", "end"]), corpus, file)
                df = pd.concat([df[~no_off], filled], ignore_index=True).sort_values(
                    "_row", kind="stable").reset_index(drop=True)
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        hint = (" (or give 'segment' and load the transcripts so offsets can be filled in)"
                if "start" in missing else "")
        raise CodingsError(f"missing column{'s' if len(missing) > 1 else ''} "
                           f"{', '.join(repr(m) for m in missing)}{hint}", file=file, place="row 1")
    for col in ("document", "code", "coder"):
        values = df[col].astype(str).str.strip()
        bad = values.eq("") | df[col].isna()
        if bad.any():
            raise CodingsError(f"empty '{col}'", file=file, place=f"row {_row(df, bad)}")
        df[col] = values
    for col in ("start", "end"):
        num = pd.to_numeric(df[col], errors="coerce")
        bad = num.isna() | ~np.isfinite(num) | (num != np.floor(num)) | (num < 0) | (num > 2**53)
        if bad.any():
            i = _row(df, bad)
            raise CodingsError(f"'{col}' must be a whole number ≥ 0, not {df[col][bad].iloc[0]!r}",
                               file=file, place=f"row {i}")
        df[col] = num.astype("int64")
    bad = df["end"] <= df["start"]
    if bad.any():
        r = df[bad].iloc[0]
        raise CodingsError(f"end {r['end']} is not after start {r['start']}", file=file,
                           place=f"row {_row(df, bad)}")
    if "segment" in df.columns:
        df["segment"] = pd.to_numeric(df["segment"], errors="coerce").astype("Int64")
    if "score" in df.columns:
        score = pd.to_numeric(df["score"].replace("", np.nan), errors="coerce")
        bad = score.notna() & ((score < 0) | (score > 1))
        if bad.any():
            raise CodingsError("'score' must be between 0 and 1", file=file,
                               place=f"row {_row(df, bad)}")
        df["score"] = score
    if "method" in df.columns:
        df["method"] = df["method"].fillna("").astype(str).str.strip().replace("", "human")
        bad = ~df["method"].isin(METHODS)
        if bad.any():
            raise CodingsError(f"unknown method {df['method'][bad].iloc[0]!r} "
                               f"(use {', '.join(sorted(METHODS))})", file=file,
                               place=f"row {_row(df, bad)}")
    if corpus is not None:
        _check_against_corpus(df, corpus, file)
    if codebook is not None:
        codes = df["code"]
        bad = ~codes.isin(codebook.ids())
        if bad.any():
            unknown = codes[bad].iloc[0]
            raise CodingsError(f"unknown code id {unknown!r} (not in the codebook)", file=file,
                               place=f"row {_row(df, bad)}")
    out = CodingsTable(df.drop(columns="_row").reset_index(drop=True))
    object.__setattr__(out, "validated_against", {"corpus": corpus_key(corpus),
                                                  "codebook": codebook_key(codebook)})
    return out


def _row(df: pd.DataFrame, mask) -> int:
    """The spreadsheet row of the first True in mask (header = row 1)."""
    first = int(np.flatnonzero(np.asarray(mask))[0])
    return int(df["_row"].iloc[first]) if "_row" in df.columns else first + 2


def _check_against_corpus(df: pd.DataFrame, corpus, file) -> None:
    known = set(corpus.document_ids)
    bad = ~df["document"].isin(known)
    if bad.any():
        raise CodingsError(f"unknown document {df['document'][bad].iloc[0]!r} (not among the "
                           f"{len(known)} loaded transcripts)", file=file, place=f"row {_row(df, bad)}")
    lengths = df["document"].map({d: len(corpus.text(d)) for d in known})
    bad = df["end"] > lengths
    if bad.any():
        r = df[bad].iloc[0]
        raise CodingsError(f"offset {r['end']} is outside document {r['document']!r} "
                           f"(length {int(lengths[bad].iloc[0])})", file=file,
                           place=f"row {_row(df, bad)}")


def _offsets_from_segments(df: pd.DataFrame, corpus, file) -> pd.DataFrame:
    seg = corpus.segments[["document", "segment", "start", "end"]]
    df["segment"] = pd.to_numeric(df["segment"], errors="coerce")
    if df["segment"].isna().any():
        raise CodingsError("'segment' must be a whole number", file=file,
                           place=f"row {_row(df, df['segment'].isna())}")
    df["segment"] = df["segment"].astype("int64")
    merged = df.merge(seg, on=["document", "segment"], how="left", indicator=True)
    bad = merged["_merge"] != "both"
    if bad.any():
        r = merged[bad].iloc[0]
        raise CodingsError(f"document {r['document']!r} has no segment {r['segment']} "
                           f"at unit {corpus.unit!r}", file=file, place=f"row {_row(merged, bad)}")
    return merged.drop(columns="_merge")


def is_human(codings: pd.DataFrame) -> pd.Series:
    """Which rows are human codings (``method`` missing, empty or ``human``), as a bool Series."""
    if "method" not in codings.columns:
        return pd.Series(True, index=codings.index)
    return codings["method"].fillna("").astype(str).str.strip().isin(["", "human"])


def human_codings(codings: pd.DataFrame) -> pd.DataFrame:
    """The human rows of a codings table (:func:`is_human`)."""
    return codings[is_human(codings)]


def select_coder(codings: pd.DataFrame, coder, *, file=None) -> pd.DataFrame:
    """The rows of ``coder`` (a name, or a list of names: the rows of any of them).

    A name with no rows raises the one :class:`CodingsError` for it, naming the coders there are
    (``no human codings by coder 'C9' (coders: C1, C2)``; "human" when every row is human).
    """
    names = [coder] if isinstance(coder, str) else list(coder)
    present = set(codings["coder"])
    for name in names:
        if name not in present:
            what = "human codings" if len(codings) and is_human(codings).all() else "codings"
            known = ", ".join(sorted(map(str, present))) or "none"
            raise CodingsError(f"no {what} by coder {name!r} (coders: {known})", file=file)
    return codings[codings["coder"].isin(names)]


def refuse_human_file(path) -> None:
    """Raise :class:`CodingsError` when ``path`` exists and holds human codings (or cannot be read,
    so it may): machine suggestions are never written over it, whatever ``force`` says."""
    path = Path(path)
    if not path.exists():
        return
    why = None
    try:
        df = read_string_table(path)
    except Exception:  # noqa: BLE001 (any unreadable file: we cannot tell, so we keep it)
        why = "cannot be read as a codings table, so it may hold someone's work"
    else:
        df.columns = [str(c).strip().lower() for c in df.columns]
        if "code" in df.columns and is_human(df).any():
            why = "holds human codings"
    if why:
        raise CodingsError(f"{why}; machine suggestions are never written over it (choose another "
                           "-o file)", file=path)


def check_one_kind_per_coder(df: pd.DataFrame, *, file=None) -> None:
    """Refuse a table in which one coder name has both human and machine rows (machine codings
    go under their own coder name, e.g. ``qualcode-keyword``)."""
    if "method" in df.columns and len(df):
        kinds = df.assign(_human=is_human(df)).groupby("coder")["_human"].nunique()
        mixed = kinds[kinds > 1]
        if len(mixed):
            raise CodingsError(f"coder {mixed.index[0]!r} has both human and machine rows; "
                               "write machine codings under their own coder name", file=file)


def write_codings(df: pd.DataFrame, path, *, force: bool = False) -> Path:
    """Write a codings table (csv/xlsx) atomically.

    Refuses to mix human and machine rows of one coder, and to write machine rows over a file that
    holds human codings (:func:`refuse_human_file`, even with ``force``); otherwise an existing file
    is replaced only with ``force``.
    """
    check_one_kind_per_coder(df, file=path)
    if len(df) and not is_human(df).all():
        refuse_human_file(path)
    cols = [c for c in REQUIRED + OPTIONAL if c in df.columns]
    cols += [c for c in df.columns if c not in cols]
    return write_dataframe(df[cols], path, force=force)


def span_overlaps(starts, ends, unit_starts, unit_ends) -> tuple[np.ndarray, np.ndarray]:
    """Every (span, unit) pair that overlaps by at least one character, as two index arrays.

    ``unit_starts``/``unit_ends`` must be sorted and the units must not overlap each other (true of
    turns, paragraphs, sentences, and of stretches between boundaries); spans may be anything.
    Pairs come span by span, units in order within a span.
    """
    first = np.searchsorted(unit_ends, starts, side="right")   # first unit ending after the start
    last = np.searchsorted(unit_starts, ends, side="left")     # units starting before the end
    n = np.maximum(last - first, 0)
    span = np.repeat(np.arange(len(first)), n)
    offsets = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    return span, np.repeat(first, n) + offsets


MAPPING_COLUMNS = ["coding", "seg", "document", "start", "end", "segment", "seg_start", "seg_end"]


def map_to_segments(codings: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """Map codings onto the segments their spans overlap by at least one character.

    ``codings`` needs ``document, start, end``; ``segments`` needs ``document, segment, start,
    end`` (a segments table such as ``corpus.segments`` or ``corpus.codable_segments()``; segments
    of one document must not overlap each other, as turns, paragraphs and sentences do not).

    Returns one row per (coding, overlapped segment), with columns

    ``coding``
        the coding's row label in ``codings.index``;
    ``seg``
        the segment's row label in ``segments.index``;
    ``document, start, end``
        the coding's document and span;
    ``segment, seg_start, seg_end``
        the segment's number and bounds.

    Rows come document by document (in the order documents first appear in ``codings``), then in
    the codings' order, then in segment order. Codings that touch no segment have no row. Because
    rows carry labels, not positions, a mapping computed once for a codings table serves any row
    subset of it (``mapping=`` of :func:`assign_segments`, :func:`segment_code_matrix`,
    ``agreement.compare``, ``matrix.case_by_code`` ...): map a study's codings once, pass it on.
    """
    ci, si = segment_pairs(codings, segments)
    seg = segments
    return pd.DataFrame({
        "coding": codings.index.to_numpy()[ci], "seg": seg.index.to_numpy()[si],
        "document": seg["document"].to_numpy()[si],
        "start": codings["start"].to_numpy(dtype=np.int64)[ci],
        "end": codings["end"].to_numpy(dtype=np.int64)[ci],
        "segment": seg["segment"].to_numpy()[si],
        "seg_start": seg["start"].to_numpy()[si], "seg_end": seg["end"].to_numpy()[si],
    }, columns=MAPPING_COLUMNS)


def segment_pairs(codings: pd.DataFrame, segments: pd.DataFrame,
                  mapping: pd.DataFrame | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`map_to_segments` as positions: (coding row positions, segment row positions), in
    the same order. With ``mapping`` (of these codings or a table they are rows of, onto these
    segments or a table they are rows of) the pairs are read from it instead of computed; a mapping
    that does not fit (other documents or segment bounds, duplicate labels) is ignored."""
    if mapping is not None:
        pairs = _pairs_from_mapping(codings, segments, mapping)
        if pairs is not None:
            return pairs
    empty = np.zeros(0, dtype=np.int64)
    if codings.empty or segments.empty:
        return empty, empty
    # documents numbered as they first appear in the codings (the documented order)
    c_doc, docs = pd.factorize(codings["document"])
    s_doc = pd.Index(docs).get_indexer(segments["document"])
    keep = np.flatnonzero(s_doc >= 0)
    s_start = segments["start"].to_numpy(dtype=np.int64)[keep]
    s_end = segments["end"].to_numpy(dtype=np.int64)[keep]
    c_start = codings["start"].to_numpy(dtype=np.int64)
    c_end = codings["end"].to_numpy(dtype=np.int64)
    # one sorted line for all documents: document k's offsets are shifted by k * stride
    stride = int(max(s_end.max(initial=0), c_end.max(initial=0))) + 1
    g_seg = s_doc[keep].astype(np.int64) * stride
    order = np.lexsort((s_start, g_seg))
    keep = keep[order]
    sg_start, sg_end = (g_seg + s_start)[order], (g_seg + s_end)[order]
    c_order = np.argsort(c_doc, kind="stable")
    g_cod = c_doc[c_order].astype(np.int64) * stride
    span, unit = span_overlaps(g_cod + c_start[c_order], g_cod + c_end[c_order], sg_start, sg_end)
    return c_order[span], keep[unit]


def _pairs_from_mapping(codings, segments, mapping):
    if not (codings.index.is_unique and segments.index.is_unique):
        return None
    ci = codings.index.get_indexer(mapping["coding"])
    si = segments.index.get_indexer(mapping["seg"])
    ok = (ci >= 0) & (si >= 0)
    ci, si = ci[ok], si[ok]
    s_start = segments["start"].to_numpy(dtype=np.int64)

    def same(table, rows, column, of=None):
        return np.array_equal(table[column].to_numpy()[rows], mapping[of or column].to_numpy()[ok])

    fits = (same(codings, ci, "document") and same(codings, ci, "start")
            and same(codings, ci, "end") and same(segments, si, "start", "seg_start")
            and same(segments, si, "end", "seg_end"))
    if not fits:  # a mapping of another table: compute afresh rather than answer wrongly
        return None
    rank = pd.factorize(codings["document"])[0]
    order = np.lexsort((s_start[si], ci, rank[ci]))
    return ci[order], si[order]


def assign_segments(codings: pd.DataFrame, segments: pd.DataFrame, *,
                    mapping: pd.DataFrame | None = None) -> pd.DataFrame:
    """The codings' rows repeated once per segment their span overlaps (:func:`map_to_segments`),
    with the segment's number in ``segment`` and its bounds in ``seg_start``/``seg_end``.

    Codings that touch no segment (e.g. only interviewer text when ``segments`` holds codable
    units) are dropped. ``mapping``: :func:`map_to_segments` of these codings (or of a table they
    are rows of) onto these segments (or a table they are rows of), to skip the mapping.
    """
    ci, si = segment_pairs(codings, segments, mapping)
    out = codings.iloc[ci].reset_index(drop=True)
    out["segment"] = segments["segment"].to_numpy()[si].astype("int64")
    out["seg_start"] = segments["start"].to_numpy()[si].astype("int64")
    out["seg_end"] = segments["end"].to_numpy()[si].astype("int64")
    return out


def segment_code_matrix(codings: pd.DataFrame, segments: pd.DataFrame, codes: list[str], *,
                        mapping: pd.DataFrame | None = None) -> np.ndarray:
    """A segments x codes 0/1 matrix (rows in ``segments`` order): 1 where any coding of that code
    overlaps the segment. ``mapping`` as in :func:`assign_segments`."""
    col = pd.Index(list(codes), dtype=object)
    y = np.zeros((len(segments), len(codes)), dtype=np.int8)
    ci, si = segment_pairs(codings, segments, mapping)
    j = col.get_indexer(codings["code"].to_numpy(dtype=object)[ci])
    ok = j >= 0
    y[si[ok], j[ok]] = 1
    return y
