"""The limits every zip container qualcode reads shares: .qdpx projects, .docx and .odt
transcripts, .xlsx tables, .qcm model files and the .npz inside them.

A zip written by someone hostile can declare entries that escape the archive (``../x``) or inflate
a few kilobytes into gigabytes. :func:`check_zip_directory` refuses too many entries, too much
uncompressed data in total or in one entry, a compression ratio no real file has, and names that
escape, from the central directory alone, before anything is inflated. That is enough for readers
built on :mod:`zipfile` (python-docx, openpyxl, numpy): zipfile never inflates a member beyond the
size its directory entry declares. :class:`qualcode.refi.safety.SafeArchive` also checks while
reading.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass

from .errors import InputFormatError

#: limits; generous for real projects (the largest shared example is 1.5 MB zipped, 3.5 MB unzipped).
MAX_ENTRIES = 20_000
MAX_TOTAL_BYTES = 1 << 30  # 1 GiB uncompressed in total
MAX_ENTRY_BYTES = 512 << 20  # 512 MiB for one member
MAX_RATIO = 200  # uncompressed / compressed, checked for members above RATIO_MIN_BYTES
RATIO_MIN_BYTES = 1 << 20
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class Limits:
    """Size limits for one archive (tests lower them to build small bombs)."""

    max_entries: int = MAX_ENTRIES
    max_total: int = MAX_TOTAL_BYTES
    max_entry: int = MAX_ENTRY_BYTES
    max_ratio: float = MAX_RATIO
    ratio_min: int = RATIO_MIN_BYTES


def check_member_name(name: str, *, file) -> str:
    """Return the member's name with ``/`` separators, or refuse one that escapes the archive."""
    norm = name.replace("\\", "/")
    parts = norm.split("/")
    if ("\x00" in name or norm.startswith("/") or _DRIVE.match(norm)
            or any(p == ".." for p in parts)):
        raise InputFormatError(
            f"archive entry {name!r} points outside the archive; refusing to read this file",
            file=file, place=f"entry {name!r}")
    return norm


def check_zip_directory(infos, *, file, limits: Limits | None = None, error=InputFormatError):
    """Check a zip's central directory (``ZipFile.infolist()``) against the limits; return
    ``[(info, name with / separators)]``. Every zip container qualcode reads (.qdpx, .docx, .odt,
    .xlsx, .qcm and the .npz inside it) goes through this, so all share one set of limits.

    Checking the directory is enough for readers built on :mod:`zipfile`: it never inflates a
    member beyond the size the directory declares.
    """
    lim = limits or Limits()
    if len(infos) > lim.max_entries:
        raise error(f"archive has {len(infos)} entries (limit {lim.max_entries}); "
                    "refusing to read it", file=file)
    total = 0
    out = []
    for info in infos:
        name = check_member_name(info.filename, file=file)
        total += info.file_size
        if info.file_size > lim.max_entry:
            raise error(
                f"entry is {info.file_size:,} bytes uncompressed (limit {lim.max_entry:,}); "
                "refusing a possible zip bomb", file=file, place=f"entry {info.filename!r}")
        if (info.file_size > lim.ratio_min
                and info.file_size > lim.max_ratio * max(info.compress_size, 1)):
            raise error(
                f"entry compresses {info.file_size / max(info.compress_size, 1):,.0f} to 1 "
                f"(limit {lim.max_ratio:g}); refusing a possible zip bomb",
                file=file, place=f"entry {info.filename!r}")
        if total > lim.max_total:
            raise error(
                f"archive holds more than {lim.max_total:,} bytes uncompressed; refusing a "
                "possible zip bomb", file=file, place=f"entry {info.filename!r}")
        out.append((info, name))
    return out


def check_zip_file(source, *, file, what: str, limits: Limits | None = None,
                   error=InputFormatError) -> None:
    """Open ``source`` (a path or binary file object) as a zip and check it with
    :func:`check_zip_directory`; ``what`` names the expected format in the error."""
    try:
        with zipfile.ZipFile(source) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise error(f"not {what} (not a zip archive: {exc})", file=file) from None
    check_zip_directory(infos, file=file, limits=limits, error=error)
