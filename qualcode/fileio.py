"""Atomic, non-clobbering writes and tolerant text reading.

Writes: a temporary file beside the target, then one atomic step. Without ``force`` that step is
``os.link`` (fails if the target exists, so two processes cannot both "win"); with ``force`` it is
``os.replace``. New files get the mode the umask gives (``0o666 & ~umask``), replaced files keep
their mode.

Spreadsheet formula injection: every table written here neutralises text cells a spreadsheet would
execute. In .xlsx, such cells are stored as string cells (never formulas). In .csv, the OWASP rule:
a text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, after any
number of apostrophes, gets one more leading apostrophe (``'=1+2``). :func:`read_csv_strings`
removes exactly that apostrophe, so a table qualcode writes reads back unchanged.

Reading: only regular files (a FIFO or ``/dev/zero`` is refused, never waited on); UTF-8, UTF-16/32
with BOM, UTF-16 without BOM (recognised by its NUL pattern), else cp1252; NUL bytes are an error
naming the line.
"""
from __future__ import annotations

import codecs
import contextlib
import csv
import errno
import io
import math
import os
import re
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Iterator

import pandas as pd

from .errors import InputFormatError, OutputExistsError, QualcodeError
from .formatting import cell as _cell


def check_writable(path: str | os.PathLike, *, force: bool = False) -> Path:
    """Refuse a folder, or an existing file unless ``force``; return the path."""
    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return path
    except OSError as exc:  # a name too long, a parent that is a file, ...
        raise _os_error(exc, path, "write") from None
    if stat.S_ISDIR(st.st_mode):
        raise OutputExistsError("is a folder; give a file name for the output", file=path)
    if not force:
        raise OutputExistsError("already exists; pass --force to replace it", file=path)
    return path


def _umask() -> int:
    """The process umask; read from /proc where it can be, since setting it to read it back is
    not safe beside other threads."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _os_error(exc: OSError, path: Path, doing: str) -> QualcodeError:
    """A one-line error for an OSError while ``doing`` something with ``path`` (never naming
    a temporary file)."""
    if isinstance(exc, PermissionError):
        why = "permission denied; choose a folder you can write to or fix its permissions"
    elif exc.errno == errno.ENAMETOOLONG:
        why = "file name too long for this file system; use a shorter name"
    elif exc.errno == errno.ENOSPC:
        why = "no space left on the device"
    elif exc.errno == errno.ENOTDIR:
        why = "a part of the path is a file, not a folder"
    elif exc.errno == errno.EROFS:
        why = "read-only file system; choose another folder"
    else:
        why = exc.strerror or type(exc).__name__
    return OutputExistsError(f"cannot {doing} ({why})", file=path)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, *, force: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success move it to ``path`` in one atomic step.

    If the body raises, the temporary file is removed and ``path`` is untouched, so a user's file
    is never half-written. Without ``force`` the move fails if ``path`` exists by then (checked
    before and at the move, atomically: see the module docstring).
    """
    path = check_writable(path, force=force)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:100]}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _os_error(exc, path, "write") from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode) if force else None
        except FileNotFoundError:
            mode = None
        os.chmod(tmp_path, (0o666 & ~_umask()) if mode is None else mode)
        try:
            if force:
                os.replace(tmp_path, path)
            else:
                _link_no_replace(tmp_path, path)
        except FileExistsError:
            raise OutputExistsError("already exists; pass --force to replace it", file=path) from None
        except IsADirectoryError:
            raise OutputExistsError("is a folder; give a file name for the output", file=path) from None
        except OSError as exc:
            raise _os_error(exc, path, "write") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()


def _link_no_replace(tmp: Path, path: Path) -> None:
    """Give ``tmp`` the name ``path`` unless ``path`` exists, atomically (FileExistsError if so)."""
    try:
        os.link(tmp, path)
        return
    except FileExistsError:
        raise
    except OSError as exc:  # file systems without hard links (FAT, some network shares)
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV,
                             errno.EMLINK, errno.ENOSYS):
            raise
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # reserves the name
    os.close(fd)
    os.replace(tmp, path)


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


