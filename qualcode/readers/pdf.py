"""PDF transcripts: the text layer, extracted with pypdf and put back into lines and paragraphs.

A PDF has no paragraphs or turns, only positioned lines, so the reader rebuilds them:

* Tabs (pypdf separates words of some PDFs with tabs) and runs of spaces become one space.
* Page furniture is dropped: a page number such as ``1/5``, ``3``, ``Page 3`` or ``Page 3 of 5``
  on the first or last line of a page, and line-number columns (runs of three or more lines that
  hold just the consecutive integers ``n, n+1, ...``).
* A line that begins with a speaker label (``Dan:``; see
  :func:`qualcode.readers.plain.parse_turns`) starts a new paragraph. A label alone on its line,
  with the words indented on the lines below it (as many transcription services lay it out),
  stays on its own line and its words follow on the next line, which the plain-text rules read as
  one turn.
* An indented line after a line that ends a sentence starts a new paragraph; any other line
  (including the first line of the next page) continues the previous one: lines are joined with a
  space, or without one after a hyphen at the end of a line (``non-`` + ``linear`` ->
  ``non-linear``; the hyphen is kept, as it may be part of the word).
* A PDF without a text layer (a scanned image) is an error: run OCR on it first.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path

from ..errors import InputFormatError
from . import Source
from .plain import _label_match

_PAGE_NUMBER = re.compile(r"^(?:page\s+)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?$", re.IGNORECASE)
_INTEGER = re.compile(r"^\d{1,5}$")
_SPACES = re.compile(r"[^\S\n]+")
_SENTENCE_END = re.compile(r"[.?!…:\"”’)\]]$")


def read_pdf(path: Path) -> list[Source]:
    """Read the text layer of a PDF transcript (see the module docstring for the rules)."""
    path = Path(path)
    pages = _extract_pages(path)
    lines: list[tuple[str, bool]] = []  # (text, indented)
    for page in pages:
        lines.extend(_page_lines(page))
    text = _join(lines)
    if not text.strip():
        raise InputFormatError("no extractable text in this PDF (a scanned image?); run OCR on it "
                               "first (e.g. ocrmypdf) or load a text/docx export", file=path)
    return [Source(name=path.stem, text=text, path=str(path), format="pdf")]


def _extract_pages(path: Path) -> list[str]:
    import pypdf  # lazy: pypdf
    from pypdf.errors import PyPdfError  # lazy: pypdf

    with open(path, "rb") as f:
        head = f.read(1024)
    if b"%PDF-" not in head:
        raise InputFormatError("not a PDF (no %PDF- header at its start)", file=path)
    # pypdf logs warnings about harmless quirks of real PDFs; the user gets one line or none
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        reader = pypdf.PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputFormatError("the PDF is password-protected; save an unprotected copy first",
                                   file=path)
        return [page.extract_text() or "" for page in reader.pages]
    except InputFormatError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise InputFormatError(f"not a readable PDF ({type(exc).__name__}: {exc})",
                               file=path) from None
    finally:
        logger.setLevel(level)


def _page_lines(page: str) -> list[tuple[str, bool]]:
    raw = page.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = [(_SPACES.sub(" ", line).strip(), line[:1].isspace()) for line in raw]
    keep = [True] * len(lines)
    # line-number columns: runs of >= 3 consecutive integers
    i = 0
    while i < len(lines):
        j = i
        while (j + 1 < len(lines) and _INTEGER.match(lines[j][0]) and _INTEGER.match(lines[j + 1][0])
               and int(lines[j + 1][0]) == int(lines[j][0]) + 1):
            j += 1
        if j - i >= 2:
            keep[i:j + 1] = [False] * (j - i + 1)
            i = j + 1
        else:
            i += 1
    kept = [i for i, k in enumerate(keep) if k and lines[i][0]]
    for edge in (kept[:1] + kept[-1:]):
        if _PAGE_NUMBER.match(lines[edge][0]):
            keep[edge] = False
    return [lines[i] for i in range(len(lines)) if keep[i]]


def _join(lines: list[tuple[str, bool]]) -> str:
    out: list[str] = []
    prev = None  # "label" (a label alone), "text", or None (start, or after a blank line)
    for line, indented in lines:
        if not line:
            if prev == "text":
                prev = None
            continue
        found = _label_match(line)
        if found is not None:
            if out:
                out.append("\n\n")
            out.append(line)
            alone = found[0].end() >= len(line.rstrip())
            prev = "label" if alone else "text"
            continue
        if prev == "label":
            out.append("\n")
        elif prev is None:
            if out:
                out.append("\n\n")
        elif indented and _SENTENCE_END.search(out[-1]):
            out.append("\n\n")
        elif not (out[-1].endswith("-") and out[-1][-2:-1].isalpha()):
            out.append(" ")
        out.append(line)
        prev = "text"
    return "".join(out)
