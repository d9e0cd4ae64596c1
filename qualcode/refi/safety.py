"""Reading REFI-QDA containers without trusting them.

A .qdpx is a zip written by someone else's tool, or by someone hostile. This module is the only
place that opens one, and it never extracts anything to disk: members are read into memory, by
name, after the whole central directory has been checked. Refused, each with one
:class:`~qualcode.errors.InputFormatError` naming the file and the entry:

* entries whose names escape the archive (``../x``, ``/etc/x``, ``C:\\x``, backslash tricks, NUL);
* zip bombs: too many entries, too much uncompressed data in total or in one entry, or a
  compression ratio no real project has. Sizes are checked from the central directory first, and
  again while reading, because the directory can lie;
* XML with a DOCTYPE or entity declarations (so no external entity is ever resolved and no
  "billion laughs" can expand), XML that is not UTF-8, and XML that is not well-formed.

The standard library's ``xml.etree.ElementTree`` is used once the DOCTYPE check has passed: with
no DTD, expat knows only the five predefined entities and rejects any other reference.
"""
from __future__ import annotations

import io
import os
import re
import zipfile
import xml.etree.ElementTree as ET

from ..errors import InputFormatError

from ..ziplimits import (  # noqa: F401  (the limits every zip container shares live there)
    MAX_ENTRIES, MAX_ENTRY_BYTES, MAX_RATIO, MAX_TOTAL_BYTES, RATIO_MIN_BYTES, Limits,
    check_member_name, check_zip_directory, check_zip_file)

MAX_XML_BYTES = 256 << 20

_CHUNK = 1 << 16
_DECL = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class SafeArchive:
    """A checked .qdpx zip; members are looked up case-insensitively and read into memory."""

    def __init__(self, path, *, limits: Limits | None = None):
        self.path = os.fspath(path)
        self.limits = limits or Limits()
        try:
            self._zip = zipfile.ZipFile(self.path)
        except FileNotFoundError:
            raise InputFormatError("no such file", file=self.path) from None
        except IsADirectoryError:
            raise InputFormatError("is a folder, not a .qdpx file", file=self.path) from None
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise InputFormatError(f"not a .qdpx project: not a zip archive ({exc})",
                                   file=self.path) from None
        try:
            infos = self._zip.infolist()
        except Exception as exc:  # pragma: no cover - zipfile reads the directory in __init__
            self._zip.close()
            raise InputFormatError(f"broken zip directory ({exc})", file=self.path) from None
        self._by_name: dict[str, zipfile.ZipInfo] = {}
        try:
            self._check_directory(infos)
        except Exception:
            self._zip.close()
            raise

    def _check_directory(self, infos) -> None:
        for info, name in check_zip_directory(infos, file=self.path, limits=self.limits):
            if not info.is_dir():
                self._by_name.setdefault(name.lower(), info)

    def close(self) -> None:
        self._zip.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def names(self) -> list[str]:
        """Member names (files only), as stored."""
        return [i.filename for i in self._by_name.values()]

    def find(self, name: str) -> str | None:
        """The stored name of a member, matched case-insensitively (``Sources/`` = ``sources/``)."""
        info = self._by_name.get(name.replace("\\", "/").lower())
        return None if info is None else info.filename

    def project_entry(self) -> str:
        """The project's .qde: ``project.qde`` if present, else the only ``.qde`` at the root."""
        if "project.qde" in self._by_name:
            return self._by_name["project.qde"].filename
        qdes = [i.filename for k, i in self._by_name.items() if k.endswith(".qde") and "/" not in k]
        if len(qdes) == 1:
            return qdes[0]
        if not qdes:
            raise InputFormatError("not a REFI-QDA project: the archive has no .qde file at its root",
                                   file=self.path)
        raise InputFormatError(f"the archive has several .qde files ({', '.join(sorted(qdes))}); "
                               "expected one", file=self.path)

    def read(self, name: str) -> bytes:
        """Read one member into memory, enforcing the size limits while reading."""
        info = self._by_name[name.replace("\\", "/").lower()]
        cap = min(info.file_size, self.limits.max_entry)
        buf = io.BytesIO()
        try:
            with self._zip.open(info) as fh:
                while True:
                    chunk = fh.read(_CHUNK)
                    if not chunk:
                        break
                    buf.write(chunk)
                    if buf.tell() > cap:
                        raise InputFormatError(
                            "entry inflates beyond the size its directory entry declares; "
                            "refusing a possible zip bomb", file=self.path,
                            place=f"entry {info.filename!r}")
        except InputFormatError:
            raise
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError,
                RuntimeError) as exc:  # RuntimeError: an encrypted entry
            raise InputFormatError(f"cannot read entry ({exc})", file=self.path,
                                   place=f"entry {info.filename!r}") from None
        return buf.getvalue()


def parse_xml(data: bytes, *, file, entry: str | None = None) -> ET.Element:
    """Parse REFI-QDA XML bytes into an Element, refusing DTDs, entities and non-UTF-8 XML."""
    place = f"entry {entry!r}" if entry else None
    if len(data) > MAX_XML_BYTES:
        raise InputFormatError(f"XML is {len(data):,} bytes (limit {MAX_XML_BYTES:,})", file=file,
                               place=place)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:1024]:
        raise InputFormatError("XML is not UTF-8 (REFI-QDA requires UTF-8); refusing it", file=file,
                               place=place)
    m = _DECL.search(data)
    if m:
        line = data.count(b"\n", 0, m.start()) + 1
        what = m.group(1).decode("ascii").upper()
        raise InputFormatError(
            f"XML declares a {what} (line {line}); REFI-QDA files have none, and entity "
            "declarations are refused for safety", file=file, place=place)
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped.startswith(b"<"):
        raise InputFormatError("not XML (it does not start with '<')", file=file, place=place)
    parser = ET.XMLParser()
    try:
        parser.feed(data)
        return parser.close()
    except ET.ParseError as exc:
        line, col = getattr(exc, "position", (None, None))
        where = f" at line {line}, column {col}" if line else ""
        reason = str(exc).split(":")[0]
        raise InputFormatError(f"not well-formed XML ({reason}{where})", file=file,
                               place=place) from None
