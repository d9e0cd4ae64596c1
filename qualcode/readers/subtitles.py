"""Subtitle transcripts: WebVTT (``.vtt``, as Zoom, Teams and others write it) and SubRip (``.srt``).

The rules:

* A file is a sequence of blocks separated by blank lines. A VTT file may start with a ``WEBVTT``
  header block; ``NOTE``, ``STYLE`` and ``REGION`` blocks are skipped. A cue block is an optional
  cue id line (Zoom and SRT number them), a timing line ``hh:mm:ss.mmm --> hh:mm:ss.mmm`` (hours
  optional; ``,`` or ``.`` before the milliseconds; cue settings after the end time are ignored),
  then the cue's text lines. A block without a readable timing line is an error naming its line.
* The speaker comes from a voice tag (``<v Dr. Chen>text``, as Teams writes it; a cue with several
  voice tags is split) or from a ``Name: text`` prefix (as Zoom writes it). A prefix counts as a
  speaker when it has at most five words and appears in at least two cues, or when most cues of the
  file carry such a prefix (so a Zoom participant who speaks once still counts, while ``Note: ...``
  in a caption file does not). Other tags (``<c>``, ``<i>``, ``<b>``, ``<font>``, timestamps
  ``<00:00:01.000>``) are removed and entities such as ``&amp;`` decoded. The lines of one cue are
  joined with a space.
* Consecutive cues of the same named speaker merge into one turn, which keeps the first cue's start
  time and the last cue's end time. Cues without a speaker (a caption track such as Zoom's
  ``.cc.vtt``) get speaker ``""`` and each stays its own turn: without names there is no evidence
  that two cues belong to one turn, and one turn per cue keeps every cue's times.
* The document's text has one line per turn, ``Speaker: text`` (just ``text`` without a speaker),
  turns separated by a blank line. A turn's offsets cover the spoken text only, not the label.
  ``timestamp`` is the first cue's start time as written; ``start_time``/``end_time`` are seconds.
"""
from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputFormatError
from ..fileio import read_text
from . import Source, Turn

CP1252_WARNING = "not UTF-8: read as Windows-1252 (cp1252); save it as UTF-8 to be sure"

_TIME = r"(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}"
_TIMING_RE = re.compile(r"^\s*(?P<start>" + _TIME + r")\s*-->\s*(?P<end>" + _TIME + r")(?:\s+.*)?$")
_VOICE_RE = re.compile(r"<v(?:\.[^\s>]*)?(?:\s+(?P<name>[^>]*))?>", re.IGNORECASE)
_TAG_RE = re.compile(r"<[^>\n]*>")
_PREFIX_RE = re.compile(r"^(?P<name>[^\W\d_][^:\n]{0,60}?)\s*:\s+(?P<rest>\S.*)$", re.DOTALL)
_MAX_LABEL_WORDS = 5


@dataclass
class Utterance:
    """One stretch of talk before merging: a cue (or a row of a table)."""

    speaker: str
    text: str
    timestamp: str = ""
    start_time: float | None = None
    end_time: float | None = None


def cue_seconds(value: str) -> float:
    """``"01:02:03.500"`` -> 3723.5; ``"02:03,5"`` -> 123.5."""
    parts = value.replace(",", ".").split(":")
    seconds = 0.0
    for p in parts:
        seconds = seconds * 60 + float(p)
    return seconds


def build_source(utterances: list[Utterance], *, name: str, path: Path, fmt: str,
                 merge: bool = True, attributes: dict | None = None,
                 encoding: str | None = None) -> Source:
    """Lay utterances out as ``Speaker: text`` lines and return a Source with explicit turns.

    With ``merge``, consecutive utterances of the same non-empty speaker become one turn (texts
    joined with a space; first start time, last end time).
    """
    merged: list[Utterance] = []
    for u in utterances:
        text = u.text.strip()
        if not text:
            continue
        prev = merged[-1] if merged else None
        if merge and prev is not None and u.speaker and prev.speaker == u.speaker:
            prev.text = f"{prev.text} {text}"
            if u.end_time is not None:
                prev.end_time = u.end_time
            continue
        merged.append(Utterance(u.speaker, text, u.timestamp, u.start_time, u.end_time))
    pieces: list[str] = []
    turns: list[Turn] = []
    pos = 0
    for u in merged:
        if pieces:
            pieces.append("\n\n")
            pos += 2
        label = f"{u.speaker}: " if u.speaker else ""
        pieces.append(label + u.text)
        start = pos + len(label)
        pos = start + len(u.text)
        turns.append(Turn(u.speaker, start, pos, timestamp=u.timestamp,
                          start_time=u.start_time, end_time=u.end_time))
    src = Source(name=name, text="".join(pieces), path=str(path), format=fmt, turns=turns,
                 attributes=dict(attributes or {}), encoding=encoding)
    if encoding == "cp1252":
        src.warnings.append(CP1252_WARNING)
    return src


def _blocks(text: str):
    """Yield (line number of the block's first line, list of lines) for blank-line separated blocks."""
    block: list[str] = []
    first = 0
    for n, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            if not block:
                first = n
            block.append(line.rstrip())
        elif block:
            yield first, block
            block = []
    if block:
        yield first, block