# a text cell a spreadsheet would run: =, +, -, @, tab, CR first (after any apostrophes)
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_ESCAPED = re.compile(r"'+[=+\-@\t\r]")


def neutralise_cell(value):
    """``value`` with one apostrophe put before a text cell a spreadsheet would execute
    (the OWASP rule for CSV; :func:`restore_cell` undoes it). Line ends in a cell become ``\n``:
    the CSV writer does not quote a bare CR, which would split the row when read back."""
    if isinstance(value, str):
        if "\r" in value:
            value = normalize_newlines(value)
        if _FORMULA.match(value):
            value = "'" + value
    return value


def restore_cell(value):
    """Undo :func:`neutralise_cell` on a cell read from a CSV file qualcode wrote."""
    if isinstance(value, str) and _ESCAPED.match(value):
        return value[1:]
    return value


def dataframe_bytes(df, suffix: str) -> bytes:
    """The bytes :func:`write_dataframe` writes for ``suffix`` (``.csv``, ``.xlsx``, ``.md``):
    text cells a spreadsheet would execute neutralised (module docstring)."""
    suffix = suffix.lower() if suffix.startswith(".") else f".{suffix.lower()}"
    if suffix == ".csv":
        safe = df.copy()
        safe.columns = [neutralise_cell(str(c)) for c in df.columns]
        for col in range(safe.shape[1]):
            if safe.dtypes.iloc[col] == object or str(safe.dtypes.iloc[col]) in ("string", "str"):
                safe.isetitem(col, safe.iloc[:, col].map(neutralise_cell))
        return safe.to_csv(index=False, lineterminator="\n").encode("utf-8")
    if suffix == ".xlsx":
        buf = io.BytesIO()
        _write_xlsx(df, buf)
        return buf.getvalue()
    if suffix in (".md", ".markdown"):
        return dataframe_to_markdown(df).encode("utf-8")
    raise InputFormatError(f"unknown table format {suffix!r}; use .csv, .xlsx or .md")


def write_dataframe(df, path: str | os.PathLike, *, force: bool = False) -> Path:
    """Write a DataFrame as CSV, XLSX or Markdown according to the file's suffix, atomically.

    Text cells that a spreadsheet would execute are neutralised (module docstring)."""
    path = check_writable(path, force=force)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".md", ".markdown"):
        raise InputFormatError("unknown output format; use .csv, .xlsx or .md", file=path)
    data = dataframe_bytes(df, suffix)
    with atomic_path(path, force=force) as tmp:
        tmp.write_bytes(data)
    return path


def _write_xlsx(df, path: Path) -> None:
    """One sheet; every text cell a string cell (openpyxl would make ``=...`` a formula)."""
    import openpyxl  # lazy: openpyxl
    from openpyxl.cell import WriteOnlyCell  # lazy: openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet()

    def cell(value):
        if value is None or value is _NA or (isinstance(value, float) and math.isnan(value)):
            return None
        if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
            value = value.item()
        if isinstance(value, (bool, int, float)):
            return value
        c = WriteOnlyCell(ws, value=_xlsx_text(str(value)))
        c.data_type = "s"
        return c

    ws.append([cell(str(c)) for c in df.columns])
    for row in df.itertuples(index=False, name=None):
        ws.append([cell(v) for v in row])
    wb.save(path)


try:
    from pandas import NA as _NA
except ImportError:  # pragma: no cover
    _NA = object()

_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xlsx_text(text: str) -> str:
    # control characters cannot be stored in an .xlsx cell at all; U+FFFD marks where one was
    return _XLSX_ILLEGAL.sub("\ufffd", text)


