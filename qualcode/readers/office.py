"""Word processor transcripts: ``.docx`` (python-docx) and OpenDocument ``.odt``.

The rules:

* The document's text is its paragraphs in reading order, each stripped of surrounding white space,
  empty ones dropped, joined with a blank line (``"\\n\\n"``), so each paragraph of the file is a
  paragraph of the text. Line breaks inside a paragraph stay ``\\n``; tabs stay ``\\t``. The
  plain-text speaker rules then find turns (:func:`qualcode.readers.plain.parse_turns`):
  ``Interviewer: ...`` paragraphs start turns, unlabelled paragraphs continue them.
* Tables are read in place, row by row. A row whose first cell is a short label (one line of at
  most five words) and which has text in the other cells reads as ``Label: text`` (the common
  two-column transcript layout); other cells give their paragraphs one by one. Merged cells count
  once.
* If the first paragraph is ``---``, the paragraphs up to the next ``---`` are YAML front matter,
  as in a text transcript (error line numbers count those paragraphs as lines).
* Headers, footers, footnotes, comments, text boxes and tracked deletions are not read.
* ``.odt`` is read from the archive's ``content.xml``: ``text:p`` and ``text:h`` are paragraphs,
  ``text:s`` gives its ``text:c`` spaces, ``text:tab`` a tab, ``text:line-break`` a ``\\n``, and
  other white space collapses to one space, as OpenDocument says. A ``content.xml`` with a DOCTYPE
  or entity declaration is refused (no entity expansion).
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from ..errors import InputFormatError
from ..fileio import require_regular_file
from ..ziplimits import check_zip_file
from . import Source
from .plain import split_front_matter

_MAX_LABEL_WORDS = 5
_MAX_LABEL_CHARS = 40


def read_docx(path: Path) -> list[Source]:
    """Read a Word ``.docx`` transcript (see the module docstring for the rules)."""
    path = Path(path)
    _check_zip(path, "a Word .docx document")
    import docx  # lazy: python-docx
    from docx.table import Table  # lazy: python-docx

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises KeyError/ValueError/PackageNotFoundError
        raise InputFormatError(f"not a readable .docx document ({type(exc).__name__}: {exc}); "
                               "open and save it again in Word or LibreOffice", file=path) from None

    def cell_paragraphs(cell) -> list[str]:
        out = []
        for item in cell.iter_inner_content():
            if isinstance(item, Table):
                out.extend(p for row in table_rows(item) for c in row for p in c)
            else:
                out.append(item.text)
        return out

    def table_rows(table) -> list[list[list[str]]]:
        rows = []
        for row in table.rows:
            seen, cells = set(), []
            for cell in row.cells:
                if id(cell._tc) in seen:  # a merged cell repeats
                    continue
                seen.add(id(cell._tc))
                cells.append(cell_paragraphs(cell))
            rows.append(cells)
        return rows

    blocks = []
    for item in document.iter_inner_content():
        blocks.append(table_rows(item) if isinstance(item, Table) else item.text)
    return [_source(path, blocks, "docx")]


def read_odt(path: Path) -> list[Source]:
    """Read an OpenDocument ``.odt`` transcript (see the module docstring for the rules)."""
    path = Path(path)
    _check_zip(path, "an OpenDocument .odt document")
    try:
        with zipfile.ZipFile(path) as z:
            data = z.read("content.xml")
    except KeyError:
        raise InputFormatError("not an OpenDocument text (no content.xml inside); save it again "
                               "as .odt", file=path) from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputFormatError(f"damaged .odt archive ({exc})", file=path) from None
    if re.search(rb"<!(?:DOCTYPE|ENTITY)", data, flags=re.IGNORECASE):
        raise InputFormatError("content.xml declares a DOCTYPE or XML entities; refusing to expand "
                               "them (save the document again from LibreOffice)", file=path)
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise InputFormatError(f"content.xml is not well-formed XML ({exc})", file=path) from None
    body = root.find(f"{_OFFICE}body/{_OFFICE}text")
    blocks = _odt_blocks(body) if body is not None else []
    return [_source(path, blocks, "odt")]


def _check_zip(path: Path, what: str) -> None:
    require_regular_file(path)
    try:
        ok = zipfile.is_zipfile(path)
    except OSError as exc:
        raise InputFormatError(f"cannot open it ({exc.strerror})", file=path) from None
    if not ok:
        raise InputFormatError(f"not {what} (not a zip archive); if it is a text file, rename it "
                               "to .txt", file=path)

    check_zip_file(path, file=path, what=what)


def _source(path: Path, blocks: list, fmt: str) -> Source:
    paragraphs = _paragraphs(blocks)
    meta: dict = {}
    if paragraphs and paragraphs[0] == "---":
        closing = next((i for i, p in enumerate(paragraphs[1:], start=1) if p == "---"), None)
        head = paragraphs if closing is None else paragraphs[: closing + 1]
        meta, _, _ = split_front_matter("\n".join(head) + "\n", file=path)
        paragraphs = paragraphs[closing + 1:]
    text = "\n\n".join(paragraphs)
    if not text.strip():
        raise InputFormatError("empty document (no text after the front matter)" if meta
                               else "empty document (no text in it)", file=path)
    return Source(name=path.stem, text=text, path=str(path), format=fmt, attributes=meta)


def _paragraphs(blocks: list) -> list[str]:
    """Flatten paragraphs (str) and tables (rows of cells of paragraphs) into clean paragraphs."""
    out = []
    for block in blocks:
        if isinstance(block, str):
            out.append(_clean(block))
            continue
        for row in block:
            cells = [[_clean(p) for p in cell if _clean(p)] for cell in row]
            cells = [c for c in cells if c]
            if len(cells) >= 2 and _is_label(cells[0]):
                label = cells[0][0].rstrip(":").rstrip()
                rest = [p for c in cells[1:] for p in c]
                out.append(f"{label}: {rest[0]}")
                out.extend(rest[1:])
            else:
                out.extend(p for c in cells for p in c)
    return [p for p in out if p]


def _clean(paragraph: str) -> str:
    return paragraph.replace("\r\n", "\n").replace("\r", "\n").replace("\x0b", "\n").strip()


def _is_label(cell: list[str]) -> bool:
    text = cell[0]
    return (len(cell) == 1 and "\n" not in text and len(text) <= _MAX_LABEL_CHARS
            and len(text.split()) <= _MAX_LABEL_WORDS and text.rstrip(":")[-1:].isalnum())


# ---------------------------------------------------------------------------------------------
# OpenDocument content.xml

_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_SKIP = {f"{_TEXT}note", f"{_OFFICE}annotation", f"{_OFFICE}annotation-end",
         f"{_TEXT}tracked-changes", f"{_TEXT}sequence-decls", f"{_OFFICE}forms",
         f"{_TEXT}table-of-content-source", f"{_TEXT}alphabetical-index-source"}
_WS = re.compile(r"[ \t\r\n]+")


def _odt_blocks(element) -> list:
    blocks: list = []
    for child in element:
        tag = child.tag
        if tag in _SKIP or tag.startswith("{urn:oasis:names:tc:opendocument:xmlns:drawing"):
            continue
        if tag in (f"{_TEXT}p", f"{_TEXT}h"):
            blocks.append(_odt_paragraph(child))
        elif tag == f"{_TABLE}table":
            blocks.append(_odt_rows(child))
        else:  # sections, lists, list items, index bodies ...
            blocks.extend(_odt_blocks(child))
    return blocks


def _odt_rows(table) -> list[list[list[str]]]:
    rows = []
    for child in table:  # rows may sit in header-rows / row-group elements; nested tables not
        if child.tag == f"{_TABLE}table-row":
            rows.append([_paragraphs(_odt_blocks(cell)) for cell in child
                         if cell.tag == f"{_TABLE}table-cell"])
        elif child.tag in (f"{_TABLE}table-header-rows", f"{_TABLE}table-rows",
                           f"{_TABLE}table-row-group"):
            rows.extend(_odt_rows(child))
    return rows


def _odt_paragraph(p) -> str:
    pieces: list[str] = []

    def add_text(data: str | None) -> None:
        if not data:
            return
        data = _WS.sub(" ", data)
        if data.startswith(" ") and (not pieces or pieces[-1].endswith((" ", "\n"))):
            data = data[1:]  # white space collapses across elements too
        if data:
            pieces.append(data)

    def walk(node) -> None:
        add_text(node.text)
        for child in node:
            tag = child.tag
            if tag == f"{_TEXT}s":
                count = child.get(f"{_TEXT}c", "1")
                pieces.append(" " * (int(count) if count.isdigit() else 1))
            elif tag == f"{_TEXT}tab":
                pieces.append("\t")
            elif tag == f"{_TEXT}line-break":
                pieces.append("\n")
            elif tag not in _SKIP and not tag.startswith("{urn:oasis:names:tc:opendocument:xmlns:drawing"):
                walk(child)
            add_text(child.tail)

    walk(p)
    return "".join(pieces)
