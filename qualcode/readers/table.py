"""Transcripts as tables: ``.csv``, ``.tsv`` and ``.xlsx`` (first sheet), one row per turn.

The rules:

* Row 1 is the header. Column names are matched case-insensitively, ignoring surrounding spaces:

  - ``text`` (required; ``utterance``, ``transcript`` or ``content`` are accepted instead, in that
    order of preference): what was said;
  - ``speaker`` (optional; default ``""``);
  - ``document`` (optional): several documents in one file, in order of first appearance;
    without it the whole file is one document named after the file's stem;
  - ``case`` (optional): the document's case; all rows of a document must agree;
  - ``start`` (or ``time``, ``timestamp``) and ``end``: seconds (``75.5`` or ``75,5``) or ``hh:mm:ss`` /
    ``mm:ss`` with optional fractions (``00:01:15.5``). The start value is also kept as written in
    the ``timestamp`` column.

  Other columns are ignored.
* Rows whose text is empty are skipped. Rows are not merged: one row is one turn, even when the
  same speaker has two rows in a row.
* Each document's text is laid out like a subtitle file's: ``Speaker: text`` per turn, turns
  separated by a blank line; a turn's offsets cover the text only.
* A ``.csv`` whose header has no text column but splits on ``;`` (as a European Excel writes it)
  is read with ``;``. Errors name the file and the row (the header is row 1).
"""
from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from pathlib import Path

import pandas as pd

from ..errors import InputFormatError
from ..fileio import read_csv_strings, read_text
from ..ziplimits import check_zip_file
from . import Source
from .subtitles import CP1252_WARNING, Utterance, build_source

TEXT_COLUMNS = ("text", "utterance", "transcript", "content")
START_COLUMNS = ("start", "time", "timestamp")
_CLOCK_RE = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:[.,]\d+)?)$")


def read_table(path: Path) -> list[Source]:
    """Read a csv/tsv/xlsx transcript table into one Source per document (see module docstring)."""
    path = Path(path)
    df, encoding = _read_frame(path)
    columns = {str(c).strip().lower(): c for c in df.columns}
    text_col = next((columns[c] for c in TEXT_COLUMNS if c in columns), None)
    if text_col is None:
        raise InputFormatError(
            f"no text column (found: {', '.join(map(str, df.columns)) or 'none'}); "
            "name the column with what was said 'text' (or utterance, transcript, content)",
            file=path, place="row 1")
    speaker_col = columns.get("speaker")
    doc_col = columns.get("document")
    case_col = columns.get("case")
    start_col = next((columns[c] for c in START_COLUMNS if c in columns), None)
    end_col = columns.get("end")

    docs: dict[str, list[Utterance]] = {}
    doc_case: dict[str, tuple[str, int]] = {}
    for i, rec in enumerate(df.to_dict("records")):
        row = i + 2
        text = _cell(rec[text_col])
        if not text.strip():
            continue
        if doc_col is not None:
            doc = _cell(rec[doc_col]).strip()
            if not doc:
                raise InputFormatError("the document column is empty; fill it in on every row",
                                       file=path, place=f"row {row}")
        else:
            doc = path.stem
        if case_col is not None:
            case = _cell(rec[case_col]).strip()
            if doc in doc_case and case != doc_case[doc][0]:
                raise InputFormatError(
                    f"document {doc!r} has case {case!r} here but {doc_case[doc][0]!r} in row "
                    f"{doc_case[doc][1]}; one document belongs to one case", file=path,
                    place=f"row {row}")
            doc_case.setdefault(doc, (case, row))
        stamp = _cell(rec[start_col]).strip() if start_col is not None else ""
        start = _seconds(stamp, column=start_col, path=path, row=row)
        end = _seconds(_cell(rec[end_col]).strip() if end_col is not None else "",
                       column=end_col, path=path, row=row)
        speaker = " ".join(_cell(rec[speaker_col]).split()) if speaker_col is not None else ""
        docs.setdefault(doc, []).append(
            Utterance(speaker, text.strip(), stamp, start, end))
    if not docs:
        raise InputFormatError("no rows with text; the table is empty", file=path)
    sources = []
    for doc, utterances in docs.items():
        attrs = {"case": doc_case[doc][0]} if doc in doc_case and doc_case[doc][0] else {}
        sources.append(build_source(utterances, name=doc, path=path, fmt=path.suffix.lower()[1:],
                                    merge=False, attributes=attrs, encoding=encoding))
    if encoding == "cp1252":  # report it once per file, not once per document
        for s in sources[1:]:
            s.warnings = [w for w in s.warnings if w != CP1252_WARNING]
    return sources