def read_string_table(path: str | os.PathLike):
    """A .xlsx sheet or a CSV file (any encoding :func:`read_text` reads) as a DataFrame of strings,
    empty cells as ``""``. Errors are the readers' own: callers say what the table is; a CSV row
    with more or fewer fields than the header is an error naming its line."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        from .ziplimits import check_zip_file  # lazy: qualcode.ziplimits at CLI start-up

        require_regular_file(path)
        check_zip_file(path, file=path, what="an .xlsx workbook")
        return pd.read_excel(path, dtype=str)
    text, _ = read_text(path)
    return read_csv_strings(text, file=path)


def read_csv_strings(text: str, *, sep: str = ",", file: str | os.PathLike | None = None,
                     restore: bool = True):
    """Parse CSV ``text`` into a DataFrame of strings (empty cells ``""``, blank lines skipped).

    Unlike ``pandas.read_csv``, a row with more or fewer fields than the header is an error naming
    its line (pandas would silently take the first field as an index and shift every column), a
    duplicate column name is an error, and (with ``restore``) cells neutralised by
    :func:`write_dataframe` are restored. An empty header cell is named ``Unnamed: <n>`` as pandas does.
    """
    unescape = restore_cell if restore else (lambda v: v)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    rows: list[list[str]] = []
    header: list[str] | None = None
    try:
        for fields in reader:
            if not fields or (len(fields) == 1 and not fields[0].strip() and header is not None):
                continue
            if header is None:
                header = [unescape(h.strip()) or f"Unnamed: {i}" for i, h in enumerate(fields)]
                seen = set()
                for name in header:
                    if name in seen:
                        raise InputFormatError(f"column {name!r} appears twice in the header; "
                                               "rename one", file=file, place="line 1")
                    seen.add(name)
                continue
            if len(fields) != len(header):
                raise InputFormatError(
                    f"{len(fields)} fields where the header has {len(header)}; "
                    "quote cells that contain the separator, or remove the extra field",
                    file=file, place=f"line {reader.line_num}")
            rows.append([unescape(f) for f in fields])
    except csv.Error as exc:
        raise InputFormatError(f"not a valid CSV table ({exc})", file=file,
                               place=f"line {reader.line_num}") from None
    if header is None:
        return pd.DataFrame()
    return pd.DataFrame(rows, columns=header, dtype=object) if rows else \
        pd.DataFrame({h: pd.Series(dtype=object) for h in header})


def dataframe_to_markdown(df) -> str:
    """A GitHub-flavoured Markdown table (no dependency on tabulate)."""
    cols = [str(c) for c in df.columns]

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


def _utf16_without_bom(data: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` when ``data`` has UTF-16's NUL pattern (most characters
    are ASCII/Latin-1, so every other byte is NUL), else None."""
    sample = data[:4096]
    if len(sample) < 4 or len(data) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) >= 0.6 * len(odd) and even.count(0) <= 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) >= 0.6 * len(even) and odd.count(0) <= 0.1 * len(odd):
        return "utf-16-be"
    return None


def decode_bytes(data: bytes, *, file: str | os.PathLike | None = None) -> tuple[str, str]:
    """Decode a text file's bytes; return ``(text, encoding)``.

    UTF-8 (with or without BOM), UTF-16/32 with BOM and UTF-16 without BOM (recognised by its NUL
    pattern) are read exactly; anything else falls back to cp1252, and the returned encoding says
    so, so callers can report it. The BOM is dropped. A NUL character left in the text (a binary
    file, or a damaged one) is an error naming its line.
    """
    text, enc = _decode(data, file)
    nul = text.find("\x00")
    if nul >= 0:
        raise InputFormatError(
            "contains a NUL byte, so it is not a text file (or it is damaged); "
            "save it as UTF-8 text", file=file, place=f"line {text.count(chr(10), 0, nul) + 1}")
    return text, enc


def _decode(data: bytes, file) -> tuple[str, str]:
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError as exc:
                raise InputFormatError(
                    f"not valid {enc} at byte {exc.start} although it starts with a {enc} BOM",
                    file=file,
                ) from None
    if b"\x00" in data[:4096]:
        enc = _utf16_without_bom(data)
        if enc is not None:
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError as exc:
                raise InputFormatError(
                    f"looks like {enc} without a BOM but is not valid {enc} at byte {exc.start}; "
                    "save it as UTF-8", file=file) from None
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


