"""Atomic, non-clobbering writes and tolerant text reading."""
from __future__ import annotations

import codecs
import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

from .errors import InputFormatError, OutputExistsError


def check_writable(path: str | os.PathLike, *, force: bool = False) -> Path:
    """Refuse to replace an existing file unless ``force``; return the path."""
    path = Path(path)
    if path.exists() and not force:
        raise OutputExistsError("already exists; pass --force to replace it", file=path)
    return path


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it over ``path``.

    If the body raises, the temporary file is removed and ``path`` is untouched, so a user's file
    is never half-written.
    """
    path = check_writable(path, force=force)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if path.exists() and not force:  # appeared while we were writing
            raise OutputExistsError("already exists; pass --force to replace it", file=path)
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text(path: str | os.PathLike, text: str, *, force: bool = False) -> Path:
    """Write UTF-8 text (LF line endings) atomically."""
    with atomic_path(path, force=force) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")
    return Path(path)


def write_bytes(path: str | os.PathLike, data: bytes, *, force: bool = False) -> Path:
    """Write bytes atomically."""
    with atomic_path(path, force=force) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_dataframe(df, path: str | os.PathLike, *, force: bool = False) -> Path:
    """Write a DataFrame as CSV, XLSX or Markdown according to the file's suffix, atomically."""
    path = Path(path)
    suffix = path.suffix.lower()
    with atomic_path(path, force=force) as tmp:
        if suffix == ".csv":
            df.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
        elif suffix == ".xlsx":
            df.to_excel(tmp, index=False, engine="openpyxl")
        elif suffix in (".md", ".markdown"):
            tmp.write_text(dataframe_to_markdown(df), encoding="utf-8")
        else:
            raise InputFormatError("unknown output format; use .csv, .xlsx or .md", file=path)
    return path


def read_string_table(path: str | os.PathLike):
    """A .xlsx sheet or a CSV file (any encoding :func:`read_text` reads) as a DataFrame of strings,
    empty cells as ``""``. Errors are the readers' own: callers say what the table is."""
    import io

    import pandas as pd

    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        return pd.read_excel(path, dtype=str)
    text, _ = read_text(path)
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def dataframe_to_markdown(df) -> str:
    """A GitHub-flavoured Markdown table (no dependency on tabulate)."""
    cols = [str(c) for c in df.columns]

    from .formatting import cell as _cell

    def cell(v) -> str:
        return _cell(v).replace("|", "\\|")

    lines = ["| " + " | ".join(cols) + " |", "| " + " | ".join("---" for _ in cols) + " |"]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(cell(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_bytes(data: bytes, *, file: str | os.PathLike | None = None) -> tuple[str, str]:
    """Decode a text file's bytes; return ``(text, encoding)``.

    UTF-8 (with or without BOM) and UTF-16/32 with BOM are read exactly; anything else falls back
    to cp1252, and the returned encoding says so, so callers can report it. The BOM is dropped.
    """
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError as exc:
                raise InputFormatError(
                    f"not valid {enc} at byte {exc.start} although it starts with a {enc} BOM",
                    file=file,
                ) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise InputFormatError(
            f"not UTF-8, UTF-16 or cp1252 text (undecodable byte at {exc.start}); save it as UTF-8",
            file=file,
        ) from None


def read_text(path: str | os.PathLike) -> tuple[str, str]:
    """Read a text file with :func:`decode_bytes`; line endings normalised to ``\\n``."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputFormatError("no such file", file=path) from None
    except IsADirectoryError:
        raise InputFormatError("is a folder, not a file", file=path) from None
    text, enc = decode_bytes(data, file=path)
    return normalize_newlines(text), enc


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
