"""Readers turn one transcript file into :class:`Source` objects (text + speaker turns).

A reader knows one file format and nothing about units, cases or codings: :mod:`qualcode.corpus`
turns sources into the segments table. :func:`read_source` always returns sources with speaker
turns (:func:`with_turns`); who counts as interviewer is decided once, in :mod:`.speakers`. Each reader returns a list, because a table file (csv/xlsx)
may hold several documents.

Offsets in :class:`Turn` index ``Source.text`` in Python ``str`` characters (code points), 0-based,
end exclusive; ``Source.text[turn.start:turn.end]`` is the turn's content without its speaker label
or timestamp.
"""
from __future__ import annotations

import dataclasses
import importlib
import os
from pathlib import Path
from typing import Callable

from ..errors import InputFormatError
from ..fileio import require_regular_file
from .base import Source, Turn
from .plain import paragraph_turns, parse_turns
from .speakers import (DEFAULT_INTERVIEWER, declared_interviewers, declared_speakers,
                       interviewer_rule)

__all__ = ["Source", "Turn", "read_source", "supported_suffixes", "with_turns", "parse_turns",
           "paragraph_turns", "DEFAULT_INTERVIEWER", "declared_interviewers", "declared_speakers",
           "interviewer_rule"]


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


def read_source(path: str | os.PathLike, *, turns: bool = True) -> list[Source]:
    """Read one transcript file with the reader its suffix names.

    ``turns=False`` leaves ``turns`` None where the format has no structure of its own, so a
    caller can add ``speakers``/``interviewer`` attributes (a project's settings) before
    :func:`with_turns` finds the turns."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _READERS:
        raise InputFormatError(
            f"unsupported transcript format {suffix or '(no suffix)'}; "
            f"use one of {', '.join(supported_suffixes())}",
            file=path,
        )

    require_regular_file(path)  # a FIFO or device would hang the reader or fill memory
    module_name, func_name = _READERS[suffix]

    module = importlib.import_module(f"{__name__}.{module_name}")
    sources = getattr(module, func_name)(path)
    return [with_turns(src) for src in sources] if turns else sources


def with_turns(source: Source) -> Source:
    """``source`` with its speaker turns: its own, the front matter's ``turns`` (a list of
    ``[start, end, speaker]``, written by qualcode where the plain-text rules would find other
    turns, e.g. a subtitle cue without a speaker label), or the turns the plain-text rules find
    in its text, with the front matter's ``speakers``/``interviewer``."""
    if source.turns is not None:
        return source
    attrs = source.attributes
    if "turns" in attrs:
        attrs = dict(attrs)
        turns = declared_turns(attrs.pop("turns"), source.text, file=source.path)
        return dataclasses.replace(source, turns=turns, attributes=attrs)
    turns = parse_turns(source.text, speakers=declared_speakers(attrs),
                        interviewers=declared_interviewers(attrs))
    return dataclasses.replace(source, turns=turns)


def declared_turns(value, text: str, *, file=None) -> list[Turn]:
    """Front matter ``turns: [[start, end, speaker], ...]`` (optionally a timestamp fourth) as
    turns, checked against the text: in order, not overlapping, inside it."""
    where = "front matter 'turns'"
    if not isinstance(value, list):
        raise InputFormatError("'turns' must be a list of [start, end, speaker]", file=file,
                               place=where)
    out, last = [], 0
    for k, row in enumerate(value, 1):
        ok = (isinstance(row, list) and len(row) in (3, 4)
              and all(isinstance(v, int) and not isinstance(v, bool) for v in row[:2])
              and all(v is None or isinstance(v, str) for v in row[2:]))
        if not ok or not (last <= row[0] <= row[1] <= len(text)):
            raise InputFormatError(f"turn {k} is not [start, end, speaker] in order inside the "
                                   f"text ({len(text)} characters); fix or delete 'turns'",
                                   file=file, place=where)
        out.append(Turn(row[2] or "", row[0], row[1], timestamp=(row[3] or "") if len(row) == 4
                        else ""))
        last = row[1]
    return out