def require_regular_file(path: str | os.PathLike, *, error=InputFormatError,
                         missing: str = "no such file") -> Path:
    """``path`` if it names a regular file (following symlinks), else ``error`` naming it: a FIFO
    or device such as ``/dev/zero`` would hang a reader or exhaust memory."""
    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise error(missing, file=path) from None
    except PermissionError:
        raise error("cannot read (permission denied); fix its permissions", file=path) from None
    except OSError as exc:
        raise error(f"cannot read ({exc.strerror or type(exc).__name__})", file=path) from None
    if stat.S_ISDIR(st.st_mode):
        raise error("is a folder, not a file", file=path)
    if not stat.S_ISREG(st.st_mode):
        raise error("is not a regular file (a pipe, socket or device); give a file", file=path)
    return path


def read_regular_bytes(path: str | os.PathLike, *, error=InputFormatError,
                       missing: str = "no such file") -> bytes:
    """The bytes of a regular file; anything else (missing, folder, FIFO, device, unreadable) is
    ``error`` naming the path. The check is made on the opened file, so it cannot be raced."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError:
        require_regular_file(path, error=error, missing=missing)  # raises the precise message
        raise error("cannot read", file=path) from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if stat.S_ISDIR(st.st_mode):
            raise error("is a folder, not a file", file=path)
        if not stat.S_ISREG(st.st_mode):
            raise error("is not a regular file (a pipe, socket or device); give a file", file=path)
        try:
            return fh.read()
        except OSError as exc:
            raise error(f"cannot read ({exc.strerror or type(exc).__name__})", file=path) from None


def read_text(path: str | os.PathLike) -> tuple[str, str]:
    """Read a text file with :func:`decode_bytes`; line endings normalised to ``\\n``."""
    path = Path(path)
    text, enc = decode_bytes(read_regular_bytes(path), file=path)
    return normalize_newlines(text), enc


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def write_folder(planned, out: str | os.PathLike, *, force: bool = False) -> None:
    """Write ``(path, text or DataFrame)`` pairs, every path inside the folder ``out``, through a
    temporary sibling of ``out``: a folder that cannot be fully written is left as it was, and a
    rerun works. A new ``out`` appears at once (one rename); into an existing one each file is
    linked (never replacing a file that appeared meanwhile) or, with ``force``, replaced."""
    out = Path(out)
    if not force:
        for target, _ in planned:
            if Path(target).exists():
                raise OutputExistsError("already exists; pass --force to replace it", file=target)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    except OSError as exc:
        raise OutputExistsError(f"cannot write here ({exc.strerror})", file=out) from None
    try:
        for target, content in planned:
            staged = stage / Path(target).relative_to(out)
            try:
                staged.parent.mkdir(parents=True, exist_ok=True)
                if isinstance(content, (str, bytes)):
                    staged.write_bytes(content.encode("utf-8") if isinstance(content, str)
                                       else content)
                else:
                    write_dataframe(content, staged)
            except QualcodeError as exc:  # name the file the user asked for, not the stage
                raise OutputExistsError(exc.message, file=target) from None
            except OSError as exc:
                raise OutputExistsError(f"cannot write ({exc.strerror})", file=target) from None
        try:
            if not out.exists():
                os.chmod(stage, 0o777 & ~_umask())  # mkdtemp made it private
                os.rename(stage, out)  # the whole folder appears at once
                return
            for target, _ in planned:
                target = Path(target)
                target.parent.mkdir(parents=True, exist_ok=True)
                staged = stage / target.relative_to(out)
                if force:
                    os.replace(staged, target)
                else:
                    os.link(staged, target)  # fails if it appeared meanwhile
        except FileExistsError as exc:
            raise OutputExistsError("already exists; pass --force to replace it",
                                    file=exc.filename2 or exc.filename) from None
        except OSError as exc:
            raise OutputExistsError(f"cannot write into this folder ({exc.strerror})",
                                    file=out) from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
