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
from .fileio import read_csv_strings, read_text, write_dataframe

REQUIRED = ["document", "start", "end", "code", "coder"]
OPTIONAL = ["segment", "method", "score", "memo", "text"]
METHODS = {"human", "keyword", "classifier", "semantic", "keyword+classifier"}


def empty_codings() -> pd.DataFrame:
    """An empty codings table with the documented columns and dtypes."""
    return pd.DataFrame({
        "document": pd.Series(dtype=object), "start": pd.Series(dtype="int64"),
        "end": pd.Series(dtype="int64"), "code": pd.Series(dtype=object),
        "coder": pd.Series(dtype=object), "segment": pd.Series(dtype="Int64"),
        "method": pd.Series(dtype=object), "score": pd.Series(dtype=float),
        "memo": pd.Series(dtype=object),
    })


def read_codings(path, *, corpus=None, codebook=None, coder: str | None = None) -> pd.DataFrame:
    """Read a codings file (.csv, .tsv, .xlsx; a .qdpx through :mod:`qualcode.refi`).

    With ``corpus``, documents and offsets are checked against it (and missing offsets filled from
    ``segment``); with ``codebook``, code ids are checked. ``coder`` fills a missing coder column.
    Errors name the file and the row (the spreadsheet row: the header is row 1).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".qdpx", ".qde"):
        from . import refi

        project = refi.read_qdpx(path)
        df = project.codings
    elif suffix == ".xlsx":
        from .fileio import require_regular_file
        from .refi.safety import check_zip_file

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


def validate_codings(df: pd.DataFrame, *, corpus=None, codebook=None, file=None) -> pd.DataFrame:
    """Check and normalise a codings table; return a new DataFrame with proper dtypes."""
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
        df["method"] = df["method"].astype(str).str.strip().replace("", "human")
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
    return df.drop(columns="_row").reset_index(drop=True)


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


def write_codings(df: pd.DataFrame, path, *, force: bool = False) -> Path:
    """Write a codings table (csv/xlsx) atomically; refuses to mix human and machine rows of one coder."""
    if "method" in df.columns and len(df):
        kinds = df.assign(_human=df["method"].eq("human")).groupby("coder")["_human"].nunique()
        mixed = kinds[kinds > 1]
        if len(mixed):
            raise CodingsError(f"coder {mixed.index[0]!r} has both human and machine rows; "
                               "write machine codings under their own coder name", file=path)
    cols = [c for c in REQUIRED + OPTIONAL if c in df.columns]
    cols += [c for c in df.columns if c not in cols]
    return write_dataframe(df[cols], path, force=force)


def assign_segments(codings: pd.DataFrame, segments: pd.DataFrame) -> pd.DataFrame:
    """Map each coding onto every segment its span overlaps by at least one character.

    Returns the codings' rows repeated once per overlapped segment, with the segment's number in
    ``segment`` and its bounds in ``seg_start``/``seg_end``. Codings that touch no segment (e.g.
    only interviewer text when ``segments`` holds codable units) are dropped. Segments within a
    document must not overlap each other (true of turns, paragraphs and sentences).
    """
    out = []
    codings = codings.reset_index(drop=True)
    # split the segments by document once: a mask per document made this documents x segments
    # (24 s for case_by_code on 10M words, benchmarks/run.py)
    by_doc = dict(tuple(segments.groupby("document", sort=False)))
    for doc, cg in codings.groupby("document", sort=False):
        sg = by_doc.get(doc)
        if sg is None or sg.empty:
            continue
        sg = sg.sort_values("start")
        s_start = sg["start"].to_numpy()
        s_end = sg["end"].to_numpy()
        c_start = cg["start"].to_numpy()
        c_end = cg["end"].to_numpy()
        first = np.searchsorted(s_end, c_start, side="right")
        last = np.searchsorted(s_start, c_end, side="left")  # exclusive
        n = np.maximum(last - first, 0)
        if n.sum() == 0:
            continue
        rows = np.repeat(np.arange(len(cg)), n)
        offsets = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
        seg_idx = np.repeat(first, n) + offsets
        part = cg.iloc[rows].copy()
        part["segment"] = sg["segment"].to_numpy()[seg_idx]
        part["seg_start"] = s_start[seg_idx]
        part["seg_end"] = s_end[seg_idx]
        out.append(part)
    if not out:
        res = codings.iloc[0:0].copy()
        res["segment"] = pd.Series(dtype="int64")
        res["seg_start"] = pd.Series(dtype="int64")
        res["seg_end"] = pd.Series(dtype="int64")
        return res
    return pd.concat(out, ignore_index=True)


def segment_code_matrix(codings: pd.DataFrame, segments: pd.DataFrame, codes: list[str]) -> np.ndarray:
    """A segments x codes 0/1 matrix: 1 where any coding of that code overlaps the segment."""
    seg = segments.reset_index(drop=True)
    index = {(d, s): i for i, (d, s) in enumerate(zip(seg["document"], seg["segment"]))}
    col = {c: j for j, c in enumerate(codes)}
    y = np.zeros((len(seg), len(codes)), dtype=np.int8)
    hits = assign_segments(codings[codings["code"].isin(col)], seg)
    if len(hits):
        rows = [index[(d, s)] for d, s in zip(hits["document"], hits["segment"])]
        cols = hits["code"].map(col).to_numpy()
        y[rows, cols] = 1
    return y
