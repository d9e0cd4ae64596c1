"""Readers turn one transcript file into :class:`Source` objects (text + speaker turns).

A reader knows one file format and nothing about units, cases or codings: :mod:`qualcode.corpus`
turns sources into the segments table. Each reader returns a list, because a table file (csv/xlsx)
may hold several documents.

Offsets in :class:`Turn` index ``Source.text`` in Python ``str`` characters (code points), 0-based,
end exclusive; ``Source.text[turn.start:turn.end]`` is the turn's content without its speaker label
or timestamp.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import InputFormatError


@dataclass
class Turn:
    """A stretch of one speaker's talk: ``text[start:end]`` is what they said."""

    speaker: str
    start: int
    end: int
    timestamp: str = ""  # as written in the transcript, e.g. "00:12:31"
    start_time: float | None = None  # seconds from the start of the recording
    end_time: float | None = None


@dataclass
class Source:
    """One document as read from a file.

    ``turns`` is None when the format has no structure of its own (plain text, docx, odt, pdf):
    the corpus then finds speaker turns in ``text`` by the plain-text rules of
    :func:`qualcode.readers.plain.parse_turns`. ``attributes`` holds front matter or metadata
    (``case``, ``interviewer``, ``participant``, ...).
    """

    name: str
    text: str
    path: str
    format: str
    turns: list[Turn] | None = None
    attributes: dict = field(default_factory=dict)
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)


Reader = Callable[[Path], "list[Source]"]

#: suffix -> (module name in this package, function name); imported lazily so that a missing
#: optional format library only matters for that format.
_READERS: dict[str, tuple[str, str]] = {
    ".txt": ("plain", "read_plain"),
    ".text": ("plain", "read_plain"),
    ".md": ("plain", "read_plain"),
    ".docx": ("office", "read_docx"),
    ".odt": ("office", "read_odt"),
    ".pdf": ("pdf", "read_pdf"),
    ".vtt": ("subtitles", "read_vtt"),
    ".srt": ("subtitles", "read_srt"),
    ".csv": ("table", "read_table"),
    ".tsv": ("table", "read_table"),
    ".xlsx": ("table", "read_table"),
}


def supported_suffixes() -> list[str]:
    return sorted(_READERS)


def read_source(path: str | os.PathLike) -> list[Source]:
    """Read one transcript file with the reader its suffix names."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _READERS:
        raise InputFormatError(
            f"unsupported transcript format {suffix or '(no suffix)'}; "
            f"use one of {', '.join(supported_suffixes())}",
            file=path,
        )
    from ..fileio import require_regular_file

    require_regular_file(path)  # a FIFO or device would hang the reader or fill memory
    module_name, func_name = _READERS[suffix]
    import importlib

    module = importlib.import_module(f"{__name__}.{module_name}")
    return getattr(module, func_name)(path)