def _read_frame(path: Path) -> tuple[pd.DataFrame, str | None]:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(path), None
    text, encoding = read_text(path)
    if not text.strip():
        raise InputFormatError("empty file", file=path)
    sep = "\t" if suffix == ".tsv" else ","
    if sep == ",":
        header = next(csv.reader(io.StringIO(text.split("\n", 1)[0])), [])
        if (not any(h.strip().lower() in TEXT_COLUMNS for h in header)
                and ";" in text.split("\n", 1)[0]):
            sep = ";"
    _check_quotes(text, sep, path)
    # a row with more fields than the header is an error naming it (pandas would shift columns)
    return read_csv_strings(text, sep=sep, file=path, restore=False), encoding


def _check_quotes(text: str, sep: str, path: Path) -> None:
    """Refuse a quote that is never closed where its cell ends. A lenient CSV reader lets such a
    quote run on through the following lines, so every row after it becomes part of one cell
    (one turn) without a word. Strictly read, the cell ends at the end of the file or at a quote
    followed by something other than the separator: an error. A quote that a later line happens
    to close cleanly is caught by what it swallowed: a line inside a multi-line cell that reads as
    a whole row of its own (as many fields as the header, a speaker of this file first). The
    error names the line the row with the open quote starts on, which is where the fix goes."""
    if '"' not in text:
        return
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    opened, header, speakers, spanning = 1, None, set(), []
    try:
        for fields in reader:
            first, opened = opened, reader.line_num + 1
            if header is None:
                header = [h.strip().lower() for h in fields] if fields else None
                continue
            if header and "speaker" in header and len(fields) == len(header):
                speakers.add(fields[header.index("speaker")].strip())
            if reader.line_num > first:
                spanning.append((first, fields))
    except csv.Error:
        swallowed = reader.line_num - opened
        raise InputFormatError(
            "a quoted cell in the row that starts here has no closing quote, so the "
            f"{swallowed} line{'s' if swallowed != 1 else ''} after it would be read into that "
            'one cell; close the quote (a quote inside a quoted cell is written "")',
            file=path, place=f"line {opened}") from None
    if not header or "speaker" not in header:
        return
    who = header.index("speaker")
    for first, fields in spanning:
        for cell in fields:
            for line in cell.split("\n")[1:]:
                parts = next(csv.reader([line], delimiter=sep), [])
                if len(parts) == len(header) and parts[who].strip() in speakers - {""}:
                    raise InputFormatError(
                        "a quoted cell in the row that starts here runs on over a line that reads "
                        f"as a row of its own ({line.strip()[:60]!r}); close the quote where the "
                        "cell ends", file=path, place=f"line {first}")


def _read_xlsx(path: Path) -> pd.DataFrame:
    """The first sheet as strings; formula cells give their saved values, and a formula with no
    saved value (a workbook written by a program, never opened and saved) is an error naming it."""
    if not zipfile.is_zipfile(path):
        raise InputFormatError("not an .xlsx workbook (not a zip archive); save it again from "
                               "your spreadsheet program as .xlsx", file=path)
    check_zip_file(path, file=path, what="an .xlsx workbook")
    try:
        import openpyxl  # lazy: openpyxl

        df = pd.read_excel(path, dtype=str, sheet_name=0, engine="openpyxl", header=None)
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
        try:
            ws = wb.worksheets[0]
            formulas = [(c.row, c.column, c.coordinate) for r in ws.iter_rows() for c in r
                        if c.data_type == "f"]
        finally:
            wb.close()
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise InputFormatError(f"cannot read the workbook ({type(exc).__name__}: {exc})",
                               file=path) from None
    for row, col, coordinate in formulas:
        value = df.iat[row - 1, col - 1] if row <= df.shape[0] and col <= df.shape[1] else None
        if value is None or (isinstance(value, float) and value != value):
            raise InputFormatError(
                "holds a formula with no saved value; open the workbook in your spreadsheet "
                "program and save it (or paste the cells as values)", file=path,
                place=f"cell {coordinate}")
    if df.empty:
        return pd.DataFrame()
    header = ["" if _cell(h) == "" else _cell(h) for h in df.iloc[0]]
    header = [h if h else f"Unnamed: {i}" for i, h in enumerate(header)]
    out = df.iloc[1:].reset_index(drop=True)
    out.columns = header
    return out


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).replace("\r\n", "\n").replace("\r", "\n")


def _seconds(value: str, *, column, path: Path, row: int) -> float | None:
    """Seconds from ``"75.5"`` or ``"00:01:15.5"``; None for an empty cell."""
    if not value:
        return None
    try:  # a decimal comma ("1,5") is how European spreadsheets write seconds
        number = float(value.replace(",", ".") if re.fullmatch(r"\d+,\d+", value) else value)
    except ValueError:
        number = None
    if number is not None and math.isfinite(number) and number >= 0:
        return number
    m = _CLOCK_RE.match(value)
    if number is not None or m is None:
        raise InputFormatError(
            f"{column!s} value {value!r} is not a time; write seconds (75.5) or hh:mm:ss (00:01:15)",
            file=path, place=f"row {row}")
    hours, minutes, seconds = m.group(1), m.group(2), m.group(3).replace(",", ".")
    return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