def _strip_tags(text: str) -> str:
    """``_TAG_RE.sub("", text)`` in linear time (the regex retries from every ``<`` that has no
    ``>`` after it on its line: 60,000 of them took over a minute): a tag runs from the first
    ``<`` after the previous ``>`` to the next ``>``, on one line."""
    out = []
    for line in text.split("\n"):
        parts = line.split(">")
        for part in parts[:-1]:
            lt = part.find("<")
            out.append(part + ">" if lt < 0 else part[:lt])
        out.append(parts[-1])
        out.append("\n")
    return "".join(out[:-1])


def _clean(text: str) -> str:
    text = _strip_tags(text)
    return " ".join(html.unescape(text).split())


_VOICE_START = re.compile(r"<v(?=[.\s]|\Z)", re.IGNORECASE)


def _voice_tags(payload: str):
    """Yield ``(start, end, name)`` for each voice tag, as ``_VOICE_RE.finditer`` would, in
    linear time: between two ``>`` only the first ``<v`` that starts a voice tag can match."""
    pos = 0
    for part in payload.split(">")[:-1]:
        m = _VOICE_START.search(part)
        if m is not None:
            tag = _VOICE_RE.match(part[m.start():] + ">")
            yield pos + m.start(), pos + len(part) + 1, tag.group("name") if tag else ""
        pos += len(part) + 1


def _voice_pieces(payload: str) -> list[tuple[str | None, str]]:
    """Split a cue's text at voice tags: ``[(speaker or None, text), ...]``."""
    matches = list(_voice_tags(payload))
    if not matches:
        return [(None, _clean(payload))]
    pieces = []
    if payload[: matches[0][0]].strip():
        pieces.append((None, _clean(payload[: matches[0][0]])))
    for m, nxt in zip(matches, matches[1:] + [None]):
        end = nxt[0] if nxt is not None else len(payload)
        name = " ".join((m[2] or "").split())
        pieces.append((name, _clean(payload[m[1]:end])))
    return pieces


def _parse_cues(text: str, *, path: Path, fmt: str) -> list[Utterance]:
    raw: list[tuple[str | None, str, str, float, float]] = []
    blocks = list(_blocks(text))
    if fmt == "vtt" and blocks and blocks[0][1][0].lstrip("\ufeff").startswith("WEBVTT"):
        header_line, header = blocks[0]
        if any("-->" in line for line in header):
            raise InputFormatError(
                "a cue must be separated from the WEBVTT header by a blank line",
                file=path, place=f"line {header_line}")
        blocks = blocks[1:]
    for first, lines in blocks:
        if fmt == "vtt" and re.match(r"^(NOTE|STYLE|REGION)\b", lines[0]):
            continue
        timing_at = 0 if "-->" in lines[0] else 1
        if timing_at >= len(lines) or "-->" not in lines[timing_at]:
            bad = lines[min(timing_at, len(lines) - 1)]
            raise InputFormatError(
                f"expected a cue timing line 'hh:mm:ss.mmm --> hh:mm:ss.mmm', found {bad[:60]!r}",
                file=path, place=f"line {first + min(timing_at, len(lines) - 1)}")
        timing = lines[timing_at]
        m = _TIMING_RE.match(timing)
        if m is None:
            raise InputFormatError(
                f"malformed cue timing {timing.strip()[:60]!r}; expected 'hh:mm:ss.mmm --> hh:mm:ss.mmm'",
                file=path, place=f"line {first + timing_at}")
        for stamp in (m.group("start"), m.group("end")):
            if any(int(float(part)) > 59 for part in stamp.replace(",", ".").split(":")[-2:]):
                raise InputFormatError(
                    f"cue time {stamp!r} is not a time: minutes and seconds run from 00 to 59",
                    file=path, place=f"line {first + timing_at}")
        start, end = cue_seconds(m.group("start")), cue_seconds(m.group("end"))
        payload = "\n".join(lines[timing_at + 1:])
        for speaker, words in _voice_pieces(payload):
            raw.append((speaker, words, m.group("start"), start, end))
    return _assign_prefix_speakers(raw)


def _assign_prefix_speakers(raw) -> list[Utterance]:
    """Give cues without a voice tag the ``Name:`` prefix speaker, where it counts (module doc)."""
    candidates = []
    for speaker, words, *_ in raw:
        m = _PREFIX_RE.match(words) if speaker is None else None
        name = m.group("name").strip() if m else None
        if name and len(name.split()) > _MAX_LABEL_WORDS:
            name = None
        candidates.append((name, m))
    counts = Counter(name for name, _ in candidates if name)
    most_labelled = sum(counts.values()) * 2 > len(raw)
    out = []
    for (speaker, words, ts, start, end), (name, m) in zip(raw, candidates):
        if speaker is None and name and (counts[name] >= 2 or most_labelled):
            speaker, words = name, m.group("rest")
        out.append(Utterance(speaker or "", words, ts, start, end))
    return out


def _read(path: Path, fmt: str) -> list[Source]:
    path = Path(path)
    text, encoding = read_text(path)
    utterances = _parse_cues(text, path=path, fmt=fmt)
    if not any(u.text.strip() for u in utterances):
        raise InputFormatError(f"no cues with text found; is this a .{fmt} subtitle file?", file=path)
    return [build_source(utterances, name=path.stem, path=path, fmt=fmt, encoding=encoding)]


def read_vtt(path: Path) -> list[Source]:
    """Read a WebVTT transcript (Zoom ``Name: text`` cues or ``<v Name>`` voice tags)."""
    return _read(path, "vtt")


def read_srt(path: Path) -> list[Source]:
    """Read a SubRip ``.srt`` transcript (``Name: text`` cues give speakers)."""
    return _read(path, "srt")
