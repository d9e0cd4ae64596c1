"""The objects readers return: a :class:`Source` (one document's text) and its :class:`Turn` list."""
from __future__ import annotations

from dataclasses import dataclass, field


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

    ``turns`` may be None from a reader whose format has no structure of its own (plain text,
    docx, odt, pdf): :func:`qualcode.readers.read_source` and :func:`qualcode.readers.with_turns`
    then find speaker turns in ``text`` by the plain-text rules
    (:func:`qualcode.readers.plain.parse_turns`), so what reaches the corpus always has turns. ``attributes`` holds front matter or metadata
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
